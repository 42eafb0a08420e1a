/*
 * strmap.h - a hash map from byte strings to size_t values.
 *
 * Owns: its table, not the keys (keys are borrowed and must outlive the
 * map).  Open addressing with linear probing; built once, then read.  Used for
 * sample-name lookups at biobank scale.  Not thread-safe while inserting.
 */
#ifndef BF_STRMAP_H
#define BF_STRMAP_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>

struct bf_strmap_slot {
	const char *key; /* NULL when empty */
	size_t len;
	size_t value;
};

struct bf_strmap {
	struct bf_strmap_slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

/* Prepare for about `expected` keys.  @return 0 or BF_E_NOMEM. */
int bf_strmap_init(struct bf_strmap *m, size_t expected) BF_MUST_CHECK;
void bf_strmap_release(struct bf_strmap *m);
/* Insert; an existing key keeps its first value.  @return 1 if inserted, 0 if present. */
int bf_strmap_put(struct bf_strmap *m, const char *key, size_t len, size_t value);
/* Look up.  @return true and *value when found. */
bool bf_strmap_get(const struct bf_strmap *m, const char *key, size_t len, size_t *value);

#endif
