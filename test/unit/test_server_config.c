/*
 * test_server_config.c - the encoder server's configuration message: every
 * field of the table survives a round trip (so a new field is covered by its
 * table row alone), absent and empty strings stay apart, storage options keep
 * their order, the IPC_CONFIG framing carries the restart flag, and malformed
 * bodies (truncated, unknown field, bad lengths, NUL in a string, bad enum)
 * are refused without leaks.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "server/ipc.h"
#include "server/server_config.h"
#include "util/alloc.h"
#include "util/endian.h"

#include <stdio.h>
#include <string.h>

static const struct store_opt kvs[] = {{"token", "s3cr3t"}, {"region", ""}, {"a=b", "{\"x\": 1}"}};

/* Give field k a value of its own: strings "f<k>", numbers from k. */
static void fill(struct server_config *c, char names[][16])
{
	size_t k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < server_config_n_fields; k++) {
		const struct server_config_field *f = &server_config_fields[k];
		void *at = (char *)c + f->off;

		switch (f->kind) {
		case SC_STR:
			snprintf(names[k], 16, "f%zu", k);
			*(const char **)at = names[k];
			break;
		case SC_BOOL:
			*(bool *)at = true;
			break;
		case SC_INT:
			*(int *)at = -(int)k;
			break;
		case SC_U32:
			*(uint32_t *)at = 0x80000000u + (uint32_t)k;
			break;
		case SC_U64:
			*(uint64_t *)at = 0x8000000000000000u + k;
			break;
		case SC_F64:
			*(double *)at = 0.1 + (double)k;
			break;
		case SC_U8:
			*(uint8_t *)at = (uint8_t)(200 + k);
			break;
		case SC_KV:
			*(const struct store_opt **)at = kvs;
			*(size_t *)(void *)((char *)c + f->count_off) = 3;
			break;
		}
	}
	c->export.format = "bgen";
	c->log_level = BF_LOG_DEBUG;
}

static void assert_same(const struct server_config *a, const struct server_config *b)
{
	size_t k, i;

	for (k = 0; k < server_config_n_fields; k++) {
		const struct server_config_field *f = &server_config_fields[k];
		const void *x = (const char *)a + f->off, *y = (const char *)b + f->off;

		switch (f->kind) {
		case SC_STR: {
			const char *sx = *(const char *const *)x, *sy = *(const char *const *)y;

			assert_true((sx == NULL) == (sy == NULL));
			if (sx)
				assert_string_equal(sx, sy);
			break;
		}
		case SC_BOOL:
			assert_int_equal(*(const bool *)x, *(const bool *)y);
			break;
		case SC_INT:
			assert_int_equal(*(const int *)x, *(const int *)y);
			break;
		case SC_U32:
			assert_int_equal(*(const uint32_t *)x, *(const uint32_t *)y);
			break;
		case SC_U64:
			assert_true(*(const uint64_t *)x == *(const uint64_t *)y);
			break;
		case SC_F64:
			assert_true(*(const double *)x == *(const double *)y);
			break;
		case SC_U8:
			assert_int_equal(*(const uint8_t *)x, *(const uint8_t *)y);
			break;
		case SC_KV: {
			const struct store_opt *kx = *(const struct store_opt *const *)x;
			const struct store_opt *ky = *(const struct store_opt *const *)y;
			size_t n = *(const size_t *)(const void *)((const char *)a + f->count_off);

			assert_int_equal(
			    n, *(const size_t *)(const void *)((const char *)b + f->count_off));
			for (i = 0; i < n; i++) {
				assert_string_equal(kx[i].key, ky[i].key);
				assert_string_equal(kx[i].value, ky[i].value);
			}
			break;
		}
		}
	}
}

static void test_round_trip_every_field(void **state)
{
	char names[64][16];
	struct server_config in, out;
	struct bf_strbuf b = BF_STRBUF_INIT;
	struct bf_err err;
	long live = bf_alloc_live();
	size_t k, j;

	(void)state;
	assert_true(server_config_n_fields <= 64);
	for (k = 0; k < server_config_n_fields; k++)
		for (j = k + 1; j < server_config_n_fields; j++)
			assert_int_not_equal(server_config_fields[k].tag,
					     server_config_fields[j].tag);
	fill(&in, names);
	assert_int_equal(server_config_encode(&in, &b, &err), 0);
	assert_int_equal(server_config_decode((const uint8_t *)b.buf, b.len, &out, &err), 0);
	assert_same(&in, &out);
	assert_ptr_equal(out.export.format_params, &out.bgen);
	assert_ptr_equal(out.export.sel.store_cfg, &out.store);
	/* the decoded strings are the config's own, not the encoder's */
	assert_ptr_not_equal(out.basename, in.basename);
	assert_int_equal(out.ipc_fd, 0);
	assert_false(out.reuse_sidecars);
	server_config_release(&out);
	server_config_release(&out);
	bf_strbuf_release(&b);
	assert_int_equal(bf_alloc_live(), live);
}

