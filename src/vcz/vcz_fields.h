/*
 * vcz_fields.h - site-level arrays (variant_quality, variant_filter,
 * variant_<INFO>, ...) read one min chunk at a time, for the filters.
 *
 * Owns: opening any variants-axis array by name, its value type and width
 * (1 for a 1-D array, the second dimension for Number=A/R/G/./n fields),
 * and decoding the rows of one min chunk into doubles with a per-value
 * state (value, VCZ missing, VCZ fill; spec/vcz-input.md §2.4) or strings.
 * Also the whole of small 1-D string arrays (filter_id).  A field caches
 * the last decoded chunk, so walking min chunks in order decodes each
 * stored chunk of a k-times larger variant-only chunking once.
 *
 * Thread-safety: one field is used by one thread at a time.
 */
#ifndef BF_VCZ_FIELDS_H
#define BF_VCZ_FIELDS_H

#include "util/bf_config.h"

#include "util/err.h"
#include "vcz/vcz.h"

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

enum vcz_field_type {
	VCZ_FIELD_INT,
	VCZ_FIELD_FLOAT,
	VCZ_FIELD_BOOL,
	VCZ_FIELD_STRING,
};

/* Per-value state in a decoded column. */
enum { VCZ_VAL = 0, VCZ_MISSING = 1, VCZ_FILL = 2 };

struct vcz_field;
struct zarr_strings;

/* Whether the store has an array of this name. */
bool vcz_has_array(const struct vcz *v, const char *name);

/*
 * Open variants-axis array `name` (1-D or 2-D).  @return the field, or NULL
 * with BF_E_NOTFOUND when absent, BF_E_FORMAT / BF_E_UNSUPPORTED when it is
 * not a variants-axis array of a type the filters read.
 */
struct vcz_field *vcz_field_open(const struct vcz *v, const char *name, struct bf_err *err);
void vcz_field_free(struct vcz_field *f);

enum vcz_field_type vcz_field_type(const struct vcz_field *f);
int vcz_field_width(const struct vcz_field *f);
int vcz_field_ndim(const struct vcz_field *f);

/* The rows of one min chunk. */
struct vcz_column {
	int64_t n;	/* rows */
	int width;	/* values a row */
	double *num;	/* n * width numbers (ints, floats, 0/1 for bools); NULL for strings */
	uint8_t *state; /* n * width VCZ_VAL / VCZ_MISSING / VCZ_FILL; NULL for strings */
	const struct zarr_strings *strs; /* strings: element (row0 + r) * width + k */
	int64_t row0;
};

/*
 * Decode min chunk `ci` of the field into `c` (buffers owned by the field,
 * valid until the next read or free).
 */
int vcz_field_read(struct vcz_field *f, int64_t ci, struct vcz_column *c,
		   struct bf_err *err) BF_MUST_CHECK;

/* String value k of row r (borrowed bytes). */
void vcz_column_string(const struct vcz_column *c, int64_t r, int k, const char **p, size_t *len);

/*
 * All values of a 1-D string array (e.g. filter_id) as NUL-terminated
 * copies; free with vcz_strings_free.  @return 0, BF_E_NOTFOUND, ...
 */
int vcz_read_string_array(const struct vcz *v, const char *name, char ***out, size_t *n,
			  struct bf_err *err) BF_MUST_CHECK;
void vcz_strings_free(char **s, size_t n);

#endif
