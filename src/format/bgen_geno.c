/*
 * bgen_geno.c - BGEN genotype-probability blocks from genotype bytes (see
 * bgen.h): the scalar reference loop and its AVX2 version, chosen at run
 * time, and the per-variant phase flag.
 */
#include "util/bf_config.h"

#include "format/bgen.h"
#include "format/bgen_internal.h"
#include "util/cpu.h"
#include "util/endian.h"

#include <string.h>

#if BF_HAVE_X86
#include <immintrin.h>
#endif

/*
 * Genotype block kernel.  The scalar loop (geno_scalar) is the reference:
 * it handles every value and reports the first offending sample's error in
 * sample order.  The AVX2 path takes 32 samples at a time; a group whose
 * values are all in {-1, 0, 1} (ploidy 1: the call; ploidy 2: both slots,
 * so no -2 fill) is encoded with compares, every other group goes through
 * geno_scalar, so errors, the hap/dip flags and the byte stream are the
 * scalar loop's.
 */

/* Phase flag of one variant from "some sample phased" / "every sample phased". */
static int phase_flag(bool any, bool all, size_t n, bool *mixed)
{
	if (all)
		return 1;
	if (any && n > 0 && mixed)
		*mixed = true;
	return 0;
}

/* Phase flag of one variant; sets *mixed for 0 < phased samples < S. */
static int variant_phase_scalar(const uint8_t *ph, size_t n, bool unphased, bool *mixed)
{
	size_t s;
	uint8_t any = 0, all = 1;

	if (mixed)
		*mixed = false;
	if (!ph || unphased)
		return 0;
	for (s = 0; s < n; s++) {
		any |= ph[s];
		all &= ph[s] != 0;
	}
	return phase_flag(any != 0, all != 0, n, mixed);
}

/* Encode samples [s0, s1): pl[s] and the probabilities at *prp (advanced). */
static int geno_scalar(const int8_t *gt, int ploidy, int ph, size_t s0, size_t s1, uint8_t *pl,
		       uint8_t **prp, bool *hap, bool *dip, struct bf_err *err)
{
	uint8_t *pr = *prp;
	size_t s;

	for (s = s0; s < s1; s++) {
		int a = gt[s * (size_t)ploidy];
		int b = ploidy == 2 ? gt[2 * s + 1] : -2;

		if (a < -2 || a > 1 || b < -2 || b > 1)
			return bf_err_set(err, BF_E_RANGE, BGEN_MSG_BAD_ALLELE);
		if (a == -2)
			return bf_err_set(err, BF_E_RANGE, BGEN_MSG_ZERO_PLOIDY);
		if (b == -2) {
			*hap = true;
			pl[s] = a < 0 ? 0x81 : 0x01;
			*pr++ = a == 0 ? 0xFF : 0x00;
		} else if (a < 0 || b < 0) {
			*dip = true;
			pl[s] = 0x82;
			pr[0] = 0;
			pr[1] = 0;
			pr += 2;
		} else {
			*dip = true;
			pl[s] = 0x02;
			if (ph) {
				pr[0] = a == 0 ? 0xFF : 0;
				pr[1] = b == 0 ? 0xFF : 0;
			} else {
				pr[0] = a + b == 0 ? 0xFF : 0;
				pr[1] = a + b == 1 ? 0xFF : 0;
			}
			pr += 2;
		}
	}
	*prp = pr;
	return 0;
}

#if BF_HAVE_X86
__attribute__((target("avx2"))) static int variant_phase_avx2(const uint8_t *ph, size_t n,
							      bool unphased, bool *mixed)
{
	__m256i vor = _mm256_setzero_si256(), vmin = _mm256_set1_epi8(-1);
	size_t s = 0;
	uint8_t any, all;

	if (mixed)
		*mixed = false;
	if (!ph || unphased)
		return 0;
	for (; s + 32 <= n; s += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(ph + s));
		vor = _mm256_or_si256(vor, v);
		vmin = _mm256_min_epu8(vmin, v);
	}
	any = !_mm256_testz_si256(vor, vor);
	/* every byte of vmin nonzero <=> no byte equals zero */
	all = _mm256_movemask_epi8(_mm256_cmpeq_epi8(vmin, _mm256_setzero_si256())) == 0;
	for (; s < n; s++) {
		any |= ph[s] != 0;
		all &= ph[s] != 0;
	}
	return phase_flag(any != 0, all != 0, n, mixed);
}

