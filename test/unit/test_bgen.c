/*
 * test_bgen.c - BGEN header, genotype blocks, fixed and variable encoders,
 * and the .bgi writer, against spec/formats.md section 4/6/8/11 and the
 * golden files.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fmt_fixtures.h"
#include "format/bgen.h"
#include "util/cpu.h"
#include "format/bgi.h"
#include "format/fmt_text.h"
#include "util/pyrepr.h"
#include "util/err.h"
#include "util/strbuf.h"

/* ---- helpers ---------------------------------------------------------- */

static void expect_err(int rc, int code, const struct bf_err *err, const char *msg)
{
	assert_int_equal(rc, code);
	assert_string_equal(err->msg, msg);
}

/*
 * Build a whole .bgen for chunk c into *file; variant block offsets/sizes
 * go to starts/sizes (n_variants entries).
 */
static void build_bgen(const struct bgen_params *p, const struct fmt_chunk *c,
		       const struct fmt_str *ids, struct bf_strbuf *file, uint64_t *starts,
		       uint64_t *sizes, uint64_t *mixed)
{
	struct bf_err err;
	size_t i, prefix;

	bf_strbuf_reset(file);
	assert_int_equal(bgen_header(p, c->n_variants, ids, c->n_samples, file, &err), 0);
	prefix = file->len;
	if (p->fixed) {
		uint64_t bpv = bgen_fixed_bytes_per_variant(p, c->n_samples, c->ploidy);
		size_t total = (size_t)bpv * c->n_variants;
		assert_int_equal(bf_strbuf_grow(file, total), 0);
		assert_int_equal(bgen_encode_fixed_chunk(p, c, (uint8_t *)file->buf + prefix, total,
							 mixed, &err),
				 0);
		file->len += total;
		for (i = 0; i < c->n_variants; i++) {
			starts[i] = prefix + i * bpv;
			sizes[i] = bpv;
		}
	} else {
		struct bf_strbuf scratch = BF_STRBUF_INIT;
		uint64_t off = prefix;
		assert_int_equal(
		    bgen_encode_variable_chunk(p, c, &scratch, file, sizes, mixed, &err), 0);
		for (i = 0; i < c->n_variants; i++) {
			starts[i] = off;
			off += sizes[i];
		}
		assert_int_equal(off, file->len);
		bf_strbuf_release(&scratch);
	}
}

static void compare_golden(const char *name, const struct bf_strbuf *file)
{
	size_t glen;
	unsigned char *g = fx_golden(name, &glen);
	if (!g)
		skip();
	assert_int_equal(file->len, glen);
	assert_memory_equal(file->buf, g, glen);
	free(g);
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Parse "3b 00 2e" (spaces ignored) into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return n;
}

/* ---- parameters, header, sizes ----------------------------------------- */

static void test_params(void **state)
{
	struct bgen_params p;
	struct bf_err err;

	(void)state;
	bgen_params_init(&p, false);
	assert_int_equal(p.compression_level, 1);
	assert_int_equal(bgen_params_validate(&p, &err), 0);
	p.string_opts_given = true;
	expect_err(bgen_params_validate(&p, &err), BF_E_INVAL, &err,
		   "total_string_length / pad_byte require fixed_variant_size=True");
	p.string_opts_given = false;
	p.compression_level = 10;
	assert_int_equal(bgen_params_validate(&p, &err), BF_E_INVAL);
	p.compression_level = -1;
	assert_int_equal(bgen_params_validate(&p, &err), 0);

	bgen_params_init(&p, true);
	assert_int_equal(p.compression_level, 0);
	assert_int_equal(p.total_string_length, 64);
	assert_int_equal(p.pad_byte, '.');
	assert_true(p.id_in_rsid);
	assert_int_equal(bgen_params_validate(&p, &err), 0);
	p.compression_level = 6;
	expect_err(bgen_params_validate(&p, &err), BF_E_INVAL, &err,
		   "fixed_variant_size=True requires compression_level=0 (fixed-size variant "
		   "blocks have a deterministic block size); got compression_level=6");
	p.compression_level = 0;
	p.total_string_length = 4;
	expect_err(bgen_params_validate(&p, &err), BF_E_INVAL, &err,
		   "total_string_length must be >= 5 (got 4)");
	p.total_string_length = 65536;
	expect_err(bgen_params_validate(&p, &err), BF_E_INVAL, &err,
		   "total_string_length=65536 exceeds BGEN length-prefix width 65535");
	p.total_string_length = 65535;
	assert_int_equal(bgen_params_validate(&p, &err), 0);
	p.pad_byte = 0;
	expect_err(bgen_params_validate(&p, &err), BF_E_INVAL, &err,
		   "pad_byte must not be the NUL byte");
}

static void test_check_contigs(void **state)
{
	struct fmt_str c[2];
	char *big = malloc(65536);
	struct bf_err err;

	(void)state;
	memset(big, 'c', 65536);
	c[0].p = "1";
	c[0].len = 1;
	c[1].p = big;
	c[1].len = 65535;
	assert_int_equal(bgen_check_contigs(c, 2, &err), 0);
	c[1].len = 65536;
	expect_err(bgen_check_contigs(c, 2, &err), BF_E_RANGE, &err,
		   "longest contig is 65536 bytes, exceeds BGEN length-prefix width 65535");
	free(big);
}

