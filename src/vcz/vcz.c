/*
 * vcz.c - the VCF Zarr schema as typed blocks (see vcz.h).
 */
#include "util/bf_config.h"

#include "vcz/vcz.h"
#include "vcz/vcz_internal.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int64_t vcz_load_int(const void *buf, size_t i, const struct zarr_dtype *dt)
{
	const uint8_t *p = (const uint8_t *)buf + i * (size_t)dt->itemsize;

	if (dt->kind == ZARR_KIND_UINT) {
		switch (dt->itemsize) {
		case 1:
			return *p;
		case 2: {
			uint16_t x;
			memcpy(&x, p, 2);
			return x;
		}
		case 4: {
			uint32_t x;
			memcpy(&x, p, 4);
			return x;
		}
		default: {
			uint64_t x;
			memcpy(&x, p, 8);
			return x > INT64_MAX ? INT64_MAX : (int64_t)x;
		}
		}
	}
	switch (dt->itemsize) {
	case 1:
		return (int8_t)*p;
	case 2: {
		int16_t x;
		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		int32_t x;
		memcpy(&x, p, 4);
		return x;
	}
	default: {
		int64_t x;
		memcpy(&x, p, 8);
		return x;
	}
	}
}

static bool is_int_like(const struct zarr_dtype *dt)
{
	return dt->kind == ZARR_KIND_INT || dt->kind == ZARR_KIND_UINT ||
	       dt->kind == ZARR_KIND_BOOL;
}

/* Decode a whole 1-D or N-D chunk of a fixed-size array into a new buffer. */
static int read_chunk_alloc(struct zarr_array *a, const int64_t *idx, void **buf, size_t *len,
			    struct zarr_dctx *dc, struct bf_err *err)
{
	size_t n;
	void *p;
	int rc;

	if (!bf_size_mul(zarr_array_chunk_nelem(a), (size_t)zarr_array_dtype(a)->itemsize, &n))
		return bf_err_set(err, BF_E_FORMAT, "array '%s': chunk too large",
				  zarr_array_name(a));
	p = bf_malloc(n);
	if (!p)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = zarr_array_read_chunk_ctx(a, idx, p, n, dc, err);
	if (rc < 0) {
		bf_free(p);
		return rc;
	}
	*buf = p;
	*len = n;
	return 0;
}

/* Rows [row0, row0+n) of a 1-D integer array, widened to int64. */
static int read_int_rows(struct zarr_array *a, int64_t row0, int64_t n, int64_t *out,
			 struct zarr_dctx *dc, struct bf_err *err)
{
	const int64_t ch = zarr_array_chunks(a)[0];
	int64_t done = 0;

	while (done < n) {
		int64_t r = row0 + done;
		int64_t idx[ZARR_MAX_DIMS] = {0};
		int64_t off = r % ch, take;
		void *buf = NULL;
		size_t len;
		int64_t i;

		idx[0] = r / ch;
		take = ch - off;
		if (take > n - done)
			take = n - done;
		BF_FORWARD(read_chunk_alloc(a, idx, &buf, &len, dc, err));
		for (i = 0; i < take; i++)
			out[done + i] = vcz_load_int(buf, (size_t)(off + i), zarr_array_dtype(a));
		bf_free(buf);
		done += take;
	}
	return 0;
}

/* All values of a 1-D string array as NUL-terminated copies. */
static int read_all_strings(struct zarr_array *a, char ***out, size_t **lens, size_t *n_out,
			    struct bf_err *err)
{
	const int64_t n = zarr_array_shape(a)[0];
	const int64_t ch = zarr_array_chunks(a)[0];
	char **s = NULL;
	size_t *l = NULL;
	int64_t c, i, nc = zarr_array_nchunks(a, 0);
	int rc = 0;

