/*
 * alloc.c - counted allocations (see alloc.h).
 */
#include "util/bf_config.h"

#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic long alloc_live;
static _Atomic long alloc_fail_after = -1;

static bool alloc_should_fail(void)
{
	long n = atomic_load(&alloc_fail_after);

	if (n < 0)
		return false;
	if (n == 0)
		return true;
	atomic_fetch_sub(&alloc_fail_after, 1);
	return false;
}

void bf_alloc_fail_after(long n)
{
	atomic_store(&alloc_fail_after, n);
}

long bf_alloc_live(void)
{
	return atomic_load(&alloc_live);
}

void *bf_malloc(size_t n)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	p = malloc(n ? n : 1);
	if (p)
		atomic_fetch_add(&alloc_live, 1);
	return p;
}

void *bf_calloc(size_t count, size_t size)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	p = calloc(count ? count : 1, size ? size : 1);
	if (p)
		atomic_fetch_add(&alloc_live, 1);
	return p;
}

void *bf_realloc(void *p, size_t n)
{
	void *q;

	if (!p)
		return bf_malloc(n);
	if (alloc_should_fail())
		return NULL;
	q = realloc(p, n ? n : 1);
	return q;
}

void bf_free(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub(&alloc_live, 1);
	free(p);
}

char *bf_strndup(const char *s, size_t n)
{
	char *p = bf_malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *bf_strdup(const char *s)
{
	return bf_strndup(s, strlen(s));
}
