/*
 * bed.c - PLINK 1 .bed kernel: int8 genotype pairs -> 2-bit codes (see bed.h).
 *
 * Code of one sample (a, b): if b == -2 the call is haploid and behaves like
 * (a, a); then anything outside {0,1} is MISSING (01), else the code is
 * 0x0B >> (2 * (a + b)) & 3, i.e. 0 -> 11, 1 -> 10, 2 -> 00.  A ploidy-1
 * store's call a is coded as (a, a), as plink 2 imports a haploid VCF call.
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
#include "format/format.h"
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

void bed_encode_haploid(const int8_t *gt, size_t n_variants, size_t n_samples, uint8_t *out)
{
	size_t bpv = bed_bytes_per_variant(n_samples), v, j;

	for (v = 0; v < n_variants; v++, out += bpv) {
		memset(out, 0, bpv);
		for (j = 0; j < n_samples; j++, gt++)
			out[j / 4] |= (uint8_t)(bed_code(*gt, *gt) << (2 * (j % 4)));
	}
}

void bed_encode_gt(const int8_t *gt, size_t n_variants, size_t n_samples, uint8_t *out)
{
	bed_encode_gt_strided(gt, n_variants, n_samples, 2 * n_samples, out,
			      bed_bytes_per_variant(n_samples));
}

/*
 * Per plane byte, bit i belongs to genotype byte i: a (even bits) and b
 * (odd bits) of four samples.  From the planes: v = value in {0, 1} (bits
 * 1-7 clear), o = value 1, f = value -2 (bits 1-7 set, bit 0 clear).  A
 * fill b takes a's classes; the call is valid when both are in {0, 1}; the
 * code's low bit is set unless valid with an alternate allele, the high bit
 * when valid and not both alternate: 11, 10, 00, or 01 when missing.
 * Every operation is bitwise or a shift by one whose carry across bytes is
 * masked off, so 8 (u64) or 32 (AVX2) plane bytes go at once.
 */
#define PLANES_CODE(T, p0, hi_or, hi_and, m55, SHR1, SHL1, AND, OR, ANDNOT, OUT)                   \
	do {                                                                                       \
		T v_ = ANDNOT(hi_or, m55##_all), o_ = AND(v_, p0), f_ = ANDNOT(p0, hi_and);        \
		T av_ = AND(v_, m55), ao_ = AND(o_, m55);                                          \
		T bf_ = AND(SHR1(f_), m55), bv_ = AND(SHR1(v_), m55), bo_ = AND(SHR1(o_), m55);    \
		T Bv_ = OR(AND(bf_, av_), ANDNOT(bf_, bv_));                                       \
		T Bo_ = OR(AND(bf_, ao_), ANDNOT(bf_, bo_));                                       \
		T val_ = AND(av_, Bv_);                                                            \
		T lo_ = ANDNOT(AND(val_, OR(ao_, Bo_)), m55);                                      \
		T hi_ = ANDNOT(AND(ao_, Bo_), AND(val_, m55));                                     \
		OUT = OR(lo_, SHL1(hi_));                                                          \
	} while (0)

#define U_SHR1(x)      ((x) >> 1)
#define U_SHL1(x)      ((x) << 1)
#define U_AND(x, y)    ((x) & (y))
#define U_OR(x, y)     ((x) | (y))
#define U_ANDNOT(x, y) (~(x) & (y)) /* (not x) and y, as _mm256_andnot_si256 */

static void planes_u64(const uint8_t *planes, size_t stride, size_t j, size_t n, uint8_t *out)
{
	const uint64_t m55 = 0x5555555555555555ull, m55_all = ~0ull;

	for (; j + 8 <= n; j += 8) {
		uint64_t p[8], hi_or, hi_and, r;

		for (unsigned b = 0; b < 8; b++)
			memcpy(&p[b], planes + b * stride + j, 8);
		hi_or = p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7];
		hi_and = p[1] & p[2] & p[3] & p[4] & p[5] & p[6] & p[7];
		PLANES_CODE(uint64_t, p[0], hi_or, hi_and, m55, U_SHR1, U_SHL1, U_AND, U_OR,
			    U_ANDNOT, r);
		memcpy(out + j, &r, 8);
	}
	for (; j < n; j++) {
		uint64_t p[8], hi_or, hi_and, r;

		for (unsigned b = 0; b < 8; b++)
			p[b] = planes[b * stride + j];
		hi_or = p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7];
		hi_and = p[1] & p[2] & p[3] & p[4] & p[5] & p[6] & p[7];
		PLANES_CODE(uint64_t, p[0], hi_or, hi_and, m55, U_SHR1, U_SHL1, U_AND, U_OR,
			    U_ANDNOT, r);
		out[j] = (uint8_t)r;
	}
}

#if BF_HAVE_X86
#define V_SHR1(x)      _mm256_srli_epi64((x), 1)
#define V_SHL1(x)      _mm256_slli_epi64((x), 1)
#define V_AND(x, y)    _mm256_and_si256((x), (y))
#define V_OR(x, y)     _mm256_or_si256((x), (y))
#define V_ANDNOT(x, y) _mm256_andnot_si256((x), (y))

