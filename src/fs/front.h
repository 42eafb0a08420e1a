/*
 * front.h - the FUSE front: the read-only directory the user mounts.
 *
 * Owns: the libfuse low-level session, the inode table (root 1, files 2, 3,
 * ... in sorted-name order), the handlers (lookup, getattr, readdir, open,
 * read, release, statfs), the limit on concurrently open streaming handles,
 * and the access log.  Sidecar files are served with pread from the runtime
 * directory; streaming reads go to the encoder server through the
 * supervisor.  It parses no store bytes and holds no large buffers, so no
 * input can crash it.  Every handler ends in exactly one fuse_reply_*.
 */
#ifndef BF_FS_FRONT_H
#define BF_FS_FRONT_H

#include "util/bf_config.h"

#include "fs/supervisor.h"
#include "util/err.h"

#include <stdbool.h>

struct front_config {
	const char *mount_dir;
	const char *access_log; /* NULL: none */
	int max_open;		/* concurrently open streaming handles; 0: no limit */
	double open_wait_s;	/* how long an open waits for a handle (then EAGAIN) */
	bool fuse_debug;
	bool allow_other; /* mount with allow_other (checked against fuse.conf by the caller) */
	int ready_fd;	  /* >= 0: write one byte here once mounted (--background) */
};

/*
 * Mount, serve until unmounted or signalled (SIGINT, SIGTERM, SIGHUP), then
 * unmount.  `sup` must be started.  @return 0, or a negative code with err set
 * when the mount could not be set up.
 */
int front_run(const struct front_config *c, struct supervisor *sup,
	      struct bf_err *err) BF_MUST_CHECK;

#endif
