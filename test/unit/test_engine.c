/*
 * test_engine.c - engine/source, engine/export and engine/sidecar on stores
 * written by vcz_builder.h, through the format interface:
 *   - the test-only raw int8 format (format/fmt_raw8.c, one line in
 *     format.c's table) serves exactly the selected genotypes, for every
 *     read path (window rows, sample-chunk blocks, gathered subsets, row
 *     subsets), drained in order and by position;
 *   - .bed and fixed BGEN give the same bytes from bit planes as from bytes
 *     (a bit-shuffled store against the same values stored raw), and a
 *     value the BGEN planes kernel declines gives the byte path's error;
 *   - the sidecars (.bim, .fam) and the up-front checks walk the plan.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "engine/export.h"
#include "engine/sidecar.h"
#include "format/bgen.h"
#include "format/format.h"
#include "format/plink_text.h"
#include "util/alloc.h"
#include "util/strbuf.h"
#include "vcz_builder.h"

#include <fcntl.h>

static int sink(void *ctx, const uint8_t *p, size_t n, struct bf_err *err)
{
	(void)err;
	return bf_strbuf_add(ctx, p, n);
}

static int psink(void *ctx, uint64_t off, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct bf_strbuf *sb = ctx;

	(void)err;
	assert_true(off + n <= sb->len);
	memcpy(sb->buf + off, p, n);
	return 0;
}

/* Open an export of `format` on `dir`; its whole stream into out.  @return export_open's code. */
static int run_export(const char *dir, const char *format, const void *params, const char *samples,
		      int max_alleles, bool at, struct bf_strbuf *out, struct bf_err *err)
{
	struct export_config c;
	struct export e;
	int rc;

	memset(&c, 0, sizeof(c));
	c.format = format;
	c.format_params = params;
	c.sel.store = dir;
	c.sel.samples = samples;
	c.sel.variants.max_alleles = max_alleles;
	c.budget = (uint64_t)64 << 20;
	c.n_threads = 2;
	c.one_pass = true;
	rc = export_open(&e, &c, err);
	if (rc < 0)
		return rc;
	export_checks_start(&e);
	bf_strbuf_reset(out);
	if (at) {
		size_t size = (size_t)stream_size(e.stream);

		assert_int_equal(bf_strbuf_grow(out, size), 0);
		memset(out->buf, 0xEE, size);
		out->len = size;
		if (e.prefix.len)
			memcpy(out->buf, e.prefix.buf, e.prefix.len);
		rc = stream_drain_at(e.stream, psink, NULL, out, err);
	} else {
		rc = stream_drain(e.stream, 0, sink, out, err);
	}
	{
		int rc2 = export_checks_wait(&e, rc == 0 ? err : NULL);

		if (rc == 0)
			rc = rc2;
	}
	export_close(&e);
	return rc;
}

/* What raw8 must serve: genotypes of samples raw[] for every row but `skip`. */
static void expect_raw8(const struct vb_spec *sp, const int *raw, size_t n, int skip,
			struct bf_strbuf *want)
{
	bf_strbuf_reset(want);
	for (int vr = 0; vr < sp->variants; vr++) {
		if (vr == skip)
			continue;
		for (size_t j = 0; j < n; j++)
			for (int p = 0; p < 2; p++) {
				int8_t g = vb_gt(vr, raw[j], p);

				assert_int_equal(bf_strbuf_add(want, &g, 1), 0);
			}
	}
}

static void check_raw8(const struct vb_spec *sp, const char *samples, const int *raw, size_t n,
		       int max_alleles)
{
	char *dir = vb_build(sp);
	struct bf_strbuf got = BF_STRBUF_INIT, want = BF_STRBUF_INIT;
	struct bf_err err;

	expect_raw8(sp, raw, n, max_alleles ? sp->multi_row : -1, &want);
	for (int at = 0; at < 2; at++) {
		assert_int_equal(
		    run_export(dir, "raw8", NULL, samples, max_alleles, at, &got, &err), 0);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.buf, want.buf, want.len);
	}
	bf_strbuf_release(&got);
	bf_strbuf_release(&want);
	vb_remove(dir);
}

