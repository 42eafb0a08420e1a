/*
 * cmd_inspect.c - `biofuse inspect STORE`: what a store holds, at a glance.
 *
 * Gathers the facts once (struct facts) and prints them either as a short
 * text summary for a terminal or, with --json, as one JSON object for
 * scripts (the keys of the first version, zarr_format ... arrays, stay as
 * they were; the new facts are added beside them).
 *
 * Facts: samples (null samples apart), variants (biallelic / multi-allelic),
 * ploidy, phasing (share of phased calls in the first call_genotype_phased
 * chunk: reading every chunk would cost as much as a conversion), contigs
 * with their variant counts and position ranges (one pass over the variant
 * metadata, min chunk by min chunk), INFO fields with their VCF Type and
 * Number (from dtype and dimension names), FILTER ids, FORMAT fields,
 * chunking, per array the stored bytes (store_list_sizes, so remote stores
 * answer from their listings) against the decoded bytes, and the sizes of
 * the .bed and of the fixed-size .bgen that a mount of the whole store
 * would serve (format/ computes them, as the mount does).
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "cli/progress.h"
#include "format/bgen.h"
#include "format/variant.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "vcz/vcz.h"
#include "zarr/zarr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_fail(const struct bf_err *err)
{
	fprintf(stderr, "Error: %s\n", err->msg[0] ? err->msg : bf_err_name(err->code));
	return 1;
}

/* ------------------------------------------------------------ the facts */

struct contig_facts {
	int64_t n;	 /* variants */
	int64_t min_pos; /* smallest position (valid when n > 0) */
	int64_t max_pos; /* largest */
};

struct array_facts {
	const char *name; /* owned by the group */
	struct zarr_array *a;
	int64_t files;	 /* chunk objects present; -1 when the store cannot list */
	uint64_t stored; /* bytes of its chunk objects */
	uint64_t nbytes; /* decoded bytes of the whole array; 0 for strings */
};

struct info_field {
	const char *name;  /* after "variant_" */
	const char *array; /* the array */
	const char *type;  /* VCF Type */
	char number[24];   /* VCF Number: 0 1 A R G, or "." (INFO_X_dim: k or '.') */
	int64_t width;	   /* values a site holds, for "." (the dimension's length) */
};

struct facts {
	struct vcz *v;
	struct contig_facts *contigs;
	int64_t biallelic, multiallelic;
	uint64_t max_strings;  /* largest chrom+allele1+allele2+id bytes of a biallelic site */
	int64_t phased_calls;  /* in the first call_genotype_phased chunk */
	int64_t sampled_calls; /* calls in that chunk; 0 when there is no such array */
	struct array_facts *arrays;
	size_t n_arrays;
	uint64_t total_stored;
	bool unlisted; /* the store cannot list keys: no chunk counts or stored sizes */
	struct info_field *info;
	size_t n_info;
	const char **format_fields; /* call_* arrays other than the genotype ones */
	size_t n_format;
	char **filters; /* filter_id values, owned */
	size_t n_filters;
	uint64_t bed_size;  /* .bed of a mount of every biallelic site */
	uint64_t bgen_size; /* fixed-size .bgen of the same, 0 when ploidy is not 1 or 2 */
	uint32_t bgen_tsl;  /* --total-string-length that .bgen needs (default 64) */
	int64_t bgen_bpv;   /* bytes per variant of that .bgen */
};

static void facts_release(struct facts *f)
{
	size_t i;

	for (i = 0; i < f->n_arrays; i++)
		zarr_array_free(f->arrays[i].a);
	bf_free(f->arrays);
	bf_free(f->contigs);
	bf_free(f->info);
	bf_free(f->format_fields);
	for (i = 0; i < f->n_filters; i++)
		bf_free(f->filters[i]);
	bf_free(f->filters);
	vcz_free(f->v);
}

