/*
 * test_bgen_kernel.c - the fast paths of the BGEN fixed-size kernel: the
 * Adler-32 (against zlib's adler32_z) and the vectorised genotype block and
 * fixed chunk (against the scalar reference path and against values built
 * here from the spec's per-sample rules), including every error.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "format/adler32.h"
#include "format/bgen.h"
#include "util/err.h"

/* xorshift64: deterministic test data */
static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static uint8_t *xmalloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	return p;
}

/* ---- Adler-32 ------------------------------------------------------------ */

static void check_adler(uint32_t seed, const uint8_t *p, size_t n)
{
	uint32_t want = (uint32_t)adler32_z(seed, p, n);
	assert_int_equal(bf_adler32(seed, p, n), want);
	assert_int_equal(bf_adler32_scalar(seed, p, n), want);
}

static void test_adler_lengths(void **state)
{
	enum { N = 300 + 64 };
	uint8_t buf[N], ff[N];
	uint64_t x = 0x9E3779B97F4A7C15ull;
	size_t n, off;

	(void)state;
	for (n = 0; n < N; n++)
		buf[n] = (uint8_t)rng_next(&x);
	memset(ff, 0xFF, sizeof(ff));
	for (n = 0; n <= 300; n++) {
		for (off = 0; off < 40; off += (n < 64 ? 1 : 13)) {
			check_adler(1, buf + off, n);
			check_adler(1, ff + off, n);
		}
	}
	/* known values */
	assert_int_equal(bf_adler32(1, (const uint8_t *)"Wikipedia", 9), 0x11E60398u);
	assert_int_equal(bf_adler32(1, NULL, 0), 1u);
	assert_int_equal(bf_adler32(0x12345678u, NULL, 0), 1u); /* zlib: NULL gives the start */
	assert_int_equal(bf_adler32(0x12345678u, buf, 0), adler32_z(0x12345678u, buf, 0));
}

static void test_adler_large(void **state)
{
	static const size_t lens[] = {5551,  5552,  5553,    32767,   32768,  32769,
				      65535, 65536, 1 << 20, 3000017, 4194304};
	size_t big = 4194304 + 64, i, off;
	uint8_t *buf = xmalloc(big);
	uint64_t x = 12345;

	(void)state;
	for (i = 0; i < big; i++)
		buf[i] = (uint8_t)rng_next(&x);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (off = 0; off < 64; off += 31)
			check_adler(1, buf + off, lens[i]);
	/* all 0xFF: the largest sums, the worst case for deferred modulo */
	memset(buf, 0xFF, big);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (off = 0; off < 64; off += 7)
			check_adler(1, buf + off, lens[i]);
	/* a seed near the modulus with 0xFF data */
	check_adler(65520u | 65520u << 16, buf + 3, 1 << 20);
	check_adler(65520u | 65520u << 16, buf + 3, 1000);
	free(buf);
}

static void test_adler_chained(void **state)
{
	size_t n = 200000, i, cut;
	uint8_t *buf = xmalloc(n);
	uint64_t x = 777;
	uint32_t want;

	(void)state;
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(rng_next(&x) | (i & 1 ? 0xF0 : 0));
	want = (uint32_t)adler32_z(1, buf, n);
	for (i = 0; i < 50; i++) {
		uint32_t a = 1;
		size_t pos = 0;
		while (pos < n) {
			cut = (size_t)(rng_next(&x) % 70000);
			if (cut > n - pos)
				cut = n - pos;
			a = bf_adler32(a, buf + pos, cut);
			pos += cut;
		}
		assert_int_equal(a, want);
	}
	/* chaining across our path and zlib's gives the same value */
	assert_int_equal(adler32_z(bf_adler32(1, buf, 1001), buf + 1001, n - 1001), want);
	assert_int_equal(bf_adler32((uint32_t)adler32_z(1, buf, 77), buf + 77, n - 77), want);
	free(buf);
}

/* ---- genotype blocks ----------------------------------------------------- */

/*
 * The block built from the spec's per-sample rules (formats.md 4.3),
 * independently of the library; returns its length or 0 for a value error.
 */
