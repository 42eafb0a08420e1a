/*
 * server.c - the encoder server (see server.h).
 *
 * Threads: the main thread reads requests from the socket and queues them;
 * `handler_threads` workers take requests, call stream_read into the named
 * shared-memory slot and send the reply.  Lock order: srv.lock, then
 * srv.send_lock (never held together in practice).
 */
#include "util/bf_config.h"

#include "server/server.h"
#include "engine/sidecar.h"
#include "server/ipc.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/bigbuf.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUEUE_CAP 1024

struct srv {
	const struct server_config *cfg;
	struct export ex;
	uint8_t *shm;
	size_t shm_len;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct ipc_read_req queue[QUEUE_CAP]; /* protected by lock */
	size_t q_head, q_len;		      /* protected by lock */
	bool stop;			      /* protected by lock */
	pthread_mutex_t send_lock;	      /* serialises writes to ipc_fd */
	size_t active;			      /* requests being handled; protected by lock */
	double last_activity;		      /* monotonic seconds; protected by lock */
	int trimmed;			      /* idle releases since the last request */
	uint8_t rx[4096];		      /* the main thread's request buffer */
};

/* Set by SIGUSR1: log the memory and cache statistics (the one signal flag). */
static volatile sig_atomic_t stats_requested;

static void on_sigusr1(int sig)
{
	(void)sig;
	stats_requested = 1;
}

static void log_stats(struct srv *sv, enum bf_log_level level, const char *why)
{
	struct stream_stats st;

	stream_get_stats(sv->ex.stream, &st);
	bf_log_write(level, __func__,
		     "stats (%s): cache hits %llu, misses %llu, chunk encodes %llu, cached %.1f "
		     "MiB, mapped buffers %.1f MiB, stream chunks %zu of up to %lld variants",
		     why, (unsigned long long)st.hits, (unsigned long long)st.misses,
		     (unsigned long long)st.encodes, (double)st.cached_bytes / 1048576.0,
		     (double)bf_bigbuf_mapped() / 1048576.0, sv->ex.src.n_pieces,
		     (long long)sv->ex.src.max_span);
}

/* Release memory after this long without requests. */
#define IDLE_RELEASE_S 1.0

/*
 * The idle janitor: once no request has arrived for IDLE_RELEASE_S, give the
 * cached chunks and the heap's free pages back to the kernel, so an idle
 * mount holds little more than its plan.
 */
static void *janitor_main(void *arg)
{
	struct srv *sv = arg;

	for (;;) {
		bool release = false, first = false;

		usleep(250000);
		if (stats_requested) {
			stats_requested = 0;
			log_stats(sv, BF_LOG_WARNING, "SIGUSR1");
		}
		pthread_mutex_lock(&sv->lock);
		if (sv->stop) {
			pthread_mutex_unlock(&sv->lock);
			break;
		}
		/*
		 * Released three times, a second apart: a prefetched chunk still
		 * being encoded at the first release frees its scratch after it.
		 */
		if (sv->trimmed < 3 && sv->q_len == 0 && sv->active == 0 &&
		    bf_clock_now() - sv->last_activity > IDLE_RELEASE_S * (sv->trimmed + 1)) {
			first = sv->trimmed++ == 0;
			release = true;
		}
		pthread_mutex_unlock(&sv->lock);
		if (release) {
			size_t n;

			if (first && bf_log_get_level() >= BF_LOG_DEBUG)
				log_stats(sv, BF_LOG_DEBUG, "before idle release");
			n = stream_release_idle(sv->ex.stream);
			source_release_idle(&sv->ex.src);
			malloc_trim(0);
			if (first || n)
				bf_log_debug("idle: released %zu bytes of cached chunks", n);
		}
	}
	return NULL;
}

/* Bytes of the largest HELLO message. */
#define HELLO_MAX (IPC_HEADER_LEN + IPC_MAX_FILES * (3 * IPC_NAME_MAX) + BF_ERR_MSG_MAX + 64)

static int send_hello(int fd, const struct ipc_hello *h)
{
	uint8_t *buf = bf_malloc(HELLO_MAX);
	struct bf_err err;
	int n;

	if (!buf)
		return BF_E_NOMEM;
	n = ipc_hello_encode(h, buf, HELLO_MAX, &err);
	if (n >= 0)
		n = ipc_send(fd, buf, (size_t)n, &err);
	bf_free(buf);
	return n < 0 ? n : 0;
}

