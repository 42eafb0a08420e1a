/*
 * outfiles.c - all-or-nothing output files and the progress line (see outfiles.h).
 */
#include "util/bf_config.h"

#include "cli/outfiles.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/bigbuf.h"
#include "util/log.h"
#include "engine/sidecar.h"
#include "engine/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void outset_init(struct outset *o)
{
	memset(o, 0, sizeof(*o));
}

/*
 * A FIFO or character device, or a symlink to one, is written in place;
 * renaming over it would replace it.  For a FIFO SIGPIPE is ignored: a
 * reader that goes away makes write() fail with EPIPE, an error that removes
 * the temporaries, instead of a signal that kills us and leaves them behind.
 */
static bool in_place(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return false;
	if (S_ISFIFO(st.st_mode))
		signal(SIGPIPE, SIG_IGN);
	return true;
}

/* Open `path` itself into *fd; *fd = -1 if it is no longer a FIFO or device. */
static int open_in_place(const char *path, int *fd, struct bf_err *err)
{
	struct stat st;

	*fd = open(path, O_WRONLY | O_CLOEXEC);
	if (*fd < 0)
		return bf_err_sys(err, BF_E_IO, "cannot open '%s'", path);
	if (fstat(*fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(*fd); /* replaced since the stat: take the temporary's way */
		*fd = -1;
	}
	return 0;
}

static int add(struct outset *o, const char *path, bool by_name, struct bf_err *err)
{
	size_t i = o->n;
	size_t len = strlen(path) + 48;

	if (i >= OUTSET_MAX)
		return bf_err_set(err, BF_E_INTERNAL, "too many output files");
	o->final[i] = bf_strdup(path);
	o->tmp[i] = NULL;
	o->fd[i] = -1;
	o->way[i] = OUTSET_RENAME;
	if (!o->final[i])
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (in_place(path))
		o->way[i] = by_name ? OUTSET_COPY : OUTSET_DIRECT;
	if (o->way[i] == OUTSET_DIRECT) {
		int rc = open_in_place(path, &o->fd[i], err);

		if (rc < 0) {
			bf_free(o->final[i]);
			return rc;
		}
		if (o->fd[i] >= 0)
			return (int)o->n++;
		o->way[i] = OUTSET_RENAME;
	}
	o->tmp[i] = bf_malloc(len);
	if (!o->tmp[i]) {
		bf_free(o->final[i]);
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	snprintf(o->tmp[i], len, "%s.biofuse-tmp.%ld", path, (long)getpid());
	o->fd[i] = open(o->tmp[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd[i] < 0) {
		int saved = errno;

		bf_free(o->final[i]);
		bf_free(o->tmp[i]);
		errno = saved;
		return bf_err_sys(err, BF_E_IO, "cannot create '%s'", path);
	}
	if (by_name) {
		close(o->fd[i]);
		o->fd[i] = -1;
	}
	return (int)o->n++;
}

int outset_add(struct outset *o, const char *path, struct bf_err *err)
{
	return add(o, path, false, err);
}

int outset_add_named(struct outset *o, const char *path, struct bf_err *err)
{
	return add(o, path, true, err);
}

static void outset_free(struct outset *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		bf_free(o->final[i]);
		bf_free(o->tmp[i]);
	}
	o->n = 0;
}

/* Copy the finished temporary `from` into the FIFO or device `to`. */
static int copy_into(const char *from, const char *to, struct bf_err *err)
{
	const size_t cap = 64 * 1024;
	char *buf = bf_malloc(cap);
	int in = -1, out = -1, rc = 0;
	ssize_t n;

	if (!buf)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		rc = bf_err_sys(err, BF_E_IO, "cannot read '%s'", from);
	else if ((out = open(to, O_WRONLY | O_CLOEXEC)) < 0)
		rc = bf_err_sys(err, BF_E_IO, "cannot open '%s'", to);
	while (rc == 0 && (n = read(in, buf, cap)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = bf_err_sys(err, BF_E_IO, "cannot read '%s'", from);
		else
			rc = sidecar_write_all(out, buf, (size_t)n, to, err);
	}
	if (out >= 0 && close(out) != 0 && rc == 0)
		rc = bf_err_sys(err, BF_E_IO, "cannot write '%s'", to);
	if (in >= 0)
		close(in);
	bf_free(buf);
	return rc;
}

int outset_commit(struct outset *o, struct bf_err *err)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (o->fd[i] >= 0 && close(o->fd[i]) != 0) {
			o->fd[i] = -1;
			bf_err_sys(err, BF_E_IO, "cannot write '%s'", o->final[i]);
			outset_abort(o);
			return BF_E_IO;
		}
		o->fd[i] = -1;
	}
	/* copies first: a reader gone away is likelier than a failed rename */
	for (i = 0; i < o->n; i++) {
		int rc = o->way[i] == OUTSET_COPY ? copy_into(o->tmp[i], o->final[i], err) : 0;

		if (rc < 0) {
			outset_abort(o);
			return rc;
		}
	}
	for (i = 0; i < o->n; i++) {
		if (o->way[i] == OUTSET_RENAME && rename(o->tmp[i], o->final[i]) != 0) {
			bf_err_sys(err, BF_E_IO, "cannot rename to '%s'", o->final[i]);
			outset_abort(o);
			return BF_E_IO;
		}
		if (o->way[i] == OUTSET_COPY)
			unlink(o->tmp[i]);
	}
	outset_free(o);
	return 0;
}

void outset_abort(struct outset *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (o->fd[i] >= 0)
			close(o->fd[i]);
		o->fd[i] = -1;
		if (o->tmp[i])
			unlink(o->tmp[i]);
	}
	outset_free(o);
}