static size_t model_block(const int8_t *gt, const uint8_t *ph, size_t n, int ploidy, bool unph,
			  uint8_t *out)
{
	size_t s, np = 0, i = 10 + n;
	int phased = 0, hap = 0, dip = 0;

	if (ph && !unph) {
		for (s = 0; s < n; s++)
			np += ph[s] != 0;
		phased = np == n;
	}
	for (s = 0; s < n; s++) {
		int a = gt[s * (size_t)ploidy], b = ploidy == 2 ? gt[2 * s + 1] : -2;
		if (a < -2 || a > 1 || b < -2 || b > 1 || a == -2)
			return 0;
		if (b == -2) {
			hap = 1;
			out[8 + s] = (uint8_t)(0x01 | (a == -1 ? 0x80 : 0));
			out[i++] = a == 0 ? 0xFF : 0;
		} else {
			int miss = a == -1 || b == -1;
			dip = 1;
			out[8 + s] = (uint8_t)(0x02 | (miss ? 0x80 : 0));
			if (miss) {
				out[i++] = 0;
				out[i++] = 0;
			} else if (phased) {
				out[i++] = a == 0 ? 0xFF : 0;
				out[i++] = b == 0 ? 0xFF : 0;
			} else {
				out[i++] = a + b == 0 ? 0xFF : 0;
				out[i++] = a + b == 1 ? 0xFF : 0;
			}
		}
	}
	out[0] = (uint8_t)n;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)(n >> 16);
	out[3] = (uint8_t)(n >> 24);
	out[4] = 2;
	out[5] = 0;
	out[6] = hap ? 1 : 2;
	out[7] = dip || n == 0 ? 2 : 1;
	out[8 + n] = (uint8_t)phased;
	out[9 + n] = 8;
	return i;
}

enum gen_mode {
	GEN_CALLS,   /* {0, 1} */
	GEN_MISSING, /* {0, 1} with ~3% -1 */
	GEN_ALLMISS, /* all -1 */
	GEN_HAPFILL, /* some -2 in slot 1 */
	GEN_ALLHAP,  /* slot 1 always -2 */
	GEN_BAD,     /* rare out-of-range values and -2 in slot 0 */
	GEN_WILD,    /* anything in {-3..2} plus extremes */
	GEN_SPARSE,  /* mostly 0, rare 1, -1, -2 in either slot, 2 */
	GEN_NMODES
};

static void gen_gt(int8_t *gt, size_t n, int ploidy, int mode, uint64_t *x)
{
	size_t i;

	for (i = 0; i < n * (size_t)ploidy; i++) {
		uint64_t r = rng_next(x);
		int slot = (int)(i % (size_t)ploidy);
		int8_t v = (int8_t)(r >> 33 & 1);
		switch (mode) {
		case GEN_MISSING:
			if (r % 32 == 0)
				v = -1;
			break;
		case GEN_ALLMISS:
			v = -1;
			break;
		case GEN_HAPFILL:
			if (slot == 1 && r % 16 == 0)
				v = -2;
			else if (r % 40 == 1)
				v = -1;
			break;
		case GEN_ALLHAP:
			if (slot == 1)
				v = -2;
			else if (r % 20 == 1)
				v = -1;
			break;
		case GEN_BAD:
			if (r % 97 == 0) {
				static const int8_t bad[] = {2, -3, 127, -128, -2};
				v = bad[(r >> 8) % 5];
			}
			break;
		case GEN_WILD: {
			static const int8_t any[] = {-3, -2, -1, 0, 1, 2, 127, -128};
			v = r % 4 == 0 ? any[(r >> 8) % 8] : v;
			break;
		}
		case GEN_SPARSE: {
			static const int8_t rare[] = {1, -1, -2, -2, 2};
			v = r % 64 == 0 ? rare[(r >> 8) % 5] : 0;
			break;
		}
		default:
			break;
		}
		gt[i] = v;
	}
}

/* phase rows: NULL, all set, all clear, mixed, nonzero bytes other than 1 */
static const uint8_t *gen_phase(uint8_t *ph, size_t n, int mode, uint64_t *x)
{
	size_t i;

	if (mode == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t r = rng_next(x);
		switch (mode) {
		case 1:
			ph[i] = 1;
			break;
		case 2:
			ph[i] = 0;
			break;
		case 3:
			ph[i] = (uint8_t)(r % 3 != 0);
			break;
		case 4:
			ph[i] = (uint8_t)(1 + r % 255);
			break;
		default: /* all set except one */
			ph[i] = i == n / 2 ? 0 : 1;
			break;
		}
	}
	return ph;
}