/*
 * @return nonzero when every byte of x is in {-1, 0, 1}; with `biased` the
 * bytes of x are already value + 1 (so must be in {0, 1, 2}).
 */
__attribute__((target("avx2"))) static inline int calls_only(__m256i x, int biased)
{
	__m256i t = biased ? x : _mm256_add_epi8(x, _mm256_set1_epi8(1));
	t = _mm256_subs_epu8(t, _mm256_set1_epi8(2));
	return _mm256_testz_si256(t, t);
}

/* 16 diploid samples (32 input bytes, no -2, values in {-1,0,1}) -> 32 prob bytes. */
__attribute__((target("avx2"))) static inline __m256i dip_probs(__m256i x, __m256i nm, int ph)
{
	const __m256i zero = _mm256_setzero_si256();

	if (ph)
		return _mm256_and_si256(_mm256_cmpeq_epi8(x, zero), nm);
	/* unphased: [a, b] = [0, 0] -> FF 00; [0, 1] or [1, 0] -> 00 FF; else 00 00 */
	return _mm256_or_si256(
	    _mm256_and_si256(_mm256_cmpeq_epi16(x, zero), _mm256_set1_epi16(0x00FF)),
	    _mm256_and_si256(_mm256_or_si256(_mm256_cmpeq_epi16(x, _mm256_set1_epi16(0x0001)),
					     _mm256_cmpeq_epi16(x, _mm256_set1_epi16(0x0100))),
			     _mm256_set1_epi16((short)0xFF00)));
}

__attribute__((target("avx2"))) static int geno_avx2(const int8_t *gt, int ploidy, int ph, size_t n,
						     uint8_t *pl, uint8_t **prp, bool *hap,
						     bool *dip, struct bf_err *err)
{
	const __m256i zero = _mm256_setzero_si256();
	uint8_t *pr = *prp;
	size_t s = 0;
	int rc;

	if (ploidy == 1) {
		const __m256i one = _mm256_set1_epi8(1), hi = _mm256_set1_epi8((char)0x80);
		for (; s + 32 <= n; s += 32) {
			__m256i x = _mm256_loadu_si256((const __m256i *)(gt + s));
			if (!calls_only(x, 0)) {
				rc = geno_scalar(gt, 1, ph, s, s + 32, pl, &pr, hap, dip, err);
				if (rc < 0)
					return rc;
				continue;
			}
			*hap = true;
			_mm256_storeu_si256(
			    (__m256i *)(pl + s),
			    _mm256_or_si256(_mm256_and_si256(_mm256_cmpgt_epi8(zero, x), hi), one));
			_mm256_storeu_si256((__m256i *)pr, _mm256_cmpeq_epi8(x, zero));
			pr += 32;
		}
	} else {
		const __m256i sign = _mm256_set1_epi16((short)0x8080);
		const __m256i miss = _mm256_set1_epi16(0x0080), two = _mm256_set1_epi16(0x0002);
		const __m256i one = _mm256_set1_epi8(1);
		for (; s + 32 <= n; s += 32) {
			__m256i x0 = _mm256_loadu_si256((const __m256i *)(gt + 2 * s));
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(gt + 2 * s + 32));
			__m256i nm0, nm1, p;
			if (!calls_only(
				_mm256_max_epu8(_mm256_add_epi8(x0, one), _mm256_add_epi8(x1, one)),
				1)) {
				rc = geno_scalar(gt, 2, ph, s, s + 32, pl, &pr, hap, dip, err);
				if (rc < 0)
					return rc;
				continue;
			}
			*dip = true;
			/* per sample (16-bit lane): 0xFFFF when neither slot is missing */
			nm0 = _mm256_cmpeq_epi16(_mm256_and_si256(x0, sign), zero);
			nm1 = _mm256_cmpeq_epi16(_mm256_and_si256(x1, sign), zero);
			p = _mm256_packus_epi16(
			    _mm256_or_si256(_mm256_andnot_si256(nm0, miss), two),
			    _mm256_or_si256(_mm256_andnot_si256(nm1, miss), two));
			_mm256_storeu_si256((__m256i *)(pl + s), _mm256_permute4x64_epi64(p, 0xD8));
			_mm256_storeu_si256((__m256i *)pr, dip_probs(x0, nm0, ph));
			_mm256_storeu_si256((__m256i *)(pr + 32), dip_probs(x1, nm1, ph));
			pr += 64;
		}
	}
	rc = geno_scalar(gt, ploidy, ph, s, n, pl, &pr, hap, dip, err);
	*prp = pr;
	return rc;
}
#endif

