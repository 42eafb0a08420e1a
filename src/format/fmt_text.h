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
 * Append Python's repr() of the UTF-8 string s[0..len) to sb, quotes
 * included: 'abc', "it's", 'tab\there', '\x01', '\xa0', '\u3000'.
 * Quote choice, backslash escapes and \xNN/\uNNNN/\UNNNNNNNN forms follow
 * CPython's unicode_repr (printability is approximated: ASCII controls, C1
 * controls, Unicode whitespace other than ' ', U+00AD, U+200B-U+200F,
 * U+2060-U+2064, U+FEFF, other common Cf, private use and noncharacters
 * are escaped; other unassigned code points are kept).  Bytes
 * that are not valid UTF-8 are written as \xNN.
 * @return 0, or BF_E_NOMEM.
 */
int fmt_py_repr(struct bf_strbuf *sb, const char *s, size_t len) BF_MUST_CHECK;

/*
 * True iff s[0..len) (UTF-8) contains a code point for which Python's
 * str.isspace() is true: U+0009-000D, U+001C-001F, U+0020, U+0085, U+00A0,
 * U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 * @return true if any such character is present.
 */
bool fmt_has_py_space(const char *s, size_t len);

/*
 * Append one CSV field the way pandas to_csv (QUOTE_MINIMAL, sep TAB,
 * lineterminator LF) writes it: verbatim, or inside double quotes with inner
 * quotes doubled when the field contains '"', TAB or LF.
 * @return 0, or BF_E_NOMEM.
 */
int fmt_csv_field(struct bf_strbuf *sb, const char *s, size_t len) BF_MUST_CHECK;

#endif
