/*
 * expr.h - the -i/-e filter language as a syntax tree (no store access).
 *
 * Owns: tokenising and parsing an expression with bcftools 1.16's lexical
 * rules and precedence (spec/selection.md §4, docs/selection.md): numbers,
 * "..." / '...' strings, identifiers (with an optional INFO/, FORMAT/ or FMT/
 * prefix, case-insensitive, and an optional [subscript]), unary minus,
 * `* / %`, `+ -`, comparisons `= == != < <= > >= ~ !~`, `& &&`, `| ||` and
 * parentheses.  Operators of one precedence level group to the right, as in
 * bcftools (`a-b-c` is `a-(b-c)`).  Errors name the character position
 * (1-based) of the problem.  Name resolution and types are filter.c's.
 */
#ifndef BF_SELECT_EXPR_H
#define BF_SELECT_EXPR_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stddef.h>

enum expr_kind {
	EXPR_NUM,   /* number constant (num) */
	EXPR_STR,   /* string constant (text, without the quotes) */
	EXPR_IDENT, /* name (text), scope, optional subscript */
	EXPR_NEG,   /* unary minus of l */
	EXPR_BIN,   /* l op r */
};

enum expr_op {
	EXPR_OR,   /* |  */
	EXPR_OR2,  /* || */
	EXPR_AND,  /* &  */
	EXPR_AND2, /* && */
	EXPR_EQ,   /* = or == */
	EXPR_NE,
	EXPR_LT,
	EXPR_LE,
	EXPR_GT,
	EXPR_GE,
	EXPR_LIKE,  /* ~  */
	EXPR_NLIKE, /* !~ */
	EXPR_ADD,
	EXPR_SUB,
	EXPR_MUL,
	EXPR_DIV,
	EXPR_MOD,
};

enum expr_scope {
	EXPR_SCOPE_NONE,   /* bare name */
	EXPR_SCOPE_INFO,   /* INFO/ */
	EXPR_SCOPE_FORMAT, /* FORMAT/ or FMT/ */
};

struct expr {
	enum expr_kind kind;
	enum expr_op op; /* EXPR_BIN */
	size_t pos;	 /* 0-based offset of the node's first character */
	double num;	 /* EXPR_NUM */
	char *text;	 /* EXPR_STR / EXPR_IDENT (NUL-terminated, owned) */
	char *subscript; /* EXPR_IDENT: text inside [...], or NULL */
	enum expr_scope scope;
	struct expr *l, *r;
};

/*
 * Parse `s`.  @return 0 with *out the tree (free with expr_free), or
 * BF_E_INVAL with a message "... at position N ..." (1-based character).
 */
int expr_parse(const char *s, struct expr **out, struct bf_err *err) BF_MUST_CHECK;
void expr_free(struct expr *e);

/* The operator as written ("&&", "!~", ...). */
const char *expr_op_name(enum expr_op op);
/* Comparison operators (= != < <= > >= ~ !~). */
int expr_op_is_cmp(enum expr_op op);
/* Logical operators (& && | ||). */
int expr_op_is_logic(enum expr_op op);

#endif
