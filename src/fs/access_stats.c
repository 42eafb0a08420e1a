/*
 * access_stats.c - per-file figures of a JSONL access log (see access_stats.h).
 *
 * Every read record is kept (40 bytes each) until the log is read, then each
 * file's reads are sorted twice: by (fh, t_start) for sequentiality, by
 * offset for the union of intervals; latencies are sorted for percentiles.
 * A mount serves a handful of files, so files are found by a linear search
 * that starts with the last one used.
 */
#include "util/bf_config.h"

#include "fs/access_stats.h"
#include "util/alloc.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	uint64_t fh, off, size;
	double t0, lat;
};

struct fwork {
	struct rd *r;
	size_t n, cap;
};

struct reader {
	struct access_stats *s;
	struct fwork *w; /* parallel to s->files */
	size_t cap;
	size_t last;
};

uint64_t access_stats_bucket_limit(int k)
{
	if (k < 0 || k >= ACCESS_HIST_BUCKETS - 1)
		return 0;
	return (uint64_t)512 << k;
}

static int hist_bucket(uint64_t size)
{
	int k;

	for (k = 0; k < ACCESS_HIST_BUCKETS - 1; k++) {
		if (size <= ((uint64_t)512 << k))
			return k;
	}
	return ACCESS_HIST_BUCKETS - 1;
}

/* @return the index of `path`'s file, adding it; -1 when out of memory. */
static long file_index(struct reader *rd, const char *path)
{
	struct access_stats *s = rd->s;
	size_t i;

	if (rd->last < s->n_files && !strcmp(s->files[rd->last].path, path))
		return (long)rd->last;
	for (i = 0; i < s->n_files; i++) {
		if (!strcmp(s->files[i].path, path)) {
			rd->last = i;
			return (long)i;
		}
	}
	if (s->n_files == rd->cap) {
		size_t nc = rd->cap ? rd->cap * 2 : 8;
		struct access_file_stats *nf = bf_realloc(s->files, nc * sizeof(*nf));
		struct fwork *nw;

		if (!nf)
			return -1;
		s->files = nf;
		nw = bf_realloc(rd->w, nc * sizeof(*nw));
		if (!nw)
			return -1;
		rd->w = nw;
		rd->cap = nc;
	}
	memset(&s->files[s->n_files], 0, sizeof(s->files[0]));
	memset(&rd->w[s->n_files], 0, sizeof(rd->w[0]));
	s->files[s->n_files].path = bf_strdup(path);
	if (!s->files[s->n_files].path)
		return -1;
	rd->last = s->n_files;
	return (long)s->n_files++;
}

static int add_read(struct fwork *w, const struct rd *r)
{
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 256;
		struct rd *nr = bf_realloc(w->r, nc * sizeof(*nr));

		if (!nr)
			return BF_E_NOMEM;
		w->r = nr;
		w->cap = nc;
	}
	w->r[w->n++] = *r;
	return 0;
}

static bool get_u64(json_t *o, const char *k, uint64_t *v)
{
	json_t *x = json_object_get(o, k);

	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return false;
	*v = (uint64_t)json_integer_value(x);
	return true;
}

static bool get_time(json_t *o, const char *k, double *v)
{
	json_t *x = json_object_get(o, k);

	if (!json_is_number(x))
		return false;
	*v = json_number_value(x);
	return isfinite(*v);
}

/* One line of the log. */
static int parse_line(struct reader *rd, const char *line, const char *name, uint64_t lineno,
		      struct bf_err *err)
{
	json_error_t je;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	const char *path, *kind;
	struct rd r;
	long fi;
	double t1;
	int rc = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return bf_err_set(err, BF_E_FORMAT, "'%s' line %llu: not a JSON object%s%s", name,
				  (unsigned long long)lineno, o ? "" : ": ", o ? "" : je.text);
	}
	path = json_string_value(json_object_get(o, "path"));
	kind = json_string_value(json_object_get(o, "kind"));
	if (!path || !kind || !get_u64(o, "fh", &r.fh) || !get_u64(o, "offset", &r.off) ||
	    !get_u64(o, "size", &r.size) || !get_time(o, "t_start", &r.t0) ||
	    !get_time(o, "t_end", &t1)) {
		json_decref(o);
		return bf_err_set(err, BF_E_FORMAT,
				  "'%s' line %llu: not an access-log record (path, fh, offset, "
				  "size, t_start, t_end, kind)",
				  name, (unsigned long long)lineno);
	}
	if (rd->s->records == 0 || r.t0 < rd->s->t_first)
		rd->s->t_first = r.t0;
	if (rd->s->records == 0 || t1 > rd->s->t_last)
		rd->s->t_last = t1;
	rd->s->records++;
	fi = file_index(rd, path);
	if (fi < 0) {
		json_decref(o);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	r.lat = t1 > r.t0 ? t1 - r.t0 : 0.0;
	if (!strcmp(kind, "read"))
		rc = add_read(&rd->w[fi], &r);
	else if (!strcmp(kind, "open"))
		rd->s->files[fi].opens++;
	else if (!strcmp(kind, "limiter_wait")) {
		rd->s->files[fi].limiter_waits++;
		if (r.lat > rd->s->files[fi].limiter_wait_max)
			rd->s->files[fi].limiter_wait_max = r.lat;
	} else if (!strcmp(kind, "limiter_timeout"))
		rd->s->files[fi].limiter_timeouts++;
	json_decref(o);
	if (rc < 0)
		return bf_err_set(err, rc, "out of memory");
	return 0;
}