	*out = NULL;
	*lens = NULL;
	*n_out = 0;
	if (zarr_array_dtype(a)->kind != ZARR_KIND_STRING)
		return bf_err_set(err, BF_E_FORMAT, "array '%s' is not a string array",
				  zarr_array_name(a));
	s = bf_calloc((size_t)n + 1, sizeof(*s));
	l = bf_calloc((size_t)n + 1, sizeof(*l));
	if (!s || !l) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (c = 0; c < nc; c++) { /* remote stores: every chunk in flight at once */
		int64_t idx[ZARR_MAX_DIMS] = {0};

		idx[0] = c;
		zarr_array_prefetch(a, idx, 1);
	}
	for (c = 0; c < nc; c++) {
		int64_t idx[ZARR_MAX_DIMS] = {0};
		struct zarr_strings zs = {0};
		int64_t ext = zarr_array_chunk_extent(a, 0, c);

		idx[0] = c;
		rc = zarr_array_read_chunk_strings(a, idx, &zs, err);
		if (rc < 0)
			goto fail;
		for (i = 0; i < ext && (size_t)i < zs.n; i++) {
			int64_t k = c * ch + i;

			s[k] = bf_strndup((const char *)zs.data + zs.off[i], zs.len[i]);
			l[k] = zs.len[i];
			if (!s[k]) {
				zarr_strings_release(&zs);
				rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
				goto fail;
			}
		}
		zarr_strings_release(&zs);
	}
	for (i = 0; i < n; i++) {
		if (!s[i] && !(s[i] = bf_strdup(""))) {
			rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	*out = s;
	*lens = l;
	*n_out = (size_t)n;
	return 0;
fail:
	if (s)
		for (i = 0; i < n; i++)
			bf_free(s[i]);
	bf_free(s);
	bf_free(l);
	return rc;
}

static struct zarr_array *open_optional(struct vcz *v, const char *name, int *rc,
					struct bf_err *err)
{
	struct bf_err e2;
	struct zarr_array *a;

	bf_err_clear(&e2);
	a = zarr_array_open(v->group, name, &e2);
	if (!a && e2.code != BF_E_NOTFOUND) {
		bf_err_copy(err, &e2);
		*rc = e2.code;
	}
	return a;
}

static struct zarr_array *open_required(struct vcz *v, const char *name, int *rc,
					struct bf_err *err)
{
	struct zarr_array *a = zarr_array_open(v->group, name, err);

	if (!a) {
		if (err && err->code == BF_E_NOTFOUND)
			bf_err_set(err, BF_E_FORMAT, "'%s' is not a VCF Zarr store: no '%s' array",
				   v->path, name);
		*rc = err ? err->code : BF_E_FORMAT;
	}
	return a;
}

static int check_variant_axis(struct vcz *v, struct zarr_array *a, struct bf_err *err)
{
	int64_t ch;

	if (!a)
		return 0;
	if (zarr_array_ndim(a) < 1 || zarr_array_shape(a)[0] != v->n_variants)
		return bf_err_set(err, BF_E_FORMAT,
				  "array '%s' has %lld rows, but the store has %lld variants",
				  zarr_array_name(a), (long long)zarr_array_shape(a)[0],
				  (long long)v->n_variants);
	ch = zarr_array_chunks(a)[0];
	if (ch % v->vchunk != 0)
		return bf_err_set(err, BF_E_FORMAT,
				  "array '%s': variants chunk size %lld is not a multiple of the "
				  "genotype chunk size %lld",
				  zarr_array_name(a), (long long)ch, (long long)v->vchunk);
	return 0;
}

static int vcz_load(struct vcz *v, struct bf_err *err)
{
	int rc = 0;
	size_t i, k;
	struct zarr_array *sid, *cid;

	v->group = zarr_group_open(v->store, err);
	if (!v->group)
		return err ? err->code : BF_E_FORMAT;
	v->version = zarr_group_attr_string(v->group, "vcf_zarr_version");
	{
		static const char *const arrays[] = {
		    "sample_id",      "contig_id",  "variant_position", "variant_contig",
		    "variant_allele", "variant_id", "call_genotype",	"call_genotype_phased",
		    "variant_length"};

		zarr_group_prefetch_arrays(v->group, arrays, sizeof(arrays) / sizeof(arrays[0]));
	}

	sid = open_required(v, "sample_id", &rc, err);
	if (!sid)
		return rc;
	rc = read_all_strings(sid, &v->raw_sample_ids, &v->raw_sample_len, &v->n_raw_samples, err);
	zarr_array_free(sid);
	if (rc < 0)
		return bf_err_prefix(err, "array 'sample_id'");
	v->samples = bf_calloc(v->n_raw_samples + 1, sizeof(size_t));
	if (!v->samples)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (i = 0, k = 0; i < v->n_raw_samples; i++)
		if (v->raw_sample_len[i] > 0)
			v->samples[k++] = i;
	v->n_samples = k;

	cid = open_required(v, "contig_id", &rc, err);
	if (!cid)
		return rc;
	rc = read_all_strings(cid, &v->contigs, &v->contig_len, &v->n_contigs, err);
	zarr_array_free(cid);
	if (rc < 0)
		return bf_err_prefix(err, "array 'contig_id'");

	if (!(v->pos = open_required(v, "variant_position", &rc, err)))
		return rc;
	if (!(v->contig = open_required(v, "variant_contig", &rc, err)))
		return rc;
	if (!(v->allele = open_required(v, "variant_allele", &rc, err)))
		return rc;
	v->id = open_optional(v, "variant_id", &rc, err);
	v->gt = open_optional(v, "call_genotype", &rc, err);
	v->phased = open_optional(v, "call_genotype_phased", &rc, err);
	v->length = open_optional(v, "variant_length", &rc, err);
	if (rc < 0)
		return rc;

	if (zarr_array_ndim(v->pos) != 1 || !is_int_like(zarr_array_dtype(v->pos)))
		return bf_err_set(err, BF_E_FORMAT, "array 'variant_position' must be 1-D integer");
	if (zarr_array_ndim(v->contig) != 1 || !is_int_like(zarr_array_dtype(v->contig)))
		return bf_err_set(err, BF_E_FORMAT, "array 'variant_contig' must be 1-D integer");
	if (zarr_array_ndim(v->allele) != 2 ||
	    zarr_array_dtype(v->allele)->kind != ZARR_KIND_STRING)
		return bf_err_set(err, BF_E_FORMAT, "array 'variant_allele' must be 2-D strings");
	if (v->id &&
	    (zarr_array_ndim(v->id) != 1 || zarr_array_dtype(v->id)->kind != ZARR_KIND_STRING))
		return bf_err_set(err, BF_E_FORMAT, "array 'variant_id' must be 1-D strings");
	v->n_variants = zarr_array_shape(v->pos)[0];
	v->n_allele_cols = (int)zarr_array_shape(v->allele)[1];

	if (v->gt) {
		const int64_t *sh = zarr_array_shape(v->gt);

		if (zarr_array_ndim(v->gt) != 3 || !is_int_like(zarr_array_dtype(v->gt)))
			return bf_err_set(err, BF_E_FORMAT,
					  "array 'call_genotype' must be 3-D integer");
		if ((size_t)sh[1] != v->n_raw_samples)
			return bf_err_set(err, BF_E_FORMAT,
					  "array 'call_genotype' has %lld samples, 'sample_id' %zu",
					  (long long)sh[1], v->n_raw_samples);
		if (sh[2] < 1 || sh[2] > 64)
			return bf_err_set(err, BF_E_FORMAT, "array 'call_genotype': ploidy %lld",
					  (long long)sh[2]);
		if (zarr_array_chunks(v->gt)[2] != sh[2])
			return bf_err_set(err, BF_E_UNSUPPORTED,
					  "array 'call_genotype': the ploidy axis is chunked");
		v->ploidy = (int)sh[2];
		v->vchunk = zarr_array_chunks(v->gt)[0];
		v->schunk = zarr_array_chunks(v->gt)[1];
		if (v->phased) {
			const int64_t *ps = zarr_array_shape(v->phased);
			const int64_t *pc = zarr_array_chunks(v->phased);

			if (zarr_array_ndim(v->phased) != 2 || ps[1] != sh[1] ||
			    pc[0] != v->vchunk || pc[1] != v->schunk)
				return bf_err_set(err, BF_E_FORMAT,
						  "array 'call_genotype_phased' does not match "
						  "'call_genotype' in shape or chunks");
		}
	} else {
		v->vchunk = zarr_array_chunks(v->pos)[0];
		v->vchunk = gcd64(v->vchunk, zarr_array_chunks(v->contig)[0]);
		v->vchunk = gcd64(v->vchunk, zarr_array_chunks(v->allele)[0]);
		if (v->id)
			v->vchunk = gcd64(v->vchunk, zarr_array_chunks(v->id)[0]);
		v->schunk = 1;
		v->phased = NULL;
	}
	if (v->vchunk <= 0)
		return bf_err_set(err, BF_E_FORMAT, "bad variants chunk size");
	BF_FORWARD(check_variant_axis(v, v->gt, err));
	BF_FORWARD(check_variant_axis(v, v->pos, err));
	BF_FORWARD(check_variant_axis(v, v->contig, err));
	BF_FORWARD(check_variant_axis(v, v->allele, err));
	BF_FORWARD(check_variant_axis(v, v->id, err));
	if (zarr_array_chunks(v->allele)[1] != zarr_array_shape(v->allele)[1] &&
	    zarr_array_shape(v->allele)[1] > 0)
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "array 'variant_allele': the alleles axis is chunked");
	v->n_vchunks = (v->n_variants + v->vchunk - 1) / v->vchunk;
	return 0;
}

struct vcz *vcz_open(const char *path, struct bf_err *err)
{
	return vcz_open_cfg(path, NULL, err);
}

struct vcz *vcz_open_cfg(const char *path, const struct store_config *cfg, struct bf_err *err)
{
	struct vcz *v = bf_calloc(1, sizeof(*v));

