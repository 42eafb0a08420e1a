/*
 * cmd_trace_summary.c - `biofuse trace-summary ACCESS_LOG`: how a consumer
 * read the mount, per file, from a --access-log JSONL trace.
 *
 * The figures come from fs/access_stats (definitions there); this file only
 * renders them: a few lines of text and two small bar charts per file (read
 * sizes on a linear scale, latency percentiles on a log scale), or with
 * --json one JSON object for scripts.
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "fs/access_stats.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 40

/* 1234567 -> "1,234,567" */
static const char *grouped(uint64_t v, char *buf, size_t cap)
{
	char tmp[32];
	size_t n, i, o = 0;

	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	n = strlen(tmp);
	for (i = 0; i < n && o + 2 < cap; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Bytes in binary units: "512 B", "1.5 KiB", "237.2 MiB". */
static const char *human_bytes(uint64_t v, char *buf, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double x = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	snprintf(buf, cap, "%.1f %s", x, units[u]);
	return buf;
}

/* A histogram bucket's label: "<=512", "<=4K", "<=1M", ">1M". */
static const char *bucket_label(int k, char *buf, size_t cap)
{
	uint64_t lim = access_stats_bucket_limit(k);

	if (!lim)
		snprintf(buf, cap, ">%lluM",
			 (unsigned long long)(access_stats_bucket_limit(k - 1) >> 20));
	else if (lim < 1024)
		snprintf(buf, cap, "<=%llu", (unsigned long long)lim);
	else if (lim < (1u << 20))
		snprintf(buf, cap, "<=%lluK", (unsigned long long)(lim >> 10));
	else
		snprintf(buf, cap, "<=%lluM", (unsigned long long)(lim >> 20));
	return buf;
}

static const char *human_secs(double s, char *buf, size_t cap)
{
	if (s < 1e-3)
		snprintf(buf, cap, "%.0f us", s * 1e6);
	else if (s < 1.0)
		snprintf(buf, cap, "%.2f ms", s * 1e3);
	else
		snprintf(buf, cap, "%.2f s", s);
	return buf;
}

static void bar(FILE *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fputc('#', out);
	for (; i < BAR_WIDTH; i++)
		fputc(' ', out);
}

static void print_hist(FILE *out, const struct access_file_stats *f)
{
	uint64_t maxc = 0;
	int k, lo = -1, hi = -1;
	char lab[16], num[32];

	for (k = 0; k < ACCESS_HIST_BUCKETS; k++) {
		if (f->hist[k]) {
			if (lo < 0)
				lo = k;
			hi = k;
			if (f->hist[k] > maxc)
				maxc = f->hist[k];
		}
	}
	if (lo < 0)
		return;
	fputs("  read sizes (bytes):\n", out);
	for (k = lo; k <= hi; k++) {
		size_t w = (size_t)((double)f->hist[k] * BAR_WIDTH / (double)maxc + 0.5);

		if (f->hist[k] && w == 0)
			w = 1;
		fprintf(out, "    %7s  ", bucket_label(k, lab, sizeof(lab)));
		bar(out, w);
		fprintf(out, "  %s\n", grouped(f->hist[k], num, sizeof(num)));
	}
}

/* Bars on a log scale from 1 us to the largest latency of the whole trace. */
static void print_latency(FILE *out, const struct access_file_stats *f, double lat_max)
{
	const double floor_s = 1e-6;
	const char *names[4] = {"p50", "p90", "p99", "max"};
	double v[4] = {f->lat_p50, f->lat_p90, f->lat_p99, f->lat_max};
	double top = log10((lat_max > floor_s * 10 ? lat_max : floor_s * 10) / floor_s);
	char t[32];
	int i;

	fputs("  read latency (log scale from 1 us):\n", out);
	for (i = 0; i < 4; i++) {
		double x = v[i] > floor_s ? log10(v[i] / floor_s) / top : 0.0;
		size_t w = (size_t)(x * BAR_WIDTH + 0.5);

		if (w > BAR_WIDTH)
			w = BAR_WIDTH;
		fprintf(out, "    %7s  ", names[i]);
		bar(out, w);
		fprintf(out, "  %s\n", human_secs(v[i], t, sizeof(t)));
	}
}

static void print_text(FILE *out, const char *name, const struct access_stats *s)
{
	char a[32], b[32], c[32], d[32];
	size_t i;

	fprintf(out, "%s: %s records, %zu file%s, %s from the first to the last\n", name,
		grouped(s->records, a, sizeof(a)), s->n_files, s->n_files == 1 ? "" : "s",
		human_secs(s->t_last - s->t_first, b, sizeof(b)));
	for (i = 0; i < s->n_files; i++) {
		const struct access_file_stats *f = &s->files[i];

		fprintf(out, "\n%s\n", f->path);
		fprintf(out, "  opens %s, reads %s", grouped(f->opens, a, sizeof(a)),
			grouped(f->reads, b, sizeof(b)));
		if (f->limiter_timeouts)
			fprintf(out, ", opens refused at the --max-open limit %s",
				grouped(f->limiter_timeouts, c, sizeof(c)));
		if (f->limiter_wait_max >= 1e-3)
			fprintf(out, ", longest wait for an open slot %s",
				human_secs(f->limiter_wait_max, d, sizeof(d)));
		fputc('\n', out);
		if (!f->reads)
			continue;
		fprintf(out, "  read %s (%s bytes), unique %s, re-read %s\n",
			human_bytes(f->bytes_read, a, sizeof(a)),
			grouped(f->bytes_read, b, sizeof(b)),
			human_bytes(f->unique_bytes, c, sizeof(c)),
			human_bytes(f->reread_bytes, d, sizeof(d)));
		if (f->seq_base)
			fprintf(out,
				"  sequential %.1f %% (%s of %s reads after a handle's first)\n",
				100.0 * (double)f->seq_reads / (double)f->seq_base,
				grouped(f->seq_reads, a, sizeof(a)),
				grouped(f->seq_base, b, sizeof(b)));
		else
			fputs("  sequential -- (one read per handle)\n", out);
		print_hist(out, f);
		print_latency(out, f, s->lat_max);
	}
}

static int print_json(FILE *out, const char *name, const struct access_stats *s)
{
	json_t *root = json_object(), *files = json_array();
	char *text;
	size_t i;
	int k;

	if (!root || !files) {
		json_decref(root);
		json_decref(files);
		return -1;
	}
	json_object_set_new(root, "access_log", json_string(name));
	json_object_set_new(root, "records", json_integer((json_int_t)s->records));
	json_object_set_new(root, "duration_s", json_real(s->t_last - s->t_first));
	json_object_set_new(root, "files", files);
	for (i = 0; i < s->n_files; i++) {
		const struct access_file_stats *f = &s->files[i];
		json_t *o = json_object(), *h = json_array(), *lat = json_object();

		json_object_set_new(o, "path", json_string(f->path));
		json_object_set_new(o, "opens", json_integer((json_int_t)f->opens));
		json_object_set_new(o, "handles", json_integer((json_int_t)f->handles));
		json_object_set_new(o, "reads", json_integer((json_int_t)f->reads));
		json_object_set_new(o, "bytes_read", json_integer((json_int_t)f->bytes_read));
		json_object_set_new(o, "unique_bytes", json_integer((json_int_t)f->unique_bytes));
		json_object_set_new(o, "reread_bytes", json_integer((json_int_t)f->reread_bytes));
		json_object_set_new(o, "sequential_reads", json_integer((json_int_t)f->seq_reads));
		json_object_set_new(o, "sequential_base", json_integer((json_int_t)f->seq_base));
		json_object_set_new(o, "sequential_fraction",
				    f->seq_base
					? json_real((double)f->seq_reads / (double)f->seq_base)
					: json_null());
		json_object_set_new(o, "limiter_waits", json_integer((json_int_t)f->limiter_waits));
		json_object_set_new(o, "limiter_timeouts",
				    json_integer((json_int_t)f->limiter_timeouts));
		json_object_set_new(o, "limiter_wait_max_s", json_real(f->limiter_wait_max));
		for (k = 0; k < ACCESS_HIST_BUCKETS; k++) {
			json_t *b = json_object();
			uint64_t lim = access_stats_bucket_limit(k);

			json_object_set_new(b, "max_bytes",
					    lim ? json_integer((json_int_t)lim) : json_null());
			json_object_set_new(b, "count", json_integer((json_int_t)f->hist[k]));
			json_array_append_new(h, b);
		}
		json_object_set_new(o, "read_sizes", h);
		if (f->reads) {
			json_object_set_new(lat, "p50", json_real(f->lat_p50));
			json_object_set_new(lat, "p90", json_real(f->lat_p90));
			json_object_set_new(lat, "p99", json_real(f->lat_p99));
			json_object_set_new(lat, "max", json_real(f->lat_max));
			json_object_set_new(lat, "mean", json_real(f->lat_mean));
			json_object_set_new(o, "read_latency_s", lat);
		} else {
			json_decref(lat);
			json_object_set_new(o, "read_latency_s", json_null());
		}
		json_array_append_new(files, o);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(root);
	if (!text)
		return -1;
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
}

int cmd_trace_summary(const char *path, bool json, FILE *out)
{
	struct access_stats s;
	struct bf_err err;
	FILE *f;
	int rc;

	bf_err_clear(&err);
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		bf_err_sys(&err, errno == ENOENT ? BF_E_NOTFOUND : BF_E_IO,
			   "cannot open access log '%s'", path);
		return cmd_fail(&err);
	}
	rc = access_stats_read(f, path, &s, &err);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		access_stats_release(&s);
		return cmd_fail(&err);
	}
	if (json) {
		rc = print_json(out, path, &s);
	} else {
		print_text(out, path, &s);
		rc = 0;
	}
	access_stats_release(&s);
	if (rc < 0) {
		bf_err_set(&err, BF_E_NOMEM, "out of memory");
		return cmd_fail(&err);
	}
	return 0;
}
