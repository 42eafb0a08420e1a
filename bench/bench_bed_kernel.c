/*
 * bench_bed_kernel.c - throughput of the .bed kernel (bed_encode_gt) in GB/s
 * of genotype input per core, for 1000 variants x 10,000 and x 100,000
 * diploid samples, with the ratio to memcpy of the same input bytes measured
 * in the same run.  Median of several runs; single thread.
 */
#include "util/bf_config.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/bed.h"

#define RUNS 7

static double median(double *t)
{
	return bench_median(t, RUNS);
}

static void run(size_t nv, size_t ns)
{
	size_t in_bytes = nv * ns * 2, bpv = bed_bytes_per_variant(ns);
	int8_t *gt = malloc(in_bytes);
	uint8_t *out = malloc(nv * bpv), *copy = malloc(in_bytes);
	double tk[RUNS], tm[RUNS], tsc[RUNS], k, m, sc;
	uint64_t x = 88172645463325252ull;
	size_t i;
	unsigned sink = 0;
	int r;

	if (!gt || !out || !copy) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < in_bytes; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* mostly 0/1 calls with some missing */
		gt[i] = (x & 0x3F) == 0 ? -1 : (int8_t)(x >> 40 & 1);
	}
	memset(out, 0, nv * bpv);
	memset(copy, 0, in_bytes);
	for (r = 0; r < RUNS; r++) {
		double t0 = bench_now();
		bed_encode_gt(gt, nv, ns, out);
		tk[r] = bench_now() - t0;
		sink += out[r % (nv * bpv)];
		t0 = bench_now();
		memcpy(copy, gt, in_bytes);
		tm[r] = bench_now() - t0;
		sink += (unsigned)copy[r % in_bytes];
		t0 = bench_now();
		bed_encode_gt_strided_scalar(gt, nv, ns, 2 * ns, out, bpv);
		tsc[r] = bench_now() - t0;
		sink += out[(r * 7) % (nv * bpv)];
	}
	k = median(tk);
	m = median(tm);
	sc = median(tsc);
	printf("bed kernel (%s) %zu variants x %zu samples: %.2f GB/s input "
	       "(%.1f ms), memcpy %.2f GB/s, ratio to memcpy %.2f; scalar %.2f GB/s [%u]\n",
	       bed_kernel_name(), nv, ns, (double)in_bytes / k / 1e9, k * 1e3,
	       (double)in_bytes / m / 1e9, m / k, (double)in_bytes / sc / 1e9, sink & 1);
	free(gt);
	free(out);
	free(copy);
}

int main(void)
{
	run(1000, 10000);
	run(1000, 100000);
	return 0;
}
