/*
 * test_bgi.c - the .bgen.bgi writer: the schema text bgenix reads, the rows
 * as given (in order, with NULL-free allele2), the rsid column in fixed and
 * variable mode, an abandoned writer leaving no index, and a second write
 * replacing the first.  Read back with SQLite itself.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "format/bgen.h"
#include "format/bgi.h"
#include "util/strbuf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FS(s) ((struct fmt_str){(s), sizeof(s) - 1})

static char path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/biofuse-unit-bgi-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* One text result of `sql` on the index (owned by the caller). */
static char *query1(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void test_schema_and_rows(void **state)
{
	struct bgi_row rows[3] = {
	    {FS("chr1"), 100, FS("rs1"), FS("A"), FS("C"), 59, 90},
	    {FS("chr1"), 250, FS("rs2"), FS("AT"), FS("."), 149, 91},
	    {FS("chr2"), 7, FS("."), FS("G"), FS("T"), 240, 92},
	};
	struct bf_err err;
	char *s;

	(void)state;
	assert_int_equal(bgi_write(path, rows, 3, &err), 0);
	s = query1("SELECT sql FROM sqlite_master WHERE name = 'Variant'");
	assert_non_null(s);
	assert_string_equal(s, BGI_SQL_CREATE_TABLE);
	free(s);
	s = query1("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'position_idx'");
	assert_string_equal(s, BGI_SQL_CREATE_INDEX);
	free(s);
	s = query1("SELECT group_concat(chromosome || ':' || position || ':' || rsid || ':' || "
		   "number_of_alleles || ':' || allele1 || ':' || allele2 || ':' || "
		   "file_start_position || ':' || size_in_bytes, ' ') FROM Variant");
	assert_string_equal(s, "chr1:100:rs1:2:A:C:59:90 chr1:250:rs2:2:AT:.:149:91 "
			       "chr2:7:.:2:G:T:240:92");
	free(s);
	/* a second index replaces the first */
	assert_int_equal(bgi_write(path, rows + 2, 1, &err), 0);
	s = query1("SELECT count(*) FROM Variant");
	assert_string_equal(s, "1");
	free(s);
}

static void test_rows_for_variants(void **state)
{
	struct fmt_variant v = {FS("chr3"), 1234, FS("rs9"), true, FS("A"), {"", 0}, false};
	struct bgen_params p;
	struct bf_strbuf rsid = BF_STRBUF_INIT;
	struct bgi_writer *w;
	struct bgi_row row;
	struct bf_err err;
	char *s;

	(void)state;
	bgen_params_init(&p, true);
	p.id_in_rsid = false; /* varid routing: the rsid slot holds "." and the padding */
	p.total_string_length = 16;
	w = bgi_writer_create(path, &err);
	assert_non_null(w);
	assert_int_equal(bgi_row_for_variant(&p, &v, 59, 100, &rsid, &row, &err), 0);
	assert_int_equal(row.allele2.len, 1); /* monomorphic: "." */
	assert_int_equal(bgi_writer_add(w, &row, &err), 0);
	assert_int_equal(bgi_writer_finish(w, &err), 0);
	s = query1("SELECT rsid || '|' || allele2 || '|' || size_in_bytes FROM Variant");
	/* TSL 16 - (4 + 1 + 1 + 3) = 7 of slack: '.' and six pad bytes */
	assert_string_equal(s, ".......|.|100");
	free(s);
	/* an abandoned writer commits nothing */
	w = bgi_writer_create(path, &err);
	assert_non_null(w);
	assert_int_equal(bgi_writer_add(w, &row, &err), 0);
	bgi_writer_free(w);
	s = query1("SELECT count(*) FROM Variant");
	assert_true(s == NULL || strcmp(s, "0") == 0);
	free(s);
	bf_strbuf_release(&rsid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema_and_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rows_for_variants, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