/*
 * Both paths and the model agree on rc, message, length, bytes and the mixed
 * flag.  Inputs are copied to exactly sized buffers so that the sanitizer
 * build catches any read past them.
 */
static void compare_block(const int8_t *gt_in, const uint8_t *ph_in, size_t n, int ploidy,
			  bool unph)
{
	size_t cap = 10 + (size_t)(ploidy + 1) * n, la = 0, lb = 0, lm;
	uint8_t *a = xmalloc(cap), *b = xmalloc(cap), *m = xmalloc(10 + 3 * n);
	int8_t *gt = (int8_t *)xmalloc(n * (size_t)ploidy);
	uint8_t *ph = ph_in ? xmalloc(n) : NULL;
	bool ma = false, mb = false;
	struct bf_err ea, eb;
	int ra, rb;

	if (n)
		memcpy(gt, gt_in, n * (size_t)ploidy);
	if (ph && n)
		memcpy(ph, ph_in, n);
	memset(&ea, 0, sizeof(ea));
	memset(&eb, 0, sizeof(eb));
	ra = bgen_geno_block(gt, ph, n, ploidy, unph, a, cap, &la, &ma, &ea);
	rb = bgen_geno_block_scalar(gt, ph, n, ploidy, unph, b, cap, &lb, &mb, &eb);
	lm = model_block(gt, ph, n, ploidy, unph, m);
	assert_int_equal(ra, rb);
	assert_int_equal(ma, mb);
	if (rb < 0) {
		assert_int_equal(lm, 0);
		assert_string_equal(ea.msg, eb.msg);
	} else {
		assert_int_equal(la, lb);
		assert_int_equal(la, lm);
		assert_memory_equal(a, b, la);
		assert_memory_equal(a, m, la);
	}
	free(a);
	free(b);
	free(m);
	free(gt);
	free(ph);
}

static void test_block_random(void **state)
{
	static const size_t big[] = {255, 256, 257, 1000, 4097, 10000, 30001};
	size_t nmax = 30001, n, k;
	int8_t *gt = (int8_t *)xmalloc(2 * nmax);
	uint8_t *ph = xmalloc(nmax);
	uint64_t x = 0xC0FFEE;
	int ploidy, mode, pm, unph;

	(void)state;
	for (ploidy = 1; ploidy <= 2; ploidy++)
		for (mode = 0; mode < GEN_NMODES; mode++)
			for (pm = 0; pm < 6; pm++)
				for (unph = 0; unph < 2; unph++) {
					for (n = 0; n <= 200; n++) {
						gen_gt(gt, n, ploidy, mode, &x);
						compare_block(gt, gen_phase(ph, n, pm, &x), n,
							      ploidy, unph);
					}
					for (k = 0; k < sizeof(big) / sizeof(big[0]); k++) {
						n = big[k];
						gen_gt(gt, n, ploidy, mode, &x);
						compare_block(gt, gen_phase(ph, n, pm, &x), n,
							      ploidy, unph);
					}
				}
	free(gt);
	free(ph);
}

/* The first offending sample decides the error, also inside one SIMD group. */
static void test_block_error_order(void **state)
{
	enum { N = 96 };
	int8_t gt[2 * N];
	uint8_t out[10 + 3 * N];
	size_t len, i, j;
	struct bf_err err;

	(void)state;
	for (i = 0; i < N; i += 5) {
		for (j = i + 1; j < N; j += 7) {
			int rc;
			memset(gt, 0, sizeof(gt));
			gt[2 * i] = -2;	   /* zero ploidy at sample i */
			gt[2 * j + 1] = 2; /* bad value later */
			rc = bgen_geno_block(gt, NULL, N, 2, false, out, sizeof(out), &len, NULL,
					     &err);
			assert_int_equal(rc, BF_E_RANGE);
			assert_string_equal(err.msg, BGEN_MSG_ZERO_PLOIDY);
			gt[2 * i] = 0;
			gt[2 * i + 1] = -3; /* now the bad value comes first */
			gt[2 * j] = -2;
			gt[2 * j + 1] = 0;
			rc = bgen_geno_block(gt, NULL, N, 2, false, out, sizeof(out), &len, NULL,
					     &err);
			assert_int_equal(rc, BF_E_RANGE);
			assert_string_equal(err.msg, BGEN_MSG_BAD_ALLELE);
		}
	}
	/* one haploid-fill sample among 64 called ones: Pmin 1, one byte shorter */
	memset(gt, 1, sizeof(gt));
	gt[2 * 40 + 1] = -2;
	assert_int_equal(
	    bgen_geno_block(gt, NULL, 64, 2, false, out, sizeof(out), &len, NULL, &err), 0);
	assert_int_equal(len, 10 + 64 + 2 * 64 - 1);
	assert_int_equal(out[6], 1);
	assert_int_equal(out[7], 2);
	assert_int_equal(out[8 + 40], 0x01);
	assert_int_equal(out[8 + 41], 0x02);
}

