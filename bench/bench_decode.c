/*
 * bench_decode.c - decode rate of a Zarr array through the zarr API
 * (zarr_group_open / zarr_array_open / zarr_array_read_chunk) as a ratio to
 * raw blosc decompression (blosc_decompress_ctx, 1 internal thread) of the
 * same chunk bytes, both on the same worker threads, measured side by side
 * (runs alternate) in one process; medians of several runs.
 *
 * usage: bench_decode STORE [--array call_genotype] [--threads 2] [--runs 7]
 *                     [--mode store|mem|both] [--no-verify]
 *
 * Modes (say which when quoting a figure):
 *   store  both sides read every chunk object from the store directory on
 *          each run (the page cache serves it once warm): the zarr side via
 *          the store layer inside zarr_array_read_chunk, the raw side with
 *          open/read into a reused buffer, then blosc_decompress_ctx.
 *   mem    every object of the store is loaded into memory first; the zarr
 *          side reads from an in-memory store (store_open_mem), the raw side
 *          decompresses the preloaded bytes.  Isolates decode overhead.
 *
 * Workers take chunk indices from a shared counter, so each chunk is
 * decoded by exactly one thread.  Before timing, every chunk is decoded both
 * ways once and the outputs compared (the benchmark fails on a mismatch).
 *
 * Machine-readable lines start with "RESULT " (key=value); run.sh greps them.
 */
#include "util/bf_config.h"

#include "bench_util.h"

#include <blosc.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "zarr/zarr.h"

#define MAX_RUNS BENCH_MAX_RUNS

static double median(const double *t, int n)
{
	return bench_median(t, n);
}

static void die(const char *what, const struct bf_err *err)
{
	fprintf(stderr, "bench_decode: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

/* ---- the chunk list ---- */

struct chunk {
	int64_t idx[ZARR_MAX_DIMS];
	char key[256];
	uint8_t *mem; /* preloaded bytes (mem mode) */
	size_t mem_len;
};

struct bench {
	const char *root;
	struct zarr_array *arr;	    /* store-backed */
	struct zarr_array *arr_mem; /* memory-backed (mem mode) */
	struct chunk *chunks;
	size_t nchunks;
	size_t chunk_nbytes;
	size_t max_stored;
	int nthreads;
	atomic_size_t next;
	enum { RUN_ZARR, RUN_ZARR_MEM, RUN_RAW_FILE, RUN_RAW_MEM } what;
	atomic_int failed;
};

struct worker {
	struct bench *b;
	uint8_t *out;
	uint8_t *src;
	pthread_t th;
	size_t decoded;
};

static int raw_file_read(struct bench *b, const struct chunk *c, uint8_t *src, size_t *len)
{
	char path[4096];
	struct stat st;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->root, c->key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > b->max_stored) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, src + got, (size_t)st.st_size - got);
		if (r <= 0) {
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	struct bf_err err;
	size_t i;

	bf_err_clear(&err);
	while ((i = atomic_fetch_add(&b->next, 1)) < b->nchunks) {
		const struct chunk *c = &b->chunks[i];
		const uint8_t *src = NULL;
		size_t len = 0;
		int rc;

		switch (b->what) {
		case RUN_ZARR:
		case RUN_ZARR_MEM:
			if (zarr_array_read_chunk(b->what == RUN_ZARR ? b->arr : b->arr_mem, c->idx,
						  w->out, b->chunk_nbytes, &err) < 0) {
				fprintf(stderr, "bench_decode: %s\n", err.msg);
				atomic_store(&b->failed, 1);
				return NULL;
			}
			break;
		case RUN_RAW_FILE:
			if (raw_file_read(b, c, w->src, &len) < 0) {
				fprintf(stderr, "bench_decode: cannot read %s/%s\n", b->root,
					c->key);
				atomic_store(&b->failed, 1);
				return NULL;
			}
			src = w->src;
			/* fall through */
		case RUN_RAW_MEM:
			if (!src) {
				src = c->mem;
				len = c->mem_len;
			}
			(void)len;
			rc = blosc_decompress_ctx(src, w->out, b->chunk_nbytes, 1);
			if (rc < 0 || (size_t)rc != b->chunk_nbytes) {
				fprintf(stderr, "bench_decode: blosc error %d on %s\n", rc, c->key);
				atomic_store(&b->failed, 1);
				return NULL;
			}
			break;
		}
		w->decoded += b->chunk_nbytes;
	}
	return NULL;
}

static double timed_pass(struct bench *b, struct worker *ws, int what)
{
	double t0, t;
	int i;

	b->what = what;
	atomic_store(&b->next, 0);
	t0 = bench_now();
	for (i = 0; i < b->nthreads; i++)
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0)
			die("pthread_create", NULL);
	for (i = 0; i < b->nthreads; i++)
		pthread_join(ws[i].th, NULL);
	t = bench_now() - t0;
	if (atomic_load(&b->failed))
		exit(1);
	return t;
}