static void test_header(void **state)
{
	uint8_t want[64];
	size_t n;
	struct bgen_params p;
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct bf_err err;
	struct fmt_str ids[2];
	char *big;

	(void)state;
	bgen_params_init(&p, false);
	assert_int_equal(bgen_header(&p, 6, fx_s_ids, 3, &sb, &err), 0);
	n = unhex("37 00 00 00 14 00 00 00 06 00 00 00 03 00 00 00 62 67 65 6e 09 00 00 80"
		  "23 00 00 00 03 00 00 00 07 00 4e 41 30 30 30 30 31 07 00 4e 41 30 30 30 30 32 "
		  "07 00 4e 41 30 30 30 30 33",
		  want);
	assert_int_equal(n, 59);
	assert_int_equal(sb.len, 59);
	assert_memory_equal(sb.buf, want, 59);

	bf_strbuf_reset(&sb);
	p.header_samples = false;
	assert_int_equal(bgen_header(&p, 6, fx_s_ids, 3, &sb, &err), 0);
	n = unhex("14 00 00 00 14 00 00 00 06 00 00 00 03 00 00 00 62 67 65 6e 09 00 00 00", want);
	assert_int_equal(sb.len, 24);
	assert_memory_equal(sb.buf, want, n);

	/* zero samples: sample block 08 00 00 00 00 00 00 00 */
	bf_strbuf_reset(&sb);
	p.header_samples = true;
	assert_int_equal(bgen_header(&p, 0, NULL, 0, &sb, &err), 0);
	n = unhex("1c 00 00 00 14 00 00 00 00 00 00 00 00 00 00 00 62 67 65 6e 09 00 00 80"
		  "08 00 00 00 00 00 00 00",
		  want);
	assert_int_equal(sb.len, n);
	assert_memory_equal(sb.buf, want, n);

	/* UTF-8 ID: byte length */
	bf_strbuf_reset(&sb);
	ids[0].p = "\xce\xa9";
	ids[0].len = 2;
	assert_int_equal(bgen_header(&p, 1, ids, 1, &sb, &err), 0);
	assert_int_equal(sb.len, 24 + 8 + 4);
	assert_memory_equal(sb.buf + 32, "\x02\x00\xce\xa9", 4);

	/* 65535-byte ID is fine, 65536 is not */
	big = malloc(65536);
	memset(big, 'a', 65536);
	bf_strbuf_reset(&sb);
	ids[0].p = "x";
	ids[0].len = 1;
	ids[1].p = big;
	ids[1].len = 65535;
	assert_int_equal(bgen_header(&p, 1, ids, 2, &sb, &err), 0);
	bf_strbuf_reset(&sb);
	ids[1].p = "ab";
	ids[1].len = 2;
	{
		/* message with repr: use a short string to check the format */
		struct fmt_str one = {big, 65536};
		char want_msg[128];
		assert_int_equal(bgen_header(&p, 1, &one, 1, &sb, &err), BF_E_RANGE);
		assert_int_equal(sb.len, 0);
		snprintf(want_msg, sizeof(want_msg), "Sample ID 'aaaa");
		assert_memory_equal(err.msg, want_msg, strlen(want_msg));
		big[0] = '\'';
		assert_int_equal(bgen_header(&p, 1, &one, 1, &sb, &err), BF_E_RANGE);
		assert_memory_equal(err.msg, "Sample ID \"'aaa", 15);
	}
	free(big);
	bf_strbuf_release(&sb);
}

static void test_header_exact_repr_message(void **state)
{
	/* the exact message for an overlong ID, checked on the tail of the text */
	char *big = malloc(65536 + 1);
	struct fmt_str one = {big, 65536};
	struct bgen_params p;
	struct bf_strbuf sb = BF_STRBUF_INIT, want = BF_STRBUF_INIT;
	struct bf_err err;

	(void)state;
	memset(big, 'a', 65536);
	bgen_params_init(&p, false);
	assert_int_equal(bgen_header(&p, 1, &one, 1, &sb, &err), BF_E_RANGE);
	/* bf_err truncates long messages; the prefix must match the Python text */
	assert_int_equal(bf_strbuf_adds(&want, "Sample ID "), 0);
	assert_int_equal(bf_pyrepr_strn(&want, big, 65536, false), 0);
	assert_int_equal(bf_strbuf_adds(&want, " exceeds BGEN's 65535-byte sample-id limit."), 0);
	assert_memory_equal(err.msg, want.buf, strlen(err.msg));
	/* no header samples: no check */
	p.header_samples = false;
	assert_int_equal(bgen_header(&p, 1, &one, 1, &sb, &err), 0);
	bf_strbuf_release(&sb);
	bf_strbuf_release(&want);
	free(big);
}

static void test_sizes(void **state)
{
	static const struct {
		size_t s;
		int ploidy;
		uint64_t geno, zsize, bpv;
	} rows[] = {
	    {0, 2, 10, 21, 113},
	    {1, 2, 13, 24, 116},
	    {3, 2, 19, 30, 122},
	    {3, 1, 16, 27, 119},
	    {200, 2, 610, 621, 713},
	    {21840, 2, 65530, 65541, 65633},
	    {21842, 2, 65536, 65552, 65644},
	    {100000, 2, 300010, 300041, 300133},
	};
	struct bgen_params p;
	size_t i;

	(void)state;
	bgen_params_init(&p, true);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(bgen_geno_size(rows[i].s, rows[i].ploidy), rows[i].geno);
		assert_int_equal(bgen_stored_zsize(rows[i].geno), rows[i].zsize);
		assert_int_equal(bgen_fixed_bytes_per_variant(&p, rows[i].s, rows[i].ploidy),
				 rows[i].bpv);
	}
	assert_int_equal(bgen_stored_zsize(0), 11);
	assert_int_equal(bgen_stored_zsize(65535), 2 + 5 + 65535 + 4);
	assert_int_equal(bgen_stored_zsize(65536), 2 + 10 + 65536 + 4);
	assert_int_equal(bgen_fixed_bytes_per_variant(&p, 3, 3), 0);
}

