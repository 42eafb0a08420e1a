/*
 * stream.c - random-access stream over encoded plan chunks (see stream.h).
 *
 * The cache is a small table of slots, each holding one encoded chunk in a
 * buffer from bf_bigbuf_alloc.  A slot moves FREE -> QUEUED -> BUSY -> READY
 * (or FAILED).  Readers hold a reference while they wait for or copy from a
 * slot, so a slot in use is never evicted; eviction picks the least recently
 * used READY slot without references.  Workers pop queued slots in FIFO order.
 * Under stream_drain_at a worker writes its chunk itself and the slot goes
 * straight back to FREE (BUSY -> FREE), keeping its buffer for the next.
 */
#include "util/bf_config.h"

#include "engine/stream.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/bigbuf.h"
#include "util/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <time.h>

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_READY, SLOT_FAILED };

struct slot {
	enum slot_state st;
	size_t k;     /* plan chunk held or being produced */
	uint8_t *buf; /* bigbuf of `cap` bytes, NULL until first use */
	size_t cap;
	int refs;	   /* readers waiting on or copying from the slot */
	uint64_t last_use; /* tick of the last reference */
	struct bf_err err; /* the failure, when st == SLOT_FAILED */
};

/*
 * Sequential readers seen lately: where each one is.  When the stream is
 * larger than the cache (so a later pass could not hit it anyway), a chunk
 * every such reader has passed is reused before a fresh buffer is mapped:
 * fresh pages cost a zeroing fault each (9 % of the server's time reading a
 * 500 MB .bed), and concurrent readers still find what the leader encoded.
 */
#define STREAM_READERS 64
#define READER_TTL_S   2.0

/*
 * A stream the cache could hold whole still reuses passed chunks once its
 * buffers reach this much: readers that come back get the page cache
 * (keep_cache), and each fresh MiB costs about a millisecond of faults on
 * the VMs measured (docs/performance.md) -- a 50 MB .bed read once through
 * a fresh mount spent more time there than in decoding.
 */
#ifndef STREAM_KEEP_BYTES
#define STREAM_KEEP_BYTES ((uint64_t)2 << 20)
#endif

struct seq_reader {
	uint64_t id;
	size_t k;    /* chunk of its latest read */
	double seen; /* monotonic time of that read */
};

struct stream {
	uint8_t *prefix;
	size_t prefix_len;
	size_t n_chunks;
	uint64_t *offsets; /* n_chunks + 1 byte offsets; offsets[0] = prefix_len */
	uint64_t bpv;
	uint64_t total;
	size_t max_chunk_bytes;
	struct stream_source src;
	size_t prefetch;
	uint64_t pass_slack;
	bool one_pass;

	pthread_mutex_t lock;
	pthread_cond_t work_cv; /* queue gained an item, or stop */
	pthread_cond_t done_cv; /* a slot finished or lost a reference */
	/* fields below are protected by lock */
	size_t n_slots;
	uint64_t mapped; /* bytes of slot buffers mapped */
	struct slot *slots;
	size_t *queue; /* ring of slot indexes, capacity n_slots */
	size_t q_head, q_len;
	bool stop;
	bool drop_ws;	/* stream_release_idle asks idle workers to free scratch */
	size_t ws_held; /* workers holding scratch buffers */
	uint64_t tick;
	struct seq_reader readers[STREAM_READERS];
	size_t n_readers;
	struct stream_stats stats;

	bool aborted; /* stream_abort: drains stop with abort_err */
	struct bf_err abort_err;
	/* stream_drain_at: workers hand each chunk to psink themselves */
	stream_psink_fn psink;
	void *psink_ctx;
	size_t at_done;	   /* chunks written (or failed) */
	uint64_t at_bytes; /* bytes of the chunks written */

	size_t n_threads;
	pthread_t *threads;
	size_t started;
};

static void slot_release_buf(struct stream *s, struct slot *sl)
{
	s->mapped -= sl->buf ? sl->cap : 0;
	bf_bigbuf_free(sl->buf, sl->cap);
	sl->buf = NULL;
	sl->cap = 0;
}

