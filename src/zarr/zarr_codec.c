/*
 * zarr_codec.c - codec configurations and bytes->bytes decoders.
 *
 * Owns: turning a v2 compressor/filter config or a v3 codec entry into a
 * struct zarr_codec, and decoding blosc (libblosc, re-entrant context API),
 * zstd (streaming; the frame content size is never trusted), zlib, gzip,
 * numcodecs lz4, bz2 and crc32c.  Every size in a frame header is checked
 * against the input length, the expected output and ZARR_MAX_DECODED before
 * anything is allocated or a library is called.  Thread-safe (no shared
 * state; each call uses its own decompression context).
 */
#include "util/bf_config.h"

#include "zarr/blosc1.h"
#include "zarr/zarr_internal.h"
#include "util/alloc.h"
#include "util/endian.h"

#include <blosc.h>
#include <bzlib.h>
#include <lz4.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static void set_name(struct zarr_codec *c, const char *name)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
}

static int why_set(char **why, const char *fmt, const char *arg)
{
	char buf[256];

	snprintf(buf, sizeof(buf), fmt, arg);
	*why = bf_strdup(buf);
	return 0;
}

/* Filters with dtype/astype fields (numcodecs names). */
static int parse_types(json_t *j, const char *dkey, const char *akey, struct zarr_codec *c,
		       char **why)
{
	const char *d = json_string_value(json_object_get(j, dkey));
	const char *as = json_string_value(json_object_get(j, akey));

	if (zarr_etype_parse(d, &c->dtype) < 0)
		return why_set(why, "codec '%s' has an unsupported dtype", c->name);
	if (!as)
		c->astype = c->dtype;
	else if (zarr_etype_parse(as, &c->astype) < 0)
		return why_set(why, "codec '%s' has an unsupported astype", c->name);
	return 0;
}

static const struct {
	const char *name;
	enum zarr_codec_id id;
	enum zarr_codec_stage stage;
} codec_names[] = {
    {"blosc", ZC_BLOSC, ZC_STAGE_B2B},
    {"zstd", ZC_ZSTD, ZC_STAGE_B2B},
    {"zlib", ZC_ZLIB, ZC_STAGE_B2B},
    {"gzip", ZC_GZIP, ZC_STAGE_B2B},
    {"lz4", ZC_LZ4, ZC_STAGE_B2B},
    {"bz2", ZC_BZ2, ZC_STAGE_B2B},
    {"crc32c", ZC_CRC32C, ZC_STAGE_B2B},
    {"bytes", ZC_BYTES, ZC_STAGE_A2B},
    {"vlen-utf8", ZC_VLEN_UTF8, ZC_STAGE_A2B},
    {"transpose", ZC_TRANSPOSE, ZC_STAGE_A2A},
    {"delta", ZC_DELTA, ZC_STAGE_A2A},
    {"fixedscaleoffset", ZC_FIXEDSCALEOFFSET, ZC_STAGE_A2A},
    {"quantize", ZC_QUANTIZE, ZC_STAGE_A2A},
    {"bitround", ZC_BITROUND, ZC_STAGE_A2A},
    {"astype", ZC_ASTYPE, ZC_STAGE_A2A},
    {"packbits", ZC_PACKBITS, ZC_STAGE_A2A},
};

static void lookup(const char *name, struct zarr_codec *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	set_name(c, name);
	c->id = ZC_UNKNOWN;
	c->stage = ZC_STAGE_B2B;
	for (i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++) {
		if (!strcmp(name, codec_names[i].name)) {
			c->id = codec_names[i].id;
			c->stage = codec_names[i].stage;
		}
	}
}

static int parse_filter_params(json_t *conf, struct zarr_codec *c, char **why)
{
	json_t *v;

	switch (c->id) {
	case ZC_DELTA:
	case ZC_QUANTIZE:
		return parse_types(conf, "dtype", "astype", c, why);
	case ZC_ASTYPE:
		return parse_types(conf, "decode_dtype", "encode_dtype", c, why);
	case ZC_FIXEDSCALEOFFSET:
		parse_types(conf, "dtype", "astype", c, why);
		if (*why)
			return 0;
		v = json_object_get(conf, "scale");
		c->scale = json_is_number(v) ? json_number_value(v) : 1.0;
		v = json_object_get(conf, "offset");
		c->offset = json_is_number(v) ? json_number_value(v) : 0.0;
		if (c->scale == 0)
			return why_set(why, "codec '%s' has scale 0", c->name);
		return 0;
	case ZC_BITROUND:
	case ZC_BLOSC:
	case ZC_BYTES:
	case ZC_BZ2:
	case ZC_CRC32C:
	case ZC_GZIP:
	case ZC_LZ4:
	case ZC_PACKBITS:
	case ZC_TRANSPOSE:
	case ZC_UNKNOWN:
	case ZC_VLEN_UTF8:
	case ZC_ZLIB:
	case ZC_ZSTD:
	default:
		return 0;
	}
}

