/*
 * sample_file.c - Oxford .sample text (see sample_file.h).
 */
#include "util/bf_config.h"

#include "format/sample_file.h"
#include "format/fmt_text.h"
#include "util/pyrepr.h"

int sample_file_text(const struct fmt_str *ids, size_t n, struct bf_strbuf *out, struct bf_err *err)
{
	size_t i, old = out->len;

	for (i = 0; i < n; i++) {
		if (bf_py_has_space(ids[i].p, ids[i].len)) {
			struct bf_strbuf r = BF_STRBUF_INIT;
			int rc;
			if (bf_pyrepr_strn(&r, ids[i].p, ids[i].len, false) < 0) {
				bf_strbuf_release(&r);
				return bf_err_set(err, BF_E_NOMEM, "out of memory");
			}
			rc =
			    bf_err_set(err, BF_E_INVAL,
				       "Sample ID %s contains whitespace; Oxford .sample files are "
				       "whitespace-separated.",
				       r.buf);
			bf_strbuf_release(&r);
			return rc;
		}
	}
	if (bf_strbuf_adds(out, "ID_1 ID_2 missing\n0 0 0\n") < 0)
		goto oom;
	for (i = 0; i < n; i++) {
		if (bf_strbuf_add(out, ids[i].p, ids[i].len) < 0 || bf_strbuf_addc(out, ' ') < 0 ||
		    bf_strbuf_add(out, ids[i].p, ids[i].len) < 0 ||
		    bf_strbuf_add(out, " 0\n", 3) < 0)
			goto oom;
	}
	return 0;
oom:
	out->len = old;
	if (out->buf)
		out->buf[old] = '\0';
	return bf_err_set(err, BF_E_NOMEM, "out of memory");
}
