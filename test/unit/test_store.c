/*
 * test_store.c - unit tests of the store layer: key checks, the local
 * directory, in-memory and zip backends.
 *
 * Zip archives come from two writers: Python's zipfile (/usr/bin/python3,
 * tests skip when it is missing) and a small writer in this file that can
 * emit ZIP64 central directory fields and exact corruptions.  The bio2zarr
 * fixture zips ($BF_TEST_SHARED/fixtures/bio2zarr, default ../shared) are
 * compared member by member with what Python's zipfile reads.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/remote_conf.h"
#include "store/store.h"
#include "store/zip_crc.h"
#include "store/zip_dir.h"
#include "util/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define PY "/usr/bin/python3"

static char g_tmp[256];

/* ---- helpers ---------------------------------------------------------- */

static void tpath(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", g_tmp, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

static void fill_text(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)("0/0\t0/1\t1/1\t./.\n"[(i * 7 + i / 1000) % 16]);
}

static int have_python(void)
{
	return access(PY, X_OK) == 0;
}

/* Run a Python script (written to a file) and check it exits 0. */
static void run_python(const char *script)
{
	char path[512], cmd[1024];
	int rc;

	tpath(path, sizeof(path), "script.py");
	write_file(path, script, strlen(script));
	snprintf(cmd, sizeof(cmd), PY " %s", path);
	rc = system(cmd);
	assert_int_equal(rc, 0);
}

struct keyset {
	int n;
	char keys[64][128];
};

static int collect(void *opaque, const char *key)
{
	struct keyset *ks = opaque;

	if (ks->n < 64)
		snprintf(ks->keys[ks->n], sizeof(ks->keys[0]), "%s", key);
	ks->n++;
	return 0;
}

static int has_key(const struct keyset *ks, const char *key)
{
	int i;

	for (i = 0; i < ks->n && i < 64; i++)
		if (!strcmp(ks->keys[i], key))
			return 1;
	return 0;
}

static int stop_at_two(void *opaque, const char *key)
{
	int *n = opaque;

	(void)key;
	return ++*n == 2 ? 42 : 0;
}

/* Read `key` and compare with `want`. */
static void check_object(struct store *s, const char *key, const void *want, size_t len)
{
	struct bf_err err;
	uint8_t *got = NULL;
	size_t n = 0;
	int rc;

	bf_err_clear(&err);
	assert_int_equal(store_size(s, key, &err), (int64_t)len);
	rc = store_get(s, key, (size_t)1 << 30, &got, &n, &err);
	if (rc != 0)
		fail_msg("store_get '%s': %s", key, err.msg);
	assert_int_equal(n, len);
	if (len)
		assert_memory_equal(got, want, len);
	bf_free(got);
}

/* ---- a small zip writer ----------------------------------------------- */

struct zbuf {
	uint8_t *p;
	size_t n, cap;
};

static void zb_put(struct zbuf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void zb_u16(struct zbuf *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	zb_put(b, x, 2);
}

static void zb_u32(struct zbuf *b, uint32_t v)
{
	zb_u16(b, v & 0xFFFF);
	zb_u16(b, v >> 16);
}

static void zb_u64(struct zbuf *b, uint64_t v)
{
	zb_u32(b, (uint32_t)v);
	zb_u32(b, (uint32_t)(v >> 32));
}

struct zmember {
	const char *name;
	size_t name_len; /* 0: strlen(name) */
	const void *data;
	size_t len;
	int method; /* 0 or 8; anything else is written as STORED bytes */
};

/* Raw deflate of `data`; caller frees. */
static uint8_t *raw_deflate(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	size_t cap = compressBound(len) + 64;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/*
 * Build an archive.  zip64: every central size/offset is 0xFFFFFFFF with a
 * ZIP64 extra field, and the ZIP64 EOCD record and locator are written.
 */
static uint8_t *zip_build(const struct zmember *m, size_t n, int zip64, size_t *out_len)
{
	struct zbuf b = {0}, cd = {0};
	size_t i;
	uint64_t cd_off;

	for (i = 0; i < n; i++) {
		size_t nl = m[i].name_len ? m[i].name_len : strlen(m[i].name), clen = m[i].len;
		uint8_t *comp = NULL;
		const void *payload = m[i].data;
		uint32_t crc = (uint32_t)crc32(0, m[i].data, (uInt)m[i].len);
		uint64_t lho = b.n;

		if (m[i].method == 8) {
			comp = raw_deflate(m[i].data, m[i].len, &clen);
			payload = comp;
		}
		zb_u32(&b, 0x04034b50);
		zb_u16(&b, zip64 ? 45 : 20);
		zb_u16(&b, 0);
		zb_u16(&b, (unsigned)m[i].method);
		zb_u32(&b, 0);
		zb_u32(&b, crc);
		zb_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)clen);
		zb_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)m[i].len);
		zb_u16(&b, (unsigned)nl);
		zb_u16(&b, zip64 ? 20 : 0);
		zb_put(&b, m[i].name, nl);
		if (zip64) {
			zb_u16(&b, 1);
			zb_u16(&b, 16);
			zb_u64(&b, m[i].len);
			zb_u64(&b, clen);
		}
		zb_put(&b, payload, clen);
		free(comp);

		zb_u32(&cd, 0x02014b50);
		zb_u16(&cd, 0x031e);
		zb_u16(&cd, zip64 ? 45 : 20);
		zb_u16(&cd, 0);
		zb_u16(&cd, (unsigned)m[i].method);
		zb_u32(&cd, 0);
		zb_u32(&cd, crc);
		zb_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)clen);
		zb_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)m[i].len);
		zb_u16(&cd, (unsigned)nl);
		/* an unrelated extra block first, so the ZIP64 one must be searched */
		zb_u16(&cd, zip64 ? 4 + 4 + 24 : 0);
		zb_u16(&cd, 0);
		zb_u16(&cd, 0);
		zb_u16(&cd, 0);
		zb_u32(&cd, 0);
		zb_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)lho);
		zb_put(&cd, m[i].name, nl);
		if (zip64) {
			zb_u16(&cd, 0x5455);
			zb_u16(&cd, 0);
			zb_u16(&cd, 1);
			zb_u16(&cd, 24);
			zb_u64(&cd, m[i].len);
			zb_u64(&cd, clen);
			zb_u64(&cd, lho);
		}
	}
	cd_off = b.n;
	zb_put(&b, cd.p, cd.n);
	if (zip64) {
		uint64_t rec = b.n;

		zb_u32(&b, 0x06064b50);
		zb_u64(&b, 44);
		zb_u16(&b, 45);
		zb_u16(&b, 45);
		zb_u32(&b, 0);
		zb_u32(&b, 0);
		zb_u64(&b, n);
		zb_u64(&b, n);
		zb_u64(&b, cd.n);
		zb_u64(&b, cd_off);
		zb_u32(&b, 0x07064b50);
		zb_u32(&b, 0);
		zb_u64(&b, rec);
		zb_u32(&b, 1);
	}
	zb_u32(&b, 0x06054b50);
	zb_u16(&b, 0);
	zb_u16(&b, 0);
	zb_u16(&b, zip64 ? 0xFFFF : (unsigned)n);
	zb_u16(&b, zip64 ? 0xFFFF : (unsigned)n);
	zb_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cd.n);
	zb_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_off);
	zb_u16(&b, 0);
	free(cd.p);
	*out_len = b.n;
	return b.p;
}

