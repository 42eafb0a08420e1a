/*
 * test_plan.c - select/plan on a store written by vcz_builder.h: the
 * whole store, -m/-M on a multi-allelic row, a region, and a region with
 * -M together; chunks without a selected row are left out.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "select/plan.h"
#include "vcz/vcz.h"
#include "vcz_builder.h"

static char *dir;
static struct vcz *v;

static int setup(void **state)
{
	/* 40 variants in chunks of 16; variant 18 has three alleles; 0..19 on chr1 */
	struct vb_spec sp = {8, 40, 16, 8, 3, -1, 18, -1, 0};
	struct bf_err err;

	(void)state;
	dir = vb_build(&sp);
	v = vcz_open(dir, &err);
	return v ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	vcz_free(v);
	vb_remove(dir);
	return 0;
}

/* The plan's selected global rows, in order. */
static size_t plan_rows(const struct plan *p, int *out, size_t cap)
{
	size_t n = 0;

	for (size_t k = 0; k < p->n_chunks; k++) {
		assert_true(p->chunks[k].n > 0);
		if (k)
			assert_true(p->chunks[k].ci > p->chunks[k - 1].ci);
		for (uint32_t j = 0; j < p->chunks[k].n; j++) {
			assert_true(n < cap);
			out[n++] = (int)(p->chunks[k].ci * v->vchunk) +
				   (int)plan_chunk_row(&p->chunks[k], j);
		}
	}
	assert_int_equal(n, p->n_variants);
	return n;
}

static void test_whole(void **state)
{
	struct select_opts o;
	struct plan p;
	struct bf_err err;
	int rows[64];

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(select_plan(v, &o, NULL, &p, &err), 0);
	assert_int_equal(p.n_chunks, 3);
	assert_int_equal(p.n_variants, 40);
	for (size_t k = 0; k < 3; k++)
		assert_null(p.chunks[k].rows); /* whole chunks carry no row list */
	assert_int_equal(p.chunks[2].n, 8);
	assert_int_equal(plan_rows(&p, rows, 64), 40);
	plan_release(&p);
}

static void test_alleles(void **state)
{
	struct select_opts o;
	struct plan p;
	struct bf_err err;
	int rows[64];
	size_t n;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.max_alleles = 2;
	assert_int_equal(select_plan(v, &o, NULL, &p, &err), 0);
	n = plan_rows(&p, rows, 64);
	assert_int_equal(n, 39);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(rows[i], 18);
	assert_non_null(p.chunks[1].rows);
	assert_null(p.chunks[0].rows);
	plan_release(&p);
	o.max_alleles = 0;
	o.min_alleles = 3;
	assert_int_equal(select_plan(v, &o, NULL, &p, &err), 0);
	assert_int_equal(plan_rows(&p, rows, 64), 1);
	assert_int_equal(rows[0], 18);
	assert_int_equal(p.n_chunks, 1); /* chunks 0 and 2 hold nothing */
	plan_release(&p);
}

static void test_region(void **state)
{
	struct select_opts o;
	struct plan p;
	struct bf_err err;
	int rows[64];
	size_t n;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.regions = "chr1:200-300"; /* positions 100 + 10 v on chr1 for v < 20 */
	assert_int_equal(select_plan(v, &o, NULL, &p, &err), 0);
	n = plan_rows(&p, rows, 64);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rows[i], 10 + (int)i);
	plan_release(&p);
	o.max_alleles = 2;
	assert_int_equal(select_plan(v, &o, NULL, &p, &err), 0);
	n = plan_rows(&p, rows, 64);
	assert_int_equal(n, 9);
	plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole),
	    cmocka_unit_test(test_alleles),
	    cmocka_unit_test(test_region),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
