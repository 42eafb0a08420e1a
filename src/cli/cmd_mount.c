/*
 * cmd_mount.c - `biofuse mount-plink|mount-bgen STORE DIR`: start the
 * encoder server, mount the front, clean up on the way out.
 *
 * The process the user started is the FUSE front.  The encoder server is the
 * same binary, re-executed as "__server --ipc-fd N --shm-fd M --mount-dir D";
 * its configuration (store, selection, format, reader, logging, storage
 * options) is sent to it over its socket (server/server_config.h), so the
 * user's arguments, secrets included, never reach its argv.
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "fs/front.h"
#include "fs/supervisor.h"
#include "server/server.h"
#include "util/strbuf.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * --allow-other as a user other than root needs "user_allow_other" on a
 * line of its own in /etc/fuse.conf (fusermount3 refuses the mount
 * otherwise, with a message that does not say why).
 */
static bool fuse_conf_allows_other(void)
{
	FILE *f = fopen("/etc/fuse.conf", "r");
	char line[512];
	bool ok = false;

	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		ok = !strcmp(p, "user_allow_other");
	}
	fclose(f);
	return ok;
}

/* --background: the parent returns once the child says the mount is ready. */
static int background(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		close(p[0]);
		if (n == 1)
			_exit(0);
		waitpid(pid, NULL, 0);
		_exit(1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

int cmd_mount(const struct cmd_mount_opts *o, struct server_config *sc)
{
	struct bf_strbuf body = BF_STRBUF_INIT;
	struct supervisor sup;
	struct sup_config spc;
	struct front_config fc;
	struct bf_err err;
	struct stat st;
	char rundir[4096];
	const char *tmp = getenv("TMPDIR");
	int rc = 1, ready_fd = -1;

	bf_err_clear(&err);
	if (stat(o->mount_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "Error: mount directory does not exist: %s\n", o->mount_dir);
		return 1;
	}
	if (o->allow_other && geteuid() != 0 && !fuse_conf_allows_other()) {
		fprintf(stderr, "Error: --allow-other needs a line 'user_allow_other' in "
				"/etc/fuse.conf (ask the administrator to add it), or a mount "
				"by root\n");
		return 1;
	}
	if (o->background && background(&ready_fd) < 0) {
		fprintf(stderr, "Error: cannot start in the background: %s\n", strerror(errno));
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s/biofuse-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(rundir)) {
		fprintf(stderr, "Error: cannot create a runtime directory: %s\n", strerror(errno));
		return 1;
	}
	sc->runtime_dir = rundir;
	if (server_config_encode(sc, &body, &err) < 0) {
		cmd_fail(&err);
		goto out;
	}
	memset(&spc, 0, sizeof(spc));
	spc.argv0 = o->argv0;
	spc.label = o->mount_dir;
	spc.server_config = (const uint8_t *)body.buf;
	spc.server_config_len = body.len;
	spc.n_slots = IPC_N_SLOTS;
	spc.slot_size = IPC_SLOT_SIZE;
	spc.timeout_s = o->read_timeout;
	if (sup_start(&sup, &spc, &err) < 0) {
		cmd_fail(&err);
		sup_stop(&sup);
		goto out;
	}
	memset(&fc, 0, sizeof(fc));
	fc.mount_dir = o->mount_dir;
	fc.access_log = o->access_log;
	fc.max_open = o->max_open;
	fc.open_wait_s = 30.0;
	fc.fuse_debug = o->fuse_debug;
	fc.allow_other = o->allow_other;
	fc.ready_fd = ready_fd;
	rc = front_run(&fc, &sup, &err) < 0 ? cmd_fail(&err) : 0;
	sup_stop(&sup);
out:
	bf_strbuf_release(&body);
	remove_tree(rundir);
	return rc;
}
