/*
 * bench_bgen_kernel.c - throughput of the BGEN fixed-size kernel per core:
 * Adler-32 (bf_adler32 against zlib's adler32_z on the same buffer) and
 * bgen_encode_fixed_chunk in GB/s of output on 1000 variants x 10,000
 * diploid phased samples (about 1% missing calls scattered, and all
 * called), against the scalar reference path (scalar genotype loop + zlib
 * Adler-32) in the same run; and the bit-planes kernel (bgen_fixed_planes)
 * at each SIMD level the CPU has.  Median of several runs; single thread.
 */
#include "util/bf_config.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "format/adler32.h"
#include "format/bgen.h"
#include "util/cpu.h"

#define RUNS 9

static double median(double *t)
{
	return bench_median(t, RUNS);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void bench_adler(size_t n)
{
	uint8_t *buf = xmalloc(n);
	double to[RUNS], tz[RUNS], ts[RUNS];
	uint64_t x = 99;
	uint32_t sink = 0;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)rng(&x);
	for (r = 0; r < RUNS; r++) {
		double t0 = bench_now();
		sink += bf_adler32(1, buf, n);
		to[r] = bench_now() - t0;
		t0 = bench_now();
		sink += (uint32_t)adler32_z(1, buf, n);
		tz[r] = bench_now() - t0;
		t0 = bench_now();
		sink += bf_adler32_scalar(1, buf, n);
		ts[r] = bench_now() - t0;
	}
	printf("adler32 %zu bytes: bf_adler32 (%s) %.2f GB/s, zlib adler32_z %.2f GB/s "
	       "(x%.1f), bf_adler32_scalar %.2f GB/s [%u]\n",
	       n, bf_adler32_impl(), n / median(to) * 1e-9, n / median(tz) * 1e-9,
	       median(tz) / median(to), n / median(ts) * 1e-9, sink & 1);
	free(buf);
}

static void bench_chunk(size_t nv, size_t ns, int missing_per_10k, const char *label)
{
	struct fmt_variant *vars = xmalloc(nv * sizeof(*vars));
	int8_t *gt = xmalloc(nv * ns * 2);
	uint8_t *ph = xmalloc(nv * ns), *out, *ref;
	struct bgen_params p;
	struct fmt_chunk c;
	struct bf_err err;
	uint64_t bpv, x = 88172645463325252ull;
	double tf[RUNS], ts[RUNS], tg[RUNS], f, s, g;
	size_t i, total;
	unsigned sink = 0;
	int r;

	for (i = 0; i < nv; i++) {
		memset(&vars[i], 0, sizeof(vars[i]));
		vars[i].chrom.p = "1";
		vars[i].chrom.len = 1;
		vars[i].pos = 1000 + (int64_t)i;
		vars[i].id.p = "rs1";
		vars[i].id.len = 3;
		vars[i].has_id = true;
		vars[i].ref.p = "A";
		vars[i].ref.len = 1;
		vars[i].alt.p = "G";
		vars[i].alt.len = 1;
	}
	for (i = 0; i < nv * ns * 2; i++) {
		uint64_t v = rng(&x);
		gt[i] = (int)(v % 10000) < missing_per_10k ? -1 : (int8_t)(v >> 40 & 1);
	}
	memset(ph, 1, nv * ns);
	bgen_params_init(&p, true);
	c.n_variants = nv;
	c.variants = vars;
	c.n_samples = ns;
	c.ploidy = 2;
	c.gt = gt;
	c.phased = ph;
	c.row_phase = NULL;
	bpv = bgen_fixed_bytes_per_variant(&p, ns, 2);
	total = (size_t)bpv * nv;
	out = xmalloc(total);
	ref = xmalloc(total);
	memset(out, 0, total);
	memset(ref, 0, total);
	for (r = 0; r < RUNS; r++) {
		double t0 = bench_now();
		if (bgen_encode_fixed_chunk(&p, &c, out, total, NULL, &err) < 0)
			goto fail;
		tf[r] = bench_now() - t0;
		t0 = bench_now();
		if (bgen_encode_fixed_chunk_scalar(&p, &c, ref, total, NULL, &err) < 0)
			goto fail;
		ts[r] = bench_now() - t0;
		t0 = bench_now();
		for (i = 0; i < nv; i++) {
			size_t len;
			if (bgen_geno_block(gt + i * ns * 2, ph + i * ns, ns, 2, false, ref, total,
					    &len, NULL, &err) < 0)
				goto fail;
		}
		tg[r] = bench_now() - t0;
		sink += out[(size_t)r * 7919 % total];
	}
	if (bgen_encode_fixed_chunk_scalar(&p, &c, ref, total, NULL, &err) < 0)
		goto fail;
	f = median(tf);
	s = median(ts);
	g = median(tg);
	printf("fixed chunk %zu x %zu diploid phased, %s: %.2f GB/s output (%.1f ms, %s); "
	       "scalar path %.2f GB/s (%.1f ms); speed-up x%.1f; geno blocks alone %.2f GB/s; "
	       "bytes %s [%u]\n",
	       nv, ns, label, total / f * 1e-9, f * 1e3, bgen_kernel_impl(), total / s * 1e-9,
	       s * 1e3, s / f, (double)nv * (10 + 3 * ns) / g * 1e-9,
	       memcmp(out, ref, total) == 0 ? "identical" : "DIFFER", sink & 1);
	free(vars);
	free(gt);
	free(ph);
	free(out);
	free(ref);
	return;
fail:
	fprintf(stderr, "encode failed: %s\n", err.msg);
	exit(1);
}

