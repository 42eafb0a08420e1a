/*
 * cmd_view_bgen.c - `biofuse view-bgen`: STEM.sample, STEM.bgen, STEM.bgen.bgi
 * (or the .bgen alone on stdout).
 *
 * Fixed-size mode drains the same stream the BGEN mount serves.  Variable-size
 * mode (zlib at --compression-level) has no fixed offsets, so it encodes
 * plan chunk by plan chunk and records each block's offset for the index as
 * it goes; the index therefore always describes the .bgen actually written
 * (the reference built it with default options).
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "cli/outset.h"
#include "cli/drain.h"
#include "cli/stdout_mark.h"
#include "cli/progress.h"
#include "engine/export.h"
#include "engine/sidecar.h"
#include "engine/source.h"
#include "format/bgen.h"
#include "format/format.h"
#include "format/bgi.h"
#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cmd_bgen_params(const struct cmd_bgen_opts *o, struct bgen_params *p)
{
	bgen_params_init(p, o->fixed_variant_size);
	p->compression_level = o->compression_level;
	p->total_string_length = (uint32_t)o->total_string_length;
	p->pad_byte = (uint8_t)o->pad_byte;
	p->id_in_rsid = o->id_in_rsid;
	p->unphased = o->unphased;
	p->header_samples = !o->no_header_samples;
	p->string_opts_given = o->string_opts_given;
}

/* Variable-size BGEN through the format interface (fmt_bgen_variable_ops). */
struct var_bgen {
	const struct fmt_ops *fmt;
	void *state;
	struct fmt_info info;
	struct bf_strbuf prefix; /* the header and sample block */
};

static void var_bgen_close(struct var_bgen *vb)
{
	if (vb->fmt && vb->state)
		vb->fmt->close(vb->state);
	vb->state = NULL;
	bf_strbuf_release(&vb->prefix);
}

/* Variable-size .bgen written chunk by chunk; bgi rows added as blocks land. */
static int write_variable(struct selection *s, struct var_bgen *vb, const struct bgen_params *p,
			  int fd, const char *name, struct bgi_writer *bgi, struct bf_err *err)
{
	struct source src = {.v = s->v, .plan = &s->plan, .sel = &s->sel};
	struct bf_strbuf out = BF_STRBUF_INIT, scratch = BF_STRBUF_INIT, rsid = BF_STRBUF_INIT;
	struct source_ws *ws = NULL;
	uint64_t *sizes = NULL, at, done = 0;
	struct progress pr;
	size_t j, k;
	int rc;

	src.fmt = vb->fmt;
	src.fmt_state = vb->state;
	src.info = vb->info;
	src.need_gt = true;
	sizes = bf_calloc((size_t)s->v->vchunk + 1, sizeof(*sizes));
	rc = source_plan_pieces(&src, EXPORT_PIECE_BYTES, err);
	if (rc < 0)
		goto out;
	ws = source_ws_create(&src, err);
	if (!sizes || !ws) {
		rc = ws ? bf_err_set(err, BF_E_NOMEM, "out of memory") : err->code;
		goto out;
	}
	rc = sidecar_write_all(fd, vb->prefix.buf, vb->prefix.len, name, err);
	at = vb->prefix.len;
	progress_start(&pr, s->plan.n_variants);
	for (k = 0; k < src.n_pieces && rc == 0; k++) {
		struct fmt_chunk c;

		rc = source_load(&src, ws, k, &c, err);
		if (rc < 0)
			break;
		bf_strbuf_reset(&out);
		rc = vb->fmt->append(vb->state, &c, &scratch, &out, sizes, err);
		if (rc < 0)
			break;
		rc = sidecar_write_all(fd, out.buf, out.len, name, err);
		for (j = 0; bgi && rc == 0 && j < c.n_variants; j++) {
			struct bgi_row row;

			rc = bgi_row_for_variant(p, &c.variants[j], at, sizes[j], &rsid, &row, err);
			if (rc == 0)
				rc = bgi_writer_add(bgi, &row, err);
			at += sizes[j];
		}
		if (!bgi)
			at += out.len;
		done += c.n_variants;
		progress_update(&pr, done);
	}
	progress_end(&pr);
	vb->fmt->report(vb->state, "write_bgen", false);
out:
	source_release(&src);
	source_ws_free(ws);
	bf_free(sizes);
	bf_strbuf_release(&out);
	bf_strbuf_release(&scratch);
	bf_strbuf_release(&rsid);
	return rc;
}

