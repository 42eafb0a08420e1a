/*
 * format.h - the output format interface and its registry.
 *
 * Owns: struct fmt_ops, what every output format implements so the engine
 * can serve it without knowing it by name, and the table of registered
 * formats (format.c: one line per format).  A format is opened once per
 * export with its own options; the engine then asks it for the stream
 * prefix, the bytes of one variant, and to encode runs of rows:
 *
 *   - encode: a run of rows from genotype bytes (struct fmt_chunk), into
 *     exactly n_variants * bytes_per_variant bytes (fixed-size streams);
 *   - encode_cols (optional): samples [j0, j0 + n) of a run of rows into
 *     their byte columns of the rows, for sample blocks of info.col_align;
 *   - planes_row / planes_finish (optional): the fast kernel, a row's
 *     genotype part from blosc bit planes (4 samples a plane byte), then
 *     the rest of each row;
 *   - append (optional): a variable-size stream, blocks appended to a
 *     buffer;
 *   - check_variant / check_end (optional): the up-front checks over every
 *     planned variant, before any byte is served.
 *
 * A format also describes its file set: the streaming file's suffix (ext)
 * and the sidecar kinds that go with it (sides, enum fmt_side below, each
 * with its suffix and the option that leaves it out); the engine maps a
 * kind to its writer (export_write_sidecar), the mount and the view
 * commands take the names from here.
 *
 * Thread-safety: open/close on one thread; encode*, planes_* and append
 * run concurrently on disjoint rows (a format's counters are atomic).
 */
#ifndef BF_FORMAT_FORMAT_H
#define BF_FORMAT_FORMAT_H

#include "util/bf_config.h"

#include "format/variant.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a format is told about the export when it opens. */
struct fmt_setup {
	const char *store;	       /* the store's path, for messages */
	bool has_gt;		       /* the store has call_genotype */
	int ploidy;		       /* call_genotype.shape[2]; 0 without genotypes */
	int64_t store_variants;	       /* variants in the store (messages) */
	size_t store_samples;	       /* samples in the store, null ones included */
	uint64_t n_variants;	       /* planned variants */
	size_t n_samples;	       /* selected samples */
	const struct fmt_str *contigs; /* the store's contig ids */
	size_t n_contigs;
	const struct fmt_str *sample_ids; /* n_samples ids in selection order */
};

/* What a format needs and offers; filled by open. */
struct fmt_info {
	uint64_t bytes_per_variant; /* fixed-size stream: every variant's bytes; 0 = variable */
	bool need_meta;		    /* fmt_chunk.variants must be filled */
	bool need_phase;	    /* fmt_chunk.phased or .row_phase must be filled */
	size_t col_align;	    /* encode_cols takes sample blocks of this multiple (0: no) */
	bool planes;		    /* planes_row / planes_finish are usable for this export */
	bool stream_rows;	    /* rows of a piece can leave a small buffer as they complete */
	bool checks_async;	    /* check_variant may run beside a one-pass drain */
};

/* The static files that can go with a stream (their writers: engine/). */
enum fmt_side {
	FMT_SIDE_BIM,	 /* PLINK variant text, .bim */
	FMT_SIDE_FAM,	 /* PLINK sample text, .fam */
	FMT_SIDE_SAMPLE, /* Oxford sample file, .sample */
	FMT_SIDE_BGI,	 /* BGEN index (SQLite), .bgen.bgi */
};

#define FMT_MAX_SIDES 4

/* Suffix of a sidecar kind after the stem (".bim"). */
const char *fmt_side_suffix(enum fmt_side k);

/* Name of the option that leaves a sidecar kind out ("--no-bim"). */
const char *fmt_side_option(enum fmt_side k);

/* planes_row: the row is left to the byte path (a value the kernel does not take). */
#define FMT_PLANES_DECLINE 1

struct fmt_ops {
	const char *name; /* the registry's key */
	const char *ext;  /* the streaming file's suffix after the stem (".bed") */
	/* the sidecars that go with the stream, in the reference's writing order */
	enum fmt_side sides[FMT_MAX_SIDES];
	size_t n_sides;
	bool bgen_params; /* opts of open is a struct bgen_params (format/bgen.h) */
	/*
	 * Check the export against the format's rules, append the stream
	 * prefix to `prefix` and fill `info`; *state receives the format's
	 * state (freed by close).  `opts` is the format's own options (NULL
	 * for defaults).  @return 0 or a negative bf_errcode.
	 */
	int (*open)(const void *opts, const struct fmt_setup *s, struct bf_strbuf *prefix,
		    struct fmt_info *info, void **state, struct bf_err *err);
	void (*close)(void *state);
	/* Bytes of one check's scan state (zeroed by the caller), 0 without checks. */
	size_t check_size;
	int (*check_variant)(void *state, void *scan, const struct fmt_variant *v,
			     struct bf_err *err);
	int (*check_end)(void *state, void *scan, struct bf_err *err);
	int (*encode)(void *state, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		      struct bf_err *err);
	/*
	 * Samples [j0, j0 + n) of `rows` rows: row r's genotypes at gt + r *
	 * stride, its output row at out + r * row_bytes (the whole row's).
	 */
	void (*encode_cols)(void *state, const int8_t *gt, size_t rows, size_t j0, size_t n,
			    size_t stride, uint8_t *out, size_t row_bytes);
	/*
	 * Samples [s0, s0 + n) of one row from bit planes (plane b's byte j at
	 * planes[b * stride + j] holds bit b of the 8 genotype bytes of samples
	 * s0 + 4j .. s0 + 4j + 3); `phase` is the row's FMT_PHASE_* flags;
	 * `acc` two words the row's planes_row calls add up for planes_finish.
	 * @return 0 or FMT_PLANES_DECLINE.
	 */
	int (*planes_row)(void *state, uint8_t phase, size_t s0, size_t n, const uint8_t *planes,
			  size_t stride, uint8_t *row_out, uint64_t *acc);
	/* The rest of rows whose planes_row calls are done (c->gt not read). */
	int (*planes_finish)(void *state, const struct fmt_chunk *c, const uint64_t *acc,
			     uint8_t *out, size_t len, struct bf_err *err);
	/* Variable-size: append c's blocks to out; sizes (may be NULL) gets each length. */
	int (*append)(void *state, const struct fmt_chunk *c, struct bf_strbuf *scratch,
		      struct bf_strbuf *out, uint64_t *sizes, struct bf_err *err);
	/* Log what the format counted (warnings) as `who`; reset the counts. */
	void (*report)(void *state, const char *who, bool reset);
};

/* The registered format named `name`, or NULL. */
const struct fmt_ops *fmt_find(const char *name);

/* Registered formats, in table order: fmt_list(i) for i < fmt_count(). */
size_t fmt_count(void);
const struct fmt_ops *fmt_list(size_t i);

/* The formats of this tree (each in its own file). */
extern const struct fmt_ops fmt_bed_ops;
extern const struct fmt_ops fmt_bgen_fixed_ops;
extern const struct fmt_ops fmt_bgen_variable_ops;
extern const struct fmt_ops fmt_raw8_ops;

#endif
