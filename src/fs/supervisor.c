/*
 * supervisor.c - start, talk to and replace the encoder server (see supervisor.h).
 */
#include "util/bf_config.h"

#include "fs/supervisor.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { P_WAIT, P_DONE };

/* The current server, for the SIGUSR1 forwarder (async-signal-safe read). */
static volatile sig_atomic_t current_server_pid;

static void forward_sigusr1(int sig)
{
	if (current_server_pid > 0)
		kill((pid_t)current_server_pid, sig);
}

struct sup_pending {
	struct sup_pending *next;
	uint64_t id;
	uint64_t off;
	uint32_t len;
	uint32_t slot;
	uint32_t flags;	 /* IPC_READ_* */
	uint64_t handle; /* the front's file handle number */
	int state;
	int code;	/* BF_OK or the read's enum bf_errcode, once P_DONE */
	uint32_t n;	/* bytes in the slot, once P_DONE with BF_OK */
	uint64_t start; /* stream offset of the slot's first byte, then */
	int sends;	/* times sent to a server */
	uint64_t gen;	/* generation of the server it was last sent to */
};

/* The CONFIG message, then the HELLO reply, on a fresh server's socket. */
static int handshake(struct supervisor *s, int sock, bool restart, struct ipc_hello *h,
		     struct bf_err *err)
{
	struct bf_strbuf msg = BF_STRBUF_INIT;
	struct ipc_header hd;
	uint8_t *buf = NULL;
	int n, rc;

	rc = ipc_config_encode(restart ? IPC_CONFIG_RESTART : 0, s->config, s->config_len, &msg,
			       err);
	if (rc == 0)
		rc = ipc_send(sock, msg.buf, msg.len, err);
	bf_strbuf_release(&msg);
	if (rc < 0)
		return rc;
	buf = bf_malloc(IPC_MAX_PAYLOAD);
	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	n = ipc_recv(sock, &hd, buf, IPC_MAX_PAYLOAD, err);
	if (n == 0)
		n = bf_err_set(err, BF_E_IO,
			       "the encoder server exited during start-up; see the log above");
	else if (n > 0 && hd.type != IPC_HELLO)
		n = bf_err_set(err, BF_E_FORMAT, "ipc: message %u instead of the hello", hd.type);
	rc = n < 0 ? n : ipc_hello_decode(buf, hd.len, h, err);
	bf_free(buf);
	return rc;
}

/* fork + exec a server; on success *sock and *pid are set and the HELLO is in *h. */
static int spawn(struct supervisor *s, bool restart, int *sock, pid_t *pid, struct ipc_hello *h,
		 struct bf_err *err)
{
	/* execv takes char *const[]: the fixed words as arrays of our own */
	char w_server[] = "__server", w_ipc[] = "--ipc-fd", w_shm[] = "--shm-fd",
	     w_dir[] = "--mount-dir";
	char ipcfd[16], shmfd[16];
	char *argv[9];
	int sv[2], rc;
	pid_t p;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return bf_err_sys(err, BF_E_IO, "cannot create the server socket");
	snprintf(ipcfd, sizeof(ipcfd), "%d", sv[1]);
	snprintf(shmfd, sizeof(shmfd), "%d", s->shm_fd);
	argv[0] = s->argv0;
	argv[1] = w_server;
	argv[2] = w_ipc;
	argv[3] = ipcfd;
	argv[4] = w_shm;
	argv[5] = shmfd;
	argv[6] = w_dir;
	argv[7] = s->label;
	argv[8] = NULL;
	p = fork();
	if (p < 0) {
		close(sv[0]);
		close(sv[1]);
		return bf_err_sys(err, BF_E_IO, "cannot start the encoder server");
	}
	if (p == 0) {
		/* child: only async-signal-safe calls until exec */
		int fl = fcntl(sv[1], F_GETFD);

		fcntl(sv[1], F_SETFD, fl & ~FD_CLOEXEC);
		fl = fcntl(s->shm_fd, F_GETFD);
		fcntl(s->shm_fd, F_SETFD, fl & ~FD_CLOEXEC);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	rc = handshake(s, sv[0], restart, h, err);
	if (rc < 0) {
		close(sv[0]);
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		return rc;
	}
	if (h->status < 0) {
		bf_err_set(err, h->status, "%s", h->msg);
		close(sv[0]);
		waitpid(p, NULL, 0);
		return h->status;
	}
	*sock = sv[0];
	*pid = p;
	current_server_pid = (sig_atomic_t)p;
	return 0;
}

static int send_req(int sock, const struct ipc_read_req *rq)
{
	uint8_t buf[IPC_HEADER_LEN + IPC_READ_REQ_LEN];
	struct bf_err err;
	int n = ipc_read_req_encode(rq, buf, sizeof(buf), &err);

	if (n < 0)
		return n;
	return ipc_send(sock, buf, (size_t)n, &err);
}

static struct ipc_read_req req_of(const struct sup_pending *p)
{
	struct ipc_read_req rq = {p->id, p->off, p->len, p->slot, p->flags, p->handle};

