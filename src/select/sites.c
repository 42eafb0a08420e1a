/*
 * sites.c - regions, targets, types and allele counts into a plan (see sites.h).
 */
#include "util/bf_config.h"

#include "select/sites.h"
#include "select/regions.h"
#include "select/vtype.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/strbuf.h"
#include "vcz/vcz.h"

#include <string.h>

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;

		if (x != *b)
			return false;
	}
	return *a == *b;
}

int sites_parse_overlap(const char *s)
{
	if (ieq(s, "pos") || !strcmp(s, "0"))
		return SELECT_OVERLAP_POS;
	if (ieq(s, "record") || !strcmp(s, "1"))
		return SELECT_OVERLAP_RECORD;
	if (ieq(s, "variant") || !strcmp(s, "2"))
		return SELECT_OVERLAP_VARIANT;
	return -1;
}

int64_t sites_index_unit(const int64_t *rows, size_t n, int64_t n_variants, int64_t vchunk,
			 int64_t pos_chunk)
{
	const int64_t units[2] = {vchunk, pos_chunk};
	int64_t last = -1, *sums;
	int64_t result = 0;
	size_t i;

	if (n == 0 || vchunk <= 0 || n_variants <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (rows[6 * i] < 0 || rows[6 * i] >= n_variants || rows[6 * i + 5] <= 0)
			return 0;
		if (rows[6 * i] > last)
			last = rows[6 * i];
	}
	sums = bf_calloc((size_t)last + 1, sizeof(int64_t));
	if (!sums)
		return 0;
	for (i = 0; i < n; i++)
		sums[rows[6 * i]] += rows[6 * i + 5];
	for (int u = 0; u < 2 && !result; u++) {
		int64_t unit = units[u];
		bool ok = unit > 0 && unit % vchunk == 0;

		for (int64_t c = 0; ok && c < last; c++)
			ok = sums[c] == unit;
		if (ok)
			ok = sums[last] > 0 && sums[last] <= unit &&
			     sums[last] == n_variants - last * unit;
		if (ok)
			result = unit / vchunk;
	}
	bf_free(sums);
	return result;
}

/* Candidate chunks whose site arrays are hinted ahead of the one being read. */
#define PREFETCH_AHEAD 8

/* A -r/-R or -t/-T list resolved against the store's contigs. */
struct rset {
	bool on, complement;
	int mode; /* SELECT_OVERLAP_POS/RECORD/VARIANT */
	struct region_set set;
};

static int load_set(struct vcz *v, const char *str, const char *file, bool allow_complement,
		    int mode, const char *what, struct rset *rs, struct bf_err *err)
{
	struct region_list l;
	int rc;

	memset(rs, 0, sizeof(*rs));
	memset(&l, 0, sizeof(l));
	if (!str && !file)
		return 0;
	rs->on = true;
	rs->mode = mode;
	if (str) {
		if (allow_complement && str[0] == '^') {
			rs->complement = true;
			str++;
		}
		rc = region_list_parse(str, &l, err);
	} else {
		if (allow_complement && file[0] == '^') {
			rs->complement = true;
			file++;
		}
		rc = region_list_read_file(file, &l, err);
		if (rc < 0)
			bf_err_prefix(err, "%s", what);
	}
	if (rc == 0)
		rc = region_set_build(&l, (const char *const *)v->contigs, v->n_contigs, &rs->set,
				      err);
	if (rc == 0 && rs->set.n_absent) {
		struct bf_strbuf sb;

		bf_strbuf_init(&sb);
		for (size_t i = 0; i < rs->set.n_absent && i < 20; i++) {
			if (bf_strbuf_addf(&sb, "%s'%s'", i ? ", " : "", rs->set.absent[i]) < 0)
				break;
		}
		if (rs->set.n_absent > 20 &&
		    bf_strbuf_addf(&sb, " and %zu more", rs->set.n_absent - 20) < 0)
			bf_strbuf_reset(&sb);
		bf_log_warn("%s: %s not in the store (selecting nothing): %s", what,
			    rs->set.n_absent == 1 ? "contig" : "contigs", sb.len ? sb.buf : "?");
		bf_strbuf_release(&sb);
	}
	/* the absent names point into the list: keep none past here */
	rs->set.n_absent = 0;
	bf_free(rs->set.absent);
	rs->set.absent = NULL;
	region_list_release(&l);
	if (rc < 0)
		region_set_release(&rs->set);
	return rc;
}

