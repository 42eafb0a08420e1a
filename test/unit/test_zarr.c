/*
 * test_zarr.c - unit tests of the Zarr layer on synthesized in-memory stores.
 *
 * Every store is built in memory (store_open_mem) with metadata written here
 * and chunk bytes produced by the real compression libraries, so each test
 * checks decoded values, not just "no crash".
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store/store.h"
#include "util/alloc.h"
#include "zarr/zarr.h"

#include <blosc.h>
#include <bzlib.h>
#include <lz4.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* ---- a tiny store builder ---- */

#define MAXK 64

struct kv {
	size_t n;
	char *keys[MAXK];
	uint8_t *vals[MAXK];
	size_t lens[MAXK];
	struct store *st;
	struct zarr_group *g;
};

static void kv_add(struct kv *kv, const char *key, const void *val, size_t len)
{
	assert_true(kv->n < MAXK);
	kv->keys[kv->n] = strdup(key);
	kv->vals[kv->n] = malloc(len + 1);
	memcpy(kv->vals[kv->n], val, len);
	kv->lens[kv->n] = len;
	kv->n++;
}

static void kv_str(struct kv *kv, const char *key, const char *s)
{
	kv_add(kv, key, s, strlen(s));
}

static struct zarr_group *kv_open(struct kv *kv, struct bf_err *err)
{
	kv->st = store_open_mem(kv->n, (const char *const *)kv->keys, (const void *const *)kv->vals,
				kv->lens, err);
	assert_non_null(kv->st);
	kv->g = zarr_group_open(kv->st, err);
	return kv->g;
}

static void kv_free(struct kv *kv)
{
	size_t i;

	zarr_group_free(kv->g);
	store_free(kv->st);
	for (i = 0; i < kv->n; i++) {
		free(kv->keys[i]);
		free(kv->vals[i]);
	}
	memset(kv, 0, sizeof(*kv));
}

/* A v2 store with one array "a". */
static void v2_array(struct kv *kv, const char *shape, const char *chunks, const char *dtype,
		     const char *fill, const char *compressor, const char *filters,
		     const char *extra)
{
	char buf[2048];

	kv_str(kv, ".zgroup", "{\"zarr_format\": 2}");
	snprintf(buf, sizeof(buf),
		 "{\"zarr_format\":2,\"shape\":%s,\"chunks\":%s,\"dtype\":\"%s\","
		 "\"fill_value\":%s,\"order\":\"C\",\"compressor\":%s,\"filters\":%s%s}",
		 shape, chunks, dtype, fill, compressor, filters, extra ? extra : "");
	kv_str(kv, "a/.zarray", buf);
}

static void v3_array(struct kv *kv, const char *shape, const char *chunks, const char *dtype,
		     const char *fill, const char *codecs, const char *cke)
{
	char buf[2048];

	kv_str(kv, "zarr.json",
	       "{\"zarr_format\":3,\"node_type\":\"group\",\"attributes\":{\"x\":\"y\"}}");
	snprintf(buf, sizeof(buf),
		 "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":%s,\"data_type\":%s,"
		 "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":%s}},"
		 "\"chunk_key_encoding\":%s,\"fill_value\":%s,\"codecs\":%s,"
		 "\"dimension_names\":[\"d0\",\"d1\",\"d2\"],\"storage_transformers\":[]}",
		 shape, dtype, chunks,
		 cke ? cke : "{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}}", fill,
		 codecs);
	kv_str(kv, "a/zarr.json", buf);
}

static struct zarr_array *open_a(struct kv *kv)
{
	struct bf_err err;
	struct zarr_array *a;

	bf_err_clear(&err);
	assert_non_null(kv_open(kv, &err));
	a = zarr_array_open(kv->g, "a", &err);
	if (!a)
		fail_msg("open: %s", err.msg);
	return a;
}

static size_t blosc_enc(const void *src, size_t n, int typesize, const char *cname, int shuffle,
			uint8_t *dst, size_t cap)
{
	int r = blosc_compress_ctx(5, shuffle, (size_t)typesize, n, src, dst, cap, cname, 0, 1);

	assert_true(r > 0);
	return (size_t)r;
}

/* ---- dtypes ---- */

static void test_dtypes_v2_raw(void **state)
{
	static const struct {
		const char *dtype;
		uint8_t raw[8];
		int size;
		int64_t i;
		double f;
	} cases[] = {
	    {"|b1", {1}, 1, 1, 0},
	    {"|i1", {0xfe}, 1, -2, 0},
	    {"<i2", {0x34, 0x12}, 2, 0x1234, 0},
	    {">i2", {0xff, 0xfe}, 2, -2, 0},
	    {"<i4", {1, 0, 0, 0x80}, 4, (int32_t)0x80000001u, 0},
	    {">i4", {0, 1, 0, 0}, 4, 65536, 0},
	    {"<i8", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8, -1, 0},
	    {">i8", {0, 0, 0, 1, 0, 0, 0, 0}, 8, 1LL << 32, 0},
	    {"|u1", {200}, 1, 200, 0},
	    {">u2", {0xff, 0xfe}, 2, 0xfffe, 0},
	    {"<u4", {0xff, 0xff, 0xff, 0xff}, 4, 0xffffffffLL, 0},
	    {"<u8", {5, 0, 0, 0, 0, 0, 0, 0}, 8, 5, 0},
	    {"<f2", {0x00, 0x3e}, 2, 0, 1.5},
	    {">f2", {0xc0, 0x00}, 2, 0, -2.0},
	    {"<f4", {0, 0, 0xc0, 0x3f}, 4, 0, 1.5},
	    {">f4", {0x3f, 0xc0, 0, 0}, 4, 0, 1.5},
	    {"<f8", {0, 0, 0, 0, 0, 0, 0xf8, 0x3f}, 8, 0, 1.5},
	    {">f8", {0xc0, 0x04, 0, 0, 0, 0, 0, 0}, 8, 0, -2.5},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kv kv = {0};
		struct zarr_array *a;
		struct bf_err err;
		uint8_t out[8] = {0};
		int64_t idx[1] = {0};
		const struct zarr_dtype *dt;

		v2_array(&kv, "[1]", "[1]", cases[i].dtype, "null", "null", "null", NULL);
		kv_add(&kv, "a/0", cases[i].raw, (size_t)cases[i].size);
		a = open_a(&kv);
		dt = zarr_array_dtype(a);
		assert_int_equal(dt->itemsize, cases[i].size);
		assert_string_equal(dt->text, cases[i].dtype);
		bf_err_clear(&err);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		if (dt->kind == ZARR_KIND_FLOAT) {
			double v;
			if (cases[i].size == 4) {
				float f;
				memcpy(&f, out, 4);
				v = f;
			} else if (cases[i].size == 8) {
				memcpy(&v, out, 8);
			} else {
				uint16_t h;
				memcpy(&h, out, 2);
				v = h == 0x3e00 ? 1.5 : h == 0xc000 ? -2.0 : NAN;
			}
			assert_true(v == cases[i].f);
		} else {
			int64_t v = 0;
			if (cases[i].size == 1)
				v = dt->kind == ZARR_KIND_INT ? (int8_t)out[0] : out[0];
			else if (cases[i].size == 2) {
				int16_t s;
				uint16_t u;
				memcpy(&s, out, 2);
				memcpy(&u, out, 2);
				v = dt->kind == ZARR_KIND_INT ? s : u;
			} else if (cases[i].size == 4) {
				int32_t s;
				uint32_t u;
				memcpy(&s, out, 4);
				memcpy(&u, out, 4);
				v = dt->kind == ZARR_KIND_INT ? s : (int64_t)u;
			} else {
				memcpy(&v, out, 8);
			}
			assert_int_equal(v, cases[i].i);
		}
		zarr_array_free(a);
		kv_free(&kv);
	}
}