/* The phase flag given as a row's BGEN_ROW_* flags (the byte path without phase bytes). */
static int forced_phase(int flags, bool *mixed)
{
	if (mixed)
		*mixed = (flags & BGEN_ROW_MIXED) != 0;
	return flags & BGEN_ROW_PHASED;
}

int bgen_geno_encode(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
		     bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
		     bool scalar, int force, struct bf_err *err)
{
	uint8_t *pl = out + 8, *pr;
	bool hap = false, dip = false;
	int ph, rc;

	if (ploidy != 1 && ploidy != 2)
		return bf_err_set(err, BF_E_INVAL, "bgen genotype block: ploidy %d", ploidy);
	/* a ploidy-1 store widens to [a, -2]: exactly 2 bytes per sample */
	if (n_samples > UINT32_MAX / 4 || cap < 10 + (size_t)(ploidy + 1) * n_samples)
		return bf_err_set(err, BF_E_INVAL, "bgen genotype block: buffer too small");
	pr = out + 10 + n_samples;
#if BF_HAVE_X86
	if (!scalar && n_samples >= 32 && bf_cpu_avx2()) {
		ph = force >= 0 ? forced_phase(force, mixed_phase)
				: variant_phase_avx2(phased, n_samples, unphased, mixed_phase);
		rc = geno_avx2(gt, ploidy, ph, n_samples, pl, &pr, &hap, &dip, err);
	} else
#endif
	{
		(void)scalar;
		ph = force >= 0 ? forced_phase(force, mixed_phase)
				: variant_phase_scalar(phased, n_samples, unphased, mixed_phase);
		rc = geno_scalar(gt, ploidy, ph, 0, n_samples, pl, &pr, &hap, &dip, err);
	}
	if (rc < 0)
		return rc;
	bf_store_le32(out, (uint32_t)n_samples);
	bf_store_le16(out + 4, 2);
	out[6] = hap ? 1 : 2;
	out[7] = (dip || n_samples == 0) ? 2 : 1;
	out[8 + n_samples] = (uint8_t)ph;
	out[9 + n_samples] = 8;
	*len = (size_t)(pr - out);
	return 0;
}

uint8_t bgen_row_flags(bool have_phased, bool unphased, bool any, bool all, size_t n_samples)
{
	bool mixed = false;

	if (!have_phased || unphased)
		return 0;
	return (uint8_t)((phase_flag(any, all, n_samples, &mixed) ? BGEN_ROW_PHASED : 0) |
			 (mixed ? BGEN_ROW_MIXED : 0));
}

const char *bgen_kernel_impl(void)
{
#if BF_HAVE_X86
	if (bf_cpu_avx2())
		return "avx2";
#endif
	return "scalar";
}

int bgen_geno_block(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
		    bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
		    struct bf_err *err)
{
	return bgen_geno_encode(gt, phased, n_samples, ploidy, unphased, out, cap, len, mixed_phase,
				false, -1, err);
}

int bgen_geno_block_scalar(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
			   bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
			   struct bf_err *err)
{
	return bgen_geno_encode(gt, phased, n_samples, ploidy, unphased, out, cap, len, mixed_phase,
				true, -1, err);
}
