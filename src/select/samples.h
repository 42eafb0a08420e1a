/*
 * samples.h - resolve -s/-S/--force-samples into raw sample indexes.
 *
 * Owns: the bcftools-style sample selection rules of spec/selection.md §3:
 * order as given, `^` complement in store order, duplicate and unknown-name
 * errors, --force-samples warnings, the empty-string and empty-set errors.
 * Null samples are never selectable.
 */
#ifndef BF_SELECT_SAMPLES_H
#define BF_SELECT_SAMPLES_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

struct vcz;

/*
 * Resolve the selection.  `list` is the -s argument and `file` the -S
 * argument (at most one is non-NULL; both NULL selects every non-null sample
 * in store order).  On success `*raw` (bf_malloc'd, caller frees with bf_free)
 * holds `*n` raw sample indexes in output order.
 * @return 0, or BF_E_INVAL (selection errors, message as the reference),
 *         BF_E_IO (unreadable file), BF_E_NOMEM.
 */
int select_samples(const struct vcz *v, const char *list, const char *file, bool force,
		   size_t **raw, size_t *n, struct bf_err *err) BF_MUST_CHECK;

#endif
