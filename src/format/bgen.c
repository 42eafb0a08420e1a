/*
 * bgen.c - BGEN v1.2 layout-2 encoder (see bgen.h).
 */
#include "util/bf_config.h"

#include "format/bgen.h"
#include "format/adler32.h"
#include "format/fmt_text.h"
#include "format/format.h"
#include "util/pyrepr.h"
#include "util/alloc.h"
#include "util/cpu.h"
#include "util/endian.h"
#include "util/log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <zlib.h>

#define BGEN_STORED_MAX 65535u

static int oom(struct bf_strbuf *sb, size_t old, struct bf_err *err)
{
	sb->len = old;
	if (sb->buf)
		sb->buf[old] = '\0';
	return bf_err_set(err, BF_E_NOMEM, "out of memory");
}

void bgen_params_init(struct bgen_params *p, bool fixed)
{
	p->fixed = fixed;
	p->compression_level = fixed ? 0 : 1;
	p->total_string_length = 64;
	p->pad_byte = '.';
	p->id_in_rsid = true;
	p->unphased = false;
	p->header_samples = true;
	p->string_opts_given = false;
}

int bgen_params_validate(const struct bgen_params *p, struct bf_err *err)
{
	if (p->compression_level < -1 || p->compression_level > 9)
		return bf_err_set(err, BF_E_INVAL, "compression_level must be in -1..9 (got %d)",
				  p->compression_level);
	if (!p->fixed) {
		if (p->string_opts_given)
			return bf_err_set(
			    err, BF_E_INVAL,
			    "total_string_length / pad_byte require fixed_variant_size=True");
		return 0;
	}
	if (p->compression_level != 0)
		return bf_err_set(err, BF_E_INVAL,
				  "fixed_variant_size=True requires compression_level=0 "
				  "(fixed-size variant blocks have a deterministic block size); "
				  "got compression_level=%d",
				  p->compression_level);
	if (p->total_string_length < 5)
		return bf_err_set(err, BF_E_INVAL,
				  "total_string_length must be >= 5 (got %" PRIu32 ")",
				  p->total_string_length);
	if (p->total_string_length > 65535)
		return bf_err_set(err, BF_E_INVAL,
				  "total_string_length=%" PRIu32
				  " exceeds BGEN length-prefix width 65535",
				  p->total_string_length);
	if (p->pad_byte == 0)
		return bf_err_set(err, BF_E_INVAL, "pad_byte must not be the NUL byte");
	return 0;
}

int bgen_check_contigs(const struct fmt_str *contigs, size_t n, struct bf_err *err)
{
	size_t i, longest = 0;

	for (i = 0; i < n; i++) {
		if (contigs[i].len > longest)
			longest = contigs[i].len;
	}
	if (longest > 65535)
		return bf_err_set(
		    err, BF_E_RANGE,
		    "longest contig is %zu bytes, exceeds BGEN length-prefix width 65535", longest);
	return 0;
}

int bgen_header(const struct bgen_params *p, uint64_t n_variants, const struct fmt_str *ids,
		size_t n_samples, struct bf_strbuf *out, struct bf_err *err)
{
	uint8_t h[32];
	uint64_t lsi = 0;
	size_t i, old = out->len;

	if (n_variants > UINT32_MAX)
		return bf_err_set(err, BF_E_RANGE, "%" PRIu64 " variants exceed BGEN's u32 count",
				  n_variants);
	if (n_samples > UINT32_MAX)
		return bf_err_set(err, BF_E_RANGE, "%zu samples exceed BGEN's u32 count",
				  n_samples);
	if (p->header_samples) {
		lsi = 8;
		for (i = 0; i < n_samples; i++) {
			if (ids[i].len > 65535) {
				struct bf_strbuf r = BF_STRBUF_INIT;
				int rc;
				if (bf_pyrepr_strn(&r, ids[i].p, ids[i].len, false) < 0) {
					bf_strbuf_release(&r);
					return bf_err_set(err, BF_E_NOMEM, "out of memory");
				}
				rc = bf_err_set(err, BF_E_RANGE,
						"Sample ID %s exceeds BGEN's 65535-byte sample-id "
						"limit.",
						r.buf);
				bf_strbuf_release(&r);
				return rc;
			}
			lsi += 2 + (uint64_t)ids[i].len;
		}
		if (lsi + 20 > UINT32_MAX)
			return bf_err_set(err, BF_E_RANGE, "BGEN sample block is too large");
	}
	bf_store_le32(h, (uint32_t)(20 + lsi));
	bf_store_le32(h + 4, 20);
	bf_store_le32(h + 8, (uint32_t)n_variants);
	bf_store_le32(h + 12, (uint32_t)n_samples);
	memcpy(h + 16, "bgen", 4);
	bf_store_le32(h + 20, p->header_samples ? 0x80000009u : 0x00000009u);
	if (bf_strbuf_add(out, h, 24) < 0)
		return oom(out, old, err);
	if (!p->header_samples)
		return 0;
	bf_store_le32(h, (uint32_t)lsi);
	bf_store_le32(h + 4, (uint32_t)n_samples);
	if (bf_strbuf_grow(out, (size_t)lsi) < 0 || bf_strbuf_add(out, h, 8) < 0)
		return oom(out, old, err);
	for (i = 0; i < n_samples; i++) {
		bf_store_le16(h, (uint32_t)ids[i].len);
		if (bf_strbuf_add(out, h, 2) < 0 || bf_strbuf_add(out, ids[i].p, ids[i].len) < 0)
			return oom(out, old, err);
	}
	return 0;
}

struct fmt_str bgen_variant_id(const struct fmt_variant *v)
{
	struct fmt_str dot = {".", 1};

	if (v->has_id && v->id.len > 0)
		return v->id;
	return dot;
}

struct fmt_str bgen_allele2(const struct fmt_variant *v)
{
	struct fmt_str dot = {".", 1};

	return v->alt.len > 0 ? v->alt : dot;
}

uint64_t bgen_geno_size(size_t n_samples, int ploidy)
{
	return 10 + (uint64_t)(ploidy + 1) * (uint64_t)n_samples;
}

uint64_t bgen_stored_zsize(uint64_t n)
{
	uint64_t nblk = n == 0 ? 1 : (n + BGEN_STORED_MAX - 1) / BGEN_STORED_MAX;

	return 2 + 5 * nblk + n + 4;
}

uint64_t bgen_fixed_bytes_per_variant(const struct bgen_params *p, size_t n_samples, int ploidy)
{
	uint64_t g, bpv;

	if ((ploidy != 1 && ploidy != 2) || n_samples > UINT32_MAX / 4)
		return 0;
	g = bgen_geno_size(n_samples, ploidy);
	bpv = 28 + (uint64_t)p->total_string_length + bgen_stored_zsize(g);
	if (4 + bgen_stored_zsize(g) > UINT32_MAX)
		return 0;
	return bpv;
}

static uint64_t used_bytes(const struct fmt_variant *v)
{
	return (uint64_t)v->chrom.len + v->ref.len + bgen_allele2(v).len + bgen_variant_id(v).len;
}

