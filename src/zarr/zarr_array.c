/*
 * zarr_array.c - the public accessors of struct zarr_array, chunk key formatting (v2
 * '.'/'/', v3 default "c/..." and v2-style encodings) and counting the
 * chunk objects present.  Thread-safe: reads touch only the immutable array.
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

/* ---- chunk files ---- */

struct count_ctx {
	const struct zarr_array *a;
	size_t plen;
	int64_t n;
	uint64_t bytes;
};

/* Whether `key` (under the array's prefix) names a chunk of the array. */
static bool is_chunk_key(const struct count_ctx *cc, const char *key)
{
	const char *rest = key + cc->plen;
	const char *p;
	int parts = 1;

	if (cc->a->key_c_prefix) {
		if (rest[0] != 'c')
			return false;
		rest++;
		if (cc->a->ndim == 0)
			return !*rest;
		if (*rest != cc->a->key_sep)
			return false;
		rest++;
	}
	if (!*rest)
		return false;
	for (p = rest; *p; p++) {
		if (*p == cc->a->key_sep) {
			if (p == rest || !p[1] || p[-1] == cc->a->key_sep)
				return false;
			parts++;
		} else if (*p < '0' || *p > '9') {
			return false;
		}
	}
	return parts == (cc->a->ndim ? cc->a->ndim : 1);
}

static int count_cb(void *opaque, const char *key)
{
	struct count_ctx *cc = opaque;

	cc->n += is_chunk_key(cc, key);
	return 0;
}

static int count_size_cb(void *opaque, const char *key, int64_t size)
{
	struct count_ctx *cc = opaque;

	if (is_chunk_key(cc, key)) {
		cc->n++;
		cc->bytes += (uint64_t)size;
	}
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
	cc.bytes = 0;
	rc = store_list(a->g->store, prefix, count_cb, &cc, err);
	if (rc < 0)
		return bf_err_prefix(err, "array '%s'", a->name);
	return cc.n;
}

/* Chunks decoding to at most this are hinted as small objects. */
#define ZARR_SMALL_CHUNK ((size_t)4 << 20)

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
			if (a->chunk_nbytes <= ZARR_SMALL_CHUNK)
				store_prefetch_small(a->g->store, kp, k);
			else
				store_prefetch(a->g->store, kp, k);
			k = 0;
		}
	}
}

int zarr_array_chunk_stats(struct zarr_array *a, int64_t *files, uint64_t *bytes,
			   struct bf_err *err)
{
	char prefix[1100];
	struct count_ctx cc;
	int rc;

	snprintf(prefix, sizeof(prefix), "%s/", a->name);
	cc.a = a;
	cc.plen = strlen(prefix);
	cc.n = 0;
	cc.bytes = 0;
	rc = store_list_sizes(a->g->store, prefix, count_size_cb, &cc, err);
	if (rc < 0)
		return bf_err_prefix(err, "array '%s'", a->name);
	*files = cc.n;
	*bytes = cc.bytes;
	return 0;
}