void progress_start(struct progress *p, uint64_t total)
{
	p->active = isatty(STDERR_FILENO);
	p->total = total;
	p->t0 = p->last = bf_clock_now();
}

void progress_update(struct progress *p, uint64_t done)
{
	double t, rate, left;

	if (!p->active)
		return;
	t = bf_clock_now();
	if (t - p->last < 0.5 && done < p->total)
		return;
	p->last = t;
	rate = (double)done / (t - p->t0 > 1e-9 ? t - p->t0 : 1e-9);
	left = rate > 0 ? (double)(p->total - done) / rate : 0;
	fprintf(stderr, "\r%.1f of %.1f MiB, %.1f MiB/s, %.0f s left   ", (double)done / 1048576.0,
		(double)p->total / 1048576.0, rate / 1048576.0, left);
}

void progress_end(struct progress *p)
{
	if (p->active)
		fprintf(stderr, "\n");
}

struct drain_sink {
	int fd;
	off_t base; /* positional writes: fd's offset when the drain began */
	const char *name;
	uint64_t done;
	struct progress pr;
};

static int drain_write(void *ctx, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct drain_sink *d = ctx;
	int rc = sidecar_write_all(d->fd, p, n, d->name, err);

	if (rc < 0)
		return rc;
	d->done += n;
	progress_update(&d->pr, d->done);
	return 0;
}

/* The positional sink: pwrite at the stream offset past where fd stood. */
static int drain_pwrite(void *ctx, uint64_t off, const uint8_t *p, size_t n, struct bf_err *err)
{
	struct drain_sink *d = ctx;
	off_t at = d->base + (off_t)off;

	while (n > 0) {
		ssize_t w = pwrite(d->fd, p, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return bf_err_sys(err, BF_E_IO, "cannot write '%s'", d->name);
		if (w == 0)
			return bf_err_set(err, BF_E_IO, "cannot write '%s': nothing written",
					  d->name);
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

static void drain_progress(void *ctx, uint64_t done)
{
	struct drain_sink *d = ctx;

	progress_update(&d->pr, done);
}

/*
 * Drain a stream into `fd`, writing straight from the encoded chunks: by
 * position from the encoder threads when fd takes it (a regular file not
 * opened for appending, /dev/null), so no chunk waits for an earlier one;
 * else in order.
 */
int drain_stream(struct stream *st, int fd, const char *name, struct bf_err *err)
{
	struct drain_sink d = {.fd = fd, .name = name};
	struct stdout_mark m;
	int fl = fcntl(fd, F_GETFL), rc;

	stdout_mark(fd, &m);
	progress_start(&d.pr, stream_size(st));
	if ((m.kind == STDOUT_FILE && fl >= 0 && !(fl & O_APPEND)) || m.kind == STDOUT_NULL) {
		d.base = m.kind == STDOUT_FILE ? m.start : 0;
		rc = stream_drain_at(st, drain_pwrite, drain_progress, &d, err);
		/* leave the offset where writing in order would have */
		if (rc == 0 && m.kind == STDOUT_FILE &&
		    lseek(fd, d.base + (off_t)stream_size(st), SEEK_SET) < 0)
			rc = bf_err_sys(err, BF_E_IO, "cannot seek '%s'", name);
	} else {
		rc = stream_drain(st, 0, drain_write, &d, err);
	}
	progress_end(&d.pr);
	return rc;
}

void stdout_mark(int fd, struct stdout_mark *m)
{
	struct stat st, nul;
	int fl = fcntl(fd, F_GETFL);

	m->kind = STDOUT_STREAM;
	m->start = 0;
	if (fstat(fd, &st) != 0)
		return;
	if (S_ISREG(st.st_mode)) {
		m->kind = STDOUT_FILE;
		m->start = (fl >= 0 && (fl & O_APPEND)) ? st.st_size : lseek(fd, 0, SEEK_CUR);
		if (m->start < 0)
			m->kind = STDOUT_STREAM;
	} else if (S_ISCHR(st.st_mode) && stat("/dev/null", &nul) == 0 && S_ISCHR(nul.st_mode) &&
		   st.st_rdev == nul.st_rdev) {
		m->kind = STDOUT_NULL;
	}
}

void stdout_rewind(int fd, const struct stdout_mark *m)
{
	if (m->kind == STDOUT_FILE && ftruncate(fd, m->start) != 0)
		bf_log_warn("cannot cut stdout back to %lld bytes: %s", (long long)m->start,
			    strerror(errno));
}

char *path_join(const char *stem, const char *ext)
{
	size_t n = strlen(stem) + strlen(ext) + 1;
	char *p = bf_malloc(n);

	if (p)
		snprintf(p, n, "%s%s", stem, ext);
	return p;
}