static void test_raw8_registered(void **state)
{
	(void)state;
	assert_ptr_equal(fmt_find("raw8"), &fmt_raw8_ops);
	assert_ptr_equal(fmt_find("bed"), &fmt_bed_ops);
	assert_ptr_equal(fmt_find("bgen"), &fmt_bgen_fixed_ops);
	assert_null(fmt_find("vcf"));
	assert_true(fmt_count() >= 4);
}

static void test_raw8_paths(void **state)
{
	int all[24], pick[4] = {5, 1, 20, 6};

	(void)state;
	for (int i = 0; i < 24; i++)
		all[i] = i;
	/* one sample chunk: rows through the window (bytes, and bit-shuffled) */
	check_raw8(&(struct vb_spec){16, 40, 16, 16, 2, -1, 7, 1, 0}, NULL, all, 16, 0);
	check_raw8(&(struct vb_spec){16, 40, 16, 16, 2, -1, 7, -1, 0}, NULL, all, 16, 0);
	/* three sample chunks: one block per sample chunk */
	check_raw8(&(struct vb_spec){24, 40, 16, 8, 2, -1, 7, 1, 0}, NULL, all, 24, 0);
	/* a subset in its own order: gathered */
	check_raw8(&(struct vb_spec){24, 40, 16, 8, 2, -1, 7, 1, 0}, "s5,s1,s20,s6", pick, 4, 0);
	/* a row subset (-M 2 drops the three-allele row 7) */
	check_raw8(&(struct vb_spec){24, 40, 16, 8, 2, -1, 7, 1, 0}, NULL, all, 24, 2);
	check_raw8(&(struct vb_spec){16, 40, 16, 16, 2, -1, 7, 0, 0}, NULL, all, 16, 2);
}

/* The same values bit-shuffled and raw give the same stream. */
static void same_both_ways(const char *format, const void *params, const char *samples, int vchunk,
			   int schunk)
{
	struct vb_spec a = {32, 48, vchunk, schunk, 2, -1, -1, 1, 0}, b = a;
	char *da, *db;
	struct bf_strbuf x = BF_STRBUF_INIT, y = BF_STRBUF_INIT;
	struct bf_err err;

	b.bitshuffle = -1;
	da = vb_build(&a);
	db = vb_build(&b);
	for (int at = 0; at < 2; at++) {
		assert_int_equal(run_export(da, format, params, samples, 0, at, &x, &err), 0);
		assert_int_equal(run_export(db, format, params, samples, 0, at, &y, &err), 0);
		assert_true(x.len > 0);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.buf, y.buf, x.len);
	}
	bf_strbuf_release(&x);
	bf_strbuf_release(&y);
	vb_remove(da);
	vb_remove(db);
}

static void test_planes_equal_bytes(void **state)
{
	struct bgen_params p;

	(void)state;
	same_both_ways("bed", NULL, NULL, 16, 32);
	same_both_ways("bed", NULL, NULL, 16, 8);
	same_both_ways("bed", NULL, "s3,s2", 16, 8);
	vb_no_fill = 1; /* fixed BGEN: values in {-1, 0, 1} only */
	bgen_params_init(&p, true);
	same_both_ways("bgen", &p, NULL, 16, 32);
	p.unphased = true;
	same_both_ways("bgen", &p, NULL, 16, 32);
	vb_no_fill = 0;
}

/* A -2 fill the BGEN planes kernel declines: the byte path's own error, both ways. */
static void test_planes_decline(void **state)
{
	struct vb_spec a = {32, 48, 16, 32, 2, -1, -1, 1, 0}, b = a;
	struct bgen_params p;
	struct bf_strbuf x = BF_STRBUF_INIT;
	struct bf_err ea, eb;
	char *da, *db;

	(void)state;
	b.bitshuffle = -1;
	da = vb_build(&a);
	db = vb_build(&b);
	bgen_params_init(&p, true);
	assert_int_equal(run_export(da, "bgen", &p, NULL, 0, true, &x, &ea), BF_E_UNSUPPORTED);
	assert_int_equal(run_export(db, "bgen", &p, NULL, 0, true, &x, &eb), BF_E_UNSUPPORTED);
	assert_string_equal(ea.msg, eb.msg);
	assert_non_null(strstr(ea.msg, "mixed ploidy"));
	bf_strbuf_release(&x);
	vb_remove(da);
	vb_remove(db);
}

