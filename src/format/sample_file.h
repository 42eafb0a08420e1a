/*
 * sample_file.h - Oxford .sample text for BGEN (spec/formats.md section 5).
 *
 * Owns nothing: appends text to a caller's struct bf_strbuf.  Pure;
 * thread-safe.
 */
#ifndef BF_FORMAT_SAMPLE_FILE_H
#define BF_FORMAT_SAMPLE_FILE_H

#include "util/bf_config.h"

#include <stddef.h>

#include "format/variant.h"
#include "util/err.h"
#include "util/strbuf.h"

/*
 * Append the whole .sample file for n sample IDs (selection order):
 * "ID_1 ID_2 missing\n0 0 0\n" then "<id> <id> 0\n" per sample.  All IDs are
 * checked before anything is appended.
 * @return 0; BF_E_INVAL "Sample ID '<repr>' contains whitespace; Oxford
 * .sample files are whitespace-separated." for the first ID containing
 * str.isspace() text; BF_E_NOMEM.  On error `out` is unchanged.
 */
int sample_file_text(const struct fmt_str *ids, size_t n, struct bf_strbuf *out,
		     struct bf_err *err) BF_MUST_CHECK;

#endif