/* One pass over the variant metadata: contigs, allele counts, string bytes. */
static int scan_sites(struct facts *f, struct bf_err *err)
{
	struct vcz *v = f->v;
	struct progress_steps steps;
	struct bf_progress pg;
	int64_t ci, r;
	int rc = 0;

	f->contigs = bf_calloc(v->n_contigs ? v->n_contigs : 1, sizeof(*f->contigs));
	if (!f->contigs)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	progress_steps_init(&steps);
	pg = progress_steps_hook(&steps);
	for (ci = 0; ci < v->n_vchunks && rc == 0; ci++) {
		struct vcz_meta m;

		bf_progress_report(&pg, "reading variant metadata", (uint64_t)ci,
				   (uint64_t)v->n_vchunks);
		rc = vcz_meta_read(v, ci, &m, err);
		if (rc < 0)
			break;
		for (r = 0; r < m.n; r++) {
			int64_t c = m.contig[r], pos = m.pos[r];
			struct fmt_variant fv;

			if (c >= 0 && (size_t)c < v->n_contigs) {
				struct contig_facts *cf = &f->contigs[c];

				if (cf->n == 0 || pos < cf->min_pos)
					cf->min_pos = pos;
				if (cf->n == 0 || pos > cf->max_pos)
					cf->max_pos = pos;
				cf->n++;
			}
			if (vcz_meta_multi_allelic(&m, r)) {
				f->multiallelic++;
				continue;
			}
			f->biallelic++;
			memset(&fv, 0, sizeof(fv));
			if (c >= 0 && (size_t)c < v->n_contigs) {
				fv.chrom.p = v->contigs[c];
				fv.chrom.len = v->contig_len[c];
			}
			vcz_meta_allele(&m, r, 0, &fv.ref.p, &fv.ref.len);
			vcz_meta_allele(&m, r, 1, &fv.alt.p, &fv.alt.len);
			vcz_meta_id(&m, r, &fv.id.p, &fv.id.len);
			fv.has_id = m.has_id;
			{
				uint64_t used = (uint64_t)fv.chrom.len + fv.ref.len +
						bgen_allele2(&fv).len + bgen_variant_id(&fv).len;

				if (used > f->max_strings)
					f->max_strings = used;
			}
		}
		vcz_meta_release(&m);
	}
	bf_progress_report(&pg, "reading variant metadata", (uint64_t)v->n_vchunks,
			   (uint64_t)v->n_vchunks);
	return rc < 0 ? rc : 0;
}

/* Share of phased calls in the first chunk of call_genotype_phased. */
static int scan_phasing(struct facts *f, struct bf_err *err)
{
	struct zarr_array *a = f->v->phased;
	int64_t idx[2] = {0, 0}, rows, cols, r, c;
	const int64_t *ch;
	uint8_t *buf;
	size_t n;
	int rc;

	if (!a || f->v->n_variants == 0 || zarr_array_dtype(a)->itemsize != 1)
		return 0;
	ch = zarr_array_chunks(a);
	n = zarr_array_chunk_nelem(a);
	buf = bf_malloc(n ? n : 1);
	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = zarr_array_read_chunk(a, idx, buf, n, err);
	if (rc < 0) {
		bf_free(buf);
		return rc;
	}
	rows = zarr_array_chunk_extent(a, 0, 0);
	cols = zarr_array_chunk_extent(a, 1, 0);
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			f->phased_calls += buf[r * ch[1] + c] != 0;
			f->sampled_calls++;
		}
	}
	bf_free(buf);
	return 0;
}

static bool is_site_array(const char *name)
{
	static const char *const site[] = {
	    "variant_contig", "variant_position", "variant_allele",
	    "variant_id",     "variant_id_mask",  "variant_quality",
	    "variant_filter", "variant_length",	  NULL,
	};
	int i;

	for (i = 0; site[i]; i++) {
		if (!strcmp(name, site[i]))
			return true;
	}
	return false;
}

