/*
 * test_blosc1.c - our blosc1 decoder against libblosc on frames libblosc wrote.
 *
 * Frames of one-byte items are compressed by libblosc itself with every
 * shuffle mode, the three inner codecs we decode, sizes that leave a short
 * last block (and block lengths that are not multiples of 8, which version-2
 * frames store unshuffled), and 1 or 4 compression threads; each is decoded
 * whole, by block runs and by byte ranges and compared with
 * blosc_decompress_ctx's bytes.  Frames we do not decode must say so.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "zarr/blosc1.h"

#include <blosc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Genotype-like bytes: mostly 0/1, some -1 and 2, runs (compressible). */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t r = (x >> 16) & 255;

		p[i] = r < 150 ? 0 : r < 230 ? 1 : r < 250 ? 0xFF : 2;
		if (i % 97 < 40)
			p[i] = 0;
	}
}

static uint8_t *compress(const uint8_t *src, size_t n, const char *codec, int shuffle,
			 size_t blocksize, int threads, size_t *clen)
{
	uint8_t *dst = malloc(n + BLOSC_MAX_OVERHEAD);
	int rc;

	assert_non_null(dst);
	rc = blosc_compress_ctx(5, shuffle, 1, n, src, dst, n + BLOSC_MAX_OVERHEAD, codec,
				blocksize, threads);
	assert_true(rc > 0);
	*clen = (size_t)rc;
	return dst;
}

/*
 * Every block as bit planes: all 8 undo to the block's bytes, and the first
 * 1 or 3 planes alone (decompression stopped early) equal theirs.
 */
static void check_planes(const struct blosc1_frame *f, const uint8_t *want, size_t n)
{
	uint8_t *all = malloc(f->blocksize), *part = malloc(f->blocksize),
		*out = malloc(f->blocksize);

	assert_true(all && part && out);
	for (size_t k = 0; k < f->nblocks; k++) {
		size_t b0 = k * f->blocksize, bl = n - b0 < f->blocksize ? n - b0 : f->blocksize;

		assert_int_equal(blosc1_block_planes(f, k, 8, all, NULL), 0);
		blosc1_bitunshuffle1(all, out, bl);
		assert_memory_equal(out, want + b0, bl);
		for (unsigned np = 1; np <= 3; np += 2) {
			memset(part, 0xAB, f->blocksize);
			assert_int_equal(blosc1_block_planes(f, k, np, part, NULL), 0);
			assert_memory_equal(part, all, bl / 8 * np);
		}
	}
	assert_int_equal(blosc1_block_planes(f, 0, 0, part, NULL), -1);
	assert_int_equal(blosc1_block_planes(f, 0, 9, part, NULL), -1);
	free(all);
	free(part);
	free(out);
}