/* Offset of the `k`-th (0-based) signature PK a b, or SIZE_MAX. */
static size_t find_sig(const uint8_t *p, size_t n, uint8_t a, uint8_t b, int k)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (p[i] == 'P' && p[i + 1] == 'K' && p[i + 2] == a && p[i + 3] == b && k-- == 0)
			return i;
	return SIZE_MAX;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Open `bytes` as a zip file named `name` in the temp directory. */
static struct store *open_zip_bytes(const char *name, const uint8_t *bytes, size_t len,
				    struct bf_err *err)
{
	char path[512];

	tpath(path, sizeof(path), name);
	write_file(path, bytes, len);
	bf_err_clear(err);
	return store_open(path, err);
}

/* The shared test members. */
static uint8_t g_rand[200001], g_text[1 << 20];
static const char g_json[] = "{\"zarr_format\": 2}\n";

static struct zmember g_members[] = {
    {".zgroup", 0, g_json, sizeof(g_json) - 1, 8},
    {"a/0.0", 0, g_rand, sizeof(g_rand), 0},
    {"a/0.1", 0, "", 0, 0},
    {"a/0.2", 0, "", 0, 8},
    {"b/text", 0, g_text, sizeof(g_text), 8},
    {"b/rand", 0, g_rand, 1000, 8},
};
#define N_MEMBERS (sizeof(g_members) / sizeof(g_members[0]))

static void check_members(struct store *s)
{
	size_t i;

	for (i = 0; i < N_MEMBERS; i++)
		check_object(s, g_members[i].name, g_members[i].data, g_members[i].len);
}

/* ---- key checks -------------------------------------------------------- */

