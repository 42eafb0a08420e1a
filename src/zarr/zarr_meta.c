/*
 * zarr_meta.c - group and array metadata.
 *
 * Owns: format detection (zarr.json first, then .zgroup), group attributes,
 * consolidated metadata (v2 .zmetadata; v3 inline consolidated_metadata),
 * listing arrays, and parsing .zarray/.zattrs or an array's zarr.json into a
 * struct zarr_array.  Unknown dtypes and codecs do not fail the open: the
 * reason is kept in zarr_array.unsupported and reported by the first read.
 * Thread-safety: a group is immutable after open except its cached name
 * list, built once under names_lock.
 */
#include "util/bf_config.h"

#include "zarr/zarr_internal.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read and parse a JSON object; BF_E_NOTFOUND when the key is absent. */
static int load_json(struct store *s, const char *key, json_t **out, struct bf_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	json_error_t je;
	int rc;

	*out = NULL;
	rc = store_get(s, key, ZARR_MAX_META, &buf, &len, err);
	if (rc < 0)
		return rc;
	*out = json_loadb((const char *)buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	bf_free(buf);
	if (!*out)
		return bf_err_set(err, BF_E_FORMAT, "'%s': bad JSON at line %d: %s", key, je.line,
				  je.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return bf_err_set(err, BF_E_FORMAT, "'%s': not a JSON object", key);
	}
	return 0;
}

struct zarr_group *zarr_group_open(struct store *store, struct bf_err *err)
{
	struct zarr_group *g = bf_calloc(1, sizeof(*g));
	json_t *root = NULL;
	int rc;

	if (!g) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	g->store = store;
	pthread_mutex_init(&g->names_lock, NULL);
	rc = load_json(store, "zarr.json", &root, err);
	if (rc == 0) {
		json_t *cm, *nt = json_object_get(root, "node_type");
		json_t *zf = json_object_get(root, "zarr_format");

		g->format = 3;
		if (!json_is_integer(zf) || json_integer_value(zf) != 3 || !json_is_string(nt) ||
		    strcmp(json_string_value(nt), "group")) {
			bf_err_set(err, BF_E_FORMAT, "'zarr.json': not a Zarr v3 group");
			goto fail;
		}
		g->attrs = json_object_get(root, "attributes");
		cm = json_object_get(root, "consolidated_metadata");
		if (json_is_object(cm) && json_is_object(json_object_get(cm, "metadata"))) {
			g->consolidated = json_object_get(cm, "metadata");
			json_incref(g->consolidated);
		}
	} else if (rc == BF_E_NOTFOUND) {
		json_t *zm = NULL;

		rc = load_json(store, ".zgroup", &root, err);
		if (rc == BF_E_NOTFOUND) {
			bf_err_set(err, BF_E_FORMAT,
				   "not a Zarr store (no 'zarr.json' or '.zgroup')");
			goto fail;
		}
		if (rc < 0)
			goto fail;
		g->format = 2;
		if (!json_is_integer(json_object_get(root, "zarr_format")) ||
		    json_integer_value(json_object_get(root, "zarr_format")) != 2) {
			bf_err_set(err, BF_E_FORMAT, "'.zgroup': zarr_format is not 2");
			goto fail;
		}
		json_decref(root);
		root = NULL;
		rc = load_json(store, ".zmetadata", &zm, err);
		if (rc == 0) {
			json_t *md = json_object_get(zm, "metadata");

			if (json_is_object(md)) {
				g->consolidated = md;
				json_incref(md);
			}
			json_decref(zm);
		} else if (rc == BF_E_FORMAT) {
			/* consolidated metadata is an optimisation, never required */
			bf_log_warn("ignoring unreadable '.zmetadata': %s", err ? err->msg : "");
			bf_err_clear(err);
		} else if (rc != BF_E_NOTFOUND) {
			goto fail;
		}
		if (g->consolidated &&
		    json_is_object(json_object_get(g->consolidated, ".zattrs"))) {
			root = json_object_get(g->consolidated, ".zattrs");
			json_incref(root);
			rc = 0;
		} else {
			rc = load_json(store, ".zattrs", &root, err);
			if (rc < 0 && rc != BF_E_NOTFOUND)
				goto fail;
		}
		g->attrs = root;
	} else {
		goto fail;
	}
	if (json_is_object(g->attrs))
		json_incref(g->attrs);
	else
		g->attrs = json_object();
	json_decref(root);
	root = NULL;
	if (!g->attrs) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	return g;
fail:
	json_decref(root);
	zarr_group_free(g);
	return NULL;
}

void zarr_group_free(struct zarr_group *g)
{
	size_t i;

	if (!g)
		return;
	json_decref(g->attrs);
	json_decref(g->consolidated);
	for (i = 0; i < g->nnames; i++)
		bf_free(g->names[i]);
	bf_free(g->names);
	pthread_mutex_destroy(&g->names_lock);
	bf_free(g);
}

int zarr_group_format(const struct zarr_group *g)
{
	return g->format;
}

struct store *zarr_group_store(const struct zarr_group *g)
{
	return g->store;
}

const char *zarr_group_attr_string(const struct zarr_group *g, const char *name)
{
	return json_string_value(json_object_get(g->attrs, name));
}

/* ---- listing ---- */

struct name_set {
	char **v;
	size_t n, cap;
	int fmt;
	int rc;
};

static int names_add(struct name_set *ns, const char *name, size_t len)
{
	size_t i;
	char *d;

	for (i = 0; i < ns->n; i++)
		if (strlen(ns->v[i]) == len && !memcmp(ns->v[i], name, len))
			return 0;
	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 32;
		char **nv = bf_realloc(ns->v, ncap * sizeof(*nv));

		if (!nv)
			return BF_E_NOMEM;
		ns->v = nv;
		ns->cap = ncap;
	}
	d = bf_strndup(name, len);
	if (!d)
		return BF_E_NOMEM;
	ns->v[ns->n++] = d;
	return 0;
}

