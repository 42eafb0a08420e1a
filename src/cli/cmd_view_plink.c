/*
 * cmd_view_plink.c - `biofuse view-plink`: write STEM.fam, STEM.bim, STEM.bed.
 *
 * All problems the reference finds late (multi-allelic rows, a non-diploid
 * store, whitespace in IDs) are found before any output file appears: files
 * are written under temporary names and renamed together at the end.
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "cli/outfiles.h"
#include "engine/sidecar.h"
#include "engine/source.h"
#include "engine/stream.h"
#include "format/bed.h"
#include "util/alloc.h"
#include "util/bigbuf.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DRAIN_BYTES ((size_t)4 << 20)

static int bed_chunk(const void *params, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		     struct bf_err *err)
{
	(void)params;
	return bed_encode_chunk(c, out, cap, err);
}

size_t cmd_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (size_t)n : 1;
}

/* Drain a stream into `fd`. */
static int drain(struct stream *st, int fd, const char *name, struct bf_err *err)
{
	uint8_t *buf = bf_bigbuf_alloc(DRAIN_BYTES);
	uint64_t off = 0, total = stream_size(st);
	struct progress pr;
	int rc = 0;

	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	progress_start(&pr, total);
	while (off < total) {
		int64_t n = stream_read(st, off, buf, DRAIN_BYTES, err);

		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0) {
			rc = bf_err_set(err, BF_E_INTERNAL, "stream ended early");
			break;
		}
		rc = write_all(fd, buf, (size_t)n, name, err);
		if (rc < 0)
			break;
		off += (uint64_t)n;
		progress_update(&pr, off);
	}
	progress_end(&pr);
	bf_bigbuf_free(buf, DRAIN_BYTES);
	return rc;
}

static char *join(const char *stem, const char *ext)
{
	size_t n = strlen(stem) + strlen(ext) + 1;
	char *p = bf_malloc(n);

	if (p)
		snprintf(p, n, "%s%s", stem, ext);
	return p;
}

int cmd_view_plink(const struct cmd_plink_opts *o)
{
	struct bf_err err;
	struct selection s;
	struct outset out;
	struct source src;
	struct stream_source ss;
	struct stream_config cfg;
	struct stream *st = NULL;
	uint32_t *counts = NULL;
	char *fam = NULL, *bim = NULL, *bed = NULL;
	int rc, ifam = -1, ibim = -1, ibed;
	size_t k;

	bf_err_clear(&err);
	outset_init(&out);
	if (selection_open(&o->c.sel, &s, &err) < 0)
		return cmd_fail(&err);
	rc = BF_E_NOMEM;
	fam = join(o->output, ".fam");
	bim = join(o->output, ".bim");
	bed = join(o->output, ".bed");
	if (!fam || !bim || !bed) {
		bf_err_set(&err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	if (!s.v->gt) {
		rc = bf_err_set(&err, BF_E_FORMAT, "'%s' has no 'call_genotype' array",
				o->c.sel.store);
		goto fail;
	}
	if (s.v->ploidy != 2) {
		rc = bf_err_set(&err, BF_E_INVAL, "%s", BED_MSG_NOT_DIPLOID);
		goto fail;
	}
	/* The reference's order: .fam, then .bim, then .bed. */
	if (!o->no_fam) {
		rc = ifam = outset_add(&out, fam, &err);
		if (rc >= 0)
			rc = sidecar_write_fam(&s, out.fd[ifam], fam, &err);
		if (rc < 0)
			goto fail;
	}
	if (!o->no_bim) {
		rc = ibim = outset_add(&out, bim, &err);
		if (rc >= 0)
			rc = sidecar_write_bim(&s, out.fd[ibim], bim, &err);
	} else {
		rc = sidecar_check_biallelic_plink(&s, &err);
	}
	if (rc < 0)
		goto fail;

	rc = ibed = outset_add(&out, bed, &err);
	if (rc < 0)
		goto fail;
	counts = bf_calloc(s.plan.n_chunks + 1, sizeof(uint32_t));
	if (!counts) {
		rc = bf_err_set(&err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (k = 0; k < s.plan.n_chunks; k++)
		counts[k] = s.plan.chunks[k].n;
	memset(&src, 0, sizeof(src));
	src.v = s.v;
	src.plan = &s.plan;
	src.sel = &s.sel;
	src.need_gt = true;
	src.encode = bed_chunk;
	source_stream_source(&src, &ss);
	cfg.n_threads = cmd_threads();
	cfg.prefetch = cfg.n_threads + 1;
	cfg.budget = o->c.readahead_buffer_size;
	st = stream_create(bed_magic, BED_MAGIC_LEN, s.plan.n_chunks, counts,
			   bed_bytes_per_variant(s.sel.n), &ss, &cfg, &err);
	if (!st) {
		rc = err.code;
		goto fail;
	}
	rc = drain(st, out.fd[ibed], bed, &err);
	if (rc < 0)
		goto fail;
	stream_free(st);
	st = NULL;
	rc = outset_commit(&out, &err);
	if (rc < 0)
		goto fail;
	bf_free(counts);
	bf_free(fam);
	bf_free(bim);
	bf_free(bed);
	selection_release(&s);
	return 0;
fail:
	stream_free(st);
	outset_abort(&out);
	bf_free(counts);
	bf_free(fam);
	bf_free(bim);
	bf_free(bed);
	selection_release(&s);
	return cmd_fail(&err);
}