static void test_key_check(void **state)
{
	static const char *good[] = {
	    "a", "a/b", "call_genotype/0.0.0", ".zattrs", "a..b", "..a", "a/...", "c/0/1/2", "x y"};
	static const char *bad[] = {"",	    "/a",     "/",    ".",    "..", "./a",  "a/.",
				    "a/..", "a/../b", "../a", "a//b", "a/", "a\\b", "\\"};
	struct bf_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(store_key_check(good[i], NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bf_err_clear(&err);
		assert_int_equal(store_key_check(bad[i], &err), BF_E_INVAL);
		assert_int_equal(err.code, BF_E_INVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(store_key_check(NULL, NULL), BF_E_INVAL);
}

/* ---- CRC-32 ----------------------------------------------------------- */

static void test_zip_crc(void **state)
{
	size_t len, off;

	(void)state;
	for (len = 0; len < 700; len++)
		for (off = 0; off < 4; off++) {
			assert_int_equal(zip_crc32(0, g_rand + off, len),
					 (uint32_t)crc32(0, g_rand + off, (uInt)len));
			assert_int_equal(zip_crc32(0xDEADBEEFu, g_rand + off, len),
					 (uint32_t)crc32(0xDEADBEEFu, g_rand + off, (uInt)len));
		}
	assert_int_equal(zip_crc32(0, g_rand, sizeof(g_rand)),
			 (uint32_t)crc32(0, g_rand, (uInt)sizeof(g_rand)));
	/* chained over pieces equals one pass */
	assert_int_equal(
	    zip_crc32(zip_crc32(0, g_text, 100003), g_text + 100003, sizeof(g_text) - 100003),
	    (uint32_t)crc32(0, g_text, (uInt)sizeof(g_text)));
	assert_int_equal(zip_crc32(0, "123456789", 9), 0xCBF43926u);
}

/* ---- in-memory store --------------------------------------------------- */

static void test_mem_store(void **state)
{
	const char *keys[] = {".zgroup", "a/0", "a/1", "b/0"};
	const void *vals[] = {"{}", "xyz", "", "0123456789"};
	size_t lens[] = {2, 3, 0, 10};
	struct bf_err err;
	struct store *s;
	struct keyset ks = {0};
	char buf[16];
	int n = 0;

	(void)state;
	s = store_open_mem(4, keys, vals, lens, &err);
	assert_non_null(s);
	assert_string_equal(store_kind(s), "mem");
	check_object(s, ".zgroup", "{}", 2);
	check_object(s, "a/1", "", 0);
	check_object(s, "b/0", "0123456789", 10);
	assert_int_equal(store_size(s, "a/2", &err), BF_E_NOTFOUND);
	assert_int_equal(store_read(s, "nope", buf, 1, &err), BF_E_NOTFOUND);
	assert_int_equal(store_size(s, "a/../b/0", &err), BF_E_INVAL);
	assert_true(store_read(s, "a/0", buf, 2, &err) < 0);
	assert_int_equal(store_list(s, "a/", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 2);
	assert_true(has_key(&ks, "a/0") && has_key(&ks, "a/1"));
	assert_int_equal(store_list(s, "", stop_at_two, &n, &err), 42);
	assert_int_equal(n, 2);
	store_free(s);
	store_free(NULL);
}

/* store_list_sizes: every key under the prefix once, with store_size's answer. */
struct sized {
	int n;
	int64_t total;
	int64_t b0; /* size reported for "b/0" */
};

static int sum_sizes(void *opaque, const char *key, int64_t size)
{
	struct sized *z = opaque;

	z->n++;
	z->total += size;
	if (!strcmp(key, "b/0"))
		z->b0 = size;
	return 0;
}

static int stop_sized(void *opaque, const char *key, int64_t size)
{
	(void)key;
	(void)size;
	return ++*(int *)opaque == 2 ? 7 : 0;
}

static void test_list_sizes(void **state)
{
	const char *keys[] = {".zgroup", "a/0", "a/1", "b/0"};
	const void *vals[] = {"{}", "xyz", "", "0123456789"};
	size_t lens[] = {2, 3, 0, 10};
	struct bf_err err;
	struct store *s;
	struct sized z = {0, 0, -1};
	int n = 0;

	(void)state;
	s = store_open_mem(4, keys, vals, lens, &err);
	assert_non_null(s);
	assert_int_equal(store_list_sizes(s, "", sum_sizes, &z, &err), 0);
	assert_int_equal(z.n, 4);
	assert_int_equal(z.total, 15);
	assert_int_equal(z.b0, 10);
	memset(&z, 0, sizeof(z));
	assert_int_equal(store_list_sizes(s, "a/", sum_sizes, &z, &err), 0);
	assert_int_equal(z.n, 2);
	assert_int_equal(z.total, 3);
	assert_int_equal(store_list_sizes(s, "", stop_sized, &n, &err), 7);
	assert_int_equal(n, 2);
	store_free(s);
}

/* ---- local directory store -------------------------------------------- */

static void test_local_store(void **state)
{
	char root[512], p[600];
	struct bf_err err;
	struct store *s;
	struct keyset ks = {0};
	uint8_t *data;
	size_t len;
	int n = 0;

	(void)state;
	tpath(root, sizeof(root), "local");
	assert_int_equal(mkdir(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/a", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/b", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/b/c", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/.zgroup", root);
	write_file(p, g_json, sizeof(g_json) - 1);
	snprintf(p, sizeof(p), "%s/a/0.0", root);
	write_file(p, g_rand, sizeof(g_rand));
	snprintf(p, sizeof(p), "%s/a/empty", root);
	write_file(p, "", 0);
	snprintf(p, sizeof(p), "%s/b/c/d", root);
	write_file(p, "deep", 4);

	s = store_open(root, &err);
	assert_non_null(s);
	assert_string_equal(store_kind(s), "dir");
	assert_string_equal(store_path(s), root);
	check_object(s, ".zgroup", g_json, sizeof(g_json) - 1);
	check_object(s, "a/0.0", g_rand, sizeof(g_rand));
	check_object(s, "a/empty", "", 0);
	check_object(s, "b/c/d", "deep", 4);
	assert_int_equal(store_size(s, "a/0.1", &err), BF_E_NOTFOUND);
	assert_int_equal(err.code, BF_E_NOTFOUND);
	assert_int_equal(store_size(s, "a/0.0/x", &err), BF_E_NOTFOUND);
	assert_int_equal(store_size(s, "b", &err), BF_E_NOTFOUND); /* a directory */
	assert_int_equal(store_read(s, "zz", g_text, 1, &err), BF_E_NOTFOUND);
	assert_int_equal(store_read(s, "b", g_text, 0, &err), BF_E_NOTFOUND);
	snprintf(p, sizeof(p), "%s/fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	/* a FIFO is a fault, not an absent object (which would read as fill values),
	 * and opening it does not hang */
	assert_int_equal(store_size(s, "fifo", &err), BF_E_IO);
	assert_int_equal(store_read(s, "fifo", g_text, 0, &err), BF_E_IO);
	assert_int_equal(store_size(s, "../local/a/0.0", &err), BF_E_INVAL);
	assert_int_equal(store_get(s, "a/0.0", 100, &data, &len, &err), BF_E_RANGE);
	assert_null(data);

	assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 4);
	assert_true(has_key(&ks, ".zgroup") && has_key(&ks, "a/0.0") && has_key(&ks, "a/empty") &&
		    has_key(&ks, "b/c/d"));
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "b/", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 1);
	assert_true(has_key(&ks, "b/c/d"));
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "a/0", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 1);
	assert_int_equal(store_list(s, "", stop_at_two, &n, &err), 42);
	store_free(s);

	snprintf(p, sizeof(p), "%s/missing", root);
	assert_null(store_open(p, &err));
	assert_int_equal(err.code, BF_E_NOTFOUND);
	snprintf(p, sizeof(p), "%s/b/c/d", root);
	assert_null(store_open(p, &err));
	assert_int_equal(err.code, BF_E_FORMAT);
	assert_null(store_open("ftp://example.org/x.vcz", &err));
	assert_int_equal(err.code, BF_E_UNSUPPORTED);
}

/* ---- remote configuration: storage options, AWS chain ------------------ */

static void test_remote_conf(void **state)
{
	char dir[] = "/tmp/bf_rconf_XXXXXX", cred[300], conf[300];
	struct store_opt bad[] = {{"region", "eu-west-2"}, {"colour", "blue"}};
	struct store_opt kw[] = {{"client_kwargs", "{\"endpoint_url\": \"http://h:9\", "
						   "\"region_name\": \"r1\"}"},
				 {"treat_403_as_missing", "true"}};
	struct store_opt kwbad[] = {{"client_kwargs", "{\"verify\": false}"}};
	struct store_opt secret[] = {
	    {"key", "AKIDX"}, {"secret", "s3cr3t-value"}, {"token", "T0K"}};
	struct store_config cfg;
	struct remote_conf rc;
	struct bf_err err;
	FILE *f;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = bad;
	cfg.n_opts = 2;
	assert_int_equal(remote_conf_check(&cfg, &err), BF_E_INVAL);
	assert_non_null(strstr(err.msg, "'colour'"));
	assert_null(strstr(err.msg, "blue")); /* values are never echoed */
	cfg.opts = kwbad;
	cfg.n_opts = 1;
	assert_int_equal(remote_conf_check(&cfg, &err), BF_E_INVAL);
	assert_non_null(strstr(err.msg, "client_kwargs.verify"));
	cfg.backend = "icechunk";
	cfg.n_opts = 0;
	assert_int_equal(remote_conf_check(&cfg, &err), BF_E_UNSUPPORTED);
	cfg.backend = "obstore";
	assert_int_equal(remote_conf_check(&cfg, &err), 0);

	/* profile files, selected by AWS_PROFILE; the environment wins over them */
	assert_non_null(mkdtemp(dir));
	snprintf(cred, sizeof(cred), "%s/credentials", dir);
	snprintf(conf, sizeof(conf), "%s/config", dir);
	f = fopen(cred, "w");
	fputs("[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n"
	      "# comment\n[lab]\naws_access_key_id=LAB\naws_secret_access_key= labsecret \n"
	      "aws_session_token = labtoken\n",
	      f);
	fclose(f);
	f = fopen(conf, "w");
	fputs("[default]\nregion = us-west-1\n[profile lab]\nregion = eu-north-1\n"
	      "endpoint_url = http://lab:9000\n",
	      f);
	fclose(f);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	setenv("AWS_PROFILE", "lab", 1);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_string_equal(rc.key_id, "LAB");
	assert_string_equal(rc.secret, "labsecret");
	assert_string_equal(rc.token, "labtoken");
	assert_string_equal(rc.region, "eu-north-1");
	assert_string_equal(rc.endpoint, "http://lab:9000");
	assert_false(rc.anon);
	remote_conf_release(&rc);
	unsetenv("AWS_PROFILE");
	setenv("AWS_REGION", "ap-south-1", 1);
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_string_equal(rc.key_id, "DEF");
	assert_string_equal(rc.region, "ap-south-1");
	assert_null(rc.endpoint);
	remote_conf_release(&rc);
	setenv("AWS_ACCESS_KEY_ID", "ENVK", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envs", 1);
	setenv("AWS_ENDPOINT_URL", "http://env:1", 1);
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_string_equal(rc.key_id, "ENVK");
	assert_string_equal(rc.endpoint, "http://env:1");
	remote_conf_release(&rc);
	/* options win over everything; client_kwargs map; anon drops the keys */
	cfg.opts = kw;
	cfg.n_opts = 2;
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_string_equal(rc.endpoint, "http://h:9");
	assert_string_equal(rc.region, "r1");
	assert_true(rc.forbidden_is_missing);
	remote_conf_release(&rc);
	cfg.opts = secret;
	cfg.n_opts = 3;
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_string_equal(rc.key_id, "AKIDX");
	assert_string_equal(rc.secret, "s3cr3t-value");
	assert_string_equal(rc.token, "T0K");
	remote_conf_release(&rc);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_REGION");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
	cfg.n_opts = 0;
	assert_int_equal(remote_conf_resolve(&cfg, true, &rc, &err), 0);
	assert_true(rc.anon); /* nothing anywhere: anonymous */
	assert_string_equal(rc.region, "us-east-1");
	remote_conf_release(&rc);
	unlink(cred);
	unlink(conf);
	rmdir(dir);
}

/* ---- zip store: our writer -------------------------------------------- */

static void test_zip_basic(void **state)
{
	struct bf_err err;
	struct store *s;
	struct keyset ks = {0};
	uint8_t *z;
	size_t zl;
	char buf[4];

	(void)state;
	z = zip_build(g_members, N_MEMBERS, 0, &zl);
	s = open_zip_bytes("basic.vcz.zip", z, zl, &err);
	if (!s)
		fail_msg("open: %s", err.msg);
	assert_string_equal(store_kind(s), "zip");
	check_members(s);
	assert_int_equal(store_size(s, "a/0.3", &err), BF_E_NOTFOUND);
	assert_int_equal(store_size(s, "a", &err), BF_E_NOTFOUND);
	assert_int_equal(store_read(s, "a/9", buf, 1, &err), BF_E_NOTFOUND);
	/* wrong length */
	assert_int_equal(store_read(s, ".zgroup", buf, 4, &err), BF_E_INVAL);
	assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
	assert_int_equal(ks.n, (int)N_MEMBERS);
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "a/", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 3);
	assert_true(has_key(&ks, "a/0.0") && has_key(&ks, "a/0.1") && has_key(&ks, "a/0.2"));
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "b/r", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 1);
	assert_string_equal(ks.keys[0], "b/rand");
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "c", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 0);
	store_free(s);
	free(z);

	/* the same members with ZIP64 extra fields, ZIP64 EOCD record and locator */
	z = zip_build(g_members, N_MEMBERS, 1, &zl);
	s = open_zip_bytes("zip64.vcz.zip", z, zl, &err);
	if (!s)
		fail_msg("open zip64: %s", err.msg);
	check_members(s);
	store_free(s);
	free(z);

	/* an empty archive is a valid, empty store */
	z = zip_build(NULL, 0, 0, &zl);
	assert_int_equal(zl, 22);
	s = open_zip_bytes("empty.vcz.zip", z, zl, &err);
	assert_non_null(s);
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 0);
	store_free(s);
	free(z);
}

