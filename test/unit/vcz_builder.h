/*
 * vcz_builder.h - small VCF Zarr v2 stores written to a temporary directory.
 *
 * A store has S samples (ids "s0".."s{S-1}", with `null_sample` left empty
 * when >= 0), V variants in chunks of `vchunk` on `n_contigs` contigs
 * ("chr1", ...), alleles "A"/"C" (row `multi_row` gets a third allele),
 * ids "rs{i}", and diploid genotypes gt(v, s, p) from a fixed formula in
 * sample chunks of `schunk`, stored as blosc (zstd, bit-shuffle when
 * `bitshuffle`) or uncompressed, with call_genotype_phased (row v is
 * phased for every sample when v % 3 == 0, for none when v % 3 == 1, for
 * sample 0 only when v % 3 == 2).  Tests compare what the code reads with
 * vb_gt() / vb_phased().
 */
#ifndef TEST_VCZ_BUILDER_H
#define TEST_VCZ_BUILDER_H

#include <blosc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct vb_spec {
	int samples, variants, vchunk, schunk, n_contigs;
	int null_sample; /* -1: none */
	int multi_row;	 /* -1: none */
	int bitshuffle;	 /* blosc bit-shuffle (1), byte shuffle (0), or raw (-1) */
	int ploidy;	 /* 2 (default when 0) or 1 */
};

static inline int vb_ploidy(const struct vb_spec *sp)
{
	return sp->ploidy ? sp->ploidy : 2;
}

/* Set by a test that wants no -2 fill (fixed BGEN takes only {-1, 0, 1}). */
static int vb_no_fill;

/* The genotype of variant v, sample s, slot p: values in {-1, 0, 1}, some -2. */
static inline int8_t vb_gt(int v, int s, int p)
{
	int x = (v * 7 + s * 13 + p * 5) % 11;

	return x < 4 ? 0 : x < 8 ? 1 : x < 10 ? -1 : (p == 1 && s % 5 == 0 && !vb_no_fill ? -2 : 0);
}

static inline uint8_t vb_phased(int v, int s)
{
	return v % 3 == 0 ? 1 : v % 3 == 1 ? 0 : s == 0;
}

