/*
 * bgen.c - BGEN v1.2 layout-2 encoder (see bgen.h).
 */
#include "util/bf_config.h"

#include "format/bgen.h"
#include "format/bgen_internal.h"
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

/* The first BGEN limit the header would pass (HDR_ID: sample *bad), else HDR_FITS and *lsi. */
enum hdr_limit { HDR_FITS, HDR_VARIANTS, HDR_SAMPLES, HDR_ID, HDR_BLOCK };

static enum hdr_limit header_limit(const struct bgen_params *p, uint64_t n_variants,
				   const struct fmt_str *ids, size_t n_samples, uint64_t *lsi,
				   size_t *bad)
{
	*lsi = 0;
	if (n_variants > UINT32_MAX)
		return HDR_VARIANTS;
	if (n_samples > UINT32_MAX)
		return HDR_SAMPLES;
	if (!p->header_samples)
		return HDR_FITS;
	*lsi = 8;
	for (size_t i = 0; i < n_samples; i++) {
		if (ids[i].len > 65535) {
			*bad = i;
			return HDR_ID;
		}
		*lsi += 2 + (uint64_t)ids[i].len;
	}
	return *lsi + 20 > UINT32_MAX ? HDR_BLOCK : HDR_FITS;
}

uint64_t bgen_header_size(const struct bgen_params *p, uint64_t n_variants,
			  const struct fmt_str *ids, size_t n_samples)
{
	uint64_t lsi;
	size_t bad;

	if (header_limit(p, n_variants, ids, n_samples, &lsi, &bad) != HDR_FITS)
		return 0;
	return 24 + lsi;
}

int bgen_header(const struct bgen_params *p, uint64_t n_variants, const struct fmt_str *ids,
		size_t n_samples, struct bf_strbuf *out, struct bf_err *err)
{
	uint8_t h[32];
	uint64_t lsi = 0;
	size_t i, bad = 0, old = out->len;

	switch (header_limit(p, n_variants, ids, n_samples, &lsi, &bad)) {
	case HDR_FITS:
		break;
	case HDR_VARIANTS:
		return bf_err_set(err, BF_E_RANGE, "%" PRIu64 " variants exceed BGEN's u32 count",
				  n_variants);
	case HDR_SAMPLES:
		return bf_err_set(err, BF_E_RANGE, "%zu samples exceed BGEN's u32 count",
				  n_samples);
	case HDR_ID: {
		struct bf_strbuf r = BF_STRBUF_INIT;
		int rc;

		if (bf_pyrepr_strn(&r, ids[bad].p, ids[bad].len, false) < 0) {
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
	case HDR_BLOCK:
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

size_t bgen_fixed_geno_offset(const struct bgen_params *p)
{
	return (size_t)p->total_string_length + 35;
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
			rc = bgen_geno_encode(gt, ph, c->n_samples, c->ploidy, p->unphased, z + 7,
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
    .ext = ".bgen",
    .sides = {FMT_SIDE_SAMPLE, FMT_SIDE_BGI},
    .n_sides = 2,
    .bgen_params = true,
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
    .ext = ".bgen",
    .sides = {FMT_SIDE_SAMPLE, FMT_SIDE_BGI},
    .n_sides = 2,
    .bgen_params = true,
    .open = bgen_variable_open,
    .close = bgen_fmt_close,
    .check_size = sizeof(struct bgen_scan),
    .check_variant = bgen_fmt_check,
    .check_end = bgen_fmt_check_end,
    .append = bgen_fmt_append,
    .report = bgen_fmt_report,
};