static void test_dtypes_v3_names(void **state)
{
	static const char *names[] = {"\"bool\"",   "\"int8\"",	   "\"int16\"",	  "\"int32\"",
				      "\"int64\"",  "\"uint8\"",   "\"uint16\"",  "\"uint32\"",
				      "\"uint64\"", "\"float16\"", "\"float32\"", "\"float64\""};
	static const int sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8};
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++) {
		struct kv kv = {0};
		struct zarr_array *a;

		v3_array(&kv, "[2]", "[2]", names[i], "0", "[{\"name\":\"bytes\"}]", NULL);
		a = open_a(&kv);
		assert_int_equal(zarr_array_dtype(a)->itemsize, sizes[i]);
		zarr_array_free(a);
		kv_free(&kv);
	}
}

/* ---- fill values ---- */

static void read_fill1(const char *dtype, const char *fill, void *out, size_t n)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};

	v2_array(&kv, "[3]", "[2]", dtype, fill, "null", "null", NULL);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, n, &err), 0);
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_fill_forms(void **state)
{
	int32_t i4[2];
	uint8_t b[2];
	float f[2];
	double d[2];
	uint32_t bits;

	(void)state;
	read_fill1("<i4", "null", i4, sizeof(i4));
	assert_int_equal(i4[0], 0);
	assert_int_equal(i4[1], 0);
	read_fill1("<i4", "-7", i4, sizeof(i4));
	assert_int_equal(i4[0], -7);
	assert_int_equal(i4[1], -7);
	read_fill1("|b1", "true", b, sizeof(b));
	assert_int_equal(b[0], 1);
	read_fill1("|b1", "false", b, sizeof(b));
	assert_int_equal(b[1], 0);
	read_fill1("<f4", "0.25", f, sizeof(f));
	assert_true(f[1] == 0.25f);
	read_fill1("<f4", "\"NaN\"", f, sizeof(f));
	memcpy(&bits, &f[0], 4);
	assert_int_equal(bits, 0x7fc00000u);
	read_fill1("<f8", "\"Infinity\"", d, sizeof(d));
	assert_true(isinf(d[0]) && d[0] > 0);
	read_fill1(">f8", "\"-Infinity\"", d, sizeof(d));
	assert_true(isinf(d[1]) && d[1] < 0);
	read_fill1("<f4", "3", f, sizeof(f));
	assert_true(f[0] == 3.0f);
}

static void check_strings_fill(const char *dtype, const char *fill, const char *filters,
			       const char *want)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	struct zarr_strings s;
	int64_t idx[1] = {1};

	v2_array(&kv, "[3]", "[2]", dtype, fill, "null", filters, NULL);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.len[1], strlen(want));
	assert_memory_equal(s.data + s.off[1], want, strlen(want));
	zarr_strings_release(&s);
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_fill_strings(void **state)
{
	(void)state;
	check_strings_fill("|O", "\"\"", "[{\"id\":\"vlen-utf8\"}]", "");
	check_strings_fill("|O", "0", "[{\"id\":\"vlen-utf8\"}]", "");
	check_strings_fill("|O", "null", "[{\"id\":\"vlen-utf8\"}]", "");
	check_strings_fill("|O", "\"x.y\"", "[{\"id\":\"vlen-utf8\"}]", "x.y");
	check_strings_fill("|S4", "\"YWJj\"", "null", "abc"); /* base64 "abc" */
	check_strings_fill("<U2", "\"\\u00e9\"", "null", "\xc3\xa9");
}

static void test_fill_v3_hex(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	float f[2];
	uint16_t h[2];
	uint32_t bits;
	int64_t idx[1] = {0};

	(void)state;
	v3_array(&kv, "[2]", "[2]", "\"float32\"", "\"0x7f800001\"",
		 "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]", NULL);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk(a, idx, f, sizeof(f), &err), 0);
	memcpy(&bits, &f[1], 4);
	assert_int_equal(bits, 0x7f800001u);
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[2]", "[2]", "\"float16\"", "\"0x7c02\"", "[{\"name\":\"bytes\"}]", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, h, sizeof(h), &err), 0);
	assert_int_equal(h[0], 0x7c02);
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[2]", "[2]", "\"float16\"", "-2.0", "[{\"name\":\"bytes\"}]", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, h, sizeof(h), &err), 0);
	assert_int_equal(h[1], 0xc000);
	zarr_array_free(a);
	kv_free(&kv);
}

/* ---- chunk keys ---- */

static void test_chunk_keys(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;
	char key[64];
	int64_t idx[3] = {2, 1, 0};

	(void)state;
	v2_array(&kv, "[10,4,2]", "[4,2,2]", "|i1", "null", "null", "null", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), 0);
	assert_string_equal(key, "a/2.1.0");
	idx[0] = 3;
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), BF_E_INVAL);
	idx[0] = 2;
	assert_int_equal(zarr_array_chunk_key(a, idx, key, 5), BF_E_INVAL);
	zarr_array_free(a);
	kv_free(&kv);

	v2_array(&kv, "[10,4,2]", "[4,2,2]", "|i1", "null", "null", "null",
		 ",\"dimension_separator\":\"/\"");
	a = open_a(&kv);
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), 0);
	assert_string_equal(key, "a/2/1/0");
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[10,4,2]", "[4,2,2]", "\"int8\"", "0", "[{\"name\":\"bytes\"}]", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), 0);
	assert_string_equal(key, "a/c/2/1/0");
	assert_string_equal(zarr_array_dim_name(a, 1), "d1");
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[10,4,2]", "[4,2,2]", "\"int8\"", "0", "[{\"name\":\"bytes\"}]",
		 "{\"name\":\"default\",\"configuration\":{\"separator\":\".\"}}");
	a = open_a(&kv);
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), 0);
	assert_string_equal(key, "a/c.2.1.0");
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[10,4,2]", "[4,2,2]", "\"int8\"", "0", "[{\"name\":\"bytes\"}]",
		 "{\"name\":\"v2\",\"configuration\":{\"separator\":\".\"}}");
	a = open_a(&kv);
	assert_int_equal(zarr_array_chunk_key(a, idx, key, sizeof(key)), 0);
	assert_string_equal(key, "a/2.1.0");
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_nested_keys_read(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int8_t v[4] = {1, 2, 3, 4}, out[4];
	int64_t idx[2] = {1, 0};

	(void)state;
	v2_array(&kv, "[4,2]", "[2,2]", "|i1", "null", "null", "null",
		 ",\"dimension_separator\":\"/\"");
	kv_add(&kv, "a/1/0", v, 4);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, 4, &err), 0);
	assert_memory_equal(out, v, 4);
	assert_int_equal(zarr_array_count_chunk_files(a, &err), 1);
	zarr_array_free(a);
	kv_free(&kv);
}

/* ---- codecs ---- */

static const char *cnames[] = {"blosclz", "lz4", "lz4hc", "zlib", "zstd"};