/* VCF Type and Number of an INFO array, from its dtype and dimensions. */
static void info_type_number(struct zarr_array *a, struct info_field *inf)
{
	const struct zarr_dtype *dt = zarr_array_dtype(a);
	const char *dim = zarr_array_ndim(a) > 1 ? zarr_array_dim_name(a, 1) : NULL;

	switch (dt->kind) {
	case ZARR_KIND_BOOL:
		inf->type = "Flag";
		break;
	case ZARR_KIND_INT:
	case ZARR_KIND_UINT:
		inf->type = "Integer";
		break;
	case ZARR_KIND_FLOAT:
		inf->type = "Float";
		break;
	case ZARR_KIND_STRING:
		inf->type = dt->fixed_chars == 1 ? "Character" : "String";
		break;
	}
	if (zarr_array_ndim(a) <= 1)
		snprintf(inf->number, sizeof(inf->number), "%s",
			 dt->kind == ZARR_KIND_BOOL ? "0" : "1");
	else if (dim && !strcmp(dim, "alleles"))
		snprintf(inf->number, sizeof(inf->number), "R");
	else if (dim && !strcmp(dim, "alt_alleles"))
		snprintf(inf->number, sizeof(inf->number), "A");
	else if (dim && !strcmp(dim, "genotypes"))
		snprintf(inf->number, sizeof(inf->number), "G");
	else { /* bio2zarr's INFO_X_dim: Number k or '.'; the store keeps only the width */
		snprintf(inf->number, sizeof(inf->number), ".");
		inf->width = zarr_array_shape(a)[1];
	}
}

static int read_filters(struct facts *f, struct zarr_array *a, struct bf_err *err)
{
	struct zarr_strings s;
	int64_t idx[1] = {0}, n, i;
	int rc;

	if (zarr_array_ndim(a) != 1 || zarr_array_dtype(a)->kind != ZARR_KIND_STRING ||
	    zarr_array_shape(a)[0] == 0)
		return 0;
	if (zarr_array_nchunks(a, 0) != 1)
		return 0; /* a handful of ids always fit one chunk; stay cheap otherwise */
	memset(&s, 0, sizeof(s));
	rc = zarr_array_read_chunk_strings(a, idx, &s, err);
	if (rc < 0)
		return rc;
	n = zarr_array_shape(a)[0];
	if ((size_t)n > s.n)
		n = (int64_t)s.n;
	f->filters = bf_calloc((size_t)n + 1, sizeof(*f->filters));
	if (!f->filters) {
		zarr_strings_release(&s);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		f->filters[i] = bf_strndup((const char *)s.data + s.off[i], s.len[i]);
		if (!f->filters[i]) {
			zarr_strings_release(&s);
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
		f->n_filters++;
	}
	zarr_strings_release(&s);
	return 0;
}

static int scan_arrays(struct facts *f, struct bf_err *err)
{
	const char *const *names;
	size_t n, i;
	int rc;

	if (zarr_group_list_arrays(f->v->group, &names, &n, err) < 0)
		return err->code;
	f->arrays = bf_calloc(n ? n : 1, sizeof(*f->arrays));
	f->info = bf_calloc(n ? n : 1, sizeof(*f->info));
	f->format_fields = bf_calloc(n ? n : 1, sizeof(*f->format_fields));
	if (!f->arrays || !f->info || !f->format_fields)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct array_facts *af = &f->arrays[f->n_arrays];
		const struct zarr_dtype *dt;
		uint64_t nel = 1;
		int d;

		af->name = names[i];
		af->a = zarr_array_open(f->v->group, names[i], err);
		if (!af->a)
			return bf_err_prefix(err, "array '%s'", names[i]);
		f->n_arrays++;
		if (!store_can_list(zarr_group_store(f->v->group))) { /* plain HTTP */
			af->files = -1;
			f->unlisted = true;
		} else if (zarr_array_chunk_stats(af->a, &af->files, &af->stored, err) < 0) {
			return err->code;
		}
		f->total_stored += af->stored;
		dt = zarr_array_dtype(af->a);
		for (d = 0; d < zarr_array_ndim(af->a); d++)
			nel *= (uint64_t)zarr_array_shape(af->a)[d];
		af->nbytes = dt->kind == ZARR_KIND_STRING ? 0 : nel * (uint64_t)dt->itemsize;
		if (!strncmp(names[i], "variant_", 8) && !is_site_array(names[i])) {
			struct info_field *inf = &f->info[f->n_info++];

			inf->name = names[i] + 8;
			inf->array = names[i];
			info_type_number(af->a, inf);
		} else if (!strncmp(names[i], "call_", 5) && strcmp(names[i], "call_genotype") &&
			   strcmp(names[i], "call_genotype_phased") &&
			   strcmp(names[i], "call_genotype_mask")) {
			f->format_fields[f->n_format++] = names[i] + 5;
		} else if (!strcmp(names[i], "filter_id")) {
			rc = read_filters(f, af->a, err);
			if (rc < 0)
				return bf_err_prefix(err, "array 'filter_id'");
		}
	}
	return 0;
}

