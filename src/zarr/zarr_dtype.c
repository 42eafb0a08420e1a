/*
 * zarr_dtype.c - dtypes, element types of filters and fill values.
 *
 * Owns: the v2 NumPy type-string grammar ("|b1", "<i4", ">f8", "<U8", "|S5",
 * "|O"), the v3 data_type names (including the fixed_length_utf32 and
 * null_terminated_bytes objects), the fill_value forms of both formats, and
 * half-float conversion.  Pure functions; thread-safe.
 */
#include "util/bf_config.h"

#include "zarr/zarr_internal.h"
#include "util/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool host_big(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

void zarr_bswap(uint8_t *p, size_t nelem, int size)
{
	size_t i;

	if (size <= 1)
		return;
	for (i = 0; i < nelem; i++, p += size) {
		if (size == 2) {
			uint16_t v;
			memcpy(&v, p, 2);
			v = __builtin_bswap16(v);
			memcpy(p, &v, 2);
		} else if (size == 4) {
			uint32_t v;
			memcpy(&v, p, 4);
			v = __builtin_bswap32(v);
			memcpy(p, &v, 4);
		} else if (size == 8) {
			uint64_t v;
			memcpy(&v, p, 8);
			v = __builtin_bswap64(v);
			memcpy(p, &v, 8);
		}
	}
}

static void set_text(struct zarr_dtype *dt, const char *s)
{
	snprintf(dt->text, sizeof(dt->text), "%s", s);
}

/* Parse a decimal size; @return it or -1. */
static long parse_size(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v <= 0 || v > (1L << 20))
		return -1;
	return v;
}

int zarr_dtype_parse_v2(const char *s, struct zarr_dtype *dt, bool *big, bool *known)
{
	char order, kind;
	long n;

	memset(dt, 0, sizeof(*dt));
	set_text(dt, s);
	*big = false;
	*known = false;
	if (strlen(s) < 2)
		return 0;
	order = s[0];
	kind = s[1];
	if (order != '<' && order != '>' && order != '|' && order != '=')
		return 0;
	*big = order == '>' || (order == '=' && host_big());
	if (kind == 'O') {
		if (strcmp(s + 2, "") && strcmp(s + 2, "8"))
			return 0;
		dt->kind = ZARR_KIND_STRING;
		*big = false;
		*known = true;
		return 0;
	}
	n = parse_size(s + 2);
	if (n < 0)
		return 0;
	switch (kind) {
	case 'b':
		if (n != 1)
			return 0;
		dt->kind = ZARR_KIND_BOOL;
		break;
	case 'i':
	case 'u':
		if (n != 1 && n != 2 && n != 4 && n != 8)
			return 0;
		dt->kind = kind == 'i' ? ZARR_KIND_INT : ZARR_KIND_UINT;
		break;
	case 'f':
		if (n != 2 && n != 4 && n != 8)
			return 0;
		dt->kind = ZARR_KIND_FLOAT;
		break;
	case 'U':
		if (n > (1L << 18))
			return 0;
		dt->kind = ZARR_KIND_STRING;
		dt->fixed_chars = (int)n;
		dt->utf32 = true;
		dt->itemsize = (int)(4 * n);
		*known = true;
		return 0;
	case 'S':
		dt->kind = ZARR_KIND_STRING;
		dt->fixed_chars = (int)n;
		dt->itemsize = (int)n;
		*big = false;
		*known = true;
		return 0;
	default:
		return 0;
	}
	dt->itemsize = (int)n;
	if (n == 1)
		*big = false;
	*known = true;
	return 0;
}