static int cmp_fh_t(const void *a, const void *b)
{
	const struct rd *x = a, *y = b;

	if (x->fh != y->fh)
		return x->fh < y->fh ? -1 : 1;
	if (x->t0 != y->t0)
		return x->t0 < y->t0 ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_off(const void *a, const void *b)
{
	const struct rd *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->size < y->size ? -1 : x->size > y->size;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the ceil(q * n)-th smallest of sorted v[0..n). */
static double rank(const double *v, size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static int finish_file(struct access_file_stats *f, struct fwork *w)
{
	size_t i;
	uint64_t cover_end = 0;
	double *lat, sum = 0;

	f->reads = w->n;
	if (w->n == 0)
		return 0;
	qsort(w->r, w->n, sizeof(w->r[0]), cmp_fh_t);
	for (i = 0; i < w->n; i++) {
		const struct rd *r = &w->r[i];

		f->bytes_read += r->size;
		f->hist[hist_bucket(r->size)]++;
		if (r->off + r->size > f->max_end)
			f->max_end = r->off + r->size;
		if (i == 0 || w->r[i - 1].fh != r->fh) {
			f->handles++;
			continue;
		}
		f->seq_base++;
		if (w->r[i - 1].off + w->r[i - 1].size == r->off)
			f->seq_reads++;
	}
	qsort(w->r, w->n, sizeof(w->r[0]), cmp_off);
	for (i = 0; i < w->n; i++) {
		uint64_t b = w->r[i].off, e = w->r[i].off + w->r[i].size;

		if (b < cover_end)
			b = cover_end;
		if (e > b) {
			f->unique_bytes += e - b;
			cover_end = e;
		}
	}
	f->reread_bytes = f->bytes_read - f->unique_bytes;
	lat = bf_malloc(w->n * sizeof(*lat));
	if (!lat)
		return BF_E_NOMEM;
	for (i = 0; i < w->n; i++) {
		lat[i] = w->r[i].lat;
		sum += lat[i];
	}
	qsort(lat, w->n, sizeof(*lat), cmp_double);
	f->lat_p50 = rank(lat, w->n, 0.50);
	f->lat_p90 = rank(lat, w->n, 0.90);
	f->lat_p99 = rank(lat, w->n, 0.99);
	f->lat_max = lat[w->n - 1];
	f->lat_mean = sum / (double)w->n;
	bf_free(lat);
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct access_file_stats *)a)->path,
		      ((const struct access_file_stats *)b)->path);
}

int access_stats_read(FILE *f, const char *name, struct access_stats *out, struct bf_err *err)
{
	struct reader rd;
	char *line = NULL;
	size_t lcap = 0, i;
	ssize_t len;
	uint64_t lineno = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&rd, 0, sizeof(rd));
	rd.s = out;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		const char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			continue;
		if ((size_t)len != strlen(line)) {
			rc = bf_err_set(err, BF_E_FORMAT, "'%s' line %llu: NUL byte", name,
					(unsigned long long)lineno);
			break;
		}
		rc = parse_line(&rd, line, name, lineno, err);
		if (rc < 0)
			break;
	}
	if (rc == 0 && ferror(f))
		rc = bf_err_sys(err, BF_E_IO, "cannot read '%s'", name);
	free(line);
	for (i = 0; rc == 0 && i < out->n_files; i++) {
		rc = finish_file(&out->files[i], &rd.w[i]);
		if (rc < 0)
			bf_err_set(err, rc, "out of memory");
		else if (out->files[i].lat_max > out->lat_max)
			out->lat_max = out->files[i].lat_max;
	}
	for (i = 0; i < out->n_files; i++)
		bf_free(rd.w[i].r);
	bf_free(rd.w);
	if (rc == 0 && out->n_files > 1)
		qsort(out->files, out->n_files, sizeof(out->files[0]), cmp_file);
	return rc;
}

void access_stats_release(struct access_stats *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_files; i++)
		bf_free(s->files[i].path);
	bf_free(s->files);
	s->files = NULL;
	s->n_files = 0;
}
