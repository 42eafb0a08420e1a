/*
 * cli_msg.c - command-line messages and Click's error layouts (see cli_msg.h).
 */
#include "util/bf_config.h"

#include "cli/cli_msg.h"
#include "cli/help.h"
#include "util/pyrepr.h"

#include <stdarg.h>
#include <stdio.h>

void cli_msg_adds(struct cli_msg *m, const char *s)
{
	if (!m->oom && bf_strbuf_adds(&m->sb, s) < 0)
		m->oom = true;
}

void cli_msg_addf(struct cli_msg *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_msg_adds(m, buf);
}

void cli_msg_repr(struct cli_msg *m, const char *s)
{
	if (!m->oom && bf_pyrepr_str(&m->sb, s) < 0)
		m->oom = true;
}

const char *cli_msg_text(const struct cli_msg *m)
{
	return m->oom ? "out of memory" : (m->sb.buf ? m->sb.buf : "");
}

void cli_msg_release(struct cli_msg *m)
{
	bf_strbuf_release(&m->sb);
}

/* Click's UsageError: usage line, "Try ..." hint, blank line, "Error: ...".  @return 2. */
int cli_usage_error(enum cli_command cmd, FILE *err, struct cli_msg *m)
{
	const char *name = cli_command_name(cmd);

	cli_usage_print(cmd, err);
	fprintf(err, "Try 'biofuse%s%s --help' for help.\n\nError: %s\n", *name ? " " : "", name,
		cli_msg_text(m));
	cli_msg_release(m);
	return 2;
}

/* A ClickException from a ValueError: "Error: ..." only.  @return 1. */
int cli_value_error(FILE *err, struct cli_msg *m)
{
	fprintf(err, "Error: %s\n", cli_msg_text(m));
	cli_msg_release(m);
	return 1;
}

/* "'-m' / '--min-alleles'" */
void cli_msg_hint(struct cli_msg *m, const struct cli_opt *opt)
{
	if (opt->short_name)
		cli_msg_addf(m, "'-%c' / ", opt->short_name);
	cli_msg_addf(m, "'%s'", opt->long_name);
}

void cli_msg_invalid_for(struct cli_msg *m, const struct cli_opt *opt)
{
	cli_msg_adds(m, "Invalid value for ");
	cli_msg_hint(m, opt);
	cli_msg_adds(m, ": ");
}
