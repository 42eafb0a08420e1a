/*
 * zarr.h - Zarr v2 and v3 groups and arrays on top of a store.
 *
 * Owns: parsing of group and array metadata (.zgroup/.zattrs/.zarray,
 * consolidated .zmetadata, zarr.json), dtypes, fill values, chunk keys, and
 * codec pipelines; decoding one chunk, or a range of rows of its first
 * dimension, into a caller-supplied buffer.  It knows nothing about VCF.
 *
 * Decoded layout: C order, the full chunk shape (edge chunks are NOT trimmed;
 * callers slice to zarr_array_chunk_extent()).  Fixed-size elements are in
 * native byte order (big-endian stores are swapped).  Fixed-width strings
 * (<Un, |Sn) and vlen-utf8 strings are all delivered as struct zarr_strings
 * (UTF-8, not NUL-terminated).  A chunk whose key is absent decodes to the
 * fill value (fill_value null means 0 / false / 0.0 / "").
 *
 * Codecs are resolved lazily: opening an array with an unknown codec or dtype
 * succeeds, and the first read returns BF_E_UNSUPPORTED naming it.
 *
 * Thread-safety: a group and its arrays are immutable after open; reads may
 * run concurrently from many threads.
 */
#ifndef BF_ZARR_H
#define BF_ZARR_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct zarr_group;
struct zarr_array;
struct zarr_dctx;

#define ZARR_MAX_DIMS 8

enum zarr_kind {
	ZARR_KIND_BOOL,	  /* 1 byte, 0 or 1 */
	ZARR_KIND_INT,	  /* signed integer, itemsize 1/2/4/8 */
	ZARR_KIND_UINT,	  /* unsigned integer, itemsize 1/2/4/8 */
	ZARR_KIND_FLOAT,  /* IEEE float, itemsize 2/4/8 */
	ZARR_KIND_STRING, /* vlen-utf8 (v2 |O, v3 "string") or fixed <Un / |Sn */
};

struct zarr_dtype {
	enum zarr_kind kind;
	int itemsize;	 /* bytes per element as decoded; 0 for vlen strings */
	int fixed_chars; /* <Un: n code points; |Sn: n bytes; 0 otherwise */
	bool utf32;	 /* fixed string stored as UTF-32LE (<Un) */
	char text[48];	 /* the dtype as written in the metadata, for messages */
};

/* Strings of one decoded chunk: element i is data[off[i] .. off[i]+len[i]). */
struct zarr_strings {
	size_t n;      /* number of elements (full chunk shape) */
	uint8_t *data; /* UTF-8 bytes, owned */
	uint64_t *off; /* n offsets into data, owned */
	uint32_t *len; /* n byte lengths, owned */
};

void zarr_strings_release(struct zarr_strings *s);

/*
 * Open the group at the store root: v3 if "zarr.json" exists, else v2 if
 * ".zgroup" exists, else BF_E_FORMAT ("not a Zarr store").  Uses consolidated
 * metadata when present (never requires it).  Does not take ownership of the
 * store, which must outlive the group.
 */
struct zarr_group *zarr_group_open(struct store *store, struct bf_err *err);
void zarr_group_free(struct zarr_group *g);

int zarr_group_format(const struct zarr_group *g); /* 2 or 3 */
struct store *zarr_group_store(const struct zarr_group *g);

/*
 * A string attribute of the group (v2 .zattrs, v3 attributes), or NULL when
 * absent or not a string.  The pointer lives as long as the group.
 */
const char *zarr_group_attr_string(const struct zarr_group *g, const char *name);

/*
 * Names of the arrays that are direct children of the root (sorted).
 * `*names` is an array of `*n` strings owned by the group.
 */
int zarr_group_list_arrays(struct zarr_group *g, const char *const **names, size_t *n,
			   struct bf_err *err) BF_MUST_CHECK;

/*
 * Open array `name`.  @return the array, or NULL with err->code BF_E_NOTFOUND
 * when it does not exist, BF_E_FORMAT for bad metadata.  The array keeps a
 * pointer to the group, which must outlive it.
 */
