/*
 * fuzz_filter.c - libFuzzer target: the -i/-e expression parser.
 *
 * Input: the expression text (up to the first NUL byte).  The target parses
 * it and, when it parses, walks the tree (operator names, kinds) so every
 * node is touched; errors must come back as BF_E_INVAL with a message.
 */
#include "util/bf_config.h"

#include "select/expr.h"
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct expr *e, int depth)
{
	size_t n = 1;

	if (!e || depth > 10000)
		abort();
	if (e->kind == EXPR_BIN) {
		if (!expr_op_name(e->op)[0] || !e->l || !e->r)
			abort();
		n += walk(e->l, depth + 1) + walk(e->r, depth + 1);
	} else if (e->kind == EXPR_NEG) {
		n += walk(e->l, depth + 1);
	} else if ((e->kind == EXPR_STR || e->kind == EXPR_IDENT) && !e->text) {
		abort();
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = bf_malloc(size + 1);
	struct expr *e = NULL;
	struct bf_err err;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	bf_err_clear(&err);
	rc = expr_parse(s, &e, &err);
	if (rc == 0) {
		walk(e, 0);
		expr_free(e);
	} else if (rc != BF_E_INVAL && rc != BF_E_NOMEM) {
		abort();
	} else if (rc == BF_E_INVAL && !strstr(err.msg, "position")) {
		abort();
	}
	bf_free(s);
	return 0;
}
