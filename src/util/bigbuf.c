/*
 * bigbuf.c - mmap-backed large buffers (see bigbuf.h).
 */
#include "util/bf_config.h"

#include "util/bigbuf.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

static _Atomic uint64_t bigbuf_mapped;

/*
 * Bytes mapped for a buffer of n: whole pages, and whole huge pages for a
 * buffer of at least one when that adds at most an eighth (a 5.7 MiB
 * piece gets 6 MiB), so no part of it falls back to 4 KiB pages.
 */
static size_t map_len(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = (n + page - 1) / page * page;
	size_t huge = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;

	if (n >= HUGE_PAGE && huge - n <= n / 8)
		return huge;
	return len;
}

void *bf_bigbuf_alloc(size_t n)
{
	size_t len;
	uint8_t *p;

	if (n == 0)
		n = 1;
	len = map_len(n);
	if (n < HUGE_PAGE) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
	} else {
		/* start on a huge-page boundary: map one huge page more, unmap the slop */
		uint8_t *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t head;

		if (raw == MAP_FAILED)
			return NULL;
		head = (HUGE_PAGE - (uintptr_t)raw % HUGE_PAGE) % HUGE_PAGE;
		p = raw + head;
		if (head > 0)
			munmap(raw, head);
		if (HUGE_PAGE - head > 0)
			munmap(p + len, HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
		/* Fresh buffers are written in full right away.  A 4 KiB page
		 * fault costs about 13 us on the 2-core VMs we measure on (a
		 * 6 MB piece: ~20 ms); huge pages cut the faults 512x.  THP's
		 * "madvise" mode (the common default) needs the hint, and only
		 * whole aligned huge pages inside the mapping get one. */
		madvise(p, len, MADV_HUGEPAGE);
#endif
	}
	atomic_fetch_add(&bigbuf_mapped, (uint64_t)len);
	return p;
}

void bf_bigbuf_free(void *p, size_t n)
{
	size_t len;

	if (!p)
		return;
	len = map_len(n == 0 ? 1 : n);
	munmap(p, len);
	atomic_fetch_sub(&bigbuf_mapped, (uint64_t)len);
}

uint64_t bf_bigbuf_mapped(void)
{
	return atomic_load(&bigbuf_mapped);
}
