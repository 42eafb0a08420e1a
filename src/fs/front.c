/*
 * front.c - the FUSE front (see front.h).
 */
#include "util/bf_config.h"

#include "fs/front.h"
#include "fs/access_log.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define ROOT_INO 1
#define ATTR_TTL 300.0
#define MAX_READ (1u << 20)

struct ffile {
	char name[IPC_NAME_MAX];
	uint64_t size;
	bool streaming;
	int fd; /* sidecar file, -1 for the stream */
};

/*
 * Per open file handle (fi->fh points to it).  A streaming handle whose read
 * missed its deadline is dead: every later read on it fails with EIO at once
 * (also the kernel's single-page retry of the failed read), until it is closed.
 */
struct fh_state {
	uint64_t id; /* fh number shown in the access log */
	atomic_bool dead;
	/* the contiguous run of bytes this handle has read (a hint, see below) */
	_Atomic uint64_t run_start, run_end;
};

/*
 * Reads may arrive out of order (several FUSE threads, kernel readahead), so
 * a read within RUN_SLACK of the handle's run extends it.  A handle reads
 * sequentially, and the server prefetches after it, once its run started at
 * offset 0 (cat, dd, plink) or spans RUN_MIN bytes; a random reader's
 * isolated reads never do, so they cost only the chunks they touch.
 */
#define RUN_SLACK ((uint64_t)4 << 20)
#define RUN_MIN	  ((uint64_t)8 << 20)

static uint32_t fh_read_flags(struct fh_state *fs, uint64_t off, uint64_t len)
{
	uint64_t start = atomic_load_explicit(&fs->run_start, memory_order_relaxed);
	uint64_t end = atomic_load_explicit(&fs->run_end, memory_order_relaxed);

	if (off + RUN_SLACK >= start && off <= end + RUN_SLACK) {
		if (off < start)
			atomic_store_explicit(&fs->run_start, start = off, memory_order_relaxed);
		if (off + len > end)
			atomic_store_explicit(&fs->run_end, end = off + len, memory_order_relaxed);
	} else {
		atomic_store_explicit(&fs->run_start, start = off, memory_order_relaxed);
		atomic_store_explicit(&fs->run_end, end = off + len, memory_order_relaxed);
	}
	return start == 0 || end - start >= RUN_MIN ? IPC_READ_SEQUENTIAL : 0;
}

struct front {
	const struct front_config *cfg;
	struct supervisor *sup;
	struct ffile files[IPC_MAX_FILES];
	size_t n_files;
	uid_t uid;
	gid_t gid;
	struct access_log *log;
	_Atomic uint64_t next_fh;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int open_streams; /* protected by lock */
};

static struct ffile *file_of(struct front *f, fuse_ino_t ino)
{
	if (ino < 2 || ino >= 2 + f->n_files)
		return NULL;
	return &f->files[ino - 2];
}

static void fill_attr(struct front *f, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = f->uid;
	st->st_gid = f->gid;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	if (ino == ROOT_INO) {
		st->st_mode = S_IFDIR | 0555;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)file_of(f, ino)->size;
	}
}

static void fr_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_read = MAX_READ;
	if (conn->max_readahead < MAX_READ)
		conn->max_readahead = MAX_READ;
	conn->want &= ~(unsigned)FUSE_CAP_SPLICE_READ;
}

static void fr_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct front *f = fuse_req_userdata(req);
	struct fuse_entry_param e;
	size_t i;

	if (parent != ROOT_INO)
		goto out_err;
	for (i = 0; i < f->n_files; i++) {
		if (!strcmp(f->files[i].name, name)) {
			memset(&e, 0, sizeof(e));
			e.ino = 2 + i;
			e.attr_timeout = ATTR_TTL;
			e.entry_timeout = ATTR_TTL;
			fill_attr(f, e.ino, &e.attr);
			fuse_reply_entry(req, &e);
			return;
		}
	}
out_err:
	fuse_reply_err(req, ENOENT);
}

static void fr_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct front *f = fuse_req_userdata(req);
	struct stat st;

	(void)fi;
	if (ino != ROOT_INO && !file_of(f, ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(f, ino, &st);
	fuse_reply_attr(req, &st, ATTR_TTL);
}

static void fr_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct front *f = fuse_req_userdata(req);
	char *buf;
	size_t used = 0, i;

	(void)fi;
	if (ino != ROOT_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > 8192)
		size = 8192;
	buf = bf_malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = (size_t)(off < 0 ? 0 : off); i < f->n_files; i++) {
		struct stat st;
		size_t n;

		fill_attr(f, 2 + i, &st);
		n = fuse_add_direntry(req, buf + used, size - used, f->files[i].name, &st,
				      (off_t)(i + 1));
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	bf_free(buf);
}