int zarr_codec_parse_v2(json_t *j, bool compressor, struct zarr_codec *c, char **why)
{
	const char *id = json_string_value(json_object_get(j, "id"));

	*why = NULL;
	if (!json_is_object(j) || !id)
		return -1;
	lookup(id, c);
	if (c->id == ZC_UNKNOWN || c->id == ZC_BYTES || c->id == ZC_TRANSPOSE || c->id == ZC_CRC32C)
		return why_set(why, "codec '%s' is not supported", id);
	if (compressor && c->stage != ZC_STAGE_B2B)
		return why_set(why, "codec '%s' is not a compressor", id);
	if (!compressor && c->stage == ZC_STAGE_B2B) /* compressors used as filters */
		c->stage = ZC_STAGE_B2B;
	return parse_filter_params(j, c, why);
}

int zarr_codec_parse_v3(json_t *j, int ndim, struct zarr_codec *c, char **why)
{
	const char *name;
	json_t *conf;

	*why = NULL;
	if (json_is_string(j)) {
		name = json_string_value(j);
		conf = NULL;
	} else {
		name = json_string_value(json_object_get(j, "name"));
		conf = json_object_get(j, "configuration");
	}
	if (!name)
		return -1;
	if (conf && !json_is_object(conf))
		return -1;
	lookup(name, c);
	if (!strcmp(name, "sharding_indexed"))
		return why_set(why, "codec '%s' is not supported", name);
	switch (c->id) {
	case ZC_BYTES: {
		const char *e = conf ? json_string_value(json_object_get(conf, "endian")) : NULL;

		if (e && strcmp(e, "little") && strcmp(e, "big"))
			return -1;
		c->big = e && !strcmp(e, "big");
		return 0;
	}
	case ZC_TRANSPOSE: {
		json_t *ord = conf ? json_object_get(conf, "order") : NULL;
		bool seen[ZARR_MAX_DIMS] = {false};
		int i;

		if (json_is_string(ord)) {
			const char *o = json_string_value(ord);

			for (i = 0; i < ndim; i++)
				c->order[i] = !strcmp(o, "F") ? ndim - 1 - i : i;
			if (strcmp(o, "C") && strcmp(o, "F"))
				return -1;
			return 0;
		}
		if (!json_is_array(ord) || json_array_size(ord) != (size_t)ndim)
			return -1;
		for (i = 0; i < ndim; i++) {
			json_t *e = json_array_get(ord, (size_t)i);
			json_int_t v = json_is_integer(e) ? json_integer_value(e) : -1;

			if (v < 0 || v >= ndim || seen[v])
				return -1;
			seen[v] = true;
			c->order[i] = (int)v;
		}
		return 0;
	}
	case ZC_UNKNOWN:
	case ZC_DELTA:
	case ZC_FIXEDSCALEOFFSET:
	case ZC_QUANTIZE:
	case ZC_BITROUND:
	case ZC_ASTYPE:
	case ZC_PACKBITS:
	case ZC_LZ4:
	case ZC_BZ2:
	case ZC_ZLIB:
		/* v3 has no such standard codecs; numcodecs.* names are not handled */
		return why_set(why, "codec '%s' is not supported", name);
	case ZC_BLOSC:
	case ZC_CRC32C:
	case ZC_GZIP:
	case ZC_VLEN_UTF8:
	case ZC_ZSTD:
	default:
		return 0;
	}
}

/* ---- growable output ---- */

struct outbuf {
	uint8_t *p;
	size_t len, cap;
	uint8_t *fixed; /* when set: p == fixed, cap == fixed_len, never grows */
};