static int fail_hello(int fd, const struct bf_err *err)
{
	struct ipc_hello h;

	memset(&h, 0, sizeof(h));
	h.status = err->code < 0 ? err->code : BF_E_INTERNAL;
	snprintf(h.msg, sizeof(h.msg), "%s", err->msg);
	(void)send_hello(fd, &h);
	return 1;
}

/* Write one sidecar into the runtime directory (temp name, then rename). */
static int make_sidecar(struct srv *sv, struct ipc_file *f, enum fmt_side kind, struct bf_err *err)
{
	const struct server_config *c = sv->cfg;
	char tmp[IPC_NAME_MAX + 16];
	struct stat st;
	int fd, rc;

	snprintf(f->name, sizeof(f->name), "%s%s", c->basename, fmt_side_suffix(kind));
	snprintf(f->path, sizeof(f->path), "%s/%s", c->runtime_dir, f->name);
	f->streaming = 0;
	if (!c->reuse_sidecars || stat(f->path, &st) != 0) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return bf_err_sys(err, BF_E_IO, "cannot create '%s'", tmp);
		rc = export_write_sidecar(&sv->ex, kind, c->export.format_params, fd, tmp, f->name,
					  err);
		if (close(fd) != 0 && rc == 0)
			rc = bf_err_sys(err, BF_E_IO, "cannot write '%s'", tmp);
		if (rc == 0 && rename(tmp, f->path) != 0)
			rc = bf_err_sys(err, BF_E_IO, "cannot rename '%s'", tmp);
		if (rc < 0) {
			unlink(tmp);
			return rc;
		}
		if (stat(f->path, &st) != 0)
			return bf_err_sys(err, BF_E_IO, "cannot stat '%s'", f->path);
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

/* Whether the configuration leaves sidecar `kind` out (--no-bim, ...). */
static bool side_off(const struct server_config *c, enum fmt_side kind)
{
	switch (kind) {
	case FMT_SIDE_BIM:
		return c->no_bim;
	case FMT_SIDE_FAM:
		return c->no_fam;
	case FMT_SIDE_SAMPLE:
		return c->no_sample;
	case FMT_SIDE_BGI:
		return c->no_bgi;
	}
	return false;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ipc_file *)a)->name, ((const struct ipc_file *)b)->name);
}

static int build_files(struct srv *sv, struct ipc_hello *h, struct bf_err *err)
{
	const struct server_config *c = sv->cfg;
	const struct fmt_ops *fmt = sv->ex.fmt;
	struct ipc_file *f = h->files;

	snprintf(f[0].name, sizeof(f[0].name), "%s%s", c->basename, fmt->ext);
	f[0].streaming = 1;
	f[0].size = stream_size(sv->ex.stream);
	h->n_files = 1;
	for (size_t i = 0; i < fmt->n_sides; i++)
		if (!side_off(c, fmt->sides[i]))
			BF_FORWARD(make_sidecar(sv, &f[h->n_files++], fmt->sides[i], err));
	qsort(h->files, h->n_files, sizeof(h->files[0]), file_cmp);
	return 0;
}

/* READ_REP: `code` BF_OK with `n` bytes in the slot, or an error code and its message. */
static void reply(struct srv *sv, uint64_t id, int code, uint64_t start, uint32_t n_bytes,
		  const char *msg)
{
	uint8_t buf[IPC_HEADER_LEN + 300];
	struct ipc_read_rep rep;
	struct bf_err err;
	int n;

	memset(&rep, 0, sizeof(rep));
	rep.id = id;
	rep.code = code;
	rep.n = n_bytes;
	rep.start = start;
	if (msg)
		snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	n = ipc_read_rep_encode(&rep, buf, sizeof(buf), &err);
	if (n < 0)
		return;
	pthread_mutex_lock(&sv->send_lock);
	if (ipc_send(sv->cfg->ipc_fd, buf, (size_t)n, &err) < 0)
		bf_log_debug("reply not sent: %s", err.msg);
	pthread_mutex_unlock(&sv->send_lock);
}

