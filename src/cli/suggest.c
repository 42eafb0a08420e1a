/*
 * suggest.c - difflib-style close matches (see suggest.h).
 */
#include "util/bf_config.h"

#include "cli/suggest.h"

#include <string.h>

/*
 * Matching characters of a and b, as the sum of difflib.SequenceMatcher's
 * matching blocks: the longest common run (earliest in a, then in b), then
 * recursively left and right of it.  `prev` and `cur` are scratch rows of
 * CLI_SUGGEST_MAXLEN + 1 entries; each level is done with them before it recurses.
 */
static size_t seq_matches(const char *a, size_t alo, size_t ahi, const char *b, size_t blo,
			  size_t bhi, size_t *prev, size_t *cur)
{
	size_t i, j, k, besti = alo, bestj = blo, best = 0, *t;

	if (alo >= ahi || blo >= bhi)
		return 0;
	memset(prev, 0, (CLI_SUGGEST_MAXLEN + 1) * sizeof(*prev));
	for (i = alo; i < ahi; i++) {
		memset(cur, 0, (CLI_SUGGEST_MAXLEN + 1) * sizeof(*cur));
		for (j = blo; j < bhi; j++) {
			if (a[i] != b[j])
				continue;
			k = (j > blo ? prev[j - 1] : 0) + 1;
			cur[j] = k;
			if (k > best) {
				besti = i + 1 - k;
				bestj = j + 1 - k;
				best = k;
			}
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	if (best == 0)
		return 0;
	return best + seq_matches(a, alo, besti, b, blo, bestj, prev, cur) +
	       seq_matches(a, besti + best, ahi, b, bestj + best, bhi, prev, cur);
}

double cli_suggest_ratio(const char *a, const char *b)
{
	size_t rowa[CLI_SUGGEST_MAXLEN + 1], rowb[CLI_SUGGEST_MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb == 0)
		return 1.0;
	return 2.0 * (double)seq_matches(a, 0, la, b, 0, lb, rowa, rowb) / (double)(la + lb);
}

size_t cli_suggest(const char *word, const char *const *names, size_t n, const char *best[3])
{
	double score[3] = {0, 0, 0};
	size_t i, nb = 0, k;

	if (strlen(word) > CLI_SUGGEST_MAXLEN)
		return 0;
	for (i = 0; i < n; i++) {
		double s;

		if (strlen(names[i]) > CLI_SUGGEST_MAXLEN)
			continue;
		s = cli_suggest_ratio(names[i], word);
		if (s < 0.6)
			continue;
		/* keep the 3 largest (score, name) pairs */
		for (k = 0; k < nb; k++) {
			if (s > score[k] || (s == score[k] && strcmp(names[i], best[k]) > 0))
				break;
		}
		if (k >= 3)
			continue;
		if (nb < 3)
			nb++;
		memmove(&best[k + 1], &best[k], (nb - 1 - k) * sizeof(best[0]));
		memmove(&score[k + 1], &score[k], (nb - 1 - k) * sizeof(score[0]));
		best[k] = names[i];
		score[k] = s;
	}
	/* alphabetical, as Click shows them */
	for (i = 1; i < nb; i++) {
		for (k = i; k > 0 && strcmp(best[k - 1], best[k]) > 0; k--) {
			const char *t = best[k];

			best[k] = best[k - 1];
			best[k - 1] = t;
		}
	}
	return nb;
}
