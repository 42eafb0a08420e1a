/*
 * fuzz_zarr_chunk.c - libFuzzer target: chunk decoding.
 *
 * Input: byte 0 picks one of several fixed, valid array metadata (blosc,
 * zstd, zlib, gzip, lz4, bz2, vlen-utf8, fixed strings, filters, a v3
 * transpose/bytes/crc32c pipeline); the remaining bytes are chunk 0.  The
 * target reads the chunk whole, as a row range and (for strings) as strings.
 */
#include "util/bf_config.h"

#include "store/store.h"
#include "zarr/zarr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cfg {
	int v3;
	const char *meta;
};

#define V2(dtype, comp, filters)                                                                   \
	{                                                                                          \
		0, "{\"zarr_format\":2,\"shape\":[10,4],\"chunks\":[8,4],\"dtype\":\"" dtype       \
		   "\",\"fill_value\":null,\"order\":\"C\",\"compressor\":" comp                   \
		   ",\"filters\":" filters "}"                                                     \
	}

static const struct cfg cfgs[] = {
    V2("<i4", "{\"id\":\"blosc\",\"cname\":\"zstd\"}", "null"),
    V2("|i1", "{\"id\":\"blosc\",\"cname\":\"lz4\"}", "null"),
    V2(">i2", "{\"id\":\"zstd\"}", "null"),
    V2("<f8", "{\"id\":\"zlib\"}", "null"),
    V2("<f4", "{\"id\":\"gzip\"}", "null"),
    V2("<u2", "{\"id\":\"lz4\"}", "null"),
    V2("|b1", "{\"id\":\"bz2\"}", "null"),
    V2("|O", "{\"id\":\"blosc\",\"cname\":\"zstd\"}", "[{\"id\":\"vlen-utf8\"}]"),
    V2("|O", "null", "[{\"id\":\"vlen-utf8\"}]"),
    V2("<U3", "null", "null"),
    V2("|S2", "{\"id\":\"zstd\"}", "null"),
    V2("<i4", "null", "[{\"id\":\"delta\",\"dtype\":\"<i4\",\"astype\":\"|i1\"}]"),
    V2("|b1", "null", "[{\"id\":\"packbits\"}]"),
    V2("<f8", "null",
       "[{\"id\":\"fixedscaleoffset\",\"scale\":3,\"offset\":1,\"dtype\":\"<f8\",\"astype\":"
       "\"<i2\"}]"),
    {1, "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[10,4],\"data_type\":\"int32\","
	"\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[8,4]}},"
	"\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,\"codecs\":["
	"{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
	"{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
	"{\"name\":\"zstd\"},{\"name\":\"crc32c\"}]}"},
    {1, "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[10,4],\"data_type\":\"string\","
	"\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[8,4]}},"
	"\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":\"\",\"codecs\":["
	"{\"name\":\"vlen-utf8\"},{\"name\":\"blosc\"}]}"},
};
#define NCFG (sizeof(cfgs) / sizeof(cfgs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cfg *c;
	const char *keys[3];
	const void *vals[3];
	size_t lens[3];
	struct bf_err err;
	struct store *st;
	struct zarr_group *g;
	struct zarr_array *a;
	int64_t idx[2] = {0, 0};

	if (size < 1)
		return 0;
	c = &cfgs[data[0] % NCFG];
	keys[0] = c->v3 ? "zarr.json" : ".zgroup";
	vals[0] = c->v3 ? "{\"zarr_format\":3,\"node_type\":\"group\"}" : "{\"zarr_format\":2}";
	lens[0] = strlen(vals[0]);
	keys[1] = c->v3 ? "a/zarr.json" : "a/.zarray";
	vals[1] = c->meta;
	lens[1] = strlen(c->meta);
	keys[2] = c->v3 ? "a/c/0/0" : "a/0.0";
	vals[2] = data + 1;
	lens[2] = size - 1;
	st = store_open_mem(3, keys, vals, lens, &err);
	if (!st)
		return 0;
	g = zarr_group_open(st, &err);
	a = g ? zarr_array_open(g, "a", &err) : NULL;
	if (a) {
		const struct zarr_dtype *dt = zarr_array_dtype(a);

		if (dt->kind == ZARR_KIND_STRING) {
			struct zarr_strings s;

			if (zarr_array_read_chunk_strings(a, idx, &s, &err) == 0)
				zarr_strings_release(&s);
		} else {
			uint8_t buf[8 * 4 * 8];
			size_t n = 32 * (size_t)dt->itemsize;

			(void)!zarr_array_read_chunk(a, idx, buf, n, &err);
			(void)!zarr_array_read_chunk_rows(a, idx, 3, 2, buf, n / 4, NULL, &err);
		}
		zarr_array_free(a);
	}
	zarr_group_free(g);
	store_free(st);
	return 0;
}
