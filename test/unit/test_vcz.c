/*
 * test_vcz.c - the vcz layer on small stores written by vcz_builder.h:
 * samples (null ids), contigs and variant metadata, and genotype blocks
 * (vcz_gt_each) for whole selections and subsets, as bytes, sample-chunk
 * blocks and bit planes, plus the phase flags of rows.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "vcz/vcz.h"
#include "vcz_builder.h"

/* Genotypes a walk reassembled: [rows][n_sel][2], and which blocks came. */
struct got {
	int8_t *gt;
	uint8_t *ph;
	size_t n_sel, rows;
	int bytes, planes, cols, phased_blocks;
};

/* Undo the bit planes of one row segment into genotype bytes. */
static void unplane(const struct vcz_block *b, int8_t *dst)
{
	for (size_t j = 0; j < (b->n + 3) / 4; j++)
		for (unsigned i = 0; i < 8; i++) {
			uint8_t x = 0;

			for (unsigned p = 0; p < 8; p++)
				x |= (uint8_t)((b->planes[p * b->pstride + j] >> i & 1) << p);
			if (4 * j + i / 2 < b->n)
				dst[8 * j + i] = (int8_t)x;
		}
}

static int collect(void *ctx, const struct vcz_block *b, struct bf_err *err)
{
	struct got *g = ctx;

	(void)err;
	assert_true(b->r0 + b->nrows <= g->rows);
	assert_true(b->j0 + b->n <= g->n_sel);
	if (b->kind == VCZ_BLOCK_PLANES) {
		g->planes++;
		unplane(b, g->gt + (b->r0 * g->n_sel + b->j0) * 2);
		return 0;
	}
	g->bytes++;
	g->cols += b->n < g->n_sel;
	for (size_t r = 0; r < b->nrows; r++)
		memcpy(g->gt + ((b->r0 + r) * g->n_sel + b->j0) * 2, b->gt + r * b->stride,
		       b->n * 2);
	if (b->phased) {
		g->phased_blocks++;
		memcpy(g->ph + b->r0 * g->n_sel, b->phased, b->nrows * g->n_sel);
	}
	return 0;
}

/* Walk rows of chunk ci of `dir` for samples raw[0..n) and check every byte. */
static struct got walk(struct vcz *v, const size_t *raw, size_t n, int64_t ci, const uint32_t *rows,
		       uint32_t nrows, unsigned accept, size_t align)
{
	struct vcz_samplesel sel;
	struct vcz_reader *rd;
	struct vcz_gt_request q;
	struct got g;
	struct bf_err err;

	memset(&g, 0, sizeof(g));
	assert_int_equal(vcz_samplesel_init(v, raw, n, &sel, &err), 0);
	rd = vcz_reader_create(v, &sel, (size_t)v->vchunk, &err);
	assert_non_null(rd);
	memset(&q, 0, sizeof(q));
	q.ci = ci;
	q.rows = rows;
	q.first = rows ? rows[0] : 0;
	q.n = nrows;
	q.accept = accept;
	q.col_align = align;
	g.n_sel = n;
	g.rows = nrows;
	g.gt = calloc(nrows * n * 2 + 1, 1);
	g.ph = calloc(nrows * n + 1, 1);
	memset(g.gt, 0x55, nrows * n * 2);
	assert_int_equal(vcz_gt_each(rd, &q, collect, &g, &err), 0);
	for (uint32_t r = 0; r < nrows; r++) {
		int vr = (int)(ci * v->vchunk) + (int)(rows ? rows[r] : r);

		for (size_t j = 0; j < n; j++) {
			assert_int_equal(g.gt[(r * n + j) * 2], vb_gt(vr, (int)raw[j], 0));
			assert_int_equal(g.gt[(r * n + j) * 2 + 1], vb_gt(vr, (int)raw[j], 1));
			if (g.phased_blocks)
				assert_int_equal(g.ph[r * n + j], vb_phased(vr, (int)raw[j]));
		}
	}
	vcz_reader_free(rd);
	vcz_samplesel_release(&sel);
	free(g.gt);
	free(g.ph);
	g.gt = NULL;
	g.ph = NULL;
	return g;
}