struct zarr_array *zarr_array_open(struct zarr_group *g, const char *name, struct bf_err *err);
void zarr_array_free(struct zarr_array *a);

const char *zarr_array_name(const struct zarr_array *a);
int zarr_array_ndim(const struct zarr_array *a);
const int64_t *zarr_array_shape(const struct zarr_array *a);
const int64_t *zarr_array_chunks(const struct zarr_array *a);
const struct zarr_dtype *zarr_array_dtype(const struct zarr_array *a);

/* Dimension names (from _ARRAY_DIMENSIONS or dimension_names), or NULL each. */
const char *zarr_array_dim_name(const struct zarr_array *a, int dim);

/* Number of chunks along `dim` (0 if the shape is 0 there). */
int64_t zarr_array_nchunks(const struct zarr_array *a, int dim);

/* Elements in one full chunk (product of chunk shape). */
size_t zarr_array_chunk_nelem(const struct zarr_array *a);

/* Valid (non-padding) length of chunk `ci` along `dim`. */
int64_t zarr_array_chunk_extent(const struct zarr_array *a, int dim, int64_t ci);

/*
 * A JSON description of the codec pipeline, e.g.
 * [{"id":"blosc","cname":"zstd","clevel":7,"shuffle":2,...}] for v2 (filters
 * then compressor) or the v3 "codecs" list.  Owned by the array.
 */
const char *zarr_array_codecs_json(const struct zarr_array *a);

/* The store key of chunk `idx` (ndim coordinates).  @return 0 or BF_E_INVAL. */
int zarr_array_chunk_key(const struct zarr_array *a, const int64_t *idx, char *buf, size_t cap);

/*
 * Hint that chunks `idx[0..n)` (each ndim coordinates, packed) will be read
 * soon: a remote store fetches them ahead (store_prefetch).  Never fails.
 */
void zarr_array_prefetch(const struct zarr_array *a, const int64_t *idx, size_t n);

/*
 * Hint that arrays `names` will be opened soon: without consolidated
 * metadata a remote store fetches their metadata objects at once.
 */
void zarr_group_prefetch_arrays(struct zarr_group *g, const char *const *names, size_t n);

/*
 * Decode the whole chunk `idx` of a fixed-size dtype into `out`, which holds
 * `cap` bytes (at least zarr_array_chunk_nelem() * itemsize).
 * @return 0; BF_E_UNSUPPORTED for a string dtype or unknown codec; BF_E_FORMAT
 *         when the chunk is corrupt or decodes to the wrong size; the error
 *         message names the array and the chunk key.
 */
int zarr_array_read_chunk(struct zarr_array *a, const int64_t *idx, void *out, size_t cap,
			  struct bf_err *err) BF_MUST_CHECK;

/* The same through decoder context dc (NULL: a temporary one, as above). */
int zarr_array_read_chunk_ctx(struct zarr_array *a, const int64_t *idx, void *out, size_t cap,
			      struct zarr_dctx *dc, struct bf_err *err) BF_MUST_CHECK;

/*
 * Decode rows [row0, row0 + nrows) of the chunk's first dimension (rows are
 * counted within the chunk, padding included) into `out`, which holds `cap`
 * bytes (nrows * row bytes).  Implementations may decode only the compressed
 * blocks that cover the rows (blosc) so peak memory follows `nrows`.
 * Currently only a pipeline of one blosc codec (v2 compressor-only, v3
 * [bytes, blosc], native byte order) decodes a block range; every other
 * pipeline decodes the whole chunk into a temporary buffer and copies the rows.
 */
int zarr_array_read_chunk_rows(struct zarr_array *a, const int64_t *idx, int64_t row0,
			       int64_t nrows, void *out, size_t cap, struct zarr_dctx *dc,
			       struct bf_err *err) BF_MUST_CHECK;

