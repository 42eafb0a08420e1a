/*
 * test_bed.c - PLINK .bed kernel and chunk encoder.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fmt_fixtures.h"
#include "format/bed.h"
#include "util/err.h"

/* The rules of spec section 1.2, written out literally. */
static unsigned ref_code(int a, int b)
{
	if (b == -2) {
		if (a == 0)
			return 3;
		if (a == 1)
			return 0;
		return 1;
	}
	if (a < 0 || a > 1 || b < 0 || b > 1)
		return 1;
	return a + b == 0 ? 3 : a + b == 1 ? 2 : 0;
}

static void ref_encode(const int8_t *gt, size_t n, size_t s, uint8_t *out)
{
	size_t bpv = (s + 3) / 4, v, j;

	memset(out, 0, n * bpv);
	for (v = 0; v < n; v++)
		for (j = 0; j < s; j++)
			out[v * bpv + j / 4] |=
			    (uint8_t)(ref_code(gt[(v * s + j) * 2], gt[(v * s + j) * 2 + 1])
				      << (2 * (j % 4)));
}

static void test_bpv(void **state)
{
	(void)state;
	assert_int_equal(bed_bytes_per_variant(0), 0);
	assert_int_equal(bed_bytes_per_variant(1), 1);
	assert_int_equal(bed_bytes_per_variant(4), 1);
	assert_int_equal(bed_bytes_per_variant(5), 2);
	assert_int_equal(bed_bytes_per_variant(100000), 25000);
	assert_memory_equal(bed_magic, "\x6c\x1b\x01", 3);
}

static void test_spec_vectors(void **state)
{
	static const int8_t g[3][6] = {
	    {0, 0, 0, 1, 0, 0}, {1, 0, 1, 1, 0, -2}, {1, 1, 0, 1, -1, -1}};
	static const int8_t zeros[8 * 2] = {0};
	uint8_t out[3], z[2];
	int k;

	(void)state;
	bed_encode_gt(&g[0][0], 3, 3, out);
	assert_int_equal(out[0], 59);
	assert_int_equal(out[1], 50);
	assert_int_equal(out[2], 24);
	bed_encode_gt(zeros, 1, 8, z);
	assert_int_equal(z[0], 0xFF);
	assert_int_equal(z[1], 0xFF);
	for (k = 0; k < 3; k++) {
		uint8_t o = 0;
		bed_encode_gt_strided_scalar(g[k], 1, 3, 6, &o, 1);
		assert_int_equal(o, out[k]);
	}
}

/* Every (a, b) pair in -3..3 x -3..3 (and extremes) in every slot position. */
static void test_all_pairs(void **state)
{
	static const int vals[] = {-128, -3, -2, -1, 0, 1, 2, 3, 127};
	int8_t gt[128];
	uint8_t out[16], want[16];
	size_t i, j, pos;

	(void)state;
	for (i = 0; i < 9; i++) {
		for (j = 0; j < 9; j++) {
			for (pos = 0; pos < 64; pos += 7) {
				memset(gt, 0, sizeof(gt));
				gt[2 * pos] = (int8_t)vals[i];
				gt[2 * pos + 1] = (int8_t)vals[j];
				bed_encode_gt(gt, 1, 64, out); /* SIMD path when available */
				ref_encode(gt, 1, 64, want);
				assert_memory_equal(out, want, 16);
				assert_int_equal((out[pos / 4] >> (2 * (pos % 4))) & 3,
						 ref_code(vals[i], vals[j]));
			}
		}
	}
	/* spot checks of the table */
	assert_int_equal(ref_code(0, -2), 3);
	assert_int_equal(ref_code(1, -2), 0);
	assert_int_equal(ref_code(-2, 0), 1);
	assert_int_equal(ref_code(0, 1), 2);
	assert_int_equal(ref_code(1, 0), 2);
	assert_int_equal(ref_code(2, 0), 1);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void fill_random(int8_t *gt, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		uint32_t r = rng();
		gt[i] = (r & 0x100) ? (int8_t)((int)(r % 7) - 3) : (int8_t)(r & 1);
		if ((r & 0xFFF0) == 0x1230)
			gt[i] = (int8_t)(r >> 24);
	}
}