static inline void vb_write(const char *dir, const char *key, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	for (char *q = path + strlen(dir) + 1; *q; q++)
		if (*q == '/') {
			*q = 0;
			mkdir(path, 0700);
			*q = '/';
		}
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static inline void vb_text(const char *dir, const char *key, const char *s)
{
	vb_write(dir, key, s, strlen(s));
}

static inline void vb_zarray(const char *dir, const char *name, const char *shape,
			     const char *chunks, const char *dtype, const char *compressor)
{
	char key[256], meta[1024];

	snprintf(key, sizeof(key), "%s/.zarray", name);
	snprintf(meta, sizeof(meta),
		 "{\"zarr_format\":2,\"shape\":%s,\"chunks\":%s,\"dtype\":\"%s\","
		 "\"fill_value\":null,\"order\":\"C\",\"compressor\":%s,\"filters\":null}",
		 shape, chunks, dtype, compressor);
	vb_text(dir, key, meta);
}

/* A chunk, blosc-compressed when compressor != raw. */
static inline void vb_chunk(const char *dir, const char *key, const void *p, size_t n, int shuffle)
{
	if (shuffle < 0) {
		vb_write(dir, key, p, n);
		return;
	}
	{
		size_t cap = n + BLOSC_MAX_OVERHEAD;
		void *z = malloc(cap);
		int zn;

		blosc_set_compressor("zstd");
		blosc_set_blocksize(256);
		zn = blosc_compress(5, shuffle ? BLOSC_BITSHUFFLE : BLOSC_SHUFFLE, 1, n, p, z, cap);
		if (zn <= 0)
			abort();
		vb_write(dir, key, z, (size_t)zn);
		free(z);
	}
}

static inline void vb_strings(const char *dir, const char *name, int n, int width,
			      void (*get)(int i, char *out, int width, const void *ctx),
			      const void *ctx)
{
	char shape[32], key[64], *buf = calloc((size_t)n * (size_t)width + 1, 1), dt[16];

	snprintf(shape, sizeof(shape), "[%d]", n);
	snprintf(dt, sizeof(dt), "|S%d", width);
	vb_zarray(dir, name, shape, shape, dt, "null");
	for (int i = 0; i < n; i++)
		get(i, buf + (size_t)i * (size_t)width, width, ctx);
	snprintf(key, sizeof(key), "%s/0", name);
	vb_write(dir, key, buf, (size_t)n * (size_t)width);
	free(buf);
}

static inline void vb_sample_id(int i, char *out, int width, const void *ctx)
{
	const struct vb_spec *sp = ctx;

	if (i != sp->null_sample)
		snprintf(out, (size_t)width, "s%d", i);
}

static inline void vb_contig_id(int i, char *out, int width, const void *ctx)
{
	(void)ctx;
	snprintf(out, (size_t)width, "chr%d", i + 1);
}

/* Contig of variant v: the first half of the variants on contig 0, the rest spread. */
static inline int vb_contig(const struct vb_spec *sp, int v)
{
	return sp->n_contigs < 2 || v < sp->variants / 2 ? 0 : 1 + v % (sp->n_contigs - 1);
}

static inline void vb_variants(const char *dir, const struct vb_spec *sp)
{
	char shape[32], chunks[32], key[64];
	int nc = (sp->variants + sp->vchunk - 1) / sp->vchunk;

	snprintf(shape, sizeof(shape), "[%d]", sp->variants);
	snprintf(chunks, sizeof(chunks), "[%d]", sp->vchunk);
	vb_zarray(dir, "variant_position", shape, chunks, "<i4", "null");
	vb_zarray(dir, "variant_contig", shape, chunks, "<i4", "null");
	vb_zarray(dir, "variant_id", shape, chunks, "|S8", "null");
	snprintf(shape, sizeof(shape), "[%d,3]", sp->variants);
	snprintf(chunks, sizeof(chunks), "[%d,3]", sp->vchunk);
	vb_zarray(dir, "variant_allele", shape, chunks, "|S2", "null");
	for (int c = 0; c < nc; c++) {
		int32_t pos[4096], ctg[4096];
		char ids[4096 * 8], al[4096 * 6];

		memset(ids, 0, sizeof(ids));
		memset(al, 0, sizeof(al));
		for (int r = 0; r < sp->vchunk; r++) {
			int v = c * sp->vchunk + r;

			pos[r] = 100 + 10 * v;
			ctg[r] = v < sp->variants ? vb_contig(sp, v) : 0;
			snprintf(ids + 8 * r, 8, "rs%d", v);
			al[6 * r] = 'A';
			al[6 * r + 2] = 'C';
			if (v == sp->multi_row)
				al[6 * r + 4] = 'G';
		}
		snprintf(key, sizeof(key), "variant_position/%d", c);
		vb_write(dir, key, pos, 4 * (size_t)sp->vchunk);
		snprintf(key, sizeof(key), "variant_contig/%d", c);
		vb_write(dir, key, ctg, 4 * (size_t)sp->vchunk);
		snprintf(key, sizeof(key), "variant_id/%d", c);
		vb_write(dir, key, ids, 8 * (size_t)sp->vchunk);
		snprintf(key, sizeof(key), "variant_allele/%d.0", c);
		vb_write(dir, key, al, 6 * (size_t)sp->vchunk);
	}
}

static inline void vb_genotypes(const char *dir, const struct vb_spec *sp)
{
	const char *blosc = "{\"id\":\"blosc\",\"cname\":\"zstd\",\"clevel\":5,\"shuffle\":2}";
	const char *comp = sp->bitshuffle < 0 ? "null" : blosc;
	int P = vb_ploidy(sp);
	int nv = (sp->variants + sp->vchunk - 1) / sp->vchunk;
	int ns = (sp->samples + sp->schunk - 1) / sp->schunk;
	char shape[64], chunks[64], key[64];
	size_t gsz = (size_t)sp->vchunk * (size_t)sp->schunk * (size_t)P;
	int8_t *g = malloc(gsz);
	uint8_t *ph = malloc((size_t)sp->vchunk * (size_t)sp->schunk);

	snprintf(shape, sizeof(shape), "[%d,%d,%d]", sp->variants, sp->samples, P);
	snprintf(chunks, sizeof(chunks), "[%d,%d,%d]", sp->vchunk, sp->schunk, P);
	vb_zarray(dir, "call_genotype", shape, chunks, "|i1", comp);
	snprintf(shape, sizeof(shape), "[%d,%d]", sp->variants, sp->samples);
	snprintf(chunks, sizeof(chunks), "[%d,%d]", sp->vchunk, sp->schunk);
	vb_zarray(dir, "call_genotype_phased", shape, chunks, "|b1", comp);
	for (int c = 0; c < nv; c++)
		for (int j = 0; j < ns; j++) {
			for (int r = 0; r < sp->vchunk; r++)
				for (int s = 0; s < sp->schunk; s++) {
					int v = c * sp->vchunk + r, si = j * sp->schunk + s;

					for (int p = 0; p < P; p++)
						g[((size_t)r * (size_t)sp->schunk + (size_t)s) *
						      (size_t)P +
						  (size_t)p] = vb_gt(v, si, p);
					ph[(size_t)r * (size_t)sp->schunk + (size_t)s] =
					    vb_phased(v, si);
				}
			snprintf(key, sizeof(key), "call_genotype/%d.%d.0", c, j);
			vb_chunk(dir, key, g, gsz, sp->bitshuffle);
			snprintf(key, sizeof(key), "call_genotype_phased/%d.%d", c, j);
			vb_chunk(dir, key, ph, (size_t)sp->vchunk * (size_t)sp->schunk,
				 sp->bitshuffle);
		}
	free(g);
	free(ph);
}

/* Build the store under a fresh temporary directory; returns its path (free it). */
static inline char *vb_build(const struct vb_spec *sp)
{
	char *dir = strdup("/tmp/biofuse-unit-vcz-XXXXXX");

	if (!dir || !mkdtemp(dir))
		abort();
	vb_text(dir, ".zgroup", "{\"zarr_format\":2}");
	vb_text(dir, ".zattrs", "{\"vcf_zarr_version\":\"0.2\"}");
	vb_strings(dir, "sample_id", sp->samples, 8, vb_sample_id, sp);
	vb_strings(dir, "contig_id", sp->n_contigs, 8, vb_contig_id, NULL);
	vb_variants(dir, sp);
	vb_genotypes(dir, sp);
	return dir;
}

static inline void vb_remove(char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
	free(dir);
}

#endif