int64_t bgen_fixed_slack(const struct bgen_params *p, const struct fmt_variant *v)
{
	uint64_t used = used_bytes(v);

	if (used > INT64_MAX / 2)
		return INT64_MIN / 2;
	return (int64_t)p->total_string_length - (int64_t)used;
}

int bgen_fixed_slack_error(const struct bgen_params *p, const struct fmt_variant *v,
			   struct bf_err *err)
{
	return bf_err_set(err, BF_E_RANGE,
			  "variant at %.*s:%" PRId64 ": chrom/allele1/allele2/variant_id byte sum "
			  "is %" PRIu64 ", leaving no room for the padding field's leading '.' "
			  "under total_string_length=%" PRIu32,
			  (int)(v->chrom.len > 512 ? 512 : v->chrom.len), v->chrom.p, v->pos,
			  used_bytes(v), p->total_string_length);
}

int bgen_rsid_slot(const struct bgen_params *p, const struct fmt_variant *v, struct bf_strbuf *out,
		   struct bf_err *err)
{
	size_t old = out->len;
	int64_t slack, k;

	if (p->id_in_rsid) {
		struct fmt_str id = bgen_variant_id(v);
		if (bf_strbuf_add(out, id.p, id.len) < 0)
			return oom(out, old, err);
		return 0;
	}
	if (!p->fixed) {
		if (bf_strbuf_addc(out, '.') < 0)
			return oom(out, old, err);
		return 0;
	}
	slack = bgen_fixed_slack(p, v);
	if (slack < 1)
		return bgen_fixed_slack_error(p, v, err);
	if (bf_strbuf_grow(out, (size_t)slack) < 0)
		return oom(out, old, err);
	out->buf[out->len++] = '.';
	for (k = 1; k < slack; k++)
		out->buf[out->len++] = (char)p->pad_byte;
	out->buf[out->len] = '\0';
	return 0;
}

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

static int geno_block(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
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

/*
 * The header fields of a diploid genotype block whose ploidy and probability
 * bytes bgen_fixed_planes already wrote (every sample diploid, values in
 * {-1, 0, 1}); the phase flag from the row's BGEN_ROW_* flags.
 */
static int geno_header_diploid(uint8_t flags, size_t n_samples, uint8_t *out, size_t *len,
			       bool *mixed_phase)
{
	int ph = flags & BGEN_ROW_PHASED;

	*mixed_phase = (flags & BGEN_ROW_MIXED) != 0;
	bf_store_le32(out, (uint32_t)n_samples);
	bf_store_le16(out + 4, 2);
	out[6] = 2;
	out[7] = 2;
	out[8 + n_samples] = (uint8_t)ph;
	out[9 + n_samples] = 8;
	*len = 10 + 3 * n_samples;
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

size_t bgen_fixed_geno_offset(const struct bgen_params *p)
{
	return (size_t)p->total_string_length + 35;
}

/* x's bytes spread to 0x00 / 0xFF: table[m] has byte i = 0xFF when bit i of m is set. */
static uint64_t spread8[256];
/* table[m]: byte k (k < 4) = 0x80 when bit 2k of m is clear (sample k missing), OR 0x02 */
static uint32_t ploidy4[256];
static pthread_once_t planes_once = PTHREAD_ONCE_INIT;

static void planes_tables(void)
{
	for (unsigned m = 0; m < 256; m++) {
		uint64_t x = 0;
		uint32_t y = 0;

		for (unsigned i = 0; i < 8; i++)
			if (m >> i & 1)
				x |= (uint64_t)0xFF << (8 * i);
		for (unsigned k = 0; k < 4; k++)
			y |= (uint32_t)(m >> (2 * k) & 1 ? 0x02 : 0x82) << (8 * k);
		spread8[m] = x;
		ploidy4[m] = y;
	}
}

/*
 * Samples [s0, s0 + 4 * nbytes) of one diploid variant from the bit planes
 * of its genotype bytes (plane b's byte j: bit b of bytes 8j .. 8j + 7, that
 * is of samples 4j .. 4j + 3): per 64 genotype bytes, masks of the values
 * 0, 1 and -1 (the only ones a fixed-size diploid variant may hold) give the
 * probability bytes directly (0xFF or 0x00 per byte, in genotype order) and
 * the ploidy bytes (0x02, or 0x82 for a missing call).  `geno` is the
 * variant's genotype block (bgen_fixed_geno_offset into its bytes).
 * @return 0, or 1 when some value is not in {-1, 0, 1}: the caller then
 * encodes the variant from bytes, whose loop reports it.
 */
/* The even bits of x packed into 32 bits (bit 2i -> bit i). */
static inline uint32_t even_bits(uint64_t x)
{
	x &= 0x5555555555555555ull;
	x = (x | x >> 1) & 0x3333333333333333ull;
	x = (x | x >> 2) & 0x0F0F0F0F0F0F0F0Full;
	x = (x | x >> 4) & 0x00FF00FF00FF00FFull;
	x = (x | x >> 8) & 0x0000FFFF0000FFFFull;
	return (uint32_t)(x | x >> 16);
}

/* Sum of the indexes of the set bits of x. */
static inline uint64_t bit_index_sum(uint64_t x)
{
	return (uint64_t)__builtin_popcountll(x & 0xAAAAAAAAAAAAAAAAull) +
	       2 * (uint64_t)__builtin_popcountll(x & 0xCCCCCCCCCCCCCCCCull) +
	       4 * (uint64_t)__builtin_popcountll(x & 0xF0F0F0F0F0F0F0F0ull) +
	       8 * (uint64_t)__builtin_popcountll(x & 0xFF00FF00FF00FF00ull) +
	       16 * (uint64_t)__builtin_popcountll(x & 0xFFFF0000FFFF0000ull) +
	       32 * (uint64_t)__builtin_popcountll(x & 0xFFFFFFFF00000000ull);
}

/*
 * Add `ns` samples from sample `base` on to the byte sums of their genotype
 * block (acc[0] = sum of the bytes, acc[1] = sum of 1-based position times
 * byte): E has a bit per probability byte (0xFF when set), `miss` a bit per
 * sample whose ploidy byte is 0x82 (else 0x02).
 */
static inline void sums_add(uint64_t *acc, size_t n_samples, size_t base, size_t ns, uint64_t E,
			    uint64_t miss)
{
	uint64_t p0 = 11 + n_samples + 2 * (uint64_t)base, q0 = 9 + (uint64_t)base;
	uint64_t ones = (uint64_t)__builtin_popcountll(E),
		 nm = (uint64_t)__builtin_popcountll(miss);

	acc[0] += 255 * ones + 2 * ns + 128 * nm;
	acc[1] += 255 * (p0 * ones + bit_index_sum(E)) + 2 * (ns * q0 + ns * (ns - 1) / 2) +
		  128 * (q0 * nm + bit_index_sum(miss));
}

/* Per 8 plane bytes (32 samples): the masks of bgen_fixed_planes; false on other values. */
static inline bool planes_masks(const uint64_t *P, uint64_t valid, int ph, uint64_t *E,
				uint64_t *nm)
{
	const uint64_t m55 = 0x5555555555555555ull;
	uint64_t hi_or = P[1] | P[2] | P[3] | P[4] | P[5] | P[6] | P[7];
	uint64_t hi_and = P[1] & P[2] & P[3] & P[4] & P[5] & P[6] & P[7];
	uint64_t v = ~hi_or, m = P[0] & hi_and; /* values 0 or 1; value -1 */
	uint64_t z, o, az, bz, ao, bo;

	if (((v | m) & valid) != valid)
		return false;
	z = v & ~P[0];
	o = v & P[0];
	*nm = v & (v >> 1) & m55; /* both slots called, at the sample's even bit */
	az = z & m55;
	bz = (z >> 1) & m55;
	ao = o & m55;
	bo = (o >> 1) & m55;
	*E = ph ? z & (*nm | *nm << 1) : (az & bz) | ((*nm & (ao ^ bo)) << 1);
	return true;
}

#if BF_HAVE_X86
/* 32 mask bits to 32 bytes of 0x00 / 0xFF. */
__attribute__((target("avx2"))) static inline __m256i spread32(uint32_t m)
{
	const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
					     2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
	const __m256i bits = _mm256_set1_epi64x((long long)0x8040201008040201ull);
	__m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)m), sel);

	return _mm256_cmpeq_epi8(_mm256_and_si256(v, bits), bits);
}