static int out_grow(struct outbuf *o, struct bf_err *err)
{
	size_t ncap;
	uint8_t *np;

	if (o->fixed)
		return bf_err_set(err, BF_E_FORMAT, "decodes to more than the expected %zu bytes",
				  o->cap);
	if (o->cap >= ZARR_MAX_DECODED)
		return bf_err_set(err, BF_E_RANGE, "decodes to more than %zu bytes",
				  (size_t)ZARR_MAX_DECODED);
	ncap = o->cap ? o->cap * 2 : 65536;
	if (ncap > ZARR_MAX_DECODED)
		ncap = ZARR_MAX_DECODED;
	np = bf_realloc(o->p, ncap);
	if (!np)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	o->p = np;
	o->cap = ncap;
	return 0;
}

static int out_init(struct outbuf *o, uint8_t *fixed, size_t fixed_len, size_t hint,
		    struct bf_err *err)
{
	memset(o, 0, sizeof(*o));
	if (fixed) {
		o->p = o->fixed = fixed;
		o->cap = fixed_len;
		return 0;
	}
	if (hint > ZARR_MAX_DECODED)
		hint = ZARR_MAX_DECODED;
	o->cap = hint ? hint : 1;
	o->p = bf_malloc(o->cap);
	if (!o->p)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	return 0;
}

static int out_finish(struct outbuf *o, uint8_t **dst, size_t *dst_len, struct bf_err *err)
{
	if (o->fixed) {
		if (o->len != o->cap)
			return bf_err_set(err, BF_E_FORMAT, "decodes to %zu bytes, expected %zu",
					  o->len, o->cap);
		return 0;
	}
	*dst = o->p;
	*dst_len = o->len;
	o->p = NULL;
	return 0;
}

static void out_drop(struct outbuf *o)
{
	if (!o->fixed)
		bf_free(o->p);
	o->p = NULL;
}

/* ---- blosc ---- */

/* Validate a blosc1 frame header against the input; sets *nbytes. */
static int blosc_check(const uint8_t *src, size_t len, size_t *nbytes, struct bf_err *err)
{
	uint32_t nb, bs, cb;
	int flags, code;
	const char *cname;
	size_t vb;

	if (len < BLOSC_MIN_HEADER_LENGTH)
		return bf_err_set(err, BF_E_FORMAT, "blosc: truncated frame (%zu bytes)", len);
	flags = src[2];
	nb = bf_load_le32(src + 4);
	bs = bf_load_le32(src + 8);
	cb = bf_load_le32(src + 12);
	if (src[0] == 0 || src[0] > 2 || src[3] == 0)
		return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
	if (cb > len)
		return bf_err_set(err, BF_E_FORMAT,
				  "blosc: truncated frame (header says %u bytes, have %zu)", cb,
				  len);
	if (cb != len || cb < BLOSC_MIN_HEADER_LENGTH)
		return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
	if (nb > ZARR_MAX_DECODED || nb > BLOSC_MAX_BUFFERSIZE)
		return bf_err_set(err, BF_E_RANGE, "blosc: decoded size %u exceeds the limit", nb);
	if (flags & 0x02) { /* memcpyed */
		if ((size_t)nb + BLOSC_MIN_HEADER_LENGTH != cb)
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
	} else {
		size_t nblocks;

		if (nb > 0 && (bs == 0 || bs > nb))
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
		nblocks = nb ? (nb + bs - 1) / bs : 0;
		if (nblocks * 4 + BLOSC_MIN_HEADER_LENGTH > cb)
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
		code = (flags >> 5) & 7;
		if (blosc_compcode_to_compname(code, &cname) < 0 || !cname)
			return bf_err_set(err, BF_E_UNSUPPORTED,
					  "blosc: inner compressor %d is not available", code);
		if (nb > 0 && blosc_compname_to_compcode(cname) < 0)
			return bf_err_set(err, BF_E_UNSUPPORTED,
					  "blosc: inner compressor '%s' is not available", cname);
	}
	if (blosc_cbuffer_validate(src, len, &vb) < 0 || vb != nb)
		return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt header");
	*nbytes = nb;
	return 0;
}

/*
 * Decode a whole checked frame of nb bytes: our decoder where it applies
 * (blosc1.h), else blosc_decompress_ctx, which keeps one codec context for
 * all blocks where blosc_getitem makes (and faults in) one a block.
 * @return nb, or a negative blosc-style code.
 */
