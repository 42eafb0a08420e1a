/*
 * zarr_dump.c - print one Zarr array as JSON (a test tool).
 *
 * Usage: zarr_dump STORE_PATH ARRAY
 * Prints {"shape":[...],"dtype":"...","values":[...]} with the values of the
 * whole array (every chunk assembled, edge padding trimmed) as a flat C-order
 * list.  Ints print as ints, bools as true/false, strings as JSON strings,
 * floats with "%.9g" ("%.17g" for 8-byte floats); non-finite floats print as
 * strings: "Infinity", "-Infinity", "NaN" for the canonical quiet NaN
 * (0x7e00 / 0x7fc00000 / 0x7ff8000000000000) and "0x<bits>" for any other NaN
 * (e.g. the VCZ sentinels "0x7f800001").  Exit 1 with "Error: ..." on stderr.
 */
#include "util/bf_config.h"

#include "store/store.h"
#include "util/alloc.h"
#include "zarr/zarr.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double half_to_double(uint16_t h)
{
	int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	double v;

	if (exp == 0)
		v = ldexp(mant, -24);
	else if (exp == 0x1f)
		v = mant ? NAN : INFINITY;
	else
		v = ldexp(mant | 0x400, exp - 25);
	return (h & 0x8000) ? -v : v;
}

