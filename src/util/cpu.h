/*
 * cpu.h - which SIMD kernels this build and this CPU can run.
 *
 * Owns: the x86 compile-time switch and the run-time check that the format
 * kernels (.bed, BGEN genotype blocks, Adler-32) and the blosc decoder
 * dispatch on, so each keeps a portable scalar path and picks AVX2 or
 * AVX-512 only where the CPU (and the OS's saved register state) has it.
 * Tests and benches may cap the level to run the narrower kernels on a wide
 * CPU (bf_cpu_cap).  Thread-safe.
 */
#ifndef BF_UTIL_CPU_H
#define BF_UTIL_CPU_H

#include "util/bf_config.h"

#include <stdbool.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BF_HAVE_X86 1
#else
#define BF_HAVE_X86 0
#endif

/* Kernel levels, narrowest first. */
enum bf_simd {
	BF_SIMD_SCALAR = 0,
	BF_SIMD_AVX2 = 1,   /* AVX2 and POPCNT */
	BF_SIMD_AVX512 = 2, /* AVX2 plus AVX-512 F/BW/VPOPCNTDQ and BMI2 */
};

/* The widest level this CPU runs, no wider than the cap (scalar off x86). */
enum bf_simd bf_cpu_level(void);

/* Cap the level (default: no cap); @return the previous cap. */
enum bf_simd bf_cpu_cap(enum bf_simd max);

/* Level name: "scalar", "avx2" or "avx512". */
const char *bf_cpu_level_name(enum bf_simd level);

/* Whether the AVX2 kernels may run. */
static inline bool bf_cpu_avx2(void)
{
	return bf_cpu_level() >= BF_SIMD_AVX2;
}

/* Whether the AVX-512 kernels may run. */
static inline bool bf_cpu_avx512(void)
{
	return bf_cpu_level() >= BF_SIMD_AVX512;
}

#endif
