/*
 * store_local.c - a store backed by a local directory.
 *
 * Each read opens the key's file relative to a directory descriptor held for
 * the store's lifetime (openat), so reads from many threads need no lock.
 */
#include "util/bf_config.h"

#include "store/store_internal.h"
#include "util/alloc.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct local_state {
	int dirfd; /* the store root, O_PATH|O_DIRECTORY */
};

void *store_local_open(const char *path, struct bf_err *err)
{
	struct local_state *st = bf_calloc(1, sizeof(*st));

	if (!st) {
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	st->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0) {
		bf_err_sys(err, errno == ENOENT ? BF_E_NOTFOUND : BF_E_IO, "cannot open '%s'",
			   path);
		bf_free(st);
		return NULL;
	}
	return st;
}

static void local_close(void *state)
{
	struct local_state *st = state;

	if (!st)
		return;
	close(st->dirfd);
	bf_free(st);
}

static int64_t local_size(void *state, const char *key, struct bf_err *err)
{
	struct local_state *st = state;
	struct stat sb;

	if (fstatat(st->dirfd, key, &sb, 0) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
		return bf_err_sys(err, BF_E_IO, "cannot stat '%s'", key);
	}
	/* a directory is no object; anything else that is not a regular file
	 * (FIFO, socket, device) is a fault: absent would read as fill values */
	if (S_ISDIR(sb.st_mode))
		return bf_err_set(err, BF_E_NOTFOUND, "'%s' is a directory", key);
	if (!S_ISREG(sb.st_mode))
		return bf_err_set(err, BF_E_IO, "'%s' is not a regular file", key);
	return (int64_t)sb.st_size;
}

/* Read [off, off + len) of `key`; the object must hold at least that much. */
static int local_read_at(struct local_state *st, const char *key, uint64_t off, void *buf,
			 size_t len, struct bf_err *err)
{
	size_t done = 0;
	/* O_NONBLOCK: opening a FIFO planted in the store must not hang */
	int fd = openat(st->dirfd, key, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat sb;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
		return bf_err_sys(err, BF_E_IO, "cannot open '%s'", key);
	}
	if (fstat(fd, &sb) != 0) {
		bf_err_sys(err, BF_E_IO, "cannot stat '%s'", key);
		close(fd);
		return BF_E_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		bool dir = S_ISDIR(sb.st_mode);

		close(fd);
		return bf_err_set(err, dir ? BF_E_NOTFOUND : BF_E_IO, "'%s' is not a regular file",
				  key);
	}
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bf_err_sys(err, BF_E_IO, "cannot read '%s'", key);
			close(fd);
			return BF_E_IO;
		}
		if (n == 0) {
			close(fd);
			return bf_err_set(err, BF_E_IO, "'%s' is shorter than expected", key);
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

static int local_read(void *state, const char *key, void *buf, size_t len, struct bf_err *err)
{
	return local_read_at(state, key, 0, buf, len, err);
}

static int local_read_range(void *state, const char *key, uint64_t off, void *buf, size_t len,
			    struct bf_err *err)
{
	return local_read_at(state, key, off, buf, len, err);
}

struct walk {
	int depth;
	store_list_fn fn;
	void *opaque;
	const char *prefix;
	struct bf_err *err;
};

static int local_walk(struct walk *w, int dfd, const char *rel)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;
	char key[4096];

	if (w->depth > 64)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return bf_err_sys(w->err, BF_E_IO, "cannot list '%s'", rel);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		int fd;
		struct stat sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(key, sizeof(key), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
		    (int)sizeof(key))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			size_t kl = strlen(key), pl = strlen(w->prefix);

			/* descend only where the prefix can still match */
			if (strncmp(key, w->prefix, kl < pl ? kl : pl) != 0)
				continue;
			fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;
			w->depth++;
			rc = local_walk(w, fd, key);
			w->depth--;
		} else if (S_ISREG(sb.st_mode)) {
			if (!strncmp(key, w->prefix, strlen(w->prefix)))
				rc = w->fn(w->opaque, key);
		}
	}
	closedir(d);
	return rc;
}

static int local_list(void *state, const char *prefix, store_list_fn fn, void *opaque,
		      struct bf_err *err)
{
	struct local_state *st = state;
	struct walk w = {0, fn, opaque, prefix, err};
	int fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bf_err_sys(err, BF_E_IO, "cannot list store");
	return local_walk(&w, fd, "");
}

const struct store_backend store_local_backend = {
    .kind = "dir",
    .size = local_size,
    .read = local_read,
    .read_range = local_read_range,
    .list = local_list,
    .close = local_close,
};