	if (!v || !(v->path = bf_strdup(path))) {
		bf_free(v);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	v->store = store_open_cfg(path, cfg, err);
	if (!v->store || vcz_load(v, err) < 0) {
		vcz_free(v);
		return NULL;
	}
	return v;
}

static void free_strs(char **s, size_t *l, size_t n)
{
	size_t i;

	if (s)
		for (i = 0; i < n; i++)
			bf_free(s[i]);
	bf_free(s);
	bf_free(l);
}

void vcz_drop_sample_ids(struct vcz *v)
{
	free_strs(v->raw_sample_ids, v->raw_sample_len, v->n_raw_samples);
	v->raw_sample_ids = NULL;
	v->raw_sample_len = NULL;
}

void vcz_free(struct vcz *v)
{
	if (!v)
		return;
	zarr_array_free(v->pos);
	zarr_array_free(v->contig);
	zarr_array_free(v->allele);
	zarr_array_free(v->id);
	zarr_array_free(v->gt);
	zarr_array_free(v->phased);
	zarr_array_free(v->length);
	free_strs(v->raw_sample_ids, v->raw_sample_len, v->n_raw_samples);
	free_strs(v->contigs, v->contig_len, v->n_contigs);
	bf_free(v->samples);
	zarr_group_free(v->group);
	store_free(v->store);
	bf_free(v->path);
	bf_free(v);
}

int64_t vcz_chunk_rows(const struct vcz *v, int64_t ci)
{
	int64_t r = v->n_variants - ci * v->vchunk;

	if (r < 0)
		return 0;
	return r < v->vchunk ? r : v->vchunk;
}

/* Decode the chunk of string array `a` that holds global row `row`. */
static int read_strings_for_row(struct zarr_array *a, int64_t row, struct zarr_strings *zs,
				int64_t *row0, struct zarr_dctx *dc, struct bf_err *err)
{
	int64_t idx[ZARR_MAX_DIMS] = {0};
	int64_t ch = zarr_array_chunks(a)[0];

	idx[0] = row / ch;
	*row0 = row % ch;
	return zarr_array_read_chunk_strings_ctx(a, idx, zs, dc, err);
}

static int meta_read(struct vcz *v, int64_t ci, struct vcz_meta *m, struct zarr_dctx *dc,
		     struct bf_err *err);

/* Chunks of variant metadata hinted to the store per meta_read (this one included). */
#define VCZ_META_AHEAD 5

int vcz_meta_read(struct vcz *v, int64_t ci, struct vcz_meta *m, struct bf_err *err)
{
	return meta_read(v, ci, m, NULL, err);
}

int vcz_reader_meta(struct vcz_reader *r, int64_t ci, struct vcz_meta *m, struct bf_err *err)
{
	return meta_read(vcz_reader_vcz(r), ci, m, vcz_reader_dctx(r), err);
}

static int meta_read(struct vcz *v, int64_t ci, struct vcz_meta *m, struct zarr_dctx *dc,
		     struct bf_err *err)
{
	int64_t row0 = ci * v->vchunk;
	int rc;