/* key "<name>/.zarray" (v2) or "<name>/zarr.json" (v3), name without '/'. */
static int list_cb(void *opaque, const char *key)
{
	struct name_set *ns = opaque;
	const char *slash = strchr(key, '/');
	const char *leaf = ns->fmt == 3 ? "zarr.json" : ".zarray";

	if (!slash || slash == key || strcmp(slash + 1, leaf))
		return 0;
	return names_add(ns, key, (size_t)(slash - key));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int zarr_group_list_arrays(struct zarr_group *g, const char *const **names, size_t *n,
			   struct bf_err *err)
{
	struct name_set ns = {NULL, 0, 0, g->format, 0};
	int rc = 0;
	size_t i;

	pthread_mutex_lock(&g->names_lock);
	if (g->names_done)
		goto out;
	if (g->consolidated) {
		const char *key;
		json_t *val;

		json_object_foreach(g->consolidated, key, val)
		{
			if (g->format == 2) {
				rc = list_cb(&ns, key);
			} else if (!strchr(key, '/') && json_is_object(val) &&
				   json_is_string(json_object_get(val, "node_type")) &&
				   !strcmp(json_string_value(json_object_get(val, "node_type")),
					   "array")) {
				rc = names_add(&ns, key, strlen(key));
			}
			if (rc < 0)
				break;
		}
		if (rc < 0)
			bf_err_set(err, rc, "out of memory");
	} else {
		rc = store_list(g->store, "", list_cb, &ns, err);
		if (rc == BF_E_NOMEM)
			bf_err_set(err, rc, "out of memory");
		/* v3 without consolidation: keep only arrays, not sub-groups */
		if (rc == 0 && g->format == 3) {
			size_t k = 0;

			for (i = 0; i < ns.n; i++) {
				char key[1024];
				json_t *j = NULL;
				struct bf_err e2;
				const char *nt;

				snprintf(key, sizeof(key), "%s/zarr.json", ns.v[i]);
				if (load_json(g->store, key, &j, &e2) == 0) {
					nt = json_string_value(json_object_get(j, "node_type"));
					if (nt && !strcmp(nt, "array")) {
						ns.v[k++] = ns.v[i];
						json_decref(j);
						continue;
					}
					json_decref(j);
				}
				bf_free(ns.v[i]);
			}
			ns.n = k;
		}
	}
	if (rc < 0) {
		for (i = 0; i < ns.n; i++)
			bf_free(ns.v[i]);
		bf_free(ns.v);
		goto out;
	}
	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), cmp_str);
	g->names = ns.v;
	g->nnames = ns.n;
	g->names_done = true;
out:
	if (rc == 0) {
		*names = (const char *const *)g->names;
		*n = g->nnames;
	}
	pthread_mutex_unlock(&g->names_lock);
	return rc;
}

