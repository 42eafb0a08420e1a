/*
 * pyrepr.c - Python-style repr() of strings and floats (see pyrepr.h).
 */
#include "util/bf_config.h"

#include "util/pyrepr.h"
#include "util/err.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decode one UTF-8 code point at s[*i..len).  Advances *i.  Returns the code
 * point, or -1 for an invalid byte (then *i advances by one).
 */
static int32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	size_t n, k;
	int32_t cp, min;

	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		cp = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		cp = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		*i += 1;
		return -1;
	}
	if (len - *i <= n) {
		*i += 1;
		return -1;
	}
	for (k = 1; k <= n; k++) {
		unsigned char d = s[*i + k];
		if ((d & 0xC0) != 0x80) {
			*i += 1;
			return -1;
		}
		cp = (cp << 6) | (d & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		*i += 1;
		return -1;
	}
	*i += n + 1;
	return cp;
}

static bool is_py_space(int32_t cp)
{
	if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20))
		return true;
	switch (cp) {
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

bool bf_py_has_space(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		int32_t cp = utf8_next(u, len, &i);
		if (cp >= 0 && is_py_space(cp))
			return true;
	}
	return false;
}

/* Approximation of CPython's Py_UNICODE_ISPRINTABLE for non-ASCII. */
static bool is_py_printable_nonascii(int32_t cp)
{
	if (cp < 0xA0)
		return false; /* C1 controls */
	if (is_py_space(cp))
		return false; /* Zs/Zl/Zp other than ' ' */
	if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF)
		return false; /* common Cf */
	if (cp == 0x180E || (cp >= 0x0600 && cp <= 0x0605) || cp == 0x061C || cp == 0x06DD ||
	    cp == 0x070F || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0x110BD ||
	    (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 ||
	    (cp >= 0xE0020 && cp <= 0xE007F))
		return false; /* other Cf */
	if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000 || (cp & 0xFFFE) == 0xFFFE ||
	    (cp >= 0xFDD0 && cp <= 0xFDEF))
		return false; /* private use, noncharacters */
	return true;
}

static const char hexdig[] = "0123456789abcdef";

static int add_hex(struct bf_strbuf *sb, char kind, uint32_t v, int digits)
{
	char tmp[12];
	int k;

	tmp[0] = '\\';
	tmp[1] = kind;
	for (k = 0; k < digits; k++)
		tmp[2 + k] = hexdig[(v >> (4 * (digits - 1 - k))) & 0xF];
	return bf_strbuf_add(sb, tmp, (size_t)(2 + digits));
}

int bf_pyrepr_strn(struct bf_strbuf *sb, const char *s, size_t len, bool surrogateescape)
{
	const unsigned char *u = (const unsigned char *)s;
	bool has_sq = memchr(s, '\'', len) != NULL;
	bool has_dq = memchr(s, '"', len) != NULL;
	char q = (has_sq && !has_dq) ? '"' : '\'';
	size_t i = 0;

	BF_FORWARD(bf_strbuf_addc(sb, q));
	while (i < len) {
		size_t start = i;
		int32_t cp = utf8_next(u, len, &i);

		if (cp < 0 && surrogateescape) {
			/* argv decoding: the raw byte b shows as U+DC00+b */
			BF_FORWARD(add_hex(sb, 'u', 0xDC00u + u[start], 4));
		} else if (cp < 0) {
			BF_FORWARD(add_hex(sb, 'x', u[start], 2));
		} else if (cp == q || cp == '\\') {
			BF_FORWARD(bf_strbuf_addc(sb, '\\'));
			BF_FORWARD(bf_strbuf_addc(sb, (char)cp));
		} else if (cp == '\t') {
			BF_FORWARD(bf_strbuf_add(sb, "\\t", 2));
		} else if (cp == '\n') {
			BF_FORWARD(bf_strbuf_add(sb, "\\n", 2));
		} else if (cp == '\r') {
			BF_FORWARD(bf_strbuf_add(sb, "\\r", 2));
		} else if (cp < 0x20 || cp == 0x7F) {
			BF_FORWARD(add_hex(sb, 'x', (uint32_t)cp, 2));
		} else if (cp < 0x7F) {
			BF_FORWARD(bf_strbuf_addc(sb, (char)cp));
		} else if (is_py_printable_nonascii(cp)) {
			BF_FORWARD(bf_strbuf_add(sb, s + start, i - start));
		} else if (cp <= 0xFF) {
			BF_FORWARD(add_hex(sb, 'x', (uint32_t)cp, 2));
		} else if (cp <= 0xFFFF) {
			BF_FORWARD(add_hex(sb, 'u', (uint32_t)cp, 4));
		} else {
			BF_FORWARD(add_hex(sb, 'U', (uint32_t)cp, 8));
		}
	}
	return bf_strbuf_addc(sb, q);
}

int bf_pyrepr_str(struct bf_strbuf *sb, const char *s)
{
	return bf_pyrepr_strn(sb, s, strlen(s), true);
}

int bf_pyrepr_float(struct bf_strbuf *sb, double v)
{
	char buf[64], digits[32];
	int prec, exp10, nd, i;
	char *e;

	if (isnan(v))
		return bf_strbuf_adds(sb, "nan");
	if (isinf(v))
		return bf_strbuf_adds(sb, v < 0 ? "-inf" : "inf");
	if (v == 0)
		return bf_strbuf_adds(sb, signbit(v) ? "-0.0" : "0.0");
	/* Shortest round-tripping digits, as Python's repr picks them. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (v < 0)
		BF_FORWARD(bf_strbuf_addc(sb, '-'));
	/* buf is "[-]d.ddde[+-]XX": collect the digits and the exponent. */
	nd = 0;
	for (i = (buf[0] == '-'); buf[i] && buf[i] != 'e'; i++) {
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	}
	e = strchr(buf, 'e');
	exp10 = e ? atoi(e + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			BF_FORWARD(bf_strbuf_adds(sb, "0."));
			for (i = -1; i > exp10; i--)
				BF_FORWARD(bf_strbuf_addc(sb, '0'));
			return bf_strbuf_adds(sb, digits);
		}
		for (i = 0; i <= exp10; i++)
			BF_FORWARD(bf_strbuf_addc(sb, i < nd ? digits[i] : '0'));
		BF_FORWARD(bf_strbuf_addc(sb, '.'));
		if (nd <= exp10 + 1)
			return bf_strbuf_addc(sb, '0');
		return bf_strbuf_adds(sb, digits + exp10 + 1);
	}
	BF_FORWARD(bf_strbuf_addc(sb, digits[0]));
	if (nd > 1) {
		BF_FORWARD(bf_strbuf_addc(sb, '.'));
		BF_FORWARD(bf_strbuf_adds(sb, digits + 1));
	}
	return bf_strbuf_addf(sb, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}