static void check_frame(const uint8_t *frame, size_t clen, const uint8_t *want, size_t n)
{
	struct blosc1_frame f;
	uint8_t *got = malloc(n + 1);
	int rc = blosc1_open(frame, clen, &f);

	assert_non_null(got);
	if (frame[2] & 0x02) { /* memcpyed (incompressible): libblosc's job */
		assert_int_equal(rc, BLOSC1_OTHER);
		free(got);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(f.nbytes, n);
	memset(got, 0xAB, n + 1);
	assert_int_equal(blosc1_blocks(&f, 0, f.nblocks - 1, got, NULL), 0);
	assert_memory_equal(got, want, n);
	assert_int_equal(got[n], 0xAB);
	/* every single block, and runs of two */
	for (size_t k = 0; k < f.nblocks; k++) {
		size_t k1 = k + 1 < f.nblocks ? k + 1 : k;
		size_t len = (k1 + 1) * f.blocksize < n ? (k1 + 1) * f.blocksize - k * f.blocksize
							: n - k * f.blocksize;

		assert_int_equal(blosc1_blocks(&f, k, k1, got, NULL), 0);
		assert_memory_equal(got, want + k * f.blocksize, len);
	}
	/* ranges that cut blocks, and one that ends at the frame's end */
	for (size_t i = 0; i < 40; i++) {
		size_t a = (i * 7919u * 131u) % n, len = (i * 104729u) % (n - a) + 1;

		assert_int_equal(blosc1_range(&f, a, len, got, NULL), 0);
		assert_memory_equal(got, want + a, len);
	}
	assert_int_equal(blosc1_range(&f, n - 3 < n ? n - 3 : 0, 3, got, NULL), 0);
	assert_memory_equal(got, want + n - 3, 3);
	assert_int_equal(blosc1_range(&f, n, 1, got, NULL), -1);
	if (blosc1_planes_ok(&f))
		check_planes(&f, want, n);
	free(got);
}

static void test_matches_libblosc(void **state)
{
	static const char *codecs[] = {"zstd", "lz4", "zlib"};
	static const size_t sizes[] = {8, 100, 1000, 4096, 65536, 200003, 1 << 20};
	static const size_t blocks[] = {0, 128, 1000, 4100, 65536, 1 << 19};
	(void)state;

	for (size_t si = 0; si < sizeof(sizes) / sizeof(*sizes); si++) {
		size_t n = sizes[si];
		uint8_t *src = malloc(n), *ref = malloc(n);

		assert_non_null(src);
		assert_non_null(ref);
		fill(src, n, (unsigned)si);
		for (size_t ci = 0; ci < 3; ci++)
			for (int sh = 0; sh <= 2; sh++)
				for (size_t bi = 0; bi < sizeof(blocks) / sizeof(*blocks); bi++) {
					size_t clen;
					uint8_t *fr = compress(src, n, codecs[ci], sh, blocks[bi],
							       bi % 2 ? 4 : 1, &clen);

					assert_int_equal(blosc_decompress_ctx(fr, ref, n, 1),
							 (int)n);
					assert_memory_equal(ref, src, n);
					check_frame(fr, clen, ref, n);
					free(fr);
				}
		free(src);
		free(ref);
	}
}

/* The kernel against its definition, at every length up to a few vectors. */
static void test_bitunshuffle_definition(void **state)
{
	uint8_t in[8 * 200], out[8 * 200 + 1];
	(void)state;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + (i >> 3) * 11 + 5);
	for (size_t n = 8; n <= sizeof(in); n += 8) {
		memset(out, 0xCD, sizeof(out));
		blosc1_bitunshuffle1(in, out, n);
		for (size_t e = 0; e < n; e++) {
			unsigned v = 0;

			for (unsigned b = 0; b < 8; b++)
				v |= ((in[b * (n / 8) + e / 8] >> (e % 8)) & 1u) << b;
			assert_int_equal(out[e], v);
		}
		assert_int_equal(out[n], 0xCD);
	}
}

static void test_refuses_what_it_does_not_decode(void **state)
{
	uint8_t src[4096], fr[4096 + BLOSC_MAX_OVERHEAD];
	struct blosc1_frame f;
	int rc;
	(void)state;

	fill(src, sizeof(src), 3);
	/* two-byte items */
	rc = blosc_compress_ctx(5, 1, 2, sizeof(src), src, fr, sizeof(fr), "zstd", 0, 1);
	assert_true(rc > 0);
	assert_int_equal(blosc1_open(fr, (size_t)rc, &f), BLOSC1_OTHER);
	/* blosclz */
	rc = blosc_compress_ctx(5, 2, 1, sizeof(src), src, fr, sizeof(fr), "blosclz", 0, 1);
	assert_true(rc > 0);
	assert_int_equal(blosc1_open(fr, (size_t)rc, &f), BLOSC1_OTHER);
	/* truncated header, and a table longer than the frame */
	assert_int_equal(blosc1_open(fr, 10, &f), BLOSC1_OTHER);
	rc = blosc_compress_ctx(5, 2, 1, sizeof(src), src, fr, sizeof(fr), "zstd", 128, 1);
	assert_true(rc > 0);
	assert_int_equal(blosc1_open(fr, 16 + 4 * 3, &f), BLOSC1_OTHER);
	/* a frame cut inside its blocks opens, but decoding fails cleanly */
	assert_int_equal(blosc1_open(fr, (size_t)rc - 5, &f), 0);
	{
		uint8_t out[4096];

		assert_int_equal(blosc1_blocks(&f, 0, f.nblocks - 1, out, NULL), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bitunshuffle_definition),
	    cmocka_unit_test(test_matches_libblosc),
	    cmocka_unit_test(test_refuses_what_it_does_not_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
