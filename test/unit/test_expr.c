/*
 * test_expr.c - the filter-expression parser: tokens, bcftools' precedence
 * and right grouping of equal levels, subscripts and prefixes, and the
 * position each syntax error names.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "select/expr.h"
#include "util/err.h"
#include "util/strbuf.h"

/* The tree as a fully parenthesised string: (l op r), -x, names, "strings". */
static void show(const struct expr *e, struct bf_strbuf *sb)
{
	switch (e->kind) {
	case EXPR_NUM:
		assert_int_equal(bf_strbuf_addf(sb, "%g", e->num), 0);
		return;
	case EXPR_STR:
		assert_int_equal(bf_strbuf_addf(sb, "\"%s\"", e->text), 0);
		return;
	case EXPR_IDENT:
		assert_int_equal(bf_strbuf_addf(sb, "%s%s",
						e->scope == EXPR_SCOPE_INFO	? "INFO/"
						: e->scope == EXPR_SCOPE_FORMAT ? "FMT/"
										: "",
						e->text),
				 0);
		if (e->subscript)
			assert_int_equal(bf_strbuf_addf(sb, "[%s]", e->subscript), 0);
		return;
	case EXPR_NEG:
		assert_int_equal(bf_strbuf_adds(sb, "-"), 0);
		show(e->l, sb);
		return;
	case EXPR_BIN:
		assert_int_equal(bf_strbuf_adds(sb, "("), 0);
		show(e->l, sb);
		assert_int_equal(bf_strbuf_addf(sb, " %s ", expr_op_name(e->op)), 0);
		show(e->r, sb);
		assert_int_equal(bf_strbuf_adds(sb, ")"), 0);
		return;
	}
}

static void parses_as(const char *in, const char *want)
{
	struct expr *e = NULL;
	struct bf_err err;
	struct bf_strbuf sb;

	bf_err_clear(&err);
	bf_strbuf_init(&sb);
	if (expr_parse(in, &e, &err) != 0)
		fail_msg("'%s' did not parse: %s", in, err.msg);
	show(e, &sb);
	assert_int_equal(bf_strbuf_addc(&sb, 0), 0);
	if (strcmp(sb.buf, want))
		fail_msg("'%s' parsed as %s, want %s", in, sb.buf, want);
	expr_free(e);
	bf_strbuf_release(&sb);
}

static void fails_at(const char *in, size_t pos, const char *what)
{
	struct expr *e = NULL;
	struct bf_err err;
	char needle[64];

	bf_err_clear(&err);
	assert_int_equal(expr_parse(in, &e, &err), BF_E_INVAL);
	assert_null(e);
	snprintf(needle, sizeof(needle), "at position %zu: ", pos);
	if (!strstr(err.msg, needle) || !strstr(err.msg, what))
		fail_msg("'%s': got \"%s\", want position %zu and \"%s\"", in, err.msg, pos, what);
}

static void test_tokens(void **state)
{
	(void)state;
	parses_as("QUAL>30", "(QUAL > 30)");
	parses_as("  QUAL >= 30.5 ", "(QUAL >= 30.5)");
	parses_as("POS<1e3", "(POS < 1000)");
	parses_as("POS<.5", "(POS < 0.5)");
	parses_as("POS<5.", "(POS < 5)");
	parses_as("ID=\"rs1\"", "(ID == \"rs1\")");
	parses_as("ID=='rs1'", "(ID == \"rs1\")");
	parses_as("ID!=\"a b\"", "(ID != \"a b\")");
	parses_as("INFO/DP>1", "(INFO/DP > 1)");
	parses_as("info/DP>1", "(INFO/DP > 1)");
	parses_as("FORMAT/DP>1", "(FMT/DP > 1)");
	parses_as("FMT/GQ>1", "(FMT/GQ > 1)");
	parses_as("INFO/1000G_AF>0.1", "(INFO/1000G_AF > 0.1)");
	parses_as("AF[0]>0.1", "(AF[0] > 0.1)");
	parses_as("AF[*]>0.1", "(AF[*] > 0.1)");
	parses_as("AF[0-1]>0.1", "(AF[0-1] > 0.1)");
	parses_as("AF[0,2]>0.1", "(AF[0,2] > 0.1)");
	parses_as("AF[1-]>0.1", "(AF[1-] > 0.1)");
	parses_as("ID~\"^rs\"", "(ID ~ \"^rs\")");
	parses_as("ID!~\"^rs/i\"", "(ID !~ \"^rs/i\")");
	parses_as("POS%3=1", "((POS % 3) == 1)");
	/* one trailing comma of a name is dropped, as bcftools does */
	parses_as("DP,>1", "(DP > 1)");
}

