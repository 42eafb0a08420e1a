/*
 * filter.c - bind, type-check and evaluate -i/-e expressions (see filter.h).
 *
 * Semantics follow bcftools 1.16 at site level (its filter.c was read to
 * settle them; nothing is copied):
 *  - a comparison holds at a site when any pair of values (left x right)
 *    holds; missing values follow bcftools' "missing logic": `==` holds when
 *    both sides are missing, `!=` when exactly one is, `<`... never;
 *  - numbers compare as floats unless one exceeds 2^24;
 *  - strings are comma-separated lists ("." is missing), `~`/`!~` take a
 *    POSIX basic regular expression on the right ("/i" ignores case);
 *  - FILTER, ID and TYPE have their own comparisons;
 *  - `&`/`&&` and `|`/`||` combine per site; -e negates the site result.
 */
#include "util/bf_config.h"

#include "select/filter.h"
#include "select/expr.h"
#include "util/alloc.h"
#include "util/cpu.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/strbuf.h"
#include "vcz/vcz.h"
#include "vcz/vcz_fields.h"

#include <ctype.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum nkind {
	K_NUMC,
	K_STRC,
	K_MISSC, /* "." compared with a numeric INFO field or QUAL */
	K_POS,
	K_QUAL,
	K_INFO, /* stored variant_<X> */
	K_CHROM,
	K_REF,
	K_ALT,
	K_NALT,
	K_NSAMPLES,
	K_AC,
	K_AN,
	K_AF,
	K_MAC,
	K_MAF,
	K_NS,
	K_NMISS,
	K_FMISS,
	K_ILEN,
	K_NEG,
	K_ARITH,
	K_CMP,	 /* numbers */
	K_SCMP,	 /* strings */
	K_IDCMP, /* ID against a string */
	K_FILTERCMP,
	K_TYPECMP,
	K_LOGIC,
	K_ID,	  /* only inside K_IDCMP */
	K_FILTER, /* only inside K_FILTERCMP */
	K_TYPE,	  /* only inside K_TYPECMP */
};

enum vtype { VT_NUM, VT_STR, VT_BOOL, VT_SPECIAL };

enum subkind { SUB_NONE, SUB_ALL, SUB_IDX, SUB_LIST };

struct fnode {
	enum nkind k;
	enum vtype t;
	enum expr_op op;
	size_t pos;
	int id; /* index of the node's scratch state */
	double num;
	char *str;
	int src; /* K_INFO / K_QUAL: source array; -1 */
	enum vcz_field_type ftype;
	int ndim;
	enum subkind sub;
	int idx;
	int *idxs; /* SUB_LIST: bcftools-style index flags (1 selected, -1 open end) */
	int nidxs;
	bool has_re;
	regex_t re;
	int *fids; /* K_FILTERCMP */
	int nfids;
	int type_thr; /* K_TYPECMP */
	int acan;     /* K_INFO of a stored INFO/AC or INFO/AN: K_AC / K_AN, else 0 */
	struct fnode *l, *r;
};

struct filter {
	struct fnode *root;
	int n_nodes;
	char **srcs; /* array names read */
	int n_srcs;
	int src_filter; /* variant_filter, or -1 */
	int src_ac, src_an;
	bool need_meta, need_gt, need_miss;
	bool acan_info; /* a stored INFO/AC or AN is read: the subset's with -s */
	const struct bf_progress *progress;
	size_t n_filter_ids;
};

/* ------------------------------------------------------------------ */
/* Binding */

struct binder {
	const struct vcz *v;
	struct filter *f;
	const char *expr;
	struct bf_err *err;
};

static int bind_fail(struct binder *b, size_t pos, const char *fmt, const char *arg)
{
	char msg[256];
	const size_t n = strlen(b->expr);

	snprintf(msg, sizeof(msg), fmt, arg);
	/* a long expression is cut so the position and the reason always fit */
	return bf_err_set(b->err, BF_E_INVAL,
			  "in the filter expression \"%.*s%s\" at position %zu: %s",
			  n > 60 ? 57 : (int)n, b->expr, n > 60 ? "..." : "", pos + 1, msg);
}

static void node_free(struct fnode *n)
{
	if (!n)
		return;
	node_free(n->l);
	node_free(n->r);
	bf_free(n->str);
	bf_free(n->idxs);
	bf_free(n->fids);
	if (n->has_re)
		regfree(&n->re);
	bf_free(n);
}

void filter_set_progress(struct filter *f, const struct bf_progress *progress)
{
	f->progress = progress;
}

void filter_free(struct filter *f)
{
	int i;

	if (!f)
		return;
	node_free(f->root);
	for (i = 0; i < f->n_srcs; i++)
		bf_free(f->srcs[i]);
	bf_free(f->srcs);
	bf_free(f);
}

static struct fnode *new_node(struct binder *b, enum nkind k, enum vtype t, size_t pos)
{
	struct fnode *n = bf_calloc(1, sizeof(*n));

	if (!n) {
		bf_err_set(b->err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	n->k = k;
	n->t = t;
	n->pos = pos;
	n->src = -1;
	n->id = b->f->n_nodes++;
	return n;
}

static int add_src(struct binder *b, const char *name)
{
	struct filter *f = b->f;
	char **p;
	int i;

	for (i = 0; i < f->n_srcs; i++)
		if (!strcmp(f->srcs[i], name))
			return i;
	p = bf_realloc(f->srcs, (size_t)(f->n_srcs + 1) * sizeof(*p));
	if (!p)
		return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
	f->srcs = p;
	if (!(p[f->n_srcs] = bf_strdup(name)))
		return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
	return f->n_srcs++;
}

/* Arrays named variant_* that are not INFO fields. */
static bool reserved_variant(const char *name)
{
	static const char *const r[] = {"contig", "position", "length",	 "allele",
					"id",	  "id_mask",  "quality", "filter"};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcmp(name, r[i]))
			return true;
	return false;
}

static bool has_info(const struct vcz *v, const char *name)
{
	char buf[512];

	if (reserved_variant(name) || strlen(name) + 9 > sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "variant_%s", name);
	return vcz_has_array(v, buf);
}

static bool has_format(const struct vcz *v, const char *name)
{
	char buf[512];

	if (!strcmp(name, "GT"))
		return v->gt != NULL;
	if (strlen(name) + 6 > sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "call_%s", name);
	return vcz_has_array(v, buf);
}

/* bcftools' index forms: "", "*", "k", "a,b", "a-b", "a-". */
static int parse_subscript(struct binder *b, const char *s, struct fnode *n, size_t pos)
{
	char *end;
	long k;

	if (!*s || !strcmp(s, "*")) {
		n->sub = SUB_ALL;
		return 0;
	}
	k = strtol(s, &end, 10);
	if (k >= 0 && *end == 0 && end != s) {
		n->sub = SUB_IDX;
		n->idx = k > 1000000 ? 1000000 : (int)k;
		return 0;
	}
	n->sub = SUB_LIST;
	{
		const char *p = s;
		long beg = -1;

		while (*p) {
			long num = strtol(p, &end, 10);

			if (end == p || num < 0 || num > 100000)
				return bind_fail(b, pos, "could not parse the index \"%s\"", s);
			if (num >= n->nidxs) {
				int *q = bf_realloc(n->idxs, (size_t)(num + 1) * sizeof(int));

				if (!q)
					return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
				memset(q + n->nidxs, 0, (size_t)(num + 1 - n->nidxs) * sizeof(int));
				n->idxs = q;
				n->nidxs = (int)num + 1;
			}
			if (*end == '-') {
				beg = num;
				p = end + 1;
				if (!*p) {
					n->idxs[num] = -1;
					break;
				}
				continue;
			}
			if (*end == ',')
				p = end + 1;
			else if (*end == 0)
				p = end;
			else
				return bind_fail(b, pos, "could not parse the index \"%s\"", s);
			if (beg >= 0) {
				long i;

				for (i = beg; i <= num; i++)
					n->idxs[i] = 1;
				beg = -1;
			}
			n->idxs[num] = 1;
		}
	}
	return 0;
}

/* A case-insensitive prefix of a keyword, as bcftools matches them. */
static bool kw(const char *name, size_t len, const char *keyword)
{
	return len <= strlen(keyword) && !strncasecmp(name, keyword, len);
}

static const char bind_format_msg[] = "FORMAT/%s: FORMAT (per-sample) fields are not supported in "
				      "-i/-e (the outputs hold every selected sample of a site)";

/* The fixed site fields (QUAL, POS, FILTER, N_MISSING, ...): 1 when NAME is
 * one of them (*out set), 0 when not, <0 on error. */
static int bind_fixed(struct binder *b, const struct expr *e, size_t len, struct fnode **out)
{
	static const struct {
		const char *kw;
		enum nkind k;
		enum vtype t;
	} fixed[] = {
	    {"QUAL", K_QUAL, VT_NUM},	      {"TYPE", K_TYPE, VT_SPECIAL},
	    {"FILTER", K_FILTER, VT_SPECIAL}, {"ID", K_ID, VT_SPECIAL},
	    {"CHROM", K_CHROM, VT_STR},	      {"POS", K_POS, VT_NUM},
	    {"REF", K_REF, VT_STR},	      {"ALT", K_ALT, VT_STR},
	    {"N_ALT", K_NALT, VT_NUM},	      {"N_SAMPLES", K_NSAMPLES, VT_NUM},
	    {"N_MISSING", K_NMISS, VT_NUM},   {"F_MISSING", K_FMISS, VT_NUM},
	};
	const struct vcz *v = b->v;
	struct fnode *n;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!kw(e->text, len, fixed[i].kw))
			continue;
		if (!(n = new_node(b, fixed[i].k, fixed[i].t, e->pos)))
			return BF_E_NOMEM;
		if (n->k == K_QUAL) {
			if (!vcz_has_array(v, "variant_quality")) {
				/* no QUAL array: every QUAL is missing */
				n->src = -1;
			} else if ((n->src = add_src(b, "variant_quality")) < 0) {
				int rc = n->src;

				node_free(n);
				return rc;
			}
		}
		if (n->k == K_NMISS || n->k == K_FMISS) {
			b->f->need_gt = true;
			b->f->need_miss = true;
		}
		if (n->k == K_POS || n->k == K_CHROM || n->k == K_REF || n->k == K_ALT ||
		    n->k == K_NALT || n->k == K_TYPE || n->k == K_ID)
			b->f->need_meta = true;
		if (n->k == K_FILTER && vcz_has_array(v, "variant_filter")) {
			int s = add_src(b, "variant_filter");

			if (s < 0) {
				node_free(n);
				return s;
			}
			b->f->src_filter = s;
		}
		*out = n;
		return 1;
	}
	return 0;
}