/* Open the variable format on the selection and run its up-front checks. */
static int check_variable(struct selection *s, const struct bgen_params *p, struct var_bgen *vb,
			  struct bf_err *err)
{
	struct fmt_setup fs;
	struct fmt_str *ctg, *ids;
	int rc;

	vb->fmt = &fmt_bgen_variable_ops;
	bf_strbuf_init(&vb->prefix);
	BF_FORWARD(export_fmt_setup(s, &fs, &ctg, &ids, err));
	rc = vb->fmt->open(p, &fs, &vb->prefix, &vb->info, &vb->state, err);
	bf_free(ctg);
	bf_free(ids);
	if (rc < 0)
		return rc;
	return source_check_variants(s, vb->fmt, vb->state, err);
}

/* One view-bgen run: the job, its outputs and where the .bgen goes. */
struct bgen_run {
	struct export ex; /* fixed mode: the export; variable mode: its selection only */
	struct var_bgen vb;
	struct outset out;
	struct bgi_writer *bgi; /* variable mode's index, rows added as blocks land */
	char *sample, *bgen, *bgi_path;
	int fd, ibgi;
	bool streamed; /* the .bgen goes where a failure cannot take it back */
};

/* The export (fixed) or the selection and the variable format (variable). */
static int open_job(const struct cmd_bgen_opts *o, const struct bgen_params *p, struct bgen_run *r,
		    struct bf_err *err)
{
	struct export_config cfg;

	if (!p->fixed) {
		BF_FORWARD(selection_open(&o->c.sel, &r->ex.s, err));
		return check_variable(&r->ex.s, p, &r->vb, err);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = "bgen";
	cfg.sel = o->c.sel;
	cfg.budget = o->c.readahead_buffer_size;
	cfg.n_threads = cmd_threads();
	cfg.one_pass = true;
	cfg.format_params = p;
	BF_FORWARD(export_open(&r->ex, &cfg, err));
	/* the string check runs beside the sidecars and the decoding */
	export_checks_start(&r->ex);
	return 0;
}

/* STEM.sample, STEM.bgen and STEM.bgen.bgi, in the reference's order. */
static int open_files(const struct cmd_bgen_opts *o, const struct bgen_params *p,
		      struct bgen_run *r, struct bf_err *err)
{
	int i;

	r->sample = outset_path(o->output, ".sample");
	r->bgen = outset_path(o->output, ".bgen");
	r->bgi_path = outset_path(o->output, ".bgen.bgi");
	if (!r->sample || !r->bgen || !r->bgi_path)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (!o->no_sample_file) {
		BF_FORWARD(i = outset_add(&r->out, r->sample, err));
		BF_FORWARD(sidecar_write_sample(&r->ex.s, r->out.fd[i], r->sample, err));
	}
	BF_FORWARD(i = outset_add(&r->out, r->bgen, err));
	r->fd = r->out.fd[i];
	if (r->out.way[i] == OUTSET_DIRECT) {
		struct stdout_mark m;

		stdout_mark(r->fd, &m); /* a FIFO, or a device other than /dev/null */
		r->streamed = m.kind == STDOUT_STREAM;
	}
	if (o->no_bgi)
		return 0;
	/* SQLite writes the index by name */
	BF_FORWARD(r->ibgi = outset_add_named(&r->out, r->bgi_path, err));
	if (!p->fixed && !(r->bgi = bgi_writer_create(r->out.tmp[r->ibgi], err)))
		return err->code;
	return 0;
}

/*
 * Fixed mode.  Mixed ploidy shows only in the genotypes.  Files go to
 * temporary names, renamed on success; a regular file on stdout is cut back
 * on failure; a pipe (on stdout, or a FIFO given as the .bgen) cannot be
 * taken back, so for it a diploid store is encoded once without output
 * first.
 */
static int write_fixed(struct bgen_run *r, const struct bgen_params *p, const char *name,
		       struct bf_err *err)
{
	int rc, rc2;

