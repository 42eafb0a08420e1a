/*
 * fuzz_zip_dir.c - libFuzzer target for the zip reader (zip_dir.c).
 *
 * The input is the whole archive, served from memory through the read
 * callback.  The target opens it, looks every indexed member up by name and
 * by prefix, and reads every member small enough to allocate.  Built with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which caps the central directory
 * at 1 MiB (zip_dir.h).
 */
#include "util/bf_config.h"

#include "store/zip_dir.h"
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_MEMBER (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct membuf {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *opaque, uint64_t off, void *buf, size_t len, struct bf_err *err)
{
	const struct membuf *m = opaque;

	if (off > m->n || len > m->n - off)
		return bf_err_set(err, BF_E_IO, "read past the end");
	if (len)
		memcpy(buf, m->p + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct membuf m = {data, size};
	struct bf_err err;
	struct zip_dir *d = zip_dir_open(mem_read, &m, size, "fuzz.zip", &err);
	size_t i, n;

	if (!d) {
		if (err.code >= 0)
			abort(); /* a failure must carry a code */
		return 0;
	}
	n = zip_dir_count(d);
	for (i = 0; i < n; i++) {
		const struct zip_entry *e = zip_dir_entry(d, i);
		uint8_t *buf;

		if (zip_dir_find(d, e->name) != e || zip_dir_lower_bound(d, e->name) != i)
			abort(); /* the index must find what it lists */
		if (i > 0 && strcmp(zip_dir_entry(d, i - 1)->name, e->name) >= 0)
			abort(); /* sorted, no duplicates */
		if (e->usize > FUZZ_MAX_MEMBER)
			continue;
		buf = bf_malloc(e->usize ? (size_t)e->usize : 1);
		if (!buf)
			break;
		if (zip_dir_read(d, e, buf, (size_t)e->usize, &err) < 0 && err.code >= 0)
			abort();
		bf_free(buf);
	}
	zip_dir_free(d);
	return 0;
}
