/*
 * vcz_fields.c - site-level arrays for the filters (see vcz_fields.h).
 */
#include "util/bf_config.h"

#include "vcz/vcz_fields.h"
#include "util/alloc.h"
#include "zarr/zarr.h"

#include <math.h>
#include <string.h>

struct vcz_field {
	const struct vcz *v;
	struct zarr_array *a;
	enum vcz_field_type type;
	int ndim, width;
	int64_t ch;	/* variants per stored chunk */
	int64_t cached; /* stored chunk held in raw / strs, or -1 */
	void *raw;	/* decoded stored chunk (fixed-size types) */
	size_t raw_cap;
	struct zarr_strings strs;
	double *num; /* one min chunk */
	uint8_t *state;
	size_t num_cap;
};

bool vcz_has_array(const struct vcz *v, const char *name)
{
	struct bf_err e;
	struct zarr_array *a;

	bf_err_clear(&e);
	a = zarr_array_open(v->group, name, &e);
	zarr_array_free(a);
	return a != NULL;
}

struct vcz_field *vcz_field_open(const struct vcz *v, const char *name, struct bf_err *err)
{
	struct vcz_field *f;
	struct zarr_array *a = zarr_array_open(v->group, name, err);
	const struct zarr_dtype *dt;

	if (!a)
		return NULL;
	dt = zarr_array_dtype(a);
	if (zarr_array_ndim(a) < 1 || zarr_array_ndim(a) > 2 ||
	    zarr_array_shape(a)[0] != v->n_variants || zarr_array_chunks(a)[0] % v->vchunk) {
		bf_err_set(err, BF_E_FORMAT,
			   "array '%s' is not a variants-axis array chunked like the store", name);
		zarr_array_free(a);
		return NULL;
	}
	if (zarr_array_ndim(a) == 2 && zarr_array_chunks(a)[1] < zarr_array_shape(a)[1]) {
		bf_err_set(err, BF_E_UNSUPPORTED, "array '%s': the second axis is chunked", name);
		zarr_array_free(a);
		return NULL;
	}
	f = bf_calloc(1, sizeof(*f));
	if (!f) {
		zarr_array_free(a);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	f->v = v;
	f->a = a;
	f->ndim = zarr_array_ndim(a);
	f->width = f->ndim == 2 ? (int)zarr_array_shape(a)[1] : 1;
	f->ch = zarr_array_chunks(a)[0];
	f->cached = -1;
	switch (dt->kind) {
	case ZARR_KIND_BOOL:
		f->type = VCZ_FIELD_BOOL;
		break;
	case ZARR_KIND_INT:
	case ZARR_KIND_UINT:
		f->type = VCZ_FIELD_INT;
		break;
	case ZARR_KIND_FLOAT:
		f->type = VCZ_FIELD_FLOAT;
		break;
	case ZARR_KIND_STRING:
	default:
		f->type = VCZ_FIELD_STRING;
		break;
	}
	return f;
}

void vcz_field_free(struct vcz_field *f)
{
	if (!f)
		return;
	zarr_array_free(f->a);
	bf_free(f->raw);
	zarr_strings_release(&f->strs);
	bf_free(f->num);
	bf_free(f->state);
	bf_free(f);
}

enum vcz_field_type vcz_field_type(const struct vcz_field *f)
{
	return f->type;
}

int vcz_field_width(const struct vcz_field *f)
{
	return f->width;
}

int vcz_field_ndim(const struct vcz_field *f)
{
	return f->ndim;
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

/* Convert element i of a decoded fixed-size chunk. */
static void load(const struct zarr_dtype *dt, const uint8_t *p, bool info_sentinels, double *out,
		 uint8_t *st)
{
	*st = VCZ_VAL;
	switch (dt->kind) {
	case ZARR_KIND_BOOL:
		*out = *p != 0;
		return;
	case ZARR_KIND_FLOAT:
		if (dt->itemsize == 4) {
			uint32_t b;
			float x;

			memcpy(&b, p, 4);
			memcpy(&x, p, 4);
			*st = b == 0x7F800001u	 ? VCZ_MISSING
			      : b == 0x7F800002u ? VCZ_FILL
						 : VCZ_VAL;
			*out = x;
		} else if (dt->itemsize == 8) {
			uint64_t b;

			memcpy(&b, p, 8);
			memcpy(out, p, 8);
			*st = b == 0x7FF0000000000001ull   ? VCZ_MISSING
			      : b == 0x7FF0000000000002ull ? VCZ_FILL
							   : VCZ_VAL;
		} else {
			uint16_t b;

			memcpy(&b, p, 2);
			*st = b == 0x7C01 ? VCZ_MISSING : b == 0x7C02 ? VCZ_FILL : VCZ_VAL;
			*out = half_to_double(b);
		}
		return;
	case ZARR_KIND_UINT: {
		uint64_t x = 0;

		memcpy(&x, p, (size_t)dt->itemsize); /* little-endian host */
		*out = (double)x;
		return;
	}
	case ZARR_KIND_INT:
	default: {
		int64_t x;

		switch (dt->itemsize) {
		case 1:
			x = (int8_t)*p;
			break;
		case 2: {
			int16_t y;
			memcpy(&y, p, 2);
			x = y;
			break;
		}
		case 4: {
			int32_t y;
			memcpy(&y, p, 4);
			x = y;
			break;
		}
		default:
			memcpy(&x, p, 8);
			break;
		}
		*out = (double)x;
		if (info_sentinels && (x == -1 || x == -2))
			*st = x == -1 ? VCZ_MISSING : VCZ_FILL;
		return;
	}
	case ZARR_KIND_STRING:
		break;
	}
}

static int load_chunk(struct vcz_field *f, int64_t sc, struct bf_err *err)
{
	int64_t idx[ZARR_MAX_DIMS] = {0};

	if (f->cached == sc)
		return 0;
	f->cached = -1;
	idx[0] = sc;
	if (f->type == VCZ_FIELD_STRING) {
		zarr_strings_release(&f->strs);
		BF_FORWARD(zarr_array_read_chunk_strings(f->a, idx, &f->strs, err));
	} else {
		size_t need;

		if (!bf_size_mul(zarr_array_chunk_nelem(f->a),
				 (size_t)zarr_array_dtype(f->a)->itemsize, &need))
			return bf_err_set(err, BF_E_FORMAT, "array '%s': chunk too large",
					  zarr_array_name(f->a));
		if (need > f->raw_cap) {
			void *p = bf_realloc(f->raw, need);

			if (!p)
				return bf_err_set(err, BF_E_NOMEM, "out of memory");
			f->raw = p;
			f->raw_cap = need;
		}
		BF_FORWARD(zarr_array_read_chunk(f->a, idx, f->raw, need, err));
	}
	f->cached = sc;
	return 0;
}

int vcz_field_read(struct vcz_field *f, int64_t ci, struct vcz_column *c, struct bf_err *err)
{
	const int64_t g0 = ci * f->v->vchunk;
	const int64_t n = vcz_chunk_rows(f->v, ci);
	const int64_t sc = g0 / f->ch, off = g0 % f->ch;
	const size_t w = (size_t)f->width;
	size_t need = (size_t)n * w, i;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->width = f->width;
	if (n <= 0)
		return 0;
	BF_FORWARD(load_chunk(f, sc, err));
	if (f->type == VCZ_FIELD_STRING) {
		if (f->strs.n < (size_t)(off + n) * w)
			return bf_err_set(err, BF_E_FORMAT, "array '%s': short string chunk",
					  zarr_array_name(f->a));
		c->strs = &f->strs;
		c->row0 = off;
		return 0;
	}
	if (need > f->num_cap) {
		double *d = bf_realloc(f->num, need * sizeof(double));
		uint8_t *s;

		if (!d)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		f->num = d;
		s = bf_realloc(f->state, need);
		if (!s)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		f->state = s;
		f->num_cap = need;
	}
	{
		const struct zarr_dtype *dt = zarr_array_dtype(f->a);
		const size_t isz = (size_t)dt->itemsize;
		const uint8_t *base = (const uint8_t *)f->raw + (size_t)off * w * isz;

		for (i = 0; i < need; i++)
			load(dt, base + i * isz, true, &f->num[i], &f->state[i]);
	}
	c->num = f->num;
	c->state = f->state;
	return 0;
}

void vcz_column_string(const struct vcz_column *c, int64_t r, int k, const char **p, size_t *len)
{
	size_t i = (size_t)(c->row0 + r) * (size_t)c->width + (size_t)k;

	if (!c->strs || i >= c->strs->n) {
		*p = "";
		*len = 0;
		return;
	}
	*p = (const char *)c->strs->data + c->strs->off[i];
	*len = c->strs->len[i];
}

void vcz_strings_free(char **s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		bf_free(s[i]);
	bf_free(s);
}

int vcz_read_string_array(const struct vcz *v, const char *name, char ***out, size_t *n_out,
			  struct bf_err *err)
{
	struct zarr_array *a = zarr_array_open(v->group, name, err);
	char **s = NULL;
	int64_t n, c, nc, ch;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (!a)
		return err ? err->code : BF_E_NOTFOUND;
	if (zarr_array_ndim(a) != 1 || zarr_array_dtype(a)->kind != ZARR_KIND_STRING) {
		zarr_array_free(a);
		return bf_err_set(err, BF_E_FORMAT, "array '%s' is not a 1-D string array", name);
	}
	n = zarr_array_shape(a)[0];
	ch = zarr_array_chunks(a)[0];
	nc = zarr_array_nchunks(a, 0);
	s = bf_calloc((size_t)n + 1, sizeof(*s));
	if (!s) {
		zarr_array_free(a);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	for (c = 0; c < nc && rc == 0; c++) {
		int64_t idx[ZARR_MAX_DIMS] = {0}, i, ext = zarr_array_chunk_extent(a, 0, c);
		struct zarr_strings zs = {0};

		idx[0] = c;
		rc = zarr_array_read_chunk_strings(a, idx, &zs, err);
		for (i = 0; rc == 0 && i < ext && (size_t)i < zs.n; i++) {
			s[c * ch + i] = bf_strndup((const char *)zs.data + zs.off[i], zs.len[i]);
			if (!s[c * ch + i])
				rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		}
		zarr_strings_release(&zs);
	}
	for (c = 0; rc == 0 && c < n; c++)
		if (!s[c] && !(s[c] = bf_strdup("")))
			rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
	zarr_array_free(a);
	if (rc < 0) {
		vcz_strings_free(s, (size_t)n);
		return rc;
	}
	*out = s;
	*n_out = (size_t)n;
	return 0;
}
