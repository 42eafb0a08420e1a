/*
 * zarr_rows.c - row ranges of a chunk's first dimension: sparse blosc reads
 * (only the compressed blocks covering the rows, packed into a small frame),
 * other pipelines through a whole-chunk temporary, and rows handed to a
 * callback through a window one block large (as bytes, or as bit planes).
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
			    size_t k0, size_t k1, size_t nb, size_t bs, uint8_t *dst,
			    struct blosc1_dctx *b1)
{
	size_t n = k1 - k0 + 1, head = 16 + 4 * n, total = head, at;
	size_t end = (k1 + 1) * bs < nb ? (k1 + 1) * bs : nb, sub_nb = end - k0 * bs;
	uint8_t *sub;
	struct blosc1_frame bf;
	int rc;

	/* our decoder reads the blocks in place: no frame to build */
	if (blosc1_open(f, f_len, &bf) == 0)
		return blosc1_blocks(&bf, k0, k1, dst, b1);
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
static int sparse_load(struct zarr_chunk_ctx *cx, size_t byte0, size_t nbytes, struct sparse *sp,
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
static int blosc_rows_sparse(struct zarr_chunk_ctx *cx, size_t byte0, size_t nbytes, uint8_t *out,
			     struct blosc1_dctx *b1, struct bf_err *err)
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
					      out + (bstart - byte0), b1);
			b = e + 1;
		} else {
			size_t from = bstart > byte0 ? bstart : byte0;
			size_t to = bend < byte0 + nbytes ? bend : byte0 + nbytes;

			if (!tmp && !(tmp = bf_malloc(bs))) {
				rc = -1;
				break;
			}
			rc = decode_block_run(sp.frame, sp.len, sp.clen, sp.b0, b, b, nb, bs, tmp,
					      b1);
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
static int row_range(struct zarr_chunk_ctx *cx, int64_t row0, int64_t nrows, bool empty_ok,
		     size_t *rowbytes, size_t *byte0, size_t *nbytes, struct bf_err *err)
{
	struct zarr_array *a = cx->a;

	if (a->ndim == 0 || row0 < 0 || nrows < (empty_ok ? 0 : 1) || row0 > a->chunks[0] ||
	    nrows > a->chunks[0] - row0) {
		bf_err_set(err, BF_E_INVAL, "bad row range [%lld, +%lld)", (long long)row0,
			   (long long)nrows);
		return zarr_ctx_fail(cx, err);
	}
	*rowbytes = a->chunk_nbytes / (size_t)a->chunks[0];
	*byte0 = (size_t)row0 * *rowbytes;
	*nbytes = (size_t)nrows * *rowbytes;
	return 0;
}

int zarr_array_read_chunk_rows(struct zarr_array *a, const int64_t *idx, int64_t row0,
			       int64_t nrows, void *out, size_t cap, struct zarr_dctx *dc,
			       struct bf_err *err)
{
	struct blosc1_dctx *b1 = dc ? dc->b1 : NULL;
	struct zarr_chunk_ctx cx;
	uint8_t *obj, *tmp;
	size_t len, rowbytes, byte0, nbytes;
	int rc;

	BF_FORWARD(zarr_ctx_init(&cx, a, idx, err));
	BF_FORWARD(zarr_check_fixed(&cx, err));
	BF_FORWARD(row_range(&cx, row0, nrows, true, &rowbytes, &byte0, &nbytes, err));
	if (cap < nbytes) {
		bf_err_set(err, BF_E_INVAL, "buffer of %zu bytes is smaller than the rows (%zu)",
			   cap, nbytes);
		return zarr_ctx_fail(&cx, err);
	}
	if (a->fast_blosc && nbytes < a->chunk_nbytes) {
		const struct zarr_codec *c = NULL;
		int i;

		for (i = 0; i < a->ncodecs; i++)
			if (a->codecs[i].stage == ZC_STAGE_B2B)
				c = &a->codecs[i];
		if (c && c->id == ZC_BLOSC) {
			rc = blosc_rows_sparse(&cx, byte0, nbytes, out, b1, err);
			if (rc <= 0)
				return rc < 0 ? zarr_ctx_fail(&cx, err) : 0;
		}
	}
	rc = zarr_read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		zarr_fill_elems(a, out,
				nbytes / (a->dtype.itemsize ? (size_t)a->dtype.itemsize : 1));
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
			rc = zarr_blosc_range(obj, len, a->chunk_nbytes, byte0, nbytes, out, b1,
					      err);
			bf_free(obj);
			if (rc < 0)
				return zarr_ctx_fail(&cx, err);
			return 0;
		}
	}
	/* other pipelines: decode the whole chunk into a temporary */
	tmp = bf_malloc(a->chunk_nbytes ? a->chunk_nbytes : 1);
	if (!tmp) {
		bf_free(obj);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return zarr_ctx_fail(&cx, err);
	}
	rc = zarr_decode_fixed(a, obj, len, tmp, b1, err);
	if (rc == 0)
		memcpy(out, tmp + byte0, nbytes);
	bf_free(tmp);
	if (rc < 0)
		return zarr_ctx_fail(&cx, err);
	return 0;
}

