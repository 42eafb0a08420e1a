/*
 * vcz_internal.h - helpers shared by the files of the vcz layer.
 */
#ifndef BF_VCZ_INTERNAL_H
#define BF_VCZ_INTERNAL_H

#include "util/bf_config.h"

#include "vcz/vcz.h"
#include "zarr/zarr.h"

#include <string.h>

/* One element of a decoded integer/bool buffer as int64 (unsigned 64-bit saturates). */
int64_t vcz_load_int(const void *buf, size_t i, const struct zarr_dtype *dt);

/* A reader's dataset and decoder context (vcz_gt.c). */
struct vcz *vcz_reader_vcz(struct vcz_reader *r);
struct zarr_dctx *vcz_reader_dctx(struct vcz_reader *r);

static inline int8_t vcz_sat8(int64_t x)
{
	return x > 127 ? 127 : x < -128 ? -128 : (int8_t)x;
}

#endif
