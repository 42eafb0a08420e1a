/*
 * help.h - Click-style usage lines and --help pages.
 *
 * Owns the layout of help text: the usage line, the command description,
 * then one section per option group ("Options", "Mount options", "Selection
 * options", "Zarr store options", "Reader options", "Logging options"), each
 * a two-column list whose first column is at most 30 characters wide and
 * whose text wraps at 78 columns, like Click's HelpFormatter.  The top-level
 * page lists the commands.  Writes only to the stream it is given.
 */
#ifndef BF_CLI_HELP_H
#define BF_CLI_HELP_H

#include "util/bf_config.h"

#include "cli/options.h"

#include <stdio.h>

/* "Usage: biofuse view-plink [OPTIONS] PATH\n" (CLI_CMD_NONE: the group's). */
void cli_usage_print(enum cli_command cmd, FILE *out);

/* The title of help section `sec` (enum cli_section): "Selection options". */
const char *cli_help_section_title(int sec);

/* The full --help page of `cmd` (CLI_CMD_NONE: the top-level page). */
void cli_help_print(enum cli_command cmd, FILE *out);

#endif
