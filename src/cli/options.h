/*
 * options.h - the command-line surface of biofuse: commands, options,
 * parsing, usage errors and up-front validation.
 *
 * Owns: the option tables (which command takes which option, in which help
 * section) and struct cli_options, the parsed result that the command
 * implementations read.  Parsing follows Click, the reference tool's CLI
 * library, so that scripts and error texts carry over:
 *   - `--opt value`, `--opt=value`, `-o value`, `-ovalue`, clustered short
 *     flags; options and positionals interleave; `--` ends the options;
 *   - a single-valued option given twice keeps the last value;
 *   - `--help` (stdout, exit 0) wins over everything except a parse error;
 *   - usage errors print Click's four lines to the error stream and give
 *     exit status 2:
 *         Usage: biofuse view-plink [OPTIONS] PATH
 *         Try 'biofuse view-plink --help' for help.
 *         <blank>
 *         Error: <message>
 *   - value errors that the reference raises as ValueError inside the command
 *     (mutually exclusive options, -m/-M < 1, bad -v/-V lists, bad backend,
 *     BGEN option combinations, ...) print "Error: <message>" and give exit
 *     status 1.  They are checked here, before any store is opened, in the
 *     reference's order (spec/selection.md section 1.6 first).
 *
 * Strings in struct cli_options point into argv (valid for the life of the
 * process) unless said otherwise.  Not thread-safe; call from main only.
 */
#ifndef BF_CLI_OPTIONS_H
#define BF_CLI_OPTIONS_H

#include "util/bf_config.h"

#include "util/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_command {
	CLI_CMD_NONE = 0, /* no command ran (top-level --help / --version, or an error) */
	CLI_CMD_INSPECT,
	CLI_CMD_VIEW_PLINK,
	CLI_CMD_VIEW_BGEN,
	CLI_CMD_MOUNT_PLINK,
	CLI_CMD_MOUNT_BGEN,
	CLI_CMD_TRACE_SUMMARY,
	CLI_CMD_SERVER, /* reserved for the internal encoder-server subcommand; not parsed here */
};

/* --backend-storage (or the hidden, deprecated --zarr-backend-storage). */
enum cli_backend {
	CLI_BACKEND_NONE = 0, /* omitted: local directory or .zip only */
	CLI_BACKEND_FSSPEC,
	CLI_BACKEND_OBSTORE,
	CLI_BACKEND_ICECHUNK,
};

/* --variant-id-field: which BGEN string slot carries variant_id. */
enum cli_variant_id_field {
	CLI_VARIANT_ID_RSID = 0, /* default */
	CLI_VARIANT_ID_VARID,
};

/* One --storage-option KEY=VALUE, split at the first '='.  Both strings owned. */
struct cli_kv {
	char *key;
	char *value; /* raw text; the command JSON-decodes it when it can */
};

#define CLI_DEFAULT_READAHEAD_WORKERS	  32
#define CLI_DEFAULT_READAHEAD_BUFFER_SIZE ((uint64_t)256 << 20)
#define CLI_DEFAULT_READ_TIMEOUT	  30.0
#define CLI_DEFAULT_MAX_OPEN		  0
#define CLI_DEFAULT_TOTAL_STRING_LENGTH	  64
#define CLI_DEFAULT_PAD_BYTE		  '.'

struct cli_options {
	enum cli_command cmd;
	bool show_help;	   /* help was printed: exit 0 without running anything */
	bool show_version; /* "biofuse, version X" was printed: exit 0 */

	/* Positionals. */
	const char *store;     /* PATH / VCZ_URL; trace-summary: ACCESS_LOG */
	const char *mount_dir; /* MOUNT_DIR (mount-* only) */

	/* view-plink / view-bgen: -o STEM (NULL for view-bgen = .bgen to stdout). */
	const char *output;

	/* inspect / trace-summary: --json (one JSON object instead of the text summary). */
	bool json;

	/* PLINK. */
	bool no_bim, no_fam;

