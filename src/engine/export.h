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
#include "format/bgen.h"
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

enum export_format {
	EXPORT_PLINK,	   /* .bed stream, .bim/.fam sidecars */
	EXPORT_BGEN_FIXED, /* fixed-size .bgen stream, .sample/.bgen.bgi sidecars */
};

struct export_config {
	enum export_format format;
	struct selection_opts sel;
	uint64_t budget;	   /* bytes of encoded chunks cached (--readahead-buffer-size) */
	size_t n_threads;	   /* encoder threads */
	const void *format_params; /* BGEN: const struct bgen_params * */
	/*
	 * PLINK: skip the up-front multi-allelic scan because the caller writes
	 * the .bim, which fails on the same rows before the .bed is produced.
	 */
	bool skip_plink_scan;
	bool one_pass; /* one sequential reader (view-*): see stream_config */
};

struct export
{
	enum export_format format;
	struct selection s;
	struct source src;
	struct stream *stream;
	uint32_t *counts;	      /* variants per stream piece */
	struct bf_strbuf prefix;      /* bytes before the first chunk */
	uint64_t bpv;		      /* bytes per variant */
	size_t n_threads;	      /* encoder threads of the stream */
	struct bgen_params bgen;      /* BGEN parameters (copied from the config) */
	_Atomic uint64_t mixed_phase; /* BGEN variants written unphased for mixed phase */
	/* one pass of the fixed BGEN: the string check, left to export_checks_* */
	bool check_pending;
	bool check_running;
	pthread_t check_thread;
	int check_rc;
	struct bf_err check_err;
};

/*
 * BGEN: check every planned variant before any byte is written: no
 * multi-allelic row, and (fixed mode) every variant's strings fit the
 * total string length; the message names the first variant that does not
 * and the smallest --total-string-length that fits them all.
 */
int export_check_bgen_strings(struct selection *s, const struct bgen_params *p,
			      struct bf_err *err) BF_MUST_CHECK;

/* Log the reference's mixed-phase warning if any variant needed it. */
void export_warn_mixed_phase(struct export *e, const char *who);

/*
 * Fixed BGEN: decode every piece's genotypes once (in parallel, nothing
 * encoded or kept), so a failure that only the genotypes show (mixed
 * ploidy, out-of-range values) stops a caller that cannot take bytes back
 * (a pipe) before it writes any.  A piece holding a value the encoder
 * refuses is encoded to get the encoder's own error.  Costs one more pass
 * of decoding.
 */
int export_prescan(struct export *e, struct bf_err *err) BF_MUST_CHECK;

/*
 * One pass of the fixed BGEN (config one_pass) leaves export_open's string
 * check (export_check_bgen_strings) to these, so it can run beside the
 * decoding: export_checks_start runs it on a thread of its own, which on
 * failure stops the stream's drain (stream_abort); export_checks_wait
 * joins it (or runs it, if not started) and returns its result.  A caller
 * that cannot take bytes back (a pipe) waits before writing; one that can
 * (files it renames, a regular file it cuts back, /dev/null) waits after
 * the drain and reports the check's failure in preference to the drain's.
 * Both are no-ops for every other export.
 */
void export_checks_start(struct export *e);
int export_checks_wait(struct export *e, struct bf_err *err) BF_MUST_CHECK;

/* Set everything up; on failure nothing is left open. */
int export_open(struct export *e, const struct export_config *c, struct bf_err *err) BF_MUST_CHECK;
void export_close(struct export *e);

#endif