	return rq;
}

/* Kill and reap the current server process, if any.  Takes proc_lock. */
static void reap_server(struct supervisor *s)
{
	pid_t old;

	pthread_mutex_lock(&s->proc_lock);
	old = s->proc_pid;
	s->proc_pid = 0;
	current_server_pid = 0;
	if (old > 0) {
		kill(old, SIGKILL);
		waitpid(old, NULL, 0);
	}
	pthread_mutex_unlock(&s->proc_lock);
}

/*
 * Under s->lock, after a restart: free the quarantined slots, fail the reads
 * in flight at two deaths, and collect the others to send again.  out[0..*n)
 * are to be sent, out[*n..*n + *n_lost) failed (for the log; every read
 * in flight is one or the other); the caller frees out.
 */
static void collect_resends(struct supervisor *s, struct ipc_read_req **out, size_t *n,
			    size_t *n_lost)
{
	struct sup_pending *p;
	size_t cap = 0, i;

	*out = NULL;
	*n = *n_lost = 0;
	for (i = 0; i < s->n_slots; i++) {
		if (s->slot_quarantine[i]) {
			s->slot_quarantine[i] = false;
			s->slot_busy[i] = false;
		}
	}
	for (p = s->pending; p; p = p->next)
		cap += p->state == P_WAIT;
	if (cap)
		*out = bf_calloc(cap, sizeof(**out));
	for (p = s->pending; p; p = p->next) {
		if (p->state != P_WAIT)
			continue;
		if (p->sends >= 2 || !*out) {
			p->state = P_DONE;
			p->code = p->sends >= 2 ? BF_E_IO : BF_E_NOMEM;
			if (*out)
				(*out)[cap - ++*n_lost] = req_of(p);
			continue;
		}
		p->sends++;
		p->gen = s->generation;
		(*out)[(*n)++] = req_of(p);
	}
}

/* The server died or was killed: start another and resend what was in flight. */
static void restart(struct supervisor *s)
{
	struct ipc_read_req *resend;
	struct ipc_hello h;
	struct bf_err err;
	int sock = -1, old_sock, rc, attempt;
	size_t n, n_lost, i, failed = 0;
	pid_t pid = 0;

	pthread_mutex_lock(&s->lock);
	s->sock = -1;
	s->pid = 0;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&s->send_lock);
	old_sock = s->send_sock;
	s->send_sock = -1;
	pthread_mutex_unlock(&s->send_lock);
	if (old_sock >= 0)
		close(old_sock);
	reap_server(s);
	for (attempt = 0;; attempt++) {
		bf_err_clear(&err);
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return;
		}
		pthread_mutex_unlock(&s->lock);
		rc = spawn(s, true, &sock, &pid, &h, &err);
		if (rc == 0)
			break;
		bf_log_error("cannot restart the encoder server: %s", err.msg);
		sleep(attempt < 5 ? 1 : 5);
	}
	/* send_lock first: no read is sent to the new server before the resends */
	pthread_mutex_lock(&s->send_lock);
	pthread_mutex_lock(&s->lock);
	s->sock = sock;
	s->pid = pid;
	s->generation++;
	s->restarts++;
	collect_resends(s, &resend, &n, &n_lost);
	s->send_sock = sock;
	s->send_gen = s->generation;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&s->proc_lock);
	s->proc_pid = pid;
	s->proc_gen = s->send_gen;
	pthread_mutex_unlock(&s->proc_lock);
	/* a send that fails means a dead socket: the reader restarts again and resends */
	for (i = 0; i < n; i++)
		failed += send_req(sock, &resend[i]) < 0;
	pthread_mutex_unlock(&s->send_lock);
	for (i = 0; i < n_lost; i++)
		bf_log_error("read of %u bytes at %llu failed: it was in flight when the "
			     "encoder server died twice",
			     resend[n + i].length, (unsigned long long)resend[n + i].offset);
	bf_free(resend);
	if (failed)
		bf_log_debug("%zu resent reads not delivered: the new server is gone too", failed);
	bf_log_warn("encoder server restarted (pid %d)", (int)pid);
}