static void test_zip_names(void **state)
{
	static const struct zmember m[] = {
	    {"dir/", 0, "", 0, 0},	 {"../evil", 0, "E", 1, 0},  {"/abs", 0, "A", 1, 0},
	    {"x/./y", 0, "D", 1, 0},	 {"x//y", 0, "S", 1, 0},     {"back\\slash", 0, "B", 1, 0},
	    {"nul\0name", 8, "N", 1, 0}, {"dup", 0, "one", 3, 0},    {"ok", 0, "fine", 4, 8},
	    {"dup", 0, "second", 6, 8},	 {"dir/file", 0, "F", 1, 0},
	};
	struct bf_err err;
	struct store *s;
	struct keyset ks = {0};
	uint8_t *z;
	size_t zl;

	(void)state;
	z = zip_build(m, sizeof(m) / sizeof(m[0]), 0, &zl);
	s = open_zip_bytes("names.vcz.zip", z, zl, &err);
	if (!s)
		fail_msg("open: %s", err.msg);
	assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 3);
	assert_true(has_key(&ks, "dup") && has_key(&ks, "ok") && has_key(&ks, "dir/file"));
	check_object(s, "dup", "second", 6); /* the last duplicate wins */
	check_object(s, "ok", "fine", 4);
	assert_int_equal(store_size(s, "nul", &err), BF_E_NOTFOUND);
	assert_int_equal(store_size(s, "dir", &err), BF_E_NOTFOUND);
	store_free(s);
	free(z);
}

