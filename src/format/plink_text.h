/*
 * plink_text.h - PLINK .bim and .fam rows (spec/formats.md sections 2, 3).
 *
 * Owns nothing: appends text to a caller's struct bf_strbuf.  Rows are
 * TAB-separated with LF after every row, fields quoted like pandas to_csv
 * (see fmt_csv_field).  Pure functions; thread-safe.
 */
#ifndef BF_FORMAT_PLINK_TEXT_H
#define BF_FORMAT_PLINK_TEXT_H

#include "util/bf_config.h"

#include <stddef.h>

#include "format/variant.h"
#include "util/err.h"
#include "util/strbuf.h"

/*
 * The .bim chromosome name for a raw contig name: "chr" + {1..22, X, Y, MT}
 * loses its prefix, "chrM" becomes "MT", anything else is unchanged.
 * @return a view into `chrom` or a static string; never allocates.
 */
struct fmt_str plink_normalise_chrom(struct fmt_str chrom);

/*
 * Append the .bim row of one variant:
 * chrom<TAB>id<TAB>0<TAB>pos<TAB>A1(ALT or '.')<TAB>A2(REF)<LF>.  The ID is
 * written verbatim ('.' when the store has no variant_id).
 * @return 0; BF_E_UNSUPPORTED with the PLINK multi-allelic message
 * (BED_MSG_MULTI_ALLELIC) when v->multi_allelic; BF_E_NOMEM.  On error sb
 * is unchanged.
 */
int bim_append_row(struct bf_strbuf *sb, const struct fmt_variant *v,
		   struct bf_err *err) BF_MUST_CHECK;

/*
 * Append the .fam row of one sample: ID<TAB>ID<TAB>0<TAB>0<TAB>0<TAB>-9<LF>.
 * @return 0; BF_E_INVAL "Sample ID '<repr>' contains whitespace; PLINK FAM is
 * whitespace-separated." when the UTF-8 ID contains str.isspace() text;
 * BF_E_NOMEM.  On error sb is unchanged.
 */
int fam_append_row(struct bf_strbuf *sb, const char *id, size_t len,
		   struct bf_err *err) BF_MUST_CHECK;

#endif
