/*
 * fmt_raw8.c - a test-only output format: the selected genotypes as raw int8.
 *
 * Owns: fmt_raw8_ops, the smallest format the interface of format.h allows:
 * no prefix, each variant's n_samples * ploidy genotype bytes as stored
 * (after the engine's int8 saturation), from rows or sample blocks.  It
 * shows that a format is one file plus one line in format.c's table; the
 * unit tests drive the engine with it.  No command serves it.
 */
#include "util/bf_config.h"

#include "format/format.h"
#include "util/alloc.h"

#include <string.h>

struct raw8 {
	size_t row; /* bytes of one variant */
	int ploidy;
};

static int raw8_open(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
		     struct fmt_info *info, void **state, struct bf_err *err)
{
	struct raw8 *r;

	(void)opts;
	(void)prefix;
	*state = NULL;
	if (!s->has_gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", s->store);
	r = bf_calloc(1, sizeof(*r));
	if (!r)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	r->row = s->n_samples * (size_t)s->ploidy;
	r->ploidy = s->ploidy;
	*state = r;
	info->bytes_per_variant = r->row;
	info->col_align = 1;
	return 0;
}

static void raw8_close(void *state)
{
	bf_free(state);
}

static int raw8_encode(void *state, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		       struct bf_err *err)
{
	const struct raw8 *r = state;
	size_t need = c->n_variants * r->row;

	if (need > cap)
		return bf_err_set(err, BF_E_INVAL, "raw8: %zu bytes into %zu", need, cap);
	if (need)
		memcpy(out, c->gt, need);
	return 0;
}

static void raw8_cols(void *state, const int8_t *gt, size_t rows, size_t j0, size_t n,
		      size_t stride, uint8_t *out, size_t row_bytes)
{
	const struct raw8 *r = state;
	size_t w = n * (size_t)r->ploidy;

	for (size_t i = 0; i < rows; i++)
		memcpy(out + i * row_bytes + j0 * (size_t)r->ploidy, gt + i * stride, w);
}

const struct fmt_ops fmt_raw8_ops = {
    .name = "raw8",
    .ext = ".raw8",
    .open = raw8_open,
    .close = raw8_close,
    .encode = raw8_encode,
    .encode_cols = raw8_cols,
};
