/*
 * store_mem.c - an in-memory store for tests and fuzz targets.
 */
#include "util/bf_config.h"

#include "store/store_internal.h"
#include "util/alloc.h"

#include <string.h>

struct mem_entry {
	char *key;
	uint8_t *val;
	size_t len;
};

struct mem_state {
	size_t n;
	struct mem_entry *e;
};

static void mem_close(void *state)
{
	struct mem_state *st = state;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++) {
		bf_free(st->e[i].key);
		bf_free(st->e[i].val);
	}
	bf_free(st->e);
	bf_free(st);
}

void *store_mem_open(size_t n, const char *const *keys, const void *const *vals, const size_t *lens,
		     struct bf_err *err)
{
	struct mem_state *st = bf_calloc(1, sizeof(*st));
	size_t i;

	if (!st || !(st->e = bf_calloc(n ? n : 1, sizeof(*st->e))))
		goto nomem;
	for (i = 0; i < n; i++) {
		st->e[i].key = bf_strdup(keys[i]);
		st->e[i].val = bf_malloc(lens[i]);
		st->n = i + 1;
		if (!st->e[i].key || !st->e[i].val)
			goto nomem;
		if (lens[i])
			memcpy(st->e[i].val, vals[i], lens[i]);
		st->e[i].len = lens[i];
	}
	return st;
nomem:
	mem_close(st);
	bf_err_set(err, BF_E_NOMEM, "out of memory");
	return NULL;
}

static const struct mem_entry *mem_find(const struct mem_state *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->e[i].key, key))
			return &st->e[i];
	return NULL;
}

static int64_t mem_size(void *state, const char *key, struct bf_err *err)
{
	const struct mem_entry *e = mem_find(state, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	return (int64_t)e->len;
}

static int mem_read(void *state, const char *key, void *buf, size_t len, struct bf_err *err)
{
	const struct mem_entry *e = mem_find(state, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	if (len != e->len)
		return bf_err_set(err, BF_E_IO, "object '%s' is %zu bytes, not %zu", key, e->len,
				  len);
	if (len)
		memcpy(buf, e->val, len);
	return 0;
}

static int mem_read_range(void *state, const char *key, uint64_t off, void *buf, size_t len,
			  struct bf_err *err)
{
	const struct mem_entry *e = mem_find(state, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	if (off > e->len || len > e->len - off)
		return bf_err_set(err, BF_E_IO, "object '%s' is %zu bytes: no %zu at %llu", key,
				  e->len, len, (unsigned long long)off);
	if (len)
		memcpy(buf, (const uint8_t *)e->val + off, len);
	return 0;
}

static int mem_list(void *state, const char *prefix, store_list_fn fn, void *opaque,
		    struct bf_err *err)
{
	struct mem_state *st = state;
	size_t i;
	int rc;

	(void)err;
	for (i = 0; i < st->n; i++) {
		if (strncmp(st->e[i].key, prefix, strlen(prefix)))
			continue;
		rc = fn(opaque, st->e[i].key);
		if (rc)
			return rc;
	}
	return 0;
}

const struct store_backend store_mem_backend = {
    .kind = "mem",
    .size = mem_size,
    .read = mem_read,
    .read_range = mem_read_range,
    .list = mem_list,
    .close = mem_close,
};