static void expect_open_fail(const char *name, const uint8_t *z, size_t zl, int code,
			     const char *msg_part)
{
	struct bf_err err;
	struct store *s = open_zip_bytes(name, z, zl, &err);

	if (s)
		fail_msg("'%s' opened but should not", name);
	assert_int_equal(err.code, code);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", name, err.msg, msg_part);
}

static void expect_read_fail(const char *name, const uint8_t *z, size_t zl, const char *key,
			     size_t len, int code, const char *msg_part)
{
	struct bf_err err;
	struct store *s = open_zip_bytes(name, z, zl, &err);
	uint8_t *buf = malloc(len + 1);

	if (!s)
		fail_msg("'%s' failed to open: %s", name, err.msg);
	assert_int_equal(store_size(s, key, &err), (int64_t)len);
	assert_int_equal(store_read(s, key, buf, len, &err), code);
	assert_int_equal(err.code, code);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", name, err.msg, msg_part);
	free(buf);
	store_free(s);
}

static void test_zip_corrupt(void **state)
{
	static const struct zmember one[] = {{"k", 0, "hello world", 11, 0}};
	static const struct zmember onez[] = {{"k", 0, g_text, 5000, 8}};
	struct bf_err err;
	uint8_t *z, *c;
	size_t zl, cd, eocd, lfh;
	char path[512];

	(void)state;
	z = zip_build(one, 1, 0, &zl);
	c = malloc(zl);
	cd = find_sig(z, zl, 1, 2, 0);
	eocd = find_sig(z, zl, 5, 6, 0);
	assert_true(cd != SIZE_MAX && eocd != SIZE_MAX);

	/* not a zip at all / truncated before the EOCD */
	expect_open_fail("empty.zip", z, 0, BF_E_FORMAT,
			 "not a zip archive: no end of central directory record");
	expect_open_fail("trunc.vcz.zip", z, zl - 5, BF_E_FORMAT,
			 "not a zip archive: no end of central directory record");
	expect_open_fail("garbage.zip", (const uint8_t *)"PK\3\4 this is not really a zip", 30,
			 BF_E_FORMAT, "no end of central directory record");
	tpath(path, sizeof(path), "trunc.vcz.zip");
	assert_null(store_open(path, &err));
	assert_non_null(strstr(err.msg, path));

	/* central directory offset past the end of the file */
	memcpy(c, z, zl);
	put32(c + eocd + 16, 0x7FFFFFF0u);
	expect_open_fail("cdoff.zip", c, zl, BF_E_FORMAT, "central directory");
	/* central directory size past the EOCD */
	memcpy(c, z, zl);
	put32(c + eocd + 12, (uint32_t)(zl));
	expect_open_fail("cdsize.zip", c, zl, BF_E_FORMAT, "central directory");
	/* bad central directory signature */
	memcpy(c, z, zl);
	c[cd + 2] = 9;
	expect_open_fail("cdsig.zip", c, zl, BF_E_FORMAT, "bad central directory entry");
	/* name length running past the directory */
	memcpy(c, z, zl);
	c[cd + 28] = 200;
	expect_open_fail("cdname.zip", c, zl, BF_E_FORMAT, "overruns");
	/* multi-disk */
	memcpy(c, z, zl);
	c[eocd + 4] = 1;
	expect_open_fail("disk.zip", c, zl, BF_E_UNSUPPORTED, "multi-disk");
	/* saturated EOCD fields without ZIP64 records */
	memcpy(c, z, zl);
	put32(c + eocd + 16, 0xFFFFFFFFu);
	expect_open_fail("sat.zip", c, zl, BF_E_FORMAT, "zip64");

	/* local header offset past the end */
	memcpy(c, z, zl);
	put32(c + cd + 42, 0x10000000u);
	expect_read_fail("lho.zip", c, zl, "k", 11, BF_E_FORMAT, "past the end");
	/* bad local header signature */
	memcpy(c, z, zl);
	c[3] = 0;
	expect_read_fail("lfhsig.zip", c, zl, "k", 11, BF_E_FORMAT, "bad local file header");
	/* local header names another member */
	memcpy(c, z, zl);
	c[30] = 'q';
	expect_read_fail("lfhname.zip", c, zl, "k", 11, BF_E_FORMAT, "local file header");
	/* data past the end of the file: huge compressed size (as DEFLATE) */
	memcpy(c, z, zl);
	c[cd + 10] = 8;
	put32(c + cd + 20, 0x7FFFFFF0u);
	expect_read_fail("csize.zip", c, zl, "k", 11, BF_E_FORMAT, "runs past the end");
	/* CRC mismatch: a flipped data byte */
	memcpy(c, z, zl);
	lfh = 30 + 1;
	c[lfh + 3] ^= 0x20;
	expect_read_fail("crc.zip", c, zl, "k", 11, BF_E_FORMAT, "zip member 'k': CRC mismatch");
	/* stored with compressed size != size */
	memcpy(c, z, zl);
	put32(c + cd + 20, 10);
	expect_read_fail("ssize.zip", c, zl, "k", 11, BF_E_FORMAT, "compressed size");
	/* unsupported method and encryption */
	memcpy(c, z, zl);
	c[cd + 10] = 12;
	expect_read_fail("bz.zip", c, zl, "k", 11, BF_E_UNSUPPORTED, "'k': compression method 12");
	memcpy(c, z, zl);
	c[cd + 8] = 1;
	expect_read_fail("enc.zip", c, zl, "k", 11, BF_E_UNSUPPORTED, "encrypted");
	free(c);
	free(z);

	/* deflate damage */
	z = zip_build(onez, 1, 0, &zl);
	c = malloc(zl);
	cd = find_sig(z, zl, 1, 2, 0);
	memcpy(c, z, zl);
	put32(c + cd + 16, 0x12345678u);
	expect_read_fail("dcrc.zip", c, zl, "k", 5000, BF_E_FORMAT, "CRC mismatch");
	memcpy(c, z, zl);
	put32(c + cd + 24, 5001); /* declared one byte longer */
	expect_read_fail("dlong.zip", c, zl, "k", 5001, BF_E_FORMAT, "inflated to 5000");
	memcpy(c, z, zl);
	put32(c + cd + 24, 4999); /* declared one byte shorter */
	expect_read_fail("dshort.zip", c, zl, "k", 4999, BF_E_FORMAT, "expected 4999");
	memcpy(c, z, zl);
	put32(c + cd + 20, 20); /* compressed stream cut short */
	expect_read_fail("dtrunc.zip", c, zl, "k", 5000, BF_E_FORMAT, "truncated");
	memcpy(c, z, zl);
	c[32] = 0xFF; /* invalid block type in the stream */
	c[31] = 0xFF;
	expect_read_fail("dbad.zip", c, zl, "k", 5000, BF_E_FORMAT, NULL);
	free(c);
	free(z);
}

