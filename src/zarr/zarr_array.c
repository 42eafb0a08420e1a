/*
 * zarr_array.c - chunk keys, chunk reads, fill, strings.
 *
 * Owns: the public accessors of struct zarr_array, chunk key formatting (v2
 * '.'/'/', v3 default "c/..." and v2-style encodings), and the decode
 * pipeline: read the stored object (store_size + store_read), run the
 * bytes->bytes codecs backwards, then the array->bytes codec (byte order,
 * vlen-utf8) and the array->array codecs backwards (filters, transpose).
 * Fast path: a pipeline of exactly one blosc codec and an identity tail
 * decompresses straight into the caller's buffer (no extra copy); row ranges
 * of such chunks decode only the blosc blocks covering the rows.  Other
 * pipelines decode the whole chunk into a temporary buffer for row ranges.
 * Thread-safe: reads only touch the immutable array and per-call buffers.
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

void zarr_strings_release(struct zarr_strings *s)
{
	if (!s)
		return;
	bf_free(s->data);
	bf_free(s->off);
	bf_free(s->len);
	memset(s, 0, sizeof(*s));
}

const char *zarr_array_name(const struct zarr_array *a)
{
	return a->name;
}

int zarr_array_ndim(const struct zarr_array *a)
{
	return a->ndim;
}

const int64_t *zarr_array_shape(const struct zarr_array *a)
{
	return a->shape;
}

const int64_t *zarr_array_chunks(const struct zarr_array *a)
{
	return a->chunks;
}

const struct zarr_dtype *zarr_array_dtype(const struct zarr_array *a)
{
	return &a->dtype;
}

const char *zarr_array_dim_name(const struct zarr_array *a, int dim)
{
	if (dim < 0 || dim >= a->ndim)
		return NULL;
	return a->dim_names[dim];
}

int64_t zarr_array_nchunks(const struct zarr_array *a, int dim)
{
	if (dim < 0 || dim >= a->ndim)
		return 0;
	return (a->shape[dim] + a->chunks[dim] - 1) / a->chunks[dim];
}

size_t zarr_array_chunk_nelem(const struct zarr_array *a)
{
	return a->chunk_nelem;
}

int64_t zarr_array_chunk_extent(const struct zarr_array *a, int dim, int64_t ci)
{
	int64_t origin, rest;

	if (dim < 0 || dim >= a->ndim || ci < 0)
		return 0;
	if (ci >= zarr_array_nchunks(a, dim))
		return 0;
	origin = ci * a->chunks[dim];
	rest = a->shape[dim] - origin;
	if (rest <= 0)
		return 0;
	return rest < a->chunks[dim] ? rest : a->chunks[dim];
}

const char *zarr_array_codecs_json(const struct zarr_array *a)
{
	return a->codecs_json;
}

int zarr_array_chunk_key(const struct zarr_array *a, const int64_t *idx, char *buf, size_t cap)
{
	size_t pos;
	int i, n;

	n = snprintf(buf, cap, "%s/%s", a->name, a->key_c_prefix ? "c" : "");
	if (n < 0 || (size_t)n >= cap)
		return BF_E_INVAL;
	pos = (size_t)n;
	if (a->ndim == 0 && !a->key_c_prefix) {
		if (pos + 2 > cap)
			return BF_E_INVAL;
		buf[pos++] = '0';
		buf[pos] = 0;
		return 0;
	}
	for (i = 0; i < a->ndim; i++) {
		if (idx[i] < 0 || idx[i] >= zarr_array_nchunks(a, i))
			return BF_E_INVAL;
		n = snprintf(buf + pos, cap - pos, "%s%lld",
			     (i == 0 && !a->key_c_prefix) ? "" : (a->key_sep == '/' ? "/" : "."),
			     (long long)idx[i]);
		if (n < 0 || (size_t)n >= cap - pos)
			return BF_E_INVAL;
		pos += (size_t)n;
	}
	return 0;
}

/* ---- shared helpers ---- */

struct chunk_ctx {
	struct zarr_array *a;
	char key[1200];
};

static int ctx_init(struct chunk_ctx *cx, struct zarr_array *a, const int64_t *idx,
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

static int ctx_fail(struct chunk_ctx *cx, struct bf_err *err)
{
	return bf_err_prefix(err, "array '%s': chunk '%s'", cx->a->name, cx->key);
}

/* Read the stored object; BF_E_NOTFOUND (no message) when it is absent. */
static int read_obj(struct chunk_ctx *cx, uint8_t **buf, size_t *len, struct bf_err *err)
{
	struct zarr_group *g = cx->a->g;
	int64_t sz = store_size(g->store, cx->key, err);
	int rc;

	*buf = NULL;
	if (sz == BF_E_NOTFOUND)
		return BF_E_NOTFOUND;
	if (sz < 0)
		return ctx_fail(cx, err);
	if ((uint64_t)sz > ZARR_MAX_STORED) {
		bf_err_set(err, BF_E_RANGE, "stored size %lld exceeds the limit", (long long)sz);
		return ctx_fail(cx, err);
	}
	*buf = bf_malloc((size_t)sz ? (size_t)sz : 1);
	if (!*buf) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return ctx_fail(cx, err);
	}
	rc = store_read(g->store, cx->key, *buf, (size_t)sz, err);
	if (rc < 0) {
		bf_free(*buf);
		*buf = NULL;
		if (rc == BF_E_NOTFOUND) /* removed between size and read */
			return BF_E_NOTFOUND;
		return ctx_fail(cx, err);
	}
	*len = (size_t)sz;
	return 0;
}

