/*
 * endian.h - little-endian loads and stores of 16, 32 and 64-bit integers.
 *
 * Owns: reading and writing fixed-width integers at any byte address in the
 * little-endian order of every format biofuse touches (zip directories,
 * blosc headers, vlen-utf8 chunks, BGEN, the IPC wire), independent of the
 * host's byte order and alignment; plus the one big-endian store zlib's
 * Adler-32 trailer needs.  All functions are pure and inline.
 */
#ifndef BF_UTIL_ENDIAN_H
#define BF_UTIL_ENDIAN_H

#include "util/bf_config.h"

#include <stdint.h>

static inline uint16_t bf_load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t bf_load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t bf_load_le64(const uint8_t *p)
{
	return (uint64_t)bf_load_le32(p) | (uint64_t)bf_load_le32(p + 4) << 32;
}

static inline void bf_store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void bf_store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void bf_store_le64(uint8_t *p, uint64_t v)
{
	bf_store_le32(p, (uint32_t)v);
	bf_store_le32(p + 4, (uint32_t)(v >> 32));
}

static inline void bf_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