/* ---- genotype blocks --------------------------------------------------- */

static void check_block(const int8_t *gt, const uint8_t *ph, size_t s, int ploidy, bool unph,
			const char *hex, bool want_mixed)
{
	uint8_t out[256], want[256];
	size_t len = 0, n = unhex(hex, want);
	bool mixed = !want_mixed;
	struct bf_err err;

	assert_int_equal(
	    bgen_geno_block(gt, ph, s, ploidy, unph, out, sizeof(out), &len, &mixed, &err), 0);
	assert_int_equal(len, n);
	assert_memory_equal(out, want, n);
	assert_int_equal(mixed, want_mixed);
}

static void test_geno_block(void **state)
{
	static const uint8_t all1[3] = {1, 1, 1};
	static const int8_t hap[] = {0, 1, -1};
	static const int8_t mix[] = {0, -2, 1, 1, -1, -2, 0, -1, -1, 0};
	static const int8_t ph4[] = {0, 0, 0, 1, 1, 0, 1, 1};
	static const uint8_t ph4f[] = {1, 1, 1, 1};
	static const uint8_t ph4m[] = {1, 0, 1, 1};
	static const int8_t bad[][2] = {{2, 0}, {0, 2}, {-3, 0}, {0, -3}, {-2, 0}, {-2, -2}};
	uint8_t out[64];
	size_t len, i;
	struct bf_err err;

	(void)state;
	/* spec section 11: msprime variant 1:3, phased */
	check_block(fx_m_gt, all1, 3, 2, false,
		    "03 00 00 00 02 00 02 02 02 02 02 01 08 ff ff ff 00 ff ff", false);
	/* the same with --unphased */
	check_block(fx_m_gt, all1, 3, 2, true,
		    "03 00 00 00 02 00 02 02 02 02 02 00 08 ff 00 00 ff ff 00", false);
	/* sample variant 0, mixed phase -> unphased */
	check_block(fx_s_gt, fx_s_phased, 3, 2, false,
		    "03 00 00 00 02 00 02 02 02 02 02 00 08 ff 00 ff 00 00 ff", true);
	/* ploidy-1 store: widened, Pmin = Pmax = 1 */
	check_block(hap, NULL, 3, 1, false, "03 00 00 00 02 00 01 01 01 01 81 00 08 ff 00 00",
		    false);
	/* mixed ploidy in a diploid store: 0x01 / 0x81 / 0x82 */
	check_block(mix, NULL, 5, 2, false,
		    "05 00 00 00 02 00 01 02 01 02 81 82 82 00 08 ff 00 00 00 00 00 00 00", false);
	/* phased diploid codes */
	check_block(ph4, ph4f, 4, 2, false,
		    "04 00 00 00 02 00 02 02 02 02 02 02 01 08 ff ff ff 00 00 ff 00 00", false);
	check_block(ph4, ph4m, 4, 2, false,
		    "04 00 00 00 02 00 02 02 02 02 02 02 00 08 ff 00 00 ff 00 ff 00 00", true);
	/* S = 0: Pmin = Pmax = 2, phased 1 when the phased array is present */
	check_block(ph4, ph4f, 0, 2, false, "00 00 00 00 02 00 02 02 01 08", false);
	check_block(ph4, NULL, 0, 2, false, "00 00 00 00 02 00 02 02 00 08", false);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int8_t g[4] = {0, 0, bad[i][0], bad[i][1]};
		int rc = bgen_geno_block(g, NULL, 2, 2, false, out, sizeof(out), &len, NULL, &err);
		if (i < 4)
			expect_err(rc, BF_E_RANGE, &err,
				   "BGEN encoder: genotype value out of range; biallelic input "
				   "expects values in {-2, -1, 0, 1}");
		else
			expect_err(rc, BF_E_RANGE, &err,
				   "BGEN encoder: -2 in genotype slot 0 (zero-ploidy / unused "
				   "sample) is not representable in BGEN");
	}
	/* too small a buffer is refused, not overrun */
	assert_int_equal(bgen_geno_block(fx_s_gt, NULL, 3, 2, false, out, 18, &len, NULL, &err),
			 BF_E_INVAL);
}

/* ---- golden files -------------------------------------------------------- */

static void write_rows_and_compare(const struct bgen_params *p, const struct fmt_chunk *c,
				   const uint64_t *starts, const uint64_t *sizes,
				   const char *rows_name);

static void run_golden(const struct bgen_params *p, const struct fmt_chunk *c,
		       const struct fmt_str *ids, const char *name, const char *rows_name,
		       size_t want_total, uint64_t want_mixed)
{
	struct bf_strbuf file = BF_STRBUF_INIT;
	uint64_t starts[8], sizes[8], mixed = 0;

	build_bgen(p, c, ids, &file, starts, sizes, &mixed);
	assert_int_equal(file.len, want_total);
	assert_int_equal(mixed, want_mixed);
	write_rows_and_compare(p, c, starts, sizes, rows_name);
	compare_golden(name, &file);
	bf_strbuf_release(&file);
}

