/*
 * test_plink_text.c - .bim/.fam rows, .sample text, Python repr and the
 * whitespace checks.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fmt_fixtures.h"
#include "format/fmt_text.h"
#include "util/pyrepr.h"
#include "format/plink_text.h"
#include "format/sample_file.h"
#include "util/err.h"
#include "util/strbuf.h"

static void check_norm(const char *in, const char *want)
{
	struct fmt_str s = {in, strlen(in)}, r = plink_normalise_chrom(s);
	assert_int_equal(r.len, strlen(want));
	assert_memory_equal(r.p, want, r.len);
}

static void test_chrom_normalise(void **state)
{
	(void)state;
	check_norm("chr1", "1");
	check_norm("chr9", "9");
	check_norm("chr10", "10");
	check_norm("chr19", "19");
	check_norm("chr22", "22");
	check_norm("chrX", "X");
	check_norm("chrY", "Y");
	check_norm("chrMT", "MT");
	check_norm("chrM", "MT");
	check_norm("1", "1");
	check_norm("X", "X");
	check_norm("MT", "MT");
	check_norm("M", "M");
	check_norm("CHR1", "CHR1");
	check_norm("chr23", "chr23");
	check_norm("chr0", "chr0");
	check_norm("chr01", "chr01");
	check_norm("chrFoo", "chrFoo");
	check_norm("chrUn_random", "chrUn_random");
	check_norm("chrXY", "chrXY");
	check_norm("chrx", "chrx");
	check_norm("chr", "chr");
	check_norm("ch", "ch");
	check_norm("", "");
}

static const char s_bim[] = "19\t.\t0\t111\tC\tA\n"
			    "19\t.\t0\t112\tG\tA\n"
			    "20\trs6054257\t0\t14370\tA\tG\n"
			    "20\t.\t0\t17330\tA\tT\n"
			    "20\t.\t0\t1230237\t.\tT\n"
			    "20\t.\t0\t1235237\t.\tT\n";

static void bim_of(const struct fmt_variant *v, size_t n, struct bf_strbuf *sb)
{
	size_t i;
	struct bf_err err;
	for (i = 0; i < n; i++)
		assert_int_equal(bim_append_row(sb, &v[i], &err), 0);
}

static void compare_golden_text(const char *name, const struct bf_strbuf *sb)
{
	size_t glen;
	unsigned char *g = fx_golden(name, &glen);
	if (!g)
		skip();
	assert_int_equal(sb->len, glen);
	assert_memory_equal(sb->buf, g, glen);
	free(g);
}

static void test_bim_golden(void **state)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;

	(void)state;
	bim_of(fx_s_vars, 6, &sb);
	assert_string_equal(sb.buf, s_bim);
	compare_golden_text("s.bim", &sb);
	bf_strbuf_release(&sb);
}

static void test_bim_golden_msprime(void **state)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;

	(void)state;
	bim_of(fx_m_vars, 4, &sb);
	assert_string_equal(sb.buf, "1\t1\t0\t3\tT\tC\n1\t2\t0\t4\tC\tG\n1\t3\t0\t6\tT\tC\n"
				    "1\t4\t0\t9\tC\tA\n");
	compare_golden_text("msprime/m.bim", &sb);
	bf_strbuf_release(&sb);
}

static void test_bim_fields(void **state)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct fmt_variant v = FX_VAR("chrM", 5000000000LL, "x\"y", "A", "G");
	struct bf_err err;

	(void)state;
	assert_int_equal(bim_append_row(&sb, &v, &err), 0);
	assert_string_equal(sb.buf, "MT\t\"x\"\"y\"\t0\t5000000000\tG\tA\n");
	bf_strbuf_reset(&sb);
	v.has_id = false; /* no variant_id array -> '.' */
	v.chrom.p = "chr2";
	v.alt.len = 0;
	v.ref.p = "a\tb";
	v.ref.len = 3;
	assert_int_equal(bim_append_row(&sb, &v, &err), 0);
	assert_string_equal(sb.buf, "2\t.\t0\t5000000000\t.\t\"a\tb\"\n");
	bf_strbuf_reset(&sb);
	v.has_id = true; /* stored "" stays empty in .bim */
	v.id.len = 0;
	v.ref.p = "C\rD";
	assert_int_equal(bim_append_row(&sb, &v, &err), 0);
	assert_string_equal(sb.buf, "2\t\t0\t5000000000\t.\tC\rD\n");

	bf_strbuf_reset(&sb);
	assert_int_equal(bim_append_row(&sb, &fx_s_vars[0], &err), 0);
	v.multi_allelic = true;
	assert_int_equal(bim_append_row(&sb, &v, &err), BF_E_UNSUPPORTED);
	assert_string_equal(
	    err.msg, "Multi-allelic variants are not supported in PLINK 1 binary output (plink 2 "
		     "--make-bed has the same restriction). Use --max-alleles 2 to skip them, or "
		     "split with bcftools norm -m- before conversion.");
	assert_string_equal(sb.buf, "19\t.\t0\t111\tC\tA\n");
	bf_strbuf_release(&sb);
}

