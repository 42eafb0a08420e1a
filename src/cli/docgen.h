/*
 * docgen.h - the biofuse(1) man page and the bash completion script,
 * generated from the option tables (opt_table.h).
 *
 * Owns: rendering the same commands and options that --help shows (hidden
 * rows left out) as roff and as a bash completion function, so the three can
 * never disagree.  The build runs the internal commands `biofuse __man` and
 * `biofuse __bash-completion` (main.c) to write build/biofuse.1 and
 * build/biofuse.bash; `make install` installs them.  Writes only to the
 * stream it is given.
 */
#ifndef BF_CLI_DOCGEN_H
#define BF_CLI_DOCGEN_H

#include "util/bf_config.h"

#include <stdio.h>

/* The man page, in roff (man macros). */
void cli_man_print(FILE *out);

/* A bash completion script defining _biofuse and `complete -F _biofuse biofuse`. */
void cli_bash_completion_print(FILE *out);

#endif