/* What a mount of every biallelic site would serve. */
static int mount_sizes(struct facts *f, struct bf_err *err)
{
	struct vcz *v = f->v;
	struct bgen_params p;
	struct fmt_str *ids;
	uint64_t bpv, hsize;
	size_t i;

	if (!f->biallelic || !v->n_samples || !v->gt)
		return 0; /* a mount would refuse the store: nothing to size */
	f->bed_size = 3 + (uint64_t)f->biallelic * (((uint64_t)v->n_samples + 3) / 4);
	if (v->ploidy != 1 && v->ploidy != 2)
		return 0;
	bgen_params_init(&p, true);
	if (f->max_strings + 1 > p.total_string_length)
		p.total_string_length =
		    (uint32_t)(f->max_strings + 1 > 65535 ? 65535 : f->max_strings + 1);
	f->bgen_tsl = p.total_string_length;
	bpv = bgen_fixed_bytes_per_variant(&p, v->n_samples, v->ploidy);
	if (bpv == 0)
		return 0;
	ids = bf_calloc(v->n_samples ? v->n_samples : 1, sizeof(*ids));
	if (!ids)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (i = 0; i < v->n_samples; i++) {
		ids[i].p = v->raw_sample_ids[v->samples[i]];
		ids[i].len = v->raw_sample_len[v->samples[i]];
	}
	hsize = bgen_header_size(&p, (uint64_t)f->biallelic, ids, v->n_samples);
	bf_free(ids);
	if (hsize) { /* 0: too large for BGEN, no size */
		f->bgen_bpv = (int64_t)bpv;
		f->bgen_size = hsize + (uint64_t)f->biallelic * bpv;
	}
	return 0;
}

static int gather(const char *path, const struct store_config *cfg, struct facts *f,
		  struct bf_err *err)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->v = vcz_open_cfg(path, cfg, err);
	if (!f->v)
		return err->code;
	if ((rc = scan_arrays(f, err)) < 0 || (rc = scan_sites(f, err)) < 0 ||
	    (rc = scan_phasing(f, err)) < 0 || (rc = mount_sizes(f, err)) < 0)
		return rc;
	return 0;
}

/* ------------------------------------------------------------ JSON */