static void print_str(const uint8_t *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_float(const uint8_t *p, int size)
{
	double v;
	uint64_t bits = 0;
	bool canon = false;

	if (size == 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		v = half_to_double(h);
		bits = h;
		canon = h == 0x7e00;
	} else if (size == 4) {
		float f;
		uint32_t b;
		memcpy(&f, p, 4);
		memcpy(&b, p, 4);
		v = f;
		bits = b;
		canon = b == 0x7fc00000u;
	} else {
		memcpy(&v, p, 8);
		memcpy(&bits, p, 8);
		canon = bits == 0x7ff8000000000000ull;
	}
	if (isnan(v)) {
		if (canon)
			printf("\"NaN\"");
		else
			printf("\"0x%0*" PRIx64 "\"", size * 2, bits);
	} else if (isinf(v)) {
		printf(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	} else {
		printf(size == 8 ? "%.17g" : "%.9g", v);
	}
}

static void print_elem(const struct zarr_dtype *dt, const uint8_t *p)
{
	switch (dt->kind) {
	case ZARR_KIND_BOOL:
		printf(p[0] ? "true" : "false");
		break;
	case ZARR_KIND_INT: {
		int64_t v = 0;
		if (dt->itemsize == 1)
			v = (int8_t)p[0];
		else if (dt->itemsize == 2) {
			int16_t x;
			memcpy(&x, p, 2);
			v = x;
		} else if (dt->itemsize == 4) {
			int32_t x;
			memcpy(&x, p, 4);
			v = x;
		} else {
			memcpy(&v, p, 8);
		}
		printf("%" PRId64, v);
		break;
	}
	case ZARR_KIND_UINT: {
		uint64_t v = 0;
		if (dt->itemsize == 1)
			v = p[0];
		else if (dt->itemsize == 2) {
			uint16_t x;
			memcpy(&x, p, 2);
			v = x;
		} else if (dt->itemsize == 4) {
			uint32_t x;
			memcpy(&x, p, 4);
			v = x;
		} else {
			memcpy(&v, p, 8);
		}
		printf("%" PRIu64, v);
		break;
	}
	case ZARR_KIND_FLOAT:
		print_float(p, dt->itemsize);
		break;
	case ZARR_KIND_STRING:
		break;
	}
}

static int die(const struct bf_err *err, struct zarr_array *a, struct zarr_group *g,
	       struct store *st)
{
	fprintf(stderr, "Error: %s\n", err->msg);
	zarr_array_free(a);
	zarr_group_free(g);
	store_free(st);
	return 1;
}

int main(int argc, char **argv)
{
	struct bf_err err;
	struct store *st;
	struct zarr_group *g;
	struct zarr_array *a;
	const struct zarr_dtype *dt;
	const int64_t *shape, *chunks;
	int64_t cidx[ZARR_MAX_DIMS] = {0}, total = 1, nchunk_total = 1;
	int nd, d, rc = 0;
	size_t esz;
	uint8_t *all = NULL, *cbuf = NULL;
	char **strs = NULL;
	uint32_t *slen = NULL;
	int64_t k;

	bf_err_clear(&err);
	if (argc != 3) {
		fprintf(stderr, "usage: zarr_dump STORE_PATH ARRAY\n");
		return 2;
	}
	st = store_open(argv[1], &err);
	if (!st)
		return die(&err, NULL, NULL, NULL);
	g = zarr_group_open(st, &err);
	if (!g)
		return die(&err, NULL, NULL, st);
	a = zarr_array_open(g, argv[2], &err);
	if (!a)
		return die(&err, NULL, g, st);
	dt = zarr_array_dtype(a);
	nd = zarr_array_ndim(a);
	shape = zarr_array_shape(a);
	chunks = zarr_array_chunks(a);
	for (d = 0; d < nd; d++) {
		total *= shape[d];
		nchunk_total *= zarr_array_nchunks(a, d);
	}
	esz = dt->kind == ZARR_KIND_STRING ? 0 : (size_t)dt->itemsize;
	if (esz) {
		all = calloc((size_t)total + 1, esz);
		cbuf = malloc(zarr_array_chunk_nelem(a) * esz + 1);
	} else {
		strs = calloc((size_t)total + 1, sizeof(*strs));
		slen = calloc((size_t)total + 1, sizeof(*slen));
	}
	for (k = 0; k < nchunk_total && total > 0; k++) {
		struct zarr_strings zs = {0};
		int64_t m[ZARR_MAX_DIMS] = {0}, ext[ZARR_MAX_DIMS];
		size_t e, cn = zarr_array_chunk_nelem(a);

		if (esz)
			rc = zarr_array_read_chunk(a, cidx, cbuf, cn * esz, &err);
		else
			rc = zarr_array_read_chunk_strings(a, cidx, &zs, &err);
		if (rc < 0) {
			free(all);
			free(cbuf);
			free(strs);
			free(slen);
			return die(&err, a, g, st);
		}
		for (d = 0; d < nd; d++)
			ext[d] = zarr_array_chunk_extent(a, d, cidx[d]);
		for (e = 0; e < cn; e++) {
			bool inside = true;
			int64_t gi = 0;

			for (d = 0; d < nd; d++) {
				if (m[d] >= ext[d])
					inside = false;
				gi = gi * shape[d] + cidx[d] * chunks[d] + m[d];
			}
			if (inside) {
				if (esz) {
					memcpy(all + (size_t)gi * esz, cbuf + e * esz, esz);
				} else {
					strs[gi] = malloc(zs.len[e] + 1);
					memcpy(strs[gi], zs.data + zs.off[e], zs.len[e]);
					slen[gi] = zs.len[e];
				}
			}
			for (d = nd - 1; d >= 0; d--) {
				if (++m[d] < chunks[d])
					break;
				m[d] = 0;
			}
		}
		zarr_strings_release(&zs);
		for (d = nd - 1; d >= 0; d--) {
			if (++cidx[d] < zarr_array_nchunks(a, d))
				break;
			cidx[d] = 0;
		}
	}
	printf("{\"shape\":[");
	for (d = 0; d < nd; d++)
		printf("%s%" PRId64, d ? "," : "", shape[d]);
	printf("],\"dtype\":");
	print_str((const uint8_t *)dt->text, strlen(dt->text));
	printf(",\"values\":[");
	for (k = 0; k < total; k++) {
		if (k)
			putchar(',');
		if (esz)
			print_elem(dt, all + (size_t)k * esz);
		else
			print_str((const uint8_t *)(strs[k] ? strs[k] : ""), slen[k]);
		if (!esz)
			free(strs[k]);
	}
	printf("]}\n");
	free(all);
	free(cbuf);
	free(strs);
	free(slen);
	zarr_array_free(a);
	zarr_group_free(g);
	store_free(st);
	return 0;
}