static void test_samples_and_contigs(void **state)
{
	struct vb_spec sp = {10, 40, 16, 10, 3, 4, 7, 1, 0};
	char *dir = vb_build(&sp);
	struct bf_err err;
	struct vcz *v = vcz_open(dir, &err);
	struct vcz_meta m;
	const char *p;
	size_t len;

	(void)state;
	assert_non_null(v);
	assert_string_equal(v->version, "0.2");
	assert_int_equal(v->n_raw_samples, 10);
	assert_int_equal(v->n_samples, 9); /* sample 4's id is empty: never selectable */
	for (size_t i = 0, k = 0; i < 10; i++)
		if (i != 4)
			assert_int_equal(v->samples[k++], i);
	assert_string_equal(v->raw_sample_ids[3], "s3");
	assert_int_equal(v->raw_sample_len[4], 0);
	assert_int_equal(v->n_contigs, 3);
	assert_string_equal(v->contigs[2], "chr3");
	assert_int_equal(v->n_variants, 40);
	assert_int_equal(v->vchunk, 16);
	assert_int_equal(v->n_vchunks, 3);
	assert_int_equal(vcz_chunk_rows(v, 2), 8);
	assert_int_equal(v->ploidy, 2);
	/* chunk 1: rows 16..31; variant 20 on contig 0 and 7 multi-allelic elsewhere */
	assert_int_equal(vcz_meta_read(v, 1, &m, &err), 0);
	assert_int_equal(m.n, 16);
	for (int r = 0; r < 16; r++) {
		assert_int_equal(m.contig[r], vb_contig(&sp, 16 + r));
		assert_int_equal(m.pos[r], 100 + 10 * (16 + r));
	}
	vcz_meta_id(&m, 3, &p, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "rs19", 4);
	vcz_meta_allele(&m, 3, 1, &p, &len);
	assert_int_equal(len, 1);
	assert_memory_equal(p, "C", 1);
	assert_false(vcz_meta_multi_allelic(&m, 3));
	vcz_meta_release(&m);
	assert_int_equal(vcz_meta_read(v, 0, &m, &err), 0);
	assert_true(vcz_meta_multi_allelic(&m, 7));
	assert_int_equal(vcz_meta_n_alt(&m, 7), 2);
	assert_int_equal(vcz_meta_n_alt(&m, 6), 1);
	vcz_meta_release(&m);
	/* a null sample cannot be selected */
	{
		size_t bad = 4;
		struct vcz_samplesel sel;

		assert_int_equal(vcz_samplesel_init(v, &bad, 1, &sel, &err), BF_E_INVAL);
	}
	vcz_free(v);
	vb_remove(dir);
}

/* Whole selection, one sample chunk: rows through the window, as planes or bytes. */
static void test_blocks_whole(void **state)
{
	for (int bs = -1; bs <= 1; bs++) {
		struct vb_spec sp = {16, 40, 16, 16, 1, -1, -1, bs, 0};
		char *dir = vb_build(&sp);
		struct bf_err err;
		struct vcz *v = vcz_open(dir, &err);
		size_t raw[16];
		struct got g;

		(void)state;
		assert_non_null(v);
		for (size_t i = 0; i < 16; i++)
			raw[i] = i;
		g = walk(v, raw, 16, 1, NULL, 16, VCZ_ACCEPT_PLANES, 0);
		if (bs == 1) /* bit-shuffled one-byte items: planes, never bytes */
			assert_true(g.planes > 0 && g.bytes == 0);
		else
			assert_true(g.planes == 0 && g.bytes > 0);
		g = walk(v, raw, 16, 1, NULL, 16, 0, 0);
		assert_true(g.planes == 0 && g.bytes > 0);
		/* the last, short chunk, a row range, and the phase bytes */
		g = walk(v, raw, 16, 2, NULL, 8, VCZ_WANT_PHASED, 0);
		assert_true(g.phased_blocks > 0);
		g = walk(v, raw, 16, 0, NULL, 16, VCZ_WANT_WHOLE, 0);
		assert_int_equal(g.bytes, 1);
		vcz_free(v);
		vb_remove(dir);
	}
}