static json_t *int_list(const int64_t *v, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static json_t *array_json(const struct array_facts *af)
{
	struct zarr_array *a = af->a;
	json_t *o = json_object(), *codecs;

	json_object_set_new(o, "shape", int_list(zarr_array_shape(a), zarr_array_ndim(a)));
	json_object_set_new(o, "chunks", int_list(zarr_array_chunks(a), zarr_array_ndim(a)));
	json_object_set_new(o, "dtype", json_string(zarr_array_dtype(a)->text));
	codecs = json_loads(zarr_array_codecs_json(a), 0, NULL);
	json_object_set_new(o, "codecs", codecs ? codecs : json_null());
	json_object_set_new(o, "chunk_files",
			    af->files >= 0 ? json_integer(af->files) : json_null());
	json_object_set_new(o, "stored_bytes",
			    af->files >= 0 ? json_integer((json_int_t)af->stored) : json_null());
	json_object_set_new(o, "nbytes",
			    af->nbytes ? json_integer((json_int_t)af->nbytes) : json_null());
	return o;
}

static int print_json(const struct facts *f, FILE *out, struct bf_err *err)
{
	const struct vcz *v = f->v;
	json_t *root = json_object(), *contigs = json_array(), *arrays = json_object();
	json_t *cv = json_array(), *info = json_array(), *filters = json_array();
	json_t *fmt = json_array(), *mount = json_object(), *phasing = json_object();
	char *text;
	size_t i;

	json_object_set_new(root, "zarr_format", json_integer(zarr_group_format(v->group)));
	json_object_set_new(root, "vcf_zarr_version",
			    v->version ? json_string(v->version) : json_null());
	json_object_set_new(root, "num_samples", json_integer((json_int_t)v->n_samples));
	json_object_set_new(root, "num_variants", json_integer(v->n_variants));
	json_object_set_new(root, "ploidy", v->gt ? json_integer(v->ploidy) : json_null());
	for (i = 0; i < v->n_contigs; i++)
		json_array_append_new(contigs, json_stringn(v->contigs[i], v->contig_len[i]));
	json_object_set_new(root, "contigs", contigs);
	json_object_set_new(root, "arrays", arrays);
	for (i = 0; i < f->n_arrays; i++)
		json_object_set_new(arrays, f->arrays[i].name, array_json(&f->arrays[i]));
	/* added by the summary */
	json_object_set_new(root, "store_kind", json_string(store_kind(v->store)));
	json_object_set_new(root, "source",
			    zarr_group_attr_string(v->group, "source")
				? json_string(zarr_group_attr_string(v->group, "source"))
				: json_null());
	json_object_set_new(root, "null_samples",
			    json_integer((json_int_t)(v->n_raw_samples - v->n_samples)));
	json_object_set_new(root, "biallelic_variants", json_integer(f->biallelic));
	json_object_set_new(root, "multiallelic_variants", json_integer(f->multiallelic));
	json_object_set_new(root, "variants_chunk",
			    v->gt ? json_integer(zarr_array_chunks(v->gt)[0]) : json_null());
	json_object_set_new(root, "samples_chunk",
			    v->gt ? json_integer(zarr_array_chunks(v->gt)[1]) : json_null());
	json_object_set_new(phasing, "array", json_boolean(v->phased != NULL));
	json_object_set_new(phasing, "first_chunk_calls", json_integer(f->sampled_calls));
	json_object_set_new(phasing, "first_chunk_phased", json_integer(f->phased_calls));
	json_object_set_new(root, "phasing", phasing);
	for (i = 0; i < v->n_contigs; i++) {
		json_t *o;

		if (!f->contigs[i].n)
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_stringn(v->contigs[i], v->contig_len[i]));
		json_object_set_new(o, "variants", json_integer(f->contigs[i].n));
		json_object_set_new(o, "min_position", json_integer(f->contigs[i].min_pos));
		json_object_set_new(o, "max_position", json_integer(f->contigs[i].max_pos));
		json_array_append_new(cv, o);
	}
	json_object_set_new(root, "contig_variants", cv);
	for (i = 0; i < f->n_info; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(f->info[i].name));
		json_object_set_new(o, "array", json_string(f->info[i].array));
		json_object_set_new(o, "type", json_string(f->info[i].type));
		json_object_set_new(o, "number", json_string(f->info[i].number));
		if (f->info[i].width)
			json_object_set_new(o, "max_values", json_integer(f->info[i].width));
		json_array_append_new(info, o);
	}
	json_object_set_new(root, "info_fields", info);
	for (i = 0; i < f->n_filters; i++)
		json_array_append_new(filters, json_string(f->filters[i]));
	json_object_set_new(root, "filters", filters);
	for (i = 0; i < f->n_format; i++)
		json_array_append_new(fmt, json_string(f->format_fields[i]));
	json_object_set_new(root, "format_fields", fmt);
	json_object_set_new(root, "stored_bytes",
			    f->unlisted ? json_null() : json_integer((json_int_t)f->total_stored));
	json_object_set_new(mount, "bed_bytes",
			    f->bed_size ? json_integer((json_int_t)f->bed_size) : json_null());
	json_object_set_new(mount, "bgen_bytes",
			    f->bgen_size ? json_integer((json_int_t)f->bgen_size) : json_null());
	json_object_set_new(mount, "bgen_bytes_per_variant",
			    f->bgen_size ? json_integer(f->bgen_bpv) : json_null());
	json_object_set_new(mount, "bgen_total_string_length",
			    f->bgen_size ? json_integer(f->bgen_tsl) : json_null());
	json_object_set_new(mount, "needs_max_alleles_2", json_boolean(f->multiallelic > 0));
	json_object_set_new(root, "mount", mount);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
}

