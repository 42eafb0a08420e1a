/*
 * store_zip.c - a store backed by a .vcz.zip archive.
 *
 * The central directory is parsed once at open (zip_dir.c) into a sorted
 * name index; the archive root is the store root.  Each read pread()s the
 * member's local header and then its data from one descriptor held for the
 * store's lifetime, so reads from many threads need no lock.  STORED members
 * are read straight into the caller's buffer; DEFLATE members are inflated
 * into it.  Sizes and CRC-32 are verified on every read.
 */
#include "util/bf_config.h"

#include "store/store_internal.h"
#include "store/zip_dir.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct zip_state {
	int fd;
	char *path;
	struct zip_dir *dir; /* read-only after open */
};

static int zip_pread(void *opaque, uint64_t off, void *buf, size_t len, struct bf_err *err)
{
	const struct zip_state *st = opaque;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(st->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bf_err_sys(err, BF_E_IO, "cannot read '%s'", st->path);
		if (n == 0)
			return bf_err_set(err, BF_E_IO,
					  "'%s' is shorter than expected (did it change?)",
					  st->path);
		done += (size_t)n;
	}
	return 0;
}

static void zip_close(void *state)
{
	struct zip_state *st = state;

	if (!st)
		return;
	zip_dir_free(st->dir);
	if (st->fd >= 0)
		close(st->fd);
	bf_free(st->path);
	bf_free(st);
}

void *store_zip_open(const char *path, struct bf_err *err)
{
	struct zip_state *st = bf_calloc(1, sizeof(*st));
	struct stat sb;

	if (!st || !(st->path = bf_strdup(path))) {
		bf_free(st);
		bf_err_set(err, BF_E_NOMEM, "out of memory");
		return NULL;
	}
	st->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (st->fd < 0) {
		bf_err_sys(err, errno == ENOENT ? BF_E_NOTFOUND : BF_E_IO, "cannot open '%s'",
			   path);
		goto fail;
	}
	if (fstat(st->fd, &sb) != 0) {
		bf_err_sys(err, BF_E_IO, "cannot stat '%s'", path);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		bf_err_set(err, BF_E_FORMAT, "'%s': not a zip archive: not a regular file", path);
		goto fail;
	}
	st->dir = zip_dir_open(zip_pread, st, (uint64_t)sb.st_size, path, err);
	if (!st->dir)
		goto fail;
	return st;
fail:
	zip_close(st);
	return NULL;
}

static int64_t zip_size(void *state, const char *key, struct bf_err *err)
{
	struct zip_state *st = state;
	const struct zip_entry *e = zip_dir_find(st->dir, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	return (int64_t)e->usize;
}

static int zip_read(void *state, const char *key, void *buf, size_t len, struct bf_err *err)
{
	struct zip_state *st = state;
	const struct zip_entry *e = zip_dir_find(st->dir, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	return zip_dir_read(st->dir, e, buf, len, err);
}

static int zip_read_range(void *state, const char *key, uint64_t off, void *buf, size_t len,
			  struct bf_err *err)
{
	struct zip_state *st = state;
	const struct zip_entry *e = zip_dir_find(st->dir, key);

	if (!e)
		return bf_err_set(err, BF_E_NOTFOUND, "no object '%s'", key);
	return zip_dir_read_range(st->dir, e, off, buf, len, err);
}

static int zip_list(void *state, const char *prefix, store_list_fn fn, void *opaque,
		    struct bf_err *err)
{
	struct zip_state *st = state;
	size_t i, n = zip_dir_count(st->dir), pl = strlen(prefix);
	int rc;

	(void)err;
	for (i = zip_dir_lower_bound(st->dir, prefix); i < n; i++) {
		const char *name = zip_dir_entry(st->dir, i)->name;

		if (strncmp(name, prefix, pl) != 0)
			break; /* sorted: no later name has the prefix */
		rc = fn(opaque, name);
		if (rc)
			return rc;
	}
	return 0;
}

const struct store_backend store_zip_backend = {
    .kind = "zip",
    .size = zip_size,
    .read = zip_read,
    .read_range = zip_read_range,
    .list = zip_list,
    .close = zip_close,
};