static void test_simd_vs_scalar_random(void **state)
{
	static const size_t sizes[] = {
	    0,	1,  2,	 3,   4,   5,	7,   8,	  15,  16,  17,	 31,  32,   33,	  63,	64,   65,
	    66, 67, 100, 127, 128, 129, 191, 192, 193, 255, 256, 257, 1000, 1001, 1002, 1003, 4099};
	size_t k, nv = 5;

	(void)state;
	print_message("bed kernel path: %s\n", bed_kernel_name());
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t s = sizes[k], bpv = bed_bytes_per_variant(s);
		int8_t *gt = malloc(nv * s * 2 + 1);
		uint8_t *a = malloc(nv * bpv + 8), *b = malloc(nv * bpv + 8),
			*c = malloc(nv * bpv + 8);
		int round;

		assert_non_null(gt);
		for (round = 0; round < 4; round++) {
			fill_random(gt, nv * s * 2);
			memset(a, 0xAA, nv * bpv + 8);
			memset(b, 0x55, nv * bpv + 8);
			bed_encode_gt(gt, nv, s, a);
			bed_encode_gt_strided_scalar(gt, nv, s, 2 * s, b, bpv);
			ref_encode(gt, nv, s, c);
			assert_memory_equal(a, c, nv * bpv);
			assert_memory_equal(b, c, nv * bpv);
			/* nothing written past the end */
			assert_int_equal(a[nv * bpv], 0xAA);
			assert_int_equal(a[nv * bpv + 7], 0xAA);
			assert_int_equal(b[nv * bpv], 0x55);
		}
		free(gt);
		free(a);
		free(b);
		free(c);
	}
}

/* Encoding column blocks of a wide row with the strided entry gives the full row. */
static void test_strided_blocks(void **state)
{
	size_t s = 1003, nv = 6, bpv = bed_bytes_per_variant(s), j0;
	int8_t *gt = malloc(nv * s * 2);
	uint8_t *full = malloc(nv * bpv), *blk = malloc(nv * bpv);

	(void)state;
	fill_random(gt, nv * s * 2);
	bed_encode_gt(gt, nv, s, full);
	memset(blk, 0xEE, nv * bpv);
	for (j0 = 0; j0 < s; j0 += 132) {
		size_t n = s - j0 < 132 ? s - j0 : 132;
		bed_encode_gt_strided(gt + 2 * j0, nv, n, 2 * s, blk + j0 / 4, bpv);
	}
	assert_memory_equal(full, blk, nv * bpv);
	free(gt);
	free(full);
	free(blk);
}

/*
 * The bit-plane kernel equals the byte kernel: every ordered pair of the
 * 256 int8 values once (so every fill, missing and out-of-range case), then
 * genotype-like rows.
 */
static void test_planes_vs_bytes(void **state)
{
	static int8_t gt[2 * 65536 + 2 * 4000];
	static uint8_t planes[sizeof(gt)], want[sizeof(gt) / 8], got[sizeof(gt) / 8 + 1];
	size_t n = 0;
	uint32_t x = 12345;

	(void)state;
	for (int a = -128; a < 128; a++)
		for (int b = -128; b < 128; b++) {
			gt[n++] = (int8_t)a;
			gt[n++] = (int8_t)b;
		}
	while (n < sizeof(gt)) {
		static const int8_t vals[] = {0, 0, 0, 1, 1, -1, -2, 2};

		x = x * 1103515245u + 12345u;
		gt[n++] = vals[(x >> 16) & 7];
	}
	fx_bitshuffle(gt, n, planes);
	bed_encode_gt(gt, 1, n / 2, want);
	got[n / 8] = 0xEE;
	bed_encode_planes(planes, n / 8, n / 8, got);
	assert_memory_equal(got, want, n / 8);
	assert_int_equal(got[n / 8], 0xEE);
	/* a window inside the planes (what a row segment of a block is) */
	bed_encode_planes(planes + 100, n / 8, 999, got);
	assert_memory_equal(got, want + 100, 999);
}