static int blosc_whole(const uint8_t *src, size_t len, uint8_t *out, size_t nb,
		       struct blosc1_dctx *b1)
{
	struct blosc1_frame f;

	if (blosc1_open(src, len, &f) == 0)
		return blosc1_blocks(&f, 0, f.nblocks - 1, out, b1) == 0 ? (int)nb : -1;
	return blosc_decompress_ctx(src, out, nb, 1);
}

static int blosc_dec(const uint8_t *src, size_t len, uint8_t *fixed, size_t fixed_len,
		     uint8_t **dst, size_t *dst_len, struct blosc1_dctx *b1, struct bf_err *err)
{
	size_t nb;
	uint8_t *out;
	int rc;

	BF_FORWARD(blosc_check(src, len, &nb, err));
	if (fixed && nb != fixed_len)
		return bf_err_set(err, BF_E_FORMAT, "blosc: decodes to %zu bytes, expected %zu", nb,
				  fixed_len);
	out = fixed ? fixed : bf_malloc(nb ? nb : 1);
	if (!out)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (nb > 0) {
		rc = blosc_whole(src, len, out, nb, b1);
		if (rc < 0 || (size_t)rc != nb) {
			if (!fixed)
				bf_free(out);
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data (error %d)", rc);
		}
	}
	if (!fixed) {
		*dst = out;
		*dst_len = nb;
	}
	return 0;
}

int zarr_blosc_frame(const uint8_t *src, size_t len, size_t total, struct blosc1_frame *f,
		     struct bf_err *err)
{
	size_t nb;

	BF_FORWARD(blosc_check(src, len, &nb, err));
	if (nb != total)
		return bf_err_set(err, BF_E_FORMAT, "blosc: decodes to %zu bytes, expected %zu", nb,
				  total);
	return blosc1_open(src, len, f) == 0 ? 0 : 1;
}

int zarr_blosc_range(const uint8_t *src, size_t len, size_t total, size_t byte0, size_t nbytes,
		     uint8_t *out, struct blosc1_dctx *b1, struct bf_err *err)
{
	struct blosc1_frame f;
	size_t nb, ts;
	int rc;

	BF_FORWARD(blosc_check(src, len, &nb, err));
	if (nb != total)
		return bf_err_set(err, BF_E_FORMAT, "blosc: decodes to %zu bytes, expected %zu", nb,
				  total);
	if (nbytes == 0)
		return 0;
	if (src[2] & 0x02) {
		memcpy(out, src + BLOSC_MIN_HEADER_LENGTH + byte0, nbytes);
		return 0;
	}
	ts = src[3];
	if (byte0 == 0 && nbytes == nb) {
		rc = blosc_whole(src, len, out, nb, b1);
		if (rc < 0 || (size_t)rc != nb)
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data (error %d)", rc);
		return 0;
	}
	if (blosc1_open(src, len, &f) == 0) {
		if (blosc1_range(&f, byte0, nbytes, out, b1) < 0)
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data");
		return 0;
	}
	if (byte0 % ts || nbytes % ts) { /* not item aligned: decode everything */
		uint8_t *tmp = bf_malloc(nb);

		if (!tmp)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		rc = blosc_decompress_ctx(src, tmp, nb, 1);
		if (rc < 0 || (size_t)rc != nb) {
			bf_free(tmp);
			return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data (error %d)", rc);
		}
		memcpy(out, tmp + byte0, nbytes);
		bf_free(tmp);
		return 0;
	}
	rc = blosc_getitem(src, (int)(byte0 / ts), (int)(nbytes / ts), out);
	if (rc < 0 || (size_t)rc != nbytes)
		return bf_err_set(err, BF_E_FORMAT, "blosc: corrupt data (error %d)", rc);
	return 0;
}

struct zarr_dctx *zarr_dctx_create(struct bf_err *err)
{
	struct zarr_dctx *dc = bf_calloc(1, sizeof(*dc));

	if (dc && !(dc->b1 = blosc1_dctx_create())) {
		bf_free(dc);
		dc = NULL;
	}
	if (!dc)
		bf_err_set(err, BF_E_NOMEM, "out of memory for a decoder context");
	return dc;
}

size_t zarr_dctx_window_bytes(const struct zarr_dctx *dc)
{
	return dc ? dc->cap : 0;
}

