/*
 * zarr_chunk.c - the decode pipeline of one chunk: read the stored object
 * (store_size + store_read), run the bytes->bytes codecs backwards, then the
 * array->bytes codec (byte order) and the array->array codecs backwards
 * (filters, transpose); an absent object decodes to the fill value.  A
 * pipeline of exactly one blosc codec and an identity tail decompresses
 * straight into the caller's buffer.  Thread-safe: per-call buffers only.
 */
#include "util/bf_config.h"

#include "zarr/blosc1.h"
#include "zarr/zarr_internal.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/bigbuf.h"
#include "util/endian.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blosc.h>

/* ---- shared helpers ---- */

int zarr_ctx_init(struct zarr_chunk_ctx *cx, struct zarr_array *a, const int64_t *idx,
		  struct bf_err *err)
{
	cx->a = a;
	if (!idx && a->ndim > 0)
		return bf_err_set(err, BF_E_INVAL, "array '%s': no chunk index", a->name);
	if (zarr_array_chunk_key(a, idx, cx->key, sizeof(cx->key)) < 0)
		return bf_err_set(err, BF_E_INVAL, "array '%s': chunk index out of range", a->name);
	if (a->unsupported)
		return bf_err_set(err, BF_E_UNSUPPORTED, "array '%s': chunk '%s': %s", a->name,
				  cx->key, a->unsupported);
	return 0;
}

int zarr_ctx_fail(struct zarr_chunk_ctx *cx, struct bf_err *err)
{
	return bf_err_prefix(err, "array '%s': chunk '%s'", cx->a->name, cx->key);
}

/* Read the stored object; BF_E_NOTFOUND (no message) when it is absent. */
int zarr_read_obj(struct zarr_chunk_ctx *cx, uint8_t **buf, size_t *len, struct bf_err *err)
{
	struct zarr_group *g = cx->a->g;
	int64_t sz = store_size(g->store, cx->key, err);
	int rc;

	*buf = NULL;
	if (sz == BF_E_NOTFOUND)
		return BF_E_NOTFOUND;
	if (sz < 0)
		return zarr_ctx_fail(cx, err);
	if ((uint64_t)sz > ZARR_MAX_STORED) {
		bf_err_set(err, BF_E_RANGE, "stored size %lld exceeds the limit", (long long)sz);
		return zarr_ctx_fail(cx, err);
	}
	*buf = bf_malloc((size_t)sz ? (size_t)sz : 1);
	if (!*buf) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return zarr_ctx_fail(cx, err);
	}
	rc = store_read(g->store, cx->key, *buf, (size_t)sz, err);
	if (rc < 0) {
		bf_free(*buf);
		*buf = NULL;
		if (rc == BF_E_NOTFOUND) /* removed between size and read */
			return BF_E_NOTFOUND;
		return zarr_ctx_fail(cx, err);
	}
	*len = (size_t)sz;
	return 0;
}

void zarr_fill_elems(const struct zarr_array *a, uint8_t *out, size_t nelem)
{
	size_t i, sz = (size_t)a->dtype.itemsize;

	if (a->fill_zero) {
		memset(out, 0, nelem * sz);
		return;
	}
	for (i = 0; i < nelem; i++)
		memcpy(out + i * sz, a->fill, sz);
}

/*
 * Run the bytes->bytes codecs backwards.  If `fixed` is set, the last one
 * decodes into it (it must produce exactly fixed_len bytes); otherwise *res
 * gets a buffer (possibly `src` itself when there are no codecs, ownership
 * moves to the caller).
 */
int zarr_run_b2b(const struct zarr_array *a, uint8_t *src, size_t len, uint8_t *fixed,
		 size_t fixed_len, uint8_t **res, size_t *res_len, bool *res_is_src,
		 struct blosc1_dctx *b1, struct bf_err *err)
{
	uint8_t *cur = src;
	size_t cur_len = len;
	int i, last = -1, rc;

	for (i = 0; i < a->ncodecs; i++)
		if (a->codecs[i].stage == ZC_STAGE_B2B)
			last = i; /* encode order: the first to run on decode is the highest */
	*res_is_src = false;
	for (i = a->ncodecs - 1; i >= 0; i--) {
		const struct zarr_codec *c = &a->codecs[i];
		uint8_t *nb = NULL;
		size_t nl = 0;
		bool final;
		int k;

		if (c->stage != ZC_STAGE_B2B)
			continue;
		final = true;
		for (k = i - 1; k >= 0; k--)
			if (a->codecs[k].stage == ZC_STAGE_B2B)
				final = false;
		rc = zarr_codec_b2b(c, cur, cur_len, final ? fixed : NULL, fixed_len, &nb, &nl, b1,
				    err);
		if (cur != src)
			bf_free(cur);
		if (rc < 0) {
			size_t nl2 = strlen(c->name);

			if (err && (strncmp(err->msg, c->name, nl2) || err->msg[nl2] != ':'))
				bf_err_prefix(err, "%s", c->name);
			return rc;
		}
		if (final && fixed)
			return 0;
		cur = nb;
		cur_len = nl;
	}
	(void)last;
	if (fixed) {
		/* no bytes codec: the stored object is the chunk */
		if (cur_len != fixed_len)
			return bf_err_set(err, BF_E_FORMAT, "decodes to %zu bytes, expected %zu",
					  cur_len, fixed_len);
		memcpy(fixed, cur, cur_len);
		if (cur != src)
			bf_free(cur);
		return 0;
	}
	*res = cur;
	*res_len = cur_len;
	*res_is_src = cur == src;
	return 0;
}