static void test_blosc_all(void **state)
{
	int32_t data[1000], out[1000];
	uint8_t comp[8000];
	size_t i, c;
	int sh;

	(void)state;
	for (i = 0; i < 1000; i++)
		data[i] = (int32_t)(i * 7 % 13) - 3;
	for (c = 0; c < 5; c++) {
		for (sh = 0; sh <= 2; sh++) {
			struct kv kv = {0};
			struct zarr_array *a;
			struct bf_err err;
			int64_t idx[1] = {0};
			size_t n =
			    blosc_enc(data, sizeof(data), 4, cnames[c], sh, comp, sizeof(comp));
			char cfg[200];

			snprintf(cfg, sizeof(cfg),
				 "{\"id\":\"blosc\",\"cname\":\"%s\",\"clevel\":5,\"shuffle\":%d}",
				 cnames[c], sh);
			v2_array(&kv, "[1000]", "[1000]", "<i4", "null", cfg, "null", NULL);
			kv_add(&kv, "a/0", comp, n);
			a = open_a(&kv);
			memset(out, 0, sizeof(out));
			bf_err_clear(&err);
			assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
			assert_memory_equal(out, data, sizeof(data));
			/* a row range */
			memset(out, 0, sizeof(out));
			assert_int_equal(
			    zarr_array_read_chunk_rows(a, idx, 333, 100, out, 400, NULL, &err), 0);
			assert_memory_equal(out, data + 333, 400);
			zarr_array_free(a);
			kv_free(&kv);
		}
	}
}

/*
 * Compress `data` (rows x row_bytes int8, shape `shape`) with zstd blosc
 * blocks of `blocksize` bytes on `nt` threads, and read back every row range
 * [r0, r0 + n) for n = 1, 1 + step, ... through zarr_array_read_chunk_rows.
 */
/* What zarr_array_each_rows hands over, copied in place; checks the order. */
struct rows_seen {
	uint8_t *buf; /* rows from `base` on */
	size_t row_bytes;
	int64_t base, next;
	int calls;
	int fail_at; /* return an error at this call (0: never) */
};

static int collect_rows(void *ctx, int64_t row0, int64_t nrows, const uint8_t *rows,
			struct bf_err *err)
{
	struct rows_seen *rs = ctx;

	assert_int_equal(row0, rs->next);
	assert_true(nrows > 0);
	memcpy(rs->buf + (size_t)(row0 - rs->base) * rs->row_bytes, rows,
	       (size_t)nrows * rs->row_bytes);
	rs->calls++;
	if (rs->fail_at && rs->calls == rs->fail_at)
		return bf_err_set(err, BF_E_INVAL, "stop at call %d", rs->calls);
	rs->next = row0 + nrows;
	return 0;
}

/* Walk rows [r0, r0 + n) with zarr_array_each_rows; @return the number of calls. */
static int walk_rows(struct zarr_array *a, const int64_t *idx, int64_t r0, int64_t n,
		     size_t row_bytes, struct zarr_dctx *w, uint8_t *out)
{
	struct rows_seen rs = {out, row_bytes, r0, r0, 0, 0};
	struct bf_err err;

	assert_int_equal(zarr_array_each_rows(a, idx, r0, n, w, collect_rows, NULL, 8, &rs, &err),
			 0);
	assert_int_equal(rs.next, r0 + n);
	return rs.calls;
}

static void check_all_row_ranges(const int8_t *data, int rows, size_t row_bytes, const char *shape,
				 int blocksize, int nt, int step, bool want_short_block)
{
	size_t total = (size_t)rows * row_bytes;
	uint8_t *comp = malloc(total + 64);
	int8_t *out = malloc(total);
	int64_t idx[3] = {0, 0, 0};
	struct kv kv = {0};
	struct zarr_array *a;
	struct zarr_dctx *w = zarr_dctx_create(NULL);
	struct bf_err err;
	uint32_t nb, bs;
	int r, calls;

	assert_non_null(comp);
	assert_non_null(out);
	r = blosc_compress_ctx(7, 2, 1, total, data, comp, total + 64, "zstd", (size_t)blocksize,
			       nt);
	assert_true(r > 0);
	memcpy(&nb, comp + 4, 4);
	memcpy(&bs, comp + 8, 4);
	if (want_short_block)
		assert_true(nb % bs != 0); /* the case under test really has a short block */
	v3_array(&kv, shape, shape, "\"int8\"", "0",
		 "[{\"name\":\"bytes\"},{\"name\":\"blosc\",\"configuration\":{"
		 "\"cname\":\"zstd\",\"clevel\":7,\"shuffle\":\"bitshuffle\","
		 "\"typesize\":1}}]",
		 NULL);
	kv_add(&kv, "a/c/0/0/0", comp, (size_t)r);
	a = open_a(&kv);
	for (int r0 = 0; r0 < rows; r0++) {
		for (int n = 1; r0 + n <= rows; n += step) {
			memset(out, 0x55, (size_t)n * row_bytes);
			assert_int_equal(zarr_array_read_chunk_rows(
					     a, idx, r0, n, out, (size_t)n * row_bytes, NULL, &err),
					 0);
			assert_memory_equal(out, data + (size_t)r0 * row_bytes,
					    (size_t)n * row_bytes);
			memset(out, 0x55, (size_t)n * row_bytes);
			calls = walk_rows(a, idx, r0, n, row_bytes, w, (uint8_t *)out);
			assert_memory_equal(out, data + (size_t)r0 * row_bytes,
					    (size_t)n * row_bytes);
			/* a few rows a call: the window is about a block */
			if ((size_t)n * row_bytes > 2 * (size_t)bs + row_bytes)
				assert_true(calls > 1);
			assert_true(zarr_dctx_window_bytes(w) <= (size_t)bs + row_bytes);
		}
	}
	zarr_dctx_free(w);
	zarr_array_free(a);
	kv_free(&kv);
	free(comp);
	free(out);
}

static void test_blosc_rows_multiblock(void **state)
{
	/* 3-D chunk of 64 x 100 x 2 int8 with small blosc blocks */
	static int8_t data[64 * 100 * 2], out[64 * 100 * 2];
	static uint8_t comp[sizeof(data) + 64];
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[3] = {0, 0, 0};
	int r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)((i * 31) % 5 - 1);
	r = blosc_compress_ctx(7, 2, 1, sizeof(data), data, comp, sizeof(comp), "zstd", 1024, 1);
	assert_true(r > 0);
	v3_array(&kv, "[64,100,2]", "[64,100,2]", "\"int8\"", "0",
		 "[{\"name\":\"bytes\"},{\"name\":\"blosc\",\"configuration\":{\"cname\":"
		 "\"zstd\",\"clevel\":7,\"shuffle\":\"bitshuffle\",\"typesize\":1}}]",
		 NULL);
	kv_add(&kv, "a/c/0/0/0", comp, (size_t)r);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 10, 7, out, 7 * 200, NULL, &err), 0);
	assert_memory_equal(out, data + 10 * 200, 7 * 200);
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 63, 1, out, 200, NULL, &err), 0);
	assert_memory_equal(out, data + 63 * 200, 200);
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 60, 5, out, 1000, NULL, &err),
			 BF_E_INVAL);
	zarr_array_free(a);
	kv_free(&kv);

	/* every row range, from frames written by 1 and by 4 blosc threads (whose
	 * blocks need not be in file order) */
	for (int nt = 1; nt <= 4; nt += 3)
		check_all_row_ranges(data, 64, 200, "[64,100,2]", 1024, nt, 3, false);
}

/*
 * A chunk whose last blosc block is short (nbytes not a multiple of the
 * block size), compressed by 1 and by 2 threads: every row range, including
 * ranges that start inside that last block (blosc refuses to decode it as a
 * frame of its own).
 */
static void test_blosc_rows_leftover_block(void **state)
{
	static int8_t data[64 * 1000 * 2];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)((i * 7 + i / 2000) % 4 - 1);
	/* 2 KiB blocks: 62.5 of them */
	for (int nt = 1; nt <= 2; nt++)
		check_all_row_ranges(data, 64, 2000, "[64,1000,2]", 2048, nt, 5, true);
}