/*
 * The front's idle janitor: when no reply slot has been in use for a second,
 * punch the slots' pages out of the shared memfd, so idle reply memory is
 * zero in both processes.  Runs under the lock, so no read can take a slot
 * meanwhile.
 */
static void *janitor_main(void *arg)
{
	struct supervisor *s = arg;
	bool punched = true;
	double idle_since = bf_clock_now();

	for (;;) {
		size_t i;
		bool busy = false;

		usleep(250000);
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		for (i = 0; i < s->n_slots; i++)
			busy |= s->slot_busy[i] || s->slot_refs[i] > 0;
		/* A read taken and released between two ticks counts as use too. */
		busy |= s->slot_used;
		s->slot_used = false;
		if (busy) {
			punched = false;
			idle_since = bf_clock_now();
		} else if (!punched && bf_clock_now() - idle_since > 1.0) {
			/* cached windows go with their pages (no reader holds one) */
			for (i = 0; i < s->n_slots; i++)
				s->slot_cached[i] = false;
			s->n_cached = 0;
			if (fallocate(s->shm_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				      (off_t)(s->n_slots * s->slot_size)) != 0)
				bf_log_debug("cannot release reply slots: %s", strerror(errno));
			punched = true;
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct supervisor *s = arg;
	uint8_t buf[512];

	for (;;) {
		struct ipc_header hd;
		struct ipc_read_rep rep;
		struct bf_err err;
		struct sup_pending *p;
		int sock, n;

		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		sock = s->sock;
		pthread_mutex_unlock(&s->lock);
		bf_err_clear(&err);
		n = ipc_recv(sock, &hd, buf, sizeof(buf), &err);
		if (n == 0) /* end of stream: the server exited or was killed */
			bf_err_set(&err, BF_E_IO, "ipc: peer closed the connection");
		else if (n > 0 && hd.type != IPC_READ_REP)
			n = bf_err_set(&err, BF_E_FORMAT, "ipc: message %u instead of a reply",
				       hd.type);
		if (n <= 0 || ipc_read_rep_decode(buf, hd.len, &rep, &err) < 0) {
			pthread_mutex_lock(&s->lock);
			if (s->stopping) {
				pthread_mutex_unlock(&s->lock);
				break;
			}
			pthread_mutex_unlock(&s->lock);
			bf_log_warn("encoder server connection lost: %s", err.msg);
			restart(s);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		for (p = s->pending; p; p = p->next) {
			if (p->id == rep.id && p->state == P_WAIT) {
				p->state = P_DONE;
				p->code = rep.code;
				p->n = rep.n;
				p->start = rep.start;
				if (rep.code < 0 && rep.msg[0])
					/* the server logged it (one line per failure) */
					bf_log_debug("read at %llu: %s", (unsigned long long)p->off,
						     rep.msg);
				break;
			}
		}
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int sup_start(struct supervisor *s, const struct sup_config *c, struct bf_err *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->sock = -1;
	s->send_sock = -1;
	s->shm_fd = -1;
	s->n_slots = c->n_slots;
	s->slot_size = c->slot_size;
	s->timeout_s = c->timeout_s;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->send_lock, NULL);
	pthread_mutex_init(&s->proc_lock, NULL);
	bf_clock_cond_init(&s->cv);
	s->argv0 = bf_strdup(c->argv0);
	s->label = bf_strdup(c->label);
	s->config_len = c->server_config_len;
	s->config = bf_malloc(c->server_config_len ? c->server_config_len : 1);
	s->slot_busy = bf_calloc(s->n_slots, sizeof(bool));
	s->slot_quarantine = bf_calloc(s->n_slots, sizeof(bool));
	s->slot_cached = bf_calloc(s->n_slots, sizeof(bool));
	s->slot_off = bf_calloc(s->n_slots, sizeof(uint64_t));
	s->slot_n = bf_calloc(s->n_slots, sizeof(uint32_t));
	s->slot_refs = bf_calloc(s->n_slots, sizeof(uint32_t));
	s->slot_lru = bf_calloc(s->n_slots, sizeof(uint64_t));
	if (!s->argv0 || !s->label || !s->config || !s->slot_busy || !s->slot_quarantine ||
	    !s->slot_cached || !s->slot_off || !s->slot_n || !s->slot_refs || !s->slot_lru)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (c->server_config_len)
		memcpy(s->config, c->server_config, c->server_config_len);
	s->shm_fd = memfd_create("biofuse-slots", MFD_CLOEXEC);
	if (s->shm_fd < 0 || ftruncate(s->shm_fd, (off_t)(s->n_slots * s->slot_size)) != 0)
		return bf_err_sys(err, BF_E_IO, "cannot create the shared reply slots");
	s->shm = mmap(NULL, s->n_slots * s->slot_size, PROT_READ, MAP_SHARED, s->shm_fd, 0);
	if (s->shm == MAP_FAILED) {
		s->shm = NULL;
		return bf_err_sys(err, BF_E_IO, "cannot map the shared reply slots");
	}
	rc = spawn(s, false, &s->sock, &s->pid, &s->hello, err);
	if (rc < 0)
		return rc;
	s->generation = 1;
	s->send_sock = s->sock;
	s->send_gen = 1;
	s->proc_pid = s->pid;
	s->proc_gen = 1;
	signal(SIGUSR1, forward_sigusr1);
	if (pthread_create(&s->reader, NULL, reader_main, s) != 0)
		return bf_err_sys(err, BF_E_IO, "cannot start the supervisor thread");
	s->reader_started = true;
	if (pthread_create(&s->janitor, NULL, janitor_main, s) == 0)
		s->janitor_started = true;
	return 0;
}

static void unlink_pending(struct supervisor *s, struct sup_pending *p)
{
	struct sup_pending **pp;

	for (pp = &s->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

/* Under s->lock: the least recently hit cached slot no reader holds, or n_slots. */
static size_t cache_victim(const struct supervisor *s)
{
	size_t i, v = s->n_slots;

	for (i = 0; i < s->n_slots; i++)
		if (s->slot_cached[i] && s->slot_refs[i] == 0 &&
		    (v == s->n_slots || s->slot_lru[i] < s->slot_lru[v]))
			v = i;
	return v;
}

static void cache_drop(struct supervisor *s, size_t i)
{
	s->slot_cached[i] = false;
	s->n_cached--;
}

/*
 * Under s->lock: wait for a free reply slot (neither in flight nor cached;
 * an unheld cached window is evicted when no other is free).  @return its
 * index, or a negative code.
 */
static int take_slot(struct supervisor *s, const struct timespec *ts)
{
	size_t i;

	for (;;) {
		for (i = 0; i < s->n_slots && (s->slot_busy[i] || s->slot_cached[i]); i++)
			;
		if (s->stopping)
			return BF_E_IO;
		if (i == s->n_slots && (i = cache_victim(s)) < s->n_slots)
			cache_drop(s, i);
		if (i < s->n_slots)
			break;
		if (pthread_cond_timedwait(&s->cv, &s->lock, ts) == ETIMEDOUT)
			return BF_E_BUDGET; /* every slot stayed busy until the deadline */
	}
	s->slot_busy[i] = true;
	s->slot_used = true;
	return (int)i;
}

/*
 * Send a registered read (not under s->lock).  It goes to the server of
 * generation `gen` only: if that one is gone, the restart sends it.
 */
static void send_pending(struct supervisor *s, struct sup_pending *p, uint64_t gen)
{
	struct ipc_read_req rq;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	rq = req_of(p);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&s->send_lock);
	if (s->send_gen == gen && s->send_sock >= 0)
		rc = send_req(s->send_sock, &rq);
	pthread_mutex_unlock(&s->send_lock);
	if (rc < 0) {
		/* the reader thread notices the dead socket; the restart resends */
		pthread_mutex_lock(&s->lock);
		if (p->state == P_WAIT && p->gen == gen)
			p->sends = 0;
		pthread_mutex_unlock(&s->lock);
	}
}

/* A read missed its deadline: the server of generation `gen` is wedged; kill it. */
static void kill_wedged(struct supervisor *s, uint64_t gen)
{
	pthread_mutex_lock(&s->proc_lock);
	if (s->proc_gen == gen && s->proc_pid > 0)
		kill(s->proc_pid, SIGKILL); /* the reader sees EOF and restarts */
	pthread_mutex_unlock(&s->proc_lock);
}

/* sup_read, also saying where the slot's bytes start (IPC_READ_AROUND widens them) */
static int read_at(struct supervisor *s, uint64_t off, uint32_t len, uint32_t flags,
		   uint64_t handle, uint32_t *slot, uint32_t *n, uint64_t *start)
{
	struct sup_pending p;
	struct timespec ts;
	uint64_t gen;
	int rc;

	if (len > s->slot_size)
		return BF_E_INVAL;
	memset(&p, 0, sizeof(p));
	bf_clock_timespec(bf_clock_now() + s->timeout_s, &ts);
	pthread_mutex_lock(&s->lock);
	rc = take_slot(s, &ts);
	if (rc < 0) {
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	p.slot = (uint32_t)rc;
	p.id = ++s->next_id;
	p.off = off;
	p.len = len;
	p.flags = flags;
	p.handle = handle;
	p.state = P_WAIT;
	p.next = s->pending;
	s->pending = &p;
	p.sends = 1;
	p.gen = gen = s->generation;
	pthread_mutex_unlock(&s->lock);
	send_pending(s, &p, gen);
	pthread_mutex_lock(&s->lock);
	while (p.state == P_WAIT) {
		if (pthread_cond_timedwait(&s->cv, &s->lock, &ts) == ETIMEDOUT &&
		    p.state == P_WAIT) {
			/* Wedged server: fail this read, quarantine its slot, replace the server.
			 */
			unlink_pending(s, &p);
			s->slot_quarantine[p.slot] = true;
			gen = s->generation;
			pthread_mutex_unlock(&s->lock);
			kill_wedged(s, gen);
			bf_log_error("read of %u bytes at %llu timed out after %.0f s; restarting "
				     "the encoder server",
				     len, (unsigned long long)off, s->timeout_s);
			return BF_E_TIMEOUT;
		}
	}
	unlink_pending(s, &p);
	if (p.code < 0) {
		s->slot_busy[p.slot] = false;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->lock);
		return p.code;
	}
	pthread_mutex_unlock(&s->lock);
	*slot = p.slot;
	*n = p.n;
	*start = p.start;
	return 0;
}

int sup_read(struct supervisor *s, uint64_t off, uint32_t len, uint32_t flags, uint64_t handle,
	     uint32_t *slot, uint32_t *n)
{
	uint64_t start;

	return read_at(s, off, len, flags & ~IPC_READ_AROUND, handle, slot, n, &start);
}

const uint8_t *sup_slot(const struct supervisor *s, uint32_t slot)
{
	return s->shm + (size_t)slot * s->slot_size;
}

/*
 * The front owns every slot's life: the server writes a slot only while a
 * read naming it is in flight (busy), and a cached slot is never busy, is
 * recycled only with no reader holding it, and all of this is decided under
 * s->lock in this process.  So a cached window can never be stale or
 * half-written; a server restart leaves the windows valid (the bytes are
 * deterministic), and a quarantined slot (a timed-out read) is never cached.
 */
int sup_read_cached(struct supervisor *s, uint64_t off, uint32_t len, uint32_t flags,
		    uint64_t handle, uint32_t *slot, const uint8_t **data, uint32_t *n)
{
	uint64_t win = off - off % s->slot_size, start = 0;
	uint32_t got = 0;
	size_t i;
	int rc;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n_slots; i++) {
		if (s->slot_cached[i] && s->slot_off[i] <= off &&
		    off + len <= s->slot_off[i] + s->slot_n[i]) {
			s->slot_refs[i]++;
			s->slot_lru[i] = ++s->cache_tick;
			s->slot_used = true;
			s->cache_hits++;
			*slot = (uint32_t)i;
			*data = sup_slot(s, (uint32_t)i) + (off - s->slot_off[i]);
			*n = len;
			pthread_mutex_unlock(&s->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (len > SUP_CACHE_READ_MAX || off + len > win + s->slot_size)
		goto exact;
	rc = read_at(s, off, len, flags | IPC_READ_AROUND, handle, slot, &got, &start);
	if (rc < 0) /* the core's own pieces failed: what the exact read would see */
		return rc;
	if (start > off || off + len > start + got) { /* not the core: cannot happen */
		sup_release(s, *slot);
		goto exact;
	}
	pthread_mutex_lock(&s->lock);
	if (s->n_cached >= SUP_CACHE_SLOTS && (i = cache_victim(s)) < s->n_slots)
		cache_drop(s, i);
	s->slot_busy[*slot] = false;
	s->slot_cached[*slot] = true;
	s->n_cached++;
	s->slot_off[*slot] = start;
	s->slot_n[*slot] = got;
	s->slot_refs[*slot] = 1;
	s->slot_lru[*slot] = ++s->cache_tick;
	s->cache_fills++;
	pthread_mutex_unlock(&s->lock);
	*data = sup_slot(s, *slot) + (off - start);
	*n = len;
	return 0;
exact:
	rc = sup_read(s, off, len, flags, handle, slot, n);
	if (rc == 0)
		*data = sup_slot(s, *slot);
	return rc;
}

void sup_release(struct supervisor *s, uint32_t slot)
{
	pthread_mutex_lock(&s->lock);
	if (slot < s->n_slots && s->slot_cached[slot] && s->slot_refs[slot] > 0)
		s->slot_refs[slot]--;
	else if (slot < s->n_slots && !s->slot_quarantine[slot])
		s->slot_busy[slot] = false;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
}

pid_t sup_pid(struct supervisor *s)
{
	pid_t p;

	pthread_mutex_lock(&s->lock);
	p = s->pid;
	pthread_mutex_unlock(&s->lock);
	return p;
}

void sup_stop(struct supervisor *s)
{
	pid_t pid;
	int sock;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pid = s->pid;
	sock = s->sock;
	s->pid = 0;
	s->sock = -1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
	if (sock >= 0)
		shutdown(sock, SHUT_RDWR);
	if (s->reader_started)
		pthread_join(s->reader, NULL);
	if (s->janitor_started)
		pthread_join(s->janitor, NULL);
	/* the reader may have restarted the server meanwhile: take what is current */
	pthread_mutex_lock(&s->send_lock);
	if (s->send_sock >= 0 && s->send_sock != sock)
		close(s->send_sock);
	s->send_sock = -1;
	pthread_mutex_unlock(&s->send_lock);
	if (sock >= 0)
		close(sock);
	pthread_mutex_lock(&s->proc_lock);
	if (s->proc_pid > 0)
		pid = s->proc_pid;
	s->proc_pid = 0;
	current_server_pid = 0;
	pthread_mutex_unlock(&s->proc_lock);
	if (pid > 0) {
		int st, i;

		/* the server exits on EOF; give it a moment, then insist */
		for (i = 0; i < 50 && waitpid(pid, &st, WNOHANG) == 0; i++)
			usleep(20000);
		if (i == 50) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
	}
	if (s->shm)
		munmap(s->shm, s->n_slots * s->slot_size);
	if (s->shm_fd >= 0)
		close(s->shm_fd);
	bf_free(s->argv0);
	bf_free(s->label);
	bf_free(s->config);
	bf_free(s->slot_busy);
	bf_free(s->slot_quarantine);
	bf_free(s->slot_cached);
	bf_free(s->slot_off);
	bf_free(s->slot_n);
	bf_free(s->slot_refs);
	bf_free(s->slot_lru);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->send_lock);
	pthread_mutex_destroy(&s->proc_lock);
	pthread_cond_destroy(&s->cv);
	memset(s, 0, sizeof(*s));
}
