/*
 * zarr_strings.c - string chunks (vlen-utf8, fixed <Un / |Sn) decoded into
 * struct zarr_strings (UTF-8, offsets and lengths).
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
	zarr_run_transpose(a, c, (const uint8_t *)s->off, (uint8_t *)no, sizeof(*no));
	zarr_run_transpose(a, c, (const uint8_t *)s->len, (uint8_t *)nl, sizeof(*nl));
	bf_free(s->off);
	bf_free(s->len);
	s->off = no;
	s->len = nl;
	return 0;
}

int zarr_array_read_chunk_strings(struct zarr_array *a, const int64_t *idx,
				  struct zarr_strings *out, struct bf_err *err)
{
	return zarr_array_read_chunk_strings_ctx(a, idx, out, NULL, err);
}

int zarr_array_read_chunk_strings_ctx(struct zarr_array *a, const int64_t *idx,
				      struct zarr_strings *out, struct zarr_dctx *dc,
				      struct bf_err *err)
{
	struct zarr_chunk_ctx cx;
	uint8_t *obj, *cur = NULL;
	size_t len, cur_len = 0;
	bool is_src;
	int rc, i;

	memset(out, 0, sizeof(*out));
	BF_FORWARD(zarr_ctx_init(&cx, a, idx, err));
	if (a->dtype.kind != ZARR_KIND_STRING) {
		bf_err_set(err, BF_E_UNSUPPORTED, "dtype '%s' is not a string dtype",
			   a->dtype.text);
		return zarr_ctx_fail(&cx, err);
	}
	if (a->chunk_nelem > ZARR_MAX_DECODED / 4) {
		bf_err_set(err, BF_E_RANGE, "chunk has too many elements (%zu)", a->chunk_nelem);
		return zarr_ctx_fail(&cx, err);
	}
	rc = zarr_read_obj(&cx, &obj, &len, err);
	if (rc == BF_E_NOTFOUND) {
		bf_err_clear(err);
		rc = fill_strings(a, out, err);
		return rc < 0 ? zarr_ctx_fail(&cx, err) : 0;
	}
	if (rc < 0)
		return rc;
	rc = zarr_run_b2b(a, obj, len, NULL, 0, &cur, &cur_len, &is_src, dc ? dc->b1 : NULL, err);
	if (!is_src)
		bf_free(obj);
	if (rc < 0)
		return zarr_ctx_fail(&cx, err);
	for (i = 0; i < a->ncodecs; i++) {
		enum zarr_codec_id id = a->codecs[i].id;

		if (id != ZC_VLEN_UTF8 && id != ZC_BYTES && id != ZC_TRANSPOSE &&
		    a->codecs[i].stage != ZC_STAGE_B2B) {
			bf_free(cur);
			bf_err_set(err, BF_E_UNSUPPORTED, "codec '%s' on strings is not supported",
				   a->codecs[i].name);
			return zarr_ctx_fail(&cx, err);
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
		return zarr_ctx_fail(&cx, err);
	}
	return 0;
}