/* Exact bytes on the vector path (n >= 32), written out by hand. */
static void test_block_exact(void **state)
{
	enum { N = 64 };
	int8_t gt[2 * N];
	uint8_t ph[N], out[10 + 3 * N];
	size_t len, s;
	bool mixed = true;
	struct bf_err err;

	(void)state;
	for (s = 0; s < N; s++) {
		gt[2 * s] = (int8_t)(s & 1);
		gt[2 * s + 1] = (int8_t)(s >> 1 & 1);
		ph[s] = 1;
	}
	gt[2 * 5] = -1; /* sample 5 half-missing: [-1, 0] */
	assert_int_equal(bgen_geno_block(gt, ph, N, 2, false, out, sizeof(out), &len, &mixed, &err),
			 0);
	assert_false(mixed);
	assert_int_equal(len, 10 + 3 * N);
	assert_int_equal(out[8 + N], 1);
	for (s = 0; s < N; s++) {
		assert_int_equal(out[8 + s], s == 5 ? 0x82 : 0x02);
		assert_int_equal(out[10 + N + 2 * s], s == 5 ? 0 : (s & 1) ? 0 : 0xFF);
		assert_int_equal(out[10 + N + 2 * s + 1], s == 5 ? 0 : (s >> 1 & 1) ? 0 : 0xFF);
	}
	/* unphased: [0,0] -> FF 00, het -> 00 FF, [1,1] -> 00 00 */
	assert_int_equal(bgen_geno_block(gt, ph, N, 2, true, out, sizeof(out), &len, &mixed, &err),
			 0);
	assert_int_equal(out[8 + N], 0);
	for (s = 0; s < N; s++) {
		int sum = (int)(s & 1) + (int)(s >> 1 & 1);
		assert_int_equal(out[10 + N + 2 * s], s != 5 && sum == 0 ? 0xFF : 0);
		assert_int_equal(out[10 + N + 2 * s + 1], s != 5 && sum == 1 ? 0xFF : 0);
	}
	/* ploidy 1: widened, Pmin = Pmax = 1 */
	for (s = 0; s < N; s++)
		gt[s] = (int8_t)(s % 3) - 1;
	assert_int_equal(bgen_geno_block(gt, NULL, N, 1, false, out, sizeof(out), &len, NULL, &err),
			 0);
	assert_int_equal(len, 10 + 2 * N);
	assert_int_equal(out[6], 1);
	assert_int_equal(out[7], 1);
	for (s = 0; s < N; s++) {
		assert_int_equal(out[8 + s], s % 3 == 0 ? 0x81 : 0x01);
		assert_int_equal(out[10 + N + s], s % 3 == 1 ? 0xFF : 0);
	}
	/* mixed phase is reported on the vector path */
	ph[63] = 0;
	for (s = 0; s < N; s++)
		gt[s] = 0;
	assert_int_equal(bgen_geno_block(gt, ph, N, 1, false, out, sizeof(out), &len, &mixed, &err),
			 0);
	assert_true(mixed);
	assert_int_equal(out[8 + N], 0);
}

/* ---- fixed chunks --------------------------------------------------------- */

