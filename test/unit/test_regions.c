/*
 * test_regions.c - region strings and files (select/regions), region sets,
 * variant types (select/vtype) and the region_index unit (select/sites).
 * Expected values come from bcftools 1.16 / htslib 1.16 behaviour (run by
 * hand on the same inputs; see docs/selection.md).
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "select/regions.h"
#include "select/sites.h"
#include "select/vtype.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define END REGION_END_MAX

static void check_list(const struct region_list *l, size_t n, const char *const *names,
		       const int64_t *be)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(l->r[i].contig, names[i]);
		assert_int_equal(l->r[i].beg, be[2 * i]);
		assert_int_equal(l->r[i].end, be[2 * i + 1]);
	}
}

static void parse_ok(const char *s, size_t n, const char *const *names, const int64_t *be)
{
	struct region_list l = {0};
	struct bf_err err;

	bf_err_clear(&err);
	assert_int_equal(region_list_parse(s, &l, &err), 0);
	check_list(&l, n, names, be);
	region_list_release(&l);
}

static void parse_bad(const char *s)
{
	struct region_list l = {0};
	struct bf_err err;
	char want[256];

	bf_err_clear(&err);
	assert_int_equal(region_list_parse(s, &l, &err), BF_E_INVAL);
	snprintf(want, sizeof(want), "could not parse the region(s): %s", s);
	assert_string_equal(err.msg, want);
	region_list_release(&l);
}

static void test_strings(void **state)
{
	(void)state;
	parse_ok("chr1", 1, (const char *[]){"chr1"}, (const int64_t[]){1, END});
	parse_ok("chr1:100", 1, (const char *[]){"chr1"}, (const int64_t[]){100, 100});
	parse_ok("chr1:100-200", 1, (const char *[]){"chr1"}, (const int64_t[]){100, 200});
	parse_ok("chr1:100-", 1, (const char *[]){"chr1"}, (const int64_t[]){100, END});
	parse_ok("1,2:5-6,X:7", 3, (const char *[]){"1", "2", "X"},
		 (const int64_t[]){1, END, 5, 6, 7, 7});
	/* empty items are skipped */
	parse_ok(",1,,2,", 2, (const char *[]){"1", "2"}, (const int64_t[]){1, END, 1, END});
	parse_ok("", 0, NULL, NULL);
	/* hts_parse_decimal: suffixes, exponents, fractions, blanks */
	parse_ok("1:10k-0.2M", 1, (const char *[]){"1"}, (const int64_t[]){10000, 200000});
	parse_ok("1:1e3-2.5e3", 1, (const char *[]){"1"}, (const int64_t[]){1000, 2500});
	parse_ok("1: 100-1.7", 1, (const char *[]){"1"}, (const int64_t[]){100, 1});
	/* CHROM:-1 is htslib's whole-contig marker */
	parse_ok("1:-1", 1, (const char *[]){"1"}, (const int64_t[]){1, END});
	/* the first ':' ends the name; blanks are part of it */
	parse_ok(" X", 1, (const char *[]){" X"}, (const int64_t[]){1, END});
	parse_bad("chr1:");
	parse_bad("chr1:x");
	parse_bad("chr1:1:100-200");
	parse_bad("chr1:100-200x");
	parse_bad("chr1:100+5");
	parse_bad("HLA-A*01:01:01");
}

static void text_ok(const char *text, bool bed, size_t n, const char *const *names,
		    const int64_t *be)
{
	struct region_list l = {0};
	struct bf_err err;

	bf_err_clear(&err);
	assert_int_equal(region_list_parse_text(text, strlen(text), bed, "f", &l, &err), 0);
	check_list(&l, n, names, be);
	region_list_release(&l);
}

static void text_bad(const char *text, const char *msg)
{
	struct region_list l = {0};
	struct bf_err err;

	bf_err_clear(&err);
	assert_int_equal(region_list_parse_text(text, strlen(text), false, "f", &l, &err),
			 BF_E_INVAL);
	assert_string_equal(err.msg, msg);
	region_list_release(&l);
}