/* Drop a worker's per-thread buffers after this long without work. */
#define WORKER_IDLE_S 1

static void *worker_main(void *arg)
{
	struct stream *s = arg;
	void *ws = NULL;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct slot *sl;
		size_t si, k, len;
		int rc;
		bool mapped = false;
		struct bf_err e;
		stream_psink_fn psink;
		void *psink_ctx;

		while (!s->stop && s->q_len == 0) {
			struct timespec ts;

			if (!ws) {
				pthread_cond_wait(&s->work_cv, &s->lock);
				continue;
			}
			bf_clock_timespec(bf_clock_now() + WORKER_IDLE_S, &ts);
			if (!s->drop_ws &&
			    pthread_cond_timedwait(&s->work_cv, &s->lock, &ts) != ETIMEDOUT)
				continue;
			if (s->q_len == 0 && !s->stop) {
				/* idle: give the scratch buffers back to the kernel */
				pthread_mutex_unlock(&s->lock);
				if (s->src.worker_free)
					s->src.worker_free(s->src.ctx, ws);
				ws = NULL;
				pthread_mutex_lock(&s->lock);
				s->ws_held--;
				pthread_cond_broadcast(&s->done_cv);
			}
		}
		if (s->stop)
			break;
		si = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % s->n_slots;
		s->q_len--;
		sl = &s->slots[si];
		sl->st = SLOT_BUSY;
		k = sl->k;
		psink = s->psink;
		psink_ctx = s->psink_ctx;
		pthread_mutex_unlock(&s->lock);

		bf_err_clear(&e);
		len = (size_t)(s->offsets[k + 1] - s->offsets[k]);
		if (!ws && s->src.worker_init) {
			ws = s->src.worker_init(s->src.ctx, &e);
			if (!ws && e.code == BF_OK)
				bf_err_set(&e, BF_E_NOMEM, "cannot set up an encoder thread");
			if (ws) {
				pthread_mutex_lock(&s->lock);
				s->ws_held++;
				pthread_mutex_unlock(&s->lock);
			}
		}
		if (s->src.worker_init && !ws) {
			rc = e.code;
		} else if (psink && s->src.encode_at) {
			/* the source writes by position from its own buffers */
			rc = s->src.encode_at(s->src.ctx, ws, k, s->offsets[k], len, psink,
					      psink_ctx, &e);
			if (rc < 0 && e.code == BF_OK)
				bf_err_set(&e, rc, "encoding chunk %zu failed", k);
		} else if (!sl->buf && !(sl->buf = bf_bigbuf_alloc(s->max_chunk_bytes))) {
			rc = bf_err_set(&e, BF_E_NOMEM, "cannot map %zu bytes for chunk %zu",
					s->max_chunk_bytes, k);
		} else {
			mapped = sl->cap == 0;
			sl->cap = s->max_chunk_bytes;
			rc = s->src.encode(s->src.ctx, ws, k, sl->buf, len, &e);
			if (rc < 0 && e.code == BF_OK)
				bf_err_set(&e, rc, "encoding chunk %zu failed", k);
			if (rc >= 0 && psink)
				rc = psink(psink_ctx, s->offsets[k], sl->buf, len, &e);
		}

		pthread_mutex_lock(&s->lock);
		if (mapped)
			s->mapped += sl->cap;
		s->stats.encodes++;
		if (rc < 0) {
			sl->st = SLOT_FAILED;
			bf_err_copy(&sl->err, &e);
		} else if (psink) {
			sl->st = SLOT_FREE; /* written: the buffer takes the next chunk */
			s->at_done++;
			s->at_bytes += len;
		} else {
			sl->st = SLOT_READY;
		}
		pthread_cond_broadcast(&s->done_cv);
	}
	if (ws)
		s->ws_held--;
	pthread_mutex_unlock(&s->lock);
	if (ws && s->src.worker_free)
		s->src.worker_free(s->src.ctx, ws);
	return NULL;
}

