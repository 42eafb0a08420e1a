/*
 * fuzz_regions.c - libFuzzer target for the region parser (select/regions).
 *
 * The first byte picks the form: bit 0 = a -r/-t string (the rest, up to
 * the first NUL) or a regions file's text; bit 1 = BED coordinates for
 * files.  Whatever parses is resolved against a small contig table and
 * queried, so region_set_build and region_set_overlaps run on every list.
 */
#include "util/bf_config.h"

#include "select/regions.h"
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const contigs[] = {"1", "chr1", "X", "chrX", "HLA-A*01:01", ""};
	struct region_list l;
	struct region_set s;
	struct bf_err err;
	int rc;

	if (size < 1)
		return 0;
	memset(&l, 0, sizeof(l));
	bf_err_clear(&err);
	if (data[0] & 1) {
		char *str = bf_strndup((const char *)data + 1, size - 1);

		if (!str)
			return 0;
		rc = region_list_parse(str, &l, &err);
		bf_free(str);
	} else {
		rc = region_list_parse_text((const char *)data + 1, size - 1, (data[0] & 2) != 0,
					    "fuzz", &l, &err);
	}
	if (rc == 0 && region_set_build(&l, contigs, 6, &s, &err) == 0) {
		for (size_t c = 0; c < 7; c++) {
			for (size_t i = 0; i < l.n; i++) {
				(void)region_set_overlaps(&s, c, l.r[i].beg, l.r[i].end);
				(void)region_set_overlaps(&s, c, l.r[i].end, l.r[i].beg);
			}
			(void)region_set_overlaps(&s, c, 1, REGION_END_MAX);
		}
		region_set_release(&s);
	}
	region_list_release(&l);
	return 0;
}
