/*
 * options.c - argv parsing: phases 1 and 2 (see options.h).
 *
 * Parsing runs in three phases, mirroring Click:
 *   1. scan argv: match options, collect positionals; errors here ("No such
 *      option", "requires an argument") are reported in argv order;
 *   2. process parameters: --help first, then every option that was given,
 *      in order of first appearance (each keeps its last value), then the
 *      positionals, then missing required options, then extra positionals;
 *      conversion errors are usage errors (exit 2);
 *   3. validate the combination the way the reference's command body does
 *      (exit 1), before any store is opened: validate.c.
 * The options themselves are listed once, in opt_table.c.
 */
#include "util/bf_config.h"

#include "cli/options.h"
#include "cli/cli_msg.h"
#include "cli/help.h"
#include "cli/opt_table.h"
#include "cli/suggest.h"
#include "cli/validate.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/pyparse.h"
#include "util/pyrepr.h"
#include "util/size_parse.h"
#include "util/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Click's NoSuchOption for a long option: difflib.get_close_matches(word,
 * long options, n=3, cutoff=0.6), shown sorted.
 */
static void m_no_such_option(struct cli_msg *m, const char *word, const char *const *names,
			     size_t n)
{
	const char *best[3] = {NULL, NULL, NULL};
	size_t i, nb;

	cli_msg_adds(m, "No such option: ");
	cli_msg_adds(m, word);
	if (word[0] != '-' || word[1] != '-')
		return;
	nb = cli_suggest(word, names, n, best);
	if (nb == 0)
		return;
	if (nb == 1) {
		cli_msg_adds(m, " Did you mean ");
		cli_msg_adds(m, best[0]);
		cli_msg_adds(m, "?");
		return;
	}
	cli_msg_adds(m, " (Possible options: ");
	for (i = 0; i < nb; i++) {
		if (i)
			cli_msg_adds(m, ", ");
		cli_msg_adds(m, best[i]);
	}
	cli_msg_adds(m, ")");
}

/* ----------------------------------------------------------------- parsing */

struct occ {
	int first;	  /* order of the first appearance, -1 when absent */
	const char *last; /* last value (flags: the option text) */
};

struct pstate {
	enum cli_command cmd;
	FILE *out, *err;
	struct occ occ[CLI_OPT_TABLE_MAX];
	const char **multi; /* --storage-option values, in order */
	size_t n_multi;
	const char **pos; /* positionals */
	size_t n_pos;
	int order;
};

static bool takes_value(const struct cli_opt *opt)
{
	return opt->kind != CLI_K_FLAG && opt->kind != CLI_K_HELP;
}

static const struct cli_opt *find_long(enum cli_command cmd, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cli_opt_table_len; i++) {
		const struct cli_opt *o = &cli_opt_table[i];

		if ((o->cmds & CLI_M(cmd)) && strlen(o->long_name) == len &&
		    !memcmp(o->long_name, name, len))
			return o;
	}
	return NULL;
}

static const struct cli_opt *find_short(enum cli_command cmd, char c)
{
	size_t i;

	for (i = 0; i < cli_opt_table_len; i++) {
		const struct cli_opt *o = &cli_opt_table[i];

		if ((o->cmds & CLI_M(cmd)) && o->short_name == c)
			return o;
	}
	return NULL;
}

static void record(struct pstate *ps, const struct cli_opt *opt, const char *value)
{
	struct occ *oc = &ps->occ[opt - cli_opt_table];

	if (oc->first < 0)
		oc->first = ps->order++;
	oc->last = value;
	if (opt->kind == CLI_K_MULTI)
		ps->multi[ps->n_multi++] = value;
}

