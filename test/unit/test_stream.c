/*
 * test_stream.c - the encoded-chunk stream: offsets, POSIX read semantics,
 * single-flight encoding, failures and concurrency, with a fake encoder.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/stream.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BPV 7

struct fake {
	_Atomic int encodes[64];
	int fail_chunk; /* -1: none */
	_Atomic int fail_once;
	_Atomic int ws_live; /* worker scratch objects not yet freed */
};

/* Byte i of chunk k is a function of the global variant index and column. */
static uint8_t expect_byte(uint64_t off, const uint8_t *prefix, size_t plen)
{
	if (off < plen)
		return prefix[off];
	return (uint8_t)((off - plen) * 31u + 7u);
}

static uint64_t chunk_start(const uint32_t *n, size_t k)
{
	uint64_t s = 0;

	for (size_t i = 0; i < k; i++)
		s += (uint64_t)n[i] * BPV;
	return s;
}

static const uint32_t counts[] = {3, 5, 1, 4, 2, 6};
#define NCH (sizeof(counts) / sizeof(counts[0]))

static int fake_encode(void *ctx, void *ws, size_t k, uint8_t *out, size_t len, struct bf_err *err)
{
	struct fake *f = ctx;
	uint64_t base = chunk_start(counts, k);

	(void)ws;
	atomic_fetch_add(&f->encodes[k], 1);
	if ((int)k == f->fail_chunk && atomic_exchange(&f->fail_once, 0))
		return bf_err_set(err, BF_E_FORMAT, "chunk %zu is corrupt", k);
	assert_int_equal(len, counts[k] * BPV);
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)((base + i) * 31u + 7u);
	return 0;
}

static struct stream *make_cfg(struct fake *f, size_t threads, uint64_t budget, bool one_pass)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct stream_source src = {f, NULL, NULL, fake_encode, NULL};
	struct stream_config cfg = {threads, budget, 2, one_pass, 0};
	struct bf_err err;

	return stream_create(prefix, sizeof(prefix), NCH, counts, BPV, &src, &cfg, &err);
}

static struct stream *make(struct fake *f, size_t threads, uint64_t budget)
{
	return make_cfg(f, threads, budget, false);
}

static void test_sizes_and_reads(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make(&f, 2, 1 << 20);
	uint64_t total = 3 + 21 * BPV;
	uint8_t buf[512];
	struct bf_err err;

	(void)state;
	assert_non_null(s);
	assert_int_equal(stream_size(s), total);
	/* every (off, len) pair gives exactly the expected bytes */
	for (uint64_t off = 0; off <= total + 2; off++) {
		for (size_t len = 0; len < 60; len += 7) {
			int64_t n = stream_read(s, off, buf, len, (off & 1) ? STREAM_SEQUENTIAL : 0,
						1, &err);
			uint64_t want = off >= total ? 0 : (off + len > total ? total - off : len);

			assert_int_equal(n, want);
			for (int64_t i = 0; i < n; i++)
				assert_int_equal(buf[i], expect_byte(off + (uint64_t)i, prefix, 3));
		}
	}
	/* a read spanning everything */
	assert_int_equal(stream_read(s, 0, buf, sizeof(buf), 0, 1, &err), total);
	stream_free(s);
}

static void test_single_flight_and_cache(void **state)
{
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make(&f, 2, 1 << 20); /* budget holds every chunk */
	uint8_t buf[256];
	struct bf_err err;
	struct stream_stats st;

	(void)state;
	for (int pass = 0; pass < 3; pass++)
		assert_int_equal(stream_read(s, 0, buf, sizeof(buf), STREAM_SEQUENTIAL, 1, &err),
				 3 + 21 * BPV);
	for (size_t k = 0; k < NCH; k++)
		assert_int_equal(atomic_load(&f.encodes[k]), 1);
	stream_get_stats(s, &st);
	assert_true(st.hits > 0);
	assert_int_equal(st.encodes, NCH);
	stream_free(s);
}

