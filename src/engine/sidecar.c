/*
 * sidecar.c - .bim/.fam writers over a selection (see sidecar.h).
 */
#include "util/bf_config.h"

#include "engine/sidecar.h"
#include "engine/source.h"
#include "format/bed.h"
#include "format/fmt_text.h"
#include "util/strbuf.h"

#include <errno.h>
#include <unistd.h>

#define FLUSH_BYTES (1u << 20)

int sidecar_write_all(int fd, const void *buf, size_t len, const char *name, struct bf_err *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bf_err_sys(err, BF_E_IO, "cannot write '%s'", name);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int flush(struct bf_strbuf *sb, int fd, const char *name, size_t at_least,
		 struct bf_err *err)
{
	int rc = 0;

	if (sb->len >= at_least && sb->len > 0) {
		rc = sidecar_write_all(fd, sb->buf, sb->len, name, err);
		bf_strbuf_reset(sb);
	}
	return rc;
}

int sidecar_write_fam(const struct selection *s, int fd, const char *name, struct bf_err *err)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	size_t j;
	int rc = 0;

	for (j = 0; j < s->sel.n && rc == 0; j++) {
		size_t len;
		const char *id = selection_sample_id(s, j, &len);

		rc = fam_append_row(&sb, id, len, err);
		if (rc == 0)
			rc = flush(&sb, fd, name, FLUSH_BYTES, err);
	}
	if (rc == 0)
		rc = flush(&sb, fd, name, 0, err);
	bf_strbuf_release(&sb);
	return rc;
}

/* Walk the plan's metadata; `fn` is called per variant. */
typedef int (*variant_fn)(void *opaque, const struct fmt_variant *fv, struct bf_err *err);

static int walk_variants(struct selection *s, variant_fn fn, void *opaque, struct bf_err *err)
{
	struct source src = {.v = s->v, .plan = &s->plan, .sel = &s->sel};
	struct source_ws *ws = source_ws_create(&src, err);
	size_t k, j, n;
	int rc = 0;

	if (!ws)
		return err ? err->code : BF_E_NOMEM;
	for (k = 0; k < s->plan.n_chunks && rc == 0; k++) {
		rc = source_load_meta(&src, ws, k, &n, err);
		for (j = 0; j < n && rc == 0; j++)
			rc = fn(opaque, &ws->vars[j], err);
	}
	source_ws_free(ws);
	return rc;
}

struct bim_walk {
	struct bf_strbuf sb;
	int fd;
	const char *name;
};

static int bim_row(void *opaque, const struct fmt_variant *fv, struct bf_err *err)
{
	struct bim_walk *w = opaque;

	BF_FORWARD(bim_append_row(&w->sb, fv, err));
	return flush(&w->sb, w->fd, w->name, FLUSH_BYTES, err);
}

int sidecar_write_bim(struct selection *s, int fd, const char *name, struct bf_err *err)
{
	struct bim_walk w = {BF_STRBUF_INIT, fd, name};
	int rc = walk_variants(s, bim_row, &w, err);

	if (rc == 0)
		rc = flush(&w.sb, fd, name, 0, err);
	bf_strbuf_release(&w.sb);
	return rc;
}

static int check_row(void *opaque, const struct fmt_variant *fv, struct bf_err *err)
{
	(void)opaque;
	if (fv->multi_allelic)
		return bf_err_set(err, BF_E_INVAL, "%s", BED_MSG_MULTI_ALLELIC);
	return 0;
}

int sidecar_check_biallelic_plink(struct selection *s, struct bf_err *err)
{
	return walk_variants(s, check_row, NULL, err);
}