void zarr_dctx_free(struct zarr_dctx *dc)
{
	if (!dc)
		return;
	blosc1_dctx_free(dc->b1);
	bf_free(dc->buf);
	bf_free(dc);
}

/* ---- zstd ---- */

static int zstd_dec(const uint8_t *src, size_t len, struct outbuf *o, struct bf_err *err)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = {src, len, 0};
	int rc = 0;

	if (!dc)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, 27);
	for (;;) {
		ZSTD_outBuffer ob = {o->p, o->cap, o->len};
		size_t inpos0 = in.pos, outpos0 = o->len;
		size_t r = ZSTD_decompressStream(dc, &ob, &in);

		o->len = ob.pos;
		if (ZSTD_isError(r)) {
			rc = bf_err_set(err, BF_E_FORMAT, "zstd: %s", ZSTD_getErrorName(r));
			break;
		}
		if (r == 0 && in.pos == in.size)
			break;
		if (in.pos == inpos0 && ob.pos == outpos0) {
			if (o->len == o->cap) {
				rc = out_grow(o, err);
				if (rc)
					break;
				continue;
			}
			rc = bf_err_set(err, BF_E_FORMAT, "zstd: truncated frame");
			break;
		}
	}
	ZSTD_freeDCtx(dc);
	return rc;
}

/* ---- zlib / gzip ---- */

static int zlib_dec(const uint8_t *src, size_t len, bool gzip, struct outbuf *o, struct bf_err *err)
{
	z_stream zs;
	int zr = Z_OK, rc = 0;
	const char *what = gzip ? "gzip" : "zlib";

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK)
		return bf_err_set(err, BF_E_NOMEM, "%s: cannot initialise", what);
	zs.next_in = (Bytef *)(uintptr_t)src;
	while (!rc) {
		size_t avail_in = len - (size_t)((const uint8_t *)zs.next_in - src);

		if (o->len == o->cap) {
			/* a full fixed buffer: only an immediate end of stream is fine */
			if (o->fixed) {
				uint8_t extra;

				zs.next_out = &extra;
				zs.avail_out = 1;
				zs.avail_in = avail_in > UINT32_MAX ? UINT32_MAX : (uInt)avail_in;
				zr = inflate(&zs, Z_NO_FLUSH);
				if (zr == Z_STREAM_END && zs.avail_out == 1)
					break;
			}
			rc = out_grow(o, err);
			if (rc)
				break;
		}
		zs.next_out = o->p + o->len;
		zs.avail_out =
		    (uInt)((o->cap - o->len) > UINT32_MAX ? UINT32_MAX : (o->cap - o->len));
		zs.avail_in = avail_in > UINT32_MAX ? UINT32_MAX : (uInt)avail_in;
		{
			size_t before = zs.avail_out;

			zr = inflate(&zs, Z_NO_FLUSH);
			o->len += before - zs.avail_out;
		}
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && zs.avail_out > 0)
			rc = bf_err_set(err, BF_E_FORMAT, "%s: truncated stream", what);
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			rc = bf_err_set(err, BF_E_FORMAT, "%s: %s", what,
					zs.msg ? zs.msg : "corrupt stream");
	}
	inflateEnd(&zs);
	return rc;
}

/* ---- bz2 ---- */

static int bz2_dec(const uint8_t *src, size_t len, struct outbuf *o, struct bf_err *err)
{
	bz_stream bz;
	int r = BZ_OK, rc = 0;

	memset(&bz, 0, sizeof(bz));
	if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
		return bf_err_set(err, BF_E_NOMEM, "bz2: cannot initialise");
	bz.next_in = (char *)(uintptr_t)src;
	bz.avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
	while (!rc) {
		size_t before;

		if (o->len == o->cap) {
			if (o->fixed && bz.avail_in == 0)
				break;
			rc = out_grow(o, err);
			if (rc)
				break;
		}
		bz.next_out = (char *)o->p + o->len;
		bz.avail_out =
		    (unsigned)((o->cap - o->len) > UINT32_MAX ? UINT32_MAX : (o->cap - o->len));
		before = bz.avail_out;
		r = BZ2_bzDecompress(&bz);
		o->len += before - bz.avail_out;
		if (r == BZ_STREAM_END)
			break;
		if (r != BZ_OK)
			rc = bf_err_set(err, BF_E_FORMAT, "bz2: corrupt stream (error %d)", r);
		else if (bz.avail_in == 0 && bz.avail_out > 0)
			rc = bf_err_set(err, BF_E_FORMAT, "bz2: truncated stream");
	}
	if (!rc && r != BZ_STREAM_END)
		rc = bf_err_set(err, BF_E_FORMAT, "bz2: truncated stream");
	BZ2_bzDecompressEnd(&bz);
	return rc;
}