static void test_failure_then_retry(void **state)
{
	struct fake f = {.fail_chunk = 3, .fail_once = 1};
	struct stream *s = make(&f, 1, 0);
	uint8_t buf[256];
	struct bf_err err;
	uint64_t off3 = 3 + chunk_start(counts, 3);

	(void)state;
	bf_err_clear(&err);
	assert_int_equal(stream_read(s, off3, buf, 4, 0, 1, &err), BF_E_FORMAT);
	assert_string_equal(err.msg, "chunk 3 is corrupt");
	/* the failure is not cached: the next read encodes again and succeeds */
	assert_int_equal(stream_read(s, off3, buf, 4, 0, 1, &err), 4);
	assert_int_equal(buf[0], expect_byte(off3, NULL, 3));
	stream_free(s);
}

struct reader_arg {
	struct stream *s;
	unsigned seed;
	_Atomic int *bad;
};

static void *reader(void *p)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct reader_arg *a = p;
	uint64_t total = stream_size(a->s);
	uint8_t buf[64];
	struct bf_err err;

	for (int i = 0; i < 2000; i++) {
		uint64_t off = (uint64_t)rand_r(&a->seed) % (total + 3);
		size_t len = (size_t)rand_r(&a->seed) % sizeof(buf);
		int64_t n = stream_read(a->s, off, buf, len, i % 3 ? 0 : STREAM_SEQUENTIAL,
					(uint64_t)(uintptr_t)a, &err);
		uint64_t want = off >= total ? 0 : (off + len > total ? total - off : len);

		if (n != (int64_t)want)
			atomic_fetch_add(a->bad, 1);
		for (int64_t j = 0; j < n; j++)
			if (buf[j] != expect_byte(off + (uint64_t)j, prefix, 3))
				atomic_fetch_add(a->bad, 1);
	}
	return NULL;
}

static void test_concurrent_readers_small_budget(void **state)
{
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make(&f, 2, 1); /* minimum slots: forces eviction */
	pthread_t t[8];
	struct reader_arg a[8];
	_Atomic int bad = 0;

	(void)state;
	for (int i = 0; i < 8; i++) {
		a[i] = (struct reader_arg){s, (unsigned)i * 7919u + 1u, &bad};
		pthread_create(&t[i], NULL, reader, &a[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&bad), 0);
	stream_free(s);
}

struct sink {
	uint8_t buf[512];
	size_t len;
	size_t calls;
	int fail_at; /* call index that fails, -1: none */
};

static int sink_fn(void *ctx, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct sink *k = ctx;

	if ((int)k->calls++ == k->fail_at)
		return bf_err_set(err, BF_E_IO, "disk full");
	assert_true(k->len + n <= sizeof(k->buf));
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	return 0;
}

/* stream_drain hands over every byte in order, one call per chunk, from any offset. */
static void test_drain(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	uint64_t total = 3 + 21 * BPV;
	struct bf_err err;

	(void)state;
	for (int one_pass = 0; one_pass < 2; one_pass++) {
		for (uint64_t from = 0; from <= total; from += 5) {
			struct fake f = {.fail_chunk = -1};
			struct stream *s = make_cfg(&f, 2, 1 << 20, one_pass);
			struct sink k = {.fail_at = -1};

			assert_non_null(s);
			assert_int_equal(stream_drain(s, from, sink_fn, &k, &err), 0);
			assert_int_equal(k.len, total - from);
			for (size_t i = 0; i < k.len; i++)
				assert_int_equal(k.buf[i], expect_byte(from + i, prefix, 3));
			for (size_t c = 0; c < NCH; c++)
				assert_true(atomic_load(&f.encodes[c]) <= 1);
			stream_free(s);
		}
	}
}

/* A sink error and a chunk failure both stop the drain with their code. */
static void test_drain_errors(void **state)
{
	struct fake f = {.fail_chunk = 3, .fail_once = 1};
	struct stream *s = make_cfg(&f, 1, 1 << 20, true);
	struct sink k = {.fail_at = -1};
	struct bf_err err;

	(void)state;
	assert_int_equal(stream_drain(s, 0, sink_fn, &k, &err), BF_E_FORMAT);
	assert_string_equal(err.msg, "chunk 3 is corrupt");
	assert_int_equal(k.len, 3 + (3 + 5 + 1) * BPV); /* prefix and chunks 0..2 */
	stream_free(s);

	memset(&k, 0, sizeof(k));
	k.fail_at = 2;
	f.fail_chunk = -1;
	s = make_cfg(&f, 2, 1 << 20, true);
	assert_int_equal(stream_drain(s, 0, sink_fn, &k, &err), BF_E_IO);
	assert_int_equal(k.calls, 3);
	stream_free(s);
}

/* A positional sink: bytes land at their offsets, from any thread. */
struct psink {
	pthread_mutex_t lock;
	uint8_t buf[512];
	uint8_t seen[512]; /* times each byte was written */
	uint64_t fail_off; /* a write at this offset fails; UINT64_MAX: none */
	uint64_t progress; /* the latest progress report */
};

static int psink_fn(void *ctx, uint64_t off, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct psink *k = ctx;

	if (off == k->fail_off)
		return bf_err_set(err, BF_E_IO, "disk full at %llu", (unsigned long long)off);
	assert_true(off + n <= sizeof(k->buf));
	pthread_mutex_lock(&k->lock);
	memcpy(k->buf + off, p, n);
	for (size_t i = 0; i < n; i++)
		k->seen[off + i]++;
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static void progress_fn(void *ctx, uint64_t done)
{
	struct psink *k = ctx;

	assert_true(done >= k->progress); /* never goes back */
	k->progress = done;
}

/*
 * A whole stream_drain_at of s (warmed up first or not): every byte written
 * once, each chunk encoded once.  @return the stream's cached_bytes after.
 */
static uint64_t drain_at_checked(struct stream *s, bool warm, struct fake *f)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	uint64_t total = 3 + 21 * BPV;
	struct psink k = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_off = UINT64_MAX};
	struct stream_stats st;
	struct bf_err err;

	assert_non_null(s);
	if (warm)
		stream_warm(s);
	assert_int_equal(stream_drain_at(s, psink_fn, progress_fn, &k, &err), 0);
	for (size_t i = 0; i < total; i++) {
		assert_int_equal(k.seen[i], 1);
		assert_int_equal(k.buf[i], expect_byte(i, prefix, 3));
	}
	assert_int_equal(k.seen[total], 0);
	assert_int_equal(k.progress, total);
	for (size_t c = 0; c < NCH; c++)
		assert_int_equal(atomic_load(&f->encodes[c]), 1);
	stream_get_stats(s, &st);
	return st.cached_bytes;
}