/* A stored INFO field, variant_<NAME>; its type comes from the array. */
static int bind_info(struct binder *b, const struct expr *e, struct fnode **out)
{
	const char *name = e->text;
	struct fnode *n;
	char buf[512];

	if (!(n = new_node(b, K_INFO, VT_NUM, e->pos)))
		return BF_E_NOMEM;
	snprintf(buf, sizeof(buf), "variant_%s", name);
	if ((n->src = add_src(b, buf)) < 0) {
		int rc = n->src;

		node_free(n);
		return rc;
	}
	/* The type comes from the array; strings compare as strings. */
	{
		struct bf_err e2;
		struct vcz_field *fld;

		bf_err_clear(&e2);
		fld = vcz_field_open(b->v, buf, &e2);
		if (!fld) {
			node_free(n);
			bf_err_copy(b->err, &e2);
			return e2.code;
		}
		n->ftype = vcz_field_type(fld);
		n->ndim = vcz_field_ndim(fld);
		vcz_field_free(fld);
	}
	if (n->ftype == VCZ_FIELD_STRING)
		n->t = VT_STR;
	if ((!strcmp(name, "AC") || !strcmp(name, "AN")) && n->t == VT_NUM) {
		n->acan = name[1] == 'C' ? K_AC : K_AN;
		b->f->acan_info = true;
	}
	if (e->subscript && parse_subscript(b, e->subscript, n, e->pos) < 0) {
		node_free(n);
		return b->err ? b->err->code : BF_E_INVAL;
	}
	*out = n;
	return 0;
}

/* A computed field (AC, AN, AF, MAC, MAF, ILEN, NS, or ALT with a subscript)
 * that the store does not hold as INFO. */
static int bind_computed(struct binder *b, const struct expr *e, struct fnode **out)
{
	const char *name = e->text;
	struct fnode *n;
	enum nkind k;

	if (!strcasecmp(name, "ALT"))
		k = K_ALT;
	else if (!strcasecmp(name, "AN"))
		k = K_AN;
	else if (!strcasecmp(name, "AC"))
		k = K_AC;
	else if (!strcasecmp(name, "MAC"))
		k = K_MAC;
	else if (!strcasecmp(name, "AF"))
		k = K_AF;
	else if (!strcasecmp(name, "MAF"))
		k = K_MAF;
	else if (!strcasecmp(name, "ILEN"))
		k = K_ILEN;
	else if (!strcasecmp(name, "NS"))
		k = K_NS;
	else
		return bind_fail(b, e->pos, "the tag \"%s\" is not defined in the store", name);
	if (!(n = new_node(b, k, k == K_ALT ? VT_STR : VT_NUM, e->pos)))
		return BF_E_NOMEM;
	b->f->need_meta = true;
	if (k != K_ALT && k != K_ILEN)
		b->f->need_gt = true;
	if (k == K_NS)
		b->f->need_miss = true;
	if (e->subscript && parse_subscript(b, e->subscript, n, e->pos) < 0) {
		node_free(n);
		return b->err ? b->err->code : BF_E_INVAL;
	}
	*out = n;
	return 0;
}

static int bind_ident(struct binder *b, const struct expr *e, struct fnode **out)
{
	const struct vcz *v = b->v;
	const char *name = e->text;
	size_t len = strlen(name) + (e->subscript ? strlen(e->subscript) + 2 : 0);

	*out = NULL;
	if (e->scope == EXPR_SCOPE_FORMAT)
		return bind_fail(b, e->pos, bind_format_msg, name);
	if (e->scope == EXPR_SCOPE_NONE) {
		int rc = bind_fixed(b, e, len, out);

		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (!strcmp(name, "GT") || (has_format(v, name) && !has_info(v, name)))
			return bind_fail(b, e->pos, bind_format_msg, name);
		if (has_format(v, name) && has_info(v, name)) {
			char msg[200];

			snprintf(
			    msg, sizeof(msg),
			    "ambiguous name \"%.40s\": both INFO/%.40s and FORMAT/%.40s exist; "
			    "write INFO/ in front",
			    name, name, name);
			return bind_fail(b, e->pos, "%s", msg);
		}
	}
	if (has_info(v, name))
		return bind_info(b, e, out);
	return bind_computed(b, e, out);
}

static int bind(struct binder *b, const struct expr *e, struct fnode **out);

static bool is_const_str(const struct fnode *n)
{
	return n->k == K_STRC;
}

static int compile_regex(struct binder *b, struct fnode *n, const struct fnode *lit)
{
	char *pat = bf_strdup(lit->str);
	size_t len = strlen(pat);
	int cflags = REG_NOSUB, rc;

	if (!pat)
		return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
	if (len > 2 && pat[len - 1] == 'i' && pat[len - 2] == '/' && pat[len - 3] != '\\') {
		pat[len - 2] = 0;
		cflags |= REG_ICASE;
	}
	rc = regcomp(&n->re, pat, cflags);
	bf_free(pat);
	if (rc)
		return bind_fail(b, lit->pos, "could not compile the regular expression \"%s\"",
				 lit->str);
	n->has_re = true;
	return 0;
}

static int bind_filter_cmp(struct binder *b, struct fnode *n, const struct fnode *lit)
{
	char **ids = NULL;
	size_t nid = 0;
	const char *p = lit->str;
	bool has_missing = false;
	int rc = vcz_read_string_array(b->v, "filter_id", &ids, &nid, b->err);

	if (rc == BF_E_NOTFOUND) {
		if (b->err)
			bf_err_clear(b->err);
		rc = 0;
	}
	if (rc < 0)
		return rc;
	b->f->n_filter_ids = nid;
	n->fids = bf_calloc(strlen(p) + 1, sizeof(int));
	if (!n->fids) {
		vcz_strings_free(ids, nid);
		return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
	}
	while (1) {
		const char *q = strchr(p, ';');
		size_t l = q ? (size_t)(q - p) : strlen(p);

		if (l == 1 && p[0] == '.') {
			has_missing = true;
		} else {
			size_t i;

			for (i = 0; i < nid; i++)
				if (strlen(ids[i]) == l && !strncmp(ids[i], p, l))
					break;
			if (i == nid && !(nid == 0 && l == 4 && !strncmp(p, "PASS", 4))) {
				char name[256];

				snprintf(name, sizeof(name), "%.*s", (int)(l < 200 ? l : 200), p);
				vcz_strings_free(ids, nid);
				return bind_fail(b, lit->pos,
						 "the filter \"%s\" is not in the store", name);
			}
			n->fids[n->nfids++] = (int)i;
		}
		if (!q)
			break;
		p = q + 1;
	}
	vcz_strings_free(ids, nid);
	if (has_missing && n->nfids)
		return bind_fail(b, lit->pos,
				 "a FILTER value cannot hold both \".\" and filter names: \"%s\"",
				 lit->str);
	return 0;
}

static int type_threshold(struct binder *b, const struct fnode *lit, int *thr)
{
	static const struct {
		const char *a, *b;
		int v;
	} t[] = {
	    {"snp", "snps", 1 << 1},	{"mnp", "mnps", 2 << 1}, {"indel", "indels", 4 << 1},
	    {"other", "other", 8 << 1}, {"bnd", "bnd", 16 << 1}, {"overlap", "overlap", 32 << 1},
	    {"ref", "ref", 1},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcasecmp(lit->str, t[i].a) || !strcasecmp(lit->str, t[i].b)) {
			*thr = t[i].v;
			return 0;
		}
	}
	return bind_fail(b, lit->pos,
			 "the type \"%s\" is not recognised (snp, mnp, indel, other, bnd, overlap, "
			 "ref)",
			 lit->str);
}

static bool missing_ok(const struct fnode *n)
{
	return n->k == K_QUAL ||
	       (n->k == K_INFO && (n->ftype == VCZ_FIELD_INT || n->ftype == VCZ_FIELD_FLOAT));
}

static int bind_cmp(struct binder *b, const struct expr *e, struct fnode *l, struct fnode *r,
		    struct fnode **out)
{
	struct fnode *n = NULL;
	const enum expr_op op = e->op;
	const bool eqne = op == EXPR_EQ || op == EXPR_NE;
	const bool re = op == EXPR_LIKE || op == EXPR_NLIKE;
	struct fnode *sp = l->t == VT_SPECIAL ? l : r->t == VT_SPECIAL ? r : NULL;
	int rc = 0;