static void test_fixed_golden(void **state)
{
	struct bgen_params p;
	struct fmt_chunk c = fx_s_chunk();
	struct bf_strbuf file = BF_STRBUF_INIT;
	uint64_t starts[6], sizes[6], mixed = 0;
	uint8_t want[200];
	size_t n;

	(void)state;
	bgen_params_init(&p, true);
	build_bgen(&p, &c, fx_s_ids, &file, starts, sizes, &mixed);
	assert_int_equal(file.len, 791);
	want[0] = 0x3b;
	want[1] = 0x00;
	memset(want + 2, 0x2e, 59);
	n = 61 + unhex("01 00 2e  02 00 31 39  6f 00 00 00  02 00  01 00 00 00 41  01 00 00 00 43"
		       "22 00 00 00  13 00 00 00  78 01  01 13 00 ec ff"
		       "03 00 00 00 02 00 02 02  02 02 02  00 08  ff 00 ff 00 00 ff   0c 05 03 15",
		       want + 61);
	assert_int_equal(n, 122);
	assert_memory_equal(file.buf + 59, want, 122);
	assert_int_equal(mixed, 6);
	bf_strbuf_release(&file);
	run_golden(&p, &c, fx_s_ids, "fixed.bgen", "fixed.rows", 791, 6);
}

static void test_fixed_varid_x32_golden(void **state)
{
	struct bgen_params p;
	struct fmt_chunk c = fx_s_chunk();

	(void)state;
	bgen_params_init(&p, true);
	p.total_string_length = 32;
	p.pad_byte = 'x';
	p.id_in_rsid = false;
	p.string_opts_given = true;
	assert_int_equal(bgen_params_validate(&p, NULL), 0);
	run_golden(&p, &c, fx_s_ids, "fixed_varid_x32.bgen", "fixed_varid_x32.rows", 59 + 6 * 90,
		   6);
}

static void test_variable_golden(void **state)
{
	static const char *blk0 =
	    "01 00 2e 01 00 2e 02 00 31 39 6f 00 00 00 02 00 01 00 00 00 41 01 00 00 00 43 1d "
	    "00 00 00 13 00 00 00 78 01 63 66 60 60 60 62 60 02 01 06 8e ff 0c ff 19 18 fe 03 00 "
	    "0c 05 03 15";
	static const uint64_t l1[6] = {59, 59, 65, 59, 56, 58}, l0[6] = {64, 64, 72, 64, 64, 64};
	struct bgen_params p;
	struct fmt_chunk c = fx_s_chunk();
	struct bf_strbuf file = BF_STRBUF_INIT;
	uint64_t starts[6], sizes[6], mixed = 0;
	uint8_t want[64];
	size_t n;

	(void)state;
	bgen_params_init(&p, false);
	build_bgen(&p, &c, fx_s_ids, &file, starts, sizes, &mixed);
	assert_int_equal(file.len, 415);
	assert_memory_equal(sizes, l1, sizeof(l1));
	n = unhex(blk0, want);
	assert_int_equal(n, 59);
	assert_memory_equal(file.buf + 59, want, 59);
	assert_int_equal(mixed, 6);

	p.compression_level = 0;
	build_bgen(&p, &c, fx_s_ids, &file, starts, sizes, &mixed);
	assert_int_equal(file.len, 451);
	assert_memory_equal(sizes, l0, sizeof(l0));

	p.compression_level = -1;
	build_bgen(&p, &c, fx_s_ids, &file, starts, sizes, &mixed);
	assert_int_equal(file.len, 415);
	assert_memory_equal(file.buf + 59 + 34, "\x78\x9c", 2);
	bf_strbuf_release(&file);

	p.compression_level = 1;
	run_golden(&p, &c, fx_s_ids, "var_l1.bgen", "var_l1.rows", 415, 6);
	p.compression_level = 0;
	run_golden(&p, &c, fx_s_ids, "var_l0.bgen", "var_l0.rows", 451, 6);
	p.compression_level = -1;
	run_golden(&p, &c, fx_s_ids, "var_l6.bgen", "var_l6.rows", 415, 6);
	p.compression_level = 6;
	run_golden(&p, &c, fx_s_ids, "var_l6.bgen", "var_l6.rows", 415, 6);
	p.compression_level = 1;
	p.header_samples = false;
	run_golden(&p, &c, fx_s_ids, "var_nohdr.bgen", "var_nohdr.rows", 415 - 35, 6);
}

static void test_msprime_golden(void **state)
{
	struct bgen_params p;
	struct fmt_chunk c = fx_m_chunk();

	(void)state;
	bgen_params_init(&p, true);
	run_golden(&p, &c, fx_m_ids, "msprime/fixed_phased.bgen", "msprime/fixed_phased.rows",
		   53 + 4 * 122, 0);
	bgen_params_init(&p, false);
	run_golden(&p, &c, fx_m_ids, "msprime/var_l1_phased.bgen", "msprime/var_l1_phased.rows",
		   53 + 58 * 4, 0);
	p.unphased = true;
	run_golden(&p, &c, fx_m_ids, "msprime/var_l1_unphased.bgen", "msprime/var_l1_unphased.rows",
		   53 + 58 + 56 + 56 + 58, 0);
}

/* ---- stored framing at the 65535 boundaries ---------------------------------- */