static void test_fam_golden(void **state)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct bf_err err;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(fam_append_row(&sb, fx_s_ids[i].p, fx_s_ids[i].len, &err), 0);
	assert_string_equal(sb.buf, "NA00001\tNA00001\t0\t0\t0\t-9\n"
				    "NA00002\tNA00002\t0\t0\t0\t-9\n"
				    "NA00003\tNA00003\t0\t0\t0\t-9\n");
	compare_golden_text("s.fam", &sb);
	bf_strbuf_reset(&sb);
	for (i = 0; i < 3; i++)
		assert_int_equal(fam_append_row(&sb, fx_m_ids[i].p, fx_m_ids[i].len, &err), 0);
	compare_golden_text("msprime/m.fam", &sb);
	bf_strbuf_reset(&sb);
	assert_int_equal(fam_append_row(&sb, "a\"b", 3, &err), 0);
	assert_string_equal(sb.buf, "\"a\"\"b\"\t\"a\"\"b\"\t0\t0\t0\t-9\n");
	bf_strbuf_release(&sb);
}

static void check_fam_ws(const char *id, const char *repr)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct bf_err err;
	char want[512];

	snprintf(want, sizeof(want),
		 "Sample ID %s contains whitespace; PLINK FAM is whitespace-separated.", repr);
	assert_int_equal(fam_append_row(&sb, id, strlen(id), &err), BF_E_INVAL);
	assert_string_equal(err.msg, want);
	assert_int_equal(sb.len, 0);
	bf_strbuf_release(&sb);
}

static void test_fam_whitespace(void **state)
{
	(void)state;
	check_fam_ws("has space", "'has space'");
	check_fam_ws("tab\there", "'tab\\there'");
	check_fam_ws("nl\n", "'nl\\n'");
	check_fam_ws("cr\r", "'cr\\r'");
	check_fam_ws("vt\x0b", "'vt\\x0b'");
	check_fam_ws("ff\x0c", "'ff\\x0c'");
	check_fam_ws("fs\x1c", "'fs\\x1c'");
	check_fam_ws("us\x1f", "'us\\x1f'");
	check_fam_ws("it's x", "\"it's x\"");
	check_fam_ws("nel\xc2\x85", "'nel\\x85'");
	check_fam_ws("nbsp\xc2\xa0", "'nbsp\\xa0'");
	check_fam_ws("ogham\xe1\x9a\x80", "'ogham\\u1680'");
	check_fam_ws("en\xe2\x80\x80", "'en\\u2000'");
	check_fam_ws("hair\xe2\x80\x8a", "'hair\\u200a'");
	check_fam_ws("ls\xe2\x80\xa8", "'ls\\u2028'");
	check_fam_ws("ps\xe2\x80\xa9", "'ps\\u2029'");
	check_fam_ws("nnbsp\xe2\x80\xaf", "'nnbsp\\u202f'");
	check_fam_ws("mmsp\xe2\x81\x9f", "'mmsp\\u205f'");
	check_fam_ws("ideo\xe3\x80\x80", "'ideo\\u3000'");
	check_fam_ws("\xce\xa9 x", "'\xce\xa9 x'");
}