static void test_golden_sample(void **state)
{
	static const uint8_t want[9] = {0x6c, 0x1b, 0x01, 0x2f, 0x2f, 0x0b, 0x3b, 0x3f, 0x1f};
	struct fmt_chunk c = fx_s_chunk();
	uint8_t out[9];
	struct bf_err err;
	unsigned char *g;
	size_t glen;

	(void)state;
	memcpy(out, bed_magic, 3);
	assert_int_equal(bed_encode_chunk(&c, out + 3, 6, &err), 0);
	assert_memory_equal(out, want, 9);
	g = fx_golden("s.bed", &glen);
	if (!g)
		skip();
	assert_int_equal(glen, 9);
	assert_memory_equal(out, g, 9);
	free(g);
}

static void test_golden_msprime(void **state)
{
	static const uint8_t want[7] = {0x6c, 0x1b, 0x01, 0x3b, 0x32, 0x32, 0x3b};
	struct fmt_chunk c = fx_m_chunk();
	uint8_t out[7];
	unsigned char *g;
	size_t glen;

	(void)state;
	memcpy(out, bed_magic, 3);
	assert_int_equal(bed_encode_chunk(&c, out + 3, 4, NULL), 0);
	assert_memory_equal(out, want, 7);
	g = fx_golden("msprime/m.bed", &glen);
	if (!g)
		skip();
	assert_int_equal(glen, 7);
	assert_memory_equal(out, g, 7);
	free(g);
}

/* Ploidy 1: a call a is coded as (a, a), as plink 2 imports haploid VCF calls. */
static void test_haploid(void **state)
{
	/* 2 variants x 6 samples: 0, 1, missing, fill, 0, 1 / 1, 1, 0, -1, 1, 0 */
	const int8_t gt[12] = {0, 1, -1, -2, 0, 1, 1, 1, 0, -1, 1, 0};
	const uint8_t want[4] = {0x53, 0x03, 0x70, 0x0C};
	struct fmt_chunk c;
	uint8_t out[4];
	struct bf_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.n_variants = 2;
	c.n_samples = 6;
	c.ploidy = 1;
	c.gt = gt;
	memset(out, 0xAA, sizeof(out));
	bf_err_clear(&err);
	assert_int_equal(bed_encode_chunk(&c, out, sizeof(out), &err), 0);
	assert_memory_equal(out, want, 4);
	/* the same as the diploid kernel on (a, a) pairs */
	{
		int8_t pairs[24];
		uint8_t dip[4];

		for (size_t i = 0; i < 12; i++)
			pairs[2 * i] = pairs[2 * i + 1] = gt[i];
		bed_encode_gt(pairs, 2, 6, dip);
		assert_memory_equal(out, dip, 4);
	}
}

static void test_chunk_errors(void **state)
{
	struct fmt_chunk c = fx_s_chunk();
	struct fmt_variant vars[6];
	uint8_t out[8];
	struct bf_err err;

	(void)state;
	bf_err_clear(&err);
	c.ploidy = 3;
	assert_int_equal(bed_encode_chunk(&c, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_string_equal(err.msg, "Only diploid genotypes supported");

	c = fx_s_chunk();
	memcpy(vars, fx_s_vars, sizeof(vars));
	vars[4].multi_allelic = true;
	c.variants = vars;
	assert_int_equal(bed_encode_chunk(&c, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_string_equal(
	    err.msg, "Multi-allelic variants are not supported in PLINK 1 binary output (plink 2 "
		     "--make-bed has the same restriction). Use --max-alleles 2 to skip them, or "
		     "split with bcftools norm -m- before conversion.");

	c = fx_s_chunk();
	assert_int_equal(bed_encode_chunk(&c, out, 5, &err), BF_E_INVAL);
	/* zero variants / zero samples write nothing */
	c.n_variants = 0;
	assert_int_equal(bed_encode_chunk(&c, out, 0, &err), 0);
	c = fx_s_chunk();
	c.n_samples = 0;
	assert_int_equal(bed_encode_chunk(&c, out, 0, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bpv),
	    cmocka_unit_test(test_spec_vectors),
	    cmocka_unit_test(test_all_pairs),
	    cmocka_unit_test(test_simd_vs_scalar_random),
	    cmocka_unit_test(test_strided_blocks),
	    cmocka_unit_test(test_planes_vs_bytes),
	    cmocka_unit_test(test_golden_sample),
	    cmocka_unit_test(test_golden_msprime),
	    cmocka_unit_test(test_haploid),
	    cmocka_unit_test(test_chunk_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