static void handle(struct srv *sv, const struct ipc_read_req *rq)
{
	const struct server_config *c = sv->cfg;
	uint64_t start = rq->offset, end = rq->offset + rq->length, size, core_end;
	struct bf_err err;
	int64_t n;

	bf_err_clear(&err);
	if (rq->slot >= c->shm_slots || rq->length > c->slot_size) {
		reply(sv, rq->id, BF_E_INVAL, 0, 0, "bad slot or length");
		return;
	}
	size = stream_size(sv->ex.stream);
	if ((rq->flags & IPC_READ_AROUND) && rq->length > 0 && rq->offset < size) {
		/* widen to the core's window, within the pieces the core needs */
		uint64_t win = rq->offset - rq->offset % c->slot_size, lo, hi, lo2, hi2;

		if (end > size)
			end = size;
		core_end = end;
		stream_piece_span(sv->ex.stream, rq->offset, &lo, &hi);
		stream_piece_span(sv->ex.stream, end - 1, &lo2, &hi2);
		start = lo > win ? lo : win;
		end = hi2 < win + c->slot_size ? hi2 : win + c->slot_size;
		if (end > size)
			end = size;
		if (start > rq->offset || end < core_end) { /* a core across windows: exact */
			start = rq->offset;
			end = rq->offset + rq->length;
		}
	}
	n = stream_read(
	    sv->ex.stream, start, sv->shm + (size_t)rq->slot * c->slot_size, (size_t)(end - start),
	    (rq->flags & IPC_READ_SEQUENTIAL) ? STREAM_SEQUENTIAL : 0, rq->handle, &err);
	if (n < 0) {
		bf_log_error("store '%s': read of %u bytes at %llu failed: %s", sv->ex.s.v->path,
			     rq->length, (unsigned long long)rq->offset, err.msg);
		reply(sv, rq->id, (int)n, 0, 0, err.msg);
		return;
	}
	reply(sv, rq->id, BF_OK, start, (uint32_t)n, NULL);
}

static void *handler_main(void *arg)
{
	struct srv *sv = arg;

	pthread_mutex_lock(&sv->lock);
	for (;;) {
		struct ipc_read_req rq;

		while (!sv->stop && sv->q_len == 0)
			pthread_cond_wait(&sv->cv, &sv->lock);
		if (sv->stop && sv->q_len == 0)
			break;
		rq = sv->queue[sv->q_head];
		sv->q_head = (sv->q_head + 1) % QUEUE_CAP;
		sv->q_len--;
		sv->active++;
		pthread_mutex_unlock(&sv->lock);
		handle(sv, &rq);
		pthread_mutex_lock(&sv->lock);
		sv->active--;
		sv->last_activity = bf_clock_now();
	}
	pthread_mutex_unlock(&sv->lock);
	return NULL;
}

static int serve(struct srv *sv)
{
	const struct server_config *c = sv->cfg;
	pthread_t th[64], janitor;
	size_t nth = c->handler_threads ? c->handler_threads : 8, i;
	int rc = 0;
	bool have_janitor;

	if (nth > 64)
		nth = 64;
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, handler_main, sv) != 0)
			break;
	nth = i;
	sv->last_activity = bf_clock_now();
	signal(SIGUSR1, on_sigusr1);
	have_janitor = pthread_create(&janitor, NULL, janitor_main, sv) == 0;
	for (;;) {
		struct ipc_header h;
		struct ipc_read_req rq;
		struct bf_err err;
		int n = ipc_recv(c->ipc_fd, &h, sv->rx, sizeof(sv->rx), &err);

		if (n == 0)
			break; /* the front closed the socket: shut down */
		if (n > 0 && h.type != IPC_READ_REQ)
			n = bf_err_set(&err, BF_E_FORMAT, "message type %u", h.type);
		if (n < 0 || ipc_read_req_decode(sv->rx, h.len, &rq, &err) < 0) {
			bf_log_error("encoder server: bad request: %s", err.msg);
			rc = 1;
			break;
		}
		pthread_mutex_lock(&sv->lock);
		if (sv->q_len == QUEUE_CAP) {
			pthread_mutex_unlock(&sv->lock);
			reply(sv, rq.id, BF_E_BUDGET, 0, 0, "too many requests in flight");
			continue;
		}
		sv->queue[(sv->q_head + sv->q_len) % QUEUE_CAP] = rq;
		sv->q_len++;
		sv->trimmed = 0;
		sv->last_activity = bf_clock_now();
		pthread_cond_signal(&sv->cv);
		pthread_mutex_unlock(&sv->lock);
	}
	pthread_mutex_lock(&sv->lock);
	sv->stop = true;
	pthread_cond_broadcast(&sv->cv);
	pthread_mutex_unlock(&sv->lock);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (have_janitor)
		pthread_join(janitor, NULL);
	return rc;
}