static void compare_chunk(size_t nv, size_t ns, int ploidy, int mode, int pm, bool unph,
			  uint64_t *x)
{
	struct fmt_variant *vars = calloc(nv ? nv : 1, sizeof(*vars));
	int8_t *gt = (int8_t *)xmalloc(nv * ns * (size_t)ploidy);
	uint8_t *ph = xmalloc(nv * ns);
	struct bgen_params p;
	struct fmt_chunk c;
	uint64_t bpv, ma = 0, mb = 0;
	uint8_t *a, *b;
	struct bf_err ea, eb;
	size_t i, total;
	int ra, rb;

	assert_non_null(vars);
	bgen_params_init(&p, true);
	p.unphased = unph;
	for (i = 0; i < nv; i++) {
		vars[i].chrom.p = "chr1";
		vars[i].chrom.len = 4;
		vars[i].pos = 100 + (int64_t)i;
		vars[i].ref.p = "A";
		vars[i].ref.len = 1;
		vars[i].alt.p = "T";
		vars[i].alt.len = 1;
		gen_gt(gt + i * ns * (size_t)ploidy, ns, ploidy, mode, x);
		(void)gen_phase(ph + i * ns, ns, pm == 0 ? 1 : pm, x);
	}
	c.n_variants = nv;
	c.variants = vars;
	c.n_samples = ns;
	c.ploidy = ploidy;
	c.gt = gt;
	c.phased = pm == 0 ? NULL : ph;
	c.row_phase = NULL;
	bpv = bgen_fixed_bytes_per_variant(&p, ns, ploidy);
	assert_true(bpv > 0);
	total = (size_t)bpv * nv;
	a = xmalloc(total);
	b = xmalloc(total);
	memset(&ea, 0, sizeof(ea));
	memset(&eb, 0, sizeof(eb));
	ra = bgen_encode_fixed_chunk(&p, &c, a, total, &ma, &ea);
	rb = bgen_encode_fixed_chunk_scalar(&p, &c, b, total, &mb, &eb);
	assert_int_equal(ra, rb);
	if (rb < 0) {
		assert_string_equal(ea.msg, eb.msg);
	} else {
		assert_int_equal(ma, mb);
		assert_memory_equal(a, b, total);
		/* every stored stream inflates back to the model's genotype block */
		for (i = 0; i < nv; i++) {
			const uint8_t *z = a + i * bpv + 28 + p.total_string_length;
			size_t glen = 10 + (size_t)(ploidy + 1) * ns;
			uint8_t *m = xmalloc(glen), *u = xmalloc(glen);
			uLongf ulen = glen;
			assert_int_equal(model_block(gt + i * ns * (size_t)ploidy,
						     pm == 0 ? NULL : ph + i * ns, ns, ploidy, unph,
						     m),
					 glen);
			assert_int_equal(
			    uncompress(u, &ulen, z, (uLong)(bpv - 28 - p.total_string_length)),
			    Z_OK);
			assert_int_equal(ulen, glen);
			assert_memory_equal(u, m, glen);
			free(m);
			free(u);
		}
	}
	free(a);
	free(b);
	free(vars);
	free(gt);
	free(ph);
}

static void test_chunk_random(void **state)
{
	uint64_t x = 4242;
	int ploidy, mode, pm;

	(void)state;
	for (ploidy = 1; ploidy <= 2; ploidy++)
		for (mode = 0; mode < GEN_NMODES; mode++)
			for (pm = 0; pm < 4; pm++) {
				compare_chunk(5, 37, ploidy, mode, pm, false, &x);
				compare_chunk(3, 100, ploidy, mode, pm, pm == 2, &x);
			}
	/* several stored blocks per variant (S > 21844 diploid, > 32767 haploid) */
	compare_chunk(2, 30000, 2, GEN_MISSING, 1, false, &x);
	compare_chunk(2, 30000, 2, GEN_CALLS, 3, true, &x);
	compare_chunk(2, 40000, 1, GEN_MISSING, 0, false, &x);
	compare_chunk(2, 30000, 2, GEN_HAPFILL, 1, false, &x); /* mixed ploidy error */
	compare_chunk(0, 30000, 2, GEN_CALLS, 1, false, &x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_adler_lengths),     cmocka_unit_test(test_adler_large),
	    cmocka_unit_test(test_adler_chained),     cmocka_unit_test(test_block_random),
	    cmocka_unit_test(test_block_error_order), cmocka_unit_test(test_block_exact),
	    cmocka_unit_test(test_chunk_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