static void test_fixed_stored_boundaries(void **state)
{
	static const size_t samples[] = {0, 1, 21840, 21841, 21842, 43689, 43690, 43691, 70000};
	struct bgen_params p;
	size_t k;

	(void)state;
	bgen_params_init(&p, true);
	for (k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		size_t s = samples[k], i;
		struct fmt_variant v = FX_VAR("1", 100, "id", "A", "T");
		int8_t *gt = malloc(2 * s + 2);
		uint64_t bpv = bgen_fixed_bytes_per_variant(&p, s, 2);
		uint64_t geno = bgen_geno_size(s, 2);
		uint8_t *out = malloc(bpv), *block = malloc(geno), *ref, *back;
		uLongf rlen = compressBound(geno), blen = geno;
		size_t glen;
		struct fmt_chunk c = {1, &v, s, 2, gt, NULL, NULL};
		struct bf_err err;
		const uint8_t *z = NULL;

		for (i = 0; i < 2 * s; i++)
			gt[i] = (int8_t)((i * 7 + i / 3) % 3 - 1);
		assert_int_equal(bgen_encode_fixed_chunk(&p, &c, out, bpv, NULL, &err), 0);
		assert_int_equal(
		    bgen_geno_block(gt, NULL, s, 2, false, block, geno, &glen, NULL, &err), 0);
		assert_int_equal(glen, geno);
		ref = malloc(rlen);
		assert_int_equal(compress2(ref, &rlen, block, geno, 0), Z_OK);
		assert_int_equal(rlen, bgen_stored_zsize(geno));
		z = out + 28 + 64;
		/* C and D */
		assert_int_equal(z[-8] | z[-7] << 8 | z[-6] << 16 | (uint32_t)z[-5] << 24,
				 4 + rlen);
		assert_int_equal(z[-4] | z[-3] << 8 | z[-2] << 16 | (uint32_t)z[-1] << 24, geno);
		assert_memory_equal(z, ref, rlen);
		back = malloc(geno + 1);
		assert_int_equal(uncompress(back, &blen, z, rlen), Z_OK);
		assert_int_equal(blen, geno);
		assert_memory_equal(back, block, geno);
		free(gt);
		free(out);
		free(block);
		free(ref);
		free(back);
	}
}

/* ---- from bit planes --------------------------------------------------------- */

/*
 * bgen_fixed_planes (fed the row in uneven segments of whole plane bytes)
 * plus bgen_encode_fixed_chunk_planned give bgen_encode_fixed_chunk's bytes:
 * phased, unphased and mixed-phase rows, missing calls, sample counts that
 * leave a partial 64-byte word; a value outside {-1, 0, 1} returns 1.
 */
/* bgen_fixed_planes against the byte path at one kernel level. */
static void fixed_planes_at(enum bf_simd level)
{
	static const size_t samples[] = {4, 32, 36, 100, 260, 1000, 21844};
	enum bf_simd was = bf_cpu_cap(level);

	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++)
		for (int mode = 0; mode < 4; mode++) {
			size_t n = samples[k], nv = 3;
			struct bgen_params p;
			struct fmt_variant v[3] = {FX_VAR("1", 100, "id", "A", "T"),
						   FX_VAR("2", 200, "rs2", "C", "G"),
						   FX_VAR("X", 300, ".", "G", "A")};
			int8_t *gt = malloc(nv * 2 * n);
			uint8_t *ph = malloc(nv * n), *planes = malloc(2 * n);
			uint64_t bpv;
			uint8_t *want, *got;
			struct fmt_chunk c = {nv, v, n, 2, gt, mode == 0 ? NULL : ph, NULL};
			uint64_t mixed_w = 0, mixed_g = 0;
			uint8_t flags[3];
			uint64_t acc[6] = {0};
			struct bf_err err;
			uint32_t x = (uint32_t)(k * 4 + (size_t)mode + 1);

			bgen_params_init(&p, true);
			p.unphased = mode == 3;
			bpv = bgen_fixed_bytes_per_variant(&p, n, 2);
			want = malloc(nv * bpv);
			got = malloc(nv * bpv);
			for (size_t i = 0; i < nv * 2 * n; i++) {
				x = x * 1103515245u + 12345u;
				gt[i] = (int8_t)((x >> 16) % 3) - 1;
			}
			for (size_t i = 0; i < nv * n; i++) /* row 0 phased, 1 mixed, 2 none */
				ph[i] = i < n ? 1 : i < 2 * n ? (i % 5 == 0) : 0;
			assert_int_equal(
			    bgen_encode_fixed_chunk(&p, &c, want, nv * bpv, &mixed_w, &err), 0);
			memset(got, 0xAA, nv * bpv);
			for (size_t r = 0; r < nv; r++) {
				uint8_t *geno = got + r * bpv + bgen_fixed_geno_offset(&p);
				uint8_t any = 0, all = 1;
				int fl;

				for (size_t i = 0; i < n; i++) {
					any |= ph[r * n + i];
					all &= ph[r * n + i] != 0;
				}
				flags[r] =
				    bgen_row_flags(c.phased != NULL, p.unphased, any, all, n);
				fl = flags[r] & BGEN_ROW_PHASED;
				size_t nb = n / 4, j = 0, step = 1;

				fx_bitshuffle(gt + r * 2 * n, 2 * n, planes);
				while (j < nb) { /* segments of 1, 2, 4, ... plane bytes */
					size_t len = step < nb - j ? step : nb - j;

					assert_int_equal(bgen_fixed_planes(planes + j, n / 4, len,
									   4 * j, n, fl, geno,
									   acc + 2 * r),
							 0);
					j += len;
					step = step * 2 + 1;
				}
			}
			assert_int_equal(bgen_encode_fixed_chunk_planned(&p, &c, flags, acc, got,
									 nv * bpv, &mixed_g, &err),
					 0);
			assert_memory_equal(got, want, nv * bpv);
			assert_int_equal(mixed_g, mixed_w);
			/* a 2 (or a -2 fill) is the byte path's to report */
			gt[2 * n - 1] = k % 2 ? 2 : -2;
			fx_bitshuffle(gt, 2 * n, planes);
			assert_int_equal(bgen_fixed_planes(planes, n / 4, n / 4, 0, n, 0,
							   got + bgen_fixed_geno_offset(&p), acc),
					 1);
			free(gt);
			free(ph);
			free(planes);
			free(want);
			free(got);
		}
	bf_cpu_cap(was);
}

