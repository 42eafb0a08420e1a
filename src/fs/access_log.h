/*
 * access_log.h - the JSONL access trace of a mount (--access-log PATH).
 *
 * Owns: the log file, opened in append mode; one line per event with the
 * fields path, fh, offset, size, t_start, t_end, kind, in that order, in
 * Python json.dumps' default format; times are CLOCK_MONOTONIC seconds
 * (spec/reference-biofuse.md §4).  Thread-safe (one lock around each line).
 */
#ifndef BF_FS_ACCESS_LOG_H
#define BF_FS_ACCESS_LOG_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdint.h>

struct access_log;

/* @return the log, or NULL with err set. */
struct access_log *access_log_open(const char *path, struct bf_err *err);
void access_log_close(struct access_log *l);
/* Record one event; NULL log is a no-op. */
void access_log_add(struct access_log *l, const char *path, uint64_t fh, uint64_t offset,
		    uint64_t size, double t_start, double t_end, const char *kind);

#endif
