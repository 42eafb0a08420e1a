/*
 * expr.c - tokeniser and parser of the filter language (see expr.h).
 *
 * The lexical rules follow bcftools 1.16's filters_next_token (read to settle
 * the behaviour, not copied): a number starts with a digit or '.', is read by
 * strtod and must not run into a letter or digit; a name runs up to the next
 * space, quote, operator or parenthesis (brackets may hold anything); one
 * trailing ',' of a name is dropped.
 */
#include "util/bf_config.h"

#include "select/expr.h"
#include "util/alloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tok_kind {
	T_END,
	T_NUM,
	T_STR,
	T_IDENT,
	T_OP,
	T_LPAREN,
	T_RPAREN,
};

struct tok {
	enum tok_kind kind;
	enum expr_op op;
	size_t pos, len; /* in the source */
	double num;
	size_t t0, tlen;     /* T_STR: contents; T_IDENT: name without prefix and subscript */
	size_t sub0, sublen; /* T_IDENT subscript contents */
	bool has_sub;
	enum expr_scope scope;
};

struct parser {
	const char *s;
	size_t n;
	size_t at; /* next unread character */
	struct tok t;
	struct bf_err *err;
	int depth;
};

#define MAX_DEPTH 200

static int fail(struct parser *p, size_t pos, const char *what)
{
	/* a long expression is cut so the position and the reason always fit */
	const int cut = p->n > 60 ? 57 : (int)p->n;

	return bf_err_set(p->err, BF_E_INVAL,
			  "could not parse the filter expression \"%.*s%s\" at position %zu: %s",
			  cut, p->s, p->n > 60 ? "..." : "", pos + 1, what);
}

static bool is_break(char c)
{
	return c == '"' || c == '\'' || isspace((unsigned char)c) || c == '<' || c == '>' ||
	       c == '=' || c == '!' || c == '&' || c == '|' || c == '(' || c == ')' || c == '+' ||
	       c == '*' || c == '-' || c == '/' || c == '~' || c == '%';
}

static size_t prefix_len(const char *s, enum expr_scope *scope)
{
	if (!strncasecmp(s, "INFO/", 5)) {
		*scope = EXPR_SCOPE_INFO;
		return 5;
	}
	if (!strncasecmp(s, "FORMAT/", 7)) {
		*scope = EXPR_SCOPE_FORMAT;
		return 7;
	}
	if (!strncasecmp(s, "FMT/", 4)) {
		*scope = EXPR_SCOPE_FORMAT;
		return 4;
	}
	*scope = EXPR_SCOPE_NONE;
	return 0;
}

static int lex_op(struct parser *p, const char *c)
{
	struct tok *t = &p->t;
	static const struct {
		const char *text;
		enum expr_op op;
	} ops[] = {
	    {"!=", EXPR_NE}, {"!~", EXPR_NLIKE}, {"<=", EXPR_LE},  {">=", EXPR_GE},
	    {"==", EXPR_EQ}, {"&&", EXPR_AND2},	 {"||", EXPR_OR2}, {"<", EXPR_LT},
	    {">", EXPR_GT},  {"=", EXPR_EQ},	 {"&", EXPR_AND},  {"|", EXPR_OR},
	    {"+", EXPR_ADD}, {"-", EXPR_SUB},	 {"*", EXPR_MUL},  {"/", EXPR_DIV},
	    {"%", EXPR_MOD}, {"~", EXPR_LIKE},
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].text);

		if (!strncmp(c, ops[i].text, l)) {
			t->kind = T_OP;
			t->op = ops[i].op;
			t->len = l;
			return 0;
		}
	}
	if (*c == '!')
		return fail(p, t->pos, "'!' must be followed by '=' or '~'");
	return fail(p, t->pos, "unexpected character");
}

