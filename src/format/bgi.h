/*
 * bgi.h - bgenix-compatible .bgen.bgi index writer (spec/formats.md section 6).
 *
 * Owns: one SQLite connection per struct bgi_writer, writing the Variant
 * table exactly as vcztools does (schema text verbatim, CREATE TABLE and
 * CREATE INDEX autocommitted, every row in one transaction, no Metadata
 * table).  This is the only encoder that does file I/O.  A writer is not
 * thread-safe; separate writers are independent.
 */
#ifndef BF_FORMAT_BGI_H
#define BF_FORMAT_BGI_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

#include "format/bgen.h"
#include "format/variant.h"
#include "util/err.h"
#include "util/strbuf.h"

/* The schema, executed verbatim (two statements). */
#define BGI_SQL_CREATE_TABLE                                                                       \
	"CREATE TABLE Variant (\n"                                                                 \
	"  chromosome TEXT NOT NULL,\n"                                                            \
	"  position INTEGER NOT NULL,\n"                                                           \
	"  rsid TEXT NOT NULL,\n"                                                                  \
	"  number_of_alleles INTEGER NOT NULL,\n"                                                  \
	"  allele1 TEXT NOT NULL,\n"                                                               \
	"  allele2 TEXT NULL,\n"                                                                   \
	"  file_start_position INTEGER NOT NULL,\n"                                                \
	"  size_in_bytes INTEGER NOT NULL,\n"                                                      \
	"  PRIMARY KEY (chromosome, position, rsid, allele1, allele2, file_start_position)\n"      \
	")"
#define BGI_SQL_CREATE_INDEX "CREATE INDEX position_idx ON Variant (chromosome, position)"

/* One Variant row (number_of_alleles is always 2). */
struct bgi_row {
	struct fmt_str chrom;	/* raw contig_id */
	int64_t pos;		/* variant_position */
	struct fmt_str rsid;	/* what the BGEN rsid slot holds (bgi_rsid_for_variant) */
	struct fmt_str allele1; /* REF */
	struct fmt_str allele2; /* ALT or "." (bgen_allele2) */
	uint64_t file_start;	/* absolute offset of the variant block in the .bgen */
	uint64_t size;		/* length of the variant block */
};

struct bgi_writer;

/*
 * Delete `path` if it exists, create the database and its schema, and begin
 * the row transaction.
 * @return the writer, or NULL with *err set (BF_E_IO, BF_E_NOMEM).
 */
struct bgi_writer *bgi_writer_create(const char *path, struct bf_err *err);

/* Insert one row.  @return 0 or BF_E_IO. */
int bgi_writer_add(struct bgi_writer *w, const struct bgi_row *row,
		   struct bf_err *err) BF_MUST_CHECK;

/*
 * Fill `row` for variant v (chrom, pos, alleles, and the rsid via `rsid_buf`,
 * which is reset and must outlive the row) at file_start / size.
 * @return 0, or as bgen_rsid_slot (fixed-mode slack error, BF_E_NOMEM).
 */
int bgi_row_for_variant(const struct bgen_params *p, const struct fmt_variant *v,
			uint64_t file_start, uint64_t size, struct bf_strbuf *rsid_buf,
			struct bgi_row *row, struct bf_err *err) BF_MUST_CHECK;

/*
 * Commit the rows and close the database.  The writer is freed in any case.
 * @return 0 or BF_E_IO.
 */
int bgi_writer_finish(struct bgi_writer *w, struct bf_err *err) BF_MUST_CHECK;

/* Abandon a writer (rolls back the row transaction, closes).  NULL is a no-op. */
void bgi_writer_free(struct bgi_writer *w);

/*
 * Append the .bgi rsid column value of v (= the BGEN rsid slot; see
 * bgen_rsid_slot).  @return 0 or a negative bf_errcode.
 */
int bgi_rsid_for_variant(const struct bgen_params *p, const struct fmt_variant *v,
			 struct bf_strbuf *out, struct bf_err *err) BF_MUST_CHECK;

/* Write a whole index from an array of rows.  @return 0 or a negative bf_errcode. */
int bgi_write(const char *path, const struct bgi_row *rows, size_t n,
	      struct bf_err *err) BF_MUST_CHECK;

#endif
