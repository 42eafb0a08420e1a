/*
 * cli_msg.h - messages of the command line and the two ways they end.
 *
 * Owns: a message under construction (an allocation failure is sticky and
 * turns the text into "out of memory"), the pieces Click's messages are made
 * of (an option's "'-m' / '--min-alleles'" hint, "Invalid value for ...: ",
 * Python reprs of values), and the two endings: a usage error (usage line,
 * "Try ..." hint, blank line, "Error: ...", exit status 2) and a value error
 * ("Error: ..." only, exit status 1).  Writes only to the stream it is given.
 */
#ifndef BF_CLI_CLI_MSG_H
#define BF_CLI_CLI_MSG_H

#include "util/bf_config.h"

#include "cli/opt_table.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stdio.h>

struct cli_msg {
	struct bf_strbuf sb;
	bool oom; /* an append failed: the text is "out of memory" */
};

#define CLI_MSG_INIT                                                                               \
	{                                                                                          \
		BF_STRBUF_INIT, false                                                              \
	}

void cli_msg_adds(struct cli_msg *m, const char *s);
void cli_msg_addf(struct cli_msg *m, const char *fmt, ...) BF_PRINTF(2, 3);
/* Python's repr() of the string s. */
void cli_msg_repr(struct cli_msg *m, const char *s);
/* The text so far ("" when empty, "out of memory" after a failed append). */
const char *cli_msg_text(const struct cli_msg *m);
void cli_msg_release(struct cli_msg *m);

/* "'-m' / '--min-alleles'" (or "'--basename'" without a short name). */
void cli_msg_hint(struct cli_msg *m, const struct cli_opt *opt);
/* "Invalid value for '-m' / '--min-alleles': " */
void cli_msg_invalid_for(struct cli_msg *m, const struct cli_opt *opt);

/* Click's UsageError on `err` for `cmd`; releases m.  @return 2. */
int cli_usage_error(enum cli_command cmd, FILE *err, struct cli_msg *m);
/* A ClickException from a ValueError: "Error: <m>" on `err`; releases m.  @return 1. */
int cli_value_error(FILE *err, struct cli_msg *m);

#endif