/*
 * stream_drain_at writes every byte once at its offset (after a warm-up or
 * not, with 1 to 3 workers), encodes each chunk once and keeps at most
 * workers + 1 chunk buffers.
 */
static void test_drain_at(void **state)
{
	(void)state;
	for (size_t threads = 1; threads <= 3; threads++)
		for (int warm = 0; warm < 2; warm++) {
			struct fake f = {.fail_chunk = -1};
			struct stream *s = make_cfg(&f, threads, 1 << 20, true);

			assert_true(drain_at_checked(s, warm, &f) <= (threads + 1) * 6 * BPV);
			stream_free(s);
		}
}

/* encode_at of the fake: chunk k's bytes in two writes, from a buffer of its own. */
static int fake_encode_at(void *ctx, void *ws, size_t k, uint64_t off, size_t len,
			  stream_psink_fn psink, void *psink_ctx, struct bf_err *err)
{
	uint8_t buf[64];
	size_t half = len / 2;
	int rc;

	assert_true(len <= sizeof(buf));
	rc = fake_encode(ctx, ws, k, buf, len, err);
	if (rc == 0)
		rc = psink(psink_ctx, off + half, buf + half, len - half, err);
	if (rc == 0)
		rc = psink(psink_ctx, off, buf, half, err);
	return rc;
}

/*
 * With the source's encode_at, stream_drain_at maps no chunk buffer (unless
 * a warm-up encoded chunks before the drain) and still writes every byte
 * once; a failing chunk is reported the same way.
 */
