/*
 * alloc.h - counted small allocations and checked size arithmetic.
 *
 * Owns: the process-wide allocation counters and, in test builds, the
 * fault-injection hook that makes the Nth allocation fail.  Small objects go
 * through bf_malloc and friends; large buffers (chunk bytes, decoded blocks,
 * encoded output) belong to the buffer pool of the engine layer.  Every
 * result is checked by the caller; nothing here aborts.  Thread-safe.
 */
#ifndef BF_ALLOC_H
#define BF_ALLOC_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *bf_malloc(size_t n);
void *bf_calloc(size_t count, size_t size);
void *bf_realloc(void *p, size_t n);
void bf_free(void *p);
char *bf_strdup(const char *s);
char *bf_strndup(const char *s, size_t n);

/* Number of live bf_* allocations (for leak checks in tests). */
long bf_alloc_live(void);

/*
 * Test hook: make every allocation after the next `n` fail (n < 0 turns the
 * hook off).  Used by fault-injection tests only.
 */
void bf_alloc_fail_after(long n);

/* Checked size arithmetic: false on overflow (the result is then unspecified). */
static inline bool bf_size_add(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

static inline bool bf_size_mul(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

#endif
