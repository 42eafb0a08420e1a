/*
 * fuzz_zarr_meta.c - libFuzzer target: array metadata parsing.
 *
 * Input: byte 0 picks the format (even: v2 .zarray, odd: v3 zarr.json); the
 * rest up to the first NUL byte is the metadata text, the bytes after it are
 * stored as chunk 0 under every plausible key.  The target opens the group
 * and the array, formats keys, and reads chunk 0 (whole, one row range, or as
 * strings).  Limits are the FUZZING ones of zarr_internal.h.
 */
#include "util/bf_config.h"

#include "store/store.h"
#include "zarr/zarr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const chunk_keys[] = {"a/0",	      "a/0.0",	 "a/0/0", "a/0.0.0",
					 "a/0/0/0",   "a/c",	 "a/c/0", "a/c/0/0",
					 "a/c/0/0/0", "a/c.0.0", "a/c.0"};
#define NCK (sizeof(chunk_keys) / sizeof(chunk_keys[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *keys[2 + NCK];
	const void *vals[2 + NCK];
	size_t lens[2 + NCK], mlen, i;
	const uint8_t *nul;
	bool v3;
	struct bf_err err;
	struct store *st;
	struct zarr_group *g;
	struct zarr_array *a;

	if (size < 1)
		return 0;
	v3 = data[0] & 1;
	data++;
	size--;
	nul = memchr(data, 0, size);
	mlen = nul ? (size_t)(nul - data) : size;
	keys[0] = v3 ? "zarr.json" : ".zgroup";
	vals[0] = v3 ? "{\"zarr_format\":3,\"node_type\":\"group\"}" : "{\"zarr_format\":2}";
	lens[0] = strlen(vals[0]);
	keys[1] = v3 ? "a/zarr.json" : "a/.zarray";
	vals[1] = data;
	lens[1] = mlen;
	for (i = 0; i < NCK; i++) {
		keys[2 + i] = chunk_keys[i];
		vals[2 + i] = nul ? nul + 1 : (const void *)"";
		lens[2 + i] = nul ? size - mlen - 1 : 0;
	}
	st = store_open_mem(2 + NCK, keys, vals, lens, &err);
	if (!st)
		return 0;
	g = zarr_group_open(st, &err);
	if (!g)
		goto out;
	a = zarr_array_open(g, "a", &err);
	if (a) {
		int64_t idx[ZARR_MAX_DIMS] = {0};
		const struct zarr_dtype *dt = zarr_array_dtype(a);
		char key[256];
		int nd = zarr_array_ndim(a), d;
		bool empty = false;

		for (d = 0; d < nd; d++) {
			(void)zarr_array_chunk_extent(a, d, 0);
			if (zarr_array_nchunks(a, d) == 0)
				empty = true;
		}
		(void)zarr_array_codecs_json(a);
		(void)zarr_array_chunk_key(a, idx, key, sizeof(key));
		if (!empty && dt->kind == ZARR_KIND_STRING) {
			struct zarr_strings s;

			if (zarr_array_read_chunk_strings(a, idx, &s, &err) == 0)
				zarr_strings_release(&s);
		} else if (!empty) {
			size_t n = zarr_array_chunk_nelem(a) * (size_t)dt->itemsize;

			if (dt->itemsize > 0 &&
			    n / (size_t)dt->itemsize == zarr_array_chunk_nelem(a) &&
			    n <= ((size_t)1 << 22)) {
				uint8_t *buf = malloc(n ? n : 1);

				if (buf) {
					(void)!zarr_array_read_chunk(a, idx, buf, n, &err);
					if (nd > 0 && zarr_array_chunks(a)[0] > 0)
						(void)!zarr_array_read_chunk_rows(
						    a, idx, 0, 1, buf,
						    n / (size_t)zarr_array_chunks(a)[0], NULL,
						    &err);
					free(buf);
				}
			}
		}
		zarr_array_free(a);
	}
	zarr_group_free(g);
out:
	store_free(st);
	return 0;
}