/* Flip every byte of a small archive in turn: no crash, no leak, sane codes. */
static void test_zip_bitflips(void **state)
{
	static const struct zmember m[] = {{"a", 0, "hello", 5, 8}, {"b/c", 0, "world!", 6, 0}};
	struct bf_err err;
	uint8_t *z, *c, buf[64];
	size_t zl, i, k;
	long live = bf_alloc_live();
	int zip64, opened = 0;

	(void)state;
	for (zip64 = 0; zip64 < 2; zip64++) {
		z = zip_build(m, 2, zip64, &zl);
		c = malloc(zl);
		for (i = 0; i < zl; i++) {
			memcpy(c, z, zl);
			c[i] ^= (uint8_t)(0x5A + i);
			{
				struct store *s = open_zip_bytes("flip.zip", c, zl, &err);

				if (!s) {
					assert_true(err.code < 0);
					continue;
				}
				opened++;
				for (k = 0; k < 2; k++) {
					const char *key = k ? "b/c" : "a";
					int64_t sz = store_size(s, key, &err);
					int rc;

					if (sz < 0 || sz > (int64_t)sizeof(buf))
						continue;
					rc = store_read(s, key, buf, (size_t)sz, &err);
					assert_true(rc == 0 || (rc < 0 && err.code == rc));
					if (rc == 0)
						assert_memory_equal(buf, m[k].data, m[k].len);
				}
				store_free(s);
			}
		}
		free(c);
		free(z);
	}
	assert_true(opened > 0);
	assert_int_equal(bf_alloc_live(), live);
}