/*
 * Add the byte sums of plane bytes [j0, j1) of one bgen_fixed_planes call
 * (see sums_add) from tallies over its 64-bit words (word w: plane bytes
 * 8w .., samples s0 + 32w ..): t[0] set bits, t[1] set bits times w,
 * t[2] the bits' indexes within their word; e for the probability masks,
 * m for the missing samples (at their even bits).
 */
static void planes_sums(uint64_t *acc, size_t n_samples, size_t s0, size_t j0, size_t j1,
			const uint64_t *e, const uint64_t *m)
{
	uint64_t ns = 4 * (uint64_t)(j1 - j0), q = 9 + (uint64_t)s0 + 4 * (uint64_t)j0;

	acc[0] += 255 * e[0] + 2 * ns + 128 * m[0];
	acc[1] += 255 * ((11 + n_samples + 2 * (uint64_t)s0) * e[0] + 64 * e[1] + e[2]) +
		  2 * (ns * q + (ns ? ns * (ns - 1) / 2 : 0)) +
		  128 * ((9 + (uint64_t)s0) * m[0] + 32 * m[1] + m[2] / 2);
}

/* Per 64-bit lane of x: the number of set bits, and the sum of their indexes. */
__attribute__((target("avx2"))) static inline void lane_bits(__m256i x, __m256i *count,
							     __m256i *index_sum)
{
	const __m256i cnt = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
					     1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	/* the positions of a nibble's set bits, added up */
	const __m256i pos = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 0, 0,
					     1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6);
	const __m256i low = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
	/* the bytes of a lane whose index has bit 0, 1, 2 set */
	const __m256i k1 = _mm256_set1_epi64x((long long)0xFF00FF00FF00FF00ull);
	const __m256i k2 = _mm256_set1_epi64x((long long)0xFFFF0000FFFF0000ull);
	const __m256i k4 = _mm256_set1_epi64x((long long)0xFFFFFFFF00000000ull);
	__m256i lo = _mm256_and_si256(x, low), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
	__m256i ch = _mm256_shuffle_epi8(cnt, hi);
	__m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(cnt, lo), ch); /* bits per byte */
	/* index sum within each byte: low nibble's, high nibble's, 4 per high bit */
	__m256i w = _mm256_add_epi8(
	    _mm256_add_epi8(_mm256_shuffle_epi8(pos, lo), _mm256_shuffle_epi8(pos, hi)),
	    _mm256_slli_epi16(ch, 2));
	/* sum over bytes B of B * bits, from its binary digits */
	__m256i by = _mm256_add_epi64(
	    _mm256_sad_epu8(_mm256_and_si256(c, k1), zero),
	    _mm256_add_epi64(_mm256_slli_epi64(_mm256_sad_epu8(_mm256_and_si256(c, k2), zero), 1),
			     _mm256_slli_epi64(_mm256_sad_epu8(_mm256_and_si256(c, k4), zero), 2)));

	*count = _mm256_sad_epu8(c, zero);
	*index_sum = _mm256_add_epi64(_mm256_sad_epu8(w, zero), _mm256_slli_epi64(by, 3));
}

/* Sum of the four 64-bit lanes. */
__attribute__((target("avx2"))) static inline uint64_t lanes_sum(__m256i x)
{
	uint64_t v[4];

	_mm256_storeu_si256((__m256i *)v, x);
	return v[0] + v[1] + v[2] + v[3];
}

/*
 * Whole 32-byte groups of bgen_fixed_planes from plane byte j, with the
 * byte sums tallied per lane in vector popcounts (nibble tables).
 * @return plane bytes done, or SIZE_MAX.
 */