static void fr_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct front *f = fuse_req_userdata(req);
	struct ffile *ff = file_of(f, ino);
	double t0 = bf_clock_now();
	struct fh_state *fs = NULL;
	int err = 0;

	if (!ff) {
		err = ino == ROOT_INO ? EISDIR : ENOENT;
		goto out_err;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & (O_APPEND | O_TRUNC))) {
		err = EROFS;
		goto out_err;
	}
	fs = bf_calloc(1, sizeof(*fs));
	if (!fs) {
		err = ENOMEM;
		goto out_err;
	}
	fs->id = atomic_fetch_add(&f->next_fh, 1) + 1;
	atomic_init(&fs->dead, false);
	atomic_init(&fs->run_start, 0);
	atomic_init(&fs->run_end, 0);
	fi->fh = (uint64_t)(uintptr_t)fs;
	/*
	 * A handle is a few bytes: every handle shares the one cache and budget,
	 * so by default (max_open 0) opens never wait.  A consumer that keeps
	 * mappings (fio's mmap engine maps, closes, never unmaps: each pass
	 * keeps a handle alive) must not make the mount refuse opens.
	 */
	if (ff->streaming && f->cfg->max_open > 0) {
		struct timespec ts;
		double dl = t0 + f->cfg->open_wait_s;

		bf_clock_timespec(dl, &ts);
		pthread_mutex_lock(&f->lock);
		while (f->open_streams >= f->cfg->max_open) {
			if (pthread_cond_timedwait(&f->cv, &f->lock, &ts) == ETIMEDOUT &&
			    f->open_streams >= f->cfg->max_open) {
				pthread_mutex_unlock(&f->lock);
				access_log_add(f->log, ff->name, fs->id, 0, 0, t0, bf_clock_now(),
					       "limiter_timeout");
				err = EAGAIN;
				goto out_err;
			}
		}
		f->open_streams++;
		pthread_mutex_unlock(&f->lock);
	}
	if (ff->streaming)
		access_log_add(f->log, ff->name, fs->id, 0, 0, t0, bf_clock_now(), "limiter_wait");
	fi->keep_cache = 1;
	fi->direct_io = 0;
	access_log_add(f->log, ff->name, fs->id, 0, 0, t0, bf_clock_now(), "open");
	fuse_reply_open(req, fi);
	return;
out_err:
	bf_free(fs);
	fuse_reply_err(req, err);
}