/* ---- arrays ---- */

static int get_dims(json_t *j, int64_t *out, int *ndim, bool positive)
{
	size_t i, n;

	if (!json_is_array(j))
		return -1;
	n = json_array_size(j);
	if (n > ZARR_MAX_DIMS)
		return -2;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(j, i);
		json_int_t v;

		if (!json_is_integer(e))
			return -1;
		v = json_integer_value(e);
		if (v < 0 || (positive && v == 0) || v > ((json_int_t)1 << 60))
			return -1;
		out[i] = v;
	}
	*ndim = (int)n;
	return 0;
}

static void set_unsupported(struct zarr_array *a, const char *msg)
{
	if (!a->unsupported && msg)
		a->unsupported = bf_strdup(msg);
}

static int dim_names(struct zarr_array *a, json_t *list)
{
	int i;

	if (!json_is_array(list) || json_array_size(list) != (size_t)a->ndim)
		return 0;
	for (i = 0; i < a->ndim; i++) {
		const char *s = json_string_value(json_array_get(list, (size_t)i));

		if (s && !(a->dim_names[i] = bf_strdup(s)))
			return BF_E_NOMEM;
	}
	return 0;
}

static int add_codec_json(json_t *list, json_t *c)
{
	return json_array_append(list, c) ? BF_E_NOMEM : 0;
}