/*
 * zarr_array_each_rows beyond our blosc decoder: a chunk compressed with
 * zstd alone and an absent chunk arrive in one call; a blosc frame of
 * two-byte items (libblosc's) too; an error of the callback comes back as
 * it was, not dressed as a chunk error; a corrupt block names the chunk.
 */
static void test_each_rows_other_paths(void **state)
{
	static int8_t data[40 * 6];
	uint8_t comp[4096], out[sizeof(data)];
	int64_t idx[2] = {0, 0}, idx1[2] = {1, 0};
	struct zarr_dctx *w = zarr_dctx_create(NULL);
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	size_t n;
	int r;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)(i % 3 - 1);
	n = ZSTD_compress(comp, sizeof(comp), data, sizeof(data), 1);
	assert_false(ZSTD_isError(n));
	v3_array(&kv, "[80,6]", "[40,6]", "\"int8\"", "-1",
		 "[{\"name\":\"bytes\"},{\"name\":\"zstd\",\"configuration\":{\"level\":1,"
		 "\"checksum\":false}}]",
		 NULL);
	kv_add(&kv, "a/c/0/0", comp, n);
	a = open_a(&kv);
	assert_int_equal(walk_rows(a, idx, 3, 30, 6, w, out), 1);
	assert_memory_equal(out, data + 18, 30 * 6);
	assert_int_equal(walk_rows(a, idx1, 0, 40, 6, w, out), 1); /* absent: fill value */
	for (size_t i = 0; i < 40 * 6; i++)
		assert_int_equal((int8_t)out[i], -1);
	zarr_array_free(a);
	kv_free(&kv);

	/* blosc, one-byte items, 64-byte blocks: an error at the second call */
	r = blosc_compress_ctx(5, 2, 1, sizeof(data), data, comp, sizeof(comp), "zstd", 64, 1);
	assert_true(r > 0);
	v3_array(&kv, "[40,6]", "[40,6]", "\"int8\"", "0",
		 "[{\"name\":\"bytes\"},{\"name\":\"blosc\",\"configuration\":{"
		 "\"cname\":\"zstd\",\"clevel\":5,\"shuffle\":\"bitshuffle\",\"typesize\":1}}]",
		 NULL);
	kv_add(&kv, "a/c/0/0", comp, (size_t)r);
	a = open_a(&kv);
	{
		struct rows_seen rs = {out, 6, 0, 0, 0, 2};

		assert_int_equal(
		    zarr_array_each_rows(a, idx, 0, 40, w, collect_rows, NULL, 8, &rs, &err),
		    BF_E_INVAL);
		assert_string_equal(err.msg, "stop at call 2");
	}
	/* a corrupt block: the error names the chunk */
	comp[r - 3] ^= 0xFF;
	kv_free(&kv);
	v3_array(&kv, "[40,6]", "[40,6]", "\"int8\"", "0",
		 "[{\"name\":\"bytes\"},{\"name\":\"blosc\",\"configuration\":{"
		 "\"cname\":\"zstd\",\"clevel\":5,\"shuffle\":\"bitshuffle\",\"typesize\":1}}]",
		 NULL);
	kv_add(&kv, "a/c/0/0", comp, (size_t)r);
	zarr_array_free(a);
	a = open_a(&kv);
	{
		struct rows_seen rs = {out, 6, 0, 0, 0, 0};

		assert_int_equal(
		    zarr_array_each_rows(a, idx, 0, 40, w, collect_rows, NULL, 8, &rs, &err),
		    BF_E_FORMAT);
		assert_non_null(strstr(err.msg, "a/c/0/0"));
	}
	zarr_array_free(a);
	kv_free(&kv);

	/* two-byte items: libblosc decodes, the rows come in one call */
	{
		static int16_t wide[40 * 3];

		for (size_t i = 0; i < 40 * 3; i++)
			wide[i] = (int16_t)(i * 3 - 100);
		r = blosc_compress_ctx(5, 1, 2, sizeof(wide), wide, comp, sizeof(comp), "zstd", 64,
				       1);
		assert_true(r > 0);
		v3_array(&kv, "[40,3]", "[40,3]", "\"int16\"", "0",
			 "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
			 "{\"name\":\"blosc\",\"configuration\":{\"cname\":\"zstd\",\"clevel\":5,"
			 "\"shuffle\":\"shuffle\",\"typesize\":2}}]",
			 NULL);
		kv_add(&kv, "a/c/0/0", comp, (size_t)r);
		a = open_a(&kv);
		assert_int_equal(walk_rows(a, idx, 5, 30, 6, w, out), 1);
		assert_memory_equal(out, (uint8_t *)wide + 30, 30 * 6);
		zarr_array_free(a);
		kv_free(&kv);
	}
	zarr_dctx_free(w);
}

enum simple_codec { SC_ZSTD, SC_ZLIB, SC_GZIP, SC_LZ4, SC_BZ2 };

static size_t simple_enc(enum simple_codec c, const void *src, size_t n, uint8_t *dst, size_t cap)
{
	switch (c) {
	case SC_ZSTD: {
		size_t r = ZSTD_compress(dst, cap, src, n, 3);
		assert_false(ZSTD_isError(r));
		return r;
	}
	case SC_ZLIB: {
		uLongf dl = cap;
		assert_int_equal(compress2(dst, &dl, src, n, 6), Z_OK);
		return dl;
	}
	case SC_GZIP: {
		z_stream zs;
		memset(&zs, 0, sizeof(zs));
		assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY),
				 Z_OK);
		zs.next_in = (Bytef *)(uintptr_t)src;
		zs.avail_in = (uInt)n;
		zs.next_out = dst;
		zs.avail_out = (uInt)cap;
		assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
		deflateEnd(&zs);
		return cap - zs.avail_out;
	}
	case SC_LZ4: {
		int r = LZ4_compress_default(src, (char *)dst + 4, (int)n, (int)cap - 4);
		assert_true(r > 0);
		dst[0] = (uint8_t)n;
		dst[1] = (uint8_t)(n >> 8);
		dst[2] = (uint8_t)(n >> 16);
		dst[3] = (uint8_t)(n >> 24);
		return (size_t)r + 4;
	}
	case SC_BZ2: {
		unsigned dl = (unsigned)cap;
		assert_int_equal(BZ2_bzBuffToBuffCompress((char *)dst, &dl, (char *)(uintptr_t)src,
							  (unsigned)n, 9, 0, 0),
				 BZ_OK);
		return dl;
	}
	}
	return 0;
}

static void test_simple_codecs(void **state)
{
	static const char *ids[] = {"zstd", "zlib", "gzip", "lz4", "bz2"};
	int16_t data[3000], out[3000];
	static uint8_t comp[20000];
	int c;
	size_t i;

	(void)state;
	for (i = 0; i < 3000; i++)
		data[i] = (int16_t)(i % 100 - 50);
	for (c = 0; c < 5; c++) {
		struct kv kv = {0};
		struct zarr_array *a;
		struct bf_err err;
		int64_t idx[2] = {0, 0};
		size_t n = simple_enc((enum simple_codec)c, data, sizeof(data), comp, sizeof(comp));
		char cfg[100];

		snprintf(cfg, sizeof(cfg), "{\"id\":\"%s\"}", ids[c]);
		v2_array(&kv, "[1000,3]", "[1000,3]", "<i2", "null", cfg, "null", NULL);
		kv_add(&kv, "a/0.0", comp, n);
		a = open_a(&kv);
		bf_err_clear(&err);
		memset(out, 0, sizeof(out));
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_memory_equal(out, data, sizeof(data));
		memset(out, 0, sizeof(out));
		assert_int_equal(zarr_array_read_chunk_rows(a, idx, 500, 10, out, 60, NULL, &err),
				 0);
		assert_memory_equal(out, data + 1500, 60);
		zarr_array_free(a);
		kv_free(&kv);

		/* truncated input fails with BF_E_FORMAT naming the array and key */
		v2_array(&kv, "[1000,3]", "[1000,3]", "<i2", "null", cfg, "null", NULL);
		kv_add(&kv, "a/0.0", comp, n / 2);
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err),
				 BF_E_FORMAT);
		assert_non_null(strstr(err.msg, "array 'a': chunk 'a/0.0': "));
		assert_non_null(strstr(err.msg, ids[c]));
		zarr_array_free(a);
		kv_free(&kv);
	}
}