/* ---- loading everything into memory (mem mode) ---- */

struct keylist {
	char **keys;
	size_t n, cap;
};

static int collect_key(void *opaque, const char *key)
{
	struct keylist *kl = opaque;

	if (kl->n == kl->cap) {
		kl->cap = kl->cap ? 2 * kl->cap : 256;
		kl->keys = realloc(kl->keys, kl->cap * sizeof(char *));
		if (!kl->keys)
			return -1;
	}
	kl->keys[kl->n++] = strdup(key);
	return 0;
}

static struct store *load_mem_store(struct store *s)
{
	struct keylist kl = {0};
	struct bf_err err;
	void **vals;
	size_t *lens, i;
	struct store *m;

	bf_err_clear(&err);
	if (store_list(s, "", collect_key, &kl, &err) != 0)
		die("listing the store", &err);
	vals = calloc(kl.n ? kl.n : 1, sizeof(void *));
	lens = calloc(kl.n ? kl.n : 1, sizeof(size_t));
	if (!vals || !lens)
		die("out of memory", NULL);
	for (i = 0; i < kl.n; i++) {
		uint8_t *data;

		if (store_get(s, kl.keys[i], (size_t)1 << 31, &data, &lens[i], &err) < 0)
			die(kl.keys[i], &err);
		vals[i] = data;
	}
	m = store_open_mem(kl.n, (const char *const *)kl.keys, (const void *const *)vals, lens,
			   &err);
	if (!m)
		die("store_open_mem", &err);
	for (i = 0; i < kl.n; i++) {
		bf_free(vals[i]);
		free(kl.keys[i]);
	}
	free(kl.keys);
	free(vals);
	free(lens);
	return m;
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr, "usage: bench_decode STORE [--array NAME] [--threads N] [--runs R] "
			"[--mode store|mem|both] [--no-verify]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *root = NULL, *name = "call_genotype", *mode = "both";
	int nthreads = 2, runs = 7, i, d, ndim;
	struct bf_err err;
	struct store *st, *mst = NULL;
	struct zarr_group *g, *mg = NULL;
	struct bench b;
	struct worker *ws;
	int64_t nch[ZARR_MAX_DIMS], ctr[ZARR_MAX_DIMS];
	size_t n, total_stored = 0;
	bool do_store, do_mem, verify = true;
	uint8_t *cmp;
	double tz[MAX_RUNS], tr[MAX_RUNS], tzm[MAX_RUNS], trm[MAX_RUNS];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--array") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--no-verify"))
			verify = false;
		else if (argv[i][0] == '-' || root)
			usage();
		else
			root = argv[i];
	}
	if (!root || nthreads < 1 || runs < 1 || runs > MAX_RUNS)
		usage();
	do_store = !strcmp(mode, "store") || !strcmp(mode, "both");
	do_mem = !strcmp(mode, "mem") || !strcmp(mode, "both");
	if (!do_store && !do_mem)
		usage();

	bf_err_clear(&err);
	st = store_open(root, &err);
	if (!st)
		die(root, &err);
	if (strcmp(store_kind(st), "dir") != 0) {
		fprintf(stderr, "bench_decode: %s: only directory stores are supported\n", root);
		return 2;
	}
	g = zarr_group_open(st, &err);
	if (!g)
		die("zarr_group_open", &err);
	memset(&b, 0, sizeof(b));
	b.root = root;
	b.nthreads = nthreads;
	b.arr = zarr_array_open(g, name, &err);
	if (!b.arr)
		die(name, &err);
	ndim = zarr_array_ndim(b.arr);
	b.chunk_nbytes = zarr_array_chunk_nelem(b.arr) * (size_t)zarr_array_dtype(b.arr)->itemsize;
	n = 1;
	for (d = 0; d < ndim; d++) {
		nch[d] = zarr_array_nchunks(b.arr, d);
		n *= (size_t)nch[d];
		ctr[d] = 0;
	}
	b.nchunks = n;
	b.chunks = calloc(n ? n : 1, sizeof(struct chunk));
	if (!b.chunks)
		die("out of memory", NULL);
	for (size_t c = 0; c < n; c++) {
		struct chunk *ch = &b.chunks[c];
		int64_t sz;

		memcpy(ch->idx, ctr, sizeof(ctr));
		if (zarr_array_chunk_key(b.arr, ch->idx, ch->key, sizeof(ch->key)) < 0)
			die("chunk key", NULL);
		sz = store_size(st, ch->key, &err);
		if (sz < 0) {
			fprintf(stderr,
				"bench_decode: chunk %s is missing (fill-value chunks "
				"are not supported here)\n",
				ch->key);
			return 2;
		}
		total_stored += (size_t)sz;
		if ((size_t)sz > b.max_stored)
			b.max_stored = (size_t)sz;
		for (d = ndim - 1; d >= 0; d--) {
			if (++ctr[d] < nch[d])
				break;
			ctr[d] = 0;
		}
	}

	if (do_mem) {
		mst = load_mem_store(st);
		mg = zarr_group_open(mst, &err);
		if (!mg)
			die("zarr_group_open (memory)", &err);
		b.arr_mem = zarr_array_open(mg, name, &err);
		if (!b.arr_mem)
			die(name, &err);
		for (size_t c = 0; c < n; c++)
			if (store_get(mst, b.chunks[c].key, (size_t)1 << 31, &b.chunks[c].mem,
				      &b.chunks[c].mem_len, &err) < 0)
				die(b.chunks[c].key, &err);
	}

	ws = calloc((size_t)nthreads, sizeof(*ws));
	cmp = malloc(b.chunk_nbytes);
	if (!ws || !cmp)
		die("out of memory", NULL);
	for (i = 0; i < nthreads; i++) {
		ws[i].b = &b;
		ws[i].out = malloc(b.chunk_nbytes);
		ws[i].src = malloc(b.max_stored ? b.max_stored : 1);
		if (!ws[i].out || !ws[i].src)
			die("out of memory", NULL);
		memset(ws[i].out, 0, b.chunk_nbytes); /* fault the pages in */
		memset(ws[i].src, 0, b.max_stored);
	}

	/* verify: zarr API output == raw blosc output for every chunk */
	for (size_t c = 0; verify && c < n; c++) {
		size_t len;
		int rc;

		if (zarr_array_read_chunk(b.arr, b.chunks[c].idx, ws[0].out, b.chunk_nbytes, &err) <
		    0)
			die("verify", &err);
		if (raw_file_read(&b, &b.chunks[c], ws[0].src, &len) < 0)
			die("verify read", NULL);
		rc = blosc_decompress_ctx(ws[0].src, cmp, b.chunk_nbytes, 1);
		if (rc < 0 || (size_t)rc != b.chunk_nbytes ||
		    memcmp(cmp, ws[0].out, b.chunk_nbytes)) {
			fprintf(stderr, "bench_decode: chunk %s: zarr and raw decodes differ\n",
				b.chunks[c].key);
			return 1;
		}
	}

	/* warm-up pass of each kind, then alternate timed passes */
	if (do_store) {
		timed_pass(&b, ws, RUN_ZARR);
		timed_pass(&b, ws, RUN_RAW_FILE);
	}
	if (do_mem) {
		timed_pass(&b, ws, RUN_ZARR_MEM);
		timed_pass(&b, ws, RUN_RAW_MEM);
	}
	for (i = 0; i < runs; i++) {
		/* alternate the order so neither side always runs second */
		if (do_store) {
			if (i % 2) {
				tr[i] = timed_pass(&b, ws, RUN_RAW_FILE);
				tz[i] = timed_pass(&b, ws, RUN_ZARR);
			} else {
				tz[i] = timed_pass(&b, ws, RUN_ZARR);
				tr[i] = timed_pass(&b, ws, RUN_RAW_FILE);
			}
		}
		if (do_mem) {
			if (i % 2) {
				trm[i] = timed_pass(&b, ws, RUN_RAW_MEM);
				tzm[i] = timed_pass(&b, ws, RUN_ZARR_MEM);
			} else {
				tzm[i] = timed_pass(&b, ws, RUN_ZARR_MEM);
				trm[i] = timed_pass(&b, ws, RUN_RAW_MEM);
			}
		}
	}

	{
		double dec = (double)b.chunk_nbytes * (double)n;

		printf("array %s: %zu chunks of %zu decoded bytes (%.1f MiB decoded, %.1f MiB "
		       "stored, %.1fx), %d threads, %d runs, blosc %s\n",
		       name, n, b.chunk_nbytes, dec / 1048576.0, (double)total_stored / 1048576.0,
		       dec / (double)(total_stored ? total_stored : 1), nthreads, runs,
		       BLOSC_VERSION_STRING);
		if (do_store) {
			double z = median(tz, runs), r = median(tr, runs);

			printf("store mode (chunk files read from the store dir each pass, both "
			       "sides):\n  zarr API  %.1f ms  %.2f GB/s decoded\n"
			       "  raw blosc %.1f ms  %.2f GB/s decoded\n  ratio zarr/raw %.3f\n",
			       z * 1e3, dec / z / 1e9, r * 1e3, dec / r / 1e9, r / z);
			printf("RESULT mode=store decoded_bytes=%.0f zarr_s=%.6f raw_s=%.6f "
			       "ratio=%.4f\n",
			       dec, z, r, r / z);
		}
		if (do_mem) {
			double z = median(tzm, runs), r = median(trm, runs);

			printf("mem mode (all objects preloaded; zarr side on store_open_mem):\n"
			       "  zarr API  %.1f ms  %.2f GB/s decoded\n"
			       "  raw blosc %.1f ms  %.2f GB/s decoded\n  ratio zarr/raw %.3f\n",
			       z * 1e3, dec / z / 1e9, r * 1e3, dec / r / 1e9, r / z);
			printf("RESULT mode=mem decoded_bytes=%.0f zarr_s=%.6f raw_s=%.6f "
			       "ratio=%.4f\n",
			       dec, z, r, r / z);
		}
	}

	for (i = 0; i < nthreads; i++) {
		free(ws[i].out);
		free(ws[i].src);
	}
	for (size_t c = 0; c < n; c++)
		bf_free(b.chunks[c].mem);
	free(ws);
	free(cmp);
	free(b.chunks);
	zarr_array_free(b.arr);
	zarr_group_free(g);
	if (do_mem) {
		zarr_array_free(b.arr_mem);
		zarr_group_free(mg);
		store_free(mst);
	}
	store_free(st);
	return 0;
}
