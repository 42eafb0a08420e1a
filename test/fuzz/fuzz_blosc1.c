/*
 * fuzz_blosc1.c - libFuzzer target: our blosc1 decoder against libblosc.
 *
 * Input: byte 0 selects a mode.  Mode 0 takes the rest as a frame as it is
 * (corrupt frames must fail cleanly, never read outside the input).  Mode 1
 * builds a valid frame: libblosc compresses the rest as one-byte items with
 * the codec, shuffle and block size chosen by bytes 1-3, so the fuzzer
 * reaches every block shape.  Whenever our decoder accepts a frame that
 * libblosc decodes, the bytes must be equal; a frame libblosc decodes must
 * not fail ours.
 */
#include "util/bf_config.h"

#include "zarr/blosc1.h"

#include <blosc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DECODED (1u << 22)

/*
 * Every block as bit planes, whole and cut after plane 0 (decompression
 * stopped early): on a frame libblosc decoded to `ref`, the planes undo to
 * its bytes and plane 0 alone equals the whole's; on any other, no crash.
 */
static void planes(const struct blosc1_frame *f, const uint8_t *ref)
{
	uint8_t *all = malloc(f->blocksize), *one = malloc(f->blocksize),
		*out = malloc(f->blocksize);

	if (!all || !one || !out)
		abort();
	for (size_t k = 0; k < f->nblocks; k++) {
		size_t b0 = k * f->blocksize;
		size_t bl = f->nbytes - b0 < f->blocksize ? f->nbytes - b0 : f->blocksize;
		int rc_all = blosc1_block_planes(f, k, 8, all, NULL);
		int rc_one = blosc1_block_planes(f, k, 1, one, NULL);

		if (!ref)
			continue;
		if (rc_all != 0 || rc_one != 0 || memcmp(one, all, bl / 8) != 0)
			abort();
		blosc1_bitunshuffle1(all, out, bl);
		if (memcmp(out, ref + b0, bl) != 0)
			abort();
	}
	free(all);
	free(one);
	free(out);
}

static void compare(const uint8_t *frame, size_t len)
{
	struct blosc1_frame f;
	size_t nb, cb, bs;
	uint8_t *ours, *ref;
	int lib, mine;

	if (blosc1_open(frame, len, &f) != 0 || f.nbytes > MAX_DECODED)
		return;
	ours = malloc(f.nbytes);
	ref = malloc(f.nbytes);
	if (!ours || !ref)
		abort();
	mine = blosc1_blocks(&f, 0, f.nblocks - 1, ours, NULL);
	/* libblosc trusts the header's frame size: only ask it when that fits */
	blosc_cbuffer_sizes(frame, &nb, &cb, &bs);
	lib = cb <= len && blosc_cbuffer_validate(frame, len, &nb) == 0
		  ? blosc_decompress_ctx(frame, ref, f.nbytes, 1)
		  : -1;
	if (blosc1_planes_ok(&f))
		planes(&f, lib == (int)f.nbytes ? ref : NULL);
	if (lib == (int)f.nbytes) {
		if (mine != 0 || memcmp(ours, ref, f.nbytes) != 0)
			abort();
		if (f.nbytes > 2) { /* a range cutting the first and last blocks */
			memset(ours, 0, f.nbytes);
			if (blosc1_range(&f, 1, f.nbytes - 2, ours, NULL) != 0 ||
			    memcmp(ours, ref + 1, f.nbytes - 2) != 0)
				abort();
		}
	}
	free(ours);
	free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *codecs[] = {"zstd", "lz4", "zlib"};

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		compare(data + 1, size - 1);
	} else if (size >= 4 && size - 4 <= MAX_DECODED && size > 4) {
		size_t n = size - 4, cap = n + BLOSC_MAX_OVERHEAD;
		uint8_t *fr = malloc(cap);
		int rc;

		if (!fr)
			abort();
		rc = blosc_compress_ctx(data[1] % 10, data[2] % 3, 1, n, data + 4, fr, cap,
					codecs[data[1] / 10 % 3], (size_t)data[3] * 64, 1);
		if (rc > 0)
			compare(fr, (size_t)rc);
		free(fr);
	}
	return 0;
}
