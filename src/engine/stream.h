/*
 * stream.h - a random-access byte stream over encoded plan chunks.
 *
 * Owns: the map between byte offsets and plan chunks for fixed-size formats
 * (spec/formats.md §7: prefix + sum of n_i * bpv), a cache of encoded chunks
 * shared by every reader of the stream, single-flight production (a chunk
 * being encoded is waited for, never encoded twice), sequential prefetch, and
 * the worker threads that run the encoder.  `view-*` drains a stream (in
 * order, or by position straight from the workers); the mount's encoder
 * server serves the same object.
 *
 * The encoder itself is a callback (struct stream_source), so this layer
 * knows nothing about genotypes or file formats.
 *
 * Thread-safety: stream_read may be called from many threads at once.
 * Lock order: stream.lock only (callbacks run without it).
 */
#ifndef BF_ENGINE_STREAM_H
#define BF_ENGINE_STREAM_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write n bytes at stream offset off (from any thread).  @return 0 or a negative code. */
typedef int (*stream_psink_fn)(void *ctx, uint64_t off, const uint8_t *p, size_t n,
			       struct bf_err *err);

struct stream_source {
	void *ctx;
	/* Per-worker state (scratch buffers); called once on each worker thread. */
	void *(*worker_init)(void *ctx, struct bf_err *err);
	void (*worker_free)(void *ctx, void *ws);
	/*
	 * Encode plan chunk `k` into `out`, exactly `len` bytes (n_k * bpv).
	 * Runs concurrently for different k.  @return 0 or a negative code.
	 */
	int (*encode)(void *ctx, void *ws, size_t k, uint8_t *out, size_t len, struct bf_err *err);
	/*
	 * Optional, for stream_drain_at: encode chunk k (`len` bytes at stream
	 * offset `off`) and hand all of its bytes to `psink`, in as many calls
	 * as it likes, from buffers of its own (a few rows' worth), so the
	 * stream maps no chunk buffer and the bytes leave while still in cache.
	 */
	int (*encode_at)(void *ctx, void *ws, size_t k, uint64_t off, size_t len,
			 stream_psink_fn psink, void *psink_ctx, struct bf_err *err);
};

struct stream_config {
	size_t n_threads; /* encoder threads (>= 1) */
	uint64_t budget;  /* bytes of encoded chunks the cache may hold */
	size_t prefetch;  /* chunks encoded ahead of a sequential reader */
			  /*
			   * One reader reads every chunk once, in order (view-*): hold only the
			   * slots the workers and the prefetch need, and reuse their buffers,
			   * instead of mapping a fresh buffer for each chunk up to the budget.
			   */
	bool one_pass;
	/*
	 * A chunk counts as passed by a sequential reader (and may be reused
	 * for another) only this many bytes behind its latest read: the mount
	 * sets the slack its front allows for out-of-order requests of one
	 * reader (kernel readahead, several FUSE threads).
	 */
	uint64_t pass_slack;
};

struct stream_stats {
	uint64_t hits;	       /* chunk lookups served from the cache */
	uint64_t misses;       /* chunk lookups that had to wait for an encode */
	uint64_t encodes;      /* chunks encoded */
	uint64_t cached_bytes; /* bytes of encoded chunk buffers held now */
};

struct stream;

/*
 * Create a stream.  `prefix` (copied) is served before the first chunk;
 * `chunk_n[k]` is the number of variants of plan chunk k and `bpv` the bytes
 * per variant.  Takes no ownership of `src->ctx`.
 */
struct stream *stream_create(const uint8_t *prefix, size_t prefix_len, size_t n_chunks,
			     const uint32_t *chunk_n, uint64_t bpv, const struct stream_source *src,
			     const struct stream_config *cfg, struct bf_err *err);

/* Stop the workers and free everything.  NULL is allowed. */
void stream_free(struct stream *s);

uint64_t stream_size(const struct stream *s);

#define STREAM_SEQUENTIAL 1u

/*
 * POSIX pread semantics: copy bytes [off, min(off+len, size)) into `buf`.
 * With STREAM_SEQUENTIAL in `flags` (the caller's handle reads in order) the
 * chunks after the one read are queued for encoding, and `reader` (any id
 * naming the caller's handle) is remembered with its position for two
 * seconds (chunks every such reader has passed are reused first when the
 * stream is larger than the cache).  Without it only the chunks asked for are
 * encoded, so random readers cost only what they read.
 * @return the number of bytes (0 at or past EOF, short only at EOF), or a
 *         negative code when a chunk failed to encode (err says why; a later
 *         read retries it).
 */
int64_t stream_read(struct stream *s, uint64_t off, void *buf, size_t len, unsigned flags,
		    uint64_t reader, struct bf_err *err) BF_MUST_CHECK;

/*
 * The bytes [*lo, *hi) of the piece holding byte `off` (< stream_size; the
 * prefix counts as one piece): a read of any of them encodes, or fails,
 * exactly that piece, so a read may be widened within it at no new risk.
 */
void stream_piece_span(const struct stream *s, uint64_t off, uint64_t *lo, uint64_t *hi);

/*
 * Give every cached chunk buffer that no reader holds back to the kernel
 * (the cache starts cold again), and have idle encoder threads free their
 * scratch buffers before returning, so a malloc_trim after it finds them
 * (threads also drop scratch by themselves after a second without work).
 * @return bytes of cached chunks released.
 */
size_t stream_release_idle(struct stream *s);

/* Start encoding the first chunks before anyone reads (free slots only). */
void stream_warm(struct stream *s);

/*
 * Hand bytes [off, size) to `sink` in order, straight from the cached chunk
 * buffers (no copy): the prefix, then each chunk as soon as it is encoded.
 * A chunk is held while its sink call runs.  Prefetch is as for a
 * sequential reader.  @return 0, the sink's negative code, or a chunk's
 * encoding failure.
 */
int stream_drain(struct stream *s, uint64_t off,
		 int (*sink)(void *ctx, const uint8_t *p, size_t n, struct bf_err *err), void *ctx,
		 struct bf_err *err) BF_MUST_CHECK;

/*
 * Hand every byte of the stream to `psink` by position: the prefix first,
 * then each chunk from the worker thread that encoded it, as soon as it is
 * encoded (for an output that takes positional writes: a regular file,
 * /dev/null).  Chunks finish out of order, so no worker waits for an
 * earlier one and at most workers + 1 chunk buffers are in use (none when
 * the source has encode_at, except for chunks a warm-up encoded).
 * `progress` (may be NULL) gets the bytes written so far (prefix included),
 * from the calling thread.  For a stream nothing else reads.  @return 0, or the failure of
 * the lowest failing chunk (encoding or psink); chunks after it may have
 * been written.
 */
int stream_drain_at(struct stream *s, stream_psink_fn psink, void (*progress)(void *, uint64_t),
		    void *ctx, struct bf_err *err) BF_MUST_CHECK;

/*
 * Stop the drains of this stream with `why` (copied): stream_drain returns
 * it before its next chunk, stream_drain_at enqueues nothing more and
 * returns it once the chunks in flight are done.  From any thread (a check
 * running beside a drain that found the input bad).
 */
void stream_abort(struct stream *s, const struct bf_err *why);

void stream_get_stats(struct stream *s, struct stream_stats *out);

#endif