/* Every kernel level this CPU has (a narrower one than the CPU's is capped). */
static void test_fixed_planes(void **state)
{
	(void)state;
	fixed_planes_at(BF_SIMD_SCALAR);
	if (bf_cpu_level() >= BF_SIMD_AVX2)
		fixed_planes_at(BF_SIMD_AVX2);
	if (bf_cpu_level() >= BF_SIMD_AVX512)
		fixed_planes_at(BF_SIMD_AVX512);
	else
		print_message("fixed planes: no AVX-512 on this CPU; levels up to %s tested\n",
			      bf_cpu_level_name(bf_cpu_level()));
}

/* ---- errors -------------------------------------------------------------- */

static void test_fixed_errors(void **state)
{
	struct bgen_params p;
	struct fmt_chunk c = fx_s_chunk();
	struct fmt_variant vars[6];
	int8_t gt[18];
	uint8_t out[6 * 122];
	struct bf_err err;

	(void)state;
	bgen_params_init(&p, true);
	c.ploidy = 3;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_UNSUPPORTED,
		   &err, "BgenEncoder requires call_genotype.shape[2] in (1, 2); got (6, 3, 3).");

	c = fx_s_chunk();
	memcpy(vars, fx_s_vars, sizeof(vars));
	c.variants = vars;
	vars[3].multi_allelic = true;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_UNSUPPORTED,
		   &err,
		   "Multi-allelic variants are not supported in BGEN output. Use --max-alleles 2 "
		   "to skip them, or split with bcftools norm -m- before conversion.");
	vars[3].multi_allelic = false;

	/* slack: the smallest-slack variant is named (ties: the first) */
	p.total_string_length = 5;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "variant at 20:14370: chrom/allele1/allele2/variant_id byte sum is 13, leaving "
		   "no room for the padding field's leading '.' under total_string_length=5");
	p.total_string_length = 13;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "variant at 20:14370: chrom/allele1/allele2/variant_id byte sum is 13, leaving "
		   "no room for the padding field's leading '.' under total_string_length=13");
	p.total_string_length = 14; /* slack 1: just '.' */
	assert_int_equal(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), 0);
	assert_memory_equal(out, "\x09\x00.........\x01\x00.", 14);
	assert_memory_equal(out + 2 * 72, "\x01\x00.\x09\x00rs6", 8);
	c.n_variants = 2;
	p.total_string_length = 5; /* both used = 5: the first is named */
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "variant at 19:111: chrom/allele1/allele2/variant_id byte sum is 5, leaving no "
		   "room for the padding field's leading '.' under total_string_length=5");
	p.total_string_length = 64;

	/* positions outside int32 */
	c = fx_s_chunk();
	c.variants = vars;
	vars[1].pos = 3000000000LL;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "POS: integer values [111, 3000000000] fall outside the 32-bit range supported "
		   "by VCF output");
	vars[1].pos = 112;

	/* mixed ploidy, checked after the value checks */
	memcpy(gt, fx_s_gt, sizeof(gt));
	c.gt = gt;
	gt[7] = -2;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_UNSUPPORTED,
		   &err,
		   "variant at 19:112: BgenEncoder requires uniform ploidy across all samples "
		   "and variants; this chunk contains mixed ploidy. Use write_bgen() instead.");
	gt[11] = 2;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "BGEN encoder: genotype value out of range; biallelic input expects values in "
		   "{-2, -1, 0, 1}");
	gt[11] = 0;
	gt[7] = 0;
	gt[10] = -2;
	expect_err(bgen_encode_fixed_chunk(&p, &c, out, sizeof(out), NULL, &err), BF_E_RANGE, &err,
		   "BGEN encoder: -2 in genotype slot 0 (zero-ploidy / unused sample) is not "
		   "representable in BGEN");
	/* all-haploid in a diploid store is still mixed ploidy */
	{
		static const int8_t h[6] = {0, -2, 1, -2, -1, -2};
		struct fmt_chunk hc = {1, fx_s_vars, 3, 2, h, NULL, NULL};
		expect_err(
		    bgen_encode_fixed_chunk(&p, &hc, out, sizeof(out), NULL, &err),
		    BF_E_UNSUPPORTED, &err,
		    "variant at 19:111: BgenEncoder requires uniform ploidy across all "
		    "samples and variants; this chunk contains mixed ploidy. Use write_bgen() "
		    "instead.");
		/* a ploidy-1 store with the same calls encodes (119-byte blocks) */
		static const int8_t h1[3] = {0, 1, -1};
		struct fmt_chunk c1 = {1, fx_s_vars, 3, 1, h1, NULL, NULL};
		assert_int_equal(bgen_fixed_bytes_per_variant(&p, 3, 1), 119);
		assert_int_equal(bgen_encode_fixed_chunk(&p, &c1, out, 119, NULL, &err), 0);
		assert_memory_equal(
		    out + 92 + 7,
		    "\x03\x00\x00\x00\x02\x00\x01\x01\x01\x01\x81\x00\x08\xff\x00\x00", 16);
	}
	/* capacity */
	c = fx_s_chunk();
	assert_int_equal(bgen_encode_fixed_chunk(&p, &c, out, 6 * 122 - 1, NULL, &err), BF_E_INVAL);
}

