/*
 * export.h - one output job: a selection, its fixed-size stream and sidecars.
 *
 * Owns: the set-up shared by `view-*` and the encoder server: open the store
 * and resolve the selection, check what the format needs before any byte is
 * produced (genotypes present, ploidy, multi-allelic rows), build the stream
 * prefix and the per-chunk sizes, and start the stream's encoder threads.
 */
#ifndef BF_ENGINE_EXPORT_H
#define BF_ENGINE_EXPORT_H

#include "util/bf_config.h"

#include "engine/source.h"
#include "engine/stream.h"
#include "select/selection.h"
#include "util/err.h"
#include "format/format.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <stdatomic.h>

#include <stdbool.h>

/*
 * Most genotype bytes decoded per stream piece: plan chunks whose decoded
 * rows exceed this (or the budget's share, see export.c) are split, so worker
 * memory does not follow the store's chunk shape (a 5,000 x 100,000 chunk is
 * 1 GiB decoded).
 */
#ifndef EXPORT_PIECE_BYTES
#define EXPORT_PIECE_BYTES ((size_t)32 << 20)
#endif

/*
 * The same when pieces are encoded as their blocks decode (source_windowed):
 * workers then hold no decoded piece, so a piece only sizes the encoded
 * buffers in flight, each a fresh mapping to fault in.  4 MiB (a 500 KB
 * .bed piece) ran the 10,000-sample bench store's view-plink in 84-88 ms
 * against 104 ms with whole 20 MB chunks; 2 MiB was slower again (blocks cut
 * by piece ends decode twice).
 */
/* Encoded bytes prefetched ahead of a sequential reader of a mount (at least workers + 1 pieces).
 */
#ifndef EXPORT_AHEAD_BYTES
#define EXPORT_AHEAD_BYTES ((uint64_t)4 << 20)
#endif

/* How far one reader's requests may arrive out of order (the front's RUN_SLACK). */
#ifndef EXPORT_PASS_SLACK
#define EXPORT_PASS_SLACK ((uint64_t)4 << 20)
#endif

#ifndef EXPORT_WINDOW_PIECE_BYTES
#define EXPORT_WINDOW_PIECE_BYTES ((size_t)4 << 20)
#endif

struct export_config {
	/* the output format: a name registered in format/format.c ("bed", "bgen") */
	const char *format;
	const void *format_params; /* the format's own options (bgen: struct bgen_params) */
	struct selection_opts sel;
	uint64_t budget;  /* bytes of encoded chunks cached (--readahead-buffer-size) */
	size_t n_threads; /* encoder threads */
	/*
	 * Skip the format's up-front variant checks because the caller writes
	 * a sidecar that fails on the same rows before the stream is produced
	 * (view-plink's .bim).
	 */
	bool skip_checks;
	bool one_pass; /* one sequential reader (view-*): see stream_config */
};

struct export
{
	struct selection s;
	const struct fmt_ops *fmt; /* the format (fmt_find of the config's name) */
	void *fmt_state;	   /* its state (fmt_ops.open) */
	struct fmt_info info;	   /* what it needs and offers */
	struct source src;
	struct stream *stream;
	uint32_t *counts;	 /* variants per stream piece */
	struct bf_strbuf prefix; /* bytes before the first chunk */
	uint64_t bpv;		 /* bytes per variant */
	size_t n_threads;	 /* encoder threads of the stream */
	/* one pass with info.checks_async: the variant checks, left to export_checks_* */
	bool check_pending;
	bool check_running;
	pthread_t check_thread;
	int check_rc;
	struct bf_err check_err;
};

/* Log what the format counted while encoding (mixed-phase warnings) as `who`. */
void export_report(struct export *e, const char *who);

/*
 * Decode every piece's genotypes once (in parallel, nothing encoded or
 * kept), so a failure that only the genotypes show (mixed ploidy,
 * out-of-range values) stops a caller that cannot take bytes back (a pipe)
 * before it writes any.  A piece holding a value outside {-1, 0, 1} is
 * encoded to get the format's own error.  Costs one more pass of decoding.
 */
int export_prescan(struct export *e, struct bf_err *err) BF_MUST_CHECK;

/*
 * One pass of a format whose checks may run beside the drain (config
 * one_pass, info.checks_async) leaves export_open's variant checks to
 * these: export_checks_start runs them on a thread of its own, which on
 * failure stops the stream's drain (stream_abort); export_checks_wait
 * joins it (or runs them, if not started) and returns the result.  A
 * caller that cannot take bytes back (a pipe) waits before writing; one
 * that can (files it renames, a regular file it cuts back, /dev/null)
 * waits after the drain and reports the check's failure in preference to
 * the drain's.  Both are no-ops for every other export.
 */
void export_checks_start(struct export *e);
int export_checks_wait(struct export *e, struct bf_err *err) BF_MUST_CHECK;

/*
 * Describe selection `s` to a format (fmt_setup): contig and sample id
 * tables are allocated into *contigs / *ids (free both with bf_free).
 */
int export_fmt_setup(const struct selection *s, struct fmt_setup *fs, struct fmt_str **contigs,
		     struct fmt_str **ids, struct bf_err *err) BF_MUST_CHECK;

/* Set everything up; on failure nothing is left open. */
int export_open(struct export *e, const struct export_config *c, struct bf_err *err) BF_MUST_CHECK;
void export_close(struct export *e);

/*
 * Write sidecar `kind` (one of e->fmt->sides) of an open fixed-size export:
 * the text kinds to `fd` (`name` in messages), the BGEN index to the file at
 * `path` (SQLite writes it by name) with `params`, the format's options.
 */
int export_write_sidecar(struct export *e, enum fmt_side kind, const void *params, int fd,
			 const char *path, const char *name, struct bf_err *err) BF_MUST_CHECK;

#endif