__attribute__((target("avx2"))) static size_t
fixed_planes_avx2(const uint8_t *planes, size_t stride, size_t j, size_t nbytes, int ph,
		  uint8_t *pl, uint8_t *pr, size_t s0, size_t n_samples, uint64_t *acc)
{
	const __m256i x82 = _mm256_set1_epi8((char)0x82), x80 = _mm256_set1_epi8((char)0x80);
	const __m256i m55 = _mm256_set1_epi8(0x55), ones = _mm256_set1_epi8(-1);
	const __m256i four = _mm256_set1_epi64x(4);
	__m256i idx = _mm256_setr_epi64x((long long)(j / 8), (long long)(j / 8 + 1),
					 (long long)(j / 8 + 2), (long long)(j / 8 + 3));
	__m256i en = _mm256_setzero_si256(), ew = en, eb = en, mn = en, mw = en, mb = en;
	size_t j0 = j;
	uint64_t et[3], mt[3];

	for (; j + 32 <= nbytes; j += 32) {
		__m256i P[8], hi_or, hi_and, v, m, z, o, nm, E, t, miss, c, ix, ev;
		uint64_t e[4], w[4];

		for (unsigned b = 0; b < 8; b++)
			P[b] = _mm256_loadu_si256((const __m256i *)(planes + b * stride + j));
		hi_or = _mm256_or_si256(
		    _mm256_or_si256(_mm256_or_si256(P[1], P[2]), _mm256_or_si256(P[3], P[4])),
		    _mm256_or_si256(_mm256_or_si256(P[5], P[6]), P[7]));
		hi_and = _mm256_and_si256(
		    _mm256_and_si256(_mm256_and_si256(P[1], P[2]), _mm256_and_si256(P[3], P[4])),
		    _mm256_and_si256(_mm256_and_si256(P[5], P[6]), P[7]));
		v = _mm256_andnot_si256(hi_or, ones);
		m = _mm256_and_si256(P[0], hi_and);
		t = _mm256_or_si256(v, m);
		if (!_mm256_testc_si256(t, ones))
			return SIZE_MAX;
		z = _mm256_andnot_si256(P[0], v);
		o = _mm256_and_si256(v, P[0]);
		/* both slots called, at the sample's even bit (shifts stay inside 64-bit lanes) */
		nm = _mm256_and_si256(_mm256_and_si256(v, _mm256_srli_epi64(v, 1)), m55);
		if (ph) {
			E = _mm256_and_si256(z, _mm256_or_si256(nm, _mm256_slli_epi64(nm, 1)));
		} else {
			__m256i az = _mm256_and_si256(z, m55);
			__m256i bz = _mm256_and_si256(_mm256_srli_epi64(z, 1), m55);
			__m256i ao = _mm256_and_si256(o, m55);
			__m256i bo = _mm256_and_si256(_mm256_srli_epi64(o, 1), m55);
			__m256i het = _mm256_and_si256(nm, _mm256_xor_si256(ao, bo));

			E = _mm256_or_si256(_mm256_and_si256(az, bz), _mm256_slli_epi64(het, 1));
		}
		lane_bits(E, &c, &ix);
		en = _mm256_add_epi64(en, c);
		ew = _mm256_add_epi64(ew, _mm256_mul_epu32(c, idx));
		eb = _mm256_add_epi64(eb, ix);
		miss = _mm256_andnot_si256(nm, m55);
		lane_bits(miss, &c, &ix);
		mn = _mm256_add_epi64(mn, c);
		mw = _mm256_add_epi64(mw, _mm256_mul_epu32(c, idx));
		mb = _mm256_add_epi64(mb, ix);
		idx = _mm256_add_epi64(idx, four);
		/* the called samples' bits packed to the low 32 of each lane */
		ev = nm;
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 1)),
				      _mm256_set1_epi64x(0x3333333333333333ll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 2)),
				      _mm256_set1_epi64x(0x0F0F0F0F0F0F0F0Fll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 4)),
				      _mm256_set1_epi64x(0x00FF00FF00FF00FFll));
		ev = _mm256_and_si256(_mm256_or_si256(ev, _mm256_srli_epi64(ev, 8)),
				      _mm256_set1_epi64x(0x0000FFFF0000FFFFll));
		ev = _mm256_or_si256(ev, _mm256_srli_epi64(ev, 16));
		_mm256_storeu_si256((__m256i *)e, E);
		_mm256_storeu_si256((__m256i *)w, ev);
		for (unsigned k = 0; k < 4; k++) {
			uint8_t *q = pr + 8 * (j + 8 * k);

			_mm256_storeu_si256((__m256i *)q, spread32((uint32_t)e[k]));
			_mm256_storeu_si256((__m256i *)(q + 32), spread32((uint32_t)(e[k] >> 32)));
			_mm256_storeu_si256(
			    (__m256i *)(pl + 4 * (j + 8 * k)),
			    _mm256_xor_si256(x82, _mm256_and_si256(spread32((uint32_t)w[k]), x80)));
		}
	}
	et[0] = lanes_sum(en);
	et[1] = lanes_sum(ew);
	et[2] = lanes_sum(eb);
	mt[0] = lanes_sum(mn);
	mt[1] = lanes_sum(mw);
	mt[2] = lanes_sum(mb);
	planes_sums(acc, n_samples, s0, j0, j, et, mt);
	return j;
}

/* Sum over the 64-bit lanes of x of the indexes of their set bits. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static inline __m512i bit_index_sum512(__m512i x)
{
	static const uint64_t sel[6] = {0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull,
					0xF0F0F0F0F0F0F0F0ull, 0xFF00FF00FF00FF00ull,
					0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull};
	__m512i s = _mm512_setzero_si512();

	for (int k = 5; k >= 0; k--) {
		__m512i c =
		    _mm512_popcnt_epi64(_mm512_and_si512(x, _mm512_set1_epi64((long long)sel[k])));

		s = _mm512_add_epi64(_mm512_add_epi64(s, s), c);
	}
	return s;
}

/*
 * Whole 64-byte groups of bgen_fixed_planes with AVX-512: eight 64-bit
 * words (256 samples) an iteration, the probability and ploidy bytes made
 * from mask registers (vpmovm2b, a blend), and the byte sums of sums_add
 * kept per lane in vector popcounts until the end.
 * @return plane bytes done, or SIZE_MAX.
 */
__attribute__((target("avx512f,avx512bw,avx512vpopcntdq,avx512dq,bmi2,popcnt"))) static size_t
fixed_planes_avx512(const uint8_t *planes, size_t stride, size_t nbytes, int ph, uint8_t *pl,
		    uint8_t *pr, size_t s0, size_t n_samples, uint64_t *acc)
{
	const __m512i m55 = _mm512_set1_epi8(0x55), x82 = _mm512_set1_epi8((char)0x82),
		      x02 = _mm512_set1_epi8(2), eight = _mm512_set1_epi64(8);
	__m512i idx = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
	__m512i e_n = _mm512_setzero_si512(), e_w = e_n, e_b = e_n; /* probability bytes */
	__m512i m_n = e_n, m_w = e_n, m_b = e_n;		    /* missing samples */
	uint64_t et[3], mt[3];
	size_t j;

	for (j = 0; j + 64 <= nbytes; j += 64) {
		__m512i P[8], hi_or, hi_and, v, z, o, nm, E, miss, c;
		uint64_t e[8], w[8];

		for (unsigned b = 0; b < 8; b++)
			P[b] = _mm512_loadu_si512((const void *)(planes + b * stride + j));
		/* 0xFE: a | b | c, 0x80: a & b & c */
		hi_or = _mm512_ternarylogic_epi64(
		    _mm512_ternarylogic_epi64(P[1], P[2], P[3], 0xFE), P[4],
		    _mm512_ternarylogic_epi64(P[5], P[6], P[7], 0xFE), 0xFE);
		hi_and = _mm512_ternarylogic_epi64(
		    _mm512_ternarylogic_epi64(P[1], P[2], P[3], 0x80), P[4],
		    _mm512_ternarylogic_epi64(P[5], P[6], P[7], 0x80), 0x80);
		/* a byte that is neither 0/1 (no high bit) nor -1 (every bit):
		 * hi_or & ~(P0 & hi_and), 0x70 = a & ~(b & c) */
		if (_mm512_test_epi64_mask(_mm512_ternarylogic_epi64(hi_or, P[0], hi_and, 0x70),
					   _mm512_set1_epi64(-1)))
			return SIZE_MAX;
		v = _mm512_ternarylogic_epi64(hi_or, hi_or, hi_or, 0x0F); /* ~hi_or */
		z = _mm512_andnot_si512(P[0], v);
		o = _mm512_and_si512(P[0], v);
		/* both slots called, at the sample's even bit (shifts stay inside lanes) */
		nm = _mm512_ternarylogic_epi64(v, _mm512_srli_epi64(v, 1), m55, 0x80);
		if (ph) {
			E = _mm512_and_si512(z, _mm512_or_si512(nm, _mm512_slli_epi64(nm, 1)));
		} else {
			__m512i aa =
			    _mm512_ternarylogic_epi64(z, _mm512_srli_epi64(z, 1), m55, 0x80);
			/* 0x28: (a ^ b) & c */
			__m512i het =
			    _mm512_ternarylogic_epi64(o, _mm512_srli_epi64(o, 1), nm, 0x28);

			E = _mm512_or_si512(aa, _mm512_slli_epi64(het, 1));
		}
		_mm512_storeu_si512((void *)e, E);
		_mm512_storeu_si512((void *)w, nm);
		for (unsigned k = 0; k < 8; k++)
			_mm512_storeu_si512((void *)(pr + 8 * (j + 8 * k)),
					    _mm512_movm_epi8(_cvtu64_mask64(e[k])));
		for (unsigned g = 0; g < 4; g++) {
			uint64_t called = _pext_u64(w[2 * g], 0x5555555555555555ull) |
					  _pext_u64(w[2 * g + 1], 0x5555555555555555ull) << 32;

			_mm512_storeu_si512(
			    (void *)(pl + 4 * j + 64 * g),
			    _mm512_mask_blend_epi8(_cvtu64_mask64(called), x82, x02));
		}
		c = _mm512_popcnt_epi64(E);
		e_n = _mm512_add_epi64(e_n, c);
		e_w = _mm512_add_epi64(e_w, _mm512_mullo_epi64(c, idx));
		e_b = _mm512_add_epi64(e_b, bit_index_sum512(E));
		miss = _mm512_andnot_si512(nm, m55); /* at the sample's even bit */
		c = _mm512_popcnt_epi64(miss);
		m_n = _mm512_add_epi64(m_n, c);
		m_w = _mm512_add_epi64(m_w, _mm512_mullo_epi64(c, idx));
		m_b = _mm512_add_epi64(m_b, bit_index_sum512(miss));
		idx = _mm512_add_epi64(idx, eight);
	}
	et[0] = (uint64_t)_mm512_reduce_add_epi64(e_n);
	et[1] = (uint64_t)_mm512_reduce_add_epi64(e_w);
	et[2] = (uint64_t)_mm512_reduce_add_epi64(e_b);
	mt[0] = (uint64_t)_mm512_reduce_add_epi64(m_n);
	mt[1] = (uint64_t)_mm512_reduce_add_epi64(m_w);
	mt[2] = (uint64_t)_mm512_reduce_add_epi64(m_b);
	planes_sums(acc, n_samples, s0, 0, j, et, mt);
	return j;
}
#endif