static void fr_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct front *f = fuse_req_userdata(req);
	struct ffile *ff = file_of(f, ino);
	struct fh_state *fs = (struct fh_state *)(uintptr_t)fi->fh;
	double t0 = bf_clock_now();
	uint8_t *buf = NULL;
	uint64_t end;
	uint32_t flags;
	int err = EIO, rc = 0;

	if (!ff) {
		err = ENOENT;
		goto out_err;
	}
	if (off < 0) {
		err = EINVAL;
		goto out_err;
	}
	if (ff->streaming && atomic_load(&fs->dead)) {
		err = EIO;
		goto out_err;
	}
	/* log before replying: the reply lets the caller close and log the release */
	if ((uint64_t)off >= ff->size || size == 0) {
		access_log_add(f->log, ff->name, fs->id, (uint64_t)off, 0, t0, bf_clock_now(),
			       "read");
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	end = (uint64_t)off + size;
	if (end > ff->size)
		end = ff->size;
	size = (size_t)(end - (uint64_t)off);
	if (!ff->streaming) {
		ssize_t n;

		buf = bf_malloc(size);
		if (!buf) {
			err = ENOMEM;
			goto out_err;
		}
		n = pread(ff->fd, buf, size, off);
		if (n < 0) {
			err = errno;
			goto out_err;
		}
		access_log_add(f->log, ff->name, fs->id, (uint64_t)off, (uint64_t)n, t0,
			       bf_clock_now(), "read");
		fuse_reply_buf(req, (const char *)buf, (size_t)n);
		bf_free(buf);
		return;
	}
	flags = fh_read_flags(fs, (uint64_t)off, size);
	if (size <= f->sup->slot_size) {
		const uint8_t *data = NULL;
		uint32_t slot, n;

		/* small reads (plink 2's scan, random probes) go through the window cache */
		if (size <= SUP_CACHE_READ_MAX)
			rc = sup_read_cached(f->sup, (uint64_t)off, (uint32_t)size, flags, fs->id,
					     &slot, &data, &n);
		else if ((rc = sup_read(f->sup, (uint64_t)off, (uint32_t)size, flags, fs->id, &slot,
					&n)) == 0)
			data = sup_slot(f->sup, slot);
		if (rc < 0)
			goto out_rc;
		access_log_add(f->log, ff->name, fs->id, (uint64_t)off, n, t0, bf_clock_now(),
			       "read");
		fuse_reply_buf(req, (const char *)data, n);
		sup_release(f->sup, slot);
		return;
	} else {
		/* larger than one slot: gather several server reads */
		size_t done = 0;

		buf = bf_malloc(size);
		if (!buf) {
			err = ENOMEM;
			goto out_err;
		}
		while (done < size) {
			uint32_t slot, n,
			    want = (uint32_t)(size - done > f->sup->slot_size ? f->sup->slot_size
									      : size - done);
			rc = sup_read(f->sup, (uint64_t)off + done, want, flags, fs->id, &slot, &n);

			if (rc < 0)
				goto out_rc;
			memcpy(buf + done, sup_slot(f->sup, slot), n);
			sup_release(f->sup, slot);
			if (n == 0)
				break;
			done += n;
		}
		access_log_add(f->log, ff->name, fs->id, (uint64_t)off, done, t0, bf_clock_now(),
			       "read");
		fuse_reply_buf(req, (const char *)buf, done);
		bf_free(buf);
		return;
	}
out_rc:
	/*
	 * Whatever failed behind the read (store, decoder, memory), the reader
	 * sees EIO: an ENOMEM from read(2) would say the reader itself is out of
	 * memory.  A missed deadline (BF_E_TIMEOUT) kills the handle (the kernel
	 * would otherwise retry).
	 */
	err = EIO;
	if (rc == BF_E_TIMEOUT)
		atomic_store(&fs->dead, true);
out_err:
	bf_free(buf);
	fuse_reply_err(req, err);
}

static void fr_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct front *f = fuse_req_userdata(req);
	struct ffile *ff = file_of(f, ino);
	struct fh_state *fs = (struct fh_state *)(uintptr_t)fi->fh;
	double t0 = bf_clock_now();

	if (ff && ff->streaming) {
		if (f->cfg->max_open > 0) {
			pthread_mutex_lock(&f->lock);
			if (f->open_streams > 0)
				f->open_streams--;
			pthread_cond_signal(&f->cv);
			pthread_mutex_unlock(&f->lock);
		}
		access_log_add(f->log, ff->name, fs->id, 0, 0, t0, bf_clock_now(), "aclose");
	}
	if (ff)
		access_log_add(f->log, ff->name, fs->id, 0, 0, t0, bf_clock_now(), "release");
	bf_free(fs);
	fuse_reply_err(req, 0);
}

static void fr_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct front *f = fuse_req_userdata(req);
	struct statvfs sv;
	uint64_t total = 0;
	size_t i;

	(void)ino;
	for (i = 0; i < f->n_files; i++)
		total += f->files[i].size;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_blocks = (fsblkcnt_t)((total + 4095) / 4096);
	sv.f_files = (fsfilcnt_t)f->n_files;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void fr_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct front *f = fuse_req_userdata(req);

	if (ino != ROOT_INO && !file_of(f, ino))
		fuse_reply_err(req, ENOENT);
	else if (mask & W_OK)
		fuse_reply_err(req, EROFS);
	else
		fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops front_ops = {
    .init = fr_init,
    .lookup = fr_lookup,
    .getattr = fr_getattr,
    .readdir = fr_readdir,
    .open = fr_open,
    .read = fr_read,
    .release = fr_release,
    .statfs = fr_statfs,
    .access = fr_access,
};

/*
 * Ask the kernel for 1 MiB read requests on this mount (root only; best
 * effort).  The device number comes from /proc/self/mountinfo: a stat() of
 * the mount point would be a FUSE request this thread itself has to answer.
 */
