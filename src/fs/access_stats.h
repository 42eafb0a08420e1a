/*
 * access_stats.h - what an access log (--access-log, see access_log.h) says
 * about how a consumer read the mount.
 *
 * Owns: parsing a JSONL access log and reducing it to per-file figures:
 * opens, reads, bytes read, a read-size histogram, the fraction of
 * sequential reads, re-read bytes and read-latency percentiles.  Knows
 * nothing about terminals or output formats (cli/cmd_trace_summary.c renders
 * them).  Definitions, so that a reader of the numbers can check them:
 *   - a read is a record of kind "read"; its latency is t_end - t_start;
 *   - a read is sequential when it starts where the previous read of the
 *     same handle (path, fh), in order of t_start, ended; the fraction is
 *     over the reads that have a previous read on their handle;
 *   - unique bytes are the bytes of the union of all read intervals of the
 *     file; re-read bytes = bytes read - unique bytes (what came back through
 *     FUSE after the page cache dropped it, or was read twice by two handles);
 *   - percentiles use the nearest rank: pq is the ceil(q * n)-th smallest;
 *   - histogram bucket k counts reads of at most 512 << k bytes (k <
 *     ACCESS_HIST_BUCKETS - 1); the last bucket counts everything larger.
 * Not thread-safe (one caller).
 */
#ifndef BF_FS_ACCESS_STATS_H
#define BF_FS_ACCESS_STATS_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ACCESS_HIST_BUCKETS 13 /* <=512 B, <=1K, ..., <=1M, >1M */

struct access_file_stats {
	char *path;		   /* file name within the mount, owned */
	uint64_t opens;		   /* records of kind "open" */
	uint64_t handles;	   /* distinct fh values that read */
	uint64_t reads;		   /* records of kind "read" */
	uint64_t bytes_read;	   /* sum of their sizes */
	uint64_t unique_bytes;	   /* bytes of the union of the read intervals */
	uint64_t reread_bytes;	   /* bytes_read - unique_bytes */
	uint64_t seq_reads;	   /* reads starting where their handle's previous read ended */
	uint64_t seq_base;	   /* reads that have a previous read on their handle */
	uint64_t max_end;	   /* largest offset + size read */
	uint64_t limiter_waits;	   /* "limiter_wait" records (one per streaming open) */
	uint64_t limiter_timeouts; /* "limiter_timeout" records (open failed with EAGAIN) */
	double limiter_wait_max;   /* longest limiter_wait, seconds */
	uint64_t hist[ACCESS_HIST_BUCKETS];
	double lat_p50, lat_p90, lat_p99, lat_max; /* seconds; 0 without reads */
	double lat_mean;
};

struct access_stats {
	uint64_t records;	/* lines read */
	double t_first, t_last; /* smallest t_start, largest t_end (0 when empty) */
	double lat_max;		/* largest read latency of any file */
	size_t n_files;
	struct access_file_stats *files; /* sorted by path */
};

/*
 * Read a whole access log from `f` and fill `out` (need not be initialised;
 * release it with access_stats_release in every case).  `name` is used in
 * messages.  Blank lines are skipped.
 * @return 0, or BF_E_FORMAT naming the line when a line is not a JSON object
 *         with the log's fields, BF_E_IO, BF_E_NOMEM.
 */
int access_stats_read(FILE *f, const char *name, struct access_stats *out,
		      struct bf_err *err) BF_MUST_CHECK;

void access_stats_release(struct access_stats *s);

/* Upper bound in bytes of histogram bucket `k` (0 for the last, unbounded one). */
uint64_t access_stats_bucket_limit(int k);

#endif