static void test_v3_codecs(void **state)
{
	/* [transpose(1,0), bytes(big), zstd, crc32c] on a 3 x 2 int32 chunk */
	int32_t want[6] = {1, 2, 3, 4, 5, -6}, out[6];
	uint8_t enc[24], comp[256], full[300];
	size_t n, k;
	uint32_t crc;
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[2] = {0, 0};
	int i, j;

	(void)state;
	/* transposed layout: shape (2,3), enc[j][i] = want[i][j]; big-endian */
	k = 0;
	for (j = 0; j < 2; j++)
		for (i = 0; i < 3; i++) {
			uint32_t v = (uint32_t)want[i * 2 + j];
			enc[k++] = (uint8_t)(v >> 24);
			enc[k++] = (uint8_t)(v >> 16);
			enc[k++] = (uint8_t)(v >> 8);
			enc[k++] = (uint8_t)v;
		}
	n = ZSTD_compress(comp, sizeof(comp), enc, sizeof(enc), 1);
	memcpy(full, comp, n);
	{
		/* crc32c of the zstd frame, computed bitwise here */
		uint32_t c = 0xffffffffu;
		size_t b;
		int t;
		for (b = 0; b < n; b++) {
			c ^= comp[b];
			for (t = 0; t < 8; t++)
				c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
		}
		crc = c ^ 0xffffffffu;
	}
	full[n] = (uint8_t)crc;
	full[n + 1] = (uint8_t)(crc >> 8);
	full[n + 2] = (uint8_t)(crc >> 16);
	full[n + 3] = (uint8_t)(crc >> 24);
	v3_array(&kv, "[3,2]", "[3,2]", "\"int32\"", "0",
		 "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
		 "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
		 "{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":false}},"
		 "{\"name\":\"crc32c\"}]",
		 NULL);
	kv_add(&kv, "a/c/0/0", full, n + 4);
	a = open_a(&kv);
	bf_err_clear(&err);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 1, 2, out, 16, NULL, &err), 0);
	assert_memory_equal(out, want + 2, 16);
	zarr_array_free(a);
	kv_free(&kv);

	/* a flipped checksum bit */
	full[n] ^= 1;
	v3_array(&kv, "[3,2]", "[3,2]", "\"int32\"", "0",
		 "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
		 "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
		 "{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":false}},"
		 "{\"name\":\"crc32c\"}]",
		 NULL);
	kv_add(&kv, "a/c/0/0", full, n + 4);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "crc32c: checksum mismatch"));
	zarr_array_free(a);
	kv_free(&kv);

	/* gzip as a v3 codec */
	{
		int8_t raw[6] = {1, -1, 2, -2, 3, -3}, o8[6];
		n = simple_enc(SC_GZIP, raw, 6, comp, sizeof(comp));
		v3_array(&kv, "[3,2]", "[3,2]", "\"int8\"", "0",
			 "[{\"name\":\"bytes\"},{\"name\":\"gzip\",\"configuration\":{\"level\":"
			 "1}}]",
			 NULL);
		kv_add(&kv, "a/c/0/0", comp, n);
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, o8, sizeof(o8), &err), 0);
		assert_memory_equal(o8, raw, 6);
		zarr_array_free(a);
		kv_free(&kv);
	}
}

static void test_filters(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};

	(void)state;
	bf_err_clear(&err);
	{ /* delta: stored diffs as <i2, decoded <i4 */
		int16_t enc[4] = {10, 1, -2, 5};
		int32_t out[4], want[4] = {10, 11, 9, 14};
		v2_array(&kv, "[4]", "[4]", "<i4", "null", "null",
			 "[{\"id\":\"delta\",\"dtype\":\"<i4\",\"astype\":\"<i2\"}]", NULL);
		kv_add(&kv, "a/0", enc, sizeof(enc));
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_memory_equal(out, want, sizeof(want));
		zarr_array_free(a);
		kv_free(&kv);
	}
	{ /* fixedscaleoffset: stored u1, decoded f8 = x / 10 + 1000 */
		uint8_t enc[3] = {0, 5, 255};
		double out[3];
		v2_array(&kv, "[3]", "[3]", "<f8", "null", "{\"id\":\"zlib\",\"level\":1}",
			 "[{\"id\":\"fixedscaleoffset\",\"scale\":10,\"offset\":1000,"
			 "\"dtype\":\"<f8\",\"astype\":\"|u1\"}]",
			 NULL);
		{
			uint8_t comp[64];
			size_t n = simple_enc(SC_ZLIB, enc, 3, comp, sizeof(comp));
			kv_add(&kv, "a/0", comp, n);
		}
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_true(out[0] == 1000.0 && out[1] == 1000.5 && out[2] == 1025.5);
		zarr_array_free(a);
		kv_free(&kv);
	}
	{ /* quantize (identity), bitround (identity), astype f4 <- i2 */
		int16_t enc[2] = {3, -4};
		float out[2];
		v2_array(&kv, "[2]", "[2]", "<f4", "null", "null",
			 "[{\"id\":\"bitround\",\"keepbits\":5},{\"id\":\"quantize\",\"digits\":5,"
			 "\"dtype\":\"<f4\",\"astype\":\"<f4\"},{\"id\":\"astype\","
			 "\"encode_dtype\":\"<i2\",\"decode_dtype\":\"<f4\"}]",
			 NULL);
		kv_add(&kv, "a/0", enc, sizeof(enc));
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_true(out[0] == 3.0f && out[1] == -4.0f);
		zarr_array_free(a);
		kv_free(&kv);
	}
	{ /* packbits: 10 bools */
		uint8_t enc[3] = {6, 0xa5, 0xc0};
		uint8_t out[10], want[10] = {1, 0, 1, 0, 0, 1, 0, 1, 1, 1};
		v2_array(&kv, "[10]", "[10]", "|b1", "null", "null", "[{\"id\":\"packbits\"}]",
			 NULL);
		kv_add(&kv, "a/0", enc, sizeof(enc));
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_memory_equal(out, want, 10);
		zarr_array_free(a);
		kv_free(&kv);
	}
}

/* ---- strings ---- */

static size_t vlen_enc(const char *const *s, size_t n, uint8_t *out)
{
	size_t pos = 4, i;

	out[0] = (uint8_t)n;
	out[1] = out[2] = out[3] = 0;
	for (i = 0; i < n; i++) {
		uint32_t l = (uint32_t)strlen(s[i]);
		memcpy(out + pos, &l, 4);
		memcpy(out + pos + 4, s[i], l);
		pos += 4 + l;
	}
	return pos;
}

