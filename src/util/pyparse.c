/*
 * pyparse.c - Python's int() and float() of a string (see pyparse.h).
 */
#include "util/bf_config.h"

#include "util/pyparse.h"

#include <errno.h>
#include <stdlib.h>

/* Python's str.strip() set, for the ASCII range. */
static bool py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/*
 * Python int(s): surrounding whitespace, a sign, decimal digits with single
 * '_' between them.  Values outside int64 are refused (Python has no limit).
 */
bool bf_py_int(const char *s, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg = false, digit = false;

	while (py_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s == '_' && digit && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			break;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v) || v > lim)
			return false;
		digit = true;
	}
	while (py_space(*s))
		s++;
	if (!digit || *s)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Python float(s), without '_' separators or hex. */
bool bf_py_float(const char *s, double *out)
{
	char *end;
	const char *p;

	while (py_space(*s))
		s++;
	for (p = s; *p; p++) {
		if (*p == 'x' || *p == 'X' || *p == '_' || *p == '(')
			return false;
	}
	if (!*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	if (end == s)
		return false;
	while (py_space(*end))
		end++;
	return *end == '\0';
}

bool bf_ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}
