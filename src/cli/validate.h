/*
 * validate.h - phase 3 of parsing: the checks the reference tool makes in
 * its command body, in its order, before any store is opened.
 *
 * Owns: mutually exclusive selection options (spec/selection.md section 1.6
 * first), MOUNT_DIR and the default --basename, the backend name, reader and
 * allele-count bounds, -v/-V type lists, BGEN option combinations and the
 * effective BGEN compression level, and splitting --storage-option KEY=VALUE.
 * Errors print "Error: <message>" and give exit status 1 (the one BadParameter
 * raised outside Click's parsing, a --storage-option without '=', gives 2).
 */
#ifndef BF_CLI_VALIDATE_H
#define BF_CLI_VALIDATE_H

#include "util/bf_config.h"

#include "cli/options.h"

#include <stddef.h>
#include <stdio.h>

/* What the parser saw that the checks need beyond struct cli_options. */
struct cli_given {
	const char *zarr_alias;		    /* last --zarr-backend-storage value, or NULL */
	const char *const *storage_options; /* --storage-option values, in order */
	size_t n_storage_options;
};

/* @return 0, or the exit status (1 or 2) after printing the error on `err`. */
int cli_validate(struct cli_options *o, const struct cli_given *g, FILE *err);

#endif