	if (sp) {
		struct fnode *lit = sp == l ? r : l;

		if (l->t == VT_SPECIAL && r->t == VT_SPECIAL)
			rc = bind_fail(b, e->pos, "%s cannot be compared with a field",
				       sp->k == K_ID	 ? "ID"
				       : sp->k == K_TYPE ? "TYPE"
							 : "FILTER");
		else if (!is_const_str(lit))
			rc = bind_fail(b, lit->pos, "%s must be compared with a quoted string",
				       sp->k == K_ID	 ? "ID"
				       : sp->k == K_TYPE ? "TYPE"
							 : "FILTER");
		else if (!eqne && !re)
			rc = bind_fail(b, e->pos, "%s supports only ==, !=, ~ and !~",
				       sp->k == K_ID	 ? "ID"
				       : sp->k == K_TYPE ? "TYPE"
							 : "FILTER");
		else if (sp->k == K_ID && re && lit != r)
			rc = bind_fail(b, lit->pos, "the regular expression must be on the right%s",
				       "");
		if (rc < 0)
			goto fail;
		n = new_node(b,
			     sp->k == K_ID     ? K_IDCMP
			     : sp->k == K_TYPE ? K_TYPECMP
					       : K_FILTERCMP,
			     VT_BOOL, e->pos);
		if (!n) {
			rc = BF_E_NOMEM;
			goto fail;
		}
		n->op = op;
		n->l = sp;
		n->r = lit;
		if (n->k == K_IDCMP && re)
			rc = compile_regex(b, n, lit);
		else if (n->k == K_TYPECMP)
			rc = type_threshold(b, lit, &n->type_thr);
		else if (n->k == K_FILTERCMP)
			rc = bind_filter_cmp(b, n, lit);
		if (rc < 0) {
			node_free(n);
			return rc;
		}
		*out = n;
		return 0;
	}
	if (l->t == VT_BOOL || r->t == VT_BOOL) {
		rc = bind_fail(
		    b, (l->t == VT_BOOL ? l : r)->pos,
		    "a comparison cannot be compared (use && or || between comparisons)%s", "");
		goto fail;
	}
	/* "." against a numeric INFO field or QUAL is the missing value */
	if (eqne && is_const_str(l) && !strcmp(l->str, ".") && missing_ok(r)) {
		l->k = K_MISSC;
		l->t = VT_NUM;
	}
	if (eqne && is_const_str(r) && !strcmp(r->str, ".") && missing_ok(l)) {
		r->k = K_MISSC;
		r->t = VT_NUM;
	}
	if (l->t != r->t) {
		rc = bind_fail(b, e->pos,
			       "cannot compare a string with a number (quote numbers only for "
			       "string fields)%s",
			       "");
		goto fail;
	}
	if (re && (l->t != VT_STR || !is_const_str(r))) {
		rc = bind_fail(b, r->pos,
			       "~ and !~ need a field on the left and a quoted regular expression "
			       "on the right%s",
			       "");
		goto fail;
	}
	if (l->t == VT_STR && !eqne && !re) {
		rc = bind_fail(b, e->pos, "strings can be compared only with ==, !=, ~ and !~%s",
			       "");
		goto fail;
	}
	if (!(n = new_node(b, l->t == VT_STR ? K_SCMP : K_CMP, VT_BOOL, e->pos))) {
		rc = BF_E_NOMEM;
		goto fail;
	}
	n->op = op;
	n->l = l;
	n->r = r;
	if (re && (rc = compile_regex(b, n, r)) < 0) {
		node_free(n);
		return rc;
	}
	*out = n;
	return 0;
fail:
	node_free(l);
	node_free(r);
	return rc;
}

static int bind(struct binder *b, const struct expr *e, struct fnode **out)
{
	struct fnode *l = NULL, *r = NULL, *n;
	int rc;

	*out = NULL;
	switch (e->kind) {
	case EXPR_NUM:
		if (!(n = new_node(b, K_NUMC, VT_NUM, e->pos)))
			return BF_E_NOMEM;
		n->num = e->num;
		*out = n;
		return 0;
	case EXPR_STR:
		if (!(n = new_node(b, K_STRC, VT_STR, e->pos)))
			return BF_E_NOMEM;
		if (!(n->str = bf_strdup(e->text))) {
			node_free(n);
			return bf_err_set(b->err, BF_E_NOMEM, "out of memory");
		}
		*out = n;
		return 0;
	case EXPR_IDENT:
		return bind_ident(b, e, out);
	case EXPR_NEG:
		BF_FORWARD(bind(b, e->l, &l));
		if (l->t != VT_NUM) {
			node_free(l);
			return bind_fail(b, e->pos, "unary minus needs a number%s", "");
		}
		if (!(n = new_node(b, K_NEG, VT_NUM, e->pos))) {
			node_free(l);
			return BF_E_NOMEM;
		}
		n->l = l;
		*out = n;
		return 0;
	case EXPR_BIN:
		break;
	}
	BF_FORWARD(bind(b, e->l, &l));
	rc = bind(b, e->r, &r);
	if (rc < 0) {
		node_free(l);
		return rc;
	}
	if (expr_op_is_cmp(e->op))
		return bind_cmp(b, e, l, r, out);
	if (expr_op_is_logic(e->op)) {
		const struct fnode *bad = l->t != VT_BOOL ? l : r->t != VT_BOOL ? r : NULL;

		if (bad) {
			rc = bind_fail(
			    b, bad->pos,
			    "%s needs comparisons on both sides (a bare field or value is "
			    "not a condition)",
			    expr_op_name(e->op));
			node_free(l);
			node_free(r);
			return rc;
		}
		if (!(n = new_node(b, K_LOGIC, VT_BOOL, e->pos)))
			goto nomem;
	} else {
		const struct fnode *bad = l->t != VT_NUM ? l : r->t != VT_NUM ? r : NULL;

		if (bad) {
			rc = bind_fail(b, bad->pos, "the operator %s needs numbers on both sides",
				       expr_op_name(e->op));
			node_free(l);
			node_free(r);
			return rc;
		}
		if (!(n = new_node(b, K_ARITH, VT_NUM, e->pos)))
			goto nomem;
	}
	n->op = e->op;
	n->l = l;
	n->r = r;
	*out = n;
	return 0;
nomem:
	node_free(l);
	node_free(r);
	return BF_E_NOMEM;
}