/* ---- rows through a window ---- */

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
 * @return 0, 1 when a block is corrupt, or a negative code; a nonzero
 * return of fn stops the walk and goes to *fn_rc (the return is then 0).
 */
static int window_rows(const struct blosc1_frame *f, size_t byte0, size_t nbytes, size_t rb,
		       int64_t row0, struct zarr_dctx *w, zarr_rows_fn fn, void *ctx, int *fn_rc,
		       struct bf_err *err)
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

		if (blosc1_blocks(f, k, k, w->buf + have, w->b1) < 0)
			return 1;
		avail = have + take;
		n = avail / rb;
		if (n > 0) {
			int rc = fn(ctx, r, (int64_t)n, start, err);

			if (rc != 0) {
				*fn_rc = rc;
				return 0;
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
			 struct zarr_dctx *w, zarr_planes_fn pfn, unsigned nplanes, void *ctx,
			 int *fn_rc, struct bf_err *err)
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

		if (blosc1_block_planes(f, k, nplanes, w->buf, w->b1) < 0)
			return 1;
		rc = pfn(ctx, from - byte0, to - from, w->buf + (from - b0) / 8, bl / 8, err);
		if (rc != 0) {
			*fn_rc = rc;
			return 0;
		}
	}
	return 0;
}

static int each_rows(struct zarr_array *a, const int64_t *idx, int64_t row0, int64_t nrows,
		     struct zarr_dctx *w, zarr_rows_fn fn, zarr_planes_fn pfn, unsigned nplanes,
		     void *ctx, struct bf_err *err)
{
	struct zarr_chunk_ctx cx;
	struct blosc1_frame f;
	struct sparse sp;
	uint8_t *obj = NULL, *tmp;
	size_t len = 0, rowbytes, byte0, nbytes;
	int rc, fn_rc = 0;

	BF_FORWARD(zarr_ctx_init(&cx, a, idx, err));
	BF_FORWARD(zarr_check_fixed(&cx, err));
	BF_FORWARD(row_range(&cx, row0, nrows, false, &rowbytes, &byte0, &nbytes, err));
	memset(&sp, 0, sizeof(sp));
	if (blosc_pipeline(a) && rowbytes > 0) {
		if (nbytes < a->chunk_nbytes && sparse_load(&cx, byte0, nbytes, &sp, err) == 0) {
			obj = sp.frame;
			len = sp.len;
		} else {
			rc = zarr_read_obj(&cx, &obj, &len, err);
			if (rc < 0 && rc != BF_E_NOTFOUND)
				return rc;
			bf_err_clear(err);
		}
	}
	if (obj) {
		rc = zarr_blosc_frame(obj, len, a->chunk_nbytes, &f, err);
		if (rc == 0 && pfn && rowbytes % 8 == 0 && blosc1_planes_ok(&f)) {
			rc = window_planes(&f, byte0, nbytes, w, pfn, nplanes, ctx, &fn_rc, err);
			if (rc == 1)
				rc = bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data");
		} else if (rc == 0) {
			rc =
			    window_rows(&f, byte0, nbytes, rowbytes, row0, w, fn, ctx, &fn_rc, err);
			if (rc == 1)
				rc = bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data");
		}
		if (sp.frame)
			sparse_free(&sp);
		else
			bf_free(obj);
		if (fn_rc != 0) /* the consumer stopped the walk */
			return fn_rc;
		if (rc <= 0)
			return rc < 0 ? zarr_ctx_fail(&cx, err) : 0;
		bf_err_clear(err); /* a frame for libblosc: the general path below */
	}
	/* anything else: the rows at once, from a temporary */
	tmp = bf_malloc(nbytes);
	if (!tmp) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return zarr_ctx_fail(&cx, err);
	}
	rc = zarr_array_read_chunk_rows(a, idx, row0, nrows, tmp, nbytes, w, err);
	if (rc == 0)
		rc = fn(ctx, row0, nrows, tmp, err);
	bf_free(tmp);
	return rc;
}

int zarr_array_each_rows(struct zarr_array *a, const int64_t *idx, int64_t row0, int64_t nrows,
			 struct zarr_dctx *dc, zarr_rows_fn fn, zarr_planes_fn pfn,
			 unsigned nplanes, void *ctx, struct bf_err *err)
{
	struct zarr_dctx *t = dc ? dc : zarr_dctx_create(err);
	int rc;

	if (!t)
		return BF_E_NOMEM;
	rc = each_rows(a, idx, row0, nrows, t, fn, pfn, nplanes, ctx, err);
	if (t != dc)
		zarr_dctx_free(t);
	return rc;
}