/* ------------------------------------------------------------ text */

static const char *grouped(int64_t v, char *buf, size_t cap)
{
	char tmp[32];
	size_t n, i, o = 0, start = 0;

	snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	n = strlen(tmp);
	if (tmp[0] == '-') {
		buf[o++] = '-';
		start = 1;
	}
	for (i = start; i < n && o + 2 < cap; i++) {
		if (i > start && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *human(uint64_t v, char *buf, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double x = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	snprintf(buf, cap, "%.1f %s", x, units[u]);
	return buf;
}

static void dims(const int64_t *d, int n, char *buf, size_t cap)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? " x " : "", (long long)d[i]);
	if (n == 0)
		snprintf(buf, cap, "scalar");
}

/* Items separated by spaces after a 10-column label, wrapped at 78 columns. */
struct wrapper {
	FILE *out;
	size_t col;
};

static void wrap_start(struct wrapper *w, FILE *out, const char *label)
{
	w->out = out;
	w->col = (size_t)fprintf(out, "  %-8s", label);
}

static void wrap_item(struct wrapper *w, const char *item)
{
	size_t n = strlen(item);

	if (w->col > 10 && w->col + 1 + n > 78) {
		fputs("\n          ", w->out);
		w->col = 10;
	} else if (w->col > 10) {
		fputc(' ', w->out);
		w->col++;
	}
	fputs(item, w->out);
	w->col += n;
}

static int cmp_stored(const void *a, const void *b)
{
	const struct array_facts *x = *(const struct array_facts *const *)a;
	const struct array_facts *y = *(const struct array_facts *const *)b;

	if (x->stored != y->stored)
		return x->stored < y->stored ? 1 : -1;
	return strcmp(x->name, y->name);
}

#define TEXT_MAX_CONTIGS 40
#define TEXT_MAX_ARRAYS	 10

/* The store line, counts, ploidy, phasing and chunking. */
static void print_text_summary(const struct facts *f, const char *path, FILE *out)
{
	const struct vcz *v = f->v;
	const char *src = zarr_group_attr_string(v->group, "source");
	char a[64], b[64], c[64];

	fprintf(out, "%s\n  %s store, Zarr v%d, VCF Zarr %s%s%s\n\n", path, store_kind(v->store),
		zarr_group_format(v->group), v->version ? v->version : "(no version)",
		src ? ", written by " : "", src ? src : "");
	fprintf(out, "  samples   %s", grouped((int64_t)v->n_samples, a, sizeof(a)));
	if (v->n_raw_samples != v->n_samples)
		fprintf(out, " (and %s null samples, never served)",
			grouped((int64_t)(v->n_raw_samples - v->n_samples), b, sizeof(b)));
	fprintf(out, "\n  variants  %s", grouped(v->n_variants, a, sizeof(a)));
	if (f->multiallelic)
		fprintf(out, " (%s biallelic, %s multi-allelic: mounts and views need -M 2)",
			grouped(f->biallelic, b, sizeof(b)),
			grouped(f->multiallelic, c, sizeof(c)));
	fputc('\n', out);
	if (v->gt)
		fprintf(out, "  ploidy    %d\n", v->ploidy);
	else
		fputs("  ploidy    - (no call_genotype)\n", out);
	if (!v->phased)
		fputs("  phasing   unphased (no call_genotype_phased)\n", out);
	else if (f->sampled_calls)
		fprintf(out, "  phasing   %.1f %% of calls phased in the first chunk (%s calls)\n",
			100.0 * (double)f->phased_calls / (double)f->sampled_calls,
			grouped(f->sampled_calls, a, sizeof(a)));
	else
		fputs("  phasing   call_genotype_phased present\n", out);
	if (v->gt) {
		dims(zarr_array_chunks(v->gt), zarr_array_ndim(v->gt), a, sizeof(a));
		fprintf(out, "  chunks    %s variants x %s samples (call_genotype chunk %s)\n",
			grouped(zarr_array_chunks(v->gt)[0], b, sizeof(b)),
			grouped(zarr_array_chunks(v->gt)[1], c, sizeof(c)), a);
	}
}

/* Contigs with variants, their counts and position ranges. */
static void print_text_contigs(const struct facts *f, FILE *out)
{
	const struct vcz *v = f->v;
	char a[64], b[64], c[64];
	size_t i, shown, with = 0;

	for (i = 0; i < v->n_contigs; i++)
		with += f->contigs[i].n > 0;
	fprintf(out, "\ncontigs: %zu with variants, of %zu\n", with, v->n_contigs);
	for (i = 0, shown = 0; i < v->n_contigs; i++) {
		if (!f->contigs[i].n)
			continue;
		if (shown++ == TEXT_MAX_CONTIGS) {
			fprintf(out, "  ... and %zu more (--json lists them all)\n",
				with - TEXT_MAX_CONTIGS);
			break;
		}
		fprintf(out, "  %-12.*s %12s variant%s  %s - %s\n", (int)v->contig_len[i],
			v->contigs[i], grouped(f->contigs[i].n, a, sizeof(a)),
			f->contigs[i].n == 1 ? " " : "s",
			grouped(f->contigs[i].min_pos, b, sizeof(b)),
			grouped(f->contigs[i].max_pos, c, sizeof(c)));
	}
}

/* The fields -i/-e can name. */
static void print_text_fields(const struct facts *f, FILE *out)
{
	struct wrapper w;
	size_t i;

	fputs("\nfields for -i/-e:\n  site    CHROM POS ID REF ALT QUAL FILTER\n", out);
	if (f->n_filters) {
		wrap_start(&w, out, "FILTER");
		for (i = 0; i < f->n_filters; i++)
			wrap_item(&w, f->filters[i]);
		fputc('\n', out);
	}
	wrap_start(&w, out, "INFO");
	if (!f->n_info)
		wrap_item(&w, "(none)");
	for (i = 0; i < f->n_info; i++) {
		char item[160], num[48];

		if (f->info[i].width)
			snprintf(num, sizeof(num), ".(<=%lld)", (long long)f->info[i].width);
		else
			snprintf(num, sizeof(num), "%s", f->info[i].number);
		snprintf(item, sizeof(item), "%s (%s, %s)%s", f->info[i].name, f->info[i].type, num,
			 i + 1 < f->n_info ? "," : "");
		wrap_item(&w, item);
	}
	fputc('\n', out);
	if (f->n_format) {
		wrap_start(&w, out, "FORMAT");
		for (i = 0; i < f->n_format; i++)
			wrap_item(&w, f->format_fields[i]);
		fputc('\n', out);
	}
}

/* Stored size and the largest arrays. */
static void print_text_storage(const struct facts *f, FILE *out)
{
	const struct array_facts **order;
	char a[64], b[64], d[64];
	size_t i, shown;

	order = bf_calloc(f->n_arrays ? f->n_arrays : 1, sizeof(*order));
	if (f->unlisted)
		fprintf(out, "\nstorage: %zu arrays (the store cannot list its keys: no sizes)",
			f->n_arrays);
	else
		fprintf(out, "\nstorage: %s in %zu arrays", human(f->total_stored, a, sizeof(a)),
			f->n_arrays);
	if (order && !f->unlisted) {
		for (i = 0; i < f->n_arrays; i++)
			order[i] = &f->arrays[i];
		qsort(order, f->n_arrays, sizeof(*order), cmp_stored);
		shown = f->n_arrays < TEXT_MAX_ARRAYS ? f->n_arrays : TEXT_MAX_ARRAYS;
		fprintf(out, "%s\n", f->n_arrays > shown ? ", the largest:" : "");
		fprintf(out, "  %-22s %-18s %-18s %10s %6s\n", "array", "shape", "chunks", "stored",
			"ratio");
		for (i = 0; i < shown; i++) {
			const struct array_facts *af = order[i];
			char sh[64], ch[64];

			dims(zarr_array_shape(af->a), zarr_array_ndim(af->a), sh, sizeof(sh));
			dims(zarr_array_chunks(af->a), zarr_array_ndim(af->a), ch, sizeof(ch));
			if (af->nbytes && af->stored)
				snprintf(d, sizeof(d), "%.1fx",
					 (double)af->nbytes / (double)af->stored);
			else
				snprintf(d, sizeof(d), "-");
			fprintf(out, "  %-22s %-18s %-18s %10s %6s\n", af->name, sh, ch,
				human(af->stored, b, sizeof(b)), d);
		}
	} else {
		fputc('\n', out);
	}
	bf_free(order);
}

/* What a mount of the whole store serves. */
static void print_text_mount(const struct facts *f, FILE *out)
{
	const struct vcz *v = f->v;
	char a[64], b[64], c[64];

	fprintf(out, "\na mount of the whole store%s serves:\n",
		f->multiallelic ? " (with -M 2)" : "");
	if (!f->bed_size) {
		fprintf(out, "  nothing: %s\n",
			!v->gt ? "the store has no call_genotype"
			: !v->n_samples
			    ? "the store has no samples"
			    : "no biallelic site (the selection would keep no variants)");
		return;
	}
	fprintf(out, "  mount-plink  .bed   %s (%s bytes)\n", human(f->bed_size, a, sizeof(a)),
		grouped((int64_t)f->bed_size, b, sizeof(b)));
	if (f->bgen_size) {
		fprintf(out, "  mount-bgen   .bgen  %s (%s bytes, %s a variant)",
			human(f->bgen_size, a, sizeof(a)),
			grouped((int64_t)f->bgen_size, b, sizeof(b)),
			grouped(f->bgen_bpv, c, sizeof(c)));
		if (f->bgen_tsl != 64)
			fprintf(out, " with --total-string-length %u (the default 64 is too short)",
				f->bgen_tsl);
		fputs(",\n               if every call has that ploidy (mixed ploidy is "
		      "refused)\n",
		      out);
	} else {
		fputs("  mount-bgen   .bgen  - (needs ploidy 1 or 2 within BGEN's limits)\n", out);
	}
}

static void print_text(const struct facts *f, const char *path, FILE *out)
{
	print_text_summary(f, path, out);
	print_text_contigs(f, out);
	print_text_fields(f, out);
	print_text_storage(f, out);
	print_text_mount(f, out);
}

int cmd_inspect(const char *path, const struct store_config *cfg, bool json, FILE *out)
{
	struct facts f;
	struct bf_err err;
	int rc;

	bf_err_clear(&err);
	rc = gather(path, cfg, &f, &err);
	if (rc == 0) {
		if (json)
			rc = print_json(&f, out, &err);
		else
			print_text(&f, path, out);
	}
	facts_release(&f);
	return rc < 0 ? cmd_fail(&err) : 0;
}