static void test_drain_at_encode_at(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct bf_err err;

	(void)state;
	for (int warm = 0; warm < 2; warm++) {
		struct fake f = {.fail_chunk = -1};
		struct stream_source src = {&f, NULL, NULL, fake_encode, fake_encode_at};
		struct stream_config cfg = {2, 1 << 20, 2, true, 0};
		struct stream *s =
		    stream_create(prefix, sizeof(prefix), NCH, counts, BPV, &src, &cfg, &err);
		struct psink k = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_off = UINT64_MAX};
		uint64_t cached = drain_at_checked(s, warm, &f);

		if (!warm)
			assert_int_equal(cached, 0);
		stream_free(s);

		f.fail_chunk = 4;
		f.fail_once = 1;
		memset(f.encodes, 0, sizeof(f.encodes));
		s = stream_create(prefix, sizeof(prefix), NCH, counts, BPV, &src, &cfg, &err);
		assert_int_equal(stream_drain_at(s, psink_fn, NULL, &k, &err), BF_E_FORMAT);
		assert_string_equal(err.msg, "chunk 4 is corrupt");
		stream_free(s);
	}
}

/*
 * A failing chunk or a failing write stops stream_drain_at with the failure
 * of the lowest chunk; the chunks before it are all written.
 */
static void test_drain_at_errors(void **state)
{
	struct bf_err err;

	(void)state;
	for (size_t threads = 1; threads <= 2; threads++) {
		struct fake f = {.fail_chunk = 3, .fail_once = 1};
		struct stream *s = make_cfg(&f, threads, 1 << 20, true);
		struct psink k = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_off = UINT64_MAX};
		uint64_t upto = 3 + chunk_start(counts, 3);

		assert_int_equal(stream_drain_at(s, psink_fn, NULL, &k, &err), BF_E_FORMAT);
		assert_string_equal(err.msg, "chunk 3 is corrupt");
		for (size_t i = 0; i < upto; i++)
			assert_int_equal(k.seen[i], 1);
		stream_free(s);

		/* the write of chunk 1 fails */
		memset(&f, 0, sizeof(f));
		f.fail_chunk = -1;
		memset(&k, 0, sizeof(k));
		pthread_mutex_init(&k.lock, NULL);
		k.fail_off = 3 + chunk_start(counts, 1);
		s = make_cfg(&f, threads, 1 << 20, true);
		assert_int_equal(stream_drain_at(s, psink_fn, NULL, &k, &err), BF_E_IO);
		assert_string_equal(err.msg, "disk full at 24");
		stream_free(s);
		pthread_mutex_destroy(&k.lock);
	}
}

/* A psink that aborts the stream (as a failing check beside the drain would) at chunk 2. */
struct abort_sink {
	struct psink k;
	struct stream *s;
};

static int abort_psink(void *ctx, uint64_t off, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct abort_sink *a = ctx;

	if (off == 3 + chunk_start(counts, 2)) {
		struct bf_err why;

		bf_err_set(&why, BF_E_RANGE, "strings overflow");
		stream_abort(a->s, &why);
	}
	return psink_fn(&a->k, off, p, n, err);
}

/* stream_abort stops both drains with its error, before or during them. */
static void test_abort(void **state)
{
	struct bf_err err, why;

	(void)state;
	bf_err_set(&why, BF_E_RANGE, "strings overflow");
	for (int at = 0; at < 2; at++) {
		struct fake f = {.fail_chunk = -1};
		struct stream *s = make_cfg(&f, 2, 1 << 20, true);
		struct sink k = {.fail_at = -1};
		struct psink pk = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_off = UINT64_MAX};

		stream_abort(s, &why);
		if (at)
			assert_int_equal(stream_drain_at(s, psink_fn, NULL, &pk, &err), BF_E_RANGE);
		else
			assert_int_equal(stream_drain(s, 0, sink_fn, &k, &err), BF_E_RANGE);
		assert_string_equal(err.msg, "strings overflow");
		assert_int_equal(pk.seen[3], 0); /* no chunk written */
		stream_free(s);
	}
	{
		struct fake f = {.fail_chunk = -1};
		struct abort_sink a = {{.lock = PTHREAD_MUTEX_INITIALIZER, .fail_off = UINT64_MAX},
				       NULL};

		a.s = make_cfg(&f, 1, 1 << 20, true);
		assert_int_equal(stream_drain_at(a.s, abort_psink, NULL, &a, &err), BF_E_RANGE);
		assert_string_equal(err.msg, "strings overflow");
		assert_true(atomic_load(&f.encodes[NCH - 1]) == 0); /* stopped early */
		stream_free(a.s);
	}
}

