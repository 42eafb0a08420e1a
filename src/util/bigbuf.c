/*
 * bigbuf.c - mmap-backed large buffers (see bigbuf.h).
 */
#include "util/bf_config.h"

#include "util/bigbuf.h"

#include <stdatomic.h>
#include <sys/mman.h>

static _Atomic uint64_t bigbuf_mapped;

void *bf_bigbuf_alloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Fresh buffers are written in full right away; with 4 KiB pages a 20 MB
	 * decode buffer costs ~5000 page faults (view-plink spent about a third
	 * of its CPU time in them).  Transparent huge pages cut that ~500x; THP
	 * "madvise" mode (the common default) needs the hint. */
	if (n >= ((size_t)2 << 20))
		madvise(p, n, MADV_HUGEPAGE);
#endif
	atomic_fetch_add(&bigbuf_mapped, (uint64_t)n);
	return p;
}

void bf_bigbuf_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n == 0)
		n = 1;
	munmap(p, n);
	atomic_fetch_sub(&bigbuf_mapped, (uint64_t)n);
}

uint64_t bf_bigbuf_mapped(void)
{
	return atomic_load(&bigbuf_mapped);
}