/* Numeric array->array filters (v2), decoding `in` (len bytes) into a new buffer. */
static int run_filter(const struct zarr_array *a, const struct zarr_codec *c, uint8_t *in,
		      size_t len, uint8_t **out, size_t *out_len, struct bf_err *err)
{
	size_t n, i, outsz;
	uint8_t *o;

	if (c->id == ZC_BITROUND) {
		*out = in;
		*out_len = len;
		return 0;
	}
	if (c->id == ZC_PACKBITS) {
		size_t nbits;

		if (len < 1 || in[0] > 7)
			return bf_err_set(err, BF_E_FORMAT, "packbits: corrupt data");
		nbits = (len - 1) * 8;
		if (nbits < in[0])
			return bf_err_set(err, BF_E_FORMAT, "packbits: corrupt data");
		nbits -= in[0];
		o = bf_malloc(nbits ? nbits : 1);
		if (!o)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		for (i = 0; i < nbits; i++)
			o[i] = (in[1 + i / 8] >> (7 - i % 8)) & 1;
		*out = o;
		*out_len = nbits;
		return 0;
	}
	(void)a;
	if (c->id != ZC_DELTA && c->id != ZC_FIXEDSCALEOFFSET && c->id != ZC_QUANTIZE &&
	    c->id != ZC_ASTYPE)
		return bf_err_set(err, BF_E_UNSUPPORTED, "codec '%s' is not supported here",
				  c->name);
	if (c->astype.size <= 0 || c->dtype.size <= 0)
		return bf_err_set(err, BF_E_INTERNAL, "%s: no element type", c->name);
	if (len % (size_t)c->astype.size)
		return bf_err_set(err, BF_E_FORMAT, "%s: %zu bytes is not a whole number of items",
				  c->name, len);
	n = len / (size_t)c->astype.size;
	if (!bf_size_mul(n, (size_t)c->dtype.size, &outsz) || outsz > ZARR_MAX_DECODED)
		return bf_err_set(err, BF_E_RANGE, "%s: decoded size exceeds the limit", c->name);
	o = bf_malloc(outsz ? outsz : 1);
	if (!o)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (c->id == ZC_DELTA) {
		bool fl = c->dtype.kind == ZARR_KIND_FLOAT;
		double accd = 0;
		uint64_t acci = 0;

		for (i = 0; i < n; i++) {
			const uint8_t *p = in + i * (size_t)c->astype.size;
			uint8_t *q = o + i * (size_t)c->dtype.size;

			if (fl) {
				accd += zarr_etype_get(&c->astype, p);
				zarr_etype_put(&c->dtype, q, accd);
			} else {
				acci += (uint64_t)zarr_etype_get_i64(&c->astype, p);
				zarr_etype_put_i64(&c->dtype, q, (int64_t)acci);
			}
		}
	} else {
		for (i = 0; i < n; i++) {
			const uint8_t *p = in + i * (size_t)c->astype.size;
			uint8_t *q = o + i * (size_t)c->dtype.size;

			if (c->id == ZC_FIXEDSCALEOFFSET) {
				zarr_etype_put(&c->dtype, q,
					       zarr_etype_get(&c->astype, p) / c->scale +
						   c->offset);
			} else if (c->dtype.kind == ZARR_KIND_FLOAT ||
				   c->astype.kind == ZARR_KIND_FLOAT ||
				   (c->astype.kind == ZARR_KIND_UINT && c->astype.size == 8)) {
				zarr_etype_put(&c->dtype, q, zarr_etype_get(&c->astype, p));
			} else {
				zarr_etype_put_i64(&c->dtype, q, zarr_etype_get_i64(&c->astype, p));
			}
		}
	}
	*out = o;
	*out_len = outsz;
	return 0;
}

