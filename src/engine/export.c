/*
 * export.c - output job set-up (see export.h).
 */
#include "util/bf_config.h"

#include "engine/export.h"
#include "engine/sidecar.h"
#include "format/bed.h"
#include "util/alloc.h"

#include <string.h>

static int bed_chunk(const void *params, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		     struct bf_err *err)
{
	(void)params;
	return bed_encode_chunk(c, out, cap, err);
}

static int setup_plink(struct export *e, struct bf_err *err)
{
	struct vcz *v = e->s.v;

	if (!v->gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", v->path);
	if (v->ploidy != 2)
		return bf_err_set(err, BF_E_INVAL, "%s", BED_MSG_NOT_DIPLOID);
	BF_FORWARD(sidecar_check_biallelic_plink(&e->s, err));
	BF_FORWARD(bf_strbuf_add(&e->prefix, bed_magic, BED_MAGIC_LEN));
	e->bpv = bed_bytes_per_variant(e->s.sel.n);
	e->src.encode = bed_chunk;
	e->src.need_gt = true;
	return 0;
}

int export_open(struct export *e, const struct export_config *c, struct bf_err *err)
{
	struct stream_source ss;
	struct stream_config sc;
	size_t k;
	int rc;

	memset(e, 0, sizeof(*e));
	e->format = c->format;
	bf_strbuf_init(&e->prefix);
	BF_FORWARD(selection_open(&c->sel, &e->s, err));
	e->src.v = e->s.v;
	e->src.plan = &e->s.plan;
	e->src.sel = &e->s.sel;
	e->src.params = c->format_params;
	switch (c->format) {
	case EXPORT_PLINK:
		rc = setup_plink(e, err);
		break;
	case EXPORT_BGEN_FIXED:
	default:
		rc = bf_err_set(err, BF_E_UNSUPPORTED, "BGEN output is not supported yet");
		break;
	}
	if (rc < 0)
		goto fail;
	e->counts = bf_calloc(e->s.plan.n_chunks + 1, sizeof(uint32_t));
	if (!e->counts) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (k = 0; k < e->s.plan.n_chunks; k++)
		e->counts[k] = e->s.plan.chunks[k].n;
	source_stream_source(&e->src, &ss);
	sc.n_threads = c->n_threads ? c->n_threads : 1;
	sc.prefetch = sc.n_threads + 1;
	sc.budget = c->budget;
	e->stream = stream_create((const uint8_t *)e->prefix.buf, e->prefix.len,
				  e->s.plan.n_chunks, e->counts, e->bpv, &ss, &sc, err);
	if (!e->stream) {
		rc = err ? err->code : BF_E_NOMEM;
		goto fail;
	}
	return 0;
fail:
	export_close(e);
	return rc;
}

void export_close(struct export *e)
{
	if (!e)
		return;
	stream_free(e->stream);
	e->stream = NULL;
	bf_free(e->counts);
	e->counts = NULL;
	bf_strbuf_release(&e->prefix);
	selection_release(&e->s);
}