static void test_strings(void **state)
{
	static const char *vals[] = {"A", "", "GAC", "\xc3\xa9t\xc3\xa9"};
	uint8_t raw[256], comp[512];
	size_t n, c, i;
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	struct zarr_strings s;
	int64_t idx[2] = {0, 0};

	(void)state;
	bf_err_clear(&err);
	n = vlen_enc(vals, 4, raw);
	c = blosc_enc(raw, n, 1, "zstd", 1, comp, sizeof(comp));
	for (i = 0; i < 2; i++) {
		if (i == 0) {
			v2_array(&kv, "[3,2]", "[2,2]", "|O", "\"\"",
				 "{\"id\":\"blosc\",\"cname\":\"zstd\"}",
				 "[{\"id\":\"vlen-utf8\"}]", NULL);
			kv_add(&kv, "a/0.0", comp, c);
		} else {
			v3_array(&kv, "[3,2]", "[2,2]", "\"string\"", "\"\"",
				 "[{\"name\":\"vlen-utf8\"},{\"name\":\"blosc\",\"configuration\":{"
				 "\"cname\":\"zstd\",\"typesize\":1}}]",
				 NULL);
			kv_add(&kv, "a/c/0/0", comp, c);
		}
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
		assert_int_equal(s.n, 4);
		for (size_t k = 0; k < 4; k++) {
			assert_int_equal(s.len[k], strlen(vals[k]));
			assert_memory_equal(s.data + s.off[k], vals[k], s.len[k]);
		}
		zarr_strings_release(&s);
		/* fixed-size API refuses strings */
		{
			uint8_t buf[64];
			assert_int_equal(zarr_array_read_chunk(a, idx, buf, sizeof(buf), &err),
					 BF_E_UNSUPPORTED);
		}
		zarr_array_free(a);
		kv_free(&kv);
	}
	/* wrong item count in the vlen header */
	n = vlen_enc(vals, 3, raw);
	v2_array(&kv, "[3,2]", "[2,2]", "|O", "\"\"", "null", "[{\"id\":\"vlen-utf8\"}]", NULL);
	kv_add(&kv, "a/0.0", raw, n);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "vlen-utf8: 3 items, expected 4"));
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_fixed_strings(void **state)
{
	/* <U2: "a", "" , "\u00e9b";  >U1 big-endian; |S3 */
	uint8_t u2[24] = {'a', 0, 0, 0, 0,    0, 0, 0, 0,   0, 0, 0,
			  0,   0, 0, 0, 0xe9, 0, 0, 0, 'b', 0, 0, 0};
	uint8_t s3[6] = {'x', 'y', 0, 'z', 0, 0};
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	struct zarr_strings s;
	int64_t idx[1] = {0};

	(void)state;
	bf_err_clear(&err);
	v2_array(&kv, "[3]", "[3]", "<U2", "null", "null", "null", NULL);
	kv_add(&kv, "a/0", u2, 24);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
	assert_int_equal(s.len[0], 1);
	assert_int_equal(s.len[1], 0);
	assert_int_equal(s.len[2], 3);
	assert_memory_equal(s.data + s.off[2],
			    "\xc3\xa9"
			    "b",
			    3);
	zarr_strings_release(&s);
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[3]", "[3]",
		 "{\"name\":\"fixed_length_utf32\",\"configuration\":{\"length_bytes\":8}}", "\"\"",
		 "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]", NULL);
	kv_add(&kv, "a/c/0", u2, 24);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
	assert_memory_equal(s.data + s.off[0], "a", 1);
	assert_int_equal(s.len[2], 3);
	zarr_strings_release(&s);
	zarr_array_free(a);
	kv_free(&kv);

	v2_array(&kv, "[2]", "[2]", "|S3", "null", "null", "null", NULL);
	kv_add(&kv, "a/0", s3, 6);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
	assert_int_equal(s.len[0], 2);
	assert_memory_equal(s.data + s.off[0], "xy", 2);
	assert_int_equal(s.len[1], 1);
	assert_memory_equal(s.data + s.off[1], "z", 1);
	zarr_strings_release(&s);
	zarr_array_free(a);
	kv_free(&kv);

	v3_array(&kv, "[2]", "[2]",
		 "{\"name\":\"null_terminated_bytes\",\"configuration\":{\"length_bytes\":3}}",
		 "\"\"", "[{\"name\":\"bytes\"}]", NULL);
	kv_add(&kv, "a/c/0", s3, 6);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
	assert_memory_equal(s.data + s.off[1], "z", 1);
	zarr_strings_release(&s);
	zarr_array_free(a);
	kv_free(&kv);

	{ /* >U1 */
		uint8_t be[8] = {0, 0, 0, 'q', 0, 0, 0, 0};
		v2_array(&kv, "[2]", "[2]", ">U1", "null", "null", "null", NULL);
		kv_add(&kv, "a/0", be, 8);
		a = open_a(&kv);
		assert_int_equal(zarr_array_read_chunk_strings(a, idx, &s, &err), 0);
		assert_int_equal(s.len[0], 1);
		assert_int_equal(s.data[s.off[0]], 'q');
		assert_int_equal(s.len[1], 0);
		zarr_strings_release(&s);
		zarr_array_free(a);
		kv_free(&kv);
	}
}

/* ---- shapes ---- */

static void test_edge_and_missing(void **state)
{
	/* shape 5 x 3, chunks 2 x 2: chunk (2,1) is an edge chunk stored full size */
	int16_t c21[4] = {7, 8, 9, 10}, out[4];
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[2] = {2, 1};
	uint8_t comp[256];

	(void)state;
	bf_err_clear(&err);
	v2_array(&kv, "[5,3]", "[2,2]", "<i2", "-1",
		 "{\"id\":\"blosc\",\"cname\":\"lz4\",\"shuffle\":1}", "null", NULL);
	kv_add(&kv, "a/2.1", comp, blosc_enc(c21, 8, 2, "lz4", 1, comp, sizeof(comp)));
	a = open_a(&kv);
	assert_int_equal(zarr_array_nchunks(a, 0), 3);
	assert_int_equal(zarr_array_nchunks(a, 1), 2);
	assert_int_equal(zarr_array_chunk_extent(a, 0, 2), 1);
	assert_int_equal(zarr_array_chunk_extent(a, 1, 1), 1);
	assert_int_equal(zarr_array_chunk_extent(a, 0, 1), 2);
	assert_int_equal(zarr_array_chunk_extent(a, 0, 3), 0);
	assert_int_equal(zarr_array_chunk_nelem(a), 4);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
	assert_memory_equal(out, c21, 8);
	idx[0] = 0;
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
	assert_int_equal(out[0], -1);
	assert_int_equal(out[3], -1);
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 1, 1, out, 4, NULL, &err), 0);
	assert_int_equal(out[1], -1);
	assert_int_equal(zarr_array_count_chunk_files(a, &err), 1);
	/* out-of-range chunk index */
	idx[0] = 3;
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_INVAL);
	/* buffer too small */
	idx[0] = 0;
	assert_int_equal(zarr_array_read_chunk(a, idx, out, 6, &err), BF_E_INVAL);
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_chunk_larger_and_zero(void **state)
{
	int8_t data[9] = {1, 2, 3, 4, 5, 0, 0, 0, 0}, out[9];
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};

	(void)state;
	bf_err_clear(&err);
	v2_array(&kv, "[5]", "[9]", "|i1", "null", "null", "null", NULL);
	kv_add(&kv, "a/0", data, 9);
	a = open_a(&kv);
	assert_int_equal(zarr_array_nchunks(a, 0), 1);
	assert_int_equal(zarr_array_chunk_extent(a, 0, 0), 5);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, 9, &err), 0);
	assert_memory_equal(out, data, 9);
	zarr_array_free(a);
	kv_free(&kv);

	v2_array(&kv, "[0]", "[1]", "|O", "\"\"", "null", "[{\"id\":\"vlen-utf8\"}]", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_nchunks(a, 0), 0);
	assert_int_equal(zarr_array_chunk_extent(a, 0, 0), 0);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, 9, &err), BF_E_INVAL);
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_big_endian_blosc(void **state)
{
	/* >i4 with blosc: decoded to native */
	uint8_t be[8] = {0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe}, comp[128];
	int32_t out[2];
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};

	(void)state;
	bf_err_clear(&err);
	v2_array(&kv, "[2]", "[2]", ">i4", "null", "{\"id\":\"blosc\",\"cname\":\"zstd\"}", "null",
		 NULL);
	kv_add(&kv, "a/0", comp, blosc_enc(be, 8, 4, "zstd", 1, comp, sizeof(comp)));
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
	assert_int_equal(out[0], 258);
	assert_int_equal(out[1], -2);
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 1, 1, out, 4, NULL, &err), 0);
	assert_int_equal(out[0], -2);
	zarr_array_free(a);
	kv_free(&kv);
}

