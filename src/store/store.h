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
 * each: store_local.c, store_zip.c, store_mem.c.
 *
 * Thread-safety: after store_open*() returns, every function may be called
 * from many threads at once (reads use pread on shared descriptors).
 */
#ifndef BF_STORE_H
#define BF_STORE_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Open a store.  A path ending in ".zip" (or a regular file that starts with a
 * zip signature) opens as a zip archive; a directory opens as a local store.
 * URLs ("scheme://") are refused with BF_E_UNSUPPORTED for now.
 * @return the store, or NULL with `err` set (BF_E_NOTFOUND if the path does
 *         not exist, BF_E_FORMAT for a damaged zip, BF_E_IO otherwise).
 */
struct store *store_open(const char *path, struct bf_err *err);

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

/* "dir", "zip" or "mem". */
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

/* Check a key against the rules above.  @return 0 or BF_E_INVAL. */
int store_key_check(const char *key, struct bf_err *err);

#endif
