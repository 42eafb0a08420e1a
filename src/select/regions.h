/*
 * regions.h - region and target lists as bcftools 1.16 reads them.
 *
 * Owns: struct region_list, the parsed form of a -r/-t string or a -R/-T
 * file, and struct region_set, its per-contig sorted, merged intervals with
 * an overlap query.  Pure: no store, no logging.
 *
 * Strings (htslib's _regions_init_string): comma-separated items CHROM,
 * CHROM:POS, CHROM:BEG-END or CHROM:BEG-; the contig name ends at the first
 * ':'; numbers follow hts_parse_decimal (leading blanks, sign, fraction,
 * exponent or k/M/G suffix; the fraction is dropped); empty items are
 * skipped; CHROM:-1 means the whole contig, as in htslib.
 *
 * Files: TAB-separated CHROM BEG END (1-based, inclusive) or CHROM POS, extra
 * columns ignored; the first data line decides between 3 and 2 columns
 * (a 3-column line in a 2-column file has its third column ignored, a
 * 2-column line in a 3-column file is an error, as in bcftools); lines
 * starting with '#' and blank lines are skipped; a trailing CR is dropped;
 * a name ending in .bed or .bed.gz (any case) means BED's 0-based, half-open
 * BEG; gzip files are read as such.  Coordinates are kept 1-based inclusive,
 * REGION_END_MAX for an open end.
 */
#ifndef BF_SELECT_REGIONS_H
#define BF_SELECT_REGIONS_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGION_END_MAX ((int64_t)1 << 62)

struct region {
	char *contig;	  /* owned, NUL-terminated */
	int64_t beg, end; /* 1-based inclusive */
};

struct region_list {
	struct region *r;
	size_t n, cap;
};

/* Parse a -r/-t string (without a leading '^').  Appends to `out`. */
int region_list_parse(const char *s, struct region_list *out, struct bf_err *err) BF_MUST_CHECK;

/*
 * Parse the text of a regions file (`name` only for messages; `bed` for
 * 0-based starts).  An empty list (only comments / blank lines) is an error.
 */
int region_list_parse_text(const char *text, size_t len, bool bed, const char *name,
			   struct region_list *out, struct bf_err *err) BF_MUST_CHECK;

/* Read and parse a regions file (plain or gzip; .bed by its name). */
int region_list_read_file(const char *path, struct region_list *out,
			  struct bf_err *err) BF_MUST_CHECK;

void region_list_release(struct region_list *l);

/* Intervals of one contig: sorted by beg, overlapping ones merged. */
struct region_ivals {
	int64_t *beg, *end;
	size_t n;
};

/*
 * A region list resolved against a contig table: ivals[c] for contig c.
 * Items naming no contig of the table are counted and listed in `absent`
 * (distinct names, first-seen order, borrowed from the list).
 */
struct region_set {
	size_t n_contigs;
	struct region_ivals *ivals;
	const char **absent;
	size_t n_absent;
};

int region_set_build(const struct region_list *l, const char *const *contigs, size_t n_contigs,
		     struct region_set *out, struct bf_err *err) BF_MUST_CHECK;
void region_set_release(struct region_set *s);

/* Whether some interval of contig `c` meets [beg, end] (end >= ibeg && beg <= iend). */
bool region_set_overlaps(const struct region_set *s, size_t c, int64_t beg, int64_t end);

/* Whether contig `c` has any interval. */
static inline bool region_set_has_contig(const struct region_set *s, size_t c)
{
	return c < s->n_contigs && s->ivals[c].n > 0;
}

#endif