/* ---- bad input ---- */

static void test_bad_blosc(void **state)
{
	int32_t data[100], out[100];
	uint8_t comp[1024], bad[1024];
	size_t n, i;
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};

	(void)state;
	for (i = 0; i < 100; i++)
		data[i] = (int32_t)i;
	n = blosc_enc(data, sizeof(data), 4, "zstd", 1, comp, sizeof(comp));
	bf_err_clear(&err);

	/* truncated */
	v2_array(&kv, "[100]", "[100]", "<i4", "null", "{\"id\":\"blosc\"}", "null", NULL);
	kv_add(&kv, "a/0", comp, n - 5);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "array 'a': chunk 'a/0': blosc: truncated frame"));
	zarr_array_free(a);
	kv_free(&kv);

	/* corrupted header: version byte */
	memcpy(bad, comp, n);
	bad[0] = 0x77;
	v2_array(&kv, "[100]", "[100]", "<i4", "null", "{\"id\":\"blosc\"}", "null", NULL);
	kv_add(&kv, "a/0", bad, n);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	assert_string_equal(err.msg, "array 'a': chunk 'a/0': blosc: corrupt header");
	zarr_array_free(a);
	kv_free(&kv);

	/* wrong decoded size: metadata says 50 elements */
	v2_array(&kv, "[50]", "[50]", "<i4", "null", "{\"id\":\"blosc\"}", "null", NULL);
	kv_add(&kv, "a/0", comp, n);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "decodes to 400 bytes, expected 200"));
	assert_int_equal(zarr_array_read_chunk_rows(a, idx, 0, 10, out, 40, NULL, &err),
			 BF_E_FORMAT);
	zarr_array_free(a);
	kv_free(&kv);

	/* raw chunk of the wrong size */
	v2_array(&kv, "[50]", "[50]", "<i4", "null", "null", "null", NULL);
	kv_add(&kv, "a/0", data, 12);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	zarr_array_free(a);
	kv_free(&kv);

	/* corrupted payload: flip compressed bytes */
	memcpy(bad, comp, n);
	for (i = 16 + 4; i < n; i++)
		bad[i] ^= 0x5a;
	v2_array(&kv, "[100]", "[100]", "<i4", "null", "{\"id\":\"blosc\"}", "null", NULL);
	kv_add(&kv, "a/0", bad, n);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_FORMAT);
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_bad_metadata(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;
	struct bf_err err;
	int64_t idx[1] = {0};
	int32_t out[4];

	(void)state;
	bf_err_clear(&err);
	/* bad JSON */
	kv_str(&kv, ".zgroup", "{\"zarr_format\": 2}");
	kv_str(&kv, "a/.zarray", "{\"zarr_format\": 2, \"shape\": [4");
	assert_non_null(kv_open(&kv, &err));
	a = zarr_array_open(kv.g, "a", &err);
	assert_null(a);
	assert_int_equal(err.code, BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "array 'a': 'a/.zarray': bad JSON"));
	a = zarr_array_open(kv.g, "nope", &err);
	assert_null(a);
	assert_int_equal(err.code, BF_E_NOTFOUND);
	kv_free(&kv);

	/* not a store */
	kv_str(&kv, "x", "1");
	assert_null(kv_open(&kv, &err));
	assert_int_equal(err.code, BF_E_FORMAT);
	assert_non_null(strstr(err.msg, "not a Zarr store"));
	kv_free(&kv);

	/* unknown codec: opens, first read fails naming it */
	v2_array(&kv, "[4]", "[4]", "<i4", "null", "{\"id\":\"lzma\"}", "null", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_string_equal(err.msg, "array 'a': chunk 'a/0': codec 'lzma' is not supported");
	zarr_array_free(a);
	kv_free(&kv);

	/* unknown dtype */
	v2_array(&kv, "[4]", "[4]", "<c8", "null", "null", "null", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "dtype '<c8' is not supported"));
	zarr_array_free(a);
	kv_free(&kv);

	/* order F */
	kv_str(&kv, ".zgroup", "{\"zarr_format\": 2}");
	kv_str(&kv, "a/.zarray",
	       "{\"zarr_format\":2,\"shape\":[4],\"chunks\":[4],\"dtype\":\"<i4\","
	       "\"fill_value\":0,\"order\":\"F\",\"compressor\":null,\"filters\":null}");
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "order 'F'"));
	zarr_array_free(a);
	kv_free(&kv);

	/* vlen-utf8 on a numeric dtype (a fuzzer find): refused on read */
	v2_array(&kv, "[4]", "[4]", "<i4", "null", "null", "[{\"id\":\"vlen-utf8\"}]", NULL);
	kv_add(&kv, "a/0", "\x04\0\0\0", 4);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "vlen-utf8"));
	zarr_array_free(a);
	kv_free(&kv);

	/* a damaged .zmetadata is ignored: arrays are found by listing */
	v2_array(&kv, "[4]", "[4]", "<i4", "3", "null", "null", NULL);
	kv_str(&kv, ".zmetadata", "{\"metadata\": [");
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
	assert_int_equal(out[3], 3);
	zarr_array_free(a);
	kv_free(&kv);

	/* sharding_indexed is refused on read, naming it */
	v3_array(&kv, "[4]", "[4]", "\"int32\"", "0",
		 "[{\"name\":\"sharding_indexed\",\"configuration\":{}}]", NULL);
	a = open_a(&kv);
	assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), BF_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "sharding_indexed"));
	zarr_array_free(a);
	kv_free(&kv);

	/* non-empty storage_transformers */
	kv_str(&kv, "zarr.json", "{\"zarr_format\":3,\"node_type\":\"group\"}");
	kv_str(&kv, "a/zarr.json",
	       "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4],\"data_type\":\"int8\","
	       "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[4]}},"
	       "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\"}],"
	       "\"storage_transformers\":[{\"name\":\"x\"}]}");
	assert_non_null(kv_open(&kv, &err));
	assert_null(zarr_array_open(kv.g, "a", &err));
	assert_int_equal(err.code, BF_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "storage_transformers"));
	kv_free(&kv);

	/* bad fill value, zero chunk, too many dims, element count overflow */
	v2_array(&kv, "[4]", "[4]", "<i4", "\"abc\"", "null", "null", NULL);
	assert_non_null(kv_open(&kv, &err));
	assert_null(zarr_array_open(kv.g, "a", &err));
	assert_int_equal(err.code, BF_E_FORMAT);
	kv_free(&kv);
	v2_array(&kv, "[4]", "[0]", "<i4", "0", "null", "null", NULL);
	assert_non_null(kv_open(&kv, &err));
	assert_null(zarr_array_open(kv.g, "a", &err));
	kv_free(&kv);
	v2_array(&kv, "[4,4,4]", "[4294967296,4294967296,4294967296]", "<i4", "0", "null", "null",
		 NULL);
	assert_non_null(kv_open(&kv, &err));
	assert_null(zarr_array_open(kv.g, "a", &err));
	assert_non_null(strstr(err.msg, "overflow"));
	kv_free(&kv);
	/* chunk bytes above the limit: opens, read refused before allocating */
	v2_array(&kv, "[4,4]", "[65536,65536]", "<i4", "0", "null", "null", NULL);
	a = open_a(&kv);
	{
		int64_t i2[2] = {0, 0};
		assert_int_equal(zarr_array_read_chunk(a, i2, out, sizeof(out), &err), BF_E_RANGE);
	}
	zarr_array_free(a);
	kv_free(&kv);
}

