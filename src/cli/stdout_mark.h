/*
 * stdout_mark.h - taking back what a failed run wrote to stdout.
 *
 * Owns: classifying an output descriptor (regular file, /dev/null, or a
 * stream that cannot be taken back), remembering where a run began, and
 * cutting a regular file back to that mark after a failure.
 */
#ifndef BF_CLI_STDOUT_MARK_H
#define BF_CLI_STDOUT_MARK_H

#include "util/bf_config.h"

#include <sys/types.h>

/*
 * What a failed run can take back of what it wrote to stdout.  A regular
 * file is cut back to where the run started; /dev/null shows nothing; from
 * a pipe, socket or terminal nothing can be taken back, so a caller that may
 * fail mid-stream checks everything first (view-bgen's pre-pass).
 */
enum stdout_kind { STDOUT_FILE, STDOUT_NULL, STDOUT_STREAM };

struct stdout_mark {
	enum stdout_kind kind;
	off_t start; /* STDOUT_FILE: the size to cut back to */
};

void stdout_mark(int fd, struct stdout_mark *m);
/* After a failure: truncate a regular file back to its mark. */
void stdout_rewind(int fd, const struct stdout_mark *m);

#endif