int bgen_fixed_planes(const uint8_t *planes, size_t stride, size_t nbytes, size_t s0,
		      size_t n_samples, int ph, uint8_t *geno, uint64_t *acc)
{
	uint8_t *pl = geno + 8 + s0, *pr = geno + 10 + n_samples + 2 * s0;
	size_t j0 = 0;

#if BF_HAVE_X86
	if (bf_cpu_avx512()) {
		j0 = fixed_planes_avx512(planes, stride, nbytes, ph, pl, pr, s0, n_samples, acc);
		if (j0 == SIZE_MAX)
			return 1;
	}
	if (bf_cpu_avx2()) {
		j0 = fixed_planes_avx2(planes, stride, j0, nbytes, ph, pl, pr, s0, n_samples, acc);
		if (j0 == SIZE_MAX)
			return 1;
	}
#endif
	pthread_once(&planes_once, planes_tables);
	for (size_t j = j0; j < nbytes; j += 8) {

		size_t w = nbytes - j < 8 ? nbytes - j : 8; /* plane bytes in this word */
		uint64_t P[8] = {0}, nm, E;
		uint64_t valid = w == 8 ? ~0ull : ((uint64_t)1 << (8 * w)) - 1;

		for (unsigned b = 0; b < 8; b++)
			memcpy(&P[b], planes + b * stride + j, w);
		if (!planes_masks(P, valid, ph, &E, &nm))
			return 1;
		E &= valid;
		nm &= valid;
		sums_add(acc, n_samples, s0 + 4 * j, 4 * w, E,
			 ~(uint64_t)even_bits(nm) & (((uint64_t)1 << (4 * w)) - 1));
		for (size_t k = 0; k < w; k++) {
			uint64_t e8 = spread8[(E >> (8 * k)) & 0xFF];
			uint32_t p4 = ploidy4[(nm >> (8 * k)) & 0xFF];

			memcpy(pr + 8 * (j + k), &e8, 8);
			memcpy(pl + 4 * (j + k), &p4, 4);
		}
	}
	return 0;
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
	return geno_block(gt, phased, n_samples, ploidy, unphased, out, cap, len, mixed_phase,
			  false, -1, err);
}

int bgen_geno_block_scalar(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
			   bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
			   struct bf_err *err)
{
	return geno_block(gt, phased, n_samples, ploidy, unphased, out, cap, len, mixed_phase, true,
			  -1, err);
}

static int ploidy_dim_error(const struct fmt_chunk *c, bool fixed, struct bf_err *err)
{
	if (fixed)
		return bf_err_set(
		    err, BF_E_UNSUPPORTED,
		    "BgenEncoder requires call_genotype.shape[2] in (1, 2); got (%zu, "
		    "%zu, %d).",
		    c->n_variants, c->n_samples, c->ploidy);
	return bf_err_set(err, BF_E_UNSUPPORTED,
			  "BGEN output requires call_genotype.shape[2] in (1, 2); got shape (%zu, "
			  "%zu, %d).",
			  c->n_variants, c->n_samples, c->ploidy);
}

/*
 * Write one stored-zlib stream of `data` (already at z + 7, length n) in
 * place.  `scalar` selects the reference checksum (zlib's adler32_z).
 */
/*
 * Adler-32 of a planned genotype block (geno, 10 + 3N bytes) without
 * reading its ploidy and probability bytes: their sums came from the masks
 * (sums_add); the other 10 bytes are read.  s1 = 1 + S, s2 = L + (L + 1) S
 * - T over 1-based positions, mod 65521.
 */
static uint32_t planned_adler(const uint8_t *geno, size_t n_samples, const uint64_t *acc)
{
	const uint64_t M = 65521;
	uint64_t S = acc[0], T = acc[1], L = 10 + 3 * (uint64_t)n_samples, s1, s2;

	for (unsigned i = 0; i < 8; i++) {
		S += geno[i];
		T += (i + 1) * (uint64_t)geno[i];
	}
	S += geno[8 + n_samples] + geno[9 + n_samples];
	T += (9 + n_samples) * (uint64_t)geno[8 + n_samples] +
	     (10 + n_samples) * (uint64_t)geno[9 + n_samples];
	s1 = (1 + S) % M;
	s2 = (L % M + ((L + 1) % M) * (S % M) % M + M - T % M) % M;
	return (uint32_t)(s2 << 16 | s1);
}