size_t stream_release_idle(struct stream *s)
{
	size_t i, freed = 0;
	struct timespec ts;

	pthread_mutex_lock(&s->lock);
	/* Idle workers free their scratch now (not a tick later), so the
	 * caller's malloc_trim sees it (busy ones when done; wait at most 1 s). */
	bf_clock_timespec(bf_clock_now() + 1.0, &ts);
	s->drop_ws = true;
	pthread_cond_broadcast(&s->work_cv);
	while (s->ws_held > 0 && !s->stop)
		if (pthread_cond_timedwait(&s->done_cv, &s->lock, &ts) == ETIMEDOUT)
			break;
	s->drop_ws = false;
	for (i = 0; i < s->n_slots; i++) {
		struct slot *sl = &s->slots[i];

		if ((sl->st == SLOT_READY || sl->st == SLOT_FAILED || sl->st == SLOT_FREE) &&
		    sl->refs == 0 && sl->buf) {
			freed += sl->cap;
			slot_release_buf(s, sl);
			sl->st = SLOT_FREE;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return freed;
}

static void stream_stop(struct stream *s)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->started; i++)
		pthread_join(s->threads[i], NULL);
	s->started = 0;
}

void stream_free(struct stream *s)
{
	size_t i;

	if (!s)
		return;
	stream_stop(s);
	for (i = 0; i < s->n_slots; i++)
		slot_release_buf(s, &s->slots[i]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->done_cv);
	bf_free(s->slots);
	bf_free(s->queue);
	bf_free(s->threads);
	bf_free(s->offsets);
	bf_free(s->prefix);
	bf_free(s);
}

struct stream *stream_create(const uint8_t *prefix, size_t prefix_len, size_t n_chunks,
			     const uint32_t *chunk_n, uint64_t bpv, const struct stream_source *src,
			     const struct stream_config *cfg, struct bf_err *err)
{
	struct stream *s = bf_calloc(1, sizeof(*s));
	size_t k, want;
	uint64_t max_bytes = 0;

	if (!s)
		goto nomem;
	pthread_mutex_init(&s->lock, NULL);
	bf_clock_cond_init(&s->work_cv);
	bf_clock_cond_init(&s->done_cv);
	s->src = *src;
	s->bpv = bpv;
	s->n_chunks = n_chunks;
	s->prefix_len = prefix_len;
	s->prefix = bf_malloc(prefix_len + 1);
	s->offsets = bf_calloc(n_chunks + 1, sizeof(uint64_t));
	if (!s->prefix || !s->offsets)
		goto nomem;
	if (prefix_len)
		memcpy(s->prefix, prefix, prefix_len);
	s->offsets[0] = prefix_len;
	for (k = 0; k < n_chunks; k++) {
		uint64_t b = (uint64_t)chunk_n[k] * bpv;

		s->offsets[k + 1] = s->offsets[k] + b;
		if (b > max_bytes)
			max_bytes = b;
	}
	s->total = s->offsets[n_chunks];
	if (max_bytes > SIZE_MAX / 2) {
		bf_err_set(err, BF_E_RANGE, "an encoded chunk of %llu bytes is too large",
			   (unsigned long long)max_bytes);
		stream_free(s);
		return NULL;
	}
	s->max_chunk_bytes = (size_t)max_bytes;
	s->prefetch = cfg->prefetch;
	s->pass_slack = cfg->pass_slack;
	s->one_pass = cfg->one_pass;
	s->n_threads = cfg->n_threads ? cfg->n_threads : 1;

	want = max_bytes ? (size_t)(cfg->budget / max_bytes) : 1;
	if (cfg->one_pass && want > s->n_threads + s->prefetch + 1)
		want = s->n_threads + s->prefetch + 1;
	/* the budget decides; a minimum keeps every worker busy and one chunk readable */
	if (want < s->n_threads + 1)
		want = s->n_threads + 1;
	if (want > 256)
		want = 256;
	if (n_chunks && want > n_chunks)
		want = n_chunks;
	if (want == 0)
		want = 1;
	s->n_slots = want;
	s->slots = bf_calloc(want, sizeof(*s->slots));
	s->queue = bf_calloc(want, sizeof(size_t));
	s->threads = bf_calloc(s->n_threads, sizeof(pthread_t));
	if (!s->slots || !s->queue || !s->threads)
		goto nomem;
	if (n_chunks == 0)
		return s; /* nothing to encode: no workers */
	for (k = 0; k < s->n_threads; k++) {
		if (pthread_create(&s->threads[k], NULL, worker_main, s) != 0) {
			bf_err_sys(err, BF_E_IO, "cannot start an encoder thread");
			stream_free(s);
			return NULL;
		}
		s->started++;
	}
	return s;
nomem:
	bf_err_set(err, BF_E_NOMEM, "out of memory");
	stream_free(s);
	return NULL;
}

