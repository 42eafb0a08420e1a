/*
 * fuzz_access_stats.c - libFuzzer target: the access-log reader behind
 * `biofuse trace-summary` (fs/access_stats).
 *
 * Input: the bytes of an access log.  Any input must either be refused with
 * an error or give figures that hold together: unique bytes never exceed
 * bytes read, sequential reads never exceed their base, the histogram sums to
 * the read count and the percentiles are ordered.
 */
#include "util/bf_config.h"

#include "fs/access_stats.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct access_stats s;
	struct bf_err err;
	FILE *f;
	size_t i;
	int k;

	if (size == 0)
		return 0;
	f = fmemopen((void *)(uintptr_t)data, size, "r");
	if (!f)
		return 0;
	bf_err_clear(&err);
	if (access_stats_read(f, "fuzz", &s, &err) == 0) {
		for (i = 0; i < s.n_files; i++) {
			const struct access_file_stats *fs = &s.files[i];
			uint64_t n = 0;

			for (k = 0; k < ACCESS_HIST_BUCKETS; k++)
				n += fs->hist[k];
			if (fs->unique_bytes > fs->bytes_read || fs->seq_reads > fs->seq_base ||
			    n != fs->reads || fs->lat_p50 > fs->lat_p90 ||
			    fs->lat_p90 > fs->lat_p99 || fs->lat_p99 > fs->lat_max)
				abort();
		}
	}
	access_stats_release(&s);
	fclose(f);
	return 0;
}