/* Fail each allocation in turn while opening and reading: no crash, no leak. */
static void test_zip_alloc_failures(void **state)
{
	struct bf_err err;
	uint8_t *z, *buf;
	size_t zl, len;
	long live = bf_alloc_live(), n;
	char path[512];
	int ok = 0;

	(void)state;
	z = zip_build(g_members, N_MEMBERS, 1, &zl);
	tpath(path, sizeof(path), "nomem.vcz.zip");
	write_file(path, z, zl);
	for (n = 0; n < 40 && !ok; n++) {
		struct store *s;
		int rc = 0;
		size_t i;

		bf_alloc_fail_after(n);
		s = store_open(path, &err);
		if (!s) {
			bf_alloc_fail_after(-1);
			assert_int_equal(err.code, BF_E_NOMEM);
			continue;
		}
		for (i = 0; i < N_MEMBERS && rc == 0; i++) {
			rc = store_get(s, g_members[i].name, (size_t)1 << 30, &buf, &len, &err);
			if (rc == 0) {
				assert_memory_equal(buf, g_members[i].data, len);
				bf_free(buf);
			} else {
				assert_int_equal(rc, BF_E_NOMEM);
			}
		}
		bf_alloc_fail_after(-1);
		ok = rc == 0;
		store_free(s);
	}
	assert_true(ok);
	assert_int_equal(bf_alloc_live(), live);
	free(z);
}

/* ---- zip store: Python's zipfile -------------------------------------- */

static void test_zip_python(void **state)
{
	char script[4096], zpath[512], src[512], big[512];
	struct bf_err err;
	struct store *s;
	struct keyset ks = {0};
	size_t i;

	(void)state;
	if (!have_python())
		skip();
	for (i = 0; i < N_MEMBERS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "src%zu", i);
		tpath(src, sizeof(src), name);
		write_file(src, g_members[i].data, g_members[i].len);
	}
	tpath(zpath, sizeof(zpath), "py.vcz.zip");
	tpath(src, sizeof(src), "src");
	tpath(big, sizeof(big), "py64.vcz.zip");
	snprintf(script, sizeof(script),
		 "import zipfile, warnings\n"
		 "warnings.simplefilter('ignore')\n"
		 "names = [%s]\n"
		 "meth = [%s]\n"
		 "with zipfile.ZipFile('%s', 'w') as z:\n"
		 "    z.writestr('a/', b'')\n"
		 "    for i, (n, m) in enumerate(zip(names, meth)):\n"
		 "        z.write('%s%%d' %% i, n, compress_type=m)\n"
		 "    z.writestr('../evil', b'x')\n"
		 "    z.writestr('dup', b'first')\n"
		 "    z.writestr('dup', b'last', compress_type=zipfile.ZIP_DEFLATED)\n"
		 "    z.writestr('bz', b'bzip2 data' * 10, compress_type=zipfile.ZIP_BZIP2)\n"
		 "    with z.open('f64', 'w', force_zip64=True) as f:\n"
		 "        f.write(open('%s1', 'rb').read())\n"
		 "with zipfile.ZipFile('%s', 'w', allowZip64=True) as z:\n"
		 "    for i in range(65540):\n"
		 "        z.writestr('k/%%d' %% i, b'%%d' %% (i * i))\n",
		 "'.zgroup', 'a/0.0', 'a/0.1', 'a/0.2', 'b/text', 'b/rand'", "8, 0, 0, 8, 8, 8",
		 zpath, src, src, big);
	run_python(script);

	s = store_open(zpath, &err);
	if (!s)
		fail_msg("open: %s", err.msg);
	check_members(s);
	check_object(s, "dup", "last", 4);
	check_object(s, "f64", g_rand, sizeof(g_rand));
	assert_int_equal(store_size(s, "bz", &err), 100);
	{
		uint8_t b[100];

		assert_int_equal(store_read(s, "bz", b, 100, &err), BF_E_UNSUPPORTED);
		assert_non_null(strstr(err.msg, "'bz'"));
		assert_non_null(strstr(err.msg, "bzip2"));
	}
	assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
	assert_int_equal(ks.n, (int)N_MEMBERS + 3);
	store_free(s);

	/* > 65535 entries: ZIP64 end of central directory */
	s = store_open(big, &err);
	if (!s)
		fail_msg("open: %s", err.msg);
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(store_list(s, "k/", collect, &ks, &err), 0);
	assert_int_equal(ks.n, 65540);
	for (i = 0; i < 65540; i += 997) {
		char key[32], want[32];

		snprintf(key, sizeof(key), "k/%zu", i);
		snprintf(want, sizeof(want), "%zu", i * i);
		check_object(s, key, want, strlen(want));
	}
	check_object(s, "k/65539", "4295360521", 10);
	store_free(s);
}