/* ---- groups ---- */

static void test_group_v2_consolidated(void **state)
{
	struct kv kv = {0};
	struct bf_err err;
	const char *const *names;
	size_t n;
	struct zarr_array *a;

	(void)state;
	bf_err_clear(&err);
	kv_str(&kv, ".zgroup", "{\"zarr_format\": 2}");
	kv_str(&kv, ".zmetadata",
	       "{\"zarr_consolidated_format\":1,\"metadata\":{\".zgroup\":{\"zarr_format\":2},"
	       "\".zattrs\":{\"vcf_zarr_version\":\"0.4\"},"
	       "\"b/.zarray\":{\"zarr_format\":2,\"shape\":[3],\"chunks\":[2],\"dtype\":\"<i8\","
	       "\"fill_value\":5,\"order\":\"C\",\"compressor\":null,\"filters\":null},"
	       "\"b/.zattrs\":{\"_ARRAY_DIMENSIONS\":[\"contigs\"]},"
	       "\"a/.zarray\":{\"zarr_format\":2,\"shape\":[3],\"chunks\":[2],\"dtype\":\"|i1\","
	       "\"fill_value\":null,\"order\":\"C\",\"compressor\":null,\"filters\":null}}}");
	assert_non_null(kv_open(&kv, &err));
	assert_int_equal(zarr_group_format(kv.g), 2);
	assert_string_equal(zarr_group_attr_string(kv.g, "vcf_zarr_version"), "0.4");
	assert_null(zarr_group_attr_string(kv.g, "missing"));
	assert_int_equal(zarr_group_list_arrays(kv.g, &names, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	a = zarr_array_open(kv.g, "b", &err);
	assert_non_null(a);
	assert_string_equal(zarr_array_dim_name(a, 0), "contigs");
	{
		int64_t out[2], idx[1] = {1};
		assert_int_equal(zarr_array_read_chunk(a, idx, out, sizeof(out), &err), 0);
		assert_int_equal(out[0], 5);
	}
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_group_listing(void **state)
{
	struct kv kv = {0};
	struct bf_err err;
	const char *const *names;
	size_t n;

	(void)state;
	bf_err_clear(&err);
	kv_str(&kv, "zarr.json",
	       "{\"zarr_format\":3,\"node_type\":\"group\",\"attributes\":{\"source\":\"t\"}}");
	kv_str(&kv, "z/zarr.json", "{\"zarr_format\":3,\"node_type\":\"array\"}");
	kv_str(&kv, "sub/zarr.json", "{\"zarr_format\":3,\"node_type\":\"group\"}");
	kv_str(&kv, "y/zarr.json", "{\"zarr_format\":3,\"node_type\":\"array\"}");
	kv_str(&kv, "y/c/0", "x");
	kv_str(&kv, "y/deep/zarr.json", "{}");
	assert_non_null(kv_open(&kv, &err));
	assert_int_equal(zarr_group_format(kv.g), 3);
	assert_string_equal(zarr_group_attr_string(kv.g, "source"), "t");
	assert_int_equal(zarr_group_list_arrays(kv.g, &names, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "y");
	assert_string_equal(names[1], "z");
	kv_free(&kv);
}

/* ---- threads ---- */

struct thr {
	struct zarr_array *a;
	const int32_t *want;
	int bad;
};

static void *thr_main(void *p)
{
	struct thr *t = p;
	int32_t *out = malloc(4000 * 4);
	int it;

	for (it = 0; it < 50; it++) {
		struct bf_err err;
		int64_t idx[1] = {it % 4};
		int rc = zarr_array_read_chunk(t->a, idx, out, 4000 * 4, &err);

		if (rc || memcmp(out, t->want + idx[0] * 4000, 4000 * 4))
			t->bad++;
		rc = zarr_array_read_chunk_rows(t->a, idx, 100, 50, out, 200, NULL, &err);
		if (rc || memcmp(out, t->want + idx[0] * 4000 + 100, 200))
			t->bad++;
	}
	free(out);
	return NULL;
}

static void test_threads(void **state)
{
	static int32_t data[16000];
	static uint8_t comp[4][20000];
	struct kv kv = {0};
	struct zarr_array *a;
	pthread_t th[4];
	struct thr t[4];
	int i;

	(void)state;
	for (i = 0; i < 16000; i++)
		data[i] = i * 3 % 1000;
	v2_array(&kv, "[16000]", "[4000]", "<i4", "null",
		 "{\"id\":\"blosc\",\"cname\":\"zstd\",\"shuffle\":2}", "null", NULL);
	for (i = 0; i < 4; i++) {
		char key[16];
		int r = blosc_compress_ctx(5, 2, 4, 16000, data + i * 4000, comp[i], 20000, "zstd",
					   2048, 1);
		assert_true(r > 0);
		snprintf(key, sizeof(key), "a/%d", i);
		kv_add(&kv, key, comp[i], (size_t)r);
	}
	a = open_a(&kv);
	for (i = 0; i < 4; i++) {
		t[i].a = a;
		t[i].want = data;
		t[i].bad = 0;
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
	}
	zarr_array_free(a);
	kv_free(&kv);
}

static void test_codecs_json(void **state)
{
	struct kv kv = {0};
	struct zarr_array *a;

	(void)state;
	v2_array(&kv, "[4]", "[4]", "|O", "\"\"", "{\"id\":\"blosc\",\"cname\":\"zstd\"}",
		 "[{\"id\":\"vlen-utf8\"}]", NULL);
	a = open_a(&kv);
	assert_string_equal(zarr_array_codecs_json(a),
			    "[{\"id\":\"vlen-utf8\"},{\"id\":\"blosc\",\"cname\":\"zstd\"}]");
	zarr_array_free(a);
	kv_free(&kv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dtypes_v2_raw),
	    cmocka_unit_test(test_dtypes_v3_names),
	    cmocka_unit_test(test_fill_forms),
	    cmocka_unit_test(test_fill_strings),
	    cmocka_unit_test(test_fill_v3_hex),
	    cmocka_unit_test(test_chunk_keys),
	    cmocka_unit_test(test_nested_keys_read),
	    cmocka_unit_test(test_blosc_all),
	    cmocka_unit_test(test_blosc_rows_multiblock),
	    cmocka_unit_test(test_blosc_rows_leftover_block),
	    cmocka_unit_test(test_simple_codecs),
	    cmocka_unit_test(test_v3_codecs),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_fixed_strings),
	    cmocka_unit_test(test_edge_and_missing),
	    cmocka_unit_test(test_chunk_larger_and_zero),
	    cmocka_unit_test(test_big_endian_blosc),
	    cmocka_unit_test(test_bad_blosc),
	    cmocka_unit_test(test_bad_metadata),
	    cmocka_unit_test(test_group_v2_consolidated),
	    cmocka_unit_test(test_group_listing),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_each_rows_other_paths),
	    cmocka_unit_test(test_codecs_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
