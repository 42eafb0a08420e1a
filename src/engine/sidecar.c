/*
 * sidecar.c - .bim/.fam writers over a selection (see sidecar.h).
 */
#include "util/bf_config.h"

#include "engine/sidecar.h"
#include "engine/source.h"
#include "format/bed.h"
#include "format/fmt_text.h"
#include "format/plink_text.h"
#include "format/bgi.h"
#include "format/sample_file.h"
#include "util/alloc.h"
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
	int rc = source_walk_variants(s, bim_row, &w, err);

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
	return source_walk_variants(s, check_row, NULL, err);
}

int sidecar_write_sample(const struct selection *s, int fd, const char *name, struct bf_err *err)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct fmt_str *ids = bf_calloc(s->sel.n + 1, sizeof(*ids));
	size_t j;
	int rc;

	if (!ids)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (j = 0; j < s->sel.n; j++)
		ids[j].p = selection_sample_id(s, j, &ids[j].len);
	rc = sample_file_text(ids, s->sel.n, &sb, err);
	if (rc == 0)
		rc = sidecar_write_all(fd, sb.buf, sb.len, name, err);
	bf_free(ids);
	bf_strbuf_release(&sb);
	return rc;
}

struct bgi_walk {
	const struct bgen_params *p;
	struct bgi_writer *w;
	struct bf_strbuf rsid;
	uint64_t at, bpv;
};

static int bgi_row(void *opaque, const struct fmt_variant *fv, struct bf_err *err)
{
	struct bgi_walk *b = opaque;
	struct bgi_row row;

	BF_FORWARD(bgi_row_for_variant(b->p, fv, b->at, b->bpv, &b->rsid, &row, err));
	BF_FORWARD(bgi_writer_add(b->w, &row, err));
	b->at += b->bpv;
	return 0;
}

int sidecar_write_bgi_fixed(struct selection *s, const struct bgen_params *p, uint64_t first,
			    uint64_t bpv, const char *path, struct bf_err *err)
{
	struct bgi_walk b = {p, NULL, BF_STRBUF_INIT, first, bpv};
	int rc;

	b.w = bgi_writer_create(path, err);
	if (!b.w)
		return err ? err->code : BF_E_IO;
	rc = source_walk_variants(s, bgi_row, &b, err);
	if (rc == 0)
		rc = bgi_writer_finish(b.w, err);
	else
		bgi_writer_free(b.w);
	bf_strbuf_release(&b.rsid);
	return rc;
}
