/*
 * zip_crc.h - CRC-32 (the zip / zlib polynomial) for verifying zip members.
 *
 * Owns: a carry-less-multiply (PCLMULQDQ) folding CRC-32 on x86-64 CPUs that
 * have it, chosen at run time, with zlib's crc32() for everything else and
 * for the tails.  Results are identical to zlib's crc32().  Thread-safe, no
 * state.
 */
#ifndef BF_ZIP_CRC_H
#define BF_ZIP_CRC_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

/* Continue CRC-32 `crc` (0 to start) over `len` bytes at `p`. */
uint32_t zip_crc32(uint32_t crc, const void *p, size_t len);

#endif
