/*
 * regions.c - region and target lists (see regions.h).
 */
#include "util/bf_config.h"

#include "select/regions.h"
#include "util/alloc.h"
#include "util/strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int add_region(struct region_list *l, const char *name, size_t len, int64_t beg, int64_t end,
		      struct bf_err *err)
{
	struct region *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct region *nr = bf_realloc(l->r, cap * sizeof(*nr));

		if (!nr)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		l->r = nr;
		l->cap = cap;
	}
	r = &l->r[l->n];
	r->contig = bf_strndup(name, len);
	if (!r->contig)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	/* htslib: -1/-1 (a bare name, or CHROM:-1) is the whole contig */
	if (beg == -1 && end == -1) {
		beg = 1;
		end = REGION_END_MAX;
	}
	r->beg = beg;
	r->end = end;
	l->n++;
	return 0;
}

void region_list_release(struct region_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		bf_free(l->r[i].contig);
	bf_free(l->r);
	memset(l, 0, sizeof(*l));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int64_t push_digit(int64_t n, char c)
{
	if (n > (REGION_END_MAX - 9) / 10)
		return REGION_END_MAX;
	return n * 10 + (c - '0');
}

/*
 * A decimal as hts_parse_decimal reads it (flags 0): leading blanks, sign,
 * digits, optional fraction, then an exponent or one k/M/G suffix; the
 * fraction left after scaling is dropped.  *end = s when no digit was read.
 */
static int64_t parse_decimal(const char *s, const char *lim, const char **end)
{
	const char *p = s;
	int64_t n = 0;
	int digits = 0, decimals = 0, e = 0;
	bool neg = false;

	while (p < lim && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		p++;
	if (p < lim && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	while (p < lim && is_digit(*p))
		digits++, n = push_digit(n, *p++);
	if (p < lim && *p == '.') {
		p++;
		while (p < lim && is_digit(*p))
			decimals++, digits++, n = push_digit(n, *p++);
	}
	if (p < lim) {
		switch (*p) {
		case 'e':
		case 'E': {
			bool eneg = false;

			p++;
			if (p < lim && (*p == '+' || *p == '-'))
				eneg = *p++ == '-';
			while (p < lim && is_digit(*p)) {
				if (e < 100)
					e = e * 10 + (*p - '0');
				p++;
			}
			if (eneg)
				e = -e;
			break;
		}
		case 'k':
		case 'K':
			e += 3, p++;
			break;
		case 'm':
		case 'M':
			e += 6, p++;
			break;
		case 'g':
		case 'G':
			e += 9, p++;
			break;
		default:
			break;
		}
	}
	e -= decimals;
	while (e > 0)
		n = n > REGION_END_MAX / 10 ? REGION_END_MAX : n * 10, e--;
	while (e < 0)
		n /= 10, e++;
	*end = digits > 0 ? p : s;
	return neg ? -n : n;
}

int region_list_parse(const char *str, struct region_list *out, struct bf_err *err)
{
	const char *lim = str + strlen(str), *sp = str, *ep = str;

	for (;;) {
		const char *name;
		size_t nlen;

		while (ep < lim && *ep != ',' && *ep != ':')
			ep++;
		name = sp;
		nlen = (size_t)(ep - sp);
		if (ep < lim && *ep == ':') {
			int64_t from, to;

			sp = ep + 1;
			from = parse_decimal(sp, lim, &ep);
			if (sp == ep)
				goto bad;
			if (ep == lim || *ep == ',') {
				BF_FORWARD(add_region(out, name, nlen, from, from, err));
				sp = ep;
				continue;
			}
			if (*ep != '-')
				goto bad;
			sp = ++ep;
			to = parse_decimal(sp, lim, &ep);
			if (ep < lim && *ep != ',')
				goto bad;
			if (sp == ep)
				to = REGION_END_MAX;
			BF_FORWARD(add_region(out, name, nlen, from, to, err));
			if (ep == lim)
				break;
			sp = ep;
		} else {
			if (nlen)
				BF_FORWARD(add_region(out, name, nlen, -1, -1, err));
			if (ep == lim)
				break;
			sp = ++ep;
		}
	}
	return 0;
bad:
	return bf_err_set(err, BF_E_INVAL, "could not parse the region(s): %s", str);
}

/* One number filling a whole TAB-delimited field [p, q). */
static bool field_number(const char *p, const char *q, int64_t *out)
{
	const char *e;

	*out = parse_decimal(p, q, &e);
	return e != p && e == q;
}

/*
 * One data line [p, q) with `cols` (2 or 3) columns.  @return false when it
 * does not parse that way.
 */
static bool parse_line(const char *p, const char *q, int cols, size_t *nlen, int64_t *from,
		       int64_t *to)
{
	const char *f[4];
	int nf = 0;

	f[nf++] = p;
	for (const char *c = p; c < q && nf < 4; c++) {
		if (*c == '\t')
			f[nf++] = c + 1;
	}
	if (nf < cols)
		return false;
	*nlen = (size_t)(f[1] - 1 - p);
	{
		const char *e1 = memchr(f[1], '\t', (size_t)(q - f[1]));

		if (!e1)
			e1 = q;
		if (!field_number(f[1], e1, from))
			return false;
		if (cols == 2) {
			*to = *from;
			return true;
		}
	}
	{
		const char *e2 = memchr(f[2], '\t', (size_t)(q - f[2]));

		return field_number(f[2], e2 ? e2 : q, to);
	}
}

int region_list_parse_text(const char *text, size_t len, bool bed, const char *name,
			   struct region_list *out, struct bf_err *err)
{
	const char *p = text, *lim = text + len;
	size_t lineno = 0, n0 = out->n;
	int cols = 0; /* decided by the first data line */

	while (p < lim) {
		const char *nl = memchr(p, '\n', (size_t)(lim - p));
		const char *q = nl ? nl : lim;
		size_t nlen;
		int64_t from, to;

		lineno++;
		if (q > p && q[-1] == '\r')
			q--;
		if (q > p && *p != '#') {
			bool ok;

			if (cols == 0) {
				cols = 3;
				ok = parse_line(p, q, 3, &nlen, &from, &to);
				if (!ok) {
					cols = 2;
					ok = parse_line(p, q, 2, &nlen, &from, &to);
				}
			} else {
				ok = parse_line(p, q, cols, &nlen, &from, &to);
			}
			if (!ok)
				return bf_err_set(err, BF_E_INVAL,
						  "could not parse line %zu of '%s': expected "
						  "CHROM<TAB>POS or CHROM<TAB>BEG<TAB>END",
						  lineno, name);
			if (bed)
				from++;
			BF_FORWARD(add_region(out, p, nlen, from, to, err));
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (out->n == n0)
		return bf_err_set(err, BF_E_INVAL, "no regions in '%s'", name);
	return 0;
}

static bool has_suffix_ci(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	if (n < m)
		return false;
	for (size_t i = 0; i < m; i++) {
		char a = s[n - m + i], b = suf[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

int region_list_read_file(const char *path, struct region_list *out, struct bf_err *err)
{
	gzFile f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc, k;

	errno = 0;
	f = gzopen(path, "rb");
	if (!f) {
		if (!errno)
			errno = ENOMEM;
		return bf_err_sys(err, BF_E_NOTFOUND, "cannot open '%s'", path);
	}
	for (;;) {
		if (cap - len < 65536) {
			char *nb = bf_realloc(buf, cap ? cap * 2 : 131072);

			if (!nb) {
				gzclose(f);
				bf_free(buf);
				return bf_err_set(err, BF_E_NOMEM, "out of memory");
			}
			buf = nb;
			cap = cap ? cap * 2 : 131072;
		}
		k = gzread(f, buf + len, (unsigned)(cap - len));
		if (k < 0) {
			int ez;
			const char *m = gzerror(f, &ez);

			rc =
			    bf_err_set(err, BF_E_IO, "cannot read '%s': %s", path, m ? m : "error");
			gzclose(f);
			bf_free(buf);
			return rc;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	gzclose(f);
	rc = region_list_parse_text(buf, len,
				    has_suffix_ci(path, ".bed") || has_suffix_ci(path, ".bed.gz"),
				    path, out, err);
	bf_free(buf);
	return rc;
}

/* ------------------------------------------------------------- region sets */

static int cmp_ival(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return 0;
}

void region_set_release(struct region_set *s)
{
	if (!s)
		return;
	for (size_t c = 0; c < s->n_contigs && s->ivals; c++) {
		bf_free(s->ivals[c].beg);
		bf_free(s->ivals[c].end);
	}
	bf_free(s->ivals);
	bf_free(s->absent);
	memset(s, 0, sizeof(*s));
}

int region_set_build(const struct region_list *l, const char *const *contigs, size_t n_contigs,
		     struct region_set *out, struct bf_err *err)
{
	struct bf_strmap names, seen;
	size_t *contig_of = NULL, *count = NULL, dummy;
	int64_t *pairs = NULL;
	int rc = 0;
	size_t i, c;

	memset(out, 0, sizeof(*out));
	if (bf_strmap_init(&names, n_contigs + 1) < 0)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (bf_strmap_init(&seen, l->n + 1) < 0) {
		bf_strmap_release(&names);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	out->n_contigs = n_contigs;
	out->ivals = bf_calloc(n_contigs + 1, sizeof(*out->ivals));
	out->absent = bf_calloc(l->n + 1, sizeof(*out->absent));
	contig_of = bf_calloc(l->n + 1, sizeof(size_t));
	count = bf_calloc(n_contigs + 1, sizeof(size_t));
	pairs = bf_calloc(2 * l->n + 2, sizeof(int64_t));
	if (!out->ivals || !out->absent || !contig_of || !count || !pairs)
		goto nomem;
	for (c = 0; c < n_contigs; c++) {
		/* the first of duplicate contig ids wins */
		if (!bf_strmap_get(&names, contigs[c], strlen(contigs[c]), &dummy) &&
		    bf_strmap_put(&names, contigs[c], strlen(contigs[c]), c) < 0)
			goto nomem;
	}
	for (i = 0; i < l->n; i++) {
		const char *nm = l->r[i].contig;

		if (!bf_strmap_get(&names, nm, strlen(nm), &contig_of[i])) {
			contig_of[i] = SIZE_MAX;
			if (!bf_strmap_get(&seen, nm, strlen(nm), &dummy)) {
				if (bf_strmap_put(&seen, nm, strlen(nm), 0) < 0)
					goto nomem;
				out->absent[out->n_absent++] = nm;
			}
			continue;
		}
		/* an inverted interval (BEG > END) meets nothing */
		if (l->r[i].beg <= l->r[i].end)
			count[contig_of[i]]++;
	}
	for (c = 0; c < n_contigs; c++) {
		struct region_ivals *iv = &out->ivals[c];
		size_t k = 0, m = 0;

		if (!count[c])
			continue;
		for (i = 0; i < l->n; i++) {
			if (contig_of[i] == c && l->r[i].beg <= l->r[i].end) {
				pairs[2 * k] = l->r[i].beg;
				pairs[2 * k + 1] = l->r[i].end;
				k++;
			}
		}
		qsort(pairs, k, 2 * sizeof(int64_t), cmp_ival);
		iv->beg = bf_malloc(k * sizeof(int64_t));
		iv->end = bf_malloc(k * sizeof(int64_t));
		if (!iv->beg || !iv->end)
			goto nomem;
		for (i = 0; i < k; i++) {
			if (m && pairs[2 * i] <= iv->end[m - 1]) {
				if (pairs[2 * i + 1] > iv->end[m - 1])
					iv->end[m - 1] = pairs[2 * i + 1];
				continue;
			}
			iv->beg[m] = pairs[2 * i];
			iv->end[m] = pairs[2 * i + 1];
			m++;
		}
		iv->n = m;
	}
	goto done;
nomem:
	rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
	region_set_release(out);
done:
	bf_strmap_release(&names);
	bf_strmap_release(&seen);
	bf_free(contig_of);
	bf_free(count);
	bf_free(pairs);
	return rc;
}

bool region_set_overlaps(const struct region_set *s, size_t c, int64_t beg, int64_t end)
{
	const struct region_ivals *iv;
	size_t lo = 0, hi;

	if (c >= s->n_contigs)
		return false;
	iv = &s->ivals[c];
	hi = iv->n;
	/* first interval whose end >= beg (ends ascend: merged, sorted) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (iv->end[mid] < beg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < iv->n && iv->beg[lo] <= end;
}