	/* BGEN.  mount-bgen always has fixed_variant_size = true, level 0. */
	bool fixed_variant_size;
	int compression_level;	    /* effective: given, else 0 if fixed, else 1 */
	bool compression_level_set; /* --compression-level was given */
	bool no_bgi, no_sample_file, no_header_samples, unphased;
	int64_t total_string_length; /* effective (default 64); 5..65535 once validated */
	bool total_string_length_set;
	char pad_byte; /* effective (default '.'); one ASCII character */
	bool pad_byte_set;
	enum cli_variant_id_field variant_id_field;

	/* Selection (spec/selection.md).  NULL = not given; "" is a given value. */
	const char *regions, *regions_file, *targets, *targets_file;
	int regions_overlap, targets_overlap; /* 0 unset, else 1 + bcftools' 0/1/2 */
	const char *samples, *samples_file;
	bool force_samples;
	const char *include, *exclude;
	const char *types, *exclude_types;
	int64_t min_alleles, max_alleles; /* >= 1 once validated */
	bool min_alleles_set, max_alleles_set;

	/* Zarr store. */
	enum cli_backend backend;
	const char *backend_name;	/* the text given, NULL when omitted */
	bool zarr_backend_alias_used;	/* the deprecated alias supplied it: warn */
	struct cli_kv *storage_options; /* owned array, in command-line order */
	size_t n_storage_options;

	/* Reader. */
	int64_t readahead_workers;	/* default 32; >= 1 once validated */
	uint64_t readahead_buffer_size; /* bytes, default 256 MiB; 0 allowed */

	/* Logging. */
	enum bf_log_level log_level; /* BF_LOG_WARNING, BF_LOG_INFO or BF_LOG_DEBUG */
	const char *log_file;	     /* NULL = stderr */

	/* Mount (mount-* only). */
	const char *basename;	/* always set for mounts: --basename or the default */
	char *basename_owned;	/* the computed default, when it is the one in use */
	const char *access_log; /* NULL = none */
	double read_timeout;	/* seconds, > 0, default 30 */
	int max_open;		/* 0 (default): no limit */
	bool background;	/* --background: detach once mounted */
	bool allow_other;	/* --allow-other: other users may read the mount */
	bool fuse_debug;	/* hidden -d/--debug: libfuse debug output */
};

/*
 * Parse and validate a whole command line (argv[0] is the program and is not
 * read; messages always say "biofuse").  Fills `out` (which need not be
 * initialised; release it with cli_options_release in every case).
 *
 * Help and "--version" go to `out_stream`; usage errors and "Error: ..."
 * messages go to `err_stream`.  Also checks MOUNT_DIR: a regular file is a
 * usage error (2), a missing path is "Error: mount directory does not exist:
 * DIR" (1), as in the reference.
 *
 * @return the exit status to use when not 0: 2 after a usage error, 1 after a
 *         value error (both already printed).  0 means either "run out->cmd"
 *         or, when out->show_help or out->show_version is set, "exit 0" (the
 *         text is already printed).
 */
int cli_parse(int argc, char **argv, struct cli_options *out, FILE *out_stream, FILE *err_stream);

/* Free what cli_parse allocated.  NULL allowed; safe to call twice. */
void cli_options_release(struct cli_options *o);

/* True when cli_parse returned 0 and a command should run. */
bool cli_should_run(const struct cli_options *o);

/*
 * The default --basename for a store path or URL: its last path component
 * (trailing '/' ignored) with every suffix stripped repeatedly, following
 * Python's pathlib: "sample.vcz" -> "sample", "x.vcz.zip" -> "x",
 * "chr1.v2.vcz" -> "chr1", "s3://b/x.vcz" -> "x", ".hidden" -> ".hidden".
 * "/" or "" give "".
 * @return a bf_malloc'd string (free with bf_free), or NULL when out of memory.
 */
char *cli_default_basename(const char *store);

/* The command's name as typed ("view-plink"), or "" for CLI_CMD_NONE. */
const char *cli_command_name(enum cli_command cmd);

#endif
