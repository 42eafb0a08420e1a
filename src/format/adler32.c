/*
 * adler32.c - Adler-32 checksum (see adler32.h).
 *
 * Maths: over bytes x_0..x_{n-1}, s1 = 1 + sum x_i and s2 = sum of every
 * intermediate s1, both mod 65521.  Continuing from (s1, s2) over a block
 * of n bytes gives s2' = s2 + n*s1 + sum (n - i) x_i and s1' = s1 + sum x_i,
 * so the modulo can be deferred as long as the unreduced sums stay in
 * range.  The scalar path reduces every BF_ADLER_NMAX bytes (the largest n
 * with 255 n (n+1) / 2 + (n+1) (65520) < 2^32).  The AVX2 path splits a
 * block into 32-byte pieces j = 0..k-1 with byte sums S_j and gets
 * sum (n - i) x_i = 32 * sum_j (k-1-j) S_j + sum_j sum_t (32 - t) x_{j,t}:
 * the first term from a running sum of the S_j prefix (vector adds), the
 * second from multiply-adds by the weights 32..1; the reduction happens in
 * 64 bits once per block.
 */
#include "util/bf_config.h"

#include "format/adler32.h"
#include "util/cpu.h"

#include <stdbool.h>

#if BF_HAVE_X86 && defined(__x86_64__)
#define BF_ADLER_X86 1
#else
#define BF_ADLER_X86 0
#endif

#define BF_ADLER_BASE 65521u
#define BF_ADLER_NMAX 5552u

uint32_t bf_adler32_scalar(uint32_t adler, const uint8_t *p, size_t n)
{
	uint32_t s1 = adler & 0xFFFFu, s2 = adler >> 16;

	if (!p)
		return 1; /* zlib: adler32(x, NULL, 0) is the initial value */

	while (n > 0) {
		size_t blk = n < BF_ADLER_NMAX ? n : BF_ADLER_NMAX, i = 0;

		n -= blk;
		for (; i + 8 <= blk; i += 8) {
			s1 += p[i];
			s2 += s1;
			s1 += p[i + 1];
			s2 += s1;
			s1 += p[i + 2];
			s2 += s1;
			s1 += p[i + 3];
			s2 += s1;
			s1 += p[i + 4];
			s2 += s1;
			s1 += p[i + 5];
			s2 += s1;
			s1 += p[i + 6];
			s2 += s1;
			s1 += p[i + 7];
			s2 += s1;
		}
		for (; i < blk; i++) {
			s1 += p[i];
			s2 += s1;
		}
		p += blk;
		s1 %= BF_ADLER_BASE;
		s2 %= BF_ADLER_BASE;
	}
	/* an out-of-range seed (s1 or s2 >= BASE) reduces like zlib's */
	s1 %= BF_ADLER_BASE;
	s2 %= BF_ADLER_BASE;
	return s1 | s2 << 16;
}

#if BF_ADLER_X86
/*
 * 32-byte pieces per block.  Lane bounds for k pieces: the weighted-sum
 * lanes (32-bit) gain <= 255 * (32+31+30+29) per piece; the byte-sum and
 * prefix lanes are the 64-bit lanes of _mm256_sad_epu8.  The block total
 * (< 2^45) is reduced in 64 bits.
 */
#define BF_ADLER_AVX2_PIECES 1024u

__attribute__((target("avx2"))) static uint64_t hsum_epi32(__m256i v)
{
	__m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4E));
	x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xB1));
	return (uint32_t)_mm_cvtsi128_si32(x);
}

__attribute__((target("avx2"))) static uint64_t hsum_epi64(__m256i v)
{
	__m128i x = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	x = _mm_add_epi64(x, _mm_unpackhi_epi64(x, x));
	return (uint64_t)_mm_cvtsi128_si64(x);
}

__attribute__((target("avx2"))) static uint32_t adler32_avx2(uint32_t adler, const uint8_t *p,
							     size_t n)
{
	const __m256i weights =
	    _mm256_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
			     14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
	const __m256i ones16 = _mm256_set1_epi16(1);
	const __m256i zero = _mm256_setzero_si256();
	uint64_t s1 = adler & 0xFFFFu, s2 = adler >> 16;

	s1 %= BF_ADLER_BASE;
	s2 %= BF_ADLER_BASE;
	while (n >= 32) {
		size_t k = n / 32, j;
		__m256i vs1 = zero, vpre = zero, vs2a = zero, vs2b = zero;

		if (k > BF_ADLER_AVX2_PIECES)
			k = BF_ADLER_AVX2_PIECES;
		j = 0;
		for (; j + 2 <= k; j += 2) {
			__m256i a = _mm256_loadu_si256((const __m256i *)(p + 32 * j));
			__m256i b = _mm256_loadu_si256((const __m256i *)(p + 32 * j + 32));
			vpre = _mm256_add_epi64(vpre, vs1);
			vs1 = _mm256_add_epi64(vs1, _mm256_sad_epu8(a, zero));
			vs2a = _mm256_add_epi32(
			    vs2a, _mm256_madd_epi16(_mm256_maddubs_epi16(a, weights), ones16));
			vpre = _mm256_add_epi64(vpre, vs1);
			vs1 = _mm256_add_epi64(vs1, _mm256_sad_epu8(b, zero));
			vs2b = _mm256_add_epi32(
			    vs2b, _mm256_madd_epi16(_mm256_maddubs_epi16(b, weights), ones16));
		}
		if (j < k) {
			__m256i a = _mm256_loadu_si256((const __m256i *)(p + 32 * j));
			vpre = _mm256_add_epi64(vpre, vs1);
			vs1 = _mm256_add_epi64(vs1, _mm256_sad_epu8(a, zero));
			vs2a = _mm256_add_epi32(
			    vs2a, _mm256_madd_epi16(_mm256_maddubs_epi16(a, weights), ones16));
		}
		{
			uint64_t len = 32 * (uint64_t)k;
			uint64_t sum = hsum_epi64(vs1);
			uint64_t pre = hsum_epi64(vpre);
			uint64_t w = hsum_epi32(_mm256_add_epi32(vs2a, vs2b));

			s2 = (s2 + len * s1 + 32 * pre + w) % BF_ADLER_BASE;
			s1 = (s1 + sum) % BF_ADLER_BASE;
		}
		p += 32 * k;
		n -= 32 * k;
	}
	return bf_adler32_scalar((uint32_t)(s1 | s2 << 16), p, n);
}
#endif

uint32_t bf_adler32(uint32_t adler, const uint8_t *p, size_t n)
{
#if BF_ADLER_X86
	if (p && n >= 64 && bf_cpu_avx2())
		return adler32_avx2(adler, p, n);
#endif
	return bf_adler32_scalar(adler, p, n);
}

const char *bf_adler32_impl(void)
{
#if BF_ADLER_X86
	if (bf_cpu_avx2())
		return "avx2";
#endif
	return "scalar";
}