static void test_absent_and_empty_strings(void **state)
{
	char names[64][16];
	struct server_config in, out;
	struct bf_strbuf b = BF_STRBUF_INIT;
	struct bf_err err;

	(void)state;
	fill(&in, names);
	in.export.sel.samples = NULL;
	in.export.sel.variants.regions = "";
	in.log_file = NULL;
	in.store.opts = NULL;
	in.store.n_opts = 0;
	in.export.format = "bed";
	assert_int_equal(server_config_encode(&in, &b, &err), 0);
	assert_int_equal(server_config_decode((const uint8_t *)b.buf, b.len, &out, &err), 0);
	assert_null(out.export.sel.samples);
	assert_null(out.log_file);
	assert_string_equal(out.export.sel.variants.regions, "");
	assert_int_equal(out.store.n_opts, 0);
	assert_null(out.export.format_params); /* PLINK takes no format parameters */
	server_config_release(&out);
	bf_strbuf_release(&b);
}

static int decode_bytes(const uint8_t *p, size_t n)
{
	struct server_config c;
	struct bf_err err;
	int rc = server_config_decode(p, n, &c, &err);

	server_config_release(&c);
	return rc;
}

static void test_malformed(void **state)
{
	char names[64][16];
	struct server_config in;
	struct bf_strbuf b = BF_STRBUF_INIT;
	struct bf_err err;
	uint8_t *copy;
	long live = bf_alloc_live();
	size_t n;

	(void)state;
	fill(&in, names);
	assert_int_equal(server_config_encode(&in, &b, &err), 0);
	copy = bf_malloc(b.len);
	assert_non_null(copy);
	/* every cut inside the first record fails; the full body decodes */
	for (n = 1; n < 10; n++)
		assert_int_equal(decode_bytes((const uint8_t *)b.buf, n), BF_E_FORMAT);
	assert_int_equal(decode_bytes((const uint8_t *)b.buf, b.len), 0);
	assert_int_equal(decode_bytes((const uint8_t *)b.buf, b.len - 1), BF_E_FORMAT);
	/* an unknown tag */
	memcpy(copy, b.buf, b.len);
	bf_store_le16(copy, 0xFFFF);
	assert_int_equal(decode_bytes(copy, b.len), BF_E_FORMAT);
	/* the first record is export.format, "bgen": a NUL inside it, a length past the end */
	memcpy(copy, b.buf, b.len);
	assert_int_equal(bf_load_le16(copy), server_config_fields[0].tag);
	assert_int_equal(bf_load_le32(copy + 2), 4);
	copy[7] = '\0';
	assert_int_equal(decode_bytes(copy, b.len), BF_E_FORMAT);
	memcpy(copy, b.buf, b.len);
	bf_store_le32(copy + 2, (uint32_t)b.len);
	assert_int_equal(decode_bytes(copy, b.len), BF_E_FORMAT);
	/* the second is the store; a bool with a value other than 0 or 1 */
	for (n = 0; n < server_config_n_fields; n++)
		if (server_config_fields[n].kind == SC_BOOL)
			break;
	assert_true(n < server_config_n_fields);
	{
		size_t pos = 0;

		memcpy(copy, b.buf, b.len);
		while (bf_load_le16(copy + pos) != server_config_fields[n].tag)
			pos += 6 + bf_load_le32(copy + pos + 2);
		assert_int_equal(bf_load_le32(copy + pos + 2), 1);
		copy[pos + 6] = 2;
		assert_int_equal(decode_bytes(copy, b.len), BF_E_FORMAT);
		bf_store_le32(copy + pos + 2, 2); /* and a wrong length */
		assert_int_equal(decode_bytes(copy, b.len), BF_E_FORMAT);
	}
	/* an empty body lacks the store */
	assert_int_equal(decode_bytes(copy, 0), BF_E_FORMAT);
	bf_free(copy);
	bf_strbuf_release(&b);
	assert_int_equal(bf_alloc_live(), live);
}

static void test_ipc_config_framing(void **state)
{
	static const uint8_t body[] = {1, 2, 3, 4, 5};
	struct bf_strbuf m = BF_STRBUF_INIT;
	struct ipc_header h;
	struct bf_err err;
	const uint8_t *got;
	uint32_t flags;
	size_t len;

	(void)state;
	assert_int_equal(ipc_config_encode(IPC_CONFIG_RESTART, body, sizeof(body), &m, &err), 0);
	assert_int_equal(m.len, IPC_HEADER_LEN + 4 + sizeof(body));
	assert_int_equal(ipc_header_decode((const uint8_t *)m.buf, &h, &err), 0);
	assert_int_equal(h.type, IPC_CONFIG);
	assert_int_equal(h.len, 4 + sizeof(body));
	assert_int_equal(ipc_config_decode((const uint8_t *)m.buf + IPC_HEADER_LEN, h.len, &flags,
					   &got, &len, &err),
			 0);
	assert_int_equal(flags, IPC_CONFIG_RESTART);
	assert_int_equal(len, sizeof(body));
	assert_memory_equal(got, body, sizeof(body));
	assert_int_equal(ipc_config_decode(got, 3, &flags, &got, &len, &err), BF_E_FORMAT);
	bf_strbuf_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_every_field),
	    cmocka_unit_test(test_absent_and_empty_strings),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_ipc_config_framing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
