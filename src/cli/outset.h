/*
 * outset.h - output files that appear whole or not at all.
 *
 * Owns: a set of output files written under temporary names next to their
 * final names and renamed into place only when every one of them is
 * complete; on failure the temporaries are removed, so an error never leaves
 * a partial .bed or .bgen behind (the reference tool did).  Also the output
 * paths themselves ("<stem><ext>").
 *
 * A final path that is a FIFO or a character device, or a symlink to one
 * (`mkfifo x.bed` for a reader downstream, `ln -s /dev/null x.bed` to throw
 * the .bed away), is written in place instead: renaming over it would put a
 * regular file where the FIFO or symlink was.  Opening a FIFO waits for its
 * reader, and what reached a FIFO or device cannot be taken back on failure.
 */
#ifndef BF_CLI_OUTSET_H
#define BF_CLI_OUTSET_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stddef.h>

#define OUTSET_MAX 4

/* How an entry reaches its final path. */
enum outset_way {
	OUTSET_RENAME, /* a temporary, renamed over the final path at commit */
	OUTSET_DIRECT, /* the final path (FIFO or device) is open itself; no temporary */
	OUTSET_COPY,   /* a temporary written by name, copied into the FIFO or device at commit */
};

struct outset {
	size_t n;
	char *final[OUTSET_MAX];
	char *tmp[OUTSET_MAX]; /* the temporary; NULL for OUTSET_DIRECT */
	int fd[OUTSET_MAX];    /* open for writing; -1 for outset_add_named entries */
	enum outset_way way[OUTSET_MAX];
};

void outset_init(struct outset *o);
/*
 * Open `path` for writing through fd[i]: a new temporary, or, for a FIFO or
 * character device, the path itself.  @return the index, or a negative code.
 */
int outset_add(struct outset *o, const char *path, struct bf_err *err) BF_MUST_CHECK;
/*
 * For a file another library writes by name (SQLite's .bgen.bgi, which needs
 * a seekable file): always a temporary, tmp[i], created and closed.  If
 * `path` is a FIFO or device, commit copies the temporary into it.
 */
int outset_add_named(struct outset *o, const char *path, struct bf_err *err) BF_MUST_CHECK;
/* Close every file, copy into FIFOs and devices, rename each temporary. */
int outset_commit(struct outset *o, struct bf_err *err) BF_MUST_CHECK;
/* Close and unlink the temporaries (after a failure); frees everything. */
void outset_abort(struct outset *o);

/* "<stem><ext>" from bf_malloc, or NULL. */
char *outset_path(const char *stem, const char *ext);

#endif