static void test_variable_errors_and_ploidy(void **state)
{
	struct bgen_params p;
	struct fmt_chunk c = fx_s_chunk();
	struct bf_strbuf out = BF_STRBUF_INIT, scratch = BF_STRBUF_INIT;
	struct fmt_variant v = FX_VAR("1", 5, "", "A", "");
	static const int8_t mix[6] = {0, -2, 1, 1, -1, -2};
	static const int8_t bad[6] = {0, 0, 0, 5, 0, 0};
	struct bf_err err;
	uint64_t mixed = 0;
	char *big;

	(void)state;
	bgen_params_init(&p, false);
	c.ploidy = 4;
	expect_err(bgen_encode_variable_chunk(&p, &c, &scratch, &out, NULL, NULL, &err),
		   BF_E_UNSUPPORTED, &err,
		   "BGEN output requires call_genotype.shape[2] in (1, 2); got shape (6, 3, 4).");

	/* mixed ploidy is fine: Pmin 1, Pmax 2; empty ID -> '.', monomorphic -> '.' */
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err), 0);
	assert_memory_equal(out.buf,
			    "\x01\x00.\x01\x00.\x01\x00"
			    "1\x05\x00\x00\x00\x02\x00"
			    "\x01\x00\x00\x00"
			    "A\x01\x00\x00\x00.",
			    25);
	{
		uint8_t blk[64];
		uLongf bl = sizeof(blk);
		size_t clen = (uint8_t)out.buf[25] | (uint8_t)out.buf[26] << 8;
		assert_int_equal(out.buf[29], 17); /* D */
		assert_int_equal(uncompress(blk, &bl, (uint8_t *)out.buf + 33, clen - 4), Z_OK);
		assert_int_equal(bl, 10 + 3 + 4);
		assert_memory_equal(blk,
				    "\x03\x00\x00\x00\x02\x00\x01\x02\x01\x02\x81\x00\x08\xff"
				    "\x00\x00\x00",
				    17);
	}
	/* varid routing: ID first */
	bf_strbuf_reset(&out);
	p.id_in_rsid = false;
	v.id.p = "rsX";
	v.id.len = 3;
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err), 0);
	assert_memory_equal(out.buf, "\x03\x00rsX\x01\x00.", 8);
	p.id_in_rsid = true;

	bf_strbuf_reset(&out);
	expect_err(
	    bgen_encode_variable_variant(&p, &v, bad, NULL, 3, 2, &scratch, &out, &mixed, &err),
	    BF_E_RANGE, &err,
	    "BGEN encoder: genotype value out of range; biallelic input expects values in "
	    "{-2, -1, 0, 1}");
	assert_int_equal(out.len, 0);
	v.multi_allelic = true;
	expect_err(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err),
	    BF_E_UNSUPPORTED, &err,
	    "Multi-allelic variants are not supported in BGEN output. Use --max-alleles 2 "
	    "to skip them, or split with bcftools norm -m- before conversion.");
	v.multi_allelic = false;
	v.pos = -1;
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err),
	    BF_E_RANGE);
	v.pos = 4294967295LL;
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err), 0);
	bf_strbuf_reset(&out);
	big = malloc(65536);
	memset(big, 'r', 65536);
	v.id.p = big;
	v.id.len = 65536;
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err),
	    BF_E_RANGE);
	assert_int_equal(out.len, 0);
	v.id.len = 65535;
	assert_int_equal(
	    bgen_encode_variable_variant(&p, &v, mix, NULL, 3, 2, &scratch, &out, &mixed, &err), 0);
	free(big);
	assert_int_equal(mixed, 0);
	bf_strbuf_release(&out);
	bf_strbuf_release(&scratch);
}

/* ---- .bgi ----------------------------------------------------------------- */

static void format_row(struct bf_strbuf *sb, sqlite3_stmt *st)
{
	int i;
	assert_int_equal(bf_strbuf_addc(sb, '('), 0);
	for (i = 0; i < 8; i++) {
		if (i)
			assert_int_equal(bf_strbuf_adds(sb, ", "), 0);
		if (sqlite3_column_type(st, i) == SQLITE_TEXT) {
			assert_int_equal(bf_pyrepr_strn(sb,
							(const char *)sqlite3_column_text(st, i),
							(size_t)sqlite3_column_bytes(st, i), false),
					 0);
		} else {
			assert_int_equal(sqlite3_column_type(st, i), SQLITE_INTEGER);
			assert_int_equal(
			    bf_strbuf_addf(sb, "%lld", (long long)sqlite3_column_int64(st, i)), 0);
		}
	}
	assert_int_equal(bf_strbuf_adds(sb, ")\n"), 0);
}

static void read_rows(const char *path, struct bf_strbuf *sb)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT * FROM Variant ORDER BY rowid", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		format_row(sb, st);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void tmp_path(char *buf, size_t n)
{
	snprintf(buf, n, "/tmp/bf_test_bgi_%ld.bgi", (long)getpid());
}

