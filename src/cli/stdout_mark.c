/*
 * stdout_mark.c - what a failed run can take back of stdout (see stdout_mark.h).
 */
#include "util/bf_config.h"

#include "cli/stdout_mark.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
