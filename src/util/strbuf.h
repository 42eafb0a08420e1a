/*
 * strbuf.h - a growable byte buffer for text and small binary output.
 *
 * Owns: its bytes (from bf_malloc).  Used for sidecar text (.bim, .fam,
 * .sample), headers and JSON.  Large genotype output never goes through it.
 * Always NUL-terminated after any successful call.  Not thread-safe.
 */
#ifndef BF_STRBUF_H
#define BF_STRBUF_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

struct bf_strbuf {
	char *buf;  /* bytes, NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
};

#define BF_STRBUF_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void bf_strbuf_init(struct bf_strbuf *sb);
void bf_strbuf_release(struct bf_strbuf *sb);
/* Make room for `extra` more bytes.  @return 0 or BF_E_NOMEM. */
int bf_strbuf_grow(struct bf_strbuf *sb, size_t extra) BF_MUST_CHECK;
int bf_strbuf_add(struct bf_strbuf *sb, const void *p, size_t n) BF_MUST_CHECK;
int bf_strbuf_adds(struct bf_strbuf *sb, const char *s) BF_MUST_CHECK;
int bf_strbuf_addc(struct bf_strbuf *sb, char c) BF_MUST_CHECK;
int bf_strbuf_addf(struct bf_strbuf *sb, const char *fmt, ...) BF_PRINTF(2, 3) BF_MUST_CHECK;
/* Little-endian fixed-width integers. */
int bf_strbuf_add_u16le(struct bf_strbuf *sb, uint16_t v) BF_MUST_CHECK;
int bf_strbuf_add_u32le(struct bf_strbuf *sb, uint32_t v) BF_MUST_CHECK;
void bf_strbuf_reset(struct bf_strbuf *sb);

#endif
