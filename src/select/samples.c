/*
 * samples.c - sample selection (see samples.h).
 */
#include "util/bf_config.h"

#include "select/samples.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "vcz/vcz.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name {
	const char *p;
	size_t len;
};

struct names {
	struct name *v;
	size_t n, cap;
	char *text; /* owned backing text */
};

static int names_push(struct names *ns, const char *p, size_t len)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		struct name *v = bf_realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return BF_E_NOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n].p = p;
	ns->v[ns->n].len = len;
	ns->n++;
	return 0;
}

static void names_release(struct names *ns)
{
	bf_free(ns->v);
	bf_free(ns->text);
	memset(ns, 0, sizeof(*ns));
}

/* -s: split on ',' (empty items kept, so they can be reported). */
static int split_list(const char *s, struct names *ns)
{
	char *p;

	ns->text = bf_strdup(s);
	if (!ns->text)
		return BF_E_NOMEM;
	p = ns->text;
	for (;;) {
		char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		BF_FORWARD(names_push(ns, p, len));
		if (!c)
			break;
		p = c + 1;
	}
	return 0;
}

/* -S: one id per line, surrounding whitespace stripped, blank lines dropped. */
static int read_file(const char *path, struct names *ns, struct bf_err *err)
{
	FILE *f = fopen(path, "rb");
	struct bf_strbuf sb = BF_STRBUF_INIT;
	char buf[65536];
	size_t n, i, start;

	if (!f)
		return bf_err_sys(err, BF_E_IO, "cannot read samples file '%s'", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (bf_strbuf_add(&sb, buf, n) < 0) {
			fclose(f);
			bf_strbuf_release(&sb);
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
	}
	fclose(f);
	if (bf_strbuf_addc(&sb, '\n') < 0) {
		bf_strbuf_release(&sb);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	ns->text = sb.buf;
	for (start = 0, i = 0; i < sb.len; i++) {
		if (sb.buf[i] == '\n') {
			size_t a = start, b = i;

			while (a < b && isspace((unsigned char)sb.buf[a]))
				a++;
			while (b > a && isspace((unsigned char)sb.buf[b - 1]))
				b--;
			if (b > a && names_push(ns, sb.buf + a, b - a) < 0)
				return bf_err_set(err, BF_E_NOMEM, "out of memory");
			start = i + 1;
		}
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : (x->len > y->len);
}

/* "X,Y" of the sorted unique unknown names. */
static int unknown_list(struct name *unk, size_t n, struct bf_strbuf *sb)
{
	size_t i;

	qsort(unk, n, sizeof(*unk), name_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && !name_cmp(&unk[i], &unk[i - 1]))
			continue;
		if (sb->len && bf_strbuf_addc(sb, ',') < 0)
			return BF_E_NOMEM;
		if (bf_strbuf_add(sb, unk[i].p, unk[i].len) < 0)
			return BF_E_NOMEM;
	}
	return 0;
}

static const char empty_set_msg[] =
    "Empty sample set is not supported. The bcftools semantics for this corner case (AC/AN "
    "recomputed over the full non-null sample set while emitting zero sample columns) would "
    "require significant internal complexity. If you need this feature, please open an issue "
    "at https://github.com/sgkit-dev/vcztools/issues.";

/* The listed names not in the store (map): an error, or with --force-samples a
 * warning. unk has room for every listed name. */
static int check_unknown(const struct bf_strmap *map, const struct names *ns, struct name *unk,
			 bool force, struct bf_err *err)
{
	size_t n_unk = 0, i;
	struct bf_strbuf sb = BF_STRBUF_INIT;

	for (i = 0; i < ns->n; i++) {
		size_t r;

		if (!bf_strmap_get(map, ns->v[i].p, ns->v[i].len, &r))
			unk[n_unk++] = ns->v[i];
	}
	if (!n_unk)
		return 0;
	if (unknown_list(unk, n_unk, &sb) < 0) {
		bf_strbuf_release(&sb);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	if (!force) {
		int rc = bf_err_set(err, BF_E_INVAL,
				    "subset called for sample(s) not in header: %s. Use "
				    "\"--force-samples\" to ignore this error.",
				    sb.buf);

		bf_strbuf_release(&sb);
		return rc;
	}
	bf_log_warn("subset called for sample(s) not in header: %s.", sb.buf);
	bf_strbuf_release(&sb);
	return 0;
}

/* ^list: the store's samples, in store order, less the listed ones. */
static int pick_complement(const struct vcz *v, const struct names *ns, size_t *out, size_t *k,
			   struct bf_err *err)
{
	struct bf_strmap drop = {0};
	size_t i;

	if (bf_strmap_init(&drop, ns->n) < 0)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (i = 0; i < ns->n; i++)
		bf_strmap_put(&drop, ns->v[i].p, ns->v[i].len, i);
	for (i = 0; i < v->n_samples; i++) {
		size_t r = v->samples[i], dummy;

		if (!bf_strmap_get(&drop, v->raw_sample_ids[r], v->raw_sample_len[r], &dummy))
			out[(*k)++] = r;
	}
	bf_strmap_release(&drop);
	return 0;
}

/* list: the known listed samples in list order; a name twice is an error. */
static int pick_listed(const struct bf_strmap *map, struct bf_strmap *seen, const struct names *ns,
		       size_t *out, size_t *k, struct bf_err *err)
{
	size_t i;

	for (i = 0; i < ns->n; i++) {
		size_t r;

		if (!bf_strmap_get(map, ns->v[i].p, ns->v[i].len, &r))
			continue; /* unknown, dropped under --force-samples */
		if (!bf_strmap_put(seen, ns->v[i].p, ns->v[i].len, i))
			return bf_err_set(err, BF_E_INVAL, "Duplicate sample name \"%.*s\".",
					  (int)ns->v[i].len, ns->v[i].p);
		out[(*k)++] = r;
	}
	return 0;
}

int select_samples(const struct vcz *v, const char *list, const char *file, bool force,
		   size_t **raw, size_t *n, struct bf_err *err)
{
	struct names ns = {0};
	struct bf_strmap map = {0}, seen = {0};
	struct name *unk = NULL;
	size_t i, k = 0, *out = NULL;
	bool complement = false;
	int rc = 0;
	const char *arg = list ? list : file;

	*raw = NULL;
	*n = 0;
	if (!arg) {
		out = bf_calloc(v->n_samples + 1, sizeof(size_t));
		if (!out)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		memcpy(out, v->samples, v->n_samples * sizeof(size_t));
		k = v->n_samples;
		goto done;
	}
	if (arg[0] == '^') {
		complement = true;
		arg++;
	}
	rc = list ? split_list(arg, &ns) : read_file(arg, &ns, err);
	if (rc < 0) {
		if (rc == BF_E_NOMEM)
			bf_err_set(err, rc, "out of memory");
		goto out;
	}
	for (i = 0; i < ns.n; i++) {
		if (ns.v[i].len == 0) {
			rc = bf_err_set(err, BF_E_INVAL,
					"The empty string is not a valid sample name: it is the "
					"reserved ID of a null sample, which is never selectable.");
			goto out;
		}
	}
	if (bf_strmap_init(&map, v->n_samples) < 0 || bf_strmap_init(&seen, ns.n) < 0 ||
	    !(unk = bf_calloc(ns.n + 1, sizeof(*unk))) ||
	    !(out = bf_calloc((complement ? v->n_samples : ns.n) + 1, sizeof(size_t)))) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < v->n_samples; i++) {
		size_t r = v->samples[i];

		bf_strmap_put(&map, v->raw_sample_ids[r], v->raw_sample_len[r], r);
	}
	if ((rc = check_unknown(&map, &ns, unk, force, err)) < 0)
		goto out;
	if (complement)
		rc = pick_complement(v, &ns, out, &k, err);
	else
		rc = pick_listed(&map, &seen, &ns, out, &k, err);
	if (rc < 0)
		goto out;
done:
	if (k == 0) {
		rc = bf_err_set(err, BF_E_INVAL, "%s", empty_set_msg);
		goto out;
	}
	*raw = out;
	*n = k;
	out = NULL;
out:
	bf_free(out);
	bf_free(unk);
	bf_strmap_release(&map);
	bf_strmap_release(&seen);
	names_release(&ns);
	return rc;
}
