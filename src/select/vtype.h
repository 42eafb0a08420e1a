/*
 * vtype.h - variant types as bcftools 1.16 classifies them (-v/-V, TYPE).
 *
 * Owns: the per-allele classification of htslib's bcf_set_variant_type and
 * the -v/-V keyword lists.  A record's type is the OR of its ALT alleles'
 * types; a record with no ALT has type 0 (VTYPE_REF).  Per allele:
 *   '*' overlap; single bases: '.' / equal / 'X' ref, else snp; '<X>', '<*>',
 *   '<NON_REF>' ref, other '<...>' other; '[' / ']' breakends bnd; else the
 *   common prefix (case-insensitive) and then suffix are trimmed: what is
 *   left on one side only is an indel, one base each side a snp, equal
 *   lengths an mnp, anything else other.
 * -v/-V keywords: snps, indels, mnps, other, bnd and ref; "ref" means
 * "other" there, exactly as in bcftools 1.16 (docs/selection.md).  Pure.
 */
#ifndef BF_SELECT_VTYPE_H
#define BF_SELECT_VTYPE_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	VTYPE_REF = 0,
	VTYPE_SNP = 1 << 0,
	VTYPE_MNP = 1 << 1,
	VTYPE_INDEL = 1 << 2,
	VTYPE_OTHER = 1 << 3,
	VTYPE_BND = 1 << 4,
	VTYPE_OVERLAP = 1 << 5,
};

/* Type of one ALT allele against REF (byte strings, not NUL-terminated). */
unsigned vtype_allele(const char *ref, size_t rlen, const char *alt, size_t alen);

/*
 * Parse a -v/-V list into a mask of VTYPE_* bits.  @return true, or false
 * with *bad / *bad_len naming the first unknown item (an empty item counts).
 */
bool vtype_parse_list(const char *list, unsigned *mask, const char **bad, size_t *bad_len);

#endif
