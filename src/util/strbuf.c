/*
 * strbuf.c - growable byte buffer (see strbuf.h).
 */
#include "util/bf_config.h"

#include "util/strbuf.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/endian.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bf_strbuf_init(struct bf_strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void bf_strbuf_release(struct bf_strbuf *sb)
{
	if (!sb)
		return;
	bf_free(sb->buf);
	bf_strbuf_init(sb);
}

void bf_strbuf_reset(struct bf_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

int bf_strbuf_grow(struct bf_strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (!bf_size_add(sb->len, extra, &need) || !bf_size_add(need, 1, &need))
		return BF_E_NOMEM;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need) {
		if (!bf_size_mul(cap, 2, &cap))
			return BF_E_NOMEM;
	}
	p = bf_realloc(sb->buf, cap);
	if (!p)
		return BF_E_NOMEM;
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int bf_strbuf_add(struct bf_strbuf *sb, const void *p, size_t n)
{
	BF_FORWARD(bf_strbuf_grow(sb, n));
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int bf_strbuf_adds(struct bf_strbuf *sb, const char *s)
{
	return bf_strbuf_add(sb, s, strlen(s));
}

int bf_strbuf_addc(struct bf_strbuf *sb, char c)
{
	return bf_strbuf_add(sb, &c, 1);
}

int bf_strbuf_addf(struct bf_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return BF_E_INTERNAL;
	BF_FORWARD(bf_strbuf_grow(sb, (size_t)n));
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

int bf_strbuf_add_u16le(struct bf_strbuf *sb, uint16_t v)
{
	uint8_t b[2];

	bf_store_le16(b, v);

	return bf_strbuf_add(sb, b, 2);
}

int bf_strbuf_add_u32le(struct bf_strbuf *sb, uint32_t v)
{
	uint8_t b[4];

	bf_store_le32(b, v);

	return bf_strbuf_add(sb, b, 4);
}
