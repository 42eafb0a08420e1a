/*
 * cmd_inspect.c - `biofuse inspect STORE`: one JSON object describing a store.
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "store/store.h"
#include "util/log.h"
#include "vcz/vcz.h"
#include "zarr/zarr.h"

#include <jansson.h>
#include <stdio.h>

int cmd_fail(const struct bf_err *err)
{
	fprintf(stderr, "Error: %s\n", err->msg[0] ? err->msg : bf_err_name(err->code));
	return 1;
}

static json_t *int_list(const int64_t *v, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static int describe_array(struct zarr_group *g, const char *name, json_t *arrays,
			  struct bf_err *err)
{
	struct zarr_array *a = zarr_array_open(g, name, err);
	json_t *o, *codecs;
	int64_t files;

	if (!a)
		return err->code;
	o = json_object();
	json_object_set_new(o, "shape", int_list(zarr_array_shape(a), zarr_array_ndim(a)));
	json_object_set_new(o, "chunks", int_list(zarr_array_chunks(a), zarr_array_ndim(a)));
	json_object_set_new(o, "dtype", json_string(zarr_array_dtype(a)->text));
	codecs = json_loads(zarr_array_codecs_json(a), 0, NULL);
	json_object_set_new(o, "codecs", codecs ? codecs : json_null());
	files = zarr_array_count_chunk_files(a, err);
	zarr_array_free(a);
	if (files == BF_E_UNSUPPORTED) { /* a store that cannot list keys (plain HTTP) */
		bf_err_clear(err);
		json_object_set_new(o, "chunk_files", json_null());
	} else if (files < 0) {
		json_decref(o);
		return (int)files;
	} else {
		json_object_set_new(o, "chunk_files", json_integer(files));
	}
	json_object_set_new(arrays, name, o);
	return 0;
}

int cmd_inspect(const char *path, const struct store_config *cfg, bool json, FILE *out)
{
	struct bf_err err;
	struct vcz *v;
	json_t *root, *contigs, *arrays;
	const char *const *names;
	size_t n, i;
	char *text;

	(void)json;
	bf_err_clear(&err);
	v = vcz_open_cfg(path, cfg, &err);
	if (!v)
		return cmd_fail(&err);
	root = json_object();
	json_object_set_new(root, "zarr_format", json_integer(zarr_group_format(v->group)));
	json_object_set_new(root, "vcf_zarr_version",
			    v->version ? json_string(v->version) : json_null());
	json_object_set_new(root, "num_samples", json_integer((json_int_t)v->n_samples));
	json_object_set_new(root, "num_variants", json_integer(v->n_variants));
	json_object_set_new(root, "ploidy", v->gt ? json_integer(v->ploidy) : json_null());
	contigs = json_array();
	for (i = 0; i < v->n_contigs; i++)
		json_array_append_new(contigs, json_stringn(v->contigs[i], v->contig_len[i]));
	json_object_set_new(root, "contigs", contigs);
	arrays = json_object();
	json_object_set_new(root, "arrays", arrays);
	if (zarr_group_list_arrays(v->group, &names, &n, &err) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (describe_array(v->group, names[i], arrays, &err) < 0) {
			bf_err_prefix(&err, "array '%s'", names[i]);
			goto fail;
		}
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		bf_err_set(&err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	fprintf(out, "%s\n", text);
	free(text);
	json_decref(root);
	vcz_free(v);
	return 0;
fail:
	json_decref(root);
	vcz_free(v);
	return cmd_fail(&err);
}
