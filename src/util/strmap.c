/*
 * strmap.c - string hash map (see strmap.h).
 */
#include "util/bf_config.h"

#include "util/strmap.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

int bf_strmap_init(struct bf_strmap *m, size_t expected)
{
	size_t cap = 16;

	while (cap < expected * 2 + 1)
		cap <<= 1;
	m->slots = bf_calloc(cap, sizeof(*m->slots));
	m->cap = m->slots ? cap : 0;
	m->n = 0;
	return m->slots ? 0 : BF_E_NOMEM;
}

void bf_strmap_release(struct bf_strmap *m)
{
	if (!m)
		return;
	bf_free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

int bf_strmap_put(struct bf_strmap *m, const char *key, size_t len, size_t value)
{
	size_t i = (size_t)hash_bytes(key, len) & (m->cap - 1);

	while (m->slots[i].key) {
		if (m->slots[i].len == len && !memcmp(m->slots[i].key, key, len))
			return 0;
		i = (i + 1) & (m->cap - 1);
	}
	m->slots[i].key = key;
	m->slots[i].len = len;
	m->slots[i].value = value;
	m->n++;
	return 1;
}

bool bf_strmap_get(const struct bf_strmap *m, const char *key, size_t len, size_t *value)
{
	size_t i;

	if (!m->cap)
		return false;
	i = (size_t)hash_bytes(key, len) & (m->cap - 1);
	while (m->slots[i].key) {
		if (m->slots[i].len == len && !memcmp(m->slots[i].key, key, len)) {
			*value = m->slots[i].value;
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}