/* Whether the span of row r passes the set (complement applied). */
static bool rset_pass(const struct rset *rs, const struct vcz_meta *m, int64_t r, int64_t rlen)
{
	int64_t pos = m->pos[r], beg = pos, end = pos;
	bool hit;

	if (rs->mode == SELECT_OVERLAP_RECORD) {
		end = pos + rlen - 1;
	} else if (rs->mode == SELECT_OVERLAP_VARIANT) {
		/* htslib's _set_variant_boundaries: skip the bases every ALT shares
		 * with REF (at most rlen); symbolic alleles start at POS */
		int64_t off = rlen;
		const char *ref, *alt;
		size_t rl, al;

		vcz_meta_allele(m, r, 0, &ref, &rl);
		for (int c = 1; c < m->n_allele_cols && off > 0; c++) {
			int64_t j = 0;

			vcz_meta_allele(m, r, c, &alt, &al);
			if (al == 0)
				continue;
			while ((size_t)j < rl && (size_t)j < al && ref[j] == alt[j])
				j++;
			if (off > j)
				off = j;
		}
		beg = pos + off;
		end = pos + rlen - 1;
	}
	hit = region_set_overlaps(&rs->set, (size_t)m->contig[r], beg, end);
	return rs->complement ? !hit : hit;
}

static unsigned row_type(const struct vcz_meta *m, int64_t r)
{
	const char *ref, *alt;
	size_t rl, al;
	unsigned t = 0;

	vcz_meta_allele(m, r, 0, &ref, &rl);
	for (int c = 1; c < m->n_allele_cols; c++) {
		vcz_meta_allele(m, r, c, &alt, &al);
		if (al)
			t |= vtype_allele(ref, rl, alt, al);
	}
	return t;
}

/* Mark the min chunks whose index rows meet a region; false when the index is unusable. */
static bool mark_from_index(struct vcz *v, const struct rset *rs, uint8_t *cand)
{
	struct vcz_region_index ri;
	struct bf_err e;
	int64_t k;
	bool ok = true;

	bf_err_clear(&e);
	if (vcz_region_index_read(v, &ri, &e) < 0) {
		if (e.code != BF_E_NOTFOUND)
			bf_log_warn("region_index not used: %s", e.msg);
		else
			bf_log_info("no region_index: -r/-R scan every chunk's positions");
		return false;
	}
	k = sites_index_unit(ri.rows, ri.n, v->n_variants, v->vchunk, ri.pos_chunk);
	if (k == 0) {
		bf_log_warn("region_index not used: its chunk counts fit neither %lld nor %lld "
			    "variants a chunk",
			    (long long)v->vchunk, (long long)ri.pos_chunk);
		vcz_region_index_release(&ri);
		return false;
	}
	for (size_t i = 0; i < ri.n && ok; i++) {
		const int64_t *row = &ri.rows[6 * i];
		int64_t first = row[2], max_end = row[4];

		if (row[1] < 0 || (uint64_t)row[1] >= v->n_contigs) {
			bf_log_warn("region_index not used: contig %lld of row %zu is not in the "
				    "store",
				    (long long)row[1], i);
			ok = false;
			break;
		}
		if (max_end < first) /* wrapped in a narrow dtype */
			max_end = REGION_END_MAX;
		if (!region_set_overlaps(&rs->set, (size_t)row[1], first, max_end))
			continue;
		for (int64_t c = row[0] * k; c < (row[0] + 1) * k && c < v->n_vchunks; c++)
			cand[c] = 1;
	}
	vcz_region_index_release(&ri);
	return ok;
}

/* The state of one sites_plan run: the options resolved, and the scratch. */
struct sites_run {
	struct vcz *v;
	const struct select_opts *o;
	struct sites_stats *st;
	struct rset reg, tgt;
	unsigned inc, exc;
	bool need_meta, need_len, light;
	uint32_t *rows;
	int64_t *len;
	uint8_t *cand;
	int64_t *site_contig, *site_pos;
	int64_t pf, ahead;
};

