/*
 * cmd_view_plink.c - `biofuse view-plink`: write STEM.fam, STEM.bim, STEM.bed.
 *
 * All problems the reference finds late (multi-allelic rows, a non-diploid
 * store, whitespace in IDs) are found before any output file appears: files
 * are written under temporary names and renamed together at the end (a FIFO
 * or character device given as an output is written in place; outfiles.h).
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "cli/outset.h"
#include "cli/drain.h"
#include "engine/sidecar.h"
#include "engine/export.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

size_t cmd_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (size_t)n : 1;
}

int cmd_view_plink(const struct cmd_plink_opts *o)
{
	struct bf_err err;
	struct export ex;
	struct export_config cfg;
	struct outset out;
	char *side = NULL, *bed = NULL;
	int rc = 0, i;

	bf_err_clear(&err);
	outset_init(&out);
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = "bed";
	cfg.sel = o->c.sel;
	cfg.budget = o->c.readahead_buffer_size;
	cfg.n_threads = cmd_threads();
	cfg.one_pass = true;
	cfg.skip_checks = !o->no_bim; /* writing the .bim checks the same rows */
	if (export_open(&ex, &cfg, &err) < 0)
		return cmd_fail(&err);
	/* The reference's order: the format's sidecars (.fam, then .bim), then .bed. */
	for (size_t k = 0; k < ex.fmt->n_sides && rc >= 0; k++) {
		enum fmt_side kind = ex.fmt->sides[k];

		if ((kind == FMT_SIDE_FAM && o->no_fam) || (kind == FMT_SIDE_BIM && o->no_bim))
			continue;
		side = outset_path(o->output, fmt_side_suffix(kind));
		if (!side) {
			rc = bf_err_set(&err, BF_E_NOMEM, "out of memory");
			goto fail;
		}
		rc = i = outset_add(&out, side, &err);
		if (rc >= 0)
			rc = export_write_sidecar(&ex, kind, NULL, out.fd[i], side, side, &err);
		bf_free(side);
		side = NULL;
	}
	if (rc < 0)
		goto fail;
	bed = outset_path(o->output, ex.fmt->ext);
	if (!bed) {
		rc = bf_err_set(&err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	rc = i = outset_add(&out, bed, &err);
	if (rc >= 0)
		rc = drain_stream(ex.stream, out.fd[i], bed, &err);
	if (rc >= 0)
		rc = outset_commit(&out, &err);
fail:
	if (rc < 0)
		outset_abort(&out);
	export_close(&ex);
	bf_free(bed);
	return rc < 0 ? cmd_fail(&err) : 0;
}