/* Apply a transpose codec: `in` is in the permuted (encoded) layout. */
int zarr_run_transpose(const struct zarr_array *a, const struct zarr_codec *c, const uint8_t *in,
		       uint8_t *out, size_t esize)
{
	int64_t enc_shape[ZARR_MAX_DIMS], enc_stride[ZARR_MAX_DIMS], stride[ZARR_MAX_DIMS];
	int64_t m[ZARR_MAX_DIMS] = {0};
	int i, nd = a->ndim;
	size_t k;

	for (i = 0; i < nd; i++)
		enc_shape[i] = a->chunks[c->order[i]];
	for (i = nd - 1; i >= 0; i--)
		enc_stride[i] = i == nd - 1 ? 1 : enc_stride[i + 1] * enc_shape[i + 1];
	/* stride in the encoded buffer of decoded dimension d */
	for (i = 0; i < nd; i++)
		stride[c->order[i]] = enc_stride[i];
	for (k = 0; k < a->chunk_nelem; k++) {
		int64_t e = 0;

		for (i = 0; i < nd; i++)
			e += m[i] * stride[i];
		memcpy(out + k * esize, in + (size_t)e * esize, esize);
		for (i = nd - 1; i >= 0; i--) {
			if (++m[i] < a->chunks[i])
				break;
			m[i] = 0;
		}
	}
	return 0;
}

/*
 * Decode a stored fixed-size chunk into out (exactly chunk_nbytes bytes).
 * `obj` is consumed (freed).
 */
int zarr_decode_fixed(struct zarr_array *a, uint8_t *obj, size_t len, uint8_t *out,
		      struct blosc1_dctx *b1, struct bf_err *err)
{
	uint8_t *cur = NULL;
	size_t cur_len = 0;
	bool is_src;
	int i, rc;
	size_t esize = (size_t)a->dtype.itemsize;

	if (a->direct) {
		rc = zarr_run_b2b(a, obj, len, out, a->chunk_nbytes, NULL, NULL, &is_src, b1, err);
		bf_free(obj);
		return rc;
	}
	rc = zarr_run_b2b(a, obj, len, NULL, 0, &cur, &cur_len, &is_src, b1, err);
	if (!is_src)
		bf_free(obj);
	if (rc < 0)
		return rc;
	for (i = a->ncodecs - 1; i >= 0; i--) {
		const struct zarr_codec *c = &a->codecs[i];
		uint8_t *nb = NULL;
		size_t nl = 0;

		if (c->stage == ZC_STAGE_B2B || c->id == ZC_BYTES)
			continue;
		if (c->id == ZC_TRANSPOSE) {
			if (cur_len != a->chunk_nbytes) {
				rc = bf_err_set(err, BF_E_FORMAT,
						"decodes to %zu bytes, expected %zu", cur_len,
						a->chunk_nbytes);
				break;
			}
			nb = bf_malloc(cur_len ? cur_len : 1);
			if (!nb) {
				rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
				break;
			}
			zarr_run_transpose(a, c, cur, nb, esize);
			nl = cur_len;
		} else {
			rc = run_filter(a, c, cur, cur_len, &nb, &nl, err);
			if (rc < 0)
				break;
		}
		if (nb != cur)
			bf_free(cur);
		cur = nb;
		cur_len = nl;
	}
	if (rc == 0 && cur_len != a->chunk_nbytes)
		rc = bf_err_set(err, BF_E_FORMAT, "decodes to %zu bytes, expected %zu", cur_len,
				a->chunk_nbytes);
	if (rc == 0) {
		memcpy(out, cur, cur_len);
		if (a->big)
			zarr_bswap(out, a->chunk_nelem, a->dtype.itemsize);
	}
	bf_free(cur);
	return rc;
}

int zarr_check_fixed(struct zarr_chunk_ctx *cx, struct bf_err *err)
{
	struct zarr_array *a = cx->a;

	if (a->dtype.kind == ZARR_KIND_STRING) {
		bf_err_set(err, BF_E_UNSUPPORTED, "string dtype '%s' needs the strings reader",
			   a->dtype.text);
		return zarr_ctx_fail(cx, err);
	}
	if (!a->nbytes_ok) {
		bf_err_set(err, BF_E_RANGE, "decoded chunk size exceeds the limit of %zu bytes",
			   (size_t)ZARR_MAX_DECODED);
		return zarr_ctx_fail(cx, err);
	}
	return 0;
}

int zarr_array_read_chunk(struct zarr_array *a, const int64_t *idx, void *out, size_t cap,
			  struct bf_err *err)
{
	return zarr_array_read_chunk_ctx(a, idx, out, cap, NULL, err);
}

int zarr_array_read_chunk_ctx(struct zarr_array *a, const int64_t *idx, void *out, size_t cap,
			      struct zarr_dctx *dc, struct bf_err *err)
{
	struct zarr_chunk_ctx cx;
	uint8_t *obj;
	size_t len;
	int rc;

	BF_FORWARD(zarr_ctx_init(&cx, a, idx, err));
	BF_FORWARD(zarr_check_fixed(&cx, err));
	if (cap < a->chunk_nbytes) {
		bf_err_set(err, BF_E_INVAL, "buffer of %zu bytes is smaller than the chunk (%zu)",
			   cap, a->chunk_nbytes);
		return zarr_ctx_fail(&cx, err);
	}
	rc = zarr_read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		zarr_fill_elems(a, out, a->chunk_nelem);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = zarr_decode_fixed(a, obj, len, out, dc ? dc->b1 : NULL, err);
	if (rc < 0)
		return zarr_ctx_fail(&cx, err);
	return 0;
}