/* Open, write the sidecars, map the slots, say HELLO and serve. */
static int run(struct srv *sv)
{
	const struct server_config *c = sv->cfg;
	struct ipc_hello h;
	struct bf_err err;
	int rc;

	bf_err_clear(&err);
	if (export_open(&sv->ex, &c->export, &err) < 0)
		return fail_hello(c->ipc_fd, &err);
	memset(&h, 0, sizeof(h));
	if (build_files(sv, &h, &err) < 0) {
		export_close(&sv->ex);
		return fail_hello(c->ipc_fd, &err);
	}
	/* the sidecars are written: serving the stream never names a sample */
	vcz_drop_sample_ids(sv->ex.s.v);
	sv->shm_len = c->shm_slots * c->slot_size;
	sv->shm = mmap(NULL, sv->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->shm_fd, 0);
	if (sv->shm == MAP_FAILED) {
		bf_err_sys(&err, BF_E_IO, "cannot map the reply slots");
		export_close(&sv->ex);
		return fail_hello(c->ipc_fd, &err);
	}
	if (send_hello(c->ipc_fd, &h) < 0) {
		munmap(sv->shm, sv->shm_len);
		export_close(&sv->ex);
		return 1;
	}
	rc = serve(sv);
	munmap(sv->shm, sv->shm_len);
	export_close(&sv->ex);
	return rc;
}

int server_main(const struct server_config *c)
{
	struct srv *sv = bf_calloc(1, sizeof(*sv)); /* one per process; large queue */
	struct bf_err err;
	int rc;

	if (!sv) {
		bf_err_set(&err, BF_E_NOMEM, "out of memory");
		return fail_hello(c->ipc_fd, &err);
	}
	sv->cfg = c;
	pthread_mutex_init(&sv->lock, NULL);
	pthread_cond_init(&sv->cv, NULL);
	pthread_mutex_init(&sv->send_lock, NULL);
	rc = run(sv);
	pthread_mutex_destroy(&sv->lock);
	pthread_cond_destroy(&sv->cv);
	pthread_mutex_destroy(&sv->send_lock);
	bf_free(sv);
	return rc;
}

/* The IPC_CONFIG message, first on the socket, into *c (owned: release it). */
static int receive_config(int ipc_fd, struct server_config *c, struct bf_err *err)
{
	uint8_t *buf = bf_malloc(IPC_MAX_PAYLOAD);
	const uint8_t *body;
	struct ipc_header h;
	uint32_t flags = 0;
	size_t body_len;
	int n, rc;

	memset(c, 0, sizeof(*c));
	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	n = ipc_recv(ipc_fd, &h, buf, IPC_MAX_PAYLOAD, err);
	if (n == 0)
		n = bf_err_set(err, BF_E_IO,
			       "ipc: the front closed the socket before the "
			       "configuration");
	else if (n > 0 && h.type != IPC_CONFIG)
		n = bf_err_set(err, BF_E_FORMAT, "ipc: message %u before the configuration",
			       h.type);
	rc = n < 0 ? (int)n : ipc_config_decode(buf, h.len, &flags, &body, &body_len, err);
	if (rc == 0)
		rc = server_config_decode(body, body_len, c, err);
	bf_free(buf);
	c->reuse_sidecars = (flags & IPC_CONFIG_RESTART) != 0;
	return rc;
}

int server_run(int ipc_fd, int shm_fd, const struct bf_progress *progress)
{
	struct server_config c;
	struct bf_err err;
	int rc;

	/* the front decides when the mount ends (Ctrl-C reaches the whole process
	 * group); the server ends when the front closes its socket */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	bf_err_clear(&err);
	rc = receive_config(ipc_fd, &c, &err);
	if (rc == 0) {
		bf_log_set_level(c.log_level);
		if (c.log_file && bf_log_set_file(c.log_file) < 0)
			rc = bf_err_set(&err, BF_E_IO, "cannot open log file '%s'", c.log_file);
	}
	if (rc < 0) {
		c.ipc_fd = ipc_fd;
		server_config_release(&c);
		return fail_hello(ipc_fd, &err);
	}
	c.ipc_fd = ipc_fd;
	c.shm_fd = shm_fd;
	c.export.sel.variants.progress = progress;
	c.shm_slots = IPC_N_SLOTS;
	c.slot_size = IPC_SLOT_SIZE;
	c.handler_threads = 16;
	if (c.export.n_threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c.export.n_threads = n > 0 ? (size_t)n : 1;
	}
	rc = server_main(&c);
	server_config_release(&c);
	return rc;
}