/* The whole content of the file at fd. */
static void slurp(int fd, struct bf_strbuf *sb)
{
	char buf[4096];
	ssize_t n;

	bf_strbuf_reset(sb);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		assert_int_equal(bf_strbuf_add(sb, buf, (size_t)n), 0);
}

static void test_sidecars_and_checks(void **state)
{
	struct vb_spec sp = {12, 40, 16, 12, 3, -1, 18, 1, 0};
	char *dir = vb_build(&sp), tmpl[] = "/tmp/biofuse-unit-side-XXXXXX";
	struct selection_opts o;
	struct selection s;
	struct bf_strbuf got = BF_STRBUF_INIT, want = BF_STRBUF_INIT;
	struct bf_err err;
	int fd = mkstemp(tmpl);
	void *st = NULL;
	struct bf_strbuf prefix = BF_STRBUF_INIT;
	struct fmt_info info;
	struct fmt_setup fs;
	struct fmt_str *ctg, *ids;

	(void)state;
	assert_true(fd >= 0);
	unlink(tmpl);
	memset(&o, 0, sizeof(o));
	o.store = dir;
	o.samples = "s7,s2";
	o.variants.max_alleles = 2;
	assert_int_equal(selection_open(&o, &s, &err), 0);
	/* .bim: every planned variant in order (row 18 is left out by -M 2) */
	assert_int_equal(sidecar_write_bim(&s, fd, "t.bim", &err), 0);
	slurp(fd, &got);
	for (int vr = 0; vr < 40; vr++) {
		char id[16], ctg_name[8];
		struct fmt_variant fv;

		if (vr == 18)
			continue;
		memset(&fv, 0, sizeof(fv));
		snprintf(ctg_name, sizeof(ctg_name), "chr%d", vb_contig(&sp, vr) + 1);
		snprintf(id, sizeof(id), "rs%d", vr);
		fv.chrom = (struct fmt_str){ctg_name, strlen(ctg_name)};
		fv.id = (struct fmt_str){id, strlen(id)};
		fv.has_id = true;
		fv.pos = 100 + 10 * vr;
		fv.ref = (struct fmt_str){"A", 1};
		fv.alt = (struct fmt_str){"C", 1};
		assert_int_equal(bim_append_row(&want, &fv, &err), 0);
	}
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	/* .fam: the selected samples in selection order */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(sidecar_write_fam(&s, fd, "t.fam", &err), 0);
	slurp(fd, &got);
	bf_strbuf_reset(&want);
	assert_int_equal(fam_append_row(&want, "s7", 2, &err), 0);
	assert_int_equal(fam_append_row(&want, "s2", 2, &err), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	assert_int_equal(sidecar_check_biallelic_plink(&s, &err), 0);
	selection_release(&s);
	/* without -M 2 the three-allele row fails the formats' up-front checks */
	o.variants.max_alleles = 0;
	assert_int_equal(selection_open(&o, &s, &err), 0);
	assert_int_equal(sidecar_check_biallelic_plink(&s, &err), BF_E_INVAL);
	assert_int_equal(export_fmt_setup(&s, &fs, &ctg, &ids, &err), 0);
	assert_int_equal(fs.n_samples, 2);
	assert_int_equal(ids[0].len, 2);
	assert_memory_equal(ids[0].p, "s7", 2);
	memset(&info, 0, sizeof(info));
	assert_int_equal(fmt_bed_ops.open(NULL, &fs, &prefix, &info, &st, &err), 0);
	assert_int_equal(prefix.len, 3);
	assert_int_equal(info.bytes_per_variant, 1);
	assert_int_equal(source_check_variants(&s, &fmt_bed_ops, st, &err), BF_E_INVAL);
	assert_non_null(strstr(err.msg, "Multi-allelic"));
	fmt_bed_ops.close(st);
	bf_free(ctg);
	bf_free(ids);
	selection_release(&s);
	bf_strbuf_release(&prefix);
	bf_strbuf_release(&got);
	bf_strbuf_release(&want);
	close(fd);
	vb_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw8_registered),	cmocka_unit_test(test_raw8_paths),
	    cmocka_unit_test(test_planes_equal_bytes),	cmocka_unit_test(test_planes_decline),
	    cmocka_unit_test(test_sidecars_and_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
