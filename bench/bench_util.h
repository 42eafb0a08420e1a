/*
 * bench_util.h - timing helpers shared by the bench programs: a monotonic
 * clock in seconds and the median of a run's timings.
 */
#ifndef BF_BENCH_UTIL_H
#define BF_BENCH_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_RUNS 64

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of n (1..BENCH_MAX_RUNS) timings; t is left as it was. */
static inline double bench_median(const double *t, int n)
{
	double s[BENCH_MAX_RUNS];

	memcpy(s, t, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), bench_cmp_double);
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

#endif