/* Subsets: samples in another order across sample chunks, and row subsets. */
static void test_blocks_subsets(void **state)
{
	struct vb_spec sp = {24, 40, 16, 8, 2, -1, -1, 1, 0};
	char *dir = vb_build(&sp);
	struct bf_err err;
	struct vcz *v = vcz_open(dir, &err);
	size_t all[24], pick[5] = {17, 3, 9, 8, 23};
	uint32_t rows[4] = {2, 3, 9, 15};
	struct got g;

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < 24; i++)
		all[i] = i;
	/* every sample over three sample chunks: one block per sample chunk */
	assert_int_equal(
	    vcz_gt_mode(v, &(struct vcz_samplesel){24, all, 0, NULL, true}, VCZ_ACCEPT_COLS, 4),
	    VCZ_GT_COLS);
	g = walk(v, all, 24, 0, NULL, 16, VCZ_ACCEPT_COLS | VCZ_ACCEPT_PLANES, 4);
	assert_true(g.planes > 0);
	g = walk(v, all, 24, 0, NULL, 16, VCZ_ACCEPT_COLS, 4);
	assert_true(g.cols >= 3);
	/* not aligned to 16-sample blocks: gathered into one block */
	g = walk(v, all, 24, 0, NULL, 16, VCZ_ACCEPT_COLS, 16);
	assert_int_equal(g.bytes, 1);
	/* a subset in its own order, with phase bytes, whole and row subsets */
	g = walk(v, pick, 5, 1, NULL, 16, VCZ_ACCEPT_PLANES | VCZ_WANT_PHASED, 0);
	assert_int_equal(g.bytes, 1);
	assert_int_equal(g.phased_blocks, 1);
	g = walk(v, pick, 5, 0, rows, 4, VCZ_WANT_PHASED, 0);
	assert_int_equal(g.bytes, 1);
	g = walk(v, all, 24, 2, rows, 2, VCZ_ACCEPT_COLS, 4);
	assert_int_equal(g.bytes, 1);
	vcz_free(v);
	vb_remove(dir);
}

static void test_phase_rows(void **state)
{
	for (int bs = -1; bs <= 1; bs += 2) {
		struct vb_spec sp = {16, 40, 16, 16, 1, -1, -1, bs, 0};
		char *dir = vb_build(&sp);
		struct bf_err err;
		struct vcz *v = vcz_open(dir, &err);
		size_t all[16], pick[3] = {0, 5, 9};
		uint32_t rows[3] = {1, 2, 3};
		uint8_t fl[16];

		(void)state;
		assert_non_null(v);
		assert_true(vcz_has_phased(v));
		for (size_t i = 0; i < 16; i++)
			all[i] = i;
		for (int sub = 0; sub < 3; sub++) {
			struct vcz_samplesel sel;
			struct vcz_reader *rd;
			struct vcz_gt_request q;
			const size_t *raw = sub == 1 ? pick : all;
			size_t n = sub == 1 ? 3 : 16;

			assert_int_equal(vcz_samplesel_init(v, raw, n, &sel, &err), 0);
			rd = vcz_reader_create(v, &sel, 16, &err);
			memset(&q, 0, sizeof(q));
			q.ci = 1;
			q.rows = sub == 2 ? rows : NULL;
			q.first = sub == 2 ? 1 : 0;
			q.n = sub == 2 ? 3 : 16;
			assert_int_equal(vcz_phase_rows(rd, &q, fl, &err), 0);
			for (uint32_t r = 0; r < q.n; r++) {
				int vr = 16 + (int)(q.rows ? q.rows[r] : r);
				uint8_t any = 0, every = 1;

				for (size_t j = 0; j < n; j++) {
					any |= vb_phased(vr, (int)raw[j]);
					every &= vb_phased(vr, (int)raw[j]);
				}
				assert_int_equal(fl[r], (any ? VCZ_PHASE_ANY : 0) |
							    (every ? VCZ_PHASE_ALL : 0));
			}
			vcz_reader_free(rd);
			vcz_samplesel_release(&sel);
		}
		vcz_free(v);
		vb_remove(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples_and_contigs),
	    cmocka_unit_test(test_blocks_whole),
	    cmocka_unit_test(test_blocks_subsets),
	    cmocka_unit_test(test_phase_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