static void test_files(void **state)
{
	(void)state;
	text_ok("1\t10\t20\n2\t5\t5\textra\tcols\n", false, 2, (const char *[]){"1", "2"},
		(const int64_t[]){10, 20, 5, 5});
	text_ok("1\t10\n2\t7\n", false, 2, (const char *[]){"1", "2"},
		(const int64_t[]){10, 10, 7, 7});
	/* a 3-column line in a 2-column file: third column ignored (bcftools) */
	text_ok("1\t10\n2\t7\t9\n", false, 2, (const char *[]){"1", "2"},
		(const int64_t[]){10, 10, 7, 7});
	/* comments, blank lines, CRLF, no final newline */
	text_ok("# head\n\n1\t10\t20\r\n\n#x\n2\t3\t4", false, 2, (const char *[]){"1", "2"},
		(const int64_t[]){10, 20, 3, 4});
	/* BED: 0-based half-open starts */
	text_ok("1\t0\t100\n2\t9\t10\n", true, 2, (const char *[]){"1", "2"},
		(const int64_t[]){1, 100, 10, 10});
	text_ok("1\t9\n", true, 1, (const char *[]){"1"}, (const int64_t[]){10, 9});
	text_bad("1\t10\t20\n2\t5\n", "could not parse line 2 of 'f': expected CHROM<TAB>POS or "
				      "CHROM<TAB>BEG<TAB>END");
	text_bad("1 10 20\n", "could not parse line 1 of 'f': expected CHROM<TAB>POS or "
			      "CHROM<TAB>BEG<TAB>END");
	text_bad("1\t10x\t20\n", "could not parse line 1 of 'f': expected CHROM<TAB>POS or "
				 "CHROM<TAB>BEG<TAB>END");
	text_bad("# only\n\n", "no regions in 'f'");
	text_bad("", "no regions in 'f'");
}

static void test_read_file(void **state)
{
	char plain[] = "/tmp/bf_test_regionsXXXXXX", gz[64];
	struct region_list l = {0};
	struct bf_err err;
	gzFile g;
	int fd;

	(void)state;
	fd = mkstemp(plain);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1\t5\t6\n", 6), 6);
	close(fd);
	bf_err_clear(&err);
	assert_int_equal(region_list_read_file(plain, &l, &err), 0);
	check_list(&l, 1, (const char *[]){"1"}, (const int64_t[]){5, 6});
	region_list_release(&l);
	unlink(plain);

	/* gzip, and a .BED.gz name: 0-based starts */
	snprintf(gz, sizeof(gz), "%s.BED.gz", plain);
	g = gzopen(gz, "wb");
	assert_non_null(g);
	assert_int_equal(gzputs(g, "chr2\t99\t200\n"), 12);
	gzclose(g);
	assert_int_equal(region_list_read_file(gz, &l, &err), 0);
	check_list(&l, 1, (const char *[]){"chr2"}, (const int64_t[]){100, 200});
	region_list_release(&l);
	unlink(gz);

	assert_int_equal(region_list_read_file("/nonexistent/r.txt", &l, &err), BF_E_NOTFOUND);
	assert_string_equal(err.msg, "cannot open '/nonexistent/r.txt': No such file or directory");
}

static void test_sets(void **state)
{
	const char *contigs[] = {"1", "2", "X"};
	struct region_list l = {0};
	struct region_set s;
	struct bf_err err;

	(void)state;
	bf_err_clear(&err);
	assert_int_equal(
	    region_list_parse("2:100-200,Y,2:150-300,1:50,2:500-400,Z,Y,2:301-301", &l, &err), 0);
	assert_int_equal(region_set_build(&l, contigs, 3, &s, &err), 0);
	assert_int_equal(s.n_absent, 2);
	assert_string_equal(s.absent[0], "Y");
	assert_string_equal(s.absent[1], "Z");
	/* 2: [100,300] merged, [301,301] adjacent kept apart, [500,400] dropped */
	assert_int_equal(s.ivals[1].n, 2);
	assert_true(region_set_overlaps(&s, 1, 90, 100));
	assert_false(region_set_overlaps(&s, 1, 90, 99));
	assert_true(region_set_overlaps(&s, 1, 301, 301));
	assert_false(region_set_overlaps(&s, 1, 302, 450));
	assert_true(region_set_overlaps(&s, 1, 250, 250));
	/* beg > end (an insertion's variant span): needs end >= ibeg and beg <= iend */
	assert_true(region_set_overlaps(&s, 1, 300, 299));
	assert_false(region_set_overlaps(&s, 1, 302, 301));
	assert_true(region_set_overlaps(&s, 0, 50, 50));
	assert_false(region_set_overlaps(&s, 0, 51, 60));
	assert_false(region_set_overlaps(&s, 2, 1, END));
	assert_false(region_set_overlaps(&s, 7, 1, END));
	assert_true(region_set_has_contig(&s, 1));
	assert_false(region_set_has_contig(&s, 2));
	region_set_release(&s);
	region_list_release(&l);
}

static unsigned ty(const char *ref, const char *alt)
{
	return vtype_allele(ref, strlen(ref), alt, strlen(alt));
}