int zarr_dtype_parse_v3(json_t *j, struct zarr_dtype *dt, bool *known)
{
	static const struct {
		const char *name;
		enum zarr_kind kind;
		int size;
	} names[] = {
	    {"bool", ZARR_KIND_BOOL, 1},     {"int8", ZARR_KIND_INT, 1},
	    {"int16", ZARR_KIND_INT, 2},     {"int32", ZARR_KIND_INT, 4},
	    {"int64", ZARR_KIND_INT, 8},     {"uint8", ZARR_KIND_UINT, 1},
	    {"uint16", ZARR_KIND_UINT, 2},   {"uint32", ZARR_KIND_UINT, 4},
	    {"uint64", ZARR_KIND_UINT, 8},   {"float16", ZARR_KIND_FLOAT, 2},
	    {"float32", ZARR_KIND_FLOAT, 4}, {"float64", ZARR_KIND_FLOAT, 8},
	    {"string", ZARR_KIND_STRING, 0},
	};
	const char *name = NULL;
	size_t i;

	memset(dt, 0, sizeof(*dt));
	*known = false;
	if (json_is_string(j)) {
		name = json_string_value(j);
	} else if (json_is_object(j)) {
		json_t *conf = json_object_get(j, "configuration");
		json_t *lb = conf ? json_object_get(conf, "length_bytes") : NULL;
		json_int_t n = json_is_integer(lb) ? json_integer_value(lb) : -1;

		name = json_string_value(json_object_get(j, "name"));
		if (!name)
			return -1;
		set_text(dt, name);
		if (!strcmp(name, "fixed_length_utf32") && n > 0 && n % 4 == 0 && n <= (1L << 20)) {
			dt->kind = ZARR_KIND_STRING;
			dt->fixed_chars = (int)(n / 4);
			dt->itemsize = (int)n;
			dt->utf32 = true;
			*known = true;
		} else if (!strcmp(name, "null_terminated_bytes") && n > 0 && n <= (1L << 20)) {
			dt->kind = ZARR_KIND_STRING;
			dt->fixed_chars = (int)n;
			dt->itemsize = (int)n;
			*known = true;
		}
		return 0;
	} else {
		return -1;
	}
	set_text(dt, name);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name)) {
			dt->kind = names[i].kind;
			dt->itemsize = names[i].size;
			*known = true;
		}
	}
	return 0;
}

int zarr_etype_parse(const char *s, struct zarr_etype *et)
{
	struct zarr_dtype dt;
	bool big, known;

	if (!s)
		return -1;
	zarr_dtype_parse_v2(s, &dt, &big, &known);
	if (!known || dt.kind == ZARR_KIND_STRING)
		return -1;
	et->kind = dt.kind;
	et->size = dt.itemsize;
	et->big = big;
	return 0;
}

/* ---- half floats ---- */

