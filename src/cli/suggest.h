/*
 * suggest.h - "Did you mean ...?": close matches of a mistyped word.
 *
 * Owns: Python difflib's similarity ratio (SequenceMatcher's matching
 * blocks: the longest common run, then recursively left and right of it)
 * and get_close_matches(word, names, n=3, cutoff=0.6), which is what Click
 * suggests for an unknown option.  Pure; thread-safe.
 */
#ifndef BF_CLI_SUGGEST_H
#define BF_CLI_SUGGEST_H

#include "util/bf_config.h"

#include <stddef.h>

/* Longer words and names are never matched (scratch rows are this long). */
#define CLI_SUGGEST_MAXLEN 128

/* difflib.SequenceMatcher(None, a, b).ratio(): 2 * matches / (len a + len b). */
double cli_suggest_ratio(const char *a, const char *b);

/*
 * The up to 3 names closest to `word` with a ratio of at least 0.6 (ties
 * broken by the larger name, as difflib's heap does), stored in best[]
 * sorted alphabetically as Click shows them.  @return how many (0..3).
 */
size_t cli_suggest(const char *word, const char *const *names, size_t n, const char *best[3]);

#endif
