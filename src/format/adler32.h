/*
 * adler32.h - Adler-32 checksum (RFC 1950) for the stored-zlib framing.
 *
 * Owns: bf_adler32, a drop-in for zlib's adler32_z (same value, same
 * chaining rule: start from 1, feed the previous result back), with an AVX2
 * path chosen at run time and a portable scalar path.  Pure functions,
 * thread-safe.
 */
#ifndef BF_FORMAT_ADLER32_H
#define BF_FORMAT_ADLER32_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

/*
 * @return the Adler-32 of p[0..n) continued from `adler` (1 for a fresh
 * checksum), equal to zlib's adler32_z(adler, p, n).  p may be NULL when
 * n == 0.
 */
uint32_t bf_adler32(uint32_t adler, const uint8_t *p, size_t n);

/* The portable path of bf_adler32 (same result; for tests and benches). */
uint32_t bf_adler32_scalar(uint32_t adler, const uint8_t *p, size_t n);

/* @return "avx2" or "scalar": the path bf_adler32 uses on this CPU. */
const char *bf_adler32_impl(void);

#endif