static int no_such_long(struct pstate *ps, const char *name, size_t len)
{
	const char *names[CLI_OPT_TABLE_MAX];
	struct cli_msg m = CLI_MSG_INIT;
	size_t i, n = 0;
	char *word = bf_strndup(name, len);

	if (!word) {
		m.oom = true;
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	for (i = 0; i < cli_opt_table_len; i++) {
		if (cli_opt_table[i].cmds & CLI_M(ps->cmd))
			names[n++] = cli_opt_table[i].long_name;
	}
	m_no_such_option(&m, word, names, n);
	bf_free(word);
	return cli_usage_error(ps->cmd, ps->err, &m);
}

static int requires_argument(struct pstate *ps, const char *name, size_t len)
{
	struct cli_msg m = CLI_MSG_INIT;

	cli_msg_adds(&m, "Option '");
	cli_msg_addf(&m, "%.*s", (int)len, name);
	cli_msg_adds(&m, "' requires an argument.");
	return cli_usage_error(ps->cmd, ps->err, &m);
}

/* Phase 1: scan argv[0..argc) of the subcommand. */
static int scan_args(struct pstate *ps, int argc, char **argv)
{
	bool only_pos = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const struct cli_opt *opt;
		const char *eq;
		size_t nlen, j;

		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			ps->pos[ps->n_pos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		opt = arg[1] == '-' ? find_long(ps->cmd, arg, nlen) : NULL;
		if (opt) {
			if (!takes_value(opt)) {
				if (eq) {
					struct cli_msg m = CLI_MSG_INIT;

					cli_msg_addf(&m, "Option '%s' does not take a value.",
						     opt->long_name);
					return cli_usage_error(ps->cmd, ps->err, &m);
				}
				record(ps, opt, arg);
			} else if (eq) {
				record(ps, opt, eq + 1);
			} else if (i + 1 < argc) {
				record(ps, opt, argv[++i]);
			} else {
				return requires_argument(ps, arg, nlen);
			}
			continue;
		}
		if (arg[1] == '-')
			return no_such_long(ps, arg, nlen);
		/* a cluster of short options: "-fd", "-ofoo", "-o" "foo" */
		for (j = 1; arg[j]; j++) {
			opt = find_short(ps->cmd, arg[j]);
			if (!opt) {
				struct cli_msg m = CLI_MSG_INIT;
				char name[3] = {'-', arg[j], '\0'};

				cli_msg_adds(&m, "No such option: ");
				cli_msg_adds(&m, name);
				return cli_usage_error(ps->cmd, ps->err, &m);
			}
			if (!takes_value(opt)) {
				record(ps, opt, arg);
				continue;
			}
			if (arg[j + 1]) {
				record(ps, opt, arg + j + 1);
			} else if (i + 1 < argc) {
				record(ps, opt, argv[++i]);
			} else {
				char name[3] = {'-', arg[j], '\0'};

				return requires_argument(ps, name, 2);
			}
			break;
		}
	}
	return 0;
}

/* Click's Path(dir_okay=False[, writable=True]) check on an existing path. */
static int check_file_path(struct pstate *ps, const struct cli_opt *opt, const char *path,
			   bool writable)
{
	struct cli_msg m = CLI_MSG_INIT;
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		cli_msg_invalid_for(&m, opt);
		cli_msg_adds(&m, "File ");
		cli_msg_repr(&m, path);
		cli_msg_adds(&m, " is a directory.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	if (writable && access(path, W_OK) != 0) {
		cli_msg_invalid_for(&m, opt);
		cli_msg_adds(&m, "File ");
		cli_msg_repr(&m, path);
		cli_msg_adds(&m, " is not writable.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

static int convert_int(struct pstate *ps, const struct cli_opt *opt, const char *v, int64_t *out)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (!bf_py_int(v, out)) {
		cli_msg_invalid_for(&m, opt);
		cli_msg_repr(&m, v);
		cli_msg_adds(&m, " is not a valid integer.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	if (opt->kind == CLI_K_INT_RANGE && (*out < opt->lo || *out > opt->hi)) {
		/* Click's IntRange text: "lo<=x<=hi", or "x>=lo" without an upper bound */
		cli_msg_invalid_for(&m, opt);
		cli_msg_addf(&m, "%lld is not in the range ", (long long)*out);
		if (opt->hi == INT32_MAX)
			cli_msg_addf(&m, "x>=%lld.", (long long)opt->lo);
		else
			cli_msg_addf(&m, "%lld<=x<=%lld.", (long long)opt->lo, (long long)opt->hi);
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

static int set_flag(bool *field, bool value)
{
	*field = value;
	return 0;
}

static int set_str(const char **field, const char *v)
{
	*field = v;
	return 0;
}

/* An integer option with its "given" flag (NULL when it has none). */
static int set_int(struct pstate *ps, const struct cli_opt *opt, const char *v, int64_t *field,
		   bool *given)
{
	int rc = convert_int(ps, opt, v, field);

	if (!rc && given)
		*given = true;
	return rc;
}

static int set_int32(struct pstate *ps, const struct cli_opt *opt, const char *v, int *field,
		     bool *given)
{
	int64_t iv = 0;
	int rc = convert_int(ps, opt, v, &iv);

	if (rc)
		return rc;
	*field = (int)iv; /* the row's range keeps it in int */
	if (given)
		*given = true;
	return 0;
}

/* A file option: Click's Path(dir_okay=False[, writable]). */
static int set_path(struct pstate *ps, const struct cli_opt *opt, const char *v, bool writable,
		    const char **field)
{
	int rc = check_file_path(ps, opt, v, writable);

	if (!rc)
		*field = v;
	return rc;
}

static int conv_pad_byte(struct pstate *ps, const struct cli_opt *opt, const char *v,
			 struct cli_options *o)
{
	struct cli_msg m = CLI_MSG_INIT;

	/* one ASCII character; the reference crashes on non-ASCII, we refuse it */
	if (strlen(v) != 1 || (unsigned char)v[0] >= 0x80) {
		cli_msg_invalid_for(&m, opt);
		cli_msg_adds(&m, "--pad-byte must be a single ASCII character (got ");
		cli_msg_repr(&m, v);
		cli_msg_adds(&m, ")");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	o->pad_byte = v[0];
	o->pad_byte_set = true;
	return 0;
}

static int conv_variant_id(struct pstate *ps, const struct cli_opt *opt, const char *v,
			   struct cli_options *o)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (!strcmp(v, "rsid") || !strcmp(v, "varid")) {
		o->variant_id_field = v[0] == 'r' ? CLI_VARIANT_ID_RSID : CLI_VARIANT_ID_VARID;
		return 0;
	}
	cli_msg_invalid_for(&m, opt);
	cli_msg_repr(&m, v);
	cli_msg_adds(&m, " is not one of 'rsid', 'varid'.");
	return cli_usage_error(ps->cmd, ps->err, &m);
}

/* --regions-overlap / --targets-overlap: bcftools' words (any case) or 0/1/2. */
static int conv_overlap(struct pstate *ps, const struct cli_opt *opt, const char *v, int *out)
{
	static const char *const words[] = {"pos", "record", "variant"};
	struct cli_msg m = CLI_MSG_INIT;

	for (int k = 0; k < 3; k++) {
		if (bf_ascii_ieq(v, words[k]) || (v[0] == '0' + k && !v[1])) {
			*out = k + 1;
			return 0;
		}
	}
	cli_msg_invalid_for(&m, opt);
	cli_msg_repr(&m, v);
	cli_msg_adds(&m, " is not one of 'pos', 'record', 'variant', '0', '1', '2'.");
	return cli_usage_error(ps->cmd, ps->err, &m);
}

static int conv_read_timeout(struct pstate *ps, const struct cli_opt *opt, const char *v,
			     struct cli_options *o)
{
	struct cli_msg m = CLI_MSG_INIT;
	double dv;

	if (!bf_py_float(v, &dv)) {
		cli_msg_invalid_for(&m, opt);
		cli_msg_repr(&m, v);
		cli_msg_adds(&m, " is not a valid float.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	if (!(dv > 0)) {
		cli_msg_invalid_for(&m, opt);
		if (!m.oom && bf_pyrepr_float(&m.sb, dv) < 0)
			m.oom = true;
		cli_msg_adds(&m, " is not in the range x>0.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	o->read_timeout = dv;
	return 0;
}

static int conv_size(struct pstate *ps, const struct cli_opt *opt, const char *v, uint64_t *field)
{
	struct cli_msg m = CLI_MSG_INIT;
	struct bf_err err;

	if (bf_size_parse(v, field, &err) == 0)
		return 0;
	cli_msg_invalid_for(&m, opt);
	cli_msg_adds(&m, err.msg);
	return cli_usage_error(ps->cmd, ps->err, &m);
}

static int conv_log_level(struct pstate *ps, const struct cli_opt *opt, const char *v,
			  struct cli_options *o)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (bf_ascii_ieq(v, "warning"))
		o->log_level = BF_LOG_WARNING;
	else if (bf_ascii_ieq(v, "info"))
		o->log_level = BF_LOG_INFO;
	else if (bf_ascii_ieq(v, "debug"))
		o->log_level = BF_LOG_DEBUG;
	else {
		cli_msg_invalid_for(&m, opt);
		cli_msg_repr(&m, v);
		cli_msg_adds(&m, " is not one of 'warning', 'info', 'debug'.");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

/* Convert the value of one given option into `o`.  @return 0 or 2. */
static int convert_option(struct pstate *ps, const struct cli_opt *opt, struct cli_options *o)
{
	const char *v = ps->occ[opt - cli_opt_table].last;

	switch (opt->id) {
	case OPT_HELP:
	case OPT_ZARR_BACKEND_STORAGE: /* only fills in what --backend-storage left unset */
	case OPT_STORAGE_OPTION:       /* KEY=VALUE is checked with the command body */
		return 0;
	case OPT_OUTPUT:
		return set_str(&o->output, v);
	case OPT_COMPRESSION_LEVEL:
		return set_int32(ps, opt, v, &o->compression_level, &o->compression_level_set);
	case OPT_FIXED_VARIANT_SIZE:
		return set_flag(&o->fixed_variant_size, true);
	case OPT_NO_BIM:
		return set_flag(&o->no_bim, true);
	case OPT_NO_FAM:
		return set_flag(&o->no_fam, true);
	case OPT_NO_BGI:
		return set_flag(&o->no_bgi, true);
	case OPT_NO_SAMPLE_FILE:
		return set_flag(&o->no_sample_file, true);
	case OPT_NO_HEADER_SAMPLES:
		return set_flag(&o->no_header_samples, true);
	case OPT_UNPHASED:
		return set_flag(&o->unphased, true);
	case OPT_PAD_BYTE:
		return conv_pad_byte(ps, opt, v, o);
	case OPT_TOTAL_STRING_LENGTH:
		return set_int(ps, opt, v, &o->total_string_length, &o->total_string_length_set);
	case OPT_VARIANT_ID_FIELD:
		return conv_variant_id(ps, opt, v, o);
	case OPT_BASENAME:
		return set_str(&o->basename, v);
	case OPT_ACCESS_LOG:
		return set_path(ps, opt, v, false, &o->access_log);
	case OPT_READ_TIMEOUT:
		return conv_read_timeout(ps, opt, v, o);
	case OPT_MAX_OPEN:
		return set_int32(ps, opt, v, &o->max_open, NULL);
	case OPT_BACKGROUND:
		return set_flag(&o->background, true);
	case OPT_ALLOW_OTHER:
		return set_flag(&o->allow_other, true);
	case OPT_JSON:
		return set_flag(&o->json, true);
	case OPT_FOREGROUND:
		return set_flag(&o->background, false);
	case OPT_DEBUG:
		return set_flag(&o->fuse_debug, true);
	case OPT_REGIONS:
		return set_str(&o->regions, v);
	case OPT_REGIONS_FILE:
		return set_str(&o->regions_file, v);
	case OPT_TARGETS:
		return set_str(&o->targets, v);
	case OPT_TARGETS_FILE:
		return set_str(&o->targets_file, v);
	case OPT_REGIONS_OVERLAP:
		return conv_overlap(ps, opt, v, &o->regions_overlap);
	case OPT_TARGETS_OVERLAP:
		return conv_overlap(ps, opt, v, &o->targets_overlap);
	case OPT_SAMPLES:
		return set_str(&o->samples, v);
	case OPT_SAMPLES_FILE:
		return set_str(&o->samples_file, v);
	case OPT_FORCE_SAMPLES:
		return set_flag(&o->force_samples, true);
	case OPT_INCLUDE:
		return set_str(&o->include, v);
	case OPT_EXCLUDE:
		return set_str(&o->exclude, v);
	case OPT_TYPES:
		return set_str(&o->types, v);
	case OPT_EXCLUDE_TYPES:
		return set_str(&o->exclude_types, v);
	case OPT_MIN_ALLELES:
		return set_int(ps, opt, v, &o->min_alleles, &o->min_alleles_set);
	case OPT_MAX_ALLELES:
		return set_int(ps, opt, v, &o->max_alleles, &o->max_alleles_set);
	case OPT_BACKEND_STORAGE:
		return set_str(&o->backend_name, v);
	case OPT_READAHEAD_WORKERS:
		return set_int(ps, opt, v, &o->readahead_workers, NULL);
	case OPT_READAHEAD_BUFFER_SIZE:
		return conv_size(ps, opt, v, &o->readahead_buffer_size);
	case OPT_LOG_LEVEL:
		return conv_log_level(ps, opt, v, o);
	case OPT_LOG_FILE:
		return set_path(ps, opt, v, true, &o->log_file);
	}
	return 0;
}

/* The last value of the deprecated --zarr-backend-storage, or NULL. */
static const char *zarr_alias(const struct pstate *ps)
{
	size_t i;

	for (i = 0; i < cli_opt_table_len; i++) {
		if (cli_opt_table[i].id == OPT_ZARR_BACKEND_STORAGE && ps->occ[i].first >= 0)
			return ps->occ[i].last;
	}
	return NULL;
}

/* The positional parameter names of a command, in order. */
static size_t positional_names(enum cli_command cmd, const char *names[2])
{
	names[0] = (cmd == CLI_CMD_MOUNT_PLINK || cmd == CLI_CMD_MOUNT_BGEN) ? "VCZ_URL"
		   : cmd == CLI_CMD_TRACE_SUMMARY			     ? "ACCESS_LOG"
									     : "PATH";
	names[1] = "MOUNT_DIR";
	return (cmd == CLI_CMD_MOUNT_PLINK || cmd == CLI_CMD_MOUNT_BGEN) ? 2 : 1;
}

/* Phase 2: --help, given options in first-appearance order, positionals, required, extras. */
static int process(struct pstate *ps, struct cli_options *o)
{
	const char *pnames[2];
	size_t npos = positional_names(ps->cmd, pnames);
	size_t i, k, n = cli_opt_table_len;
	int rank, rc;

	for (i = 0; i < n; i++) {
		if (cli_opt_table[i].kind == CLI_K_HELP && ps->occ[i].first >= 0) {
			cli_help_print(ps->cmd, ps->out);
			o->show_help = true;
			return 0;
		}
	}
	for (rank = 0; rank < ps->order; rank++) {
		for (i = 0; i < n; i++) {
			if (ps->occ[i].first == rank)
				break;
		}
		if (i < n && (rc = convert_option(ps, &cli_opt_table[i], o)))
			return rc;
	}
	for (k = 0; k < npos; k++) {
		struct cli_msg m = CLI_MSG_INIT;

		if (k >= ps->n_pos) {
			cli_msg_addf(&m, "Missing argument '%s'.", pnames[k]);
			return cli_usage_error(ps->cmd, ps->err, &m);
		}
		if (k == 0) {
			o->store = ps->pos[0];
		} else {
			struct stat st;

			o->mount_dir = ps->pos[1];
			if (stat(o->mount_dir, &st) == 0 && S_ISREG(st.st_mode)) {
				cli_msg_adds(&m, "Invalid value for 'MOUNT_DIR': Directory ");
				cli_msg_repr(&m, o->mount_dir);
				cli_msg_adds(&m, " is a file.");
				return cli_usage_error(ps->cmd, ps->err, &m);
			}
		}
	}
	for (i = 0; i < n; i++) {
		const struct cli_opt *opt = &cli_opt_table[i];
		struct cli_msg m = CLI_MSG_INIT;

		if ((opt->required & CLI_M(ps->cmd)) && ps->occ[i].first < 0) {
			cli_msg_adds(&m, "Missing option ");
			cli_msg_hint(&m, opt);
			cli_msg_adds(&m, ".");
			return cli_usage_error(ps->cmd, ps->err, &m);
		}
	}
	if (ps->n_pos > npos) {
		struct cli_msg m = CLI_MSG_INIT;

		cli_msg_adds(&m, ps->n_pos - npos == 1 ? "Got unexpected extra argument ("
						       : "Got unexpected extra arguments (");
		for (k = npos; k < ps->n_pos; k++) {
			if (k > npos)
				cli_msg_adds(&m, " ");
			cli_msg_adds(&m, ps->pos[k]);
		}
		cli_msg_adds(&m, ")");
		return cli_usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

/* ---------------------------------------------------------------- top level */

static void set_defaults(struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->total_string_length = CLI_DEFAULT_TOTAL_STRING_LENGTH;
	o->pad_byte = CLI_DEFAULT_PAD_BYTE;
	o->variant_id_field = CLI_VARIANT_ID_RSID;
	o->readahead_workers = CLI_DEFAULT_READAHEAD_WORKERS;
	o->readahead_buffer_size = CLI_DEFAULT_READAHEAD_BUFFER_SIZE;
	o->log_level = BF_LOG_WARNING;
	o->read_timeout = CLI_DEFAULT_READ_TIMEOUT;
	o->max_open = CLI_DEFAULT_MAX_OPEN;
}

static int parse_command(enum cli_command cmd, int argc, char **argv, struct cli_options *o,
			 FILE *out, FILE *err)
{
	struct pstate ps;
	size_t i;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.cmd = cmd;
	ps.out = out;
	ps.err = err;
	for (i = 0; i < cli_opt_table_len; i++)
		ps.occ[i].first = -1;
	ps.multi = bf_calloc((size_t)argc + 1, sizeof(*ps.multi));
	ps.pos = bf_calloc((size_t)argc + 1, sizeof(*ps.pos));
	if (!ps.multi || !ps.pos) {
		fprintf(err, "Error: out of memory\n");
		rc = 1;
		goto out;
	}
	o->cmd = cmd;
	if (cmd == CLI_CMD_MOUNT_BGEN) {
		o->fixed_variant_size = true; /* the mount always serves the fixed-size layout */
		o->compression_level = 0;
	}
	rc = scan_args(&ps, argc, argv);
	if (!rc)
		rc = process(&ps, o);
	if (!rc && !o->show_help) {
		struct cli_given g = {zarr_alias(&ps), ps.multi, ps.n_multi};

		rc = cli_validate(o, &g, err);
	}
out:
	bf_free(ps.multi);
	bf_free(ps.pos);
	return rc;
}

int cli_parse(int argc, char **argv, struct cli_options *out, FILE *out_stream, FILE *err_stream)
{
	static const char *const group_opts[] = {"--version", "--help"};
	int i, first_eager = 0; /* 1 = help, 2 = version */
	size_t k;

	set_defaults(out);
	if (argc <= 1) {
		/* Click 8.2: a bare group prints its help to stderr and exits 2 */
		cli_help_print(CLI_CMD_NONE, err_stream);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		struct cli_msg m = CLI_MSG_INIT;
		int which = 0;

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (nlen == 6 && !memcmp(arg, "--help", 6))
			which = 1;
		else if (nlen == 9 && !memcmp(arg, "--version", 9))
			which = 2;
		if (which && eq) {
			cli_msg_addf(&m, "Option '%.*s' does not take a value.", (int)nlen, arg);
			return cli_usage_error(CLI_CMD_NONE, err_stream, &m);
		}
		if (which) {
			if (!first_eager)
				first_eager = which;
			continue;
		}
		if (arg[1] == '-') {
			char *word = bf_strndup(arg, nlen);

			if (!word)
				m.oom = true;
			else
				m_no_such_option(&m, word, group_opts, 2);
			bf_free(word);
		} else {
			cli_msg_addf(&m, "No such option: -%c", arg[1]);
		}
		return cli_usage_error(CLI_CMD_NONE, err_stream, &m);
	}
	if (first_eager == 1) {
		cli_help_print(CLI_CMD_NONE, out_stream);
		out->show_help = true;
		return 0;
	}
	if (first_eager == 2) {
		fprintf(out_stream, "biofuse, version %s\n", BF_VERSION);
		out->show_version = true;
		return 0;
	}
	if (i >= argc) {
		struct cli_msg m = CLI_MSG_INIT;

		cli_msg_adds(&m, "Missing command.");
		return cli_usage_error(CLI_CMD_NONE, err_stream, &m);
	}
	for (k = 0; k < cli_cmd_table_len; k++) {
		if (!strcmp(argv[i], cli_cmd_table[k].name))
			return parse_command(cli_cmd_table[k].cmd, argc - i - 1, argv + i + 1, out,
					     out_stream, err_stream);
	}
	{
		struct cli_msg m = CLI_MSG_INIT;

		cli_msg_adds(&m, "No such command ");
		cli_msg_repr(&m, argv[i]);
		cli_msg_adds(&m, ".");
		return cli_usage_error(CLI_CMD_NONE, err_stream, &m);
	}
}

void cli_options_release(struct cli_options *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n_storage_options; i++) {
		bf_free(o->storage_options[i].key);
		bf_free(o->storage_options[i].value);
	}
	bf_free(o->storage_options);
	o->storage_options = NULL;
	o->n_storage_options = 0;
	if (o->basename == o->basename_owned)
		o->basename = NULL;
	bf_free(o->basename_owned);
	o->basename_owned = NULL;
}

bool cli_should_run(const struct cli_options *o)
{
	return o->cmd != CLI_CMD_NONE && !o->show_help && !o->show_version;
}

char *cli_default_basename(const char *store)
{
	size_t end = strlen(store), start;
	char *name;

	while (end > 0 && store[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && store[start - 1] != '/')
		start--;
	name = bf_strndup(store + start, end - start);
	if (!name)
		return NULL;
	if (!strcmp(name, ".")) {
		name[0] = '\0';
		return name;
	}
	/* pathlib's stem, repeatedly: drop the last ".suffix" when 0 < dot < len - 1 */
	for (;;) {
		char *dot = strrchr(name, '.');
		size_t len = strlen(name);

		if (!dot || dot == name || (size_t)(dot - name) >= len - 1)
			break;
		*dot = '\0';
	}
	return name;
}
