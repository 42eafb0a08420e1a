/*
 * zarr_internal.h - shared structures of the Zarr layer (not a public API).
 *
 * Owns: the layout of struct zarr_group and struct zarr_array, the parsed
 * codec list (struct zarr_codec), element-type descriptors used by filters,
 * and the limits on decoded sizes.  The modules are:
 *   zarr_dtype.c  - dtype strings / data_type names, fill values, half floats
 *   zarr_meta.c   - group and array metadata (v2, v3, consolidated)
 *   zarr_codec.c  - codec configs and the decoders (bytes->bytes, filters)
 *   zarr_array.c  - accessors, chunk keys, counting chunk objects
 *   zarr_chunk.c  - the decode pipeline of one chunk, fill values
 *   zarr_rows.c   - row ranges: sparse blosc reads, rows through a window
 *   zarr_strings.c - string chunks
 * Everything here is immutable after zarr_array_open()/zarr_group_open()
 * except the group's lazily built array-name list (guarded by names_lock).
 */
#ifndef BF_ZARR_INTERNAL_H
#define BF_ZARR_INTERNAL_H

#include "util/bf_config.h"

#include "zarr/zarr.h"
#include "zarr/blosc1.h"

#include <jansson.h>
#include <pthread.h>

/* Largest decoded chunk (bytes) and largest stored object we accept. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define ZARR_MAX_DECODED ((size_t)1 << 22)
#define ZARR_MAX_STORED	 ((size_t)1 << 22)
#define ZARR_MAX_META	 ((size_t)1 << 20)
#else
#define ZARR_MAX_DECODED ((size_t)0x7fffffff)
#define ZARR_MAX_STORED	 ((size_t)0x7fffffff)
#define ZARR_MAX_META	 ((size_t)256 << 20)
#endif

/* A numeric element type as used by filters ("<i4", ">f8", "|u1"). */
struct zarr_etype {
	enum zarr_kind kind; /* BOOL, INT, UINT or FLOAT */
	int size;	     /* 1, 2, 4, 8 */
	bool big;	     /* stored big-endian */
};

enum zarr_codec_id {
	ZC_UNKNOWN = 0,
	ZC_BLOSC,
	ZC_ZSTD,
	ZC_ZLIB,
	ZC_GZIP,
	ZC_LZ4,
	ZC_BZ2,
	ZC_CRC32C,
	ZC_BYTES,     /* v3 array->bytes */
	ZC_VLEN_UTF8, /* v2 filter / v3 array->bytes */
	ZC_TRANSPOSE, /* v3 array->array */
	ZC_DELTA,
	ZC_FIXEDSCALEOFFSET,
	ZC_QUANTIZE,
	ZC_BITROUND,
	ZC_ASTYPE,
	ZC_PACKBITS,
};

enum zarr_codec_stage {
	ZC_STAGE_A2A, /* array -> array (v2 filters, v3 transpose) */
	ZC_STAGE_A2B, /* array -> bytes (v3 bytes, vlen-utf8) */
	ZC_STAGE_B2B, /* bytes -> bytes (compressors, crc32c) */
};

struct zarr_codec {
	enum zarr_codec_id id;
	enum zarr_codec_stage stage;
	char name[48];		  /* as written, for messages */
	bool big;		  /* ZC_BYTES: endian "big" */
	int order[ZARR_MAX_DIMS]; /* ZC_TRANSPOSE permutation */
	struct zarr_etype dtype;  /* filters: decoded element type */
	struct zarr_etype astype; /* filters: stored element type */
	double scale, offset;	  /* ZC_FIXEDSCALEOFFSET */
};

struct zarr_group {
	struct store *store;
	int format;		    /* 2 or 3 */
	json_t *attrs;		    /* group attributes object (owned), never NULL */
	json_t *consolidated;	    /* v2 .zmetadata "metadata" or v3 inline map, or NULL */
	pthread_mutex_t names_lock; /* guards names, nnames, names_done */
	char **names;
	size_t nnames;
	bool names_done;
};

struct zarr_array {
	struct zarr_group *g;
	char *name;
	int format;
	int ndim;
	int64_t shape[ZARR_MAX_DIMS];
	int64_t chunks[ZARR_MAX_DIMS];
	struct zarr_dtype dtype;
	bool big;	 /* numeric/utf32 elements stored big-endian (v2 '>') */
	bool vlen;	 /* vlen-utf8 strings */
	uint8_t fill[8]; /* fill element, native order (fixed numeric dtypes) */
	bool fill_zero;	 /* fill is all zero bytes */
	char *fill_str;	 /* string fill, UTF-8 (string dtypes), never NULL */
	size_t fill_str_len;
	char *dim_names[ZARR_MAX_DIMS];
	char key_sep;		   /* '.' or '/' */
	bool key_c_prefix;	   /* v3 default encoding: "c" prefix */
	struct zarr_codec *codecs; /* in encode order (v2: filters then compressor) */
	int ncodecs;
	char *codecs_json;
	char *unsupported; /* why reads fail with BF_E_UNSUPPORTED, or NULL */
	size_t chunk_nelem;
	size_t chunk_nbytes; /* chunk_nelem * itemsize (fixed dtypes) */
	bool nbytes_ok;	     /* chunk_nbytes fits the limit */
	bool direct;	     /* bytes codecs then an identity tail: decode into out */
	bool fast_blosc;     /* direct, and the only bytes codec is blosc */
};

