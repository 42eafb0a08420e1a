/*
 * fmt_text.h - small text helpers shared by the sidecar encoders.
 *
 * Owns nothing.  Python-compatible repr() of a sample ID (for the exact error
 * messages of spec/formats.md section 8), the str.isspace() test on UTF-8
 * text, and the pandas QUOTE_MINIMAL field quoting used by .bim/.fam.
 * Pure functions; thread-safe.
 */
#ifndef BF_FORMAT_FMT_TEXT_H
#define BF_FORMAT_FMT_TEXT_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/*
 * Append one CSV field the way pandas to_csv (QUOTE_MINIMAL, sep TAB,
 * lineterminator LF) writes it: verbatim, or inside double quotes with inner
 * quotes doubled when the field contains '"', TAB or LF.
 * @return 0, or BF_E_NOMEM.
 */
int fmt_csv_field(struct bf_strbuf *sb, const char *s, size_t len) BF_MUST_CHECK;

#endif
