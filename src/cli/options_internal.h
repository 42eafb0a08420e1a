/*
 * options_internal.h - the option and command tables shared by options.c
 * (parsing) and help.c (rendering).  Private to src/cli.
 *
 * One row per option and command family; a row's `cmds` mask says which
 * commands take it.  Row order is Click's declaration order: it decides the
 * order of rows inside each help section and the order in which missing
 * required options are reported.
 */
#ifndef BF_CLI_OPTIONS_INTERNAL_H
#define BF_CLI_OPTIONS_INTERNAL_H

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

#define CLI_M(cmd) (1u << (unsigned)(cmd))

struct cli_opt {
	int id;			/* enum cli_opt_id in options.c */
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