/* Every member of every fixture zip reads as Python's zipfile reads it. */
static void test_zip_fixtures(void **state)
{
	const char *shared = getenv("BF_TEST_SHARED");
	char dir[512], script[2048], cmd[1024], line[4096];
	struct dirent *de;
	DIR *d;
	int nzips = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/fixtures/bio2zarr", shared ? shared : "../shared");
	d = opendir(dir);
	if (!d || !have_python()) {
		if (d)
			closedir(d);
		skip();
	}
	snprintf(script, sizeof(script),
		 "import sys, zipfile, zlib\n"
		 "with zipfile.ZipFile(sys.argv[1]) as z:\n"
		 "    for i in z.infolist():\n"
		 "        if i.is_dir(): continue\n"
		 "        d = z.read(i.filename)\n"
		 "        print('%%s\\t%%d\\t%%d' %% (i.filename, len(d), zlib.crc32(d)))\n");
	tpath(line, sizeof(line), "fix.py");
	write_file(line, script, strlen(script));
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name), nmem = 0, total = 0;
		char zpath[1024];
		struct bf_err err;
		struct store *s;
		struct keyset ks = {0};
		FILE *p;

		if (nl < 4 || strcmp(de->d_name + nl - 4, ".zip"))
			continue;
		snprintf(zpath, sizeof(zpath), "%s/%s", dir, de->d_name);
		s = store_open(zpath, &err);
		if (!s)
			fail_msg("open '%s': %s", zpath, err.msg);
		snprintf(cmd, sizeof(cmd), PY " %s/fix.py '%s'", g_tmp, zpath);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			char *t1 = strchr(line, '\t'), *t2;
			unsigned long long size, crc;
			uint8_t *data;
			size_t len;

			assert_non_null(t1);
			*t1 = '\0';
			t2 = strchr(t1 + 1, '\t');
			assert_non_null(t2);
			size = strtoull(t1 + 1, NULL, 10);
			crc = strtoull(t2 + 1, NULL, 10);
			if (store_size(s, line, &err) != (int64_t)size)
				fail_msg("'%s' member '%s': size: %s", zpath, line, err.msg);
			if (store_get(s, line, (size_t)1 << 30, &data, &len, &err) != 0)
				fail_msg("'%s' member '%s': %s", zpath, line, err.msg);
			assert_int_equal(len, size);
			assert_int_equal(crc32(0, data, (uInt)len), crc);
			bf_free(data);
			nmem++;
			total += len;
		}
		assert_int_equal(pclose(p), 0);
		assert_int_equal(store_list(s, "", collect, &ks, &err), 0);
		assert_int_equal((size_t)ks.n, nmem);
		assert_true(nmem > 10);
		store_free(s);
		nzips++;
	}
	closedir(d);
	assert_true(nzips >= 1);
}

/* ---- concurrency and speed -------------------------------------------- */

struct thr {
	struct store *s;
	int ok;
};

static void *reader(void *arg)
{
	struct thr *t = arg;
	struct bf_err err;
	int round;
	size_t i;

	t->ok = 1;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < N_MEMBERS; i++) {
			uint8_t *data;
			size_t len;

			if (store_get(t->s, g_members[i].name, (size_t)1 << 30, &data, &len,
				      &err) ||
			    len != g_members[i].len ||
			    (len && memcmp(data, g_members[i].data, len)))
				t->ok = 0;
			bf_free(data);
		}
	}
	return NULL;
}

static void test_zip_threads(void **state)
{
	struct thr t[4];
	pthread_t th[4];
	struct bf_err err;
	struct store *s;
	uint8_t *z;
	size_t zl;
	int i;

	(void)state;
	z = zip_build(g_members, N_MEMBERS, 0, &zl);
	s = open_zip_bytes("thr.vcz.zip", z, zl, &err);
	assert_non_null(s);
	for (i = 0; i < 4; i++) {
		t[i].s = s;
		assert_int_equal(pthread_create(&th[i], NULL, reader, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(t[i].ok);
	}
	store_free(s);
	free(z);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A 19 MiB STORED member (one call_genotype chunk) reads near pread speed. */
static void test_zip_speed(void **state)
{
	const size_t n = (size_t)19 << 20;
	uint8_t *data = malloc(n), *buf = malloc(n);
	struct zmember m = {"call_genotype/0.0.0", 0, data, n, 0};
	struct bf_err err;
	struct store *s;
	uint8_t *z;
	size_t zl;
	double t0, tz = 1e9, tp = 1e9;
	char path[512];
	int i, fd;

	(void)state;
	fill_random(data, n, 7);
	z = zip_build(&m, 1, 0, &zl);
	s = open_zip_bytes("speed.vcz.zip", z, zl, &err);
	assert_non_null(s);
	tpath(path, sizeof(path), "speed.vcz.zip");
	fd = open(path, 0);
	assert_true(fd >= 0);
	for (i = 0; i < 5; i++) {
		t0 = now();
		assert_int_equal(pread(fd, buf, n, 0), (ssize_t)n);
		if (now() - t0 < tp)
			tp = now() - t0;
		t0 = now();
		assert_int_equal(store_read(s, m.name, buf, n, &err), 0);
		if (now() - t0 < tz)
			tz = now() - t0;
	}
	assert_memory_equal(buf, data, n);
	printf("# 19 MiB STORED member: pread %.2f ms (%.0f MiB/s), store_read %.2f ms "
	       "(%.0f MiB/s)\n",
	       tp * 1e3, 19 / tp, tz * 1e3, 19 / tz);
	close(fd);
	store_free(s);
	free(z);
	free(data);
	free(buf);
}

/* ---- setup ------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/bf_test_store.XXXXXX");
	if (!mkdtemp(g_tmp))
		return -1;
	fill_random(g_rand, sizeof(g_rand), 1);
	fill_text(g_text, sizeof(g_text));
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_check),	       cmocka_unit_test(test_zip_crc),
	    cmocka_unit_test(test_mem_store),	       cmocka_unit_test(test_remote_conf),
	    cmocka_unit_test(test_local_store),	       cmocka_unit_test(test_list_sizes),
	    cmocka_unit_test(test_zip_basic),	       cmocka_unit_test(test_zip_names),
	    cmocka_unit_test(test_zip_corrupt),	       cmocka_unit_test(test_zip_bitflips),
	    cmocka_unit_test(test_zip_alloc_failures), cmocka_unit_test(test_zip_python),
	    cmocka_unit_test(test_zip_fixtures),       cmocka_unit_test(test_zip_threads),
	    cmocka_unit_test(test_zip_speed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
