/*
 * cpu.c - run-time SIMD level and its cap (see cpu.h).
 */
#include "util/bf_config.h"

#include "util/cpu.h"

#include <stdatomic.h>

static atomic_int cpu_cap = BF_SIMD_AVX512;

static enum bf_simd cpu_detect(void)
{
#if BF_HAVE_X86
	/* libgcc's checks include the OS's XSAVE state for YMM and ZMM */
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("popcnt"))
		return BF_SIMD_SCALAR;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("bmi2"))
		return BF_SIMD_AVX512;
	return BF_SIMD_AVX2;
#else
	return BF_SIMD_SCALAR;
#endif
}

enum bf_simd bf_cpu_level(void)
{
	static atomic_int detected = -1;
	int d = atomic_load_explicit(&detected, memory_order_relaxed);
	int cap = atomic_load_explicit(&cpu_cap, memory_order_relaxed);

	if (d < 0) {
		d = (int)cpu_detect();
		atomic_store_explicit(&detected, d, memory_order_relaxed);
	}
	return (enum bf_simd)(d < cap ? d : cap);
}

enum bf_simd bf_cpu_cap(enum bf_simd max)
{
	return (enum bf_simd)atomic_exchange(&cpu_cap, (int)max);
}

const char *bf_cpu_level_name(enum bf_simd level)
{
	switch (level) {
	case BF_SIMD_AVX512:
		return "avx512";
	case BF_SIMD_AVX2:
		return "avx2";
	case BF_SIMD_SCALAR:
	default:
		return "scalar";
	}
}