/*
 * A decoder context: the codec state (our blosc1 decoder's zstd context and
 * scratch) and the window zarr_array_each_rows decodes through, grown on
 * demand.  One per decoding thread, created and freed by whoever owns that
 * thread (a stream worker's genotype reader); not thread-safe.  Functions
 * taking one accept NULL, which makes a temporary context for the call.
 */
struct zarr_dctx;

struct zarr_dctx *zarr_dctx_create(struct bf_err *err);
void zarr_dctx_free(struct zarr_dctx *dc);

/* Bytes of the context's window now (it grows to about one compressed block). */
size_t zarr_dctx_window_bytes(const struct zarr_dctx *dc);

/*
 * Called with rows [row0, row0 + nrows) of the chunk (row bytes each,
 * contiguous at `rows`, valid only during the call).  @return 0 to go on,
 * or nonzero (a negative code, or the caller's own positive status), which
 * stops the walk and is returned.
 */
typedef int (*zarr_rows_fn)(void *ctx, int64_t row0, int64_t nrows, const uint8_t *rows,
			    struct bf_err *err);

/*
 * Called with bytes [off, off + nbytes) of the requested rows (off counted
 * from the first requested row; both multiples of 8) as blosc bit planes:
 * plane b's byte j is planes[b * stride + j] and holds bit b of the 8 bytes
 * off + 8j .. off + 8j + 7 (byte off + 8j + i in bit i); only planes below
 * the walk's `nplanes` are valid.  Valid only during the call.  @return as
 * zarr_rows_fn.
 */
typedef int (*zarr_planes_fn)(void *ctx, size_t off, size_t nbytes, const uint8_t *planes,
			      size_t stride, struct bf_err *err);

/*
 * Decode rows [row0, row0 + nrows) of a chunk like zarr_array_read_chunk_rows,
 * but hand them to `fn` in order, a few at a time, from a window about one
 * compressed block large (blosc frames blosc1.h decodes), so a caller that
 * consumes rows as they come never holds the decoded chunk and works on
 * rows still in cache.  Other chunks (other codecs, absent objects) arrive
 * in one call from a temporary buffer.  When `pfn` is given and the chunk is
 * bit-shuffled one-byte items whose rows are a multiple of 8 bytes
 * (blosc1_planes_ok), the whole range goes to pfn instead, block by block,
 * without undoing the bit-shuffle; otherwise everything goes to fn.  pfn
 * reads planes 0 .. nplanes - 1 (1..8); with fewer than 8, decompression
 * of a block may stop once those are out (bit 0 of booleans).
 * @return 0, fn's or pfn's nonzero return, or a negative code with the
 * message naming the chunk.
 */
int zarr_array_each_rows(struct zarr_array *a, const int64_t *idx, int64_t row0, int64_t nrows,
			 struct zarr_dctx *dc, zarr_rows_fn fn, zarr_planes_fn pfn,
			 unsigned nplanes, void *ctx, struct bf_err *err) BF_MUST_CHECK;

/*
 * Decode chunk `idx` of a string array.  `out` is filled (caller releases it
 * with zarr_strings_release).  Works for vlen and fixed-width strings.
 */
int zarr_array_read_chunk_strings(struct zarr_array *a, const int64_t *idx,
				  struct zarr_strings *out, struct bf_err *err) BF_MUST_CHECK;

/* The same through decoder context dc (NULL: a temporary one). */
int zarr_array_read_chunk_strings_ctx(struct zarr_array *a, const int64_t *idx,
				      struct zarr_strings *out, struct zarr_dctx *dc,
				      struct bf_err *err) BF_MUST_CHECK;

/*
 * Count the chunk objects present in the store for this array.
 * @return the count (>= 0) or a negative code.
 */
int64_t zarr_array_count_chunk_files(struct zarr_array *a, struct bf_err *err);

/*
 * The chunk objects of this array present in the store: their number and the
 * sum of their sizes (bytes as stored, from store_list_sizes).
 * @return 0 or a negative code.
 */
int zarr_array_chunk_stats(struct zarr_array *a, int64_t *files, uint64_t *bytes,
			   struct bf_err *err) BF_MUST_CHECK;

#endif