	memset(m, 0, sizeof(*m));
	m->ci = ci;
	m->n = vcz_chunk_rows(v, ci);
	m->n_allele_cols = v->n_allele_cols;
	m->contig = bf_calloc((size_t)m->n + 1, sizeof(int64_t));
	m->pos = bf_calloc((size_t)m->n + 1, sizeof(int64_t));
	m->alleles = bf_calloc(1, sizeof(*m->alleles));
	m->ids = bf_calloc(1, sizeof(*m->ids));
	if (!m->contig || !m->pos || !m->alleles || !m->ids) {
		vcz_meta_release(m);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	if (m->n == 0)
		return 0;
	/* remote stores: this chunk's four arrays at once, and the next chunks' */
	for (int64_t k = 0; k < VCZ_META_AHEAD; k++)
		vcz_prefetch(v, ci + k, true, false);
	rc = read_int_rows(v->contig, row0, m->n, m->contig, dc, err);
	if (rc == 0)
		rc = read_int_rows(v->pos, row0, m->n, m->pos, dc, err);
	if (rc == 0)
		rc = read_strings_for_row(v->allele, row0, m->alleles, &m->allele_row0, dc, err);
	if (rc == 0 && v->id) {
		rc = read_strings_for_row(v->id, row0, m->ids, &m->id_row0, dc, err);
		m->has_id = true;
	}
	if (rc < 0) {
		vcz_meta_release(m);
		return rc;
	}
	for (int64_t r = 0; r < m->n; r++) {
		if (m->contig[r] < 0 || (uint64_t)m->contig[r] >= v->n_contigs) {
			int64_t bad = m->contig[r];

			vcz_meta_release(m);
			return bf_err_set(
			    err, BF_E_FORMAT,
			    "array 'variant_contig': value %lld at variant %lld is not "
			    "a contig index (store has %zu contigs)",
			    (long long)bad, (long long)(row0 + r), v->n_contigs);
		}
	}
	return 0;
}

void vcz_meta_release(struct vcz_meta *m)
{
	if (!m)
		return;
	bf_free(m->contig);
	bf_free(m->pos);
	if (m->alleles)
		zarr_strings_release(m->alleles);
	if (m->ids)
		zarr_strings_release(m->ids);
	bf_free(m->alleles);
	bf_free(m->ids);
	memset(m, 0, sizeof(*m));
}

void vcz_meta_allele(const struct vcz_meta *m, int64_t r, int col, const char **p, size_t *len)
{
	size_t i = (size_t)(m->allele_row0 + r) * (size_t)m->n_allele_cols + (size_t)col;

	if (col >= m->n_allele_cols || !m->alleles || i >= m->alleles->n) {
		*p = "";
		*len = 0;
		return;
	}
	*p = (const char *)m->alleles->data + m->alleles->off[i];
	*len = m->alleles->len[i];
}

void vcz_meta_id(const struct vcz_meta *m, int64_t r, const char **p, size_t *len)
{
	size_t i = (size_t)(m->id_row0 + r);

	if (!m->has_id || !m->ids || i >= m->ids->n) {
		*p = "";
		*len = 0;
		return;
	}
	*p = (const char *)m->ids->data + m->ids->off[i];
	*len = m->ids->len[i];
}

int vcz_meta_n_alt(const struct vcz_meta *m, int64_t r)
{
	int c, n = 0;

	for (c = 1; c < m->n_allele_cols; c++) {
		const char *p;
		size_t len;

		vcz_meta_allele(m, r, c, &p, &len);
		n += len > 0;
	}
	return n;
}

bool vcz_meta_multi_allelic(const struct vcz_meta *m, int64_t r)
{
	int c;

	for (c = 2; c < m->n_allele_cols; c++) {
		const char *p;
		size_t len;

		vcz_meta_allele(m, r, c, &p, &len);
		if (len > 0)
			return true;
	}
	return false;
}

static int run_cmp(const void *a, const void *b)
{
	const struct vcz_run *x = a, *y = b;

	if (x->schunk != y->schunk)
		return x->schunk < y->schunk ? -1 : 1;
	return x->out0 < y->out0 ? -1 : (x->out0 > y->out0);
}

int vcz_samplesel_init(const struct vcz *v, const size_t *raw, size_t n, struct vcz_samplesel *sel,
		       struct bf_err *err)
{
	size_t i, nr = 0;
	const size_t sc = (size_t)(v->schunk > 0 ? v->schunk : 1);