/* one_pass holds only the slots the workers and prefetch need. */
static void test_one_pass_cache(void **state)
{
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make_cfg(&f, 1, 1 << 20, true);
	struct sink k = {.fail_at = -1};
	struct stream_stats st;
	struct bf_err err;

	(void)state;
	assert_int_equal(stream_drain(s, 0, sink_fn, &k, &err), 0);
	stream_get_stats(s, &st);
	assert_int_equal(st.encodes, NCH);
	/* 1 worker + prefetch 2 + 1 = 4 slots of the largest chunk (6 variants) */
	assert_true(st.cached_bytes <= 4 * 6 * BPV);
	stream_free(s);
}

static int total_encodes(struct fake *f)
{
	int n = 0;

	for (size_t k = 0; k < NCH; k++)
		n += atomic_load(&f->encodes[k]);
	return n;
}

/* Only a sequential reader gets prefetch; a random one encodes what it reads. */
static void test_prefetch_only_sequential(void **state)
{
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make(&f, 2, 1 << 20); /* prefetch 2 */
	uint64_t off2 = 3 + chunk_start(counts, 2), off4 = 3 + chunk_start(counts, 4);
	uint8_t buf[4];
	struct bf_err err;

	(void)state;
	/* two reads inside chunk 2 (one variant, BPV = 7 bytes), then chunk 4 */
	assert_int_equal(stream_read(s, off2, buf, 3, 0, 1, &err), 3);
	assert_int_equal(stream_read(s, off2 + 3, buf, 3, 0, 1, &err), 3);
	assert_int_equal(stream_read(s, off4, buf, 4, 0, 1, &err), 4);
	usleep(100000); /* a wrongly queued prefetch would have run by now */
	assert_int_equal(total_encodes(&f), 2);
	assert_int_equal(atomic_load(&f.encodes[2]), 1);
	assert_int_equal(atomic_load(&f.encodes[4]), 1);
	/* sequential: chunks 1 and 2 after 0 are queued (2 is cached already) */
	assert_int_equal(stream_read(s, 3, buf, 4, STREAM_SEQUENTIAL, 1, &err), 4);
	for (int i = 0; i < 200 && atomic_load(&f.encodes[1]) == 0; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&f.encodes[1]), 1);
	assert_int_equal(atomic_load(&f.encodes[2]), 1);
	stream_free(s);
}

/*
 * A stream larger than the cache: a lone sequential reader reuses the chunks
 * it has passed instead of mapping every buffer the budget allows.
 */
static void test_passed_chunks_reused(void **state)
{
	struct fake f = {.fail_chunk = -1};
	struct stream *s = make(&f, 1, 5 * 6 * BPV); /* 5 slots of 6 variants, 6 chunks */
	uint64_t total = 3 + 21 * BPV, off;
	uint8_t buf[5];
	struct stream_stats st;
	struct bf_err err;

	(void)state;
	for (off = 0; off < total; off += sizeof(buf))
		assert_true(stream_read(s, off, buf, sizeof(buf), STREAM_SEQUENTIAL, 7, &err) > 0);
	stream_get_stats(s, &st);
	assert_int_equal(st.encodes, NCH);
	/* the chunk read, 2 prefetched and one being reused: never all 5 */
	assert_true(st.cached_bytes <= 4 * 6 * BPV);
	stream_free(s);
}

/*
 * With a pass slack, a chunk just behind a reader's latest read is not
 * "passed": the reader's earlier request that arrives late (kernel
 * readahead, several FUSE threads) still finds it, encoded once.
 */
