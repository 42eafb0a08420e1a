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
 * Decode one UTF-8 code point at s.  @return its length (1..4), or 0 when the
 * bytes at s are not a valid sequence (overlong, surrogate, truncated).
 */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	int n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Python's str.isprintable() for the code points that matter in practice. */
static bool cp_printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad)
		return false;
	if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xe000 && c <= 0xf8ff))
		return false;
	return true;
}

static int add_escape(struct bf_strbuf *sb, uint32_t c)
{
	if (c < 0x100)
		return bf_strbuf_addf(sb, "\\x%02x", (unsigned)c);
	if (c < 0x10000)
		return bf_strbuf_addf(sb, "\\u%04x", (unsigned)c);
	return bf_strbuf_addf(sb, "\\U%08x", (unsigned)c);
}

int bf_pyrepr_str(struct bf_strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char quote = '\'';
	uint32_t c;
	int n;

	if (strchr(s, '\'') && !strchr(s, '"'))
		quote = '"';
	BF_FORWARD(bf_strbuf_addc(sb, quote));
	while (*p) {
		n = utf8_decode(p, &c);
		if (n == 0) {
			/* surrogateescape: the raw byte b shows as U+DC00+b */
			BF_FORWARD(bf_strbuf_addf(sb, "\\udc%02x", (unsigned)*p));
			p++;
			continue;
		}
		if (c == (uint32_t)quote || c == '\\') {
			BF_FORWARD(bf_strbuf_addc(sb, '\\'));
			BF_FORWARD(bf_strbuf_addc(sb, (char)c));
		} else if (c == '\n') {
			BF_FORWARD(bf_strbuf_adds(sb, "\\n"));
		} else if (c == '\r') {
			BF_FORWARD(bf_strbuf_adds(sb, "\\r"));
		} else if (c == '\t') {
			BF_FORWARD(bf_strbuf_adds(sb, "\\t"));
		} else if (!cp_printable(c)) {
			BF_FORWARD(add_escape(sb, c));
		} else {
			BF_FORWARD(bf_strbuf_add(sb, p, (size_t)n));
		}
		p += n;
	}
	return bf_strbuf_addc(sb, quote);
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