static void stored_frame(uint8_t *z, size_t n, bool scalar, const uint32_t *adler)
{
	uint8_t *data = z + 7;
	/* the checksum is taken before any block moves */
	uint32_t ad = adler    ? *adler
		      : scalar ? (uint32_t)adler32_z(1L, data, n)
			       : bf_adler32(1, data, n);
	size_t nblk = n == 0 ? 1 : (n + BGEN_STORED_MAX - 1) / BGEN_STORED_MAX;
	size_t k;
	uint8_t *end;

	/* Move blocks 1..nblk-1 right by 5*k (last first), then write headers. */
	for (k = nblk; k-- > 0;) {
		size_t off = k * BGEN_STORED_MAX;
		size_t blen = n - off < BGEN_STORED_MAX ? n - off : BGEN_STORED_MAX;
		uint8_t *h = z + 2 + k * (5 + BGEN_STORED_MAX);

		if (k > 0)
			memmove(h + 5, data + off, blen);
		h[0] = k + 1 == nblk ? 1 : 0;
		bf_store_le16(h + 1, (uint32_t)blen);
		bf_store_le16(h + 3, (uint32_t)(~blen & 0xFFFF));
	}
	z[0] = 0x78;
	z[1] = 0x01;
	end = z + 2 + 5 * nblk + n;
	bf_store_be32(end, ad);
}

static uint8_t *put_str16(uint8_t *p, struct fmt_str s)
{
	bf_store_le16(p, (uint32_t)s.len);
	if (s.len)
		memcpy(p + 2, s.p, s.len);
	return p + 2 + s.len;
}

static uint8_t *put_str32(uint8_t *p, struct fmt_str s)
{
	bf_store_le32(p, (uint32_t)s.len);
	if (s.len)
		memcpy(p + 4, s.p, s.len);
	return p + 4 + s.len;
}

static uint8_t *put_pad16(uint8_t *p, size_t slack, uint8_t pad)
{
	bf_store_le16(p, (uint32_t)slack);
	p[2] = '.';
	if (slack > 1)
		memset(p + 3, pad, slack - 1);
	return p + 2 + slack;
}

/* Row i's BGEN_ROW_* flags from c->row_phase (0 without it or with --unphased). */
static int row_phase_flags(const struct bgen_params *p, const struct fmt_chunk *c, size_t i)
{
	uint8_t f = c->row_phase ? c->row_phase[i] : 0;

	return bgen_row_flags(c->row_phase != NULL, p->unphased, f & FMT_PHASE_ANY,
			      f & FMT_PHASE_ALL, c->n_samples);
}

static int encode_fixed_chunk(const struct bgen_params *p, const struct fmt_chunk *c, uint8_t *out,
			      size_t cap, uint64_t *mixed_phase_count, bool scalar, bool planned,
			      const uint8_t *row_flags, const uint64_t *row_acc, struct bf_err *err)
{
	uint64_t bpv, geno, need;
	size_t i, imin = 0;
	int64_t smin = INT64_MAX, lo = INT64_MAX, hi = INT64_MIN;
	uint64_t nmixed = 0;

	if (c->ploidy != 1 && c->ploidy != 2)
		return ploidy_dim_error(c, true, err);
	for (i = 0; i < c->n_variants; i++) {
		if (c->variants[i].multi_allelic)
			return bf_err_set(err, BF_E_UNSUPPORTED, BGEN_MSG_MULTI_ALLELIC);
	}
	for (i = 0; i < c->n_variants; i++) {
		int64_t sl = bgen_fixed_slack(p, &c->variants[i]);
		if (sl < smin) {
			smin = sl;
			imin = i;
		}
		if (c->variants[i].pos < lo)
			lo = c->variants[i].pos;
		if (c->variants[i].pos > hi)
			hi = c->variants[i].pos;
	}
	if (c->n_variants && smin < 1)
		return bgen_fixed_slack_error(p, &c->variants[imin], err);
	if (c->n_variants && (lo < INT32_MIN || hi > INT32_MAX))
		return bf_err_set(err, BF_E_RANGE,
				  "POS: integer values [%" PRId64 ", %" PRId64
				  "] fall outside the 32-bit range supported by VCF output",
				  lo, hi);
	bpv = bgen_fixed_bytes_per_variant(p, c->n_samples, c->ploidy);
	if (bpv == 0)
		return bf_err_set(err, BF_E_RANGE, "%zu samples do not fit a BGEN block",
				  c->n_samples);
	geno = bgen_geno_size(c->n_samples, c->ploidy);
	if (__builtin_mul_overflow(bpv, (uint64_t)c->n_variants, &need) || need > cap)
		return bf_err_set(err, BF_E_INVAL,
				  "bgen chunk needs %zu x %" PRIu64 " bytes, buffer has %zu",
				  c->n_variants, bpv, cap);

	for (i = 0; i < c->n_variants; i++) {
		const struct fmt_variant *v = &c->variants[i];
		uint8_t *b = out + i * bpv, *q = b;
		size_t slack = (size_t)bgen_fixed_slack(p, v), glen = 0;
		const int8_t *gt = c->gt + i * c->n_samples * (size_t)c->ploidy;
		const uint8_t *ph = c->phased ? c->phased + i * c->n_samples : NULL;
		int flags = row_flags ? row_flags[i] : row_phase_flags(p, c, i);
		bool mixed = false;
		uint8_t *z;
		int rc;

		if (p->id_in_rsid) {
			q = put_pad16(q, slack, p->pad_byte);
			q = put_str16(q, bgen_variant_id(v));
		} else {
			q = put_str16(q, bgen_variant_id(v));
			q = put_pad16(q, slack, p->pad_byte);
		}
		q = put_str16(q, v->chrom);
		bf_store_le32(q, (uint32_t)(int32_t)v->pos);
		bf_store_le16(q + 4, 2);
		q = put_str32(q + 6, v->ref);
		q = put_str32(q, bgen_allele2(v));
		if (q != b + 28 + p->total_string_length - 8)
			return bf_err_set(
			    err, BF_E_INTERNAL,
			    "BGEN encoder: per-variant string byte sum does not match "
			    "total_string_length; the padding field was built with the "
			    "wrong slack.");
		bf_store_le32(q, (uint32_t)(4 + bgen_stored_zsize(geno)));
		bf_store_le32(q + 4, (uint32_t)geno);
		z = q + 8;
		/* geno block first goes contiguously where the first stored block's data starts */
		if (planned) {
			rc =
			    geno_header_diploid((uint8_t)flags, c->n_samples, z + 7, &glen, &mixed);
		} else {
			rc = geno_block(gt, ph, c->n_samples, c->ploidy, p->unphased, z + 7,
					(size_t)(bpv - (uint64_t)(z + 7 - b)), &glen, &mixed,
					scalar, ph ? -1 : flags, err);
		}
		if (rc < 0)
			return rc;
		if (glen != geno) /* the reference's text, after the variant it names */
			return bf_err_set(err, BF_E_UNSUPPORTED,
					  "variant at %.*s:%" PRId64 ": " BGEN_MSG_MIXED_PLOIDY,
					  (int)v->chrom.len, v->chrom.p, v->pos);
		if (planned) {
			uint32_t ad = planned_adler(z + 7, c->n_samples, row_acc + 2 * i);

			stored_frame(z, glen, scalar, &ad);
		} else {
			stored_frame(z, glen, scalar, NULL);
		}
		nmixed += mixed;
	}
	if (mixed_phase_count)
		*mixed_phase_count += nmixed;
	return 0;
}

