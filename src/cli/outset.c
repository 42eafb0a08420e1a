/*
 * outset.c - all-or-nothing output files (see outset.h).
 */
#include "util/bf_config.h"

#include "cli/outset.h"
#include "engine/sidecar.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

char *outset_path(const char *stem, const char *ext)
{
	size_t n = strlen(stem) + strlen(ext) + 1;
	char *p = bf_malloc(n);

	if (p)
		snprintf(p, n, "%s%s", stem, ext);
	return p;
}