static void write_rows_and_compare(const struct bgen_params *p, const struct fmt_chunk *c,
				   const uint64_t *starts, const uint64_t *sizes,
				   const char *rows_name)
{
	char path[128];
	struct bgi_writer *w;
	struct bf_strbuf rsid = BF_STRBUF_INIT, got = BF_STRBUF_INIT;
	struct bf_err err;
	size_t i, glen;
	unsigned char *g;

	tmp_path(path, sizeof(path));
	w = bgi_writer_create(path, &err);
	assert_non_null(w);
	for (i = 0; i < c->n_variants; i++) {
		struct bgi_row row;
		assert_int_equal(
		    bgi_row_for_variant(p, &c->variants[i], starts[i], sizes[i], &rsid, &row, &err),
		    0);
		assert_int_equal(bgi_writer_add(w, &row, &err), 0);
	}
	assert_int_equal(bgi_writer_finish(w, &err), 0);
	read_rows(path, &got);
	unlink(path);
	bf_strbuf_release(&rsid);
	g = fx_golden(rows_name, &glen);
	if (g) {
		assert_int_equal(got.len, glen);
		assert_memory_equal(got.buf, g, glen);
		free(g);
	}
	bf_strbuf_release(&got);
}

static void test_bgi_schema_and_rows(void **state)
{
	char path[128];
	struct bgi_row rows[2];
	struct bf_err err;
	sqlite3 *db;
	sqlite3_stmt *st;
	struct bf_strbuf got = BF_STRBUF_INIT;
	FILE *f;
	int n = 0;

	(void)state;
	tmp_path(path, sizeof(path));
	f = fopen(path, "w"); /* an existing file is replaced */
	assert_non_null(f);
	fputs("not a database", f);
	fclose(f);
	memset(rows, 0, sizeof(rows));
	rows[0].chrom.p = "19";
	rows[0].chrom.len = 2;
	rows[0].pos = 111;
	rows[0].rsid.p = ".";
	rows[0].rsid.len = 1;
	rows[0].allele1.p = "A";
	rows[0].allele1.len = 1;
	rows[0].allele2.p = "C";
	rows[0].allele2.len = 1;
	rows[0].file_start = 59;
	rows[0].size = 122;
	rows[1] = rows[0];
	rows[1].pos = 5000000000LL;
	rows[1].file_start = 181;
	assert_int_equal(bgi_write(path, rows, 2, &err), 0);
	read_rows(path, &got);
	assert_string_equal(got.buf, "('19', 111, '.', 2, 'A', 'C', 59, 122)\n"
				     "('19', 5000000000, '.', 2, 'A', 'C', 181, 122)\n");
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT type, name, rootpage, sql FROM sqlite_master "
					    "ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *sql = (const char *)sqlite3_column_text(st, 3);
		assert_int_equal(sqlite3_column_int(st, 2), n + 2);
		if (n == 0) {
			assert_string_equal(name, "Variant");
			assert_string_equal(sql, BGI_SQL_CREATE_TABLE);
		} else if (n == 1) {
			assert_string_equal(name, "sqlite_autoindex_Variant_1");
		} else {
			assert_string_equal(name, "position_idx");
			assert_string_equal(sql, BGI_SQL_CREATE_INDEX);
		}
		n++;
	}
	assert_int_equal(n, 3); /* no Metadata table */
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	bf_strbuf_release(&got);

	assert_null(bgi_writer_create("/nonexistent-dir/x.bgi", &err));
	assert_int_equal(err.code, BF_E_IO);
}

static void test_bgi_rsid(void **state)
{
	struct bgen_params p;
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct bf_err err;
	struct fmt_variant v = FX_VAR("chr1", 1, "", "AC", "");

	(void)state;
	bgen_params_init(&p, false);
	assert_int_equal(bgi_rsid_for_variant(&p, &v, &sb, &err), 0);
	assert_string_equal(sb.buf, ".");
	p.id_in_rsid = false;
	bf_strbuf_reset(&sb);
	assert_int_equal(bgi_rsid_for_variant(&p, &fx_s_vars[2], &sb, &err), 0);
	assert_string_equal(sb.buf, ".");
	bgen_params_init(&p, true);
	p.id_in_rsid = false;
	p.total_string_length = 12;
	p.pad_byte = '-';
	bf_strbuf_reset(&sb);
	/* used = 4 + 2 + 1 + 1 = 8, slack 4 */
	assert_int_equal(bgi_rsid_for_variant(&p, &v, &sb, &err), 0);
	assert_string_equal(sb.buf, ".---");
	p.total_string_length = 8;
	assert_int_equal(bgi_rsid_for_variant(&p, &v, &sb, &err), BF_E_RANGE);
	assert_string_equal(err.msg, "variant at chr1:1: chrom/allele1/allele2/variant_id byte sum "
				     "is 8, leaving no room for the padding field's leading '.' "
				     "under total_string_length=8");
	bf_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_check_contigs),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_header_exact_repr_message),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_geno_block),
	    cmocka_unit_test(test_fixed_golden),
	    cmocka_unit_test(test_fixed_varid_x32_golden),
	    cmocka_unit_test(test_variable_golden),
	    cmocka_unit_test(test_msprime_golden),
	    cmocka_unit_test(test_fixed_stored_boundaries),
	    cmocka_unit_test(test_fixed_planes),
	    cmocka_unit_test(test_fixed_errors),
	    cmocka_unit_test(test_variable_errors_and_ploidy),
	    cmocka_unit_test(test_bgi_schema_and_rows),
	    cmocka_unit_test(test_bgi_rsid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
