/*
 * store_internal.h - the backend vtable behind struct store.
 *
 * Each backend (store_local.c, store_zip.c, store_mem.c) fills one
 * struct store_backend and a private state pointer.  Semantics follow
 * store.h; keys reaching a backend have already passed store_key_check().
 */
#ifndef BF_STORE_INTERNAL_H
#define BF_STORE_INTERNAL_H

#include "store/store.h"

struct store_backend {
	const char *kind;
	int64_t (*size)(void *state, const char *key, struct bf_err *err);
	int (*read)(void *state, const char *key, void *buf, size_t len, struct bf_err *err);
	/* optional: bytes [off, off + len) of an object; NULL when unsupported */
	int (*read_range)(void *state, const char *key, uint64_t off, void *buf, size_t len,
			  struct bf_err *err);
	int (*list)(void *state, const char *prefix, store_list_fn fn, void *opaque,
		    struct bf_err *err);
	void (*close)(void *state);
	/* optional: store_prefetch / store_trim */
	void (*prefetch)(void *state, const char *const *keys, size_t n, bool small);
	void (*trim)(void *state);
	/* optional: list with sizes in one pass (NULL: list, then size() per key) */
	int (*list_sizes)(void *state, const char *prefix, store_list_size_fn fn, void *opaque,
			  struct bf_err *err);
	/* optional: whether list / list_sizes can walk the store (NULL: always) */
	bool (*can_list)(const void *state);
};

struct store {
	const struct store_backend *be;
	void *state;
	char *path;
};

/* Wrap a backend state into a store (takes ownership of `state`). */
struct store *store_wrap(const struct store_backend *be, void *state, const char *path,
			 struct bf_err *err);

/* Backend constructors. */
void *store_local_open(const char *path, struct bf_err *err);
void *store_zip_open(const char *path, struct bf_err *err);
void *store_mem_open(size_t n, const char *const *keys, const void *const *vals, const size_t *lens,
		     struct bf_err *err);
/* A remote store (store_remote.c); `*be` receives its backend. */
void *store_remote_open(const char *url, const struct store_config *cfg,
			const struct store_backend **be, struct bf_err *err);
extern const struct store_backend store_local_backend;
extern const struct store_backend store_zip_backend;
extern const struct store_backend store_mem_backend;

#endif
