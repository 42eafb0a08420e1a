/*
 * bench_fuse_ceiling.c - the FUSE ceiling of bench/bench_fuse.py: a trivial
 * libfuse low-level daemon serving one read-only file "f" of SIZE bytes from
 * a 1 MiB pseudo-random buffer in memory (byte at offset o = buf[o % 1 MiB]).
 *
 * usage: bench_fuse_ceiling MOUNT_DIR SIZE
 *
 * It mounts the way the biofuse front does (max_read = 1 MiB, keep_cache,
 * the multi-threaded loop, read_ahead_kb raised to 1024 when allowed), so
 * what biofuse adds over this daemon is biofuse's own cost.  It runs in the
 * foreground until unmounted (fusermount3 -u) or signalled.
 */
#include "util/bf_config.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CEIL_MAX_READ (1u << 20)
#define CEIL_PATTERN  ((size_t)1 << 20)

static uint64_t ceil_size;
static uint8_t *ceil_buf; /* 2 x CEIL_PATTERN: any <= 1 MiB run is contiguous */

static void ceil_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	if (ino == 1) {
		st->st_mode = S_IFDIR | 0555;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)ceil_size;
	}
}

static void ceil_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_read = CEIL_MAX_READ;
	if (conn->max_readahead < CEIL_MAX_READ)
		conn->max_readahead = CEIL_MAX_READ;
	conn->want &= ~(unsigned)FUSE_CAP_SPLICE_READ;
}

static void ceil_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != 1 || strcmp(name, "f")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = 2;
	e.attr_timeout = 300.0;
	e.entry_timeout = 300.0;
	ceil_attr(2, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ceil_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != 1 && ino != 2) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	ceil_attr(ino, &st);
	fuse_reply_attr(req, &st, 300.0);
}

static void ceil_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != 2) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void ceil_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	if (off < 0 || (uint64_t)off >= ceil_size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > CEIL_MAX_READ)
		size = CEIL_MAX_READ;
	if ((uint64_t)off + size > ceil_size)
		size = (size_t)(ceil_size - (uint64_t)off);
	fuse_reply_buf(req, (const char *)ceil_buf + (uint64_t)off % CEIL_PATTERN, size);
}

static const struct fuse_lowlevel_ops ceil_ops = {
    .init = ceil_init,
    .lookup = ceil_lookup,
    .getattr = ceil_getattr,
    .open = ceil_open,
    .read = ceil_read,
};

/* the same best-effort 1 MiB readahead the biofuse front asks for */
static void ceil_readahead(const char *dir)
{
	char real[4096], line[8192], path[128];
	FILE *fp;

	if (!realpath(dir, real))
		return;
	fp = fopen("/proc/self/mountinfo", "r");
	if (!fp)
		return;
	path[0] = 0;
	while (fgets(line, sizeof(line), fp)) {
		char mnt[4096];
		unsigned a, b;

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &a, &b, mnt) == 3 &&
		    !strcmp(mnt, real) && strstr(line, " - fuse"))
			snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", a, b);
	}
	fclose(fp);
	if (!path[0])
		return;
	fp = fopen(path, "w");
	if (fp) {
		fprintf(fp, "1024\n");
		fclose(fp);
	}
}

int main(int argc, char **argv)
{
	char opt_o[] = "-o", opts[] = "ro,fsname=ceiling,default_permissions,max_read=1048576";
	char *argv2[] = {argv[0], opt_o, opts};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv2);
	struct fuse_session *se;
	struct fuse_loop_config *lc;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MOUNT_DIR SIZE\n", argv[0]);
		return 2;
	}
	ceil_size = strtoull(argv[2], NULL, 10);
	ceil_buf = malloc(2 * CEIL_PATTERN);
	if (!ceil_buf)
		return 1;
	for (size_t i = 0; i < CEIL_PATTERN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ceil_buf[i] = (uint8_t)x;
	}
	memcpy(ceil_buf + CEIL_PATTERN, ceil_buf, CEIL_PATTERN);
	se = fuse_session_new(&args, &ceil_ops, sizeof(ceil_ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, argv[1]) != 0) {
		fuse_session_destroy(se);
		return 1;
	}
	ceil_readahead(argv[1]);
	lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 64);
	fuse_loop_cfg_set_idle_threads(lc, 8);
	rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	free(ceil_buf);
	return rc ? 1 : 0;
}