__attribute__((target("avx2"))) static size_t planes_avx2(const uint8_t *planes, size_t stride,
							  size_t n, uint8_t *out)
{
	const __m256i m55 = _mm256_set1_epi8(0x55), m55_all = _mm256_set1_epi8(-1);
	size_t j;

	for (j = 0; j + 32 <= n; j += 32) {
		__m256i p[8], hi_or, hi_and, r;

		for (unsigned b = 0; b < 8; b++)
			p[b] = _mm256_loadu_si256((const __m256i *)(planes + b * stride + j));
		hi_or = _mm256_or_si256(
		    _mm256_or_si256(_mm256_or_si256(p[1], p[2]), _mm256_or_si256(p[3], p[4])),
		    _mm256_or_si256(_mm256_or_si256(p[5], p[6]), p[7]));
		hi_and = _mm256_and_si256(
		    _mm256_and_si256(_mm256_and_si256(p[1], p[2]), _mm256_and_si256(p[3], p[4])),
		    _mm256_and_si256(_mm256_and_si256(p[5], p[6]), p[7]));
		PLANES_CODE(__m256i, p[0], hi_or, hi_and, m55, V_SHR1, V_SHL1, V_AND, V_OR,
			    V_ANDNOT, r);
		_mm256_storeu_si256((__m256i *)(out + j), r);
	}
	return j;
}
#endif

void bed_encode_planes(const uint8_t *planes, size_t stride, size_t n, uint8_t *out)
{
	size_t j = 0;

#if BF_HAVE_X86
	if (bf_cpu_avx2())
		j = planes_avx2(planes, stride, n, out);
#endif
	planes_u64(planes, stride, j, n, out);
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

	if (c->ploidy != 1 && c->ploidy != 2)
		return bf_err_set(err, BF_E_UNSUPPORTED, BED_MSG_NOT_DIPLOID);
	for (i = 0; c->variants && i < c->n_variants; i++) {
		if (c->variants[i].multi_allelic)
			return bf_err_set(err, BF_E_UNSUPPORTED, BED_MSG_MULTI_ALLELIC);
	}
	if (!bf_size_mul(bpv, c->n_variants, &need) || need > cap)
		return bf_err_set(err, BF_E_INVAL,
				  "bed chunk needs %zu variants x %zu bytes, buffer has %zu",
				  c->n_variants, bpv, cap);
	if (need && c->ploidy == 1)
		bed_encode_haploid(c->gt, c->n_variants, c->n_samples, out);
	else if (need)
		bed_encode_gt(c->gt, c->n_variants, c->n_samples, out);
	return 0;
}

/* ---- the format interface (format.h) ---- */

static int bed_fmt_open(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
			struct fmt_info *info, void **state, struct bf_err *err)
{
	(void)opts;
	*state = NULL;
	if (!s->has_gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", s->store);
	if (s->ploidy != 1 && s->ploidy != 2)
		return bf_err_set(err, BF_E_INVAL, "%s", BED_MSG_NOT_DIPLOID);
	BF_FORWARD(bf_strbuf_add(prefix, bed_magic, BED_MAGIC_LEN));
	info->bytes_per_variant = bed_bytes_per_variant(s->n_samples);
	/* rows are checked bi-allelic up front (check_variant, or the caller's .bim) */
	info->need_meta = false;
	/* ploidy 1 (haploid calls coded as homozygous, as plink 2 does) takes
	 * whole rows only: the sample-block and planes kernels read pairs */
	info->col_align = s->ploidy == 2 ? 4 : 0;
	info->planes = s->ploidy == 2;
	return 0;
}

static void bed_fmt_close(void *state)
{
	(void)state;
}

static int bed_fmt_check(void *state, void *scan, const struct fmt_variant *v, struct bf_err *err)
{
	(void)state;
	(void)scan;
	if (v->multi_allelic)
		return bf_err_set(err, BF_E_INVAL, "%s", BED_MSG_MULTI_ALLELIC);
	return 0;
}

static int bed_fmt_encode(void *state, const struct fmt_chunk *c, uint8_t *out, size_t cap,
			  struct bf_err *err)
{
	(void)state;
	return bed_encode_chunk(c, out, cap, err);
}

static void bed_fmt_cols(void *state, const int8_t *gt, size_t rows, size_t j0, size_t n,
			 size_t stride, uint8_t *out, size_t row_bytes)
{
	(void)state;
	bed_encode_gt_strided(gt, rows, n, stride, out + j0 / 4, row_bytes);
}

/* Each plane byte is one .bed byte (4 samples); padding past n is masked off. */
static int bed_fmt_planes_row(void *state, uint8_t phase, size_t s0, size_t n,
			      const uint8_t *planes, size_t stride, uint8_t *row_out, uint64_t *acc)
{
	size_t k = (n + 3) / 4;
	uint8_t *o = row_out + s0 / 4;

	(void)state;
	(void)phase;
	(void)acc;
	bed_encode_planes(planes, stride, k, o);
	if (n % 4)
		o[k - 1] &= (uint8_t)((1u << (2 * (n % 4))) - 1);
	return 0;
}

const struct fmt_ops fmt_bed_ops = {
    .name = "bed",
    .ext = ".bed",
    .sides = {FMT_SIDE_FAM, FMT_SIDE_BIM},
    .n_sides = 2,
    .open = bed_fmt_open,
    .close = bed_fmt_close,
    .check_size = 1,
    .check_variant = bed_fmt_check,
    .encode = bed_fmt_encode,
    .encode_cols = bed_fmt_cols,
    .planes_row = bed_fmt_planes_row,
};