/* ---- crc32c (Castagnoli, reflected 0x82F63B78) ---- */

uint32_t zarr_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return crc ^ 0xffffffffu;
}

int zarr_codec_b2b(const struct zarr_codec *c, const uint8_t *src, size_t len, uint8_t *fixed,
		   size_t fixed_len, uint8_t **dst, size_t *dst_len, struct blosc1_dctx *b1,
		   struct bf_err *err)
{
	struct outbuf o;
	int rc;

	if (c->id == ZC_BLOSC) {
		rc = blosc_dec(src, len, fixed, fixed_len, dst, dst_len, b1, err);
		return rc;
	}
	if (c->id == ZC_LZ4) {
		uint32_t n;
		int r;

		if (len < 4)
			return bf_err_set(err, BF_E_FORMAT, "lz4: truncated frame");
		n = bf_load_le32(src);
		if (n > ZARR_MAX_DECODED || n > (uint32_t)LZ4_MAX_INPUT_SIZE * 2u)
			return bf_err_set(err, BF_E_RANGE, "lz4: decoded size %u exceeds the limit",
					  n);
		if (fixed && n != fixed_len)
			return bf_err_set(err, BF_E_FORMAT,
					  "lz4: decodes to %u bytes, expected %zu", n, fixed_len);
		if (len - 4 > (size_t)LZ4_MAX_INPUT_SIZE)
			return bf_err_set(err, BF_E_RANGE, "lz4: frame too large");
		rc = out_init(&o, fixed, fixed_len, n, err);
		if (rc)
			return rc;
		r = LZ4_decompress_safe((const char *)src + 4, (char *)o.p, (int)(len - 4), (int)n);
		if (r < 0 || (uint32_t)r != n) {
			out_drop(&o);
			return bf_err_set(err, BF_E_FORMAT, "lz4: corrupt data");
		}
		o.len = n;
		return out_finish(&o, dst, dst_len, err);
	}
	if (c->id == ZC_CRC32C) {
		uint32_t want;

		if (len < 4)
			return bf_err_set(err, BF_E_FORMAT, "crc32c: truncated chunk");
		want = bf_load_le32(src + len - 4);
		if (zarr_crc32c(src, len - 4) != want)
			return bf_err_set(err, BF_E_FORMAT, "crc32c: checksum mismatch");
		rc = out_init(&o, fixed, fixed_len, len - 4, err);
		if (rc)
			return rc;
		if (fixed && fixed_len != len - 4)
			return bf_err_set(err, BF_E_FORMAT,
					  "crc32c: decodes to %zu bytes, expected %zu", len - 4,
					  fixed_len);
		memcpy(o.p, src, len - 4);
		o.len = len - 4;
		return out_finish(&o, dst, dst_len, err);
	}
	rc = out_init(&o, fixed, fixed_len, len < 4096 ? 65536 : len * 4, err);
	if (rc)
		return rc;
	switch (c->id) {
	case ZC_ZSTD:
		rc = zstd_dec(src, len, &o, err);
		break;
	case ZC_ZLIB:
	case ZC_GZIP:
		rc = zlib_dec(src, len, c->id == ZC_GZIP, &o, err);
		break;
	case ZC_BZ2:
		rc = bz2_dec(src, len, &o, err);
		break;
	case ZC_ASTYPE:
	case ZC_BITROUND:
	case ZC_BLOSC:
	case ZC_BYTES:
	case ZC_CRC32C:
	case ZC_DELTA:
	case ZC_FIXEDSCALEOFFSET:
	case ZC_LZ4:
	case ZC_PACKBITS:
	case ZC_QUANTIZE:
	case ZC_TRANSPOSE:
	case ZC_UNKNOWN:
	case ZC_VLEN_UTF8:
	default:
		rc = bf_err_set(err, BF_E_INTERNAL, "codec '%s' is not a bytes codec", c->name);
		break;
	}
	if (!rc)
		rc = out_finish(&o, dst, dst_len, err);
	if (rc)
		out_drop(&o);
	return rc;
}
