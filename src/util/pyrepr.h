/*
 * pyrepr.h - Python-style repr() of strings and floats.
 *
 * Owns nothing.  Several user-facing messages of the reference tool embed
 * Python reprs ("'abc' is not a valid integer.", "tokenized as [1.5, 'x']");
 * these helpers render the same text so our messages match byte for byte for
 * ordinary input.  Strings are read as UTF-8; a byte that is not valid UTF-8
 * is shown as '\udcXX', as Python shows an argv byte it decoded with
 * surrogateescape.  Thread-safe (no state).
 */
#ifndef BF_PYREPR_H
#define BF_PYREPR_H

#include "util/bf_config.h"

#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Append repr(s): quoted with ' (or " when s holds ' and no "), with \\, \n,
 * \r, \t, \xNN and \uNNNN escapes where Python uses them.
 * @return 0 or BF_E_NOMEM.
 */
/*
 * Append Python's repr() of the UTF-8 string s[0..len) to sb, quotes
 * included: 'abc', "it's", 'tab\there', '\x01', '\xa0', '\u3000'.
 * Quote choice, backslash escapes and \xNN/\uNNNN/\UNNNNNNNN forms follow
 * CPython's unicode_repr (printability is approximated: ASCII controls, C1
 * controls, Unicode whitespace other than ' ', U+00AD, U+200B-U+200F,
 * U+2060-U+2064, U+FEFF, other common Cf, private use and noncharacters
 * are escaped; other unassigned code points are kept).  Bytes
 * that are not valid UTF-8 are written as \xNN, or as \udcNN (how Python
 * shows undecodable command-line bytes) when `surrogateescape` is set.
 * @return 0, or BF_E_NOMEM.
 */
int bf_pyrepr_strn(struct bf_strbuf *sb, const char *s, size_t len,
		   bool surrogateescape) BF_MUST_CHECK;

/*
 * True iff s[0..len) (UTF-8) contains a code point for which Python's
 * str.isspace() is true: U+0009-000D, U+001C-001F, U+0020, U+0085, U+00A0,
 * U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 * @return true if any such character is present.
 */
bool bf_py_has_space(const char *s, size_t len);

/* bf_pyrepr_strn of a NUL-terminated command-line string (surrogateescape). */
int bf_pyrepr_str(struct bf_strbuf *sb, const char *s) BF_MUST_CHECK;

/*
 * Append repr(v) for a finite double: the shortest digits that read back as
 * v, fixed notation for 1e-4 <= |v| < 1e16 ("1.5", "100.0"), otherwise
 * scientific ("1e+16", "2.5e-05"); "inf", "-inf", "nan" for the rest.
 * @return 0 or BF_E_NOMEM.
 */
int bf_pyrepr_float(struct bf_strbuf *sb, double v) BF_MUST_CHECK;

#endif