static void test_vtypes(void **state)
{
	unsigned m;
	const char *bad;
	size_t bl;

	(void)state;
	assert_int_equal(ty("A", "C"), VTYPE_SNP);
	assert_int_equal(ty("A", "A"), VTYPE_REF);
	assert_int_equal(ty("A", "a"), VTYPE_SNP); /* single bases compare case-sensitively */
	assert_int_equal(ty("A", "X"), VTYPE_REF);
	assert_int_equal(ty("A", "*"), VTYPE_OVERLAP);
	assert_int_equal(ty("A", "<DEL>"), VTYPE_OTHER);
	assert_int_equal(ty("A", "<NON_REF>"), VTYPE_REF);
	assert_int_equal(ty("A", "<*>"), VTYPE_REF);
	assert_int_equal(ty("A", "<X>"), VTYPE_REF);
	assert_int_equal(ty("A", "]1:5]A"), VTYPE_BND);
	assert_int_equal(ty("A", "A[1:5["), VTYPE_BND);
	assert_int_equal(ty("A", "AT"), VTYPE_INDEL);
	assert_int_equal(ty("ACGTA", "A"), VTYPE_INDEL);
	assert_int_equal(ty("AC", "GT"), VTYPE_MNP);
	assert_int_equal(ty("ACG", "T"), VTYPE_OTHER);
	assert_int_equal(ty("GT", "GA"), VTYPE_SNP);
	assert_int_equal(ty("CAT", "CGG"), VTYPE_MNP);
	assert_int_equal(ty("AAA", "AAT"), VTYPE_SNP);
	assert_int_equal(ty("AAA", "AGA"), VTYPE_SNP);
	assert_int_equal(ty("TG", "CA"), VTYPE_MNP);
	assert_int_equal(ty("AT", "ATT"), VTYPE_INDEL);
	assert_int_equal(ty("ACGT", "ATGT"), VTYPE_SNP);
	assert_int_equal(ty("ACGT", "AT"), VTYPE_INDEL);    /* suffix trimmed: CG deleted */
	assert_int_equal(ty("ACGT", "AGGCT"), VTYPE_OTHER); /* C->GGC */
	assert_int_equal(ty("acgt", "ACGTT"), VTYPE_INDEL);
	assert_int_equal(ty("AC", "AC"), VTYPE_REF);

	assert_true(vtype_parse_list("snps,indels", &m, &bad, &bl));
	assert_int_equal(m, VTYPE_SNP | VTYPE_INDEL);
	assert_true(vtype_parse_list("ref", &m, &bad, &bl));
	assert_int_equal(m, VTYPE_OTHER); /* bcftools 1.16 */
	assert_true(vtype_parse_list("mnps,bnd,other", &m, &bad, &bl));
	assert_int_equal(m, VTYPE_MNP | VTYPE_BND | VTYPE_OTHER);
	assert_false(vtype_parse_list("snps,,indels", &m, &bad, &bl));
	assert_int_equal(bl, 0);
	assert_false(vtype_parse_list("snps,SNPS", &m, &bad, &bl));
	assert_int_equal(bl, 4);
	assert_memory_equal(bad, "SNPS", 4);
}

static void test_index_unit(void **state)
{
	/* the sample fixture: 9 variants, call chunk 4 */
	const int64_t sample[] = {0, 0, 111,	 112,	  112,	   2, 0, 1, 14370, 17330, 17330, 2,
				  1, 1, 1110696, 1235237, 1235237, 4, 2, 2, 10,	   10,	  11,	 1};
	/* the same store indexed in variant_position chunks of 8 */
	const int64_t bypos[] = {0,	  0,	   111, 112, 112, 2,  0,  1,  14370,
				 1235237, 1235237, 6,	1,   2,	  10, 10, 11, 1};
	const int64_t short_mid[] = {0, 0, 1, 2, 2, 3, 1, 0, 5, 6, 6, 4};
	const int64_t one[] = {0, 0, 1, 9, 9, 9};

	(void)state;
	assert_int_equal(sites_index_unit(sample, 4, 9, 4, 8), 1);
	assert_int_equal(sites_index_unit(bypos, 3, 9, 4, 8), 2);
	assert_int_equal(sites_index_unit(short_mid, 2, 7, 4, 8), 0);
	/* one chunk number: the unit that holds every variant */
	assert_int_equal(sites_index_unit(one, 1, 9, 4, 12), 3);
	assert_int_equal(sites_index_unit(one, 1, 9, 10, 10), 1);
	assert_int_equal(sites_index_unit(one, 1, 9, 4, 6), 0);
	assert_int_equal(sites_index_unit(NULL, 0, 9, 4, 8), 0);
}

static void test_overlap_words(void **state)
{
	(void)state;
	assert_int_equal(sites_parse_overlap("pos"), SELECT_OVERLAP_POS);
	assert_int_equal(sites_parse_overlap("RECORD"), SELECT_OVERLAP_RECORD);
	assert_int_equal(sites_parse_overlap("2"), SELECT_OVERLAP_VARIANT);
	assert_int_equal(sites_parse_overlap("3"), -1);
	assert_int_equal(sites_parse_overlap(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strings),	  cmocka_unit_test(test_files),
	    cmocka_unit_test(test_read_file),	  cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_vtypes),	  cmocka_unit_test(test_index_unit),
	    cmocka_unit_test(test_overlap_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
