/*
 * bed.c - PLINK 1 .bed kernel: int8 genotype pairs -> 2-bit codes (see bed.h).
 *
 * Code of one sample (a, b): if b == -2 the call is haploid and behaves like
 * (a, a); then anything outside {0,1} is MISSING (01), else the code is
 * 0x0B >> (2 * (a + b)) & 3, i.e. 0 -> 11, 1 -> 10, 2 -> 00.
 *
 * AVX2 path, 64 samples (128 input bytes) -> 16 output bytes per step:
 * substitute a for a fill b (byte shuffle + blend), clamp bytes to {0,1,2}
 * with an unsigned min, form a + 3b per 16-bit lane (maddubs), look the code
 * up with a 16-entry pshufb table, then pack four 2-bit codes per byte with
 * packus/maddubs/madd and fix the 128-bit lane order with one permute and one
 * shuffle.  The row remainder (< 64 samples) uses the scalar code.
 */
#include "util/bf_config.h"

#include "format/bed.h"
#include "util/alloc.h"
#include "util/cpu.h"

#include <stdbool.h>
#include <string.h>

const uint8_t bed_magic[BED_MAGIC_LEN] = {0x6C, 0x1B, 0x01};

size_t bed_bytes_per_variant(size_t n_samples)
{
	return n_samples / 4 + (n_samples % 4 != 0);
}

static inline unsigned bed_code(int8_t a, int8_t b)
{
	if (b == -2)
		b = a;
	if ((uint8_t)a > 1 || (uint8_t)b > 1)
		return 1;
	return (0x0Bu >> (2 * (a + b))) & 3u;
}

/* Encode samples [0, n) of one row: g holds n pairs, out ceil(n/4) bytes. */
static void bed_row_scalar(const int8_t *g, size_t n, uint8_t *out)
{
	size_t j, k;

	for (j = 0; j + 4 <= n; j += 4, g += 8)
		*out++ = (uint8_t)(bed_code(g[0], g[1]) | bed_code(g[2], g[3]) << 2 |
				   bed_code(g[4], g[5]) << 4 | bed_code(g[6], g[7]) << 6);
	if (j < n) {
		unsigned byte = 0;
		for (k = 0; j + k < n; k++, g += 2)
			byte |= bed_code(g[0], g[1]) << (2 * k);
		*out = (uint8_t)byte;
	}
}

void bed_encode_gt_strided_scalar(const int8_t *gt, size_t n_variants, size_t n_samples,
				  size_t gt_row_stride, uint8_t *out, size_t out_row_stride)
{
	size_t v;

	for (v = 0; v < n_variants; v++)
		bed_row_scalar(gt + v * gt_row_stride, n_samples, out + v * out_row_stride);
}

#if BF_HAVE_X86
__attribute__((target("avx2"))) static inline __m256i bed_codes16_avx2(__m256i x)
{
	const __m256i swap = _mm256_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14,
					      1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
	const __m256i lut = _mm256_setr_epi8(3, 2, 1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2,
					     1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
	__m256i xs = _mm256_shuffle_epi8(x, swap);
	__m256i fill = _mm256_and_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(-2)),
					_mm256_set1_epi16((short)0xFF00));
	__m256i y = _mm256_blendv_epi8(x, xs, fill);
	__m256i z = _mm256_min_epu8(y, _mm256_set1_epi8(2));
	__m256i idx = _mm256_maddubs_epi16(z, _mm256_set1_epi16(0x0301));
	idx = _mm256_or_si256(idx, _mm256_set1_epi16((short)0x8000));
	return _mm256_shuffle_epi8(lut, idx);
}

__attribute__((target("avx2"))) static void bed_rows_avx2(const int8_t *gt, size_t n_variants,
							  size_t n_samples, size_t gt_row_stride,
							  uint8_t *out, size_t out_row_stride)
{
	const __m256i w4 = _mm256_set1_epi16(0x0401);
	const __m256i w16 = _mm256_set1_epi32(0x00100001);
	const __m128i fix = _mm_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
	size_t v, j;

	for (v = 0; v < n_variants; v++) {
		const int8_t *g = gt + v * gt_row_stride;
		uint8_t *o = out + v * out_row_stride;

		for (j = 0; j + 64 <= n_samples; j += 64) {
			const int8_t *p = g + 2 * j;
			__m256i c0 = bed_codes16_avx2(_mm256_loadu_si256((const __m256i *)p));
			__m256i c1 =
			    bed_codes16_avx2(_mm256_loadu_si256((const __m256i *)(p + 32)));
			__m256i c2 =
			    bed_codes16_avx2(_mm256_loadu_si256((const __m256i *)(p + 64)));
			__m256i c3 =
			    bed_codes16_avx2(_mm256_loadu_si256((const __m256i *)(p + 96)));
			__m256i q01 = _mm256_maddubs_epi16(_mm256_packus_epi16(c0, c1), w4);
			__m256i q23 = _mm256_maddubs_epi16(_mm256_packus_epi16(c2, c3), w4);
			__m256i z = _mm256_packus_epi32(_mm256_madd_epi16(q01, w16),
							_mm256_madd_epi16(q23, w16));
			__m256i b = _mm256_permute4x64_epi64(_mm256_packus_epi16(z, z), 0x08);
			__m128i r = _mm_shuffle_epi8(_mm256_castsi256_si128(b), fix);
			_mm_storeu_si128((__m128i *)(o + j / 4), r);
		}
		if (j < n_samples)
			bed_row_scalar(g + 2 * j, n_samples - j, o + j / 4);
	}
}
#endif

void bed_encode_gt_strided(const int8_t *gt, size_t n_variants, size_t n_samples,
			   size_t gt_row_stride, uint8_t *out, size_t out_row_stride)
{
#if BF_HAVE_X86
	if (n_samples >= 64 && bf_cpu_avx2()) {
		bed_rows_avx2(gt, n_variants, n_samples, gt_row_stride, out, out_row_stride);
		return;
	}
#endif
	bed_encode_gt_strided_scalar(gt, n_variants, n_samples, gt_row_stride, out, out_row_stride);
}

void bed_encode_gt(const int8_t *gt, size_t n_variants, size_t n_samples, uint8_t *out)
{
	bed_encode_gt_strided(gt, n_variants, n_samples, 2 * n_samples, out,
			      bed_bytes_per_variant(n_samples));
}

const char *bed_kernel_name(void)
{
#if BF_HAVE_X86
	if (bf_cpu_avx2())
		return "avx2";
#endif
	return "scalar";
}

int bed_encode_chunk(const struct fmt_chunk *c, uint8_t *out, size_t cap, struct bf_err *err)
{
	size_t bpv = bed_bytes_per_variant(c->n_samples), need, i;

	if (c->ploidy != 2)
		return bf_err_set(err, BF_E_UNSUPPORTED, BED_MSG_NOT_DIPLOID);
	for (i = 0; c->variants && i < c->n_variants; i++) {
		if (c->variants[i].multi_allelic)
			return bf_err_set(err, BF_E_UNSUPPORTED, BED_MSG_MULTI_ALLELIC);
	}
	if (!bf_size_mul(bpv, c->n_variants, &need) || need > cap)
		return bf_err_set(err, BF_E_INVAL,
				  "bed chunk needs %zu variants x %zu bytes, buffer has %zu",
				  c->n_variants, bpv, cap);
	if (need)
		bed_encode_gt(c->gt, c->n_variants, c->n_samples, out);
	return 0;
}
