/*
 * fmt_fixtures.h - hand-built encoder inputs for the format/ unit tests.
 *
 * sample.vcz (bio2zarr, --max-alleles 2: 6 variants, 3 samples, all
 * mixed-phase) and msprime_diploid.vcz (4 biallelic variants, all phased),
 * transcribed from the VCFs in shared/fixtures/bio2zarr, plus a loader for
 * the golden files in shared/fixtures/golden that lets a test skip cleanly
 * when the shared directory is absent, and blosc's bit-shuffle for the
 * kernels that read bit planes.
 */
#ifndef BF_TEST_FMT_FIXTURES_H
#define BF_TEST_FMT_FIXTURES_H

#include "util/bf_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/variant.h"

#define FS(s)                                                                                      \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
#define FX_VAR(c, pos, id, ref, alt)                                                               \
	{                                                                                          \
		FS(c), pos, FS(id), true, FS(ref), FS(alt), false                                  \
	}

static const struct fmt_variant fx_s_vars[6] = {
    FX_VAR("19", 111, ".", "A", "C"),		FX_VAR("19", 112, ".", "A", "G"),
    FX_VAR("20", 14370, "rs6054257", "G", "A"), FX_VAR("20", 17330, ".", "T", "A"),
    FX_VAR("20", 1230237, ".", "T", ""),	FX_VAR("20", 1235237, ".", "T", ""),
};
static const int8_t fx_s_gt[6 * 3 * 2] = {
    0, 0, 0, 0, 0,  1,	/* 0|0 0|0 0/1 */
    0, 0, 0, 0, 0,  1,	/* 0|0 0|0 0/1 */
    0, 0, 1, 0, 1,  1,	/* 0|0 1|0 1/1 */
    0, 0, 0, 1, 0,  0,	/* 0|0 0|1 0/0 */
    0, 0, 0, 0, 0,  0,	/* 0|0 0|0 0/0 */
    0, 0, 0, 0, -1, -1, /* 0/0 0|0 ./. */
};
static const uint8_t fx_s_phased[6 * 3] = {1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0};
static const struct fmt_str fx_s_ids[3] = {FS("NA00001"), FS("NA00002"), FS("NA00003")};

static const struct fmt_variant fx_m_vars[4] = {
    FX_VAR("1", 3, "1", "C", "T"),
    FX_VAR("1", 4, "2", "G", "C"),
    FX_VAR("1", 6, "3", "C", "T"),
    FX_VAR("1", 9, "4", "A", "C"),
};
static const int8_t fx_m_gt[4 * 3 * 2] = {
    0, 0, 0, 1, 0, 0, /* 0|0 0|1 0|0 */
    1, 0, 1, 1, 0, 0, /* 1|0 1|1 0|0 */
    1, 0, 1, 1, 0, 0, /* 1|0 1|1 0|0 */
    0, 0, 1, 0, 0, 0, /* 0|0 1|0 0|0 */
};
static const uint8_t fx_m_phased[4 * 3] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const struct fmt_str fx_m_ids[3] = {FS("tsk_0"), FS("tsk_1"), FS("tsk_2")};

static inline struct fmt_chunk fx_s_chunk(void)
{
	struct fmt_chunk c = {6, fx_s_vars, 3, 2, fx_s_gt, fx_s_phased, NULL};
	return c;
}

static inline struct fmt_chunk fx_m_chunk(void)
{
	struct fmt_chunk c = {4, fx_m_vars, 3, 2, fx_m_gt, fx_m_phased, NULL};
	return c;
}

/*
 * Read shared/fixtures/golden/<name> (shared dir from $BF_TEST_SHARED,
 * default ../shared).  Returns a malloc'd buffer (NUL-terminated) or NULL
 * when the file is absent.
 */
static inline unsigned char *fx_golden(const char *name, size_t *len)
{
	const char *shared = getenv("BF_TEST_SHARED");
	char path[4096];
	FILE *f;
	unsigned char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/fixtures/golden/%s", shared ? shared : "../shared", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

/* blosc's bit-shuffle of n bytes (n % 8 == 0): plane b, byte j, bit i = bit b of byte 8j + i. */
static inline void fx_bitshuffle(const int8_t *in, size_t n, uint8_t *planes)
{
	memset(planes, 0, n);
	for (size_t e = 0; e < n; e++)
		for (unsigned b = 0; b < 8; b++)
			planes[b * (n / 8) + e / 8] |=
			    (uint8_t)((((uint8_t)in[e] >> b) & 1u) << (e % 8));
}

#endif
