/*
 * size_parse.c - human-readable byte sizes (see size_parse.h).
 *
 * The tokenizer mirrors humanfriendly.text.tokenize(): split on the regex
 * (\d+(?:\.\d+)?), strip the pieces, drop empty ones, turn "d.d" pieces into
 * floats and digit runs into integers.  The token list is kept so that the
 * error message can show it the way Python prints a list.
 */
#include "util/bf_config.h"

#include "util/size_parse.h"
#include "util/alloc.h"
#include "util/pyrepr.h"
#include "util/strbuf.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { TOK_INT, TOK_FLOAT, TOK_WORD };

struct tok {
	enum tok_kind kind;
	const char *p; /* start in the input */
	size_t n;      /* length in the input (after stripping, for words) */
};

/* Python's str.strip() set, for the ASCII range. */
static bool py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Append a stripped word piece [p, p+n) as a token, if non-empty. */
static void add_word(struct tok *toks, size_t *nt, const char *p, size_t n)
{
	while (n > 0 && py_space(*p)) {
		p++;
		n--;
	}
	while (n > 0 && py_space(p[n - 1]))
		n--;
	if (n == 0)
		return;
	toks[*nt].kind = TOK_WORD;
	toks[*nt].p = p;
	toks[*nt].n = n;
	(*nt)++;
}

/* Tokenize `s` into `toks` (room for strlen(s) + 1 tokens).  @return count. */
static size_t tokenize(const char *s, struct tok *toks)
{
	const char *word = s, *p = s;
	size_t nt = 0;

	while (*p) {
		const char *q;

		if (!is_digit(*p)) {
			p++;
			continue;
		}
		add_word(toks, &nt, word, (size_t)(p - word));
		q = p;
		while (is_digit(*q))
			q++;
		toks[nt].kind = TOK_INT;
		if (q[0] == '.' && is_digit(q[1])) {
			q++;
			while (is_digit(*q))
				q++;
			toks[nt].kind = TOK_FLOAT;
		}
		toks[nt].p = p;
		toks[nt].n = (size_t)(q - p);
		nt++;
		p = word = q;
	}
	add_word(toks, &nt, word, (size_t)(p - word));
	return nt;
}

static double tok_float(const struct tok *t)
{
	char buf[64];

	if (t->n < sizeof(buf)) {
		memcpy(buf, t->p, t->n);
		buf[t->n] = '\0';
		return strtod(buf, NULL);
	}
	return HUGE_VAL; /* only digits: a value this long is astronomically large */
}

/* Render one token the way Python's repr shows it inside a list. */
static int tok_repr(struct bf_strbuf *sb, const struct tok *t)
{
	char *tmp;
	int rc;
	size_t i;

	if (t->kind == TOK_FLOAT)
		return bf_pyrepr_float(sb, tok_float(t));
	if (t->kind == TOK_INT) {
		/* int('007') == 7: drop leading zeros, keep one digit */
		for (i = 0; i + 1 < t->n && t->p[i] == '0'; i++)
			;
		return bf_strbuf_add(sb, t->p + i, t->n - i);
	}
	tmp = bf_strndup(t->p, t->n);
	if (!tmp)
		return BF_E_NOMEM;
	rc = bf_pyrepr_str(sb, tmp);
	bf_free(tmp);
	return rc;
}

static int fail_message(const char *text, const struct tok *toks, size_t nt, struct bf_err *err)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;
	size_t i;
	int rc;

	rc = bf_strbuf_adds(&sb, "Failed to parse size! (input ");
	if (!rc)
		rc = bf_pyrepr_str(&sb, text);
	if (!rc)
		rc = bf_strbuf_adds(&sb, " was tokenized as [");
	for (i = 0; !rc && i < nt; i++) {
		if (i > 0)
			rc = bf_strbuf_adds(&sb, ", ");
		if (!rc)
			rc = tok_repr(&sb, &toks[i]);
	}
	if (!rc)
		rc = bf_strbuf_adds(&sb, "])");
	if (rc) {
		bf_strbuf_release(&sb);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	rc = bf_err_set(err, BF_E_INVAL, "%s", sb.buf);
	bf_strbuf_release(&sb);
	return rc;
}

/*
 * number * 1024^power, truncated, into *out.  @return false when the result
 * does not fit in 64 bits.
 */
static bool scale(const struct tok *num, unsigned power, uint64_t *out)
{
	uint64_t v = 0, mult = (uint64_t)1 << (10 * (power > 6 ? 6 : power));
	size_t i;

	if (power > 6)
		return false; /* 1024^7 itself exceeds 2^64; only 0 would fit */
	if (num->kind == TOK_FLOAT) {
		double d = tok_float(num) * (double)mult;

		if (!(d < 18446744073709551616.0))
			return false;
		*out = (uint64_t)d;
		return true;
	}
	for (i = 0; i < num->n; i++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(num->p[i] - '0'), &v))
			return false;
	}
	if (__builtin_mul_overflow(v, mult, &v))
		return false;
	*out = v;
	return true;
}

int bf_size_parse(const char *text, uint64_t *out, struct bf_err *err)
{
	static const char prefixes[] = "kmgtpezy";
	struct tok *toks;
	size_t nt, cap, ulen;
	const char *u;
	unsigned power = 0;
	bool ok = false;
	int rc;

	if (!bf_size_add(strlen(text), 1, &cap))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	toks = bf_calloc(cap, sizeof(*toks));
	if (!toks)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	nt = tokenize(text, toks);

	if (nt >= 1 && toks[0].kind != TOK_WORD) {
		if (nt == 1) {
			ok = true;
		} else if (nt == 2 && toks[1].kind == TOK_WORD) {
			u = toks[1].p;
			ulen = toks[1].n;
			if (u[0] == 'b' || u[0] == 'B') {
				ok = true;
			} else {
				while (ulen > 0 && (u[ulen - 1] == 's' || u[ulen - 1] == 'S'))
					ulen--;
				if (ulen > 0) {
					const char *hit = strchr(prefixes, u[0] | 0x20);

					if (hit && *hit) {
						ok = true;
						power = (unsigned)(hit - prefixes) + 1;
					}
				}
			}
		}
	}
	if (!ok) {
		rc = fail_message(text, toks, nt, err);
		bf_free(toks);
		return rc;
	}
	if (!scale(&toks[0], power, out)) {
		struct bf_strbuf sb = BF_STRBUF_INIT;

		rc = bf_pyrepr_str(&sb, text);
		rc = rc ? bf_err_set(err, BF_E_NOMEM, "out of memory")
			: bf_err_set(err, BF_E_INVAL,
				     "Failed to parse size! (input %s is larger than %s bytes)",
				     sb.buf, "18446744073709551615");
		bf_strbuf_release(&sb);
		bf_free(toks);
		return rc;
	}
	bf_free(toks);
	return 0;
}
