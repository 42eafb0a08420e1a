/*
 * pyparse.h - strings read the way Python reads them.
 *
 * Owns: Python's int(s) and float(s) rules (surrounding str.strip()
 * whitespace, signs, '_' digit separators for int), so that command-line
 * values are accepted and refused exactly as the reference tool's Click
 * options do; and ASCII case-insensitive equality (Click's
 * case_sensitive=False choices).  The mirror of pyrepr.h.  Pure; thread-safe.
 */
#ifndef BF_UTIL_PYPARSE_H
#define BF_UTIL_PYPARSE_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Python int(s): surrounding whitespace, a sign, decimal digits with single
 * '_' between them.  Values outside int64 are refused (Python has no limit).
 * @return true and *out set, or false when int(s) would raise (or overflow).
 */
bool bf_py_int(const char *s, int64_t *out);

/* Python float(s), without '_' separators or hex.  @return true and *out set. */
bool bf_py_float(const char *s, double *out);

/* a == b ignoring ASCII case. */
bool bf_ascii_ieq(const char *a, const char *b);

#endif