static void fill_elems(const struct zarr_array *a, uint8_t *out, size_t nelem)
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
static int run_b2b(const struct zarr_array *a, uint8_t *src, size_t len, uint8_t *fixed,
		   size_t fixed_len, uint8_t **res, size_t *res_len, bool *res_is_src,
		   struct bf_err *err)
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
		rc =
		    zarr_codec_b2b(c, cur, cur_len, final ? fixed : NULL, fixed_len, &nb, &nl, err);
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
static int run_transpose(const struct zarr_array *a, const struct zarr_codec *c, const uint8_t *in,
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
static int decode_fixed(struct zarr_array *a, uint8_t *obj, size_t len, uint8_t *out,
			struct bf_err *err)
{
	uint8_t *cur = NULL;
	size_t cur_len = 0;
	bool is_src;
	int i, rc;
	size_t esize = (size_t)a->dtype.itemsize;

	if (a->direct) {
		rc = run_b2b(a, obj, len, out, a->chunk_nbytes, NULL, NULL, &is_src, err);
		bf_free(obj);
		return rc;
	}
	rc = run_b2b(a, obj, len, NULL, 0, &cur, &cur_len, &is_src, err);
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
			run_transpose(a, c, cur, nb, esize);
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

static int check_fixed(struct chunk_ctx *cx, struct bf_err *err)
{
	struct zarr_array *a = cx->a;

	if (a->dtype.kind == ZARR_KIND_STRING) {
		bf_err_set(err, BF_E_UNSUPPORTED, "string dtype '%s' needs the strings reader",
			   a->dtype.text);
		return ctx_fail(cx, err);
	}
	if (!a->nbytes_ok) {
		bf_err_set(err, BF_E_RANGE, "decoded chunk size exceeds the limit of %zu bytes",
			   (size_t)ZARR_MAX_DECODED);
		return ctx_fail(cx, err);
	}
	return 0;
}

int zarr_array_read_chunk(struct zarr_array *a, const int64_t *idx, void *out, size_t cap,
			  struct bf_err *err)
{
	struct chunk_ctx cx;
	uint8_t *obj;
	size_t len;
	int rc;

	BF_FORWARD(ctx_init(&cx, a, idx, err));
	BF_FORWARD(check_fixed(&cx, err));
	if (cap < a->chunk_nbytes) {
		bf_err_set(err, BF_E_INVAL, "buffer of %zu bytes is smaller than the chunk (%zu)",
			   cap, a->chunk_nbytes);
		return ctx_fail(&cx, err);
	}
	rc = read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		fill_elems(a, out, a->chunk_nelem);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = decode_fixed(a, obj, len, out, err);
	if (rc < 0)
		return ctx_fail(&cx, err);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Decode blocks k0..k1 of the compact frame `f` (the chunk's header and
 * table, blocks packed; clen[k - b0] their compressed sizes) into dst, which
 * receives exactly those blocks' bytes.  Frames blosc1.h decodes are read
 * in place.  For the others a frame of just those blocks is
 * built (header nbytes/cbytes and table rewritten) and decoded by
 * blosc_decompress_ctx, which keeps one codec context for the run, unlike
 * blosc_getitem (a zstd context per block, and a copy through its own
 * temporary).  A run holding the chunk's last block keeps its short length,
 * so blosc treats that block as the leftover it was.
 */
static int decode_block_run(const uint8_t *f, size_t f_len, const uint32_t *clen, size_t b0,
			    size_t k0, size_t k1, size_t nb, size_t bs, uint8_t *dst)
{
	size_t n = k1 - k0 + 1, head = 16 + 4 * n, total = head, at;
	size_t end = (k1 + 1) * bs < nb ? (k1 + 1) * bs : nb, sub_nb = end - k0 * bs;
	uint8_t *sub;
	struct blosc1_frame bf;
	int rc;

	/* our decoder reads the blocks in place: no frame to build */
	if (blosc1_open(f, f_len, &bf) == 0)
		return blosc1_blocks(&bf, k0, k1, dst);
	if (sub_nb < bs) {
		/*
		 * The chunk's short last block alone: blosc refuses a frame whose
		 * nbytes is below its blocksize, so it is read with blosc_getitem
		 * from the compact frame itself, which keeps the chunk's geometry.
		 */
		size_t ts = f[3];

		if (k0 != k1 || ts == 0 || nb > INT32_MAX)
			return -1;
		rc = blosc_getitem(f, (int)(k0 * bs / ts), (int)(sub_nb / ts), dst);
		return rc >= 0 && (size_t)rc == sub_nb ? 0 : -1;
	}
	for (size_t k = k0; k <= k1; k++)
		total += clen[k - b0];
	if (total > UINT32_MAX || sub_nb > INT32_MAX)
		return -1;
	sub = bf_malloc(total);
	if (!sub)
		return -1;
	memcpy(sub, f, 16);
	bf_store_le32(sub + 4, (uint32_t)sub_nb);
	bf_store_le32(sub + 12, (uint32_t)total);
	at = head;
	for (size_t k = k0; k <= k1; k++) {
		bf_store_le32(sub + 16 + 4 * (k - k0), (uint32_t)at);
		memcpy(sub + at, f + bf_load_le32(f + 16 + 4 * k), clen[k - b0]);
		at += clen[k - b0];
	}
	rc = blosc_decompress_ctx(sub, dst, sub_nb, 1);
	bf_free(sub);
	return rc >= 0 && (size_t)rc == sub_nb ? 0 : -1;
}

/* The compressed blocks b0..b1 of a blosc chunk, packed into a compact frame. */
struct sparse {
	uint8_t *frame; /* chunk header and table, blocks b0..b1 packed */
	size_t len;	/* bytes of frame */
	uint32_t *clen; /* compressed size of block b0 + i */
	size_t b0, b1;	/* blocks covering the byte range */
	size_t nb, bs;	/* chunk bytes, block bytes */
};

static void sparse_free(struct sparse *sp)
{
	bf_free(sp->frame);
	bf_free(sp->clen);
	sp->frame = NULL;
	sp->clen = NULL;
}

/*
 * Read the 16-byte header and the block-offset table of a blosc chunk, then
 * only the compressed blocks that cover bytes [byte0, byte0 + nbytes),
 * packed one after another into a compact frame (from the heap: no fresh
 * pages faulted in per call), one read per run of adjacent blocks.
 * @return 0; 1 when the sparse path does not apply (the caller reads the
 * whole object).
 */
static int sparse_load(struct chunk_ctx *cx, size_t byte0, size_t nbytes, struct sparse *sp,
		       struct bf_err *err)
{
	struct store *st = cx->a->g->store;
	const char *key = cx->key;
	uint8_t hdr[16];
	uint8_t *tab = NULL;
	uint32_t *starts = NULL, *lo = NULL, *hi = NULL;
	int64_t sz;
	size_t nb, bs, cb, nblocks, b0, b1, ts, head, total, at;
	int rc;

	memset(sp, 0, sizeof(*sp));
	sz = store_size(st, key, err);
	if (sz < 0 || (uint64_t)sz < 16 || (uint64_t)sz > ZARR_MAX_STORED) {
		bf_err_clear(err);
		return 1;
	}
	rc = store_read_range(st, key, 0, hdr, 16, err);
	if (rc < 0) {
		bf_err_clear(err);
		return 1;
	}
	nb = bf_load_le32(hdr + 4);
	bs = bf_load_le32(hdr + 8);
	cb = bf_load_le32(hdr + 12);
	ts = hdr[3];
	if ((hdr[2] & 0x02) || ts == 0 || bs == 0 || bs > nb || bs % ts || cb != (size_t)sz ||
	    nb != cx->a->chunk_nbytes || byte0 % ts || nbytes % ts || nbytes == 0)
		return 1; /* memcpyed, odd or bad frames: the whole-object path judges them */
	nblocks = (nb + bs - 1) / bs;
	head = 16 + 4 * nblocks;
	if (head > cb)
		return 1;
	b0 = byte0 / bs;
	b1 = (byte0 + nbytes - 1) / bs;
	tab = bf_malloc(4 * nblocks);
	starts = bf_malloc(nblocks * sizeof(*starts));
	lo = bf_malloc((b1 - b0 + 1) * sizeof(*lo));
	hi = bf_malloc((b1 - b0 + 1) * sizeof(*hi));
	if (!tab || !starts || !lo || !hi)
		goto fallback;
	rc = store_read_range(st, key, 16, tab, 4 * nblocks, err);
	if (rc < 0)
		goto fallback;
	/*
	 * Blocks written by several blosc threads need not be in order: a block
	 * ends where the next larger start begins (or at the end of the frame).
	 */
	for (size_t b = 0; b < nblocks; b++)
		starts[b] = bf_load_le32(tab + 4 * b);
	qsort(starts, nblocks, sizeof(*starts), cmp_u32);
	total = head;
	for (size_t b = b0; b <= b1; b++) {
		uint32_t s0 = bf_load_le32(tab + 4 * b), s1 = (uint32_t)cb;
		size_t lo_i = 0, hi_i = nblocks;

		while (lo_i < hi_i) { /* first start > s0 */
			size_t mid = (lo_i + hi_i) / 2;

			if (starts[mid] <= s0)
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
		if (lo_i < nblocks)
			s1 = starts[lo_i];
		if (s0 < head || s1 > cb || s1 <= s0) {
			bf_log_debug("chunk '%s': bad block table, reading it whole", key);
			goto fallback;
		}
		lo[b - b0] = s0;
		hi[b - b0] = s1;
		total += s1 - s0;
	}
	sp->frame = bf_malloc(total);
	if (!sp->frame)
		goto fallback;
	memcpy(sp->frame, hdr, 16);
	bf_store_le32(sp->frame + 12, (uint32_t)total);
	for (size_t b = 0; b < nblocks; b++) /* blocks not needed: never read */
		bf_store_le32(sp->frame + 16 + 4 * b, (uint32_t)head);
	at = head;
	for (size_t b = b0; b <= b1;) {
		size_t e = b, len;

		while (e < b1 && lo[e + 1 - b0] == hi[e - b0])
			e++;
		len = hi[e - b0] - lo[b - b0];
		rc = store_read_range(st, key, lo[b - b0], sp->frame + at, len, err);
		if (rc < 0)
			goto fallback;
		for (size_t k = b; k <= e; k++)
			bf_store_le32(sp->frame + 16 + 4 * k,
				      (uint32_t)(at + (lo[k - b0] - lo[b - b0])));
		at += len;
		b = e + 1;
	}
	for (size_t b = b0; b <= b1; b++) /* lo[] becomes the compressed sizes */
		lo[b - b0] = hi[b - b0] - lo[b - b0];
	sp->clen = lo;
	sp->len = total;
	sp->b0 = b0;
	sp->b1 = b1;
	sp->nb = nb;
	sp->bs = bs;
	bf_free(tab);
	bf_free(starts);
	bf_free(hi);
	return 0;
fallback:
	bf_err_clear(err);
	bf_free(tab);
	bf_free(starts);
	bf_free(lo);
	bf_free(hi);
	sparse_free(sp);
	return 1;
}

/*
 * Rows of a blosc chunk without reading the whole object (sparse_load).
 * Blocks wholly inside the rows decode straight into `out`; the one or two
 * blocks cut by the range's ends decode into a block-sized temporary and
 * their overlap is copied.  @return 0; 1 when the sparse path does not
 * apply (the caller reads the whole object); or a negative code.
 */
static int blosc_rows_sparse(struct chunk_ctx *cx, size_t byte0, size_t nbytes, uint8_t *out,
			     struct bf_err *err)
{
	struct sparse sp;
	uint8_t *tmp = NULL;
	size_t bs, nb;
	int rc = sparse_load(cx, byte0, nbytes, &sp, err);

	if (rc != 0)
		return rc;
	bs = sp.bs;
	nb = sp.nb;
	for (size_t b = sp.b0; b <= sp.b1 && rc == 0;) {
		size_t bstart = b * bs, bend = bstart + bs < nb ? bstart + bs : nb;

		if (bstart >= byte0 && bend <= byte0 + nbytes) {
			size_t e = b; /* a run of whole blocks: straight into out */

			while (e < sp.b1 &&
			       ((e + 2) * bs < nb ? (e + 2) * bs : nb) <= byte0 + nbytes)
				e++;
			rc = decode_block_run(sp.frame, sp.len, sp.clen, sp.b0, b, e, nb, bs,
					      out + (bstart - byte0));
			b = e + 1;
		} else {
			size_t from = bstart > byte0 ? bstart : byte0;
			size_t to = bend < byte0 + nbytes ? bend : byte0 + nbytes;

			if (!tmp && !(tmp = bf_malloc(bs))) {
				rc = -1;
				break;
			}
			rc = decode_block_run(sp.frame, sp.len, sp.clen, sp.b0, b, b, nb, bs, tmp);
			if (rc == 0)
				memcpy(out + (from - byte0), tmp + (from - bstart), to - from);
			b++;
		}
	}
	sparse_free(&sp);
	bf_free(tmp);
	if (rc < 0)
		return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data in '%s'", cx->key);
	return 0;
}

/*
 * Check rows [row0, row0 + nrows) of the chunk (nrows 0 allowed when
 * `empty_ok`) and give their bytes: row size, first byte, byte count.
 */
static int row_range(struct chunk_ctx *cx, int64_t row0, int64_t nrows, bool empty_ok,
		     size_t *rowbytes, size_t *byte0, size_t *nbytes, struct bf_err *err)
{
	struct zarr_array *a = cx->a;

	if (a->ndim == 0 || row0 < 0 || nrows < (empty_ok ? 0 : 1) || row0 > a->chunks[0] ||
	    nrows > a->chunks[0] - row0) {
		bf_err_set(err, BF_E_INVAL, "bad row range [%lld, +%lld)", (long long)row0,
			   (long long)nrows);
		return ctx_fail(cx, err);
	}
	*rowbytes = a->chunk_nbytes / (size_t)a->chunks[0];
	*byte0 = (size_t)row0 * *rowbytes;
	*nbytes = (size_t)nrows * *rowbytes;
	return 0;
}

int zarr_array_read_chunk_rows(struct zarr_array *a, const int64_t *idx, int64_t row0,
			       int64_t nrows, void *out, size_t cap, struct bf_err *err)
{
	struct chunk_ctx cx;
	uint8_t *obj, *tmp;
	size_t len, rowbytes, byte0, nbytes;
	int rc;

	BF_FORWARD(ctx_init(&cx, a, idx, err));
	BF_FORWARD(check_fixed(&cx, err));
	BF_FORWARD(row_range(&cx, row0, nrows, true, &rowbytes, &byte0, &nbytes, err));
	if (cap < nbytes) {
		bf_err_set(err, BF_E_INVAL, "buffer of %zu bytes is smaller than the rows (%zu)",
			   cap, nbytes);
		return ctx_fail(&cx, err);
	}
	if (a->fast_blosc && nbytes < a->chunk_nbytes) {
		const struct zarr_codec *c = NULL;
		int i;

		for (i = 0; i < a->ncodecs; i++)
			if (a->codecs[i].stage == ZC_STAGE_B2B)
				c = &a->codecs[i];
		if (c && c->id == ZC_BLOSC) {
			rc = blosc_rows_sparse(&cx, byte0, nbytes, out, err);
			if (rc <= 0)
				return rc < 0 ? ctx_fail(&cx, err) : 0;
		}
	}
	rc = read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		fill_elems(a, out, nbytes / (a->dtype.itemsize ? (size_t)a->dtype.itemsize : 1));
		return 0;
	}
	if (rc < 0)
		return rc;
	if (a->fast_blosc) {
		const struct zarr_codec *c = NULL;
		int i;

		for (i = 0; i < a->ncodecs; i++)
			if (a->codecs[i].stage == ZC_STAGE_B2B)
				c = &a->codecs[i];
		if (c && c->id == ZC_BLOSC) {
			rc = zarr_blosc_range(obj, len, a->chunk_nbytes, byte0, nbytes, out, err);
			bf_free(obj);
			if (rc < 0)
				return ctx_fail(&cx, err);
			return 0;
		}
	}
	/* other pipelines: decode the whole chunk into a temporary */
	tmp = bf_malloc(a->chunk_nbytes ? a->chunk_nbytes : 1);
	if (!tmp) {
		bf_free(obj);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return ctx_fail(&cx, err);
	}
	rc = decode_fixed(a, obj, len, tmp, err);
	if (rc == 0)
		memcpy(out, tmp + byte0, nbytes);
	bf_free(tmp);
	if (rc < 0)
		return ctx_fail(&cx, err);
	return 0;
}

/* ---- rows through a window ---- */

void zarr_window_release(struct zarr_window *w)
{
	bf_free(w->buf);
	w->buf = NULL;
	w->cap = 0;
}

static bool blosc_pipeline(const struct zarr_array *a)
{
	const struct zarr_codec *c = NULL;

	if (!a->fast_blosc)
		return false;
	for (int i = 0; i < a->ncodecs; i++)
		if (a->codecs[i].stage == ZC_STAGE_B2B)
			c = &a->codecs[i];
	return c && c->id == ZC_BLOSC;
}

/*
 * Bytes [byte0, byte0 + nbytes) of frame f, whole rows of `rb` bytes, to fn:
 * each block decodes after the partial row the previous one left, the
 * complete rows go to fn, the remainder moves to the window's start.
 * @return 0, 1 when a block is corrupt, or a negative code (*fn_failed
 * when fn returned it).
 */
static int window_rows(const struct blosc1_frame *f, size_t byte0, size_t nbytes, size_t rb,
		       int64_t row0, struct zarr_window *w, zarr_rows_fn fn, void *ctx,
		       bool *fn_failed, struct bf_err *err)
{
	size_t bs = f->blocksize, pos = byte0, end = byte0 + nbytes, have = 0;
	int64_t r = row0;

	if (w->cap < bs + rb) {
		uint8_t *nb = bf_realloc(w->buf, bs + rb);

		if (!nb)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		w->buf = nb;
		w->cap = bs + rb;
	}
	for (size_t k = byte0 / bs; pos < end; k++) {
		size_t b0 = k * bs, bl = f->nbytes - b0 < bs ? f->nbytes - b0 : bs;
		size_t skip = pos - b0, take = bl - skip < end - pos ? bl - skip : end - pos;
		uint8_t *start = w->buf + skip; /* skip > 0 only in the first block */
		size_t avail, n;

		if (blosc1_blocks(f, k, k, w->buf + have) < 0)
			return 1;
		avail = have + take;
		n = avail / rb;
		if (n > 0) {
			int rc = fn(ctx, r, (int64_t)n, start, err);

			if (rc < 0) {
				*fn_failed = true;
				return rc;
			}
			r += (int64_t)n;
		}
		have = avail - n * rb;
		memmove(w->buf, start + n * rb, have);
		pos += take;
	}
	return 0;
}

/*
 * Bytes [byte0, byte0 + nbytes) of frame f (multiples of 8) to pfn as the
 * bit planes of each block.  @return as window_rows.
 */
static int window_planes(const struct blosc1_frame *f, size_t byte0, size_t nbytes,
			 struct zarr_window *w, zarr_planes_fn pfn, unsigned nplanes, void *ctx,
			 bool *fn_failed, struct bf_err *err)
{
	size_t bs = f->blocksize, end = byte0 + nbytes;

	if (w->cap < bs) {
		uint8_t *nb = bf_realloc(w->buf, bs);

		if (!nb)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		w->buf = nb;
		w->cap = bs;
	}
	for (size_t k = byte0 / bs; k * bs < end; k++) {
		size_t b0 = k * bs, bl = f->nbytes - b0 < bs ? f->nbytes - b0 : bs;
		size_t from = b0 > byte0 ? b0 : byte0, to = b0 + bl < end ? b0 + bl : end;
		int rc;

		if (blosc1_block_planes(f, k, nplanes, w->buf) < 0)
			return 1;
		rc = pfn(ctx, from - byte0, to - from, w->buf + (from - b0) / 8, bl / 8, err);
		if (rc < 0) {
			*fn_failed = true;
			return rc;
		}
	}
	return 0;
}

int zarr_array_each_rows(struct zarr_array *a, const int64_t *idx, int64_t row0, int64_t nrows,
			 struct zarr_window *w, zarr_rows_fn fn, zarr_planes_fn pfn,
			 unsigned nplanes, void *ctx, struct bf_err *err)
{
	struct chunk_ctx cx;
	struct blosc1_frame f;
	struct sparse sp;
	uint8_t *obj = NULL, *tmp;
	size_t len = 0, rowbytes, byte0, nbytes;
	bool fn_failed = false;
	int rc;

	BF_FORWARD(ctx_init(&cx, a, idx, err));
	BF_FORWARD(check_fixed(&cx, err));
	BF_FORWARD(row_range(&cx, row0, nrows, false, &rowbytes, &byte0, &nbytes, err));
	memset(&sp, 0, sizeof(sp));
	if (blosc_pipeline(a) && rowbytes > 0) {
		if (nbytes < a->chunk_nbytes && sparse_load(&cx, byte0, nbytes, &sp, err) == 0) {
			obj = sp.frame;
			len = sp.len;
		} else {
			rc = read_obj(&cx, &obj, &len, err);
			if (rc < 0 && rc != BF_E_NOTFOUND)
				return rc;
			bf_err_clear(err);
		}
	}
	if (obj) {
		rc = zarr_blosc_frame(obj, len, a->chunk_nbytes, &f, err);
		if (rc == 0 && pfn && rowbytes % 8 == 0 && blosc1_planes_ok(&f)) {
			rc =
			    window_planes(&f, byte0, nbytes, w, pfn, nplanes, ctx, &fn_failed, err);
			if (rc == 1)
				rc = bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data");
		} else if (rc == 0) {
			rc = window_rows(&f, byte0, nbytes, rowbytes, row0, w, fn, ctx, &fn_failed,
					 err);
			if (rc == 1)
				rc = bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data");
		}
		if (sp.frame)
			sparse_free(&sp);
		else
			bf_free(obj);
		if (rc <= 0)
			return rc < 0 && !fn_failed ? ctx_fail(&cx, err) : rc;
		bf_err_clear(err); /* a frame for libblosc: the general path below */
	}
	/* anything else: the rows at once, from a temporary */
	tmp = bf_malloc(nbytes);
	if (!tmp) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return ctx_fail(&cx, err);
	}
	rc = zarr_array_read_chunk_rows(a, idx, row0, nrows, tmp, nbytes, err);
	if (rc == 0)
		rc = fn(ctx, row0, nrows, tmp, err);
	bf_free(tmp);
	return rc;
}

/* ---- strings ---- */

static int strings_alloc(struct zarr_strings *s, size_t n, struct bf_err *err)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->off = bf_calloc(n ? n : 1, sizeof(*s->off));
	s->len = bf_calloc(n ? n : 1, sizeof(*s->len));
	if (!s->off || !s->len) {
		zarr_strings_release(s);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	return 0;
}

/* Parse vlen-utf8 framing in buf (owned; moves into s on success). */
static int parse_vlen(const struct zarr_array *a, uint8_t *buf, size_t len, struct zarr_strings *s,
		      struct bf_err *err)
{
	uint32_t n;
	size_t pos = 4, i;
	int rc;

	if (len < 4)
		return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: truncated header");
	n = bf_load_le32(buf);
	if (n != a->chunk_nelem)
		return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: %u items, expected %zu", n,
				  a->chunk_nelem);
	if ((len - 4) / 4 < n)
		return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: truncated data");
	rc = strings_alloc(s, n, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		uint32_t l;

		if (len - pos < 4) {
			zarr_strings_release(s);
			return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: truncated data");
		}
		l = bf_load_le32(buf + pos);
		pos += 4;
		if (len - pos < l) {
			zarr_strings_release(s);
			return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: truncated data");
		}
		s->off[i] = pos;
		s->len[i] = l;
		pos += l;
	}
	if (pos != len) {
		zarr_strings_release(s);
		return bf_err_set(err, BF_E_FORMAT, "vlen-utf8: %zu trailing bytes", len - pos);
	}
	s->data = buf;
	return 0;
}

static size_t utf8_put(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Fixed-width strings: buf holds chunk_nelem items of itemsize bytes. */
static int parse_fixed_str(const struct zarr_array *a, const uint8_t *buf, struct zarr_strings *s,
			   struct bf_err *err)
{
	size_t n = a->chunk_nelem, i, pos = 0, cap;
	size_t isz = (size_t)a->dtype.itemsize;
	int rc;

	if (!bf_size_mul(n, a->dtype.utf32 ? isz : isz, &cap) || cap > ZARR_MAX_DECODED)
		return bf_err_set(err, BF_E_RANGE, "decoded strings exceed the limit");
	rc = strings_alloc(s, n, err);
	if (rc < 0)
		return rc;
	/* UTF-8 of a code point never needs more bytes than its UTF-32 form */
	s->data = bf_malloc(cap ? cap : 1);
	if (!s->data) {
		zarr_strings_release(s);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const uint8_t *e = buf + i * isz;
		size_t k, end;

		s->off[i] = pos;
		if (!a->dtype.utf32) {
			for (end = isz; end > 0 && !e[end - 1]; end--)
				;
			memcpy(s->data + pos, e, end);
			pos += end;
			s->len[i] = (uint32_t)end;
			continue;
		}
		for (end = isz / 4; end > 0; end--) {
			const uint8_t *c = e + (end - 1) * 4;

			if (c[0] | c[1] | c[2] | c[3])
				break;
		}
		for (k = 0; k < end; k++) {
			const uint8_t *c = e + k * 4;
			uint32_t cp = a->big ? ((uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 |
						(uint32_t)c[2] << 8 | c[3])
					     : ((uint32_t)c[3] << 24 | (uint32_t)c[2] << 16 |
						(uint32_t)c[1] << 8 | c[0]);

			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
				zarr_strings_release(s);
				return bf_err_set(err, BF_E_FORMAT,
						  "invalid code point 0x%x in a '%s' string", cp,
						  a->dtype.text);
			}
			pos += utf8_put(s->data + pos, cp);
		}
		s->len[i] = (uint32_t)(pos - s->off[i]);
	}
	return 0;
}

static int fill_strings(const struct zarr_array *a, struct zarr_strings *s, struct bf_err *err)
{
	size_t i;
	int rc = strings_alloc(s, a->chunk_nelem, err);

	if (rc < 0)
		return rc;
	s->data = bf_malloc(a->fill_str_len ? a->fill_str_len : 1);
	if (!s->data) {
		zarr_strings_release(s);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	memcpy(s->data, a->fill_str, a->fill_str_len);
	for (i = 0; i < s->n; i++)
		s->len[i] = (uint32_t)a->fill_str_len;
	return 0;
}

/* v3 transpose on strings: permute the offset/length arrays. */
static int transpose_strings(const struct zarr_array *a, const struct zarr_codec *c,
			     struct zarr_strings *s, struct bf_err *err)
{
	uint64_t *no = bf_malloc(s->n * sizeof(*no) + 1);
	uint32_t *nl = bf_malloc(s->n * sizeof(*nl) + 1);

	if (!no || !nl) {
		bf_free(no);
		bf_free(nl);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	run_transpose(a, c, (const uint8_t *)s->off, (uint8_t *)no, sizeof(*no));
	run_transpose(a, c, (const uint8_t *)s->len, (uint8_t *)nl, sizeof(*nl));
	bf_free(s->off);
	bf_free(s->len);
	s->off = no;
	s->len = nl;
	return 0;
}

int zarr_array_read_chunk_strings(struct zarr_array *a, const int64_t *idx,
				  struct zarr_strings *out, struct bf_err *err)
{
	struct chunk_ctx cx;
	uint8_t *obj, *cur = NULL;
	size_t len, cur_len = 0;
	bool is_src;
	int rc, i;

	memset(out, 0, sizeof(*out));
	BF_FORWARD(ctx_init(&cx, a, idx, err));
	if (a->dtype.kind != ZARR_KIND_STRING) {
		bf_err_set(err, BF_E_UNSUPPORTED, "dtype '%s' is not a string dtype",
			   a->dtype.text);
		return ctx_fail(&cx, err);
	}
	if (a->chunk_nelem > ZARR_MAX_DECODED / 4) {
		bf_err_set(err, BF_E_RANGE, "chunk has too many elements (%zu)", a->chunk_nelem);
		return ctx_fail(&cx, err);
	}
	rc = read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		rc = fill_strings(a, out, err);
		return rc < 0 ? ctx_fail(&cx, err) : 0;
	}
	if (rc < 0)
		return rc;
	rc = run_b2b(a, obj, len, NULL, 0, &cur, &cur_len, &is_src, err);
	if (!is_src)
		bf_free(obj);
	if (rc < 0)
		return ctx_fail(&cx, err);
	for (i = 0; i < a->ncodecs; i++) {
		enum zarr_codec_id id = a->codecs[i].id;

		if (id != ZC_VLEN_UTF8 && id != ZC_BYTES && id != ZC_TRANSPOSE &&
		    a->codecs[i].stage != ZC_STAGE_B2B) {
			bf_free(cur);
			bf_err_set(err, BF_E_UNSUPPORTED, "codec '%s' on strings is not supported",
				   a->codecs[i].name);
			return ctx_fail(&cx, err);
		}
	}
	if (a->vlen) {
		rc = parse_vlen(a, cur, cur_len, out, err);
		if (rc < 0)
			bf_free(cur);
	} else {
		if (!a->nbytes_ok || cur_len != a->chunk_nbytes)
			rc = bf_err_set(err, BF_E_FORMAT, "decodes to %zu bytes, expected %zu",
					cur_len, a->chunk_nbytes);
		else
			rc = parse_fixed_str(a, cur, out, err);
		bf_free(cur);
	}
	for (i = a->ncodecs - 1; rc == 0 && i >= 0; i--)
		if (a->codecs[i].id == ZC_TRANSPOSE)
			rc = transpose_strings(a, &a->codecs[i], out, err);
	if (rc < 0) {
		zarr_strings_release(out);
		return ctx_fail(&cx, err);
	}
	return 0;
}

/* ---- chunk files ---- */

struct count_ctx {
	const struct zarr_array *a;
	size_t plen;
	int64_t n;
};

static int count_cb(void *opaque, const char *key)
{
	struct count_ctx *cc = opaque;
	const char *rest = key + cc->plen;
	const char *p;
	int parts = 1;

	if (cc->a->key_c_prefix) {
		if (rest[0] != 'c')
			return 0;
		rest++;
		if (cc->a->ndim == 0) {
			cc->n += !*rest;
			return 0;
		}
		if (*rest != cc->a->key_sep)
			return 0;
		rest++;
	}
	if (!*rest)
		return 0;
	for (p = rest; *p; p++) {
		if (*p == cc->a->key_sep) {
			if (p == rest || !p[1] || p[-1] == cc->a->key_sep)
				return 0;
			parts++;
		} else if (*p < '0' || *p > '9') {
			return 0;
		}
	}
	if (parts == (cc->a->ndim ? cc->a->ndim : 1))
		cc->n++;
	return 0;
}

int64_t zarr_array_count_chunk_files(struct zarr_array *a, struct bf_err *err)
{
	char prefix[1100];
	struct count_ctx cc;
	int rc;

	snprintf(prefix, sizeof(prefix), "%s/", a->name);
	cc.a = a;
	cc.plen = strlen(prefix);
	cc.n = 0;
	rc = store_list(a->g->store, prefix, count_cb, &cc, err);
	if (rc < 0)
		return bf_err_prefix(err, "array '%s'", a->name);
	return cc.n;
}

void zarr_array_prefetch(const struct zarr_array *a, const int64_t *idx, size_t n)
{
	char keys[16][1200];
	const char *kp[16];
	size_t i, k = 0, nd = a->ndim > 0 ? (size_t)a->ndim : 1;

	for (i = 0; i < n; i++) {
		if (zarr_array_chunk_key(a, idx + i * nd, keys[k], sizeof(keys[k])) == 0) {
			kp[k] = keys[k];
			k++;
		}
		if (k == 16 || (i + 1 == n && k)) {
			store_prefetch(a->g->store, kp, k);
			k = 0;
		}
	}
}
