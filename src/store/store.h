/*
 * store.h - "give me the bytes of key K".
 *
 * Owns: the store abstraction over a local directory, a .vcz.zip archive and
 * an in-memory key/value set (tests and fuzzing).  Keys are Zarr keys relative
 * to the store root, '/'-separated ("call_genotype/0.0.0").  A key never
 * escapes the store: empty keys, absolute keys, ".." or "." components, a NUL
 * or a backslash are rejected with BF_E_INVAL.  The store knows nothing about
 * Zarr.
 *
 * Backends are vtables (struct store_backend in store_internal.h), one file
 * each: store_local.c, store_zip.c, store_mem.c, and store_remote.c for
 * http://, https:// and s3:// URLs (directory stores and .zip archives,
 * fetched through store/http.c, configured by store/remote_conf.c).
 *
 * Thread-safety: after store_open*() returns, every function may be called
 * from many threads at once (reads use pread on shared descriptors).
 */
#ifndef BF_STORE_H
#define BF_STORE_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* One --storage-option KEY=VALUE (VALUE as typed; JSON-decoded when it can be). */
struct store_opt {
	const char *key;
	const char *value;
};

/*
 * How to open a store: the reference's --backend-storage / --storage-option
 * and the reader's limits.  All fields may be zero: a local path needs none.
 */
struct store_config {
	const char *backend;	      /* NULL, "fsspec" or "obstore" (a URL needs none) */
	const struct store_opt *opts; /* storage options, in command-line order */
	size_t n_opts;
	int max_inflight;     /* remote requests in flight; 0 = 32 */
	double deadline_s;    /* one remote read, retries included; 0 = 30 s */
	uint64_t cache_bytes; /* fetched-ahead bytes a remote store keeps; 0 = 64 MiB */
};

/*
 * Open a store.  A path ending in ".zip" (or a regular file that starts with a
 * zip signature) opens as a zip archive; a directory opens as a local store.
 * "http://", "https://" and "s3://bucket/prefix" URLs open remote stores
 * (a URL ending in ".zip" as a zip archive read by ranged GETs); "file://" is
 * a local path.  Other schemes are BF_E_UNSUPPORTED.
 * @return the store, or NULL with `err` set (BF_E_NOTFOUND if the path does
 *         not exist, BF_E_FORMAT for a damaged zip, BF_E_INVAL for a bad
 *         storage option, BF_E_IO otherwise, e.g. a server that is down).
 */
struct store *store_open_cfg(const char *path, const struct store_config *cfg, struct bf_err *err);

/* store_open_cfg with no configuration. */
struct store *store_open(const char *path, struct bf_err *err);

/* True when `path` is a URL store_open_cfg opens as a remote store. */
bool store_is_remote_url(const char *path);

/*
 * Check a configuration without opening anything: unknown storage options,
 * bad values, options given for a local path.  @return 0 or BF_E_INVAL.
 */
int store_config_check(const char *path, const struct store_config *cfg, struct bf_err *err);

/*
 * Hint that the objects at `keys` will be read soon.  A remote store starts
 * fetching them (within its in-flight and byte limits) so that the reads
 * that follow find them; other stores ignore the hint.  Never fails.
 */
void store_prefetch(struct store *s, const char *const *keys, size_t n);

/*
 * store_prefetch for objects known to be small (variant metadata chunks): a
 * remote store admits them by count even when big objects fetched ahead use
 * its byte allowance, so a metadata pass is not serialised behind them.
 */
void store_prefetch_small(struct store *s, const char *const *keys, size_t n);

/* Drop what a remote store fetched ahead and nobody read (idle memory). */
void store_trim(struct store *s);

/*
 * An in-memory store.  `keys[i]` maps to `vals[i]` of `lens[i]` bytes; all are
 * copied.  Used by tests and fuzz targets.
 */
struct store *store_open_mem(size_t n, const char *const *keys, const void *const *vals,
			     const size_t *lens, struct bf_err *err);

/* Close a store and free it.  NULL is allowed. */
void store_free(struct store *s);

/* The path or URL the store was opened with. */
const char *store_path(const struct store *s);

/* "dir", "zip", "mem", "http", "http-zip", "s3" or "s3-zip". */
const char *store_kind(const struct store *s);

/*
 * Size in bytes of the object at `key` (uncompressed size for zip members).
 * @return the size (>= 0), BF_E_NOTFOUND if the key does not exist, or another
 *         negative code on error.
 */
int64_t store_size(struct store *s, const char *key, struct bf_err *err) BF_MUST_CHECK;

/*
 * Read the whole object at `key` into `buf`, which holds `len` bytes; `len`
 * must equal store_size() of the key.
 * @return 0, BF_E_NOTFOUND, or a negative code on error (a short object, a
 *         zip member whose CRC or size does not match, an I/O error).
 */
int store_read(struct store *s, const char *key, void *buf, size_t len,
	       struct bf_err *err) BF_MUST_CHECK;

/*
 * Read bytes [off, off + len) of the object at `key` without reading the rest
 * (local files; STORED zip members).  Used to decode a few blocks of a large
 * chunk.  @return 0, BF_E_NOTFOUND, BF_E_UNSUPPORTED when this store or
 * object cannot serve ranges (the caller reads the whole object), or an error.
 */
int store_read_range(struct store *s, const char *key, uint64_t off, void *buf, size_t len,
		     struct bf_err *err) BF_MUST_CHECK;

/*
 * Convenience: size + read into a buffer from bf_malloc (caller frees with
 * bf_free).  Objects larger than `max_len` are refused with BF_E_RANGE.
 * @return 0, BF_E_NOTFOUND, or a negative code.
 */
int store_get(struct store *s, const char *key, size_t max_len, uint8_t **data, size_t *len,
	      struct bf_err *err) BF_MUST_CHECK;

/*
 * Call `fn` for every key that starts with `prefix` (prefix "" lists all keys;
 * directories are walked recursively; keys are reported relative to the store
 * root, in no particular order).  A non-zero return from `fn` stops the walk
 * and is returned.
 * @return 0, the callback's value, or a negative code on error.
 */
typedef int (*store_list_fn)(void *opaque, const char *key);
int store_list(struct store *s, const char *prefix, store_list_fn fn, void *opaque,
	       struct bf_err *err) BF_MUST_CHECK;

/*
 * Like store_list, with each key's size (as store_size reports it).  Backends
 * whose listing already carries sizes (a zip directory, an S3 listing) report
 * them without a request per key; the others are asked key by key.
 * @return 0, the callback's value, or a negative code on error.
 */
typedef int (*store_list_size_fn)(void *opaque, const char *key, int64_t size);
int store_list_sizes(struct store *s, const char *prefix, store_list_size_fn fn, void *opaque,
		     struct bf_err *err) BF_MUST_CHECK;

/* Whether store_list / store_list_sizes can walk this store (not plain HTTP). */
bool store_can_list(const struct store *s);

/* Check a key against the rules above.  @return 0 or BF_E_INVAL. */
int store_key_check(const char *key, struct bf_err *err);

#endif