static void test_pass_slack_keeps_late_reads(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct fake f = {.fail_chunk = -1};
	struct stream_source src = {&f, NULL, NULL, fake_encode, NULL};
	/* 5 slots of the largest chunk; 2 chunks of slack */
	struct stream_config cfg = {1, 5 * 6 * BPV, 2, false, 2 * 6 * BPV};
	struct stream_stats st;
	struct bf_err err;
	struct stream *s =
	    stream_create(prefix, sizeof(prefix), NCH, counts, BPV, &src, &cfg, &err);
	uint64_t off[NCH + 1];
	uint8_t buf[4];

	(void)state;
	off[0] = 3;
	for (size_t k = 0; k < NCH; k++)
		off[k + 1] = off[k] + counts[k] * BPV;
	/* chunks in order, but each chunk's first byte is read after the next chunk's */
	for (size_t k = 0; k < NCH; k++) {
		if (k + 1 < NCH)
			assert_int_equal(
			    stream_read(s, off[k + 1], buf, 1, STREAM_SEQUENTIAL, 9, &err), 1);
		assert_int_equal(stream_read(s, off[k], buf, 1, STREAM_SEQUENTIAL, 9, &err), 1);
	}
	stream_get_stats(s, &st);
	assert_int_equal(st.encodes, NCH);
	stream_free(s);
}

static void *ws_init(void *ctx, struct bf_err *err)
{
	struct fake *f = ctx;

	(void)err;
	atomic_fetch_add(&f->ws_live, 1);
	return malloc(1);
}

static void ws_free(void *ctx, void *ws)
{
	struct fake *f = ctx;

	atomic_fetch_sub(&f->ws_live, 1);
	free(ws);
}

/* Idle release frees the workers' scratch before it returns (for malloc_trim). */
static void test_release_idle_frees_scratch(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct fake f = {.fail_chunk = -1};
	struct stream_source src = {&f, ws_init, ws_free, fake_encode, NULL};
	struct stream_config cfg = {2, 1 << 20, 2, false, 0};
	struct stream_stats st;
	struct bf_err err;
	struct stream *s = stream_create(prefix, 3, NCH, counts, BPV, &src, &cfg, &err);
	uint8_t buf[64];
	struct sink k = {.fail_at = -1};

	(void)state;
	assert_non_null(s);
	/* the whole stream, so no prefetch is left in flight */
	assert_int_equal(stream_drain(s, 0, sink_fn, &k, &err), 0);
	assert_true(atomic_load(&f.ws_live) > 0);
	assert_true(stream_release_idle(s) > 0);
	assert_int_equal(atomic_load(&f.ws_live), 0);
	stream_get_stats(s, &st);
	assert_int_equal(st.cached_bytes, 0);
	/* and the stream still works afterwards */
	assert_int_equal(stream_read(s, 3, buf, sizeof(buf), 0, 1, &err), (int64_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], expect_byte(3 + i, prefix, 3));
	stream_free(s);
	assert_int_equal(atomic_load(&f.ws_live), 0);
}

static void test_empty_stream(void **state)
{
	static const uint8_t prefix[] = {0x6c, 0x1b, 0x01};
	struct fake f = {.fail_chunk = -1};
	struct stream_source src = {&f, NULL, NULL, fake_encode, NULL};
	struct stream_config cfg = {2, 1 << 20, 2, false, 0};
	struct bf_err err;
	struct stream *s = stream_create(prefix, 3, 0, NULL, BPV, &src, &cfg, &err);
	uint8_t buf[8];

	(void)state;
	assert_non_null(s);
	assert_int_equal(stream_size(s), 3);
	assert_int_equal(stream_read(s, 0, buf, 8, 0, 1, &err), 3);
	assert_int_equal(stream_read(s, 3, buf, 8, 0, 1, &err), 0);
	stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes_and_reads),
	    cmocka_unit_test(test_single_flight_and_cache),
	    cmocka_unit_test(test_failure_then_retry),
	    cmocka_unit_test(test_concurrent_readers_small_budget),
	    cmocka_unit_test(test_empty_stream),
	    cmocka_unit_test(test_drain),
	    cmocka_unit_test(test_drain_errors),
	    cmocka_unit_test(test_drain_at),
	    cmocka_unit_test(test_drain_at_errors),
	    cmocka_unit_test(test_drain_at_encode_at),
	    cmocka_unit_test(test_abort),
	    cmocka_unit_test(test_one_pass_cache),
	    cmocka_unit_test(test_release_idle_frees_scratch),
	    cmocka_unit_test(test_prefetch_only_sequential),
	    cmocka_unit_test(test_passed_chunks_reused),
	    cmocka_unit_test(test_pass_slack_keeps_late_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
