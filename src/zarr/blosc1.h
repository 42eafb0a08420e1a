/*
 * blosc1.h - blosc1 frames of one-byte items, decoded without libblosc.
 *
 * Owns: decoding the blocks of version-2 blosc1 frames whose items are one
 * byte (the genotype arrays) and whose blocks are zstd, lz4 or zlib
 * streams, shuffled, bit-shuffled or not.  A decoder context (struct
 * blosc1_dctx: a zstd context and a block of scratch), owned by the thread
 * that decodes with it, serves every block (libblosc 1.21 makes a zstd
 * context per block),
 * and bit-unshuffle is an AVX2 kernel (libblosc's is scalar for one-byte
 * items).  Any other frame gets BLOSC1_OTHER and the caller uses libblosc.
 * The bytes produced equal libblosc's (test_blosc1 and the fuzz target
 * compare them).
 */
#ifndef BF_ZARR_BLOSC1_H
#define BF_ZARR_BLOSC1_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* blosc1_open: this frame is not one ours decodes; use libblosc. */
#define BLOSC1_OTHER 1

/* A parsed frame: borrowed bytes plus the header fields. */
struct blosc1_frame {
	const uint8_t *p;
	size_t len;	  /* bytes readable at p */
	size_t nbytes;	  /* decoded size */
	size_t blocksize; /* decoded bytes per block (the last may be short) */
	size_t nblocks;
	uint8_t flags;
};

/*
 * A decoder context: one per decoding thread, owned (created and freed) by
 * whoever owns that thread.  Not thread-safe.  Every decode function below
 * takes one; NULL makes a temporary context for that call (slow paths).
 */
struct blosc1_dctx;

struct blosc1_dctx *blosc1_dctx_create(void);
void blosc1_dctx_free(struct blosc1_dctx *dc);

/*
 * Parse the header of the frame at p (len readable bytes).
 * @return 0 when blosc1_blocks decodes it, BLOSC1_OTHER when it does not
 * (other versions, item sizes or compressors, memcpyed or odd headers).
 * Nothing is validated beyond what decoding needs: a block whose table entry
 * or length points outside the frame fails in blosc1_blocks.
 */
int blosc1_open(const uint8_t *p, size_t len, struct blosc1_frame *f);

/*
 * Decode blocks k0..k1 (k0 <= k1 < nblocks) into dst, contiguous: dst gets
 * exactly those blocks' decoded bytes, through context dc (see above).
 * @return 0, or -1 on corrupt data or out of memory.
 */
int blosc1_blocks(const struct blosc1_frame *f, size_t k0, size_t k1, uint8_t *dst,
		  struct blosc1_dctx *dc);

/*
 * Whether every block of the frame is bit planes once decompressed: bit-
 * shuffled, and block and frame sizes multiples of 8 (so no block is stored
 * unshuffled).
 */
bool blosc1_planes_ok(const struct blosc1_frame *f);

/*
 * Decompress block k without undoing the bit-shuffle: dst (the block's
 * length, L bytes) gets 8 planes of L / 8 bytes, plane b's byte j holding
 * bit b of the block's bytes 8j .. 8j + 7 (byte 8j + i in bit i).  With
 * nplanes < 8 only the first nplanes planes are certain to be written: a
 * zstd or LZ4 block stops decompressing once it has produced them (a
 * reader of bit 0 of booleans skips most of the work); the rest of dst is
 * unspecified.  Only when blosc1_planes_ok.  @return 0 or -1.
 */
int blosc1_block_planes(const struct blosc1_frame *f, size_t k, unsigned nplanes, uint8_t *dst,
			struct blosc1_dctx *dc);

/* Bytes [byte0, byte0 + n) of the decoded frame into out.  @return 0 or -1. */
int blosc1_range(const struct blosc1_frame *f, size_t byte0, size_t n, uint8_t *out,
		 struct blosc1_dctx *dc);

/*
 * Undo blosc's bit-shuffle of n one-byte items (n % 8 == 0): in holds 8
 * rows of n / 8 bytes, row b the bit b of every item.  Exposed for tests
 * and the benchmark.
 */
void blosc1_bitunshuffle1(const uint8_t *in, uint8_t *out, size_t n);

#endif