/* Read the next token into p->t. */
static int lex(struct parser *p)
{
	struct tok *t = &p->t;
	const char *s = p->s;
	size_t i = p->at;

	while (i < p->n && isspace((unsigned char)s[i]))
		i++;
	memset(t, 0, sizeof(*t));
	t->pos = i;
	if (i >= p->n) {
		t->kind = T_END;
		p->at = i;
		return 0;
	}
	if (isdigit((unsigned char)s[i]) || s[i] == '.') {
		char *end;
		double v = strtod(s + i, &end);

		if (end != s + i && !isalnum((unsigned char)*end)) {
			t->kind = T_NUM;
			t->num = v;
			t->len = (size_t)(end - (s + i));
			p->at = i + t->len;
			return 0;
		}
	}
	if (s[i] == '@')
		return fail(p, i, "file references (@file) are not supported");
	{
		size_t j = i + prefix_len(s + i, &t->scope);
		size_t name0 = j, sub0 = 0;
		int br = 0;

		while (j < p->n) {
			if (!br && is_break(s[j]))
				break;
			if (s[j] == ']') {
				if (br)
					j++;
				break;
			}
			if (s[j] == '[') {
				if (!br)
					sub0 = j;
				br++;
			}
			j++;
		}
		if (j > i) {
			size_t end = j;

			if (br && (end == i || s[end - 1] != ']'))
				return fail(p, sub0, "missing ']'");
			t->kind = T_IDENT;
			t->len = j - i;
			if (s[end - 1] == ',' && end - 1 > name0)
				end--;
			t->t0 = name0;
			t->tlen = end - name0;
			if (sub0) {
				t->has_sub = true;
				t->tlen = sub0 - name0;
				t->sub0 = sub0 + 1;
				t->sublen = end - 1 - (sub0 + 1);
			}
			if (t->tlen == 0)
				return fail(p, i, "a field name is missing");
			p->at = j;
			return 0;
		}
	}
	if (s[i] == '"' || s[i] == '\'') {
		const char *q = memchr(s + i + 1, s[i], p->n - i - 1);

		if (!q)
			return fail(p, i, "missing closing quote");
		t->kind = T_STR;
		t->t0 = i + 1;
		t->tlen = (size_t)(q - (s + i + 1));
		t->len = t->tlen + 2;
		p->at = i + t->len;
		return 0;
	}
	if (s[i] == '(' || s[i] == ')') {
		t->kind = s[i] == '(' ? T_LPAREN : T_RPAREN;
		t->len = 1;
		p->at = i + 1;
		return 0;
	}
	BF_FORWARD(lex_op(p, s + i));
	p->at = i + t->len;
	return 0;
}

static struct expr *node(struct parser *p, enum expr_kind k, size_t pos)
{
	struct expr *e = bf_calloc(1, sizeof(*e));

	if (!e)
		bf_err_set(p->err, BF_E_NOMEM, "out of memory");
	else {
		e->kind = k;
		e->pos = pos;
	}
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->l);
	expr_free(e->r);
	bf_free(e->text);
	bf_free(e->subscript);
	bf_free(e);
}

static int parse_or(struct parser *p, struct expr **out);

static int parse_primary(struct parser *p, struct expr **out)
{
	struct tok t = p->t;
	struct expr *e;

	*out = NULL;
	switch (t.kind) {
	case T_NUM:
		if (!(e = node(p, EXPR_NUM, t.pos)))
			return BF_E_NOMEM;
		e->num = t.num;
		break;
	case T_STR:
	case T_IDENT:
		if (!(e = node(p, t.kind == T_STR ? EXPR_STR : EXPR_IDENT, t.pos)))
			return BF_E_NOMEM;
		e->scope = t.scope;
		e->text = bf_strndup(p->s + t.t0, t.tlen);
		if (!e->text) {
			expr_free(e);
			return bf_err_set(p->err, BF_E_NOMEM, "out of memory");
		}
		if (t.has_sub && !(e->subscript = bf_strndup(p->s + t.sub0, t.sublen))) {
			expr_free(e);
			return bf_err_set(p->err, BF_E_NOMEM, "out of memory");
		}
		break;
	case T_LPAREN: {
		int rc;

		BF_FORWARD(lex(p));
		rc = parse_or(p, &e);
		if (rc < 0)
			return rc;
		if (p->t.kind != T_RPAREN) {
			expr_free(e);
			return fail(p, p->t.pos,
				    p->t.kind == T_END ? "missing ')'" : "expected ')'");
		}
		break;
	}
	case T_END:
		return fail(p, t.pos, "the expression ends where a value was expected");
	case T_RPAREN:
		return fail(p, t.pos, "unexpected ')'");
	case T_OP:
	default:
		return fail(p, t.pos, "an operator where a value was expected");
	}
	{
		int rc = lex(p);

		if (rc == 0 && e->kind == EXPR_IDENT && p->t.kind == T_LPAREN)
			rc = fail(p, t.pos, "functions are not supported");
		if (rc == 0 && (p->t.kind == T_NUM || p->t.kind == T_STR || p->t.kind == T_IDENT ||
				p->t.kind == T_LPAREN))
			rc = fail(p, p->t.pos, "a value follows a value without an operator");
		if (rc < 0) {
			expr_free(e);
			return rc;
		}
	}
	*out = e;
	return 0;
}

