/*
 * commands.h - the bodies of the biofuse commands.
 *
 * Owns: what each command does once its options are parsed: inspect,
 * view-plink, view-bgen.  Each returns the process exit status (0 ok, 1 on
 * an error it has reported as "Error: ..." on stderr).
 */
#ifndef BF_CLI_COMMANDS_H
#define BF_CLI_COMMANDS_H

#include "util/bf_config.h"

#include "select/selection.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cmd_common {
	struct selection_opts sel;
	int readahead_workers;
	uint64_t readahead_buffer_size;
};

struct cmd_plink_opts {
	struct cmd_common c;
	const char *output; /* stem */
	bool no_bim, no_fam;
};

struct cmd_bgen_opts {
	struct cmd_common c;
	const char *output; /* stem, or NULL for stdout */
	bool fixed_variant_size;
	int compression_level; /* -1..9 */
	int total_string_length;
	char pad_byte;
	bool id_in_rsid;
	bool unphased;
	bool no_bgi, no_sample_file, no_header_samples;
	bool string_opts_given; /* --total-string-length or --pad-byte was given */
};

struct cmd_mount_opts {
	const char *argv0; /* the program as started (the server's argv[0]) */
	const char *mount_dir;
	const char *access_log;
	double read_timeout;
	int max_open;
	bool background;
	bool allow_other;
	bool fuse_debug;
};

/* `json`: one JSON object instead of the text summary. */
int cmd_inspect(const char *store, const struct store_config *cfg, bool json, FILE *out);
/* Summarise the access log at `path` ("-": stdin) on `out`. */
int cmd_trace_summary(const char *path, bool json, FILE *out);
/*
 * Mount: start the encoder server with configuration `sc` (sent to it over
 * its socket; runtime_dir is filled in here) and run the FUSE front.
 */
struct server_config;
int cmd_mount(const struct cmd_mount_opts *o, struct server_config *sc);
int cmd_view_plink(const struct cmd_plink_opts *o);
int cmd_view_bgen(const struct cmd_bgen_opts *o);

/* Fill BGEN encoder parameters from the options. */
struct bgen_params;
void cmd_bgen_params(const struct cmd_bgen_opts *o, struct bgen_params *p);

/* Encoder threads to use: the online CPU count. */
size_t cmd_threads(void);

/* Print "Error: <message>" on stderr; @return 1. */
int cmd_fail(const struct bf_err *err);

#endif
