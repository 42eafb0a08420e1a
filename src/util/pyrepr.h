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

/*
 * Append repr(s): quoted with ' (or " when s holds ' and no "), with \\, \n,
 * \r, \t, \xNN and \uNNNN escapes where Python uses them.
 * @return 0 or BF_E_NOMEM.
 */
int bf_pyrepr_str(struct bf_strbuf *sb, const char *s) BF_MUST_CHECK;

/*
 * Append repr(v) for a finite double: the shortest digits that read back as
 * v, fixed notation for 1e-4 <= |v| < 1e16 ("1.5", "100.0"), otherwise
 * scientific ("1e+16", "2.5e-05"); "inf", "-inf", "nan" for the rest.
 * @return 0 or BF_E_NOMEM.
 */
int bf_pyrepr_float(struct bf_strbuf *sb, double v) BF_MUST_CHECK;

#endif