	if (r->streamed)
		BF_FORWARD(export_checks_wait(&r->ex, err));
	if (r->streamed && r->ex.s.v->ploidy == 2)
		BF_FORWARD(export_prescan(&r->ex, err));
	rc = drain_stream(r->ex.stream, r->fd, name, err);
	/* the check's failure comes first, as if it had run before */
	rc2 = export_checks_wait(&r->ex, err);
	if (rc2 < 0)
		rc = rc2;
	if (rc == 0)
		export_report(&r->ex, "BgenEncoder");
	if (rc == 0 && r->ibgi >= 0)
		rc = sidecar_write_bgi_fixed(&r->ex.s, p, r->ex.prefix.len, r->ex.bpv,
					     r->out.tmp[r->ibgi], err);
	return rc;
}

static int write_var(struct bgen_run *r, const struct bgen_params *p, const char *name,
		     struct bf_err *err)
{
	int rc = write_variable(&r->ex.s, &r->vb, p, r->fd, name, r->bgi, err);

	if (r->bgi) {
		if (rc == 0)
			rc = bgi_writer_finish(r->bgi, err);
		else
			bgi_writer_free(r->bgi);
		r->bgi = NULL;
	}
	return rc;
}

int cmd_view_bgen(const struct cmd_bgen_opts *o)
{
	struct bf_err err;
	struct bgen_params p;
	struct bgen_run r;
	bool to_stdout = !o->output;
	struct stdout_mark som = {STDOUT_STREAM, 0};
	int rc;

	bf_err_clear(&err);
	memset(&r, 0, sizeof(r));
	outset_init(&r.out);
	bf_strbuf_init(&r.vb.prefix);
	r.fd = STDOUT_FILENO;
	r.ibgi = -1;
	cmd_bgen_params(o, &p);
	if (bgen_params_validate(&p, &err) < 0)
		return cmd_fail(&err);
	if (o->no_header_samples && (to_stdout || o->no_sample_file))
		bf_log_warn(
		    "write_bgen: embed_header_samples=False and sample_path=None leave sample "
		    "IDs nowhere in the output; pass sample_path or set "
		    "embed_header_samples=True");
	rc = open_job(o, &p, &r, &err);
	if (rc < 0 && p.fixed) /* nothing is open */
		return cmd_fail(&err);
	if (rc == 0 && to_stdout) {
		signal(SIGPIPE, SIG_IGN);
		stdout_mark(STDOUT_FILENO, &som);
		r.streamed = som.kind == STDOUT_STREAM;
	} else if (rc == 0) {
		rc = open_files(o, &p, &r, &err);
	}
	if (rc == 0)
		rc = (p.fixed ? write_fixed : write_var)(&r, &p, to_stdout ? "<stdout>" : r.bgen,
							 &err);
	if (rc == 0 && !to_stdout)
		rc = outset_commit(&r.out, &err);
	/* a failure before the drain: the string check's still comes first */
	if (rc < 0 && export_checks_wait(&r.ex, &err) < 0)
		rc = err.code < 0 ? err.code : BF_E_INVAL;
	if (r.bgi)
		bgi_writer_free(r.bgi);
	if (rc < 0)
		outset_abort(&r.out);
	if (rc < 0 && to_stdout)
		stdout_rewind(STDOUT_FILENO, &som);
	export_close(&r.ex);
	var_bgen_close(&r.vb);
	bf_free(r.sample);
	bf_free(r.bgen);
	bf_free(r.bgi_path);
	if (rc < 0 && to_stdout && err.sys_errno == EPIPE)
		return 1; /* a closed pipe ends the program quietly */
	return rc < 0 ? cmd_fail(&err) : 0;
}
