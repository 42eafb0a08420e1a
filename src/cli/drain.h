/*
 * drain.h - a whole encoded stream into a file descriptor.
 *
 * Owns: choosing between positional writes straight from the encoder threads
 * (a regular file not opened for appending, /dev/null: no chunk waits for an
 * earlier one) and writes in order (pipes, terminals, appending files), and
 * the progress line while it runs.
 */
#ifndef BF_CLI_DRAIN_H
#define BF_CLI_DRAIN_H

#include "util/bf_config.h"

#include "util/err.h"

struct stream;

/* Copy a whole stream into `fd` (named `name` in messages), with progress. */
int drain_stream(struct stream *st, int fd, const char *name, struct bf_err *err) BF_MUST_CHECK;

#endif