uint16_t zarr_half_from_double(double d)
{
	float f = (float)d;
	uint32_t x, sign, mant;
	int exp;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000u;
	exp = (int)((x >> 23) & 0xff);
	mant = x & 0x7fffffu;
	if (exp == 0xff) /* inf or nan (keep top mantissa bits, force quiet) */
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 0x1f)
		return (uint16_t)(sign | 0x7c00u);
	if (exp <= 0) {
		uint32_t m, r;
		int shift;

		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		shift = 14 - exp;
		r = m >> shift;
		if ((m >> (shift - 1)) & 1u && ((m & ((1u << (shift - 1)) - 1)) || (r & 1u)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rest = mant & 0x1fffu;

		if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
			h++;
		return (uint16_t)h;
	}
}

double zarr_half_to_double(uint16_t h)
{
	int exp = (h >> 10) & 0x1f;
	int mant = h & 0x3ff;
	double v;

	if (exp == 0)
		v = ldexp(mant, -24);
	else if (exp == 0x1f)
		v = mant ? NAN : INFINITY;
	else
		v = ldexp(mant | 0x400, exp - 25);
	return (h & 0x8000) ? -v : v;
}

/* ---- element access for filters ---- */

static void load(const struct zarr_etype *et, const uint8_t *p, uint8_t *tmp)
{
	memcpy(tmp, p, (size_t)et->size);
	if (et->big != host_big())
		zarr_bswap(tmp, 1, et->size);
}

static void store_el(const struct zarr_etype *et, uint8_t *p, const uint8_t *tmp)
{
	memcpy(p, tmp, (size_t)et->size);
	if (et->big != host_big())
		zarr_bswap(p, 1, et->size);
}

int64_t zarr_etype_get_i64(const struct zarr_etype *et, const uint8_t *p)
{
	uint8_t t[8];

	load(et, p, t);
	if (et->kind == ZARR_KIND_FLOAT)
		return (int64_t)zarr_etype_get(et, p);
	switch (et->size) {
	case 1:
		return et->kind == ZARR_KIND_INT ? (int64_t)(int8_t)t[0] : (int64_t)t[0];
	case 2: {
		uint16_t v;
		memcpy(&v, t, 2);
		return et->kind == ZARR_KIND_INT ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, t, 4);
		return et->kind == ZARR_KIND_INT ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default: {
		uint64_t v;
		memcpy(&v, t, 8);
		return (int64_t)v;
	}
	}
}

double zarr_etype_get(const struct zarr_etype *et, const uint8_t *p)
{
	uint8_t t[8];

	if (et->kind != ZARR_KIND_FLOAT) {
		if (et->kind == ZARR_KIND_UINT && et->size == 8) {
			uint64_t v;
			load(et, p, t);
			memcpy(&v, t, 8);
			return (double)v;
		}
		return (double)zarr_etype_get_i64(et, p);
	}
	load(et, p, t);
	if (et->size == 2) {
		uint16_t h;
		memcpy(&h, t, 2);
		return zarr_half_to_double(h);
	}
	if (et->size == 4) {
		float f;
		memcpy(&f, t, 4);
		return f;
	}
	{
		double d;
		memcpy(&d, t, 8);
		return d;
	}
}

void zarr_etype_put_i64(const struct zarr_etype *et, uint8_t *p, int64_t v)
{
	uint8_t t[8];
	uint64_t u = (uint64_t)v;

	if (et->kind == ZARR_KIND_FLOAT) {
		zarr_etype_put(et, p, (double)v);
		return;
	}
	if (et->kind == ZARR_KIND_BOOL)
		u = v != 0;
	switch (et->size) {
	case 1:
		t[0] = (uint8_t)u;
		break;
	case 2: {
		uint16_t x = (uint16_t)u;
		memcpy(t, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)u;
		memcpy(t, &x, 4);
		break;
	}
	default:
		memcpy(t, &u, 8);
		break;
	}
	store_el(et, p, t);
}

/* Float to integer the way NumPy's astype does on common platforms (truncate). */
static int64_t double_to_i64(double v)
{
	if (isnan(v))
		return INT64_MIN;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

void zarr_etype_put(const struct zarr_etype *et, uint8_t *p, double v)
{
	uint8_t t[8];

	if (et->kind != ZARR_KIND_FLOAT) {
		if (et->kind == ZARR_KIND_UINT && et->size == 8 && v >= 9223372036854775808.0) {
			uint64_t u = v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
			memcpy(t, &u, 8);
			store_el(et, p, t);
			return;
		}
		zarr_etype_put_i64(et, p, double_to_i64(v));
		return;
	}
	if (et->size == 2) {
		uint16_t h = zarr_half_from_double(v);
		memcpy(t, &h, 2);
	} else if (et->size == 4) {
		float f = (float)v;
		memcpy(t, &f, 4);
	} else {
		memcpy(t, &v, 8);
	}
	store_el(et, p, t);
}

/* ---- fill values ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 into a new buffer.  @return 0 or -1 for bad input. */
static int b64_decode(const char *s, char **out, size_t *outlen)
{
	size_t n = strlen(s), i, o = 0;
	uint32_t acc = 0;
	int bits = 0;
	char *buf = bf_malloc(n + 1);

	if (!buf)
		return -1;
	for (i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		v = b64val((unsigned char)s[i]);
		if (v < 0) {
			bf_free(buf);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	buf[o] = 0;
	*out = buf;
	*outlen = o;
	return 0;
}

/* Special float strings; @return 0 and sets *v, or -1. */
static int float_special(const char *s, double *v)
{
	if (!strcmp(s, "NaN"))
		*v = NAN;
	else if (!strcmp(s, "Infinity") || !strcmp(s, "inf") || !strcmp(s, "+Infinity"))
		*v = INFINITY;
	else if (!strcmp(s, "-Infinity") || !strcmp(s, "-inf"))
		*v = -INFINITY;
	else
		return -1;
	return 0;
}

static int fill_numeric(struct zarr_array *a, json_t *fv, struct bf_err *err)
{
	const struct zarr_dtype *dt = &a->dtype;
	struct zarr_etype et = {dt->kind, dt->itemsize, host_big()};
	uint8_t *p = a->fill;

	memset(a->fill, 0, sizeof(a->fill));
	if (json_is_null(fv))
		return 0;
	if (json_is_boolean(fv)) {
		zarr_etype_put_i64(&et, p, json_is_true(fv));
		return 0;
	}
	if (json_is_integer(fv)) {
		json_int_t v = json_integer_value(fv);

		if (dt->kind == ZARR_KIND_BOOL && v != 0 && v != 1)
			goto bad;
		zarr_etype_put_i64(&et, p, (int64_t)v);
		return 0;
	}
	if (json_is_real(fv)) {
		double v = json_real_value(fv);

		if (dt->kind != ZARR_KIND_FLOAT && v != floor(v))
			goto bad;
		zarr_etype_put(&et, p, v);
		return 0;
	}
	if (json_is_string(fv) && dt->kind == ZARR_KIND_FLOAT) {
		const char *s = json_string_value(fv);
		double v;

		if (!float_special(s, &v)) {
			zarr_etype_put(&et, p, v);
			return 0;
		}
		if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) {
			char *end;
			unsigned long long bits;
			size_t nd = strlen(s + 2);

			if (nd == 0 || nd > (size_t)dt->itemsize * 2)
				goto bad;
			bits = strtoull(s + 2, &end, 16);
			if (*end)
				goto bad;
			if (dt->itemsize == 2) {
				uint16_t h = (uint16_t)bits;
				memcpy(p, &h, 2);
			} else if (dt->itemsize == 4) {
				uint32_t w = (uint32_t)bits;
				memcpy(p, &w, 4);
			} else {
				uint64_t w = bits;
				memcpy(p, &w, 8);
			}
			return 0;
		}
	}
bad:
	return bf_err_set(err, BF_E_FORMAT, "bad fill_value for dtype '%s'", dt->text);
}

int zarr_fill_parse(struct zarr_array *a, json_t *fv, struct bf_err *err)
{
	size_t i;

	a->fill_str = NULL;
	a->fill_str_len = 0;
	if (a->dtype.kind != ZARR_KIND_STRING) {
		int rc = fill_numeric(a, fv, err);

		if (rc < 0)
			return rc;
		a->fill_zero = true;
		for (i = 0; i < sizeof(a->fill); i++)
			if (a->fill[i])
				a->fill_zero = false;
		goto empty;
	}
	a->fill_zero = true;
	if (json_is_null(fv) || (json_is_integer(fv) && json_integer_value(fv) == 0))
		goto empty;
	if (json_is_string(fv)) {
		const char *s = json_string_value(fv);

		if (!a->dtype.utf32 && !a->vlen && a->dtype.fixed_chars > 0) {
			/* |Sn: base64 */
			if (b64_decode(s, &a->fill_str, &a->fill_str_len) < 0)
				return bf_err_set(err, BF_E_FORMAT,
						  "bad base64 fill_value for dtype '%s'",
						  a->dtype.text);
			/* NumPy strips trailing NULs of fixed bytes */
			while (a->fill_str_len && !a->fill_str[a->fill_str_len - 1])
				a->fill_str_len--;
		} else {
			a->fill_str = bf_strdup(s);
			if (!a->fill_str)
				return bf_err_set(err, BF_E_NOMEM, "out of memory");
			a->fill_str_len = strlen(s);
		}
		a->fill_zero = a->fill_str_len == 0;
		return 0;
	}
	if (json_is_array(fv) && !a->dtype.utf32 && !a->vlen) {
		/* v3 bytes fill as a list of integers */
		size_t n = json_array_size(fv);

		a->fill_str = bf_malloc(n + 1);
		if (!a->fill_str)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			json_t *e = json_array_get(fv, i);

			if (!json_is_integer(e) || json_integer_value(e) < 0 ||
			    json_integer_value(e) > 255)
				return bf_err_set(err, BF_E_FORMAT, "bad fill_value for dtype '%s'",
						  a->dtype.text);
			a->fill_str[i] = (char)json_integer_value(e);
		}
		a->fill_str_len = n;
		while (a->fill_str_len && !a->fill_str[a->fill_str_len - 1])
			a->fill_str_len--;
		a->fill_str[a->fill_str_len] = 0;
		a->fill_zero = a->fill_str_len == 0;
		return 0;
	}
	return bf_err_set(err, BF_E_FORMAT, "bad fill_value for dtype '%s'", a->dtype.text);
empty:
	if (!a->fill_str) {
		a->fill_str = bf_strdup("");
		if (!a->fill_str)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	return 0;
}