	memset(sel, 0, sizeof(*sel));
	sel->raw = bf_calloc(n + 1, sizeof(size_t));
	sel->runs = bf_calloc(n + 1, sizeof(struct vcz_run));
	if (!sel->raw || !sel->runs) {
		vcz_samplesel_release(sel);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	sel->n = n;
	sel->whole = n == v->n_raw_samples;
	for (i = 0; i < n; i++) {
		size_t r = raw[i];

		if (r >= v->n_raw_samples || !v->raw_sample_len || v->raw_sample_len[r] == 0) {
			vcz_samplesel_release(sel);
			return bf_err_set(err, BF_E_INVAL, "sample index %zu is not selectable", r);
		}
		sel->raw[i] = r;
		if (r != i)
			sel->whole = false;
		if (nr > 0) {
			struct vcz_run *last = &sel->runs[nr - 1];

			if ((size_t)last->schunk == r / sc &&
			    last->local0 + last->count == r % sc && last->out0 + last->count == i) {
				last->count++;
				continue;
			}
		}
		sel->runs[nr].schunk = (int64_t)(r / sc);
		sel->runs[nr].local0 = r % sc;
		sel->runs[nr].count = 1;
		sel->runs[nr].out0 = i;
		nr++;
	}
	sel->n_runs = nr;
	qsort(sel->runs, nr, sizeof(*sel->runs), run_cmp);
	return 0;
}

void vcz_samplesel_release(struct vcz_samplesel *sel)
{
	if (!sel)
		return;
	bf_free(sel->raw);
	bf_free(sel->runs);
	memset(sel, 0, sizeof(*sel));
}

/* Chunk of variants-axis array `a` that holds min chunk `ci`'s first row. */
static void hint_rows(const struct vcz *v, const struct zarr_array *a, int64_t ci)
{
	int64_t idx[ZARR_MAX_DIMS] = {0};

	if (!a)
		return;
	idx[0] = ci * v->vchunk / zarr_array_chunks(a)[0];
	zarr_array_prefetch(a, idx, 1);
}

void vcz_prefetch(const struct vcz *v, int64_t ci, bool meta, bool gt)
{
	if (ci < 0 || ci >= v->n_vchunks)
		return;
	if (gt && v->gt) {
		int64_t idx[8 * ZARR_MAX_DIMS] = {0};
		int64_t j, ns = zarr_array_nchunks(v->gt, 1), nd = zarr_array_ndim(v->gt);
		size_t k = 0;

		for (j = 0; j < ns; j++) {
			idx[k * (size_t)nd] = ci;
			idx[k * (size_t)nd + 1] = j;
			if (++k == 8 || j + 1 == ns) {
				zarr_array_prefetch(v->gt, idx, k);
				memset(idx, 0, sizeof(idx));
				k = 0;
			}
		}
		if (v->phased) {
			for (j = 0; j < ns; j++) {
				int64_t p[ZARR_MAX_DIMS] = {ci, j};

				zarr_array_prefetch(v->phased, p, 1);
			}
		}
	}
	if (meta) {
		hint_rows(v, v->pos, ci);
		hint_rows(v, v->contig, ci);
		hint_rows(v, v->allele, ci);
		hint_rows(v, v->id, ci);
	}
}

int vcz_read_lengths(struct vcz *v, int64_t ci, int64_t *out, struct bf_err *err)
{
	int64_t n = vcz_chunk_rows(v, ci);

	if (!v->length)
		return bf_err_set(err, BF_E_NOTFOUND, "the store has no 'variant_length' array");
	if (zarr_array_ndim(v->length) != 1 || !is_int_like(zarr_array_dtype(v->length)) ||
	    zarr_array_shape(v->length)[0] != v->n_variants)
		return bf_err_set(err, BF_E_FORMAT,
				  "array 'variant_length' must be 1-D integer, one per variant");
	return n > 0 ? read_int_rows(v->length, ci * v->vchunk, n, out, NULL, err) : 0;
}

int vcz_region_index_read(struct vcz *v, struct vcz_region_index *ri, struct bf_err *err)
{
	struct zarr_array *a;
	const int64_t *shape, *chunks;
	int64_t c, nc, r;
	int rc = 0;

	memset(ri, 0, sizeof(*ri));
	ri->pos_chunk = zarr_array_chunks(v->pos)[0];
	a = open_optional(v, "region_index", &rc, err);
	if (!a)
		return rc < 0 ? rc : bf_err_set(err, BF_E_NOTFOUND, "no 'region_index' array");
	shape = zarr_array_shape(a);
	chunks = zarr_array_ndim(a) == 2 ? zarr_array_chunks(a) : NULL;
	if (!chunks || !is_int_like(zarr_array_dtype(a)) || shape[1] < 6 || chunks[1] < shape[1]) {
		zarr_array_free(a);
		return bf_err_set(err, BF_E_UNSUPPORTED,
				  "array 'region_index' is not an (R, 6) "
				  "integer matrix in row chunks");
	}
	ri->rows = bf_calloc((size_t)shape[0] * 6 + 1, sizeof(int64_t));
	if (!ri->rows) {
		zarr_array_free(a);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	nc = zarr_array_nchunks(a, 0);
	for (c = 0; c < nc && rc == 0; c++) {
		int64_t idx[ZARR_MAX_DIMS] = {0}, ext = zarr_array_chunk_extent(a, 0, c);
		void *buf = NULL;
		size_t len;

		idx[0] = c;
		rc = read_chunk_alloc(a, idx, &buf, &len, NULL, err);
		for (r = 0; rc == 0 && r < ext; r++) {
			for (int k = 0; k < 6; k++)
				ri->rows[(c * chunks[0] + r) * 6 + k] = vcz_load_int(
				    buf, (size_t)(r * chunks[1] + k), zarr_array_dtype(a));
		}
		bf_free(buf);
	}
	ri->n = (size_t)shape[0];
	zarr_array_free(a);
	if (rc < 0)
		vcz_region_index_release(ri);
	return rc;
}

void vcz_region_index_release(struct vcz_region_index *ri)
{
	if (!ri)
		return;
	bf_free(ri->rows);
	memset(ri, 0, sizeof(*ri));
}

void vcz_release_idle(struct vcz *v)
{
	store_trim(v->store);
}

int vcz_read_sites(struct vcz *v, int64_t ci, int64_t *contig, int64_t *pos, struct bf_err *err)
{
	int64_t row0 = ci * v->vchunk, n = vcz_chunk_rows(v, ci);

	if (n <= 0)
		return 0;
	BF_FORWARD(read_int_rows(v->contig, row0, n, contig, NULL, err));
	BF_FORWARD(read_int_rows(v->pos, row0, n, pos, NULL, err));
	for (int64_t r = 0; r < n; r++) {
		if (contig[r] < 0 || (uint64_t)contig[r] >= v->n_contigs)
			return bf_err_set(
			    err, BF_E_FORMAT,
			    "array 'variant_contig': value %lld at variant %lld is not "
			    "a contig index (store has %zu contigs)",
			    (long long)contig[r], (long long)(row0 + r), v->n_contigs);
	}
	return 0;
}