int filter_parse(const char *expr, const struct vcz *v, struct filter **out, struct bf_err *err)
{
	struct expr *e = NULL;
	struct binder b;
	struct filter *f;
	int rc;

	*out = NULL;
	BF_FORWARD(expr_parse(expr, &e, err));
	f = bf_calloc(1, sizeof(*f));
	if (!f) {
		expr_free(e);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	f->src_filter = f->src_ac = f->src_an = -1;
	b.v = v;
	b.f = f;
	b.expr = expr;
	b.err = err;
	rc = bind(&b, e, &f->root);
	if (rc == 0 && f->root->t != VT_BOOL)
		rc = bind_fail(&b, f->root->pos,
			       "the expression is not a condition (compare the field with a value, "
			       "e.g. DB=1)%s",
			       "");
	if (rc == 0 && (f->need_gt || f->acan_info)) {
		if (has_info(v, "AC") && (f->src_ac = add_src(&b, "variant_AC")) < 0)
			rc = f->src_ac;
		if (rc == 0 && has_info(v, "AN") && (f->src_an = add_src(&b, "variant_AN")) < 0)
			rc = f->src_an;
	}
	expr_free(e);
	if (rc < 0) {
		filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Evaluation */

struct nscratch {
	double *v;
	uint8_t *m;
	int cap;
	struct bf_strbuf sb;
};

struct gtstats {
	int32_t *cnt; /* n x ncols allele counts */
	int32_t *an, *nmiss, *ns;
	int ncols;
};

struct ectx {
	const struct filter *f;
	const struct vcz *v;
	struct vcz_column *cols;
	struct vcz_meta *m;
	struct gtstats *gs;
	bool subset;
	bool has_gt;
	size_t nsel;
	int64_t r;
	struct nscratch *ns;
	const char *const *contigs;
	char *const *fids_unused;
};

struct nv {
	int n;
	const double *v;
	const uint8_t *m; /* NULL: none missing */
};

static const uint8_t zeros[1] = {0};
static const uint8_t ones[1] = {1};

static int grow(struct nscratch *s, int n)
{
	if (n <= s->cap)
		return 0;
	{
		double *v = bf_realloc(s->v, (size_t)n * sizeof(double));
		uint8_t *m;

		if (!v)
			return BF_E_NOMEM;
		s->v = v;
		m = bf_realloc(s->m, (size_t)n);
		if (!m)
			return BF_E_NOMEM;
		s->m = m;
		s->cap = n;
	}
	return 0;
}

static int n_alt(const struct ectx *c)
{
	return vcz_meta_n_alt(c->m, c->r);
}

/* Non-empty alleles in order (REF first), as the VCF record lists them. */
static int allele(const struct ectx *c, int i, const char **p, size_t *len)
{
	int col, k = 0;

	for (col = 0; col < c->m->n_allele_cols; col++) {
		vcz_meta_allele(c->m, c->r, col, p, len);
		if (col > 0 && *len == 0)
			continue;
		if (k++ == i)
			return 1;
	}
	*p = "";
	*len = 0;
	return 0;
}

/*
 * Select values per a subscript, bcftools' INFO vector rules (X[k] of a
 * one-value vector is that value).  dv/dm may be o's own buffers.
 */
static void apply_sub(const struct fnode *n, struct nv *o, double *dv, uint8_t *dm)
{
	int i, j = 0, cnt = o->n;

	if (n->sub == SUB_NONE || n->sub == SUB_ALL || cnt == 0)
		return;
	if (n->sub == SUB_IDX) {
		int k = cnt == 1 ? 0 : n->idx;
		double x;

		if (cnt == 1 && o->m && o->m[0] && n->k == K_INFO) {
			/* bcftools returns a one-value vector's raw value unchecked */
			dv[0] = n->ftype == VCZ_FIELD_INT ? -2147483648.0 : NAN;
			dm[0] = 0;
			o->n = 1;
			o->v = dv;
			o->m = dm;
			return;
		}
		if (k >= cnt || (o->m && o->m[k])) {
			o->n = 0;
			return;
		}
		x = o->v[k];
		dv[0] = x;
		dm[0] = 0;
		o->n = 1;
	} else {
		int end = n->idxs[n->nidxs - 1] < 0 ? cnt - 1 : n->nidxs - 1;

		if (end >= cnt)
			end = cnt - 1;
		for (i = 0; i <= end; i++) {
			if (i >= n->nidxs || n->idxs[i]) {
				uint8_t mm = o->m ? o->m[i] : 0;

				dv[j] = o->v[i];
				dm[j] = mm;
				j++;
			}
		}
		o->n = j;
	}
	o->v = dv;
	o->m = dm;
}

static int eval_num(struct ectx *c, const struct fnode *n, struct nv *o);

/* AC / AN source for a site: stored INFO (no -s) or the genotypes. */
static int ac_values(struct ectx *c, const struct fnode *n, struct nv *o, int kind)
{
	struct nscratch *s = &c->ns[n->id];
	const int na = n_alt(c);
	const struct gtstats *g = c->gs;
	const int32_t *cnt = g ? g->cnt + (size_t)c->r * (size_t)g->ncols : NULL;
	int an, i, nv = 0;
	int32_t acbuf[256];
	int nall = na + 1 > 256 ? 256 : na + 1;
	bool from_info = false;

	BF_FORWARD(grow(s, nall + 1));
	o->v = s->v;
	o->m = s->m;
	memset(s->m, 0, (size_t)nall + 1);
	if (!c->has_gt && !(kind != K_AC && kind != K_AN)) {
		o->n = kind == K_AN ? 1 : 0;
		s->v[0] = 0;
		return 0;
	}
	/* AF/MAC/MAF without -s: INFO/AC and INFO/AN when the store has both */
	if (kind != K_AC && kind != K_AN && !c->subset && c->f->src_ac >= 0 && c->f->src_an >= 0) {
		const struct vcz_column *ac = &c->cols[c->f->src_ac];
		const struct vcz_column *anc = &c->cols[c->f->src_an];
		const size_t w = (size_t)ac->width;
		const uint8_t *st = ac->state + (size_t)c->r * w;
		int nac = 0;
		bool any = false;

		for (i = 0; i < (int)w && st[i] != VCZ_FILL; i++)
			any |= st[i] == VCZ_VAL;
		nac = i;
		if (any && anc->state[c->r] == VCZ_VAL) {
			int sum = 0;

			if (nac != na) {
				o->n = 0;
				return 0;
			}
			for (i = 0; i < nac && i < 255; i++) {
				acbuf[i + 1] = (int32_t)ac->num[(size_t)c->r * w + (size_t)i];
				sum += acbuf[i + 1];
			}
			acbuf[0] = (int32_t)anc->num[c->r] - sum;
			from_info = true;
		}
	}
	if (!from_info) {
		if (!c->has_gt) {
			o->n = 0;
			return 0;
		}
		for (i = 0; i < nall; i++)
			acbuf[i] = i < g->ncols ? cnt[i] : 0;
	}
	an = 0;
	for (i = 0; i < nall; i++)
		an += acbuf[i];
	if (kind == K_AN) {
		o->n = 1;
		s->v[0] = an;
		return 0;
	}
	if (an == 0 && !(c->subset && kind == K_AC && na > 0)) {
		o->n = 0;
		return 0;
	}
	if (c->subset && kind == K_AC) {
		/* INFO/AC as `bcftools view -s` writes it */
		if (na == 0) {
			o->n = 0;
			return 0;
		}
		for (i = 0; i < na; i++)
			s->v[i] = acbuf[i + 1];
		o->n = na;
		apply_sub(n, o, s->v, s->m);
		return 0;
	}
	/* bcftools' computed AC/AF/MAC/MAF: no subscript means the first ALT ([0]) */
	if (n->sub == SUB_IDX || n->sub == SUB_NONE) {
		int k = n->sub == SUB_IDX ? n->idx : 0;

		s->v[0] = k + 1 < nall ? acbuf[k + 1] : 0;
		nv = 1;
	} else if (na == 0) {
		s->v[0] = 0;
		nv = 1;
	} else {
		for (i = 1; i < nall; i++)
			s->v[i - 1] = acbuf[i];
		nv = na;
	}
	for (i = 0; i < nv; i++) {
		double x = s->v[i];

		switch (kind) {
		case K_MAC:
			if (x > an * 0.5)
				x = an - x;
			break;
		case K_AF:
			x /= (double)an;
			break;
		case K_MAF:
			x /= (double)an;
			if (x > 0.5)
				x = 1 - x;
			break;
		default:
			break;
		}
		s->v[i] = x;
	}
	o->n = nv;
	return 0;
}

static int eval_info_num(struct ectx *c, const struct fnode *n, struct nv *o)
{
	const struct vcz_column *col = &c->cols[n->src];
	struct nscratch *s = &c->ns[n->id];
	const size_t w = (size_t)col->width;
	const double *v = col->num + (size_t)c->r * w;
	const uint8_t *st = col->state + (size_t)c->r * w;
	int i, cnt;
	bool any = false;

	if (n->ftype == VCZ_FIELD_BOOL) {
		o->n = 1;
		o->v = v;
		o->m = zeros;
		return 0;
	}
	if (n->ndim == 1) {
		o->n = st[0] == VCZ_VAL ? 1 : 0;
		o->v = v;
		o->m = zeros;
		return 0;
	}
	for (cnt = 0; cnt < (int)w && st[cnt] != VCZ_FILL; cnt++)
		any |= st[cnt] == VCZ_VAL;
	if (!any && cnt == (int)w) {
		o->n = 0; /* absent: every slot missing */
		return 0;
	}
	BF_FORWARD(grow(s, cnt + 1));
	for (i = 0; i < cnt; i++) {
		s->v[i] = v[i];
		s->m[i] = st[i] == VCZ_MISSING;
		/* bcftools reads an integer vector's "." as the number INT32_MIN, except X[k] */
		if (s->m[i] && n->ftype == VCZ_FIELD_INT && n->sub != SUB_IDX) {
			s->v[i] = -2147483648.0;
			s->m[i] = 0;
		}
	}
	o->n = cnt;
	o->v = s->v;
	o->m = s->m;
	apply_sub(n, o, s->v, s->m);
	return 0;
}

/* One computed value of the site (POS, N_ALT, N_SAMPLES) into the node's
 * scratch. */
static int eval_num_one(struct nscratch *s, double x, struct nv *o)
{
	BF_FORWARD(grow(s, 1));
	s->v[0] = x;
	o->n = 1;
	o->v = s->v;
	return 0;
}

static int eval_qual(struct ectx *c, const struct fnode *n, struct nscratch *s, struct nv *o)
{
	if (n->src < 0) {
		BF_FORWARD(grow(s, 1));
		s->v[0] = 0;
		o->n = 1;
		o->v = s->v;
		o->m = ones;
		return 0;
	}
	o->n = 1;
	o->v = c->cols[n->src].num + c->r;
	o->m = c->cols[n->src].state[c->r] == VCZ_VAL ? zeros : ones;
	return 0;
}

/* NS, N_MISSING, F_MISSING from the genotype counts. */
static int eval_missing(struct ectx *c, const struct fnode *n, struct nscratch *s, struct nv *o)
{
	BF_FORWARD(grow(s, 1));
	o->v = s->v;
	if (c->nsel == 0 && n->k != K_NS) {
		s->v[0] = 0;
		o->n = 1;
		return 0;
	}
	if (!c->has_gt) {
		o->n = 0;
		return 0;
	}
	if (n->k == K_NS)
		s->v[0] = c->gs->ns[c->r];
	else if (n->k == K_NMISS)
		s->v[0] = c->gs->nmiss[c->r];
	else
		s->v[0] = (double)c->gs->nmiss[c->r] / (double)c->nsel;
	o->n = 1;
	return 0;
}

static int eval_ilen(struct ectx *c, struct nscratch *s, struct nv *o)
{
	const char *ref, *a;
	size_t rl, al;
	int na = n_alt(c);
	int i;

	BF_FORWARD(grow(s, na + 1));
	allele(c, 0, &ref, &rl);
	for (i = 0; i < na; i++) {
		allele(c, i + 1, &a, &al);
		s->m[i] = rl == al;
		s->v[i] = (double)al - (double)rl;
	}
	o->n = na;
	o->v = s->v;
	o->m = s->m;
	return 0;
}

static int eval_neg(struct ectx *c, const struct fnode *n, struct nscratch *s, struct nv *o)
{
	struct nv a;
	int i;

	BF_FORWARD(eval_num(c, n->l, &a));
	BF_FORWARD(grow(s, a.n + 1));
	for (i = 0; i < a.n; i++) {
		s->v[i] = -a.v[i];
		s->m[i] = a.m == zeros || a.m == ones ? a.m[0] : a.m[i];
	}
	o->n = a.n;
	o->v = s->v;
	o->m = s->m;
	return 0;
}

/* One arithmetic operation; false when the result is missing. */
static bool arith_one(enum expr_op op, double x, double y, double *z)
{
	switch (op) {
	case EXPR_ADD:
		*z = x + y;
		return true;
	case EXPR_SUB:
		*z = x - y;
		return true;
	case EXPR_MUL:
		*z = x * y;
		return true;
	case EXPR_DIV:
		*z = x / y;
		return true;
	case EXPR_AND:
	case EXPR_AND2:
	case EXPR_EQ:
	case EXPR_GE:
	case EXPR_GT:
	case EXPR_LE:
	case EXPR_LIKE:
	case EXPR_LT:
	case EXPR_MOD:
	case EXPR_NE:
	case EXPR_NLIKE:
	case EXPR_OR:
	case EXPR_OR2:
	default: /* EXPR_MOD: integer remainder, missing for 0 */
		if ((int64_t)y == 0 || x > 9e18 || x < -9e18 || y > 9e18 || y < -9e18)
			return false;
		*z = (double)((int64_t)x % (int64_t)y);
		return true;
	}
}

static int eval_arith(struct ectx *c, const struct fnode *n, struct nscratch *s, struct nv *o)
{
	struct nv a, b;
	int nn, i;
	bool has = false;

	BF_FORWARD(eval_num(c, n->l, &a));
	BF_FORWARD(eval_num(c, n->r, &b));
	if (!a.n || !b.n) {
		o->n = 0;
		return 0;
	}
	nn = a.n > b.n ? a.n : b.n;
	BF_FORWARD(grow(s, nn + 1));
	for (i = 0; i < nn; i++) {
		int ia = a.n == 1 ? 0 : i, ib = b.n == 1 ? 0 : i;
		bool ma, mb;
		double z = 0;

		if (ia >= a.n || ib >= b.n) {
			s->m[i] = 1;
			continue;
		}
		ma = (a.m == zeros || a.m == ones) ? a.m[0] : a.m[ia];
		mb = (b.m == zeros || b.m == ones) ? b.m[0] : b.m[ib];
		if (ma || mb || !arith_one(n->op, a.v[ia], b.v[ib], &z)) {
			s->m[i] = 1;
			continue;
		}
		s->v[i] = z;
		s->m[i] = 0;
		has = true;
	}
	o->n = has ? nn : 0;
	o->v = s->v;
	o->m = s->m;
	return 0;
}

static int eval_num(struct ectx *c, const struct fnode *n, struct nv *o)
{
	struct nscratch *s = &c->ns[n->id];

	o->m = zeros;
	switch (n->k) {
	case K_NUMC:
		o->n = 1;
		o->v = &n->num;
		return 0;
	case K_MISSC:
		o->n = 1;
		o->v = &n->num;
		o->m = ones;
		return 0;
	case K_POS:
		return eval_num_one(s, (double)c->m->pos[c->r], o);
	case K_QUAL:
		return eval_qual(c, n, s, o);
	case K_INFO:
		if (n->acan && c->subset)
			return ac_values(c, n, o, n->acan);
		return eval_info_num(c, n, o);
	case K_NALT:
		return eval_num_one(s, n_alt(c), o);
	case K_NSAMPLES:
		return eval_num_one(s, (double)c->nsel, o);
	case K_AC:
	case K_AN:
	case K_AF:
	case K_MAC:
	case K_MAF:
		return ac_values(c, n, o, (int)n->k);
	case K_NS:
	case K_NMISS:
	case K_FMISS:
		return eval_missing(c, n, s, o);
	case K_ILEN:
		return eval_ilen(c, s, o);
	case K_NEG:
		return eval_neg(c, n, s, o);
	case K_ARITH:
		return eval_arith(c, n, s, o);
	case K_ALT:
	case K_CHROM:
	case K_CMP:
	case K_FILTER:
	case K_FILTERCMP:
	case K_ID:
	case K_IDCMP:
	case K_LOGIC:
	case K_REF:
	case K_SCMP:
	case K_STRC:
	case K_TYPE:
	case K_TYPECMP:
	default:
		return BF_E_INTERNAL;
	}
}

static bool nv_miss(const struct nv *a, int i)
{
	if (a->m == zeros)
		return false;
	if (a->m == ones)
		return true;
	return a->m[i] != 0;
}

static bool cmp_one(enum expr_op op, double x, double y)
{
	/* up to 2^24 the values compare as floats; widening them back is exact */
	if (x <= 16777216 && y <= 16777216) {
		x = (float)x;
		y = (float)y;
	}
	switch (op) {
	case EXPR_EQ:
		return x == y;
	case EXPR_NE:
		return x != y;
	case EXPR_LT:
		return x < y;
	case EXPR_LE:
		return x <= y;
	case EXPR_GT:
		return x > y;
	case EXPR_ADD:
	case EXPR_AND:
	case EXPR_AND2:
	case EXPR_DIV:
	case EXPR_GE:
	case EXPR_LIKE:
	case EXPR_MOD:
	case EXPR_MUL:
	case EXPR_NLIKE:
	case EXPR_OR:
	case EXPR_OR2:
	case EXPR_SUB:
	default:
		return x >= y;
	}
}

static bool cmp_num(enum expr_op op, const struct nv *a, const struct nv *b)
{
	int ml[3] = {0, 0, 0};
	int i, j;

	if (op == EXPR_EQ)
		ml[0] = ml[2] = 1;
	else if (op == EXPR_NE)
		ml[0] = ml[1] = 1;
	if (!a->n && !b->n)
		return ml[2];
	if (!a->n || !b->n) {
		const struct nv *t = a->n ? a : b;

		for (j = 0; j < t->n; j++) {
			if (nv_miss(t, j)) {
				if (ml[2])
					return true;
			} else if (ml[1]) {
				return true;
			}
		}
		return false;
	}
	for (i = 0; i < a->n; i++) {
		int am = nv_miss(a, i);

		for (j = 0; j < b->n; j++) {
			int nm = am + nv_miss(b, j);

			if (nm) {
				if (ml[nm])
					return true;
			} else if (cmp_one(op, a->v[i], b->v[j])) {
				return true;
			}
		}
	}
	return false;
}

/* A string value: bytes (len 0 = absent). */
struct sv {
	const char *p;
	size_t len;
};

static int join_field(struct bf_strbuf *sb, const char *p, size_t len)
{
	if (sb->len && bf_strbuf_addc(sb, ',') < 0)
		return BF_E_NOMEM;
	return bf_strbuf_add(sb, p, len) < 0 ? BF_E_NOMEM : 0;
}

/* Keep the selected comma-separated fields of sb's contents (bcftools' TAG[...] on strings). */
static int sub_fields(const struct fnode *n, struct bf_strbuf *sb, const char *p, size_t len,
		      struct sv *o)
{
	size_t i = 0, b0;
	int k = 0;

	bf_strbuf_reset(sb);
	if (n->sub == SUB_NONE || n->sub == SUB_ALL) {
		o->p = p;
		o->len = len;
		return 0;
	}
	while (i <= len) {
		b0 = i;
		while (i < len && p[i] != ',')
			i++;
		if ((n->sub == SUB_IDX && k == n->idx) ||
		    (n->sub == SUB_LIST &&
		     (k >= n->nidxs ? n->idxs[n->nidxs - 1] < 0 : n->idxs[k] != 0)))
			BF_FORWARD(join_field(sb, p + b0, i - b0));
		k++;
		i++;
	}
	if (bf_strbuf_addc(sb, 0) < 0)
		return BF_E_NOMEM;
	sb->len--;
	o->p = sb->buf ? sb->buf : "";
	o->len = sb->len;
	return 0;
}

/* ALT, or the subscripted alleles of ALT[...], comma-joined. */
static int eval_alt_str(struct ectx *c, const struct fnode *n, struct nscratch *s, struct sv *o)
{
	const char *p;
	size_t len;
	int na = n_alt(c);
	int i;

	bf_strbuf_reset(&s->sb);
	if (n->sub == SUB_IDX) {
		if (n->idx < na)
			allele(c, n->idx + 1, &o->p, &o->len);
		else {
			o->p = ".";
			o->len = 1;
		}
		return 0;
	}
	if (na == 0) {
		o->p = ".";
		o->len = 1;
		return 0;
	}
	for (i = 0; i < na; i++) {
		if (n->sub == SUB_LIST &&
		    !(i >= n->nidxs ? n->idxs[n->nidxs - 1] < 0 : n->idxs[i] != 0))
			continue;
		allele(c, i + 1, &p, &len);
		BF_FORWARD(join_field(&s->sb, p, len));
	}
	o->p = s->sb.buf ? s->sb.buf : "";
	o->len = s->sb.len;
	return 0;
}

/* A string INFO field stored over several columns (one value each):
 * comma-joined into the node's scratch, then subscripted. */
static int eval_info_strs(struct ectx *c, const struct fnode *n, struct nscratch *s, struct sv *o)
{
	const struct vcz_column *col = &c->cols[n->src];
	struct bf_strbuf tmp;
	const char *p;
	size_t len;
	int i;

	bf_strbuf_init(&tmp);
	{
		bool all_dots = true;

		for (i = 0; i < col->width; i++) {
			vcz_column_string(col, c->r, i, &p, &len);
			if (len == 0)
				break;
			all_dots &= len == 1 && p[0] == '.';
		}
		if (all_dots) {
			/* an absent field (bio2zarr writes "." in every column) */
			o->p = "";
			o->len = 0;
			return 0;
		}
	}
	for (i = 0; i < col->width; i++) {
		vcz_column_string(col, c->r, i, &p, &len);
		if (len == 0)
			break;
		if (join_field(&tmp, p, len) < 0) {
			bf_strbuf_release(&tmp);
			return BF_E_NOMEM;
		}
	}
	bf_strbuf_reset(&s->sb);
	if (bf_strbuf_add(&s->sb, tmp.buf ? tmp.buf : "", tmp.len) < 0) {
		bf_strbuf_release(&tmp);
		return BF_E_NOMEM;
	}
	bf_strbuf_release(&tmp);
	if (n->sub == SUB_NONE || n->sub == SUB_ALL || s->sb.len == 0) {
		o->p = s->sb.buf ? s->sb.buf : "";
		o->len = s->sb.len;
		return 0;
	}
	{
		char *copy = bf_strndup(s->sb.buf, s->sb.len);
		int rc;

		if (!copy)
			return BF_E_NOMEM;
		rc = sub_fields(n, &s->sb, copy, strlen(copy), o);
		/* o points into s->sb, not copy */
		bf_free(copy);
		return rc;
	}
}

static int eval_info_str(struct ectx *c, const struct fnode *n, struct nscratch *s, struct sv *o)
{
	const char *p;
	size_t len;

	if (n->ndim != 1)
		return eval_info_strs(c, n, s, o);
	vcz_column_string(&c->cols[n->src], c->r, 0, &p, &len);
	if (len == 1 && p[0] == '.')
		len = 0;
	if (n->sub == SUB_NONE || n->sub == SUB_ALL || len == 0) {
		o->p = p;
		o->len = len;
		return 0;
	}
	return sub_fields(n, &s->sb, p, len, o);
}

static int eval_str(struct ectx *c, const struct fnode *n, struct sv *o)
{
	struct nscratch *s = &c->ns[n->id];

	switch (n->k) {
	case K_STRC:
		o->p = n->str;
		o->len = strlen(n->str);
		return 0;
	case K_CHROM:
		o->p = c->v->contigs[c->m->contig[c->r]];
		o->len = c->v->contig_len[c->m->contig[c->r]];
		return 0;
	case K_REF:
		allele(c, 0, &o->p, &o->len);
		return 0;
	case K_ALT:
		return eval_alt_str(c, n, s, o);
	case K_INFO:
		return eval_info_str(c, n, s, o);
	case K_AC:
	case K_AF:
	case K_AN:
	case K_ARITH:
	case K_CMP:
	case K_FILTER:
	case K_FILTERCMP:
	case K_FMISS:
	case K_ID:
	case K_IDCMP:
	case K_ILEN:
	case K_LOGIC:
	case K_MAC:
	case K_MAF:
	case K_MISSC:
	case K_NALT:
	case K_NEG:
	case K_NMISS:
	case K_NS:
	case K_NSAMPLES:
	case K_NUMC:
	case K_POS:
	case K_QUAL:
	case K_SCMP:
	case K_TYPE:
	case K_TYPECMP:
	default:
		return BF_E_INTERNAL;
	}
}

static bool has_missing_field(const struct sv *s)
{
	size_t i = 0, b0;

	while (i < s->len) {
		b0 = i;
		while (i < s->len && s->p[i] != ',')
			i++;
		if (i - b0 == 1 && s->p[b0] == '.')
			return true;
		i++;
	}
	return false;
}

static bool match_strings(const struct sv *a, const struct sv *b, bool ne, const int *ml)
{
	size_t i = 0;

	while (i < a->len) {
		size_t a0 = i, j = 0;
		int am;

		while (i < a->len && a->p[i] != ',')
			i++;
		am = i - a0 == 1 && a->p[a0] == '.';
		while (j < b->len) {
			size_t b0 = j;
			int nm;

			while (j < b->len && b->p[j] != ',')
				j++;
			nm = am + (j - b0 == 1 && b->p[b0] == '.');
			if (nm) {
				if (ml[nm])
					return true;
			} else {
				bool eq = i - a0 == j - b0 && !memcmp(a->p + a0, b->p + b0, i - a0);

				if (eq != ne)
					return true;
			}
			j++;
		}
		i++;
	}
	return false;
}

static int regex_strings(const regex_t *re, const struct sv *a, bool neg, const int *ml, bool *out)
{
	size_t i = 0;
	char buf[1024];

	*out = false;
	while (i < a->len) {
		size_t a0 = i, l;
		int match;
		char *str = buf;

		while (i < a->len && a->p[i] != ',')
			i++;
		l = i - a0;
		if (l == 1 && a->p[a0] == '.' && ml[1]) {
			*out = true;
			return 0;
		}
		if (l >= sizeof(buf) && !(str = bf_malloc(l + 1)))
			return BF_E_NOMEM;
		memcpy(str, a->p + a0, l);
		str[l] = 0;
		match = regexec(re, str, 0, NULL, 0) == 0;
		if (str != buf)
			bf_free(str);
		if (neg)
			match = !match;
		if (match) {
			*out = true;
			return 0;
		}
		i++;
	}
	return 0;
}

/* bcftools' (htslib's) variant class of one ALT against REF: 0 ref, 1 snp, 2 mnp, 4 indel,
 * 8 other, 16 bnd, 32 overlap. */
static int alt_type(const char *ref, size_t rl, const char *alt, size_t al)
{
	size_t i = 0, re, ae;

	if (al == 1 && alt[0] == '*')
		return 32;
	if (rl == 1 && al == 1) {
		if (alt[0] == '.' || alt[0] == ref[0] || alt[0] == 'X')
			return 0;
		return 1;
	}
	if (alt[0] == '<') {
		if ((al >= 3 && (alt[1] == 'X' || alt[1] == '*') && alt[2] == '>') ||
		    (al == 9 && !memcmp(alt + 1, "NON_REF>", 8)))
			return 0;
		return 8;
	}
	if (alt[0] == ']' || alt[0] == '[')
		return 16;
	while (i < rl && i < al && toupper((unsigned char)ref[i]) == toupper((unsigned char)alt[i]))
		i++;
	if (i < al && i == rl)
		return (alt[i] == ']' || alt[i] == '[') ? 16 : 4;
	if (i < rl && i == al)
		return 4;
	if (i == rl && i == al)
		return 0;
	re = rl - 1;
	ae = al - 1;
	while (re > i && ae > i &&
	       toupper((unsigned char)ref[re]) == toupper((unsigned char)alt[ae])) {
		re--;
		ae--;
	}
	if (ae == i) {
		if (re == i)
			return 1;
		return toupper((unsigned char)ref[re]) == toupper((unsigned char)alt[ae]) ? 4 : 8;
	}
	if (re == i)
		return toupper((unsigned char)ref[re]) == toupper((unsigned char)alt[ae]) ? 4 : 8;
	return re - i == ae - i ? 2 : 8;
}

static int site_type(const struct ectx *c)
{
	const char *ref, *alt;
	size_t rl, al;
	int i, na = n_alt(c), t = 0;

	allele(c, 0, &ref, &rl);
	for (i = 0; i < na; i++) {
		allele(c, i + 1, &alt, &al);
		t |= alt_type(ref, rl, alt, al);
	}
	return t ? t << 1 : 1;
}

static int eval_bool(struct ectx *c, const struct fnode *n, bool *out);

/* &&, ||, & and |, short-circuited. */
static int eval_logic(struct ectx *c, const struct fnode *n, bool *out)
{
	bool a, b;

	BF_FORWARD(eval_bool(c, n->l, &a));
	if ((n->op == EXPR_AND || n->op == EXPR_AND2) && !a) {
		*out = false;
		return 0;
	}
	if ((n->op == EXPR_OR || n->op == EXPR_OR2) && a) {
		*out = true;
		return 0;
	}
	BF_FORWARD(eval_bool(c, n->r, &b));
	*out = b;
	return 0;
}

static int eval_scmp(struct ectx *c, const struct fnode *n, bool *out)
{
	struct sv a, b;
	int ml[3] = {0, 0, 0};
	bool ne = n->op == EXPR_NE || n->op == EXPR_NLIKE;

	if (ne)
		ml[0] = ml[1] = 1;
	else
		ml[0] = ml[2] = 1;
	BF_FORWARD(eval_str(c, n->l, &a));
	BF_FORWARD(eval_str(c, n->r, &b));
	if (!a.len && !b.len) {
		*out = ml[2];
		return 0;
	}
	if (!a.len || !b.len) {
		*out = ml[has_missing_field(a.len ? &a : &b) + 1];
		return 0;
	}
	if (!n->has_re) {
		*out = match_strings(&a, &b, ne, ml);
		return 0;
	}
	return regex_strings(&n->re, &a, ne, ml, out);
}

static int eval_idcmp(struct ectx *c, const struct fnode *n, bool *out)
{
	const char *p;
	size_t len;
	char buf[1024], *s = buf;

	vcz_meta_id(c->m, c->r, &p, &len);
	if (len == 0) {
		p = ".";
		len = 1;
	}
	if (len >= sizeof(buf) && !(s = bf_malloc(len + 1)))
		return BF_E_NOMEM;
	memcpy(s, p, len);
	s[len] = 0;
	if (n->has_re) {
		*out = regexec(&n->re, s, 0, NULL, 0) == 0;
		if (n->op == EXPR_NLIKE)
			*out = !*out;
	} else {
		*out = (strcmp(s, n->r->str) == 0) == (n->op == EXPR_EQ);
	}
	if (s != buf)
		bf_free(s);
	return 0;
}

static bool type_cmp(const struct ectx *c, const struct fnode *n)
{
	int t = site_type(c);

	switch (n->op) {
	case EXPR_EQ:
		return t == n->type_thr;
	case EXPR_NE:
		return t != n->type_thr;
	case EXPR_LIKE:
		return (t & n->type_thr) != 0;
	case EXPR_ADD:
	case EXPR_AND:
	case EXPR_AND2:
	case EXPR_DIV:
	case EXPR_GE:
	case EXPR_GT:
	case EXPR_LE:
	case EXPR_LT:
	case EXPR_MOD:
	case EXPR_MUL:
	case EXPR_NLIKE:
	case EXPR_OR:
	case EXPR_OR2:
	case EXPR_SUB:
	default:
		return (t & n->type_thr) == 0;
	}
}

static bool filter_cmp(const struct ectx *c, const struct fnode *n)
{
	const struct vcz_column *col = c->f->src_filter >= 0 ? &c->cols[c->f->src_filter] : NULL;
	const size_t w = col ? (size_t)col->width : 0;
	const double *row = col ? col->num + (size_t)c->r * w : NULL;
	int nset = 0, j, found = 0;
	size_t i;

	for (i = 0; i < w; i++)
		nset += row[i] != 0;
	for (j = 0; j < n->nfids; j++) {
		int id = n->fids[j];

		if ((size_t)id < w && row[id] != 0)
			found++;
	}
	switch (n->op) {
	case EXPR_LIKE: /* all listed are set */
		return n->nfids == 0 ? nset == 0 : (nset > 0 && found == n->nfids);
	case EXPR_NLIKE:
		return n->nfids == 0 ? nset > 0 : (nset == 0 || found != n->nfids);
	case EXPR_NE:
		return n->nfids != nset || (n->nfids > 0 && found != n->nfids);
	case EXPR_ADD:
	case EXPR_AND:
	case EXPR_AND2:
	case EXPR_DIV:
	case EXPR_EQ:
	case EXPR_GE:
	case EXPR_GT:
	case EXPR_LE:
	case EXPR_LT:
	case EXPR_MOD:
	case EXPR_MUL:
	case EXPR_OR:
	case EXPR_OR2:
	case EXPR_SUB:
	default:
		return n->nfids == nset && found == n->nfids;
	}
}

static int eval_bool(struct ectx *c, const struct fnode *n, bool *out)
{
	switch (n->k) {
	case K_LOGIC:
		return eval_logic(c, n, out);
	case K_CMP: {
		struct nv a, b;

		BF_FORWARD(eval_num(c, n->l, &a));
		BF_FORWARD(eval_num(c, n->r, &b));
		*out = cmp_num(n->op, &a, &b);
		return 0;
	}
	case K_SCMP:
		return eval_scmp(c, n, out);
	case K_IDCMP:
		return eval_idcmp(c, n, out);
	case K_TYPECMP:
		*out = type_cmp(c, n);
		return 0;
	case K_FILTERCMP:
		*out = filter_cmp(c, n);
		return 0;
	case K_AC:
	case K_AF:
	case K_ALT:
	case K_AN:
	case K_ARITH:
	case K_CHROM:
	case K_FILTER:
	case K_FMISS:
	case K_ID:
	case K_ILEN:
	case K_INFO:
	case K_MAC:
	case K_MAF:
	case K_MISSC:
	case K_NALT:
	case K_NEG:
	case K_NMISS:
	case K_NS:
	case K_NSAMPLES:
	case K_NUMC:
	case K_POS:
	case K_QUAL:
	case K_REF:
	case K_STRC:
	case K_TYPE:
	default:
		return BF_E_INTERNAL;
	}
}

/* ------------------------------------------------------------------ */
/* Genotype statistics of one chunk for the selected samples. */

#define MAX_SIMD_ALLELES 8

#if defined(__SSE2__)
/* Diploid rows, alleles 0 .. ncols-1 (ncols <= MAX_SIMD_ALLELES), 8 samples a step. */
static size_t count_pairs_sse2(const int8_t *g, size_t nsel, int ncols, bool need_miss,
			       int64_t *cnt, int64_t *nmiss, int64_t *ns)
{
	const __m128i zero = _mm_setzero_si128(), lo = _mm_set1_epi16(0x00FF);
	const __m128i mone = _mm_set1_epi8(-1), mtwo = _mm_set1_epi8(-2);
	const size_t steps = nsel / 8;
	__m128i av[MAX_SIMD_ALLELES], acc[MAX_SIMD_ALLELES], am = zero, ac = zero;
	size_t k = 0;
	int a;

	for (a = 0; a < ncols; a++) {
		av[a] = _mm_set1_epi8((char)a);
		acc[a] = zero;
	}
	while (k < steps) {
		size_t end = k + 255 < steps ? k + 255 : steps;

		for (; k < end; k++) {
			const __m128i v =
			    _mm_loadu_si128((const __m128i *)(const void *)(g + 16 * k));

			for (a = 0; a < ncols; a++)
				acc[a] = _mm_sub_epi8(acc[a], _mm_cmpeq_epi8(v, av[a]));
			if (need_miss) {
				const __m128i m1 = _mm_cmpeq_epi8(v, mone);
				const __m128i nf = _mm_andnot_si128(_mm_cmpeq_epi8(v, mtwo), lo);
				const __m128i cb = _mm_cmpgt_epi8(v, mone);
				const __m128i miss =
				    _mm_or_si128(_mm_and_si128(m1, lo),
						 _mm_and_si128(nf, _mm_srli_epi16(m1, 8)));
				const __m128i call =
				    _mm_or_si128(_mm_and_si128(cb, lo),
						 _mm_and_si128(nf, _mm_srli_epi16(cb, 8)));

				am = _mm_sub_epi8(am, miss);
				ac = _mm_sub_epi8(ac, call);
			}
		}
		for (a = 0; a < ncols; a++) {
			__m128i t = _mm_sad_epu8(acc[a], zero);

			cnt[a] += _mm_cvtsi128_si32(t) + _mm_cvtsi128_si32(_mm_srli_si128(t, 8));
			acc[a] = zero;
		}
		if (need_miss) {
			/* miss/call bytes hold 0xFF per counted sample in the low byte: -1 each */
			__m128i t = _mm_sad_epu8(am, zero), u = _mm_sad_epu8(ac, zero);

			*nmiss += _mm_cvtsi128_si32(t) + _mm_cvtsi128_si32(_mm_srli_si128(t, 8));
			*ns += _mm_cvtsi128_si32(u) + _mm_cvtsi128_si32(_mm_srli_si128(u, 8));
			am = ac = zero;
		}
	}
	return steps * 8;
}
#endif

#if BF_HAVE_X86
__attribute__((target("avx2"))) static int64_t hsum4(__m256i t)
{
	return _mm256_extract_epi64(t, 0) + _mm256_extract_epi64(t, 1) +
	       _mm256_extract_epi64(t, 2) + _mm256_extract_epi64(t, 3);
}

/* The same, 16 samples a step (AVX2). */
__attribute__((target("avx2"))) static size_t count_pairs_avx2(const int8_t *g, size_t nsel,
							       int ncols, bool need_miss,
							       int64_t *cnt, int64_t *nmiss,
							       int64_t *ns)
{
	const __m256i zero = _mm256_setzero_si256(), lo = _mm256_set1_epi16(0x00FF);
	const __m256i mone = _mm256_set1_epi8(-1), mtwo = _mm256_set1_epi8(-2);
	const size_t steps = nsel / 16;
	__m256i av[MAX_SIMD_ALLELES], acc[MAX_SIMD_ALLELES], am = zero, ac = zero;
	size_t k = 0;
	int a;

	for (a = 0; a < ncols; a++) {
		av[a] = _mm256_set1_epi8((char)a);
		acc[a] = zero;
	}
	while (k < steps) {
		size_t end = k + 255 < steps ? k + 255 : steps;

		for (; k < end; k++) {
			const __m256i v =
			    _mm256_loadu_si256((const __m256i *)(const void *)(g + 32 * k));

			for (a = 0; a < ncols; a++)
				acc[a] = _mm256_sub_epi8(acc[a], _mm256_cmpeq_epi8(v, av[a]));
			if (need_miss) {
				const __m256i m1 = _mm256_cmpeq_epi8(v, mone);
				const __m256i nf =
				    _mm256_andnot_si256(_mm256_cmpeq_epi8(v, mtwo), lo);
				const __m256i cb = _mm256_cmpgt_epi8(v, mone);
				const __m256i miss =
				    _mm256_or_si256(_mm256_and_si256(m1, lo),
						    _mm256_and_si256(nf, _mm256_srli_epi16(m1, 8)));
				const __m256i call =
				    _mm256_or_si256(_mm256_and_si256(cb, lo),
						    _mm256_and_si256(nf, _mm256_srli_epi16(cb, 8)));

				am = _mm256_sub_epi8(am, miss);
				ac = _mm256_sub_epi8(ac, call);
			}
		}
		for (a = 0; a < ncols; a++) {
			cnt[a] += hsum4(_mm256_sad_epu8(acc[a], zero));
			acc[a] = zero;
		}
		if (need_miss) {
			/* miss/call bytes hold 0xFF per counted sample in the low byte: -1 each */
			*nmiss += hsum4(_mm256_sad_epu8(am, zero));
			*ns += hsum4(_mm256_sad_epu8(ac, zero));
			am = ac = zero;
		}
	}
	return steps * 16;
}
#endif

static void count_row(const int8_t *g, size_t nsel, int ploidy, int ncols, bool need_miss,
		      int32_t *cnt, int32_t *an, int32_t *nmiss, int32_t *ns)
{
	int64_t c[256], m = 0, called = 0, a = 0;
	size_t j = 0, k, nb = nsel * (size_t)ploidy;
	int i;

	memset(c, 0, (size_t)ncols * sizeof(int64_t));
#if BF_HAVE_X86
	if (ploidy == 2 && ncols <= MAX_SIMD_ALLELES && bf_cpu_level() >= BF_SIMD_AVX2)
		j = count_pairs_avx2(g, nsel, ncols, need_miss, c, &m, &called);
#endif
#if defined(__SSE2__)
	if (ploidy == 2 && ncols <= MAX_SIMD_ALLELES && j == 0) {
		j = count_pairs_sse2(g, nsel, ncols, need_miss, c, &m, &called);
	} else if (ploidy == 2 && ncols <= MAX_SIMD_ALLELES && j < nsel) {
		/* the 8-sample step picks up what the 16-sample one left */
		j += count_pairs_sse2(g + 2 * j, nsel - j, ncols, need_miss, c, &m, &called);
	}
#endif
	if (j < nsel || ploidy != 2 || ncols > MAX_SIMD_ALLELES) {
		/* four tables break the store-to-load chains of one histogram */
		uint32_t h[4][256];

		memset(h, 0, sizeof(h));
		k = j * (size_t)ploidy;
		for (; k + 4 <= nb; k += 4) {
			h[0][(uint8_t)g[k]]++;
			h[1][(uint8_t)g[k + 1]]++;
			h[2][(uint8_t)g[k + 2]]++;
			h[3][(uint8_t)g[k + 3]]++;
		}
		for (; k < nb; k++)
			h[0][(uint8_t)g[k]]++;
		for (i = 0; i < ncols; i++)
			c[i] += (int64_t)h[0][i] + h[1][i] + h[2][i] + h[3][i];
	}
	for (i = 0; i < ncols; i++) {
		cnt[i] = (int32_t)c[i];
		a += c[i];
	}
	*an = (int32_t)a;
	if (!need_miss)
		return;
	if (ploidy == 2) {
		for (; j < nsel; j++) {
			int8_t x = g[2 * j], y = g[2 * j + 1];

			m += (x == -1) | ((x != -2) & (y == -1));
			called += (x >= 0) | ((x != -2) & (y >= 0));
		}
	} else {
		for (j = 0; j < nsel; j++) {
			const int8_t *p = g + j * (size_t)ploidy;
			int q, miss = 0, call = 0;

			for (q = 0; q < ploidy; q++) {
				if (p[q] == -2)
					break;
				if (p[q] == -1) {
					miss = 1;
					break;
				}
				call = 1;
			}
			for (; q < ploidy && !call; q++)
				call = p[q] >= 0;
			m += miss;
			called += call;
		}
	}
	*nmiss = (int32_t)m;
	*ns = (int32_t)called;
}

struct gtwalk {
	struct gtstats *gs;
	uint32_t first;
	int ploidy;
	bool need_miss;
};

/* Add one block's counts (sample blocks of a row add up). */
static int gt_block(void *ctx, const struct vcz_block *b, struct bf_err *err)
{
	struct gtwalk *w = ctx;
	struct gtstats *gs = w->gs;
	int32_t cnt[256];
	size_t r;

	(void)err;
	if (b->kind != VCZ_BLOCK_BYTES)
		return BF_E_INTERNAL;
	for (r = 0; r < b->nrows; r++) {
		const size_t R = w->first + b->r0 + r;
		int32_t an = 0, nm = 0, ns = 0;
		int i;

		count_row(b->gt + r * b->stride, b->n, w->ploidy, gs->ncols, w->need_miss, cnt, &an,
			  &nm, &ns);
		for (i = 0; i < gs->ncols; i++)
			gs->cnt[R * (size_t)gs->ncols + (size_t)i] += cnt[i];
		gs->an[R] += an;
		gs->nmiss[R] += nm;
		gs->ns[R] += ns;
	}
	return 0;
}

/*
 * Rows a genotype request asks for: up to 256, fewer when the selection is wide, so a
 * worker's gather buffer stays near 16 MiB (a biobank of 500,000 samples: 16 rows).
 */
static int64_t gt_batch(const struct vcz *v, const struct vcz_samplesel *sel)
{
	const size_t row = sel->n * (size_t)(v->ploidy > 0 ? v->ploidy : 1) + 1;
	size_t b = ((size_t)16 << 20) / row;

	return b < 1 ? 1 : b > 256 ? 256 : (int64_t)b;
}

static int gt_chunk(const struct vcz *v, struct vcz_reader *rd, int64_t ci, int64_t lo, int64_t hi,
		    const struct vcz_samplesel *sel, int ploidy, bool need_miss, struct gtstats *gs,
		    struct bf_err *err)
{
	struct gtwalk w = {gs, 0, ploidy, need_miss};
	const int64_t batch = gt_batch(v, sel);
	int64_t r0;

	memset(gs->cnt + (size_t)lo * (size_t)gs->ncols, 0,
	       (size_t)(hi - lo) * (size_t)gs->ncols * sizeof(int32_t));
	memset(gs->an + lo, 0, (size_t)(hi - lo) * sizeof(int32_t));
	memset(gs->nmiss + lo, 0, (size_t)(hi - lo) * sizeof(int32_t));
	memset(gs->ns + lo, 0, (size_t)(hi - lo) * sizeof(int32_t));
	if (sel->n == 0)
		return 0;
	for (r0 = lo; r0 < hi; r0 += batch) {
		struct vcz_gt_request q;
		int rc;

		memset(&q, 0, sizeof(q));
		q.ci = ci;
		q.first = (uint32_t)r0;
		q.n = (uint32_t)(hi - r0 < batch ? hi - r0 : batch);
		q.accept = VCZ_ACCEPT_COLS;
		q.col_align = 1;
		w.first = q.first;
		rc = vcz_gt_each(rd, &q, gt_block, &w, err);
		if (rc != 0)
			return rc < 0 ? rc : bf_err_set(err, BF_E_INTERNAL, "genotype walk failed");
	}
	return 0;
}

/* One thread's evaluation state. */
struct wstate {
	struct vcz_field **flds;
	struct vcz_column *cols;
	struct nscratch *ns;
	struct gtstats gs;
	struct vcz_reader *rd;
	struct vcz_meta m;
	uint32_t *keep;
};

/* The whole pass: plan chunks handed to the workers by a shared counter. */
struct job {
	const struct filter *f;
	bool exclude, need_gt, need_meta, subset;
	struct vcz *v;
	const struct vcz_samplesel *sel;
	struct plan *p;
	uint32_t **rows; /* per plan chunk: kept rows (NULL with n 0 = none kept) */
	uint32_t *nkept;
	pthread_mutex_t mu;
	pthread_t main_thread;
	size_t next;
	int rc;
	struct bf_err err;
};

static void wstate_free(const struct filter *f, struct wstate *w)
{
	int i;

	vcz_meta_release(&w->m);
	if (w->flds)
		for (i = 0; i < f->n_srcs; i++)
			vcz_field_free(w->flds[i]);
	bf_free(w->flds);
	bf_free(w->cols);
	if (w->ns)
		for (i = 0; i < f->n_nodes; i++) {
			bf_free(w->ns[i].v);
			bf_free(w->ns[i].m);
			bf_strbuf_release(&w->ns[i].sb);
		}
	bf_free(w->ns);
	bf_free(w->keep);
	bf_free(w->gs.cnt);
	bf_free(w->gs.an);
	bf_free(w->gs.nmiss);
	bf_free(w->gs.ns);
	vcz_reader_free(w->rd); /* on this thread: it owns the reader's decoder contexts */
}

static int wstate_init(struct job *j, struct wstate *w, struct bf_err *err)
{
	const struct filter *f = j->f;
	struct vcz *v = j->v;
	int i;

	memset(w, 0, sizeof(*w));
	w->flds = bf_calloc((size_t)f->n_srcs + 1, sizeof(*w->flds));
	w->cols = bf_calloc((size_t)f->n_srcs + 1, sizeof(*w->cols));
	w->ns = bf_calloc((size_t)f->n_nodes + 1, sizeof(*w->ns));
	w->keep = bf_calloc((size_t)v->vchunk + 1, sizeof(uint32_t));
	if (!w->flds || !w->cols || !w->ns || !w->keep)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (i = 0; i < f->n_nodes; i++)
		bf_strbuf_init(&w->ns[i].sb);
	for (i = 0; i < f->n_srcs; i++)
		if (!(w->flds[i] = vcz_field_open(v, f->srcs[i], err)))
			return err ? err->code : BF_E_FORMAT;
	if (j->need_gt && v->gt) {
		struct gtstats *gs = &w->gs;

		gs->ncols = v->n_allele_cols;
		gs->cnt = bf_calloc((size_t)v->vchunk * (size_t)gs->ncols + 1, sizeof(int32_t));
		gs->an = bf_calloc((size_t)v->vchunk + 1, sizeof(int32_t));
		gs->nmiss = bf_calloc((size_t)v->vchunk + 1, sizeof(int32_t));
		gs->ns = bf_calloc((size_t)v->vchunk + 1, sizeof(int32_t));
		if (!gs->cnt || !gs->an || !gs->nmiss || !gs->ns)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		if (j->sel->n > 0 &&
		    !(w->rd = vcz_reader_create(v, j->sel, (size_t)gt_batch(v, j->sel), err)))
			return err ? err->code : BF_E_NOMEM;
	}
	return 0;
}

/* Evaluate plan chunk `i`; the kept rows go to j->rows[i] / j->nkept[i]. */
static int eval_chunk(struct job *j, struct wstate *w, size_t i, struct bf_err *err)
{
	const struct filter *f = j->f;
	struct vcz *v = j->v;
	const struct plan_chunk *pc = &j->p->chunks[i];
	const int64_t n_rows = vcz_chunk_rows(v, pc->ci);
	struct ectx c;
	uint32_t k, nk = 0;
	int s, rc = 0;

	for (s = 0; s < f->n_srcs && rc == 0; s++)
		rc = vcz_field_read(w->flds[s], pc->ci, &w->cols[s], err);
	if (rc == 0 && j->need_meta)
		rc = vcz_meta_read(v, pc->ci, &w->m, err);
	if (rc == 0 && j->need_gt && v->gt && pc->n > 0) {
		int64_t lo = plan_chunk_row(pc, 0), hi = (int64_t)plan_chunk_row(pc, pc->n - 1) + 1;

		rc = gt_chunk(v, w->rd, pc->ci, lo, hi < n_rows ? hi : n_rows, j->sel, v->ploidy,
			      f->need_miss, &w->gs, err);
	}
	if (rc < 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.f = f;
	c.v = v;
	c.cols = w->cols;
	c.m = &w->m;
	c.gs = &w->gs;
	c.subset = j->subset;
	c.has_gt = v->gt != NULL;
	c.nsel = j->sel->n;
	c.ns = w->ns;
	for (k = 0; k < pc->n; k++) {
		bool pass;

		c.r = plan_chunk_row(pc, k);
		rc = eval_bool(&c, f->root, &pass);
		if (rc < 0) {
			if (rc == BF_E_NOMEM)
				bf_err_set(err, BF_E_NOMEM, "out of memory");
			else if (err && err->code == 0)
				bf_err_set(err, rc, "filter evaluation failed");
			goto out;
		}
		if (pass != j->exclude)
			w->keep[nk++] = (uint32_t)c.r;
	}
	j->nkept[i] = nk;
	if (nk > 0 && nk != pc->n) {
		if (!(j->rows[i] = bf_malloc(nk * sizeof(uint32_t)))) {
			rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(j->rows[i], w->keep, nk * sizeof(uint32_t));
	}
out:
	if (j->need_meta)
		vcz_meta_release(&w->m);
	return rc;
}

static void *worker_main(void *arg)
{
	struct job *j = arg;
	const bool reporter = pthread_equal(pthread_self(), j->main_thread);
	struct wstate w;
	struct bf_err err;
	int rc;

	bf_err_clear(&err);
	rc = wstate_init(j, &w, &err);
	while (rc == 0) {
		size_t i;

		pthread_mutex_lock(&j->mu);
		i = j->rc < 0 ? j->p->n_chunks : j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->p->n_chunks)
			break;
		if (reporter) /* the hook runs on the thread that called filter_apply */
			bf_progress_report(j->f->progress, "filtering the selection", i,
					   j->p->n_chunks);
		rc = eval_chunk(j, &w, i, &err);
	}
	wstate_free(j->f, &w);
	if (rc < 0) {
		pthread_mutex_lock(&j->mu);
		if (j->rc == 0) {
			j->rc = rc;
			bf_err_copy(&j->err, &err);
		}
		pthread_mutex_unlock(&j->mu);
	}
	return NULL;
}

static int n_workers(const struct plan *p)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("BIOFUSE_FILTER_THREADS");

	if (env && atoi(env) > 0)
		n = atoi(env);
	if (n < 1)
		n = 1;
	if (n > 16)
		n = 16;
	if ((size_t)n > p->n_chunks)
		n = (long)(p->n_chunks ? p->n_chunks : 1);
	return (int)n;
}

int filter_apply(const struct filter *f, bool exclude, struct vcz *v,
		 const struct vcz_samplesel *samples, struct plan *p, struct bf_err *err)
{
	struct vcz_samplesel all;
	struct job j;
	pthread_t th[16];
	int nth = n_workers(p), started = 0, t, rc = 0;
	const size_t n_orig = p->n_chunks;
	size_t i, out_i = 0;
	uint64_t total = 0;

	memset(&all, 0, sizeof(all));
	memset(&j, 0, sizeof(j));
	j.f = f;
	j.exclude = exclude;
	j.v = v;
	j.p = p;
	j.subset = samples != NULL;
	j.need_gt = f->need_gt || (samples && f->acan_info);
	j.need_meta = f->need_meta || j.need_gt;
	j.sel = samples;
	bf_err_clear(&j.err);
	if (!samples) {
		BF_FORWARD(vcz_samplesel_init(v, v->samples, v->n_samples, &all, err));
		j.sel = &all;
	}
	j.rows = bf_calloc(p->n_chunks + 1, sizeof(*j.rows));
	j.nkept = bf_calloc(p->n_chunks + 1, sizeof(*j.nkept));
	if (!j.rows || !j.nkept) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto done;
	}
	pthread_mutex_init(&j.mu, NULL);
	j.main_thread = pthread_self();
	for (t = 1; t < nth; t++) {
		if (pthread_create(&th[started], NULL, worker_main, &j) != 0)
			break;
		started++;
	}
	worker_main(&j); /* this thread works too */
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.mu);
	bf_progress_report(f->progress, "filtering the selection", n_orig, n_orig);
	if (j.rc < 0) {
		rc = j.rc;
		bf_err_copy(err, &j.err);
		goto done;
	}
	for (i = 0; i < p->n_chunks; i++) {
		struct plan_chunk *pc = &p->chunks[i];
		uint32_t nk = j.nkept[i];

		if (nk == 0) {
			bf_free(pc->rows);
			continue;
		}
		if (nk != pc->n) {
			bf_free(pc->rows);
			pc->rows = j.rows[i];
			j.rows[i] = NULL;
			pc->n = nk;
		}
		p->chunks[out_i++] = *pc;
		total += nk;
	}
	p->n_chunks = out_i;
	p->n_variants = total;
done:
	if (j.rows)
		for (i = 0; i < n_orig; i++)
			bf_free(j.rows[i]);
	bf_free(j.rows);
	bf_free(j.nkept);
	vcz_samplesel_release(&all);
	return rc;
}
