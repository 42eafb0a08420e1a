/*
 * size_parse.h - human-readable byte sizes ("100M", "2G", "256MiB").
 *
 * Owns nothing.  Follows python-humanfriendly's parse_size(text, binary=True),
 * which the reference tool uses for --readahead-buffer-size:
 *   - the text is split into number and word tokens ("1.5 GiB" -> [1.5, 'GiB']);
 *   - a lone number is a byte count ("1024"; "1.5" truncates to 1);
 *   - a number and a word starting with 'b' are bytes ("5 bytes");
 *   - otherwise the word, lower-cased and with trailing 's' removed, must
 *     start with k, m, g, t, p, e, z or y: 1024^1 .. 1024^8 ("100M", "100MB",
 *     "100MiB", "100 megabytes" are all 100 * 2^20; case does not matter);
 *   - the result is the product truncated to an integer.
 * Anything else fails with humanfriendly's message
 * "Failed to parse size! (input '...' was tokenized as [...])".  A value that
 * does not fit in 64 bits fails too (humanfriendly has no limit).
 * Thread-safe.
 */
#ifndef BF_SIZE_PARSE_H
#define BF_SIZE_PARSE_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdint.h>

/*
 * Parse `text` into a byte count.
 * @return 0 and *out set, BF_E_INVAL with the message above in `err`, or
 *         BF_E_NOMEM.
 */
int bf_size_parse(const char *text, uint64_t *out, struct bf_err *err) BF_MUST_CHECK;

#endif