uint64_t stream_size(const struct stream *s)
{
	return s->total;
}

void stream_get_stats(struct stream *s, struct stream_stats *out)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	out->cached_bytes = 0;
	for (i = 0; i < s->n_slots; i++)
		out->cached_bytes += s->slots[i].cap;
	pthread_mutex_unlock(&s->lock);
}

/* Plan chunk holding byte `off` (offsets[0] <= off < total). */
static size_t chunk_of(const struct stream *s, uint64_t off)
{
	size_t lo = 0, hi = s->n_chunks; /* offsets[lo] <= off < offsets[hi] */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->offsets[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Record that sequential reader `id` is at chunk k.  Lock held. */
static void note_reader(struct stream *s, uint64_t id, size_t k)
{
	struct seq_reader *r = NULL;
	size_t i;

	for (i = 0; i < s->n_readers; i++) {
		if (s->readers[i].id == id) {
			r = &s->readers[i];
			break;
		}
		if (!r || s->readers[i].seen < r->seen)
			r = &s->readers[i]; /* the stalest, if the table is full */
	}
	if (i == s->n_readers && s->n_readers < STREAM_READERS)
		r = &s->readers[s->n_readers++];
	r->id = id;
	r->k = k;
	r->seen = bf_clock_coarse();
}

/*
 * Chunks below the returned index were passed by every sequential reader
 * seen in the last READER_TTL_S (others are forgotten); 0 when there is none
 * or when the whole stream fits in the cache and its buffers are still below
 * STREAM_KEEP_BYTES (keep it all).  Lock held.
 */
static size_t passed_below(struct stream *s)
{
	double now;
	size_t i = 0, low = SIZE_MAX;
	/* reads of one reader arrive out of order by up to cfg.pass_slack */
	size_t slack = (size_t)((s->pass_slack + s->max_chunk_bytes - 1) /
				(s->max_chunk_bytes ? s->max_chunk_bytes : 1));

	if (s->n_readers == 0 || (s->n_chunks <= s->n_slots && s->mapped < STREAM_KEEP_BYTES))
		return 0;
	now = bf_clock_coarse();
	while (i < s->n_readers) {
		if (now - s->readers[i].seen > READER_TTL_S) {
			s->readers[i] = s->readers[--s->n_readers];
			continue;
		}
		{
			size_t k = s->readers[i].k, floor = k > slack ? k - slack : 0;

			if (floor < low)
				low = floor;
		}
		i++;
	}
	return low == SIZE_MAX ? 0 : low;
}

static struct slot *find_slot(struct stream *s, size_t k)
{
	size_t i;

	for (i = 0; i < s->n_slots; i++)
		if (s->slots[i].st != SLOT_FREE && s->slots[i].k == k)
			return &s->slots[i];
	return NULL;
}

/*
 * A slot to produce chunk k in, cheapest first: a free slot that still has
 * its buffer; a finished slot without references whose chunk every recent
 * sequential reader has passed (see passed_below); a free slot without a
 * buffer (mapped on first use); the least recently used finished slot
 * without references.  For prefetch (`below` set) only slots holding chunks
 * before `below` may be evicted.  NULL when none.
 */
static struct slot *pick_slot(struct stream *s, bool prefetch, size_t below)
{
	struct slot *passed = NULL, *fresh = NULL, *lru = NULL;
	size_t i, low = passed_below(s);

	for (i = 0; i < s->n_slots; i++) {
		struct slot *sl = &s->slots[i];

		if (sl->st == SLOT_FREE) {
			if (sl->buf)
				return sl;
			if (!fresh)
				fresh = sl;
			continue;
		}
		if ((sl->st != SLOT_READY && sl->st != SLOT_FAILED) || sl->refs > 0)
			continue;
		if (prefetch && sl->k >= below)
			continue;
		if (sl->k < low && (!passed || sl->last_use < passed->last_use))
			passed = sl;
		if (!lru || sl->last_use < lru->last_use)
			lru = sl;
	}
	return passed ? passed : fresh ? fresh : lru;
}

static void enqueue(struct stream *s, struct slot *sl, size_t k)
{
	sl->st = SLOT_QUEUED;
	sl->k = k;
	sl->refs = 0;
	bf_err_clear(&sl->err);
	s->queue[(s->q_head + s->q_len) % s->n_slots] = (size_t)(sl - s->slots);
	s->q_len++;
	pthread_cond_signal(&s->work_cv);
}

/* Take a reference on the slot of chunk k, queueing it if needed.  Lock held. */
static struct slot *acquire(struct stream *s, size_t k)
{
	struct slot *sl;

	for (;;) {
		sl = find_slot(s, k);
		if (sl) {
			if (sl->st == SLOT_READY)
				s->stats.hits++;
			else
				s->stats.misses++;
			break;
		}
		sl = pick_slot(s, false, 0);
		if (sl) {
			s->stats.misses++;
			enqueue(s, sl, k);
			break;
		}
		pthread_cond_wait(&s->done_cv, &s->lock);
	}
	sl->refs++;
	sl->last_use = ++s->tick;
	return sl;
}

static void prefetch_after(struct stream *s, size_t k)
{
	size_t j;

	for (j = k + 1; j <= k + s->prefetch && j < s->n_chunks; j++) {
		struct slot *sl;

		if (find_slot(s, j))
			continue;
		sl = pick_slot(s, true, k);
		if (!sl)
			break;
		enqueue(s, sl, j);
		sl->last_use = ++s->tick;
	}
}

void stream_warm(struct stream *s)
{
	/* A mount: the whole prefetch depth, so its first reader finds 4 MiB
	 * ready (limiting it to workers + 1 pieces put the 10k store's figure d
	 * at 0.70 against 0.88, without a measurable gain in ready time).  One
	 * pass (view-*): workers + 1 pieces, what stream_drain_at keeps in
	 * flight, so the warm-up maps no buffer the drain will not use. */
	size_t depth = s->n_threads + (s->one_pass ? 1 : s->prefetch), j;

	pthread_mutex_lock(&s->lock);
	for (j = 0; j < s->n_chunks && j < depth; j++) {
		struct slot *sl;

		if (find_slot(s, j))
			continue;
		sl = pick_slot(s, true, 0);
		if (!sl || sl->st != SLOT_FREE)
			break;
		enqueue(s, sl, j);
		sl->last_use = ++s->tick;
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * Hold the slot of chunk k until it is encoded: a reference that keeps it
 * from eviction until unhold().  Prefetches after k for a sequential reader.
 * @return 0 with *out the READY slot, or the chunk's failure code (err set).
 */
static int hold(struct stream *s, size_t k, bool sequential, uint64_t reader, struct slot **out,
		struct bf_err *err)
{
	struct slot *sl;

	pthread_mutex_lock(&s->lock);
	if (sequential)
		note_reader(s, reader, k);
	sl = acquire(s, k);
	if (sequential && s->prefetch)
		prefetch_after(s, k);
	while (sl->st == SLOT_QUEUED || sl->st == SLOT_BUSY)
		pthread_cond_wait(&s->done_cv, &s->lock);
	if (sl->st == SLOT_FAILED) {
		int code = sl->err.code < 0 ? sl->err.code : BF_E_INTERNAL;

		bf_err_copy(err, &sl->err);
		if (--sl->refs == 0)
			sl->st = SLOT_FREE;
		pthread_cond_broadcast(&s->done_cv);
		pthread_mutex_unlock(&s->lock);
		return code;
	}
	pthread_mutex_unlock(&s->lock);
	*out = sl;
	return 0;
}

static void unhold(struct stream *s, struct slot *sl)
{
	pthread_mutex_lock(&s->lock);
	sl->refs--;
	pthread_cond_broadcast(&s->done_cv);
	pthread_mutex_unlock(&s->lock);
}

void stream_piece_span(const struct stream *s, uint64_t off, uint64_t *lo, uint64_t *hi)
{
	size_t k;

	if (off < s->prefix_len) {
		*lo = 0;
		*hi = s->prefix_len;
		return;
	}
	k = chunk_of(s, off < s->total ? off : s->total - 1);
	*lo = s->offsets[k];
	*hi = s->offsets[k + 1];
}

int64_t stream_read(struct stream *s, uint64_t off, void *buf, size_t len, unsigned flags,
		    uint64_t reader, struct bf_err *err)
{
	uint64_t end;
	uint8_t *out = buf;
	int64_t done = 0;

	if (off >= s->total || len == 0)
		return 0;
	end = off + len < off || off + len > s->total ? s->total : off + len;
	while (off < end) {
		struct slot *sl;
		size_t k;
		uint64_t take;
		int rc;

		if (off < s->prefix_len) {
			take = (end < s->prefix_len ? end : s->prefix_len) - off;
			memcpy(out, s->prefix + off, (size_t)take);
			out += take;
			off += take;
			done += (int64_t)take;
			continue;
		}
		k = chunk_of(s, off);
		rc = hold(s, k, (flags & STREAM_SEQUENTIAL) != 0, reader, &sl, err);
		if (rc < 0)
			return rc;
		take = (end < s->offsets[k + 1] ? end : s->offsets[k + 1]) - off;
		memcpy(out, sl->buf + (off - s->offsets[k]), (size_t)take);
		out += take;
		off += take;
		done += (int64_t)take;
		unhold(s, sl);
	}
	return done;
}

int stream_drain(struct stream *s, uint64_t off,
		 int (*sink)(void *ctx, const uint8_t *p, size_t n, struct bf_err *err), void *ctx,
		 struct bf_err *err)
{
	int rc;

	if (off < s->prefix_len) {
		rc = sink(ctx, s->prefix + off, (size_t)(s->prefix_len - off), err);
		if (rc < 0)
			return rc;
		off = s->prefix_len;
	}
	while (off < s->total) {
		size_t k = chunk_of(s, off);
		struct slot *sl;

		pthread_mutex_lock(&s->lock);
		rc = s->aborted ? s->abort_err.code : 0;
		if (rc < 0)
			bf_err_copy(err, &s->abort_err);
		pthread_mutex_unlock(&s->lock);
		if (rc < 0)
			return rc;
		rc = hold(s, k, true, UINT64_MAX, &sl, err);
		if (rc < 0)
			return rc;
		rc = sink(ctx, sl->buf + (off - s->offsets[k]), (size_t)(s->offsets[k + 1] - off),
			  err);
		unhold(s, sl);
		if (rc < 0)
			return rc;
		off = s->offsets[k + 1];
	}
	return 0;
}

/*
 * A chunk stream_drain_at must finish itself: one the warm-up encoded
 * before psink was set (READY), or a failure (FAILED).  Keeps the failure
 * of the lowest chunk in *fail_k / fail.  Lock held; dropped around psink.
 */
static void drain_at_finish(struct stream *s, struct slot *sl, size_t *fail_k, struct bf_err *fail)
{
	size_t k = sl->k, len = (size_t)(s->offsets[k + 1] - s->offsets[k]);
	struct bf_err e;
	int rc = 0;

	if (sl->st == SLOT_READY) {
		sl->st = SLOT_BUSY; /* ours while the lock is dropped */
		pthread_mutex_unlock(&s->lock);
		bf_err_clear(&e);
		rc = s->psink(s->psink_ctx, s->offsets[k], sl->buf, len, &e);
		pthread_mutex_lock(&s->lock);
		if (rc < 0)
			bf_err_copy(&sl->err, &e);
		else
			s->at_bytes += len;
	} else {
		rc = -1;
	}
	if (rc < 0 && k < *fail_k) {
		*fail_k = k;
		bf_err_copy(fail, &sl->err);
	}
	sl->st = SLOT_FREE;
	s->at_done++;
}

void stream_abort(struct stream *s, const struct bf_err *why)
{
	pthread_mutex_lock(&s->lock);
	if (!s->aborted) {
		s->aborted = true;
		bf_err_copy(&s->abort_err, why);
		if (s->abort_err.code >= 0)
			s->abort_err.code = BF_E_INTERNAL;
	}
	pthread_cond_broadcast(&s->done_cv);
	pthread_mutex_unlock(&s->lock);
}

int stream_drain_at(struct stream *s, stream_psink_fn psink, void (*progress)(void *, uint64_t),
		    void *ctx, struct bf_err *err)
{
	size_t next = 0, limit = s->n_threads + 1, fail_k = SIZE_MAX, i;
	uint64_t shown = 0, done;
	struct bf_err fail;
	int rc;

	bf_err_clear(&fail);
	if (s->prefix_len > 0) {
		rc = psink(ctx, 0, s->prefix, s->prefix_len, err);
		if (rc < 0)
			return rc;
	}
	if (limit > s->n_slots)
		limit = s->n_slots;
	pthread_mutex_lock(&s->lock);
	s->psink = psink;
	s->psink_ctx = ctx;
	s->at_done = 0;
	s->at_bytes = 0;
	/* the warm-up queued the first chunks already */
	for (i = 0; i < s->n_slots; i++)
		if (s->slots[i].st != SLOT_FREE && s->slots[i].k + 1 > next)
			next = s->slots[i].k + 1;
	while (s->at_done < next || (next < s->n_chunks && fail_k == SIZE_MAX)) {
		bool waited = true;

		if (s->aborted && fail_k == SIZE_MAX) { /* reported before any chunk's */
			fail_k = 0;
			bf_err_copy(&fail, &s->abort_err);
		}

		for (i = 0; i < s->n_slots; i++) {
			struct slot *sl = &s->slots[i];

			if (sl->st == SLOT_READY || sl->st == SLOT_FAILED) {
				drain_at_finish(s, sl, &fail_k, &fail);
				waited = false;
			}
		}
		while (fail_k == SIZE_MAX && next < s->n_chunks && next - s->at_done < limit) {
			struct slot *sl = pick_slot(s, false, 0);

			if (!sl || sl->st != SLOT_FREE)
				break;
			enqueue(s, sl, next++);
		}
		if (progress && s->prefix_len + s->at_bytes != shown) {
			shown = s->prefix_len + s->at_bytes;
			pthread_mutex_unlock(&s->lock);
			progress(ctx, shown);
			pthread_mutex_lock(&s->lock);
			waited = false;
		}
		if (waited && s->at_done < next)
			pthread_cond_wait(&s->done_cv, &s->lock);
	}
	s->psink = NULL;
	s->psink_ctx = NULL;
	done = s->prefix_len + s->at_bytes;
	pthread_mutex_unlock(&s->lock);
	if (progress && done != shown)
		progress(ctx, done);
	if (fail_k != SIZE_MAX) {
		bf_err_copy(err, &fail);
		return fail.code < 0 ? fail.code : BF_E_INTERNAL;
	}
	return 0;
}