/* zarr_dtype.c */
int zarr_dtype_parse_v2(const char *s, struct zarr_dtype *dt, bool *big, bool *known);
int zarr_dtype_parse_v3(json_t *j, struct zarr_dtype *dt, bool *known);
int zarr_etype_parse(const char *s, struct zarr_etype *et);
int zarr_fill_parse(struct zarr_array *a, json_t *fv, struct bf_err *err);
uint16_t zarr_half_from_double(double d);
double zarr_half_to_double(uint16_t h);
double zarr_etype_get(const struct zarr_etype *et, const uint8_t *p);
int64_t zarr_etype_get_i64(const struct zarr_etype *et, const uint8_t *p);
void zarr_etype_put(const struct zarr_etype *et, uint8_t *p, double v);
void zarr_etype_put_i64(const struct zarr_etype *et, uint8_t *p, int64_t v);
void zarr_bswap(uint8_t *p, size_t nelem, int size);

/* zarr_codec.c */
int zarr_codec_parse_v2(json_t *j, bool compressor, struct zarr_codec *c, char **why);
int zarr_codec_parse_v3(json_t *j, int ndim, struct zarr_codec *c, char **why);
/*
 * Run one bytes->bytes decoder.  When `fixed` is non-NULL the output must be
 * exactly `fixed_len` bytes and is written there; otherwise a buffer from
 * bf_malloc is returned in *dst / *dst_len (at most ZARR_MAX_DECODED bytes).
 */
int zarr_codec_b2b(const struct zarr_codec *c, const uint8_t *src, size_t len, uint8_t *fixed,
		   size_t fixed_len, uint8_t **dst, size_t *dst_len, struct blosc1_dctx *b1,
		   struct bf_err *err);
/* Decode a blosc frame's rows [byte0, byte0 + nbytes) of the decoded frame. */
int zarr_blosc_range(const uint8_t *src, size_t len, size_t total, size_t byte0, size_t nbytes,
		     uint8_t *out, struct blosc1_dctx *b1, struct bf_err *err);
/*
 * Check a blosc frame that must decode to `total` bytes and parse it for
 * blosc1.h.  @return 0 when blosc1_blocks decodes it, 1 when libblosc must
 * (zarr_blosc_range), or a negative code for a corrupt frame.
 */
int zarr_blosc_frame(const uint8_t *src, size_t len, size_t total, struct blosc1_frame *f,
		     struct bf_err *err);
uint32_t zarr_crc32c(const uint8_t *p, size_t n);

/* A decoder context (zarr.h): the window and our blosc1 decoder's context. */
struct zarr_dctx {
	uint8_t *buf; /* the window of zarr_array_each_rows */
	size_t cap;
	struct blosc1_dctx *b1;
};

/* zarr_chunk.c: one chunk's object and pipeline (used by zarr_rows.c, zarr_strings.c) */
struct zarr_chunk_ctx {
	struct zarr_array *a;
	char key[1200];
};
int zarr_ctx_init(struct zarr_chunk_ctx *cx, struct zarr_array *a, const int64_t *idx,
		  struct bf_err *err);
/* Prefix err with the array and chunk key.  @return err's code. */
int zarr_ctx_fail(struct zarr_chunk_ctx *cx, struct bf_err *err);
/* Read the stored object; BF_E_NOTFOUND (no message) when it is absent. */
int zarr_read_obj(struct zarr_chunk_ctx *cx, uint8_t **buf, size_t *len, struct bf_err *err);
/* nelem elements of the fill value into out. */
void zarr_fill_elems(const struct zarr_array *a, uint8_t *out, size_t nelem);
/* The bytes->bytes codecs backwards (see zarr_chunk.c). */
int zarr_run_b2b(const struct zarr_array *a, uint8_t *src, size_t len, uint8_t *fixed,
		 size_t fixed_len, uint8_t **res, size_t *res_len, bool *res_is_src,
		 struct blosc1_dctx *b1, struct bf_err *err);
/* Undo a transpose codec into out (elements of esize bytes). */
int zarr_run_transpose(const struct zarr_array *a, const struct zarr_codec *c, const uint8_t *in,
		       uint8_t *out, size_t esize);
/* A whole fixed-size chunk from its stored object into out (chunk_nbytes). */
int zarr_decode_fixed(struct zarr_array *a, uint8_t *obj, size_t len, uint8_t *out,
		      struct blosc1_dctx *b1, struct bf_err *err);
/* The array is a fixed-size dtype whose decoded chunk fits the limit. */
int zarr_check_fixed(struct zarr_chunk_ctx *cx, struct bf_err *err);

#endif
