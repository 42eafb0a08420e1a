/*
 * bigbuf.h - large buffers that go straight back to the kernel.
 *
 * Owns: page-granular buffers for chunk bytes, decoded blocks and encoded
 * output.  They are mapped with mmap and released with munmap, so a freed
 * decode buffer never stays behind in a malloc arena (the reference tool's
 * idle-memory problem).  A process-wide counter of mapped bytes feeds the
 * memory statistics.  Thread-safe.
 */
#ifndef BF_BIGBUF_H
#define BF_BIGBUF_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Map `n` bytes (zero-filled).  From 2 MiB up the buffer starts on a huge-
 * page boundary and is rounded up to whole huge pages when that adds at
 * most an eighth, so transparent huge pages back all of it.
 * @return the buffer, or NULL on failure.
 */
void *bf_bigbuf_alloc(size_t n);

/* Unmap a buffer of `n` bytes from bf_bigbuf_alloc.  NULL is allowed. */
void bf_bigbuf_free(void *p, size_t n);

/* Bytes currently mapped through this module (rounded lengths). */
uint64_t bf_bigbuf_mapped(void);

#endif