/*
 * bgen_fixed_planes (genotype blocks straight from blosc bit planes) at each
 * kernel level this CPU has: rows of `ns` diploid samples, ~1% missing,
 * written one after another into a buffer of `rows` rows (16 rows: output
 * in L2, as view-bgen's row-by-row output; 200 rows: a 6 MB piece), GB/s
 * of genotype block output per core.
 */
static void bench_planes(size_t ns, size_t rows)
{
	size_t nb = ns / 4, nv = 2000, bpv = 10 + 3 * ns, i;
	uint8_t *planes = xmalloc(8 * nb), *out = xmalloc(rows * bpv);
	int8_t *gt = xmalloc(2 * ns);
	uint64_t x = 7, acc[2] = {0, 0};

	for (i = 0; i < 2 * ns; i++) {
		uint64_t v = rng(&x);
		gt[i] = (int)(v % 10000) < 100 ? -1 : (int8_t)(v >> 40 & 1);
	}
	/* blosc's bit-shuffle of one row: plane b's byte j = bit b of bytes 8j..8j+7 */
	memset(planes, 0, 8 * nb);
	for (i = 0; i < 2 * ns; i++)
		for (unsigned b = 0; b < 8; b++)
			planes[b * nb + i / 8] |= (uint8_t)((((uint8_t)gt[i] >> b) & 1) << (i % 8));
	memset(out, 0, rows * bpv);
	for (int lv = BF_SIMD_AVX2; lv <= (int)bf_cpu_level(); lv++) {
		enum bf_simd was = bf_cpu_cap((enum bf_simd)lv);
		double t[RUNS];

		for (int r = 0; r < RUNS; r++) {
			double t0 = bench_now();

			for (i = 0; i < nv; i++)
				if (bgen_fixed_planes(planes, nb, nb, 0, ns, 1,
						      out + (i % rows) * bpv, acc) != 0) {
					fprintf(stderr, "planes kernel refused its input\n");
					exit(1);
				}
			t[r] = bench_now() - t0;
		}
		bf_cpu_cap(was);
		printf("fixed planes %zu samples, rows into a %zu-row buffer: %.2f GB/s output "
		       "(%s) [%u]\n",
		       ns, rows, (double)nv * 3 * ns / median(t) * 1e-9,
		       bf_cpu_level_name((enum bf_simd)lv), (unsigned)(acc[0] & 1));
	}
	free(planes);
	free(out);
	free(gt);
}

int main(void)
{
	bench_adler((size_t)30010);
	bench_adler((size_t)32 << 20);
	bench_chunk(1000, 10000, 100, "~1% missing calls");
	bench_chunk(1000, 10000, 0, "all called");
	bench_planes(10000, 16);
	bench_planes(10000, 200);
	return 0;
}