static void test_no_whitespace(void **state)
{
	/* not str.isspace(): U+200B zero width space, U+180E, U+FEFF, controls 0x01 */
	static const char *ok[] = {"a\xe2\x80\x8b", "a\xe1\xa0\x8e", "a\xef\xbb\xbf",
				   "a\x01",	    "\xce\xa9",	     "x\xff"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_false(bf_py_has_space(ok[i], strlen(ok[i])));
	assert_true(bf_py_has_space(" ", 1));
	assert_false(bf_py_has_space("", 0));
}

static void check_repr(const char *s, size_t len, const char *want)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	assert_int_equal(bf_pyrepr_strn(&sb, s, len, false), 0);
	assert_string_equal(sb.buf, want);
	bf_strbuf_release(&sb);
}

static void test_py_repr(void **state)
{
	(void)state;
	check_repr("", 0, "''");
	check_repr("abc", 3, "'abc'");
	check_repr("it's", 4, "\"it's\"");
	check_repr("say \"hi\"", 8, "'say \"hi\"'");
	check_repr("a'b\"c", 5, "'a\\'b\"c'");
	check_repr("back\\slash", 10, "'back\\\\slash'");
	check_repr("\x01\x1f\x7f", 3, "'\\x01\\x1f\\x7f'");
	check_repr("nul\0x", 5, "'nul\\x00x'");
	check_repr("\xce\xa9", 2, "'\xce\xa9'");		 /* printable: kept */
	check_repr("\xc2\xad", 2, "'\\xad'");			 /* soft hyphen */
	check_repr("\xe2\x80\x8b", 3, "'\\u200b'");		 /* ZWSP (Cf) */
	check_repr("\xf0\x9f\x98\x80", 4, "'\xf0\x9f\x98\x80'"); /* emoji kept */
	check_repr("\xf3\xa0\x80\x81", 4, "'\\U000e0001'");	 /* language tag (Cf) */
	check_repr("bad\xff", 4, "'bad\\xff'");
}

static void test_sample_file(void **state)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	struct fmt_str bad[2] = {FS("ok"), FS("has space")};
	struct bf_err err;
	size_t glen;
	unsigned char *g;

	(void)state;
	assert_int_equal(sample_file_text(fx_s_ids, 3, &sb, &err), 0);
	assert_string_equal(sb.buf, "ID_1 ID_2 missing\n0 0 0\nNA00001 NA00001 0\n"
				    "NA00002 NA00002 0\nNA00003 NA00003 0\n");
	g = fx_golden("s.sample", &glen);
	if (g) {
		assert_int_equal(glen, sb.len);
		assert_memory_equal(g, sb.buf, glen);
		free(g);
	}
	bf_strbuf_reset(&sb);
	assert_int_equal(sample_file_text(NULL, 0, &sb, &err), 0);
	assert_string_equal(sb.buf, "ID_1 ID_2 missing\n0 0 0\n");
	bf_strbuf_reset(&sb);
	assert_int_equal(sample_file_text(bad, 2, &sb, &err), BF_E_INVAL);
	assert_string_equal(err.msg, "Sample ID 'has space' contains whitespace; Oxford .sample "
				     "files are whitespace-separated.");
	assert_int_equal(sb.len, 0);
	bf_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chrom_normalise),    cmocka_unit_test(test_bim_golden),
	    cmocka_unit_test(test_bim_golden_msprime), cmocka_unit_test(test_bim_fields),
	    cmocka_unit_test(test_fam_golden),	       cmocka_unit_test(test_fam_whitespace),
	    cmocka_unit_test(test_no_whitespace),      cmocka_unit_test(test_py_repr),
	    cmocka_unit_test(test_sample_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