static int parse_unary(struct parser *p, struct expr **out)
{
	int rc;

	if (++p->depth > MAX_DEPTH)
		return fail(p, p->t.pos, "the expression nests too deeply");
	if (p->t.kind == T_OP && p->t.op == EXPR_SUB) {
		struct expr *e = node(p, EXPR_NEG, p->t.pos);

		if (!e)
			return BF_E_NOMEM;
		rc = lex(p);
		if (rc == 0)
			rc = parse_unary(p, &e->l);
		if (rc < 0) {
			expr_free(e);
			return rc;
		}
		*out = e;
	} else {
		rc = parse_primary(p, out);
	}
	p->depth--;
	return rc;
}

enum level { L_OR, L_AND, L_CMP, L_ADD, L_MUL };

static int op_level(enum expr_op op)
{
	switch (op) {
	case EXPR_OR:
	case EXPR_OR2:
		return L_OR;
	case EXPR_AND:
	case EXPR_AND2:
		return L_AND;
	case EXPR_ADD:
	case EXPR_SUB:
		return L_ADD;
	case EXPR_MUL:
	case EXPR_DIV:
	case EXPR_MOD:
		return L_MUL;
	case EXPR_EQ:
	case EXPR_NE:
	case EXPR_LT:
	case EXPR_LE:
	case EXPR_GT:
	case EXPR_GE:
	case EXPR_LIKE:
	case EXPR_NLIKE:
		return L_CMP;
	}
	return L_CMP;
}

/* One precedence level; equal levels group to the right as in bcftools. */
static int parse_level(struct parser *p, int level, struct expr **out)
{
	struct expr *l = NULL, *e;
	int rc;

	if (++p->depth > MAX_DEPTH)
		return fail(p, p->t.pos, "the expression nests too deeply");
	rc = level == L_MUL ? parse_unary(p, &l) : parse_level(p, level + 1, &l);
	if (rc < 0)
		return rc;
	if (p->t.kind == T_OP && op_level(p->t.op) == level) {
		struct tok t = p->t;

		if (!(e = node(p, EXPR_BIN, l->pos))) {
			expr_free(l);
			return BF_E_NOMEM;
		}
		e->op = t.op;
		e->l = l;
		rc = lex(p);
		if (rc == 0)
			rc = level == L_CMP ? parse_level(p, L_ADD, &e->r)
					    : parse_level(p, level, &e->r);
		if (rc == 0 && level == L_CMP && p->t.kind == T_OP && op_level(p->t.op) == L_CMP)
			rc =
			    fail(p, p->t.pos, "comparisons cannot be chained; use && between them");
		if (rc < 0) {
			expr_free(e);
			return rc;
		}
		l = e;
	}
	p->depth--;
	*out = l;
	return 0;
}

static int parse_or(struct parser *p, struct expr **out)
{
	return parse_level(p, L_OR, out);
}

int expr_parse(const char *s, struct expr **out, struct bf_err *err)
{
	struct parser p;
	struct expr *e = NULL;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.n = strlen(s);
	p.err = err;
	BF_FORWARD(lex(&p));
	if (p.t.kind == T_END)
		return fail(&p, 0, "the expression is empty");
	rc = parse_or(&p, &e);
	if (rc < 0)
		return rc;
	if (p.t.kind != T_END) {
		rc =
		    fail(&p, p.t.pos,
			 p.t.kind == T_RPAREN ? "unexpected ')'" : "unexpected text after the end");
		expr_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

const char *expr_op_name(enum expr_op op)
{
	switch (op) {
	case EXPR_OR:
		return "|";
	case EXPR_OR2:
		return "||";
	case EXPR_AND:
		return "&";
	case EXPR_AND2:
		return "&&";
	case EXPR_EQ:
		return "==";
	case EXPR_NE:
		return "!=";
	case EXPR_LT:
		return "<";
	case EXPR_LE:
		return "<=";
	case EXPR_GT:
		return ">";
	case EXPR_GE:
		return ">=";
	case EXPR_LIKE:
		return "~";
	case EXPR_NLIKE:
		return "!~";
	case EXPR_ADD:
		return "+";
	case EXPR_SUB:
		return "-";
	case EXPR_MUL:
		return "*";
	case EXPR_DIV:
		return "/";
	case EXPR_MOD:
		return "%";
	}
	return "?";
}

int expr_op_is_cmp(enum expr_op op)
{
	return op_level(op) == L_CMP;
}

int expr_op_is_logic(enum expr_op op)
{
	return op == EXPR_OR || op == EXPR_OR2 || op == EXPR_AND || op == EXPR_AND2;
}
