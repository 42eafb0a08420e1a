/*
 * plink_text.c - .bim and .fam row text (see plink_text.h).
 */
#include "util/bf_config.h"

#include "format/plink_text.h"
#include "format/bed.h"
#include "format/fmt_text.h"
#include "util/pyrepr.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

static bool str_is(const char *p, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(p, lit, len) == 0;
}

struct fmt_str plink_normalise_chrom(struct fmt_str chrom)
{
	static const char mt[] = "MT";
	struct fmt_str suf;

	if (chrom.len < 3 || memcmp(chrom.p, "chr", 3) != 0)
		return chrom;
	suf.p = chrom.p + 3;
	suf.len = chrom.len - 3;
	if (str_is(suf.p, suf.len, "M")) {
		suf.p = mt;
		suf.len = 2;
		return suf;
	}
	if (str_is(suf.p, suf.len, "X") || str_is(suf.p, suf.len, "Y") ||
	    str_is(suf.p, suf.len, "MT"))
		return suf;
	/* 1..22 without leading zeros */
	if (suf.len == 1 && suf.p[0] >= '1' && suf.p[0] <= '9')
		return suf;
	if (suf.len == 2 && ((suf.p[0] == '1' && suf.p[1] >= '0' && suf.p[1] <= '9') ||
			     (suf.p[0] == '2' && suf.p[1] >= '0' && suf.p[1] <= '2')))
		return suf;
	return chrom;
}

static int nomem(struct bf_strbuf *sb, size_t old_len, struct bf_err *err)
{
	sb->len = old_len;
	if (sb->buf)
		sb->buf[old_len] = '\0';
	return bf_err_set(err, BF_E_NOMEM, "out of memory");
}

int bim_append_row(struct bf_strbuf *sb, const struct fmt_variant *v, struct bf_err *err)
{
	size_t old = sb->len;
	struct fmt_str chrom;

	if (v->multi_allelic)
		return bf_err_set(err, BF_E_UNSUPPORTED, BED_MSG_MULTI_ALLELIC);
	chrom = plink_normalise_chrom(v->chrom);
	if (fmt_csv_field(sb, chrom.p, chrom.len) < 0 || bf_strbuf_addc(sb, '\t') < 0)
		return nomem(sb, old, err);
	if ((v->has_id ? fmt_csv_field(sb, v->id.p, v->id.len) : bf_strbuf_addc(sb, '.')) < 0)
		return nomem(sb, old, err);
	if (bf_strbuf_addf(sb, "\t0\t%" PRId64 "\t", v->pos) < 0)
		return nomem(sb, old, err);
	if ((v->alt.len ? fmt_csv_field(sb, v->alt.p, v->alt.len) : bf_strbuf_addc(sb, '.')) < 0)
		return nomem(sb, old, err);
	if (bf_strbuf_addc(sb, '\t') < 0 || fmt_csv_field(sb, v->ref.p, v->ref.len) < 0 ||
	    bf_strbuf_addc(sb, '\n') < 0)
		return nomem(sb, old, err);
	return 0;
}

int fam_append_row(struct bf_strbuf *sb, const char *id, size_t len, struct bf_err *err)
{
	size_t old = sb->len;

	if (bf_py_has_space(id, len)) {
		struct bf_strbuf r = BF_STRBUF_INIT;
		int rc;
		if (bf_pyrepr_strn(&r, id, len, false) < 0) {
			bf_strbuf_release(&r);
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
		rc = bf_err_set(
		    err, BF_E_INVAL,
		    "Sample ID %s contains whitespace; PLINK FAM is whitespace-separated.", r.buf);
		bf_strbuf_release(&r);
		return rc;
	}
	if (fmt_csv_field(sb, id, len) < 0 || bf_strbuf_addc(sb, '\t') < 0 ||
	    fmt_csv_field(sb, id, len) < 0 || bf_strbuf_add(sb, "\t0\t0\t0\t-9\n", 10) < 0)
		return nomem(sb, old, err);
	return 0;
}
