/*
 * supervisor.h - the front's side of the encoder server: start it, talk to it,
 * replace it when it dies or hangs.
 *
 * Owns: the server process (fork + exec of this binary with an internal
 * subcommand whose argv holds only descriptor numbers and a label), the
 * configuration message every server gets first on its socket (opaque bytes
 * here: server/server_config.h builds them), the socket to it, the shared-memory reply slots, the
 * window cache of small reads kept in them (sup_read_cached), the table of reads in flight, and
 * recovery: when the server dies, a new one is started and every read in flight is sent again once
 * (the bytes are deterministic); a read that was in flight at two deaths fails with EIO.  A read
 * that is not answered by its deadline fails with EIO and the server is killed and replaced, so one
 * wedged server never blocks the mount for good.
 *
 * Thread-safety: sup_read may be called from many FUSE threads at once.
 * Locks: `lock` guards the tables (slots, reads in flight, generation) and is
 * never held across socket I/O, kill() or waitpid(); `send_lock` serialises
 * writes to the server's socket and its replacement; `proc_lock` guards the
 * server process (kill, reap).  Lock order: send_lock, then lock; proc_lock
 * is taken with no other lock held.  Process start-up and socket reads
 * happen without any of them.
 *
 * Errors are enum bf_errcode values (the wire's vocabulary); the FUSE front
 * turns them into errno at its reply.
 */
#ifndef BF_FS_SUPERVISOR_H
#define BF_FS_SUPERVISOR_H

#include "util/bf_config.h"

#include "server/ipc.h"
#include "util/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sup_pending;

struct supervisor {
	/* configuration, fixed after sup_start */
	char *argv0;	 /* the server's argv[0] */
	char *label;	 /* the server's --mount-dir (for ps) */
	uint8_t *config; /* the server configuration message body */
	size_t config_len;
	size_t n_slots;
	size_t slot_size;
	double timeout_s; /* per-read deadline */
	int shm_fd;
	uint8_t *shm;
	struct ipc_hello hello; /* the first server's description of the files */

	pthread_mutex_t send_lock; /* writes to the socket; see the top comment */
	/* protected by send_lock */
	int send_sock;	   /* the socket requests are written to, -1 while none */
	uint64_t send_gen; /* the generation of the server behind send_sock */

	pthread_mutex_t proc_lock;
	/* protected by proc_lock */
	pid_t proc_pid;	   /* the live (not yet reaped) server, 0 while none */
	uint64_t proc_gen; /* its generation */

	pthread_mutex_t lock;
	pthread_cond_t cv;
	/* protected by lock */
	pid_t pid;	     /* current server, 0 while none */
	int sock;	     /* socket to it (the reader's side), -1 while none */
	uint64_t generation; /* bumps at every server start */
	bool stopping;
	bool *slot_busy;
	bool slot_used;	       /* a slot was taken since the janitor last looked */
	bool *slot_quarantine; /* abandoned by a timed-out read; free after a restart */
	/*
	 * The window cache (sup_read_cached): a cached slot holds the bytes
	 * [slot_off, slot_off + slot_n) of the stream, written by a completed
	 * server reply, and is read by slot_refs readers; it is never busy.
	 */
	bool *slot_cached;
	uint64_t *slot_off;
	uint32_t *slot_n;
	uint32_t *slot_refs;
	uint64_t *slot_lru; /* cache_tick at the slot's last hit */
	uint64_t cache_tick;
	size_t n_cached;
	uint64_t cache_hits, cache_fills; /* statistics */
	struct sup_pending *pending;	  /* reads in flight (linked list) */
	uint64_t next_id;
	uint64_t restarts;
	pthread_t reader; /* reads replies; restarts the server */
	bool reader_started;
	pthread_t janitor; /* releases idle reply-slot memory */
	bool janitor_started;
};

/* What sup_start needs; everything is copied. */
struct sup_config {
	const char *argv0;	      /* argv[0] for the server (this program's name) */
	const char *label;	      /* names the mount in the server's argv */
	const uint8_t *server_config; /* the IPC_CONFIG body every server is sent */
	size_t server_config_len;
	size_t n_slots;	  /* reads in flight at once */
	size_t slot_size; /* bytes of one shared reply slot */
	double timeout_s; /* per-read deadline */
};

/*
 * Start the first server, send it its configuration and wait for its HELLO.
 * A server that fails at start-up is reported with its own message (err).
 * Call sup_stop afterwards in every case.
 */
int sup_start(struct supervisor *s, const struct sup_config *c, struct bf_err *err) BF_MUST_CHECK;

/*
 * Read `len` (<= slot_size) bytes at `off` of the streaming file.  On success
 * *slot holds the bytes (sup_slot()) and *n their count; `flags` (IPC_READ_*)
 * and `handle` (the reading file handle's number) go to the server with the
 * request.  Release the slot with sup_release().
 * @return 0, or a negative enum bf_errcode: the server's own code for a read
 *         it failed, BF_E_TIMEOUT when the read missed its deadline (the
 *         server is being replaced), BF_E_BUDGET when no reply slot came free
 *         before the deadline, BF_E_IO when the server died twice with the
 *         read in flight or the mount is stopping, BF_E_INVAL for len >
 *         slot_size.
 */
int sup_read(struct supervisor *s, uint64_t off, uint32_t len, uint32_t flags, uint64_t handle,
	     uint32_t *slot, uint32_t *n);
const uint8_t *sup_slot(const struct supervisor *s, uint32_t slot);

/*
 * Like sup_read for a small read (len <= SUP_CACHE_READ_MAX): answered from
 * a cached window without a round trip to the server when one holds every
 * byte of it.  Else the read goes to the server flagged IPC_READ_AROUND: the
 * server widens it to the slot-aligned window around it, but only within the
 * pieces the read itself needs (so it encodes, waits for and can fail on
 * nothing more than the exact read), and the slot then stays cached (at most
 * SUP_CACHE_SLOTS of them, least recently hit evicted first, all dropped
 * with the idle janitor's punch).  The bytes are at *data; release with
 * sup_release(s, *slot) as for sup_read.
 */
#define SUP_CACHE_READ_MAX ((uint32_t)32 << 10)
#define SUP_CACHE_SLOTS	   28
int sup_read_cached(struct supervisor *s, uint64_t off, uint32_t len, uint32_t flags,
		    uint64_t handle, uint32_t *slot, const uint8_t **data, uint32_t *n);
void sup_release(struct supervisor *s, uint32_t slot);

/* Server process id (for tests and statistics), 0 if none. */
pid_t sup_pid(struct supervisor *s);

/* Stop the server and free everything. */
void sup_stop(struct supervisor *s);

#endif