/* -v/-V, then -r/-R and -t/-T; on failure nothing is left to release. */
static int load_opts(struct sites_run *s, struct bf_err *err)
{
	struct vcz *v = s->v;
	const struct select_opts *o = s->o;
	const char *bad;
	size_t bad_len;
	int rc;

	if (o->types && !vtype_parse_list(o->types, &s->inc, &bad, &bad_len))
		return bf_err_set(err, BF_E_INVAL, "unknown variant type '%.*s' in -v/--types",
				  (int)bad_len, bad);
	if (o->exclude_types && !vtype_parse_list(o->exclude_types, &s->exc, &bad, &bad_len))
		return bf_err_set(err, BF_E_INVAL,
				  "unknown variant type '%.*s' in -V/--exclude-types", (int)bad_len,
				  bad);
	BF_FORWARD(load_set(v, o->regions, o->regions_file, false,
			    o->regions_overlap ? (int)o->regions_overlap : SELECT_OVERLAP_RECORD,
			    o->regions ? "-r/--regions" : "-R/--regions-file", &s->reg, err));
	rc = load_set(v, o->targets, o->targets_file, true,
		      o->targets_overlap ? (int)o->targets_overlap : SELECT_OVERLAP_POS,
		      o->targets ? "-t/--targets" : "-T/--targets-file", &s->tgt, err);
	if (rc < 0) {
		region_set_release(&s->reg.set);
		return rc;
	}
	return 0;
}

/* What the tests need read, the scratch for it, and the candidate chunks
 * (all, or those the region index names for -r/-R). */