int bgen_encode_fixed_chunk(const struct bgen_params *p, const struct fmt_chunk *c, uint8_t *out,
			    size_t cap, uint64_t *mixed_phase_count, struct bf_err *err)
{
	return encode_fixed_chunk(p, c, out, cap, mixed_phase_count, false, false, NULL, NULL, err);
}

int bgen_encode_fixed_chunk_planned(const struct bgen_params *p, const struct fmt_chunk *c,
				    const uint8_t *row_flags, const uint64_t *row_acc, uint8_t *out,
				    size_t cap, uint64_t *mixed_phase_count, struct bf_err *err)
{
	if (c->ploidy != 2)
		return bf_err_set(err, BF_E_INTERNAL, "planned BGEN rows need ploidy 2");
	return encode_fixed_chunk(p, c, out, cap, mixed_phase_count, false, true, row_flags,
				  row_acc, err);
}

int bgen_encode_fixed_chunk_scalar(const struct bgen_params *p, const struct fmt_chunk *c,
				   uint8_t *out, size_t cap, uint64_t *mixed_phase_count,
				   struct bf_err *err)
{
	return encode_fixed_chunk(p, c, out, cap, mixed_phase_count, true, false, NULL, NULL, err);
}

static int str16_check(const struct fmt_variant *v, const char *what, size_t len,
		       struct bf_err *err)
{
	if (len <= 65535)
		return 0;
	return bf_err_set(err, BF_E_RANGE,
			  "variant at %.*s:%" PRId64 ": %s is %zu bytes, exceeds BGEN "
			  "length-prefix width 65535",
			  (int)(v->chrom.len > 512 ? 512 : v->chrom.len), v->chrom.p, v->pos, what,
			  len);
}

int bgen_encode_variable_variant(const struct bgen_params *p, const struct fmt_variant *v,
				 const int8_t *gt, const uint8_t *phased, size_t n_samples,
				 int ploidy, struct bf_strbuf *scratch, struct bf_strbuf *out,
				 uint64_t *mixed_phase_count, struct bf_err *err)
{
	struct fmt_str id = bgen_variant_id(v), a2 = bgen_allele2(v), dot = {".", 1};
	size_t old = out->len, glen = 0, gcap, head, cpos;
	uint8_t tmp[16];
	uLongf zlen;
	bool mixed = false;
	int rc;

	if (v->multi_allelic)
		return bf_err_set(err, BF_E_UNSUPPORTED, BGEN_MSG_MULTI_ALLELIC);
	BF_FORWARD(str16_check(v, "variant ID", id.len, err));
	BF_FORWARD(str16_check(v, "chrom", v->chrom.len, err));
	if (v->pos < 0 || v->pos > (int64_t)UINT32_MAX)
		return bf_err_set(err, BF_E_RANGE,
				  "variant at %.*s:%" PRId64 ": position outside BGEN's u32 range",
				  (int)(v->chrom.len > 512 ? 512 : v->chrom.len), v->chrom.p,
				  v->pos);
	if (v->ref.len > UINT32_MAX || a2.len > UINT32_MAX)
		return bf_err_set(err, BF_E_RANGE, "allele longer than BGEN's u32 length");
	if (n_samples > UINT32_MAX / 4)
		return bf_err_set(err, BF_E_RANGE, "%zu samples do not fit a BGEN block",
				  n_samples);
	gcap = 10 + 3 * n_samples;
	if (bf_strbuf_grow(scratch, gcap) < 0)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = bgen_geno_block(gt, phased, n_samples, ploidy, p->unphased, (uint8_t *)scratch->buf,
			     gcap, &glen, &mixed, err);
	if (rc < 0)
		return rc;
	zlen = compressBound((uLong)glen);
	head = 2 + 2 + 2 + 1 + id.len + v->chrom.len + 4 + 2 + 4 + v->ref.len + 4 + a2.len + 8;
	if (bf_strbuf_grow(out, head + zlen) < 0)
		return oom(out, old, err);
	{
		uint8_t *q = (uint8_t *)out->buf + out->len;
		if (p->id_in_rsid) {
			q = put_str16(q, dot);
			q = put_str16(q, id);
		} else {
			q = put_str16(q, id);
			q = put_str16(q, dot);
		}
		q = put_str16(q, v->chrom);
		bf_store_le32(q, (uint32_t)v->pos);
		bf_store_le16(q + 4, 2);
		q = put_str32(q + 6, v->ref);
		q = put_str32(q, a2);
		cpos = (size_t)(q - (uint8_t *)out->buf);
	}
	rc = compress2((Bytef *)out->buf + cpos + 8, &zlen, (const Bytef *)scratch->buf,
		       (uLong)glen, p->compression_level);
	if (rc != Z_OK) {
		out->len = old;
		out->buf[old] = '\0';
		return bf_err_set(err, rc == Z_MEM_ERROR ? BF_E_NOMEM : BF_E_INTERNAL,
				  "zlib compress2 failed (%d)", rc);
	}
	if (zlen + 4 > UINT32_MAX) {
		out->len = old;
		out->buf[old] = '\0';
		return bf_err_set(err, BF_E_RANGE, "compressed genotype block exceeds u32");
	}
	bf_store_le32(tmp, (uint32_t)(zlen + 4));
	bf_store_le32(tmp + 4, (uint32_t)glen);
	memcpy(out->buf + cpos, tmp, 8);
	out->len = cpos + 8 + zlen;
	out->buf[out->len] = '\0';
	if (mixed && mixed_phase_count)
		(*mixed_phase_count)++;
	return 0;
}

int bgen_encode_variable_chunk(const struct bgen_params *p, const struct fmt_chunk *c,
			       struct bf_strbuf *scratch, struct bf_strbuf *out,
			       uint64_t *block_sizes, uint64_t *mixed_phase_count,
			       struct bf_err *err)
{
	size_t i, old = out->len, per = c->n_samples * (size_t)c->ploidy;
	uint64_t nmixed = 0;

	if (c->ploidy != 1 && c->ploidy != 2)
		return ploidy_dim_error(c, false, err);
	for (i = 0; i < c->n_variants; i++) {
		if (c->variants[i].multi_allelic)
			return bf_err_set(err, BF_E_UNSUPPORTED, BGEN_MSG_MULTI_ALLELIC);
	}
	for (i = 0; i < c->n_variants; i++) {
		size_t before = out->len;
		int rc = bgen_encode_variable_variant(
		    p, &c->variants[i], c->gt + i * per,
		    c->phased ? c->phased + i * c->n_samples : NULL, c->n_samples, c->ploidy,
		    scratch, out, &nmixed, err);
		if (rc < 0) {
			out->len = old;
			if (out->buf)
				out->buf[old] = '\0';
			return rc;
		}
		if (block_sizes)
			block_sizes[i] = out->len - before;
	}
	if (mixed_phase_count)
		*mixed_phase_count += nmixed;
	return 0;
}

/* ---- the format interface (format.h): fixed and variable BGEN ---- */

