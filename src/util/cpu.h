/*
 * cpu.h - which SIMD kernels this build and this CPU can run.
 *
 * Owns: the x86 compile-time switch and the run-time AVX2 check that the
 * format kernels (.bed, BGEN genotype blocks, Adler-32) dispatch on, so each
 * keeps a portable scalar path and picks AVX2 only where the CPU has it.
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

/* Whether the running CPU has AVX2 (false off x86). */
static inline bool bf_cpu_avx2(void)
{
#if BF_HAVE_X86
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

#endif