/* Parse the v2 .zarray object. */
static int parse_v2(struct zarr_array *a, json_t *za, json_t *zattrs, struct bf_err *err)
{
	const char *dts = json_string_value(json_object_get(za, "dtype"));
	json_t *filters = json_object_get(za, "filters");
	json_t *comp = json_object_get(za, "compressor");
	json_t *jl;
	const char *order = json_string_value(json_object_get(za, "order"));
	const char *sep = json_string_value(json_object_get(za, "dimension_separator"));
	int nd2, i, rc;
	bool known;
	size_t nf, k;

	if (!json_is_integer(json_object_get(za, "zarr_format")) ||
	    json_integer_value(json_object_get(za, "zarr_format")) != 2)
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': zarr_format is not 2");
	rc = get_dims(json_object_get(za, "shape"), a->shape, &a->ndim, false);
	if (rc == -2)
		return bf_err_set(err, BF_E_UNSUPPORTED, "more than %d dimensions", ZARR_MAX_DIMS);
	if (rc < 0 || get_dims(json_object_get(za, "chunks"), a->chunks, &nd2, true) < 0 ||
	    nd2 != a->ndim)
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad shape or chunks");
	if (!dts) {
		if (json_is_array(json_object_get(za, "dtype"))) {
			snprintf(a->dtype.text, sizeof(a->dtype.text), "structured");
			set_unsupported(a, "dtype 'structured' is not supported");
		} else {
			return bf_err_set(err, BF_E_FORMAT, "'.zarray': missing dtype");
		}
	} else {
		zarr_dtype_parse_v2(dts, &a->dtype, &a->big, &known);
		if (!known) {
			char m[128];

			snprintf(m, sizeof(m), "dtype '%s' is not supported", dts);
			set_unsupported(a, m);
		}
	}
	if (order && !strcmp(order, "F"))
		set_unsupported(a, "order 'F' is not supported (only C order)");
	else if (order && strcmp(order, "C"))
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad order '%s'", order);
	if (!sep || !strcmp(sep, "."))
		a->key_sep = '.';
	else if (!strcmp(sep, "/"))
		a->key_sep = '/';
	else
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad dimension_separator '%s'", sep);
	if (filters && !json_is_null(filters) && !json_is_array(filters))
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad filters");
	if (comp && !json_is_null(comp) && !json_is_object(comp))
		return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad compressor");
	nf = json_is_array(filters) ? json_array_size(filters) : 0;
	if (nf > 16)
		return bf_err_set(err, BF_E_UNSUPPORTED, "too many filters");
	a->codecs = bf_calloc(nf + 1, sizeof(*a->codecs));
	jl = json_array();
	if (!a->codecs || !jl) {
		json_decref(jl);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	for (k = 0; k <= nf; k++) {
		json_t *c = k < nf ? json_array_get(filters, k) : comp;
		char *why = NULL;

		if (k == nf && (!c || json_is_null(c)))
			break;
		if (zarr_codec_parse_v2(c, k == nf, &a->codecs[a->ncodecs], &why) < 0) {
			json_decref(jl);
			return bf_err_set(err, BF_E_FORMAT, "'.zarray': bad codec configuration");
		}
		if (why) {
			set_unsupported(a, why);
			bf_free(why);
		}
		if (a->codecs[a->ncodecs].id == ZC_VLEN_UTF8)
			a->vlen = true;
		a->ncodecs++;
		if (add_codec_json(jl, c) < 0) {
			json_decref(jl);
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
	}
	a->codecs_json = json_dumps(jl, JSON_COMPACT);
	json_decref(jl);
	for (k = 1; k < (size_t)a->ncodecs; k++)
		if (a->codecs[k - 1].stage == ZC_STAGE_B2B && a->codecs[k].stage != ZC_STAGE_B2B)
			set_unsupported(a,
					"a compressor listed before an array filter in 'filters' "
					"is not supported");
	if (!a->codecs_json)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (a->vlen && !(a->dtype.kind == ZARR_KIND_STRING && a->dtype.fixed_chars == 0))
		set_unsupported(a, "codec 'vlen-utf8' needs dtype '|O'");
	if (a->dtype.kind == ZARR_KIND_STRING && a->dtype.fixed_chars == 0 && !a->unsupported &&
	    !a->vlen)
		set_unsupported(a, "dtype '|O' without a 'vlen-utf8' filter is not supported");
	rc = zarr_fill_parse(a, json_object_get(za, "fill_value"), err);
	if (rc < 0)
		return rc;
	if (zattrs)
		return dim_names(a, json_object_get(zattrs, "_ARRAY_DIMENSIONS"));
	(void)i;
	return 0;
}

static int parse_v3(struct zarr_array *a, json_t *zj, struct bf_err *err)
{
	json_t *grid = json_object_get(zj, "chunk_grid");
	json_t *gconf = json_object_get(grid, "configuration");
	json_t *cke = json_object_get(zj, "chunk_key_encoding");
	json_t *codecs = json_object_get(zj, "codecs");
	json_t *st = json_object_get(zj, "storage_transformers");
	json_t *attrs = json_object_get(zj, "attributes");
	const char *nt = json_string_value(json_object_get(zj, "node_type"));
	const char *gname = json_string_value(json_object_get(grid, "name"));
	const char *kname = json_string_value(json_object_get(cke, "name"));
	const char *sep;
	int nd2, rc, stage = ZC_STAGE_A2A, na2b = 0;
	bool known;
	size_t k, nc;

	if (!json_is_integer(json_object_get(zj, "zarr_format")) ||
	    json_integer_value(json_object_get(zj, "zarr_format")) != 3 || !nt)
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': not Zarr v3 metadata");
	if (strcmp(nt, "array"))
		return bf_err_set(err, BF_E_NOTFOUND, "not an array (node_type '%s')", nt);
	rc = get_dims(json_object_get(zj, "shape"), a->shape, &a->ndim, false);
	if (rc == -2)
		return bf_err_set(err, BF_E_UNSUPPORTED, "more than %d dimensions", ZARR_MAX_DIMS);
	if (rc < 0)
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad shape");
	if (!gname || strcmp(gname, "regular")) {
		char m[128];

		snprintf(m, sizeof(m), "chunk grid '%s' is not supported", gname ? gname : "?");
		set_unsupported(a, m);
		for (nd2 = 0; nd2 < a->ndim; nd2++)
			a->chunks[nd2] = a->shape[nd2] ? a->shape[nd2] : 1;
	} else if (get_dims(json_object_get(gconf, "chunk_shape"), a->chunks, &nd2, true) < 0 ||
		   nd2 != a->ndim) {
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad chunk_shape");
	}
	if (zarr_dtype_parse_v3(json_object_get(zj, "data_type"), &a->dtype, &known) < 0)
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad data_type");
	if (!known) {
		char m[128];

		snprintf(m, sizeof(m), "data_type '%s' is not supported", a->dtype.text);
		set_unsupported(a, m);
	}
	a->key_sep = '/';
	a->key_c_prefix = true;
	if (cke) {
		json_t *kc = json_object_get(cke, "configuration");

		sep = json_string_value(json_object_get(kc, "separator"));
		if (!kname || (strcmp(kname, "default") && strcmp(kname, "v2")))
			return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad chunk_key_encoding");
		a->key_c_prefix = !strcmp(kname, "default");
		if (!sep)
			sep = a->key_c_prefix ? "/" : ".";
		if (strcmp(sep, "/") && strcmp(sep, "."))
			return bf_err_set(err, BF_E_FORMAT,
					  "'zarr.json': bad chunk key separator '%s'", sep);
		a->key_sep = sep[0];
	}
	if (st && !json_is_null(st) && (!json_is_array(st) || json_array_size(st) > 0))
		return bf_err_set(err, BF_E_UNSUPPORTED, "storage_transformers are not supported");
	if (!json_is_array(codecs) || json_array_size(codecs) == 0)
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad codecs");
	nc = json_array_size(codecs);
	if (nc > 16)
		return bf_err_set(err, BF_E_UNSUPPORTED, "too many codecs");
	a->codecs = bf_calloc(nc, sizeof(*a->codecs));
	a->codecs_json = json_dumps(codecs, JSON_COMPACT);
	if (!a->codecs || !a->codecs_json)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (k = 0; k < nc; k++) {
		struct zarr_codec *c = &a->codecs[k];
		char *why = NULL;

		if (zarr_codec_parse_v3(json_array_get(codecs, k), a->ndim, c, &why) < 0)
			return bf_err_set(err, BF_E_FORMAT, "'zarr.json': bad codec configuration");
		a->ncodecs++;
		if (why) {
			set_unsupported(a, why);
			bf_free(why);
			continue;
		}
		if ((int)c->stage < stage)
			return bf_err_set(err, BF_E_FORMAT, "'zarr.json': codec '%s' out of order",
					  c->name);
		stage = c->stage;
		if (c->stage == ZC_STAGE_A2B)
			na2b++;
		if (c->id == ZC_VLEN_UTF8)
			a->vlen = true;
	}
	if (!a->unsupported && na2b != 1)
		return bf_err_set(err, BF_E_FORMAT,
				  "'zarr.json': need exactly one array-to-bytes codec");
	if (!a->unsupported && a->dtype.kind == ZARR_KIND_STRING && a->dtype.fixed_chars == 0 &&
	    !a->vlen)
		set_unsupported(a, "data_type 'string' needs the 'vlen-utf8' codec");
	if (!a->unsupported && a->vlen &&
	    !(a->dtype.kind == ZARR_KIND_STRING && a->dtype.fixed_chars == 0))
		return bf_err_set(err, BF_E_FORMAT, "'zarr.json': 'vlen-utf8' on data_type '%s'",
				  a->dtype.text);
	for (k = 0; k < (size_t)a->ncodecs; k++)
		if (a->codecs[k].id == ZC_BYTES && a->codecs[k].big && a->dtype.itemsize > 1 &&
		    !(a->dtype.kind == ZARR_KIND_STRING && !a->dtype.utf32))
			a->big = true;
	rc = zarr_fill_parse(a, json_object_get(zj, "fill_value"), err);
	if (rc < 0)
		return rc;
	rc = dim_names(a, json_object_get(attrs, "_ARRAY_DIMENSIONS"));
	if (rc == 0 && !a->dim_names[0])
		rc = dim_names(a, json_object_get(zj, "dimension_names"));
	if (rc < 0)
		return bf_err_set(err, rc, "out of memory");
	return 0;
}

/* Derived sizes and the fast-path flag. */
static int finish(struct zarr_array *a, struct bf_err *err)
{
	size_t n = 1;
	int i;
	bool identity_tail = true;
	int nb2b = 0;

	for (i = 0; i < a->ndim; i++)
		if (!bf_size_mul(n, (size_t)a->chunks[i], &n))
			return bf_err_set(err, BF_E_FORMAT, "chunk element count overflows");
	a->chunk_nelem = n;
	a->nbytes_ok = bf_size_mul(n, (size_t)a->dtype.itemsize, &a->chunk_nbytes) &&
		       a->chunk_nbytes <= ZARR_MAX_DECODED;
	for (i = 0; i < a->ncodecs; i++) {
		const struct zarr_codec *c = &a->codecs[i];

		if (c->stage == ZC_STAGE_B2B) {
			nb2b++;
		} else if (c->id == ZC_BITROUND) {
		} else if (c->id == ZC_BYTES) {
			if (a->big)
				identity_tail = false;
		} else if (c->id == ZC_QUANTIZE &&
			   !memcmp(&c->dtype, &c->astype, sizeof(c->dtype))) {
		} else if (c->id == ZC_TRANSPOSE) {
			int k;

			for (k = 0; k < a->ndim; k++)
				if (c->order[k] != k)
					identity_tail = false;
		} else {
			identity_tail = false;
		}
	}
	if (a->big)
		identity_tail = false;
	a->direct =
	    identity_tail && nb2b >= 1 && !a->unsupported && a->dtype.kind != ZARR_KIND_STRING;
	a->fast_blosc = false;
	if (a->direct && nb2b == 1)
		for (i = 0; i < a->ncodecs; i++)
			if (a->codecs[i].id == ZC_BLOSC)
				a->fast_blosc = true;
	return 0;
}

void zarr_array_free(struct zarr_array *a)
{
	int i;

	if (!a)
		return;
	bf_free(a->name);
	bf_free(a->fill_str);
	for (i = 0; i < ZARR_MAX_DIMS; i++)
		bf_free(a->dim_names[i]);
	bf_free(a->codecs);
	free(a->codecs_json); /* from jansson (malloc) */
	bf_free(a->unsupported);
	bf_free(a);
}

static int get_meta(struct zarr_group *g, const char *name, const char *leaf, json_t **out,
		    struct bf_err *err)
{
	char key[1200];

	if (snprintf(key, sizeof(key), "%s/%s", name, leaf) >= (int)sizeof(key))
		return bf_err_set(err, BF_E_INVAL, "array name too long");
	if (g->consolidated) {
		json_t *v = g->format == 2 ? json_object_get(g->consolidated, key)
					   : json_object_get(g->consolidated, name);

		if (v && json_is_object(v)) {
			json_incref(v);
			*out = v;
			return 0;
		}
		if (g->format == 3)
			*out = NULL; /* fall back to the store */
	}
	return load_json(g->store, key, out, err);
}

struct zarr_array *zarr_array_open(struct zarr_group *g, const char *name, struct bf_err *err)
{
	struct zarr_array *a;
	json_t *meta = NULL, *attrs = NULL;
	int rc;

	if (!name || !*name || strchr(name, '/') || store_key_check(name, NULL) < 0) {
		bf_err_set(err, BF_E_NOTFOUND, "no array '%s'", name ? name : "");
		return NULL;
	}
	a = bf_calloc(1, sizeof(*a));
	if (!a || !(a->name = bf_strdup(name))) {
		bf_free(a);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	a->g = g;
	a->format = g->format;
	if (g->format == 2) {
		rc = get_meta(g, name, ".zarray", &meta, err);
		if (rc == 0) {
			rc = get_meta(g, name, ".zattrs", &attrs, err);
			if (rc == BF_E_FORMAT) /* attributes are not needed to read values */
				bf_log_warn("array '%s': ignoring unreadable '.zattrs': %s", name,
					    err ? err->msg : "");
			if (rc == BF_E_NOTFOUND || rc == BF_E_FORMAT) {
				bf_err_clear(err);
				rc = 0;
			}
			if (rc == 0)
				rc = parse_v2(a, meta, attrs, err);
		}
	} else {
		rc = get_meta(g, name, "zarr.json", &meta, err);
		if (rc == 0)
			rc = parse_v3(a, meta, err);
	}
	if (rc == 0)
		rc = finish(a, err);
	json_decref(meta);
	json_decref(attrs);
	if (rc < 0) {
		if (rc == BF_E_NOTFOUND)
			bf_err_set(err, BF_E_NOTFOUND, "no array '%s'", name);
		else
			bf_err_prefix(err, "array '%s'", name);
		zarr_array_free(a);
		return NULL;
	}
	return a;
}

void zarr_group_prefetch_arrays(struct zarr_group *g, const char *const *names, size_t n)
{
	char keys[2][1100];
	const char *kp[2];
	size_t i;

	if (g->consolidated)
		return;
	for (i = 0; i < n; i++) {
		if (g->format == 3) {
			snprintf(keys[0], sizeof(keys[0]), "%s/zarr.json", names[i]);
			kp[0] = keys[0];
			store_prefetch_small(g->store, kp, 1);
		} else {
			snprintf(keys[0], sizeof(keys[0]), "%s/.zarray", names[i]);
			snprintf(keys[1], sizeof(keys[1]), "%s/.zattrs", names[i]);
			kp[0] = keys[0];
			kp[1] = keys[1];
			store_prefetch_small(g->store, kp, 2);
		}
	}
}