struct bgen_fmt {
	struct bgen_params p;
	size_t n_samples;
	size_t geno_off;	/* fixed: offset of a row's genotype block */
	_Atomic uint64_t mixed; /* variants written unphased for mixed phase */
};

/* The up-front checks of one pass over the planned variants. */
struct bgen_scan {
	int64_t max_used;
	bool bad;
	struct bf_err first; /* the first variant without slack */
};

static int bgen_fmt_open(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
			 struct fmt_info *info, void **state, bool fixed, struct bf_err *err)
{
	struct bgen_fmt *f;
	int rc;

	*state = NULL;
	if (!s->has_gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", s->store);
	if (s->ploidy != 1 && s->ploidy != 2)
		return bf_err_set(err, BF_E_INVAL,
				  fixed ? "BgenEncoder requires call_genotype.shape[2] in (1, 2); "
					  "got (%lld, %zu, %d)."
					: "BGEN output requires call_genotype.shape[2] in (1, 2); "
					  "got shape (%lld, %zu, %d).",
				  (long long)s->store_variants, s->store_samples, s->ploidy);
	f = bf_calloc(1, sizeof(*f));
	if (!f)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (opts)
		f->p = *(const struct bgen_params *)opts;
	else
		bgen_params_init(&f->p, fixed);
	f->n_samples = s->n_samples;
	f->geno_off = bgen_fixed_geno_offset(&f->p);
	*state = f;
	if (fixed) {
		BF_FORWARD(bgen_params_validate(&f->p, err));
		BF_FORWARD(bgen_check_contigs(s->contigs, s->n_contigs, err));
	}
	rc = bgen_header(&f->p, s->n_variants, s->sample_ids, s->n_samples, prefix, err);
	if (rc < 0)
		return rc;
	info->need_meta = true;
	info->need_phase = !f->p.unphased;
	if (fixed) {
		info->bytes_per_variant =
		    bgen_fixed_bytes_per_variant(&f->p, s->n_samples, s->ploidy);
		info->planes = s->ploidy == 2;
		info->stream_rows = true;
		info->checks_async = true;
	}
	return 0;
}

static int bgen_fixed_open(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
			   struct fmt_info *info, void **state, struct bf_err *err)
{
	return bgen_fmt_open(opts, s, prefix, info, state, true, err);
}

static int bgen_variable_open(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
			      struct fmt_info *info, void **state, struct bf_err *err)
{
	return bgen_fmt_open(opts, s, prefix, info, state, false, err);
}

static void bgen_fmt_close(void *state)
{
	bf_free(state);
}

static int bgen_fmt_check(void *state, void *scan, const struct fmt_variant *v, struct bf_err *err)
{
	const struct bgen_fmt *f = state;
	struct bgen_scan *sc = scan;
	int64_t slack, used;

	if (v->multi_allelic)
		return bf_err_set(err, BF_E_INVAL, "%s", BGEN_MSG_MULTI_ALLELIC);
	if (!f->p.fixed)
		return 0;
	slack = bgen_fixed_slack(&f->p, v);
	used = (int64_t)f->p.total_string_length - slack;
	if (used > sc->max_used)
		sc->max_used = used;
	if (slack < 1 && !sc->bad) {
		sc->bad = true;
		bgen_fixed_slack_error(&f->p, v, &sc->first);
	}
	return 0;
}

static int bgen_fmt_check_end(void *state, void *scan, struct bf_err *err)
{
	const struct bgen_scan *sc = scan;

	(void)state;
	if (sc->bad)
		return bf_err_set(err, BF_E_RANGE,
				  "%s; the smallest --total-string-length that fits every variant "
				  "is %lld",
				  sc->first.msg, (long long)sc->max_used + 1);
	return 0;
}

static int bgen_fmt_encode(void *state, const struct fmt_chunk *c, uint8_t *out, size_t cap,
			   struct bf_err *err)
{
	struct bgen_fmt *f = state;
	uint64_t mixed = 0;
	int rc = encode_fixed_chunk(&f->p, c, out, cap, &mixed, false, false, NULL, NULL, err);

	if (mixed)
		atomic_fetch_add(&f->mixed, mixed);
	return rc;
}

static int bgen_fmt_planes_row(void *state, uint8_t phase, size_t s0, size_t n,
			       const uint8_t *planes, size_t stride, uint8_t *row_out,
			       uint64_t *acc)
{
	const struct bgen_fmt *f = state;
	uint8_t fl = bgen_row_flags(true, f->p.unphased, phase & FMT_PHASE_ANY,
				    phase & FMT_PHASE_ALL, f->n_samples);

	return bgen_fixed_planes(planes, stride, (n + 3) / 4, s0, f->n_samples,
				 fl & BGEN_ROW_PHASED, row_out + f->geno_off, acc);
}

static int bgen_fmt_planes_finish(void *state, const struct fmt_chunk *c, const uint64_t *acc,
				  uint8_t *out, size_t len, struct bf_err *err)
{
	struct bgen_fmt *f = state;
	uint64_t mixed = 0;
	int rc;

	if (c->ploidy != 2)
		return bf_err_set(err, BF_E_INTERNAL, "planned BGEN rows need ploidy 2");
	rc = encode_fixed_chunk(&f->p, c, out, len, &mixed, false, true, NULL, acc, err);
	if (mixed)
		atomic_fetch_add(&f->mixed, mixed);
	return rc;
}

static int bgen_fmt_append(void *state, const struct fmt_chunk *c, struct bf_strbuf *scratch,
			   struct bf_strbuf *out, uint64_t *sizes, struct bf_err *err)
{
	struct bgen_fmt *f = state;
	uint64_t mixed = 0;
	int rc = bgen_encode_variable_chunk(&f->p, c, scratch, out, sizes, &mixed, err);

	if (mixed)
		atomic_fetch_add(&f->mixed, mixed);
	return rc;
}

static void bgen_fmt_report(void *state, const char *who, bool reset)
{
	struct bgen_fmt *f = state;
	uint64_t n = reset ? atomic_exchange(&f->mixed, 0) : atomic_load(&f->mixed);

	if (n && who)
		bf_log_warn("%s: %llu variant(s) had mixed phase across samples; emitted as "
			    "unphased (the BGEN phased flag is per variant)",
			    who, (unsigned long long)n);
}

const struct fmt_ops fmt_bgen_fixed_ops = {
    .name = "bgen",
    .open = bgen_fixed_open,
    .close = bgen_fmt_close,
    .check_size = sizeof(struct bgen_scan),
    .check_variant = bgen_fmt_check,
    .check_end = bgen_fmt_check_end,
    .encode = bgen_fmt_encode,
    .planes_row = bgen_fmt_planes_row,
    .planes_finish = bgen_fmt_planes_finish,
    .report = bgen_fmt_report,
};

const struct fmt_ops fmt_bgen_variable_ops = {
    .name = "bgen-variable",
    .open = bgen_variable_open,
    .close = bgen_fmt_close,
    .check_size = sizeof(struct bgen_scan),
    .check_variant = bgen_fmt_check,
    .check_end = bgen_fmt_check_end,
    .append = bgen_fmt_append,
    .report = bgen_fmt_report,
};