static void raise_readahead(const char *dir)
{
	char real[4096], line[8192], path[128];
	unsigned maj = 0, min = 0;
	bool found = false;
	FILE *fp;

	if (!realpath(dir, real))
		return;
	fp = fopen("/proc/self/mountinfo", "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char mnt[4096];
		unsigned a, b;

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &a, &b, mnt) == 3 &&
		    !strcmp(mnt, real) && strstr(line, " - fuse")) {
			maj = a;
			min = b;
			found = true;
		}
	}
	fclose(fp);
	if (!found)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", maj, min);
	fp = fopen(path, "w");
	if (!fp)
		return;
	fprintf(fp, "1024\n");
	fclose(fp);
}

/*
 * SIGINT, SIGTERM and SIGHUP end the mount whatever the dispositions we
 * inherited: a script's background job starts with SIGINT ignored, and
 * libfuse leaves an ignored signal alone.  Back to the default (and
 * unblocked in this thread, which runs the loop) so libfuse takes them.
 */
static void front_reset_end_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		signal(sigs[i], SIG_DFL);
		sigaddset(&set, sigs[i]);
	}
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int front_run(const struct front_config *c, struct supervisor *sup, struct bf_err *err)
{
	struct front *f = bf_calloc(1, sizeof(*f)); /* the session's userdata */
	char maxread_opt[128];
	/* fuse_args takes char **: the fixed words as arrays of our own */
	char w_name[] = "biofuse", w_o[] = "-o", w_d[] = "-d";
	char *argv[8];
	int argc = 0, rc = 0;
	struct fuse_args args;
	struct fuse_session *se;
	struct fuse_loop_config *lc;
	size_t i;

	if (!f)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	f->cfg = c;
	f->sup = sup;
	f->uid = getuid();
	f->gid = getgid();
	pthread_mutex_init(&f->lock, NULL);
	/* the open wait's deadline is on the monotonic clock (bf_clock_now) */
	bf_clock_cond_init(&f->cv);
	for (i = 0; i < sup->hello.n_files; i++) {
		struct ffile *ff = &f->files[i];
		const struct ipc_file *src = &sup->hello.files[i];

		snprintf(ff->name, sizeof(ff->name), "%s", src->name);
		ff->size = src->size;
		ff->streaming = src->streaming;
		ff->fd = -1;
		if (!ff->streaming) {
			ff->fd = open(src->path, O_RDONLY | O_CLOEXEC);
			if (ff->fd < 0) {
				rc = bf_err_sys(err, BF_E_IO, "cannot open '%s'", src->path);
				goto out;
			}
		}
		f->n_files++;
	}
	if (c->access_log) {
		f->log = access_log_open(c->access_log, err);
		if (!f->log) {
			rc = err->code;
			goto out;
		}
	}
	snprintf(maxread_opt, sizeof(maxread_opt),
		 "ro,fsname=biofuse,default_permissions,max_read=%u%s", MAX_READ,
		 c->allow_other ? ",allow_other" : "");
	argv[argc++] = w_name;
	argv[argc++] = w_o;
	argv[argc++] = maxread_opt;
	if (c->fuse_debug)
		argv[argc++] = w_d;
	args.argc = argc;
	args.argv = argv;
	args.allocated = 0;
	se = fuse_session_new(&args, &front_ops, sizeof(front_ops), f);
	/* libfuse may have copied the arguments to add its own (LeakSanitizer) */
	fuse_opt_free_args(&args);
	if (!se) {
		rc = bf_err_set(err, BF_E_IO, "cannot create the FUSE session");
		goto out;
	}
	front_reset_end_signals();
	if (fuse_set_signal_handlers(se) != 0) {
		fuse_session_destroy(se);
		rc = bf_err_set(err, BF_E_IO, "cannot install signal handlers");
		goto out;
	}
	if (fuse_session_mount(se, c->mount_dir) != 0) {
		fuse_remove_signal_handlers(se);
		fuse_session_destroy(se);
		rc = bf_err_set(err, BF_E_IO, "cannot mount at '%s'", c->mount_dir);
		goto out;
	}
	raise_readahead(c->mount_dir);
	fprintf(stderr, "mounted at %s\n", c->mount_dir);
	if (c->ready_fd >= 0) {
		char one = 1;

		if (write(c->ready_fd, &one, 1) != 1)
			bf_log_debug("ready signal not delivered");
		close(c->ready_fd);
	}
	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 64);
	fuse_loop_cfg_set_idle_threads(lc, 8);
	fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	fprintf(stderr, "unmounting\n");
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
out:
	for (i = 0; i < f->n_files; i++)
		if (f->files[i].fd >= 0)
			close(f->files[i].fd);
	access_log_close(f->log);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cv);
	bf_free(f);
	return rc;
}