static int alloc_scratch(struct sites_run *s, struct plan *p, struct bf_err *err)
{
	struct vcz *v = s->v;
	const struct select_opts *o = s->o;
	const struct rset *reg = &s->reg, *tgt = &s->tgt;

	s->need_meta = reg->on || tgt->on || o->types || o->exclude_types || o->min_alleles > 1 ||
		       o->max_alleles > 0;
	s->need_len = (reg->on && reg->mode != SELECT_OVERLAP_POS) ||
		      (tgt->on && tgt->mode != SELECT_OVERLAP_POS);

	p->chunks = bf_calloc((size_t)v->n_vchunks + 1, sizeof(*p->chunks));
	s->cand = bf_malloc((size_t)v->n_vchunks + 1);
	if (s->need_meta)
		s->rows = bf_calloc((size_t)v->vchunk + 1, sizeof(uint32_t));
	if (s->need_len)
		s->len = bf_calloc((size_t)v->vchunk + 1, sizeof(int64_t));
	if (!p->chunks || !s->cand || (s->need_meta && !s->rows) || (s->need_len && !s->len))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	memset(s->cand, 1, (size_t)v->n_vchunks + 1);
	if (reg->on) {
		memset(s->cand, 0, (size_t)v->n_vchunks + 1);
		s->st->used_index = mark_from_index(v, reg, s->cand);
		if (!s->st->used_index)
			memset(s->cand, 1, (size_t)v->n_vchunks + 1);
	}
	if (s->need_len && !v->length)
		bf_log_info("no variant_length: record spans use REF's length");

	/* with no allele-based test, positions and contigs are all a row needs */
	s->light =
	    !(s->inc || s->exc || o->min_alleles > 1 || o->max_alleles > 0 ||
	      (reg->on && reg->mode == SELECT_OVERLAP_VARIANT) ||
	      (tgt->on && tgt->mode == SELECT_OVERLAP_VARIANT) || (s->need_len && !v->length));
	if (s->need_meta && s->light) {
		s->site_contig = bf_calloc((size_t)v->vchunk + 1, sizeof(int64_t));
		s->site_pos = bf_calloc((size_t)v->vchunk + 1, sizeof(int64_t));
		if (!s->site_contig || !s->site_pos)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	return 0;
}

/* Whether row r of the chunk read into m passes every site test. */
static bool row_pass(const struct sites_run *s, const struct vcz_meta *m, int64_t r)
{
	const struct select_opts *o = s->o;
	int n_all = s->light ? 0 : 1 + vcz_meta_n_alt(m, r);
	int64_t rlen = 1;

	if (o->min_alleles > 1 && n_all < o->min_alleles)
		return false;
	if (o->max_alleles > 0 && n_all > o->max_alleles)
		return false;
	if (s->need_len) {
		if (s->v->length) {
			rlen = s->len[r];
		} else {
			const char *ref;
			size_t rl;

			vcz_meta_allele(m, r, 0, &ref, &rl);
			rlen = (int64_t)rl;
		}
	}
	if (s->reg.on && !rset_pass(&s->reg, m, r, rlen))
		return false;
	if (s->tgt.on && !rset_pass(&s->tgt, m, r, rlen))
		return false;
	if (s->inc || s->exc) {
		unsigned t = row_type(m, r);

		if (s->inc && !(t & s->inc))
			return false;
		if (s->exc && (t & s->exc))
			return false;
	}
	return true;
}

/* A remote store fetches the next candidates' site arrays meanwhile;
 * `ahead` counts the hinted candidates in (ci, pf). */
static void prefetch_next(struct sites_run *s, int64_t ci)
{
	if (ci < s->pf && s->ahead > 0)
		s->ahead--;
	for (; s->ahead < PREFETCH_AHEAD && s->pf < s->v->n_vchunks; s->pf++) {
		if (s->pf > ci && s->cand[s->pf]) {
			vcz_prefetch(s->v, s->pf, true, false);
			s->ahead++;
		}
	}
}

/* Reads candidate chunk ci's sites and adds its passing rows (n of them
 * stored) to the plan. */
static int scan_chunk(struct sites_run *s, int64_t ci, int64_t n, struct plan *p,
		      struct bf_err *err)
{
	struct vcz *v = s->v;
	struct plan_chunk *c = &p->chunks[p->n_chunks];
	struct vcz_meta m;
	uint32_t k = 0;
	int64_t r;
	int rc;

	prefetch_next(s, ci);
	s->st->chunks_read++;
	if (s->light) {
		memset(&m, 0, sizeof(m));
		m.ci = ci;
		m.n = n;
		m.contig = s->site_contig;
		m.pos = s->site_pos;
		rc = vcz_read_sites(v, ci, s->site_contig, s->site_pos, err);
	} else {
		rc = vcz_meta_read(v, ci, &m, err);
	}
	if (rc < 0)
		return rc;
	if (s->need_len && v->length && (rc = vcz_read_lengths(v, ci, s->len, err)) < 0) {
		if (!s->light)
			vcz_meta_release(&m);
		return rc;
	}
	for (r = 0; r < n; r++)
		if (row_pass(s, &m, r))
			s->rows[k++] = (uint32_t)r;
	if (!s->light)
		vcz_meta_release(&m);
	if (k == 0)
		return 0;
	c->ci = ci;
	c->n = k;
	if (k != (uint32_t)n) {
		c->rows = bf_malloc(k * sizeof(uint32_t));
		if (!c->rows)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		memcpy(c->rows, s->rows, k * sizeof(uint32_t));
	}
	p->n_chunks++;
	p->n_variants += k;
	return 0;
}

int sites_plan(struct vcz *v, const struct select_opts *o, struct plan *p, struct sites_stats *st,
	       struct bf_err *err)
{
	struct sites_run s;
	int64_t ci;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.o = o;
	s.st = st;
	st->chunks_total = v->n_vchunks;
	BF_FORWARD(load_opts(&s, err));
	if ((rc = alloc_scratch(&s, p, err)) < 0)
		goto out;

	for (ci = 0; ci < v->n_vchunks; ci++) {
		int64_t n = vcz_chunk_rows(v, ci);

		if (n == 0 || !s.cand[ci])
			continue;
		if (s.need_meta)
			bf_progress_report(o->progress, "resolving the selection", (uint64_t)ci,
					   (uint64_t)v->n_vchunks);
		if (!s.need_meta) {
			struct plan_chunk *c = &p->chunks[p->n_chunks];

			c->ci = ci;
			c->n = (uint32_t)n;
			p->n_chunks++;
			p->n_variants += (uint64_t)n;
			continue;
		}
		if ((rc = scan_chunk(&s, ci, n, p, err)) < 0)
			goto out;
	}
	if (s.need_meta)
		bf_progress_report(o->progress, "resolving the selection", (uint64_t)v->n_vchunks,
				   (uint64_t)v->n_vchunks);
out:
	bf_free(s.rows);
	bf_free(s.len);
	bf_free(s.site_contig);
	bf_free(s.site_pos);
	bf_free(s.cand);
	region_set_release(&s.reg.set);
	region_set_release(&s.tgt.set);
	if (rc < 0)
		plan_release(p);
	return rc;
}
