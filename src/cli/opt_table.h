/*
 * opt_table.h - the one table of biofuse's commands and options.
 *
 * Owns: every option's names, value kind, help section, the commands that
 * take (or require) it, its metavar and help line, and every command's name,
 * positionals and help text.  Parsing (options.c), --help (help.c) and
 * anything generated from the command line (man page, shell completion)
 * read these tables; nothing else lists options.
 *
 * One row per option and command family; a row's `cmds` mask says which
 * commands take it.  Row order is Click's declaration order: it decides the
 * order of rows inside each help section and the order in which missing
 * required options are reported.
 *
 * To add an option: an id in enum cli_opt_id, a row in cli_opt_table
 * (opt_table.c), a field in struct cli_options (options.h), and its case in
 * options.c's convert_option (the compiler lists the missing case).
 */
#ifndef BF_CLI_OPT_TABLE_H
#define BF_CLI_OPT_TABLE_H

#include "util/bf_config.h"

#include "cli/options.h"

#include <stdbool.h>
#include <stddef.h>

/* Help sections, in rendering order. */
enum cli_section {
	CLI_SEC_OPTIONS = 0,
	CLI_SEC_MOUNT,
	CLI_SEC_SELECTION,
	CLI_SEC_STORE,
	CLI_SEC_READER,
	CLI_SEC_LOG,
	CLI_SEC__COUNT,
};

enum cli_opt_kind {
	CLI_K_FLAG,	 /* no value */
	CLI_K_HELP,	 /* --help: flag, eager */
	CLI_K_STR,	 /* TEXT / FILE */
	CLI_K_INT,	 /* Python int() */
	CLI_K_INT_RANGE, /* int with [lo, hi] (hi = INT64_MAX for "x>=lo") */
	CLI_K_FLOAT,	 /* Python float(), > 0 */
	CLI_K_CHOICE,	 /* one of `choices` */
	CLI_K_SIZE,	 /* bf_size_parse */
	CLI_K_MULTI,	 /* repeatable TEXT, every value kept */
};

/* What an option row sets (two rows may share an id: --output). */
enum cli_opt_id {
	OPT_HELP,
	OPT_OUTPUT,
	OPT_COMPRESSION_LEVEL,
	OPT_FIXED_VARIANT_SIZE,
	OPT_NO_BIM,
	OPT_NO_FAM,
	OPT_NO_BGI,
	OPT_NO_SAMPLE_FILE,
	OPT_NO_HEADER_SAMPLES,
	OPT_UNPHASED,
	OPT_PAD_BYTE,
	OPT_TOTAL_STRING_LENGTH,
	OPT_VARIANT_ID_FIELD,
	OPT_BASENAME,
	OPT_ACCESS_LOG,
	OPT_READ_TIMEOUT,
	OPT_MAX_OPEN,
	OPT_BACKGROUND,
	OPT_FOREGROUND,
	OPT_DEBUG,
	OPT_REGIONS,
	OPT_REGIONS_FILE,
	OPT_TARGETS,
	OPT_TARGETS_FILE,
	OPT_REGIONS_OVERLAP,
	OPT_TARGETS_OVERLAP,
	OPT_SAMPLES,
	OPT_SAMPLES_FILE,
	OPT_FORCE_SAMPLES,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_TYPES,
	OPT_EXCLUDE_TYPES,
	OPT_MIN_ALLELES,
	OPT_MAX_ALLELES,
	OPT_BACKEND_STORAGE,
	OPT_ZARR_BACKEND_STORAGE,
	OPT_STORAGE_OPTION,
	OPT_READAHEAD_WORKERS,
	OPT_READAHEAD_BUFFER_SIZE,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_JSON,
	OPT_ALLOW_OTHER,
};

/* Upper bound of cli_opt_table_len, for fixed-size per-option arrays. */
#define CLI_OPT_TABLE_MAX 96

#define CLI_M(cmd) (1u << (unsigned)(cmd))

struct cli_opt {
	enum cli_opt_id id;	/* what the option sets */
	char short_name;	/* 0 when none */
	const char *long_name;	/* "--output" */
	enum cli_opt_kind kind; /* how the value is read */
	enum cli_section section;
	unsigned cmds;		    /* CLI_M() mask of the commands that take it */
	unsigned required;	    /* CLI_M() mask of the commands that require it */
	bool hidden;		    /* parsed, but left out of --help */
	int64_t lo, hi;		    /* CLI_K_INT_RANGE bounds */
	const char *metavar;	    /* "TEXT", "INTEGER", ... (NULL for flags) */
	const char *extra;	    /* text inside the trailing "  [...]" of help, or NULL */
	const char *help;	    /* one-line description */
	const char *const *choices; /* CLI_K_CHOICE, NULL-terminated */
};

struct cli_cmd_info {
	enum cli_command cmd;
	const char *name;	/* "view-plink" */
	const char *args_usage; /* "PATH" or "VCZ_URL MOUNT_DIR" */
	const char *short_help; /* one line for the top-level command list */
	const char *help;	/* paragraphs separated by "\n\n" */
};

extern const struct cli_opt cli_opt_table[];
extern const size_t cli_opt_table_len;
extern const struct cli_cmd_info cli_cmd_table[];
extern const size_t cli_cmd_table_len;

/* The command's table entry, or NULL for CLI_CMD_NONE / unknown. */
const struct cli_cmd_info *cli_cmd_lookup(enum cli_command cmd);

#endif