static void test_precedence(void **state)
{
	(void)state;
	/* unspaced logical operators */
	parses_as("POS>1&&POS<5", "((POS > 1) && (POS < 5))");
	parses_as("QUAL>10&DP>5", "((QUAL > 10) & (DP > 5))");
	parses_as("QUAL>10|DP>5", "((QUAL > 10) | (DP > 5))");
	parses_as("CHROM=\"20\"&&POS>1", "((CHROM == \"20\") && (POS > 1))");
	/* && binds tighter than ||; & and && share a level, as | and || */
	parses_as("A>1 || B>1 && C>1", "((A > 1) || ((B > 1) && (C > 1)))");
	parses_as("A>1 && B>1 || C>1", "(((A > 1) && (B > 1)) || (C > 1))");
	parses_as("A>1 | B>1 & C>1", "((A > 1) | ((B > 1) & (C > 1)))");
	parses_as("A>1 & B>1 && C>1", "((A > 1) & ((B > 1) && (C > 1)))");
	/* arithmetic: * over +; equal levels group to the right like bcftools */
	parses_as("2*POS-100=700", "(((2 * POS) - 100) == 700)");
	parses_as("POS-100-100>0", "((POS - (100 - 100)) > 0)");
	parses_as("POS-100+100=200", "((POS - (100 + 100)) == 200)");
	parses_as("POS/4*2=50", "((POS / (4 * 2)) == 50)");
	parses_as("-POS>-5", "(-POS > -5)");
	parses_as("2*-POS>1", "((2 * -POS) > 1)");
	parses_as("(POS>1)", "(POS > 1)");
	parses_as("((POS+1)*2)>3", "(((POS + 1) * 2) > 3)");
}

static void test_errors(void **state)
{
	(void)state;
	fails_at("", 1, "empty");
	fails_at("   ", 1, "empty");
	fails_at("POS>", 5, "ends where a value was expected");
	fails_at("(POS>1", 7, "missing ')'");
	fails_at("POS>1)", 6, "unexpected ')'");
	fails_at("POS>>1", 5, "operator where a value");
	fails_at("DP>1 DP<3", 6, "without an operator");
	fails_at("POS>1>0", 6, "cannot be chained");
	fails_at("ID=\"rs1", 4, "missing closing quote");
	fails_at("ID=@file.txt", 4, "file references");
	fails_at("MAX(DP)>1", 1, "functions are not supported");
	fails_at("AF[0>1", 3, "missing ']'");
	fails_at("POS!1", 4, "'!' must be followed");
	fails_at("POS>1 &&", 9, "ends where a value");
	fails_at("+POS>1", 1, "operator where a value");
}

static void test_deep_nesting(void **state)
{
	char buf[2000];
	struct expr *e = NULL;
	struct bf_err err;
	size_t i;

	(void)state;
	for (i = 0; i < 900; i++)
		buf[i] = '(';
	buf[i] = 0;
	bf_err_clear(&err);
	assert_int_equal(expr_parse(buf, &e, &err), BF_E_INVAL);
	assert_non_null(strstr(err.msg, "nests too deeply"));
	assert_null(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_deep_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
