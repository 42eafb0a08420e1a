/*
 * help.c - Click-style usage lines and --help pages (see help.h).
 *
 * Layout constants follow click.formatting.HelpFormatter with an 80-column
 * terminal: total width 78, two-space indentation inside sections, a first
 * column of at most 30 characters plus two spaces of gap, wrapping at word
 * boundaries (a word longer than the line is not split).
 */
#include "util/bf_config.h"

#include "cli/help.h"
#include "cli/opt_table.h"

#include <stdbool.h>
#include <string.h>

#define HELP_WIDTH   78
#define HELP_COL_MAX 30
#define HELP_INDENT  2

static const char *const section_titles[CLI_SEC__COUNT] = {
    "Options",	      "Mount options",	 "Selection options", "Zarr store options",
    "Reader options", "Logging options",
};

const char *cli_help_section_title(int sec)
{
	return sec >= 0 && sec < CLI_SEC__COUNT ? section_titles[sec] : "";
}

static void spaces(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/*
 * Write `text` from the current position (assumed to be `indent` columns in)
 * wrapped to `width` characters of text per line; later lines are indented
 * by `indent`.  Ends with a newline.
 */
static void wrap(FILE *out, const char *text, size_t width, size_t indent)
{
	size_t col = 0, pend = 0, w;
	bool has_word = false;
	const char *p = text;

	while (*p) {
		if (*p == ' ') {
			if (has_word)
				pend++;
			p++;
			continue;
		}
		w = strcspn(p, " ");
		if (has_word && col + pend + w > width) {
			fputc('\n', out);
			spaces(out, indent);
			col = 0;
			pend = 0;
			has_word = false;
		}
		spaces(out, pend);
		col += pend;
		fwrite(p, 1, w, out);
		col += w;
		pend = 0;
		has_word = true;
		p += w;
	}
	fputc('\n', out);
}

struct dl_row {
	char first[96];
	const char *help;
	const char *extra;
};

/* click.HelpFormatter.write_dl */
static void write_dl(FILE *out, const struct dl_row *rows, size_t n)
{
	size_t i, maxw = 0, first_col, text_width;

	for (i = 0; i < n; i++) {
		if (strlen(rows[i].first) > maxw)
			maxw = strlen(rows[i].first);
	}
	first_col = (maxw < HELP_COL_MAX ? maxw : HELP_COL_MAX) + 2;
	text_width = HELP_WIDTH > first_col + 2 + 10 ? HELP_WIDTH - first_col - 2 : 10;
	for (i = 0; i < n; i++) {
		char text[1024];
		size_t fl = strlen(rows[i].first);

		spaces(out, HELP_INDENT);
		fputs(rows[i].first, out);
		if (!rows[i].help || !*rows[i].help) {
			fputc('\n', out);
			continue;
		}
		if (fl <= first_col - 2) {
			spaces(out, first_col - fl);
		} else {
			fputc('\n', out);
			spaces(out, first_col + HELP_INDENT);
		}
		if (rows[i].extra)
			snprintf(text, sizeof(text), "%s  [%s]", rows[i].help, rows[i].extra);
		else
			snprintf(text, sizeof(text), "%s", rows[i].help);
		wrap(out, text, text_width, first_col + HELP_INDENT);
	}
}

static void section(FILE *out, const char *title)
{
	fprintf(out, "\n%s:\n", title);
}

void cli_usage_print(enum cli_command cmd, FILE *out)
{
	const struct cli_cmd_info *ci = cli_cmd_lookup(cmd);

	if (!ci)
		fputs("Usage: biofuse [OPTIONS] COMMAND [ARGS]...\n", out);
	else
		fprintf(out, "Usage: biofuse %s [OPTIONS] %s\n", ci->name, ci->args_usage);
}

/* The command description, paragraph by paragraph, indented by two. */
static void write_text(FILE *out, const char *text)
{
	char para[2048];
	const char *p = text;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n >= sizeof(para))
			n = sizeof(para) - 1;
		memcpy(para, p, n);
		para[n] = '\0';
		fputc('\n', out);
		spaces(out, HELP_INDENT);
		wrap(out, para, HELP_WIDTH - 2 * HELP_INDENT, HELP_INDENT);
		if (!end)
			break;
		p = end + 2;
	}
}

static void top_help(FILE *out)
{
	struct dl_row rows[8];
	size_t i, n = 0;

	cli_usage_print(CLI_CMD_NONE, out);
	write_text(out, "biofuse: read-only FUSE filesystem views over VCF Zarr data.");
	section(out, "Options");
	snprintf(rows[0].first, sizeof(rows[0].first), "--version");
	rows[0].help = "Show the version and exit.";
	rows[0].extra = NULL;
	snprintf(rows[1].first, sizeof(rows[1].first), "--help");
	rows[1].help = "Show this message and exit.";
	rows[1].extra = NULL;
	write_dl(out, rows, 2);
	section(out, "Commands");
	for (i = 0; i < cli_cmd_table_len && n < 8; i++, n++) {
		snprintf(rows[n].first, sizeof(rows[n].first), "%s", cli_cmd_table[i].name);
		rows[n].help = cli_cmd_table[i].short_help;
		rows[n].extra = NULL;
	}
	write_dl(out, rows, n);
}

void cli_help_print(enum cli_command cmd, FILE *out)
{
	const struct cli_cmd_info *ci = cli_cmd_lookup(cmd);
	struct dl_row rows[32];
	int sec;
	size_t i, n;

	if (!ci) {
		top_help(out);
		return;
	}
	cli_usage_print(cmd, out);
	write_text(out, ci->help);
	for (sec = 0; sec < CLI_SEC__COUNT; sec++) {
		n = 0;
		for (i = 0; i < cli_opt_table_len && n < 32; i++) {
			const struct cli_opt *o = &cli_opt_table[i];

			if (!(o->cmds & CLI_M(cmd)) || o->hidden || (int)o->section != sec)
				continue;
			if (o->short_name)
				snprintf(rows[n].first, sizeof(rows[n].first), "-%c, %s%s%s",
					 o->short_name, o->long_name, o->metavar ? " " : "",
					 o->metavar ? o->metavar : "");
			else
				snprintf(rows[n].first, sizeof(rows[n].first), "%s%s%s",
					 o->long_name, o->metavar ? " " : "",
					 o->metavar ? o->metavar : "");
			rows[n].help = o->help;
			rows[n].extra = (o->required & CLI_M(cmd)) ? "required" : o->extra;
			n++;
		}
		if (n == 0)
			continue;
		section(out, section_titles[sec]);
		write_dl(out, rows, n);
	}
}
