/*
 * test_options.c - the command-line surface: parsing rules, every error text
 * byte for byte, exit statuses, help pages, the default basename, sizes.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/opt_table.h"
#include "cli/options.h"
#include "cli/suggest.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/pyparse.h"
#include "util/pyrepr.h"
#include "util/size_parse.h"
#include "util/strbuf.h"

/* One run of cli_parse with captured streams. */
struct run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
	struct cli_options o;
};

#define MAX_ARGS 64

static void run_v(struct run *r, const char *first, va_list ap)
{
	static char prog[] = "biofuse";
	/* cli_parse takes char **, as main's argv; copies of the arguments */
	static char copies[MAX_ARGS][512];
	char *argv[MAX_ARGS];
	int argc = 0;
	const char *a;
	FILE *out, *err;

	argv[argc++] = prog;
	for (a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < MAX_ARGS - 1);
		assert_true(strlen(a) < sizeof(copies[0]));
		strcpy(copies[argc], a);
		argv[argc] = copies[argc];
		argc++;
	}
	argv[argc] = NULL;
	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	assert_non_null(out);
	assert_non_null(err);
	r->rc = cli_parse(argc, argv, &r->o, out, err);
	fclose(out);
	fclose(err);
}

/* Run `biofuse ARGS...` (NULL-terminated). */
static void run(struct run *r, const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	run_v(r, first, ap);
	va_end(ap);
}

static void done(struct run *r)
{
	cli_options_release(&r->o);
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* The four lines of a Click usage error for `cmd` ("" = the group). */
static char *usage_text(const char *cmd, const char *args, const char *msg)
{
	static char buf[4096];

	if (!*cmd)
		snprintf(buf, sizeof(buf),
			 "Usage: biofuse [OPTIONS] COMMAND [ARGS]...\n"
			 "Try 'biofuse --help' for help.\n\nError: %s\n",
			 msg);
	else
		snprintf(buf, sizeof(buf),
			 "Usage: biofuse %s [OPTIONS] %s\n"
			 "Try 'biofuse %s --help' for help.\n\nError: %s\n",
			 cmd, args, cmd, msg);
	return buf;
}

/* Expect a usage error (exit 2) with exactly `msg`, nothing on stdout. */
static void expect_usage(const char *cmd, const char *msg, const char *first, ...)
{
	const char *args = strncmp(cmd, "mount-", 6) ? "PATH" : "VCZ_URL MOUNT_DIR";
	struct run r;
	va_list ap;

	va_start(ap, first);
	run_v(&r, first, ap);
	va_end(ap);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.err, usage_text(cmd, args, msg));
	assert_string_equal(r.out, "");
	done(&r);
}

/* Expect "Error: msg" alone on stderr with exit status `rc`. */
static void expect_error(int rc, const char *msg, const char *first, ...)
{
	char want[4096];
	struct run r;
	va_list ap;

	va_start(ap, first);
	run_v(&r, first, ap);
	va_end(ap);
	snprintf(want, sizeof(want), "Error: %s\n", msg);
	assert_int_equal(r.rc, rc);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	done(&r);
}

/* Expect a clean parse. */
static void expect_ok(struct run *r, const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	run_v(r, first, ap);
	va_end(ap);
	if (r->rc != 0)
		fprintf(stderr, "unexpected failure:\n%s", r->err);
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->err, "");
	assert_true(cli_should_run(&r->o));
}

static char tmpdir[64];
static char tmpfile_path[128];

static int setup_tmp(void **state)
{
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bf_test_options_XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/regular", tmpdir);
	f = fopen(tmpfile_path, "w");
	if (!f)
		return -1;
	fclose(f);
	return 0;
}

static int teardown_tmp(void **state)
{
	(void)state;
	unlink(tmpfile_path);
	rmdir(tmpdir);
	return 0;
}

/* ------------------------------------------------------------ group level */

static void test_version(void **state)
{
	struct run r;

	(void)state;
	run(&r, "--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.o.show_version);
	assert_false(cli_should_run(&r.o));
	assert_string_equal(r.out, "biofuse, version " BF_VERSION "\n");
	assert_string_equal(r.err, "");
	done(&r);
	/* eager: the first of --version / --help wins, the command is never parsed */
	run(&r, "--version", "--help", "view-plink", "--bogus", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "biofuse, version " BF_VERSION "\n");
	done(&r);
}

static void test_top_help(void **state)
{
	struct run r;

	(void)state;
	run(&r, "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.o.show_help);
	assert_string_equal(r.err, "");
	assert_memory_equal(r.out, "Usage: biofuse [OPTIONS] COMMAND [ARGS]...\n\n", 44);
	assert_non_null(strstr(r.out, "\nOptions:\n  --version  Show the version and exit.\n"
				      "  --help     Show this message and exit.\n"));
	assert_non_null(strstr(r.out, "\nCommands:\n  inspect      "));
	assert_non_null(strstr(r.out, "\n  mount-bgen   "));
	assert_non_null(strstr(r.out, "\n  mount-plink  "));
	assert_non_null(strstr(r.out, "\n  view-bgen    "));
	assert_non_null(strstr(r.out, "\n  view-plink   "));
	done(&r);
}

static void test_group_errors(void **state)
{
	struct run r;

	(void)state;
	/* no arguments at all: help on stderr, exit 2 (Click 8.2) */
	run(&r, NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "Usage: biofuse [OPTIONS] COMMAND [ARGS]...\n"));
	assert_non_null(strstr(r.err, "\nCommands:\n"));
	done(&r);

	expect_usage("", "No such command 'frob'.", "frob", NULL);
	expect_usage("", "No such option: --verison Did you mean --version?", "--verison", NULL);
	expect_usage("", "No such option: --bogus", "--bogus", NULL);
	expect_usage("", "No such option: -x", "-x", NULL);
	expect_usage("", "Missing command.", "--", NULL);
	expect_usage("", "Option '--version' does not take a value.", "--version=1", NULL);
}

/* ------------------------------------------------------- Click usage errors */

static void test_missing(void **state)
{
	(void)state;
	expect_usage("view-plink", "Missing argument 'PATH'.", "view-plink", NULL);
	expect_usage("view-plink", "Missing option '-o' / '--output'.", "view-plink", "s.vcz",
		     NULL);
	expect_usage("mount-plink", "Missing argument 'MOUNT_DIR'.", "mount-plink", "s.vcz", NULL);
	expect_usage("mount-bgen", "Missing argument 'VCZ_URL'.", "mount-bgen", NULL);
	expect_usage("inspect", "Missing argument 'PATH'.", "inspect", NULL);
	/* a conversion error of a given option comes before a missing positional */
	expect_usage("view-plink",
		     "Invalid value for '-m' / '--min-alleles': 'abc' is not a valid integer.",
		     "view-plink", "-m", "abc", NULL);
}

static void test_integer_errors(void **state)
{
	(void)state;
	expect_usage("view-plink",
		     "Invalid value for '-m' / '--min-alleles': 'abc' is not a valid integer.",
		     "view-plink", "s", "-o", "x", "-m", "abc", NULL);
	expect_usage("view-plink",
		     "Invalid value for '-M' / '--max-alleles': '2.5' is not a valid integer.",
		     "view-plink", "s", "-o", "x", "-M", "2.5", NULL);
	expect_usage("view-bgen",
		     "Invalid value for '--total-string-length': '' is not a valid integer.",
		     "view-bgen", "s", "--total-string-length=", NULL);
	expect_usage("view-bgen",
		     "Invalid value for '--compression-level': 10 is not in the range -1<=x<=9.",
		     "view-bgen", "s", "--compression-level", "10", NULL);
	expect_usage("view-bgen",
		     "Invalid value for '--compression-level': -2 is not in the range -1<=x<=9.",
		     "view-bgen", "s", "--compression-level=-2", NULL);
	expect_usage("view-plink",
		     "Invalid value for '--readahead-workers': 'many' is not a valid integer.",
		     "view-plink", "s", "-o", "x", "--readahead-workers", "many", NULL);
}

static void test_python_int_syntax(void **state)
{
	struct run r;

	(void)state;
	expect_ok(&r, "view-plink", "s", "-o", "x", "-m", " +2 ", "-M", "1_0", NULL);
	assert_int_equal(r.o.min_alleles, 2);
	assert_int_equal(r.o.max_alleles, 10);
	done(&r);
	expect_ok(&r, "view-bgen", "s", "--compression-level", "007", NULL);
	assert_int_equal(r.o.compression_level, 7);
	done(&r);
	expect_usage("view-plink",
		     "Invalid value for '-m' / '--min-alleles': '1__0' is not a valid integer.",
		     "view-plink", "s", "-o", "x", "-m", "1__0", NULL);
}

static void test_choice_errors(void **state)
{
	struct run r;

	(void)state;
	expect_usage("view-bgen",
		     "Invalid value for '--log-level': 'ERROR' is not one of 'warning', 'info', "
		     "'debug'.",
		     "view-bgen", "s", "--log-level", "ERROR", NULL);
	expect_usage("view-bgen",
		     "Invalid value for '--variant-id-field': 'foo' is not one of 'rsid', "
		     "'varid'.",
		     "view-bgen", "s", "--variant-id-field", "foo", NULL);
	/* --variant-id-field is case-sensitive, --log-level is not */
	expect_usage("view-bgen",
		     "Invalid value for '--variant-id-field': 'RSID' is not one of 'rsid', "
		     "'varid'.",
		     "view-bgen", "s", "--variant-id-field", "RSID", NULL);
	expect_ok(&r, "view-bgen", "s", "--log-level", "DeBuG", "--variant-id-field", "varid",
		  NULL);
	assert_int_equal(r.o.log_level, BF_LOG_DEBUG);
	assert_int_equal(r.o.variant_id_field, CLI_VARIANT_ID_VARID);
	done(&r);
	expect_ok(&r, "view-bgen", "s", "--log-level", "info", NULL);
	assert_int_equal(r.o.log_level, BF_LOG_INFO);
	assert_int_equal(r.o.variant_id_field, CLI_VARIANT_ID_RSID);
	done(&r);
}

static void test_pad_byte(void **state)
{
	struct run r;

	(void)state;
	expect_usage("view-bgen",
		     "Invalid value for '--pad-byte': --pad-byte must be a single ASCII character "
		     "(got 'XY')",
		     "view-bgen", "s", "--pad-byte", "XY", NULL);
	/* the reference crashes with a traceback here; we give the same clean error */
	expect_usage("view-bgen",
		     "Invalid value for '--pad-byte': --pad-byte must be a single ASCII character "
		     "(got '\xc3\xa9')",
		     "view-bgen", "s", "--pad-byte", "\xc3\xa9", NULL);
	expect_usage("mount-bgen",
		     "Invalid value for '--pad-byte': --pad-byte must be a single ASCII character "
		     "(got '')",
		     "mount-bgen", "s", "/tmp", "--pad-byte=", NULL);
	expect_usage("view-bgen",
		     "Invalid value for '--pad-byte': --pad-byte must be a single ASCII character "
		     "(got '\\udcff')",
		     "view-bgen", "s", "--pad-byte", "\xff", NULL);
	expect_ok(&r, "view-bgen", "s", "--fixed-variant-size", "--pad-byte", "X", NULL);
	assert_int_equal(r.o.pad_byte, 'X');
	assert_true(r.o.pad_byte_set);
	done(&r);
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_usage("view-plink", "No such option: --foo", "view-plink", "s", "-o", "x", "--foo",
		     NULL);
	expect_usage("view-plink", "No such option: --foo", "view-plink", "s", "--foo=1", NULL);
	expect_usage("view-bgen", "No such option: --no-bgii Did you mean --no-bgi?", "view-bgen",
		     "s", "--no-bgii", NULL);
	expect_usage("view-plink",
		     "No such option: --no-bimm (Possible options: --no-bim, --no-fam)",
		     "view-plink", "s", "--no-bimm", NULL);
	expect_usage("view-plink",
		     "No such option: --sample (Possible options: --force-samples, --samples, "
		     "--samples-file)",
		     "view-plink", "s", "--sample", "x", NULL);
	expect_usage("view-plink", "No such option: -x", "view-plink", "s", "-x", NULL);
	/* option sets differ per command */
	expect_usage("view-plink",
		     "No such option: --no-bgi (Possible options: --no-bim, --no-fam)",
		     "view-plink", "s", "--no-bgi", NULL);
	expect_usage("mount-bgen",
		     "No such option: --fixed-variant-size Did you mean --variant-id-field?",
		     "mount-bgen", "s", "/tmp", "--fixed-variant-size", NULL);
	expect_usage("inspect", "No such option: -r", "inspect", "s", "-r", "20", NULL);
	expect_usage("view-plink", "No such option: -h", "view-plink", "-h", NULL);
	/* the parse error comes before --help, in argv order */
	expect_usage("view-plink", "No such option: --foo", "view-plink", "--foo", "--help", NULL);
}

static void test_option_value_shape(void **state)
{
	(void)state;
	expect_usage("view-plink", "Option '-o' requires an argument.", "view-plink", "s", "-o",
		     NULL);
	expect_usage("view-plink", "Option '--output' requires an argument.", "view-plink", "s",
		     "--output", NULL);
	expect_usage("view-plink", "Option '--no-bim' does not take a value.", "view-plink", "s",
		     "-o", "x", "--no-bim=1", NULL);
	expect_usage("view-plink", "Got unexpected extra argument (b)", "view-plink", "a", "b",
		     "-o", "x", NULL);
	expect_usage("view-plink", "Got unexpected extra arguments (b c)", "view-plink", "a", "b",
		     "c", "-o", "x", NULL);
}

static void test_storage_option_and_size_errors(void **state)
{
	struct run r;

	(void)state;
	/* raised outside Click's parsing: no usage lines, but exit 2 */
	expect_error(2, "Invalid value: --storage-option must be KEY=VALUE: 'foo'", "view-plink",
		     "s", "-o", "x", "--storage-option", "foo", NULL);
	expect_usage("view-plink",
		     "Invalid value for '--readahead-buffer-size': Failed to parse size! (input "
		     "'garbage' was tokenized as ['garbage'])",
		     "view-plink", "s", "-o", "x", "--readahead-buffer-size", "garbage", NULL);
	expect_ok(&r, "view-plink", "s", "-o", "x", "--readahead-buffer-size", "100M",
		  "--storage-option", "anon=true", "--storage-option", "k=a=b", "--storage-option",
		  "empty=", NULL);
	assert_int_equal(r.o.readahead_buffer_size, 104857600);
	assert_int_equal(r.o.n_storage_options, 3);
	assert_string_equal(r.o.storage_options[0].key, "anon");
	assert_string_equal(r.o.storage_options[0].value, "true");
	assert_string_equal(r.o.storage_options[1].key, "k");
	assert_string_equal(r.o.storage_options[1].value, "a=b");
	assert_string_equal(r.o.storage_options[2].key, "empty");
	assert_string_equal(r.o.storage_options[2].value, "");
	done(&r);
}

static void test_path_checks(void **state)
{
	char msg[512];
	struct run r;

	(void)state;
	snprintf(msg, sizeof(msg), "Invalid value for 'MOUNT_DIR': Directory '%s' is a file.",
		 tmpfile_path);
	expect_usage("mount-plink", msg, "mount-plink", "s.vcz", tmpfile_path, NULL);
	expect_error(1, "mount directory does not exist: /nonexistent/mnt", "mount-plink", "s.vcz",
		     "/nonexistent/mnt", NULL);
	snprintf(msg, sizeof(msg), "Invalid value for '--log-file': File '%s' is a directory.",
		 tmpdir);
	expect_usage("view-plink", msg, "view-plink", "s", "-o", "x", "--log-file", tmpdir, NULL);
	snprintf(msg, sizeof(msg), "Invalid value for '--access-log': File '%s' is a directory.",
		 tmpdir);
	expect_usage("mount-plink", msg, "mount-plink", "s", tmpdir, "--access-log", tmpdir, NULL);
	expect_ok(&r, "view-plink", "s", "-o", "x", "--log-file", tmpfile_path, NULL);
	assert_string_equal(r.o.log_file, tmpfile_path);
	done(&r);
}

static void test_mount_options(void **state)
{
	struct run r;

	(void)state;
	expect_ok(&r, "mount-plink", "data/sample.vcz/", tmpdir, NULL);
	assert_int_equal(r.o.cmd, CLI_CMD_MOUNT_PLINK);
	assert_string_equal(r.o.store, "data/sample.vcz/");
	assert_string_equal(r.o.mount_dir, tmpdir);
	assert_string_equal(r.o.basename, "sample");
	assert_true(r.o.read_timeout == 30.0);
	assert_int_equal(r.o.max_open, 0);
	assert_false(r.o.background);
	assert_false(r.o.fuse_debug);
	assert_null(r.o.access_log);
	done(&r);

	expect_ok(&r, "mount-plink", "--basename", "cohort", "x.vcz", tmpdir, "--read-timeout",
		  "2.5", "--max-open=4", "--background", "-d", "--access-log", "/tmp/acc.jsonl",
		  NULL);
	assert_string_equal(r.o.basename, "cohort");
	assert_true(r.o.read_timeout == 2.5);
	assert_int_equal(r.o.max_open, 4);
	assert_true(r.o.background);
	assert_true(r.o.fuse_debug);
	assert_string_equal(r.o.access_log, "/tmp/acc.jsonl");
	done(&r);

	/* mount-bgen: fixed-size layout implied, so the string options are allowed */
	expect_ok(&r, "mount-bgen", "x.vcz.zip", tmpdir, "--total-string-length", "100",
		  "--pad-byte", "#", NULL);
	assert_true(r.o.fixed_variant_size);
	assert_int_equal(r.o.compression_level, 0);
	assert_int_equal(r.o.total_string_length, 100);
	assert_int_equal(r.o.pad_byte, '#');
	assert_string_equal(r.o.basename, "x");
	done(&r);

	expect_usage("mount-plink", "Invalid value for '--max-open': -1 is not in the range x>=0.",
		     "mount-plink", "s", tmpdir, "--max-open", "-1", NULL);
	expect_usage("mount-plink",
		     "Invalid value for '--read-timeout': 0.0 is not in the range x>0.",
		     "mount-plink", "s", tmpdir, "--read-timeout", "0", NULL);
	expect_usage("mount-plink",
		     "Invalid value for '--read-timeout': 'soon' is not a valid float.",
		     "mount-plink", "s", tmpdir, "--read-timeout", "soon", NULL);
}

/* --------------------------------------------------------- parsing rules */

static void test_last_wins(void **state)
{
	struct run r;

	(void)state;
	expect_ok(&r, "view-plink", "s", "-o", "a", "-r", "20", "-r", "19", "-o", "b", NULL);
	assert_string_equal(r.o.regions, "19");
	assert_string_equal(r.o.output, "b");
	done(&r);
	/* only the last value is converted */
	expect_ok(&r, "view-plink", "s", "-o", "a", "-m", "abc", "-m", "2", NULL);
	assert_int_equal(r.o.min_alleles, 2);
	assert_true(r.o.min_alleles_set);
	done(&r);
}

static void test_value_forms_and_interleaving(void **state)
{
	struct run r;

	(void)state;
	expect_ok(&r, "view-plink", "-r", "20:1-100", "store.vcz", "--output=out", "--no-bim",
		  "-sNA00001,NA00002", "--include=INFO/DP>10", "-M", "2", "--force-samples", NULL);
	assert_int_equal(r.o.cmd, CLI_CMD_VIEW_PLINK);
	assert_string_equal(r.o.store, "store.vcz");
	assert_string_equal(r.o.output, "out");
	assert_string_equal(r.o.regions, "20:1-100");
	assert_string_equal(r.o.samples, "NA00001,NA00002");
	assert_string_equal(r.o.include, "INFO/DP>10");
	assert_true(r.o.no_bim);
	assert_false(r.o.no_fam);
	assert_true(r.o.force_samples);
	assert_int_equal(r.o.max_alleles, 2);
	assert_false(r.o.min_alleles_set);
	done(&r);

	/* a value option takes the next word even when it looks like an option */
	expect_ok(&r, "view-plink", "s", "-o", "--no-fam", NULL);
	assert_string_equal(r.o.output, "--no-fam");
	assert_false(r.o.no_fam);
	done(&r);

	/* "-ovalue" keeps an '=' in the value; "--" ends the options */
	expect_ok(&r, "view-plink", "-o=x", "--", "-weird-store", NULL);
	assert_string_equal(r.o.output, "=x");
	assert_string_equal(r.o.store, "-weird-store");
	done(&r);

	/* "-" alone is a positional */
	expect_ok(&r, "view-bgen", "-", NULL);
	assert_string_equal(r.o.store, "-");
	assert_null(r.o.output);
	done(&r);

	/* clustered short flags (hidden -f/-d of the mounts) */
	expect_ok(&r, "mount-plink", "s", tmpdir, "-fd", NULL);
	assert_true(r.o.fuse_debug);
	done(&r);
}

static void test_defaults(void **state)
{
	struct run r;

	(void)state;
	expect_ok(&r, "view-bgen", "s.vcz", NULL);
	assert_int_equal(r.o.cmd, CLI_CMD_VIEW_BGEN);
	assert_null(r.o.output);
	assert_false(r.o.fixed_variant_size);
	assert_int_equal(r.o.compression_level, 1);
	assert_false(r.o.compression_level_set);
	assert_int_equal(r.o.total_string_length, 64);
	assert_int_equal(r.o.pad_byte, '.');
	assert_int_equal(r.o.readahead_workers, 32);
	assert_int_equal(r.o.readahead_buffer_size, 256u << 20);
	assert_int_equal(r.o.log_level, BF_LOG_WARNING);
	assert_null(r.o.log_file);
	assert_int_equal(r.o.backend, CLI_BACKEND_NONE);
	assert_null(r.o.backend_name);
	assert_int_equal(r.o.n_storage_options, 0);
	assert_null(r.o.regions);
	assert_null(r.o.basename);
	done(&r);

	expect_ok(&r, "view-bgen", "s.vcz", "--fixed-variant-size", "-o", "out", NULL);
	assert_int_equal(r.o.compression_level, 0);
	assert_true(r.o.fixed_variant_size);
	done(&r);

	expect_ok(&r, "inspect", "s.vcz", "--backend-storage", "obstore", NULL);
	assert_int_equal(r.o.cmd, CLI_CMD_INSPECT);
	assert_int_equal(r.o.backend, CLI_BACKEND_OBSTORE);
	done(&r);
}

/* ------------------------------------------------ value errors (exit 1) */

static void test_mutual_exclusions(void **state)
{
	(void)state;
	expect_error(1, "Cannot specify both a regions string (-r) and a regions file (-R)",
		     "view-plink", "s", "-o", "x", "-r", "20", "-R", "f", NULL);
	expect_error(1, "Cannot specify both a target string (-t) and a targets file (-T)",
		     "view-bgen", "s", "-t", "20", "-T", "f", NULL);
	expect_error(1, "Cannot specify both a samples string (-s) and a samples file (-S)",
		     "view-plink", "s", "-o", "x", "-s", "A", "-S", "f", NULL);
	expect_error(1, "Cannot use --types and --exclude-types together.", "view-plink", "s", "-o",
		     "x", "-v", "snps", "-V", "snps", NULL);
	/* checked in that order: -s/-S before -v/-V, -r/-R before -t/-T */
	expect_error(1, "Cannot specify both a samples string (-s) and a samples file (-S)",
		     "view-plink", "s", "-o", "x", "-v", "x", "-V", "y", "-S", "f", "-s", "A",
		     NULL);
	expect_error(1, "Cannot specify both a regions string (-r) and a regions file (-R)",
		     "view-plink", "s", "-o", "x", "-T", "f", "-t", "1", "-R", "f", "-r", "1",
		     NULL);
	/* an empty string counts as given */
	expect_error(1, "Cannot specify both a regions string (-r) and a regions file (-R)",
		     "view-plink", "s", "-o", "x", "-r", "", "-R", "", NULL);
	/* before the backend and reader checks */
	expect_error(1, "Cannot use --types and --exclude-types together.", "view-plink", "s", "-o",
		     "x", "-v", "snps", "-V", "snps", "--backend-storage", "bogus",
		     "--readahead-workers", "0", NULL);
	expect_error(1, "Cannot handle both an include expression and an exclude expression.",
		     "view-plink", "s", "-o", "x", "-i", "POS>1", "-e", "POS<1", NULL);
	/* but usage errors come first */
	expect_usage("view-plink", "Missing option '-o' / '--output'.", "view-plink", "s", "-r",
		     "1", "-R", "f", NULL);
}

static void test_backend_and_reader_errors(void **state)
{
	struct run r;

	(void)state;
	expect_error(1,
		     "Unsupported Zarr backend storage: bogus. Must be None (local-only), "
		     "'fsspec', 'obstore', or 'icechunk'",
		     "view-plink", "s", "-o", "x", "--backend-storage", "bogus", NULL);
	expect_error(1,
		     "Unsupported Zarr backend storage: bogus. Must be None (local-only), "
		     "'fsspec', 'obstore', or 'icechunk'",
		     "inspect", "s", "--zarr-backend-storage", "bogus", NULL);
	expect_error(1, "max_workers must be greater than 0", "view-plink", "s", "-o", "x",
		     "--readahead-workers", "0", NULL);
	expect_error(1, "max_workers must be greater than 0", "view-bgen", "s",
		     "--readahead-workers", "-3", NULL);
	/* backend before workers, as the store opens before the reader's pool starts */
	expect_error(1,
		     "Unsupported Zarr backend storage: x. Must be None (local-only), "
		     "'fsspec', 'obstore', or 'icechunk'",
		     "view-bgen", "s", "--readahead-workers", "0", "--backend-storage", "x", NULL);

	expect_ok(&r, "view-plink", "s", "-o", "x", "--zarr-backend-storage", "fsspec", NULL);
	assert_int_equal(r.o.backend, CLI_BACKEND_FSSPEC);
	assert_true(r.o.zarr_backend_alias_used);
	done(&r);
	/* an explicit --backend-storage wins over the deprecated alias */
	expect_ok(&r, "view-plink", "s", "-o", "x", "--zarr-backend-storage", "bogus",
		  "--backend-storage", "icechunk", NULL);
	assert_int_equal(r.o.backend, CLI_BACKEND_ICECHUNK);
	assert_false(r.o.zarr_backend_alias_used);
	done(&r);
}

static void test_types_and_allele_counts(void **state)
{
	struct run r;

	(void)state;
	expect_error(1,
		     "Invalid type(s) ['garbage'] in --types; valid types are: snps, indels, "
		     "mnps, other, ref, bnd.",
		     "view-plink", "s", "-o", "x", "-v", "garbage", NULL);
	expect_error(1,
		     "Invalid type(s) ['refs'] in --exclude-types; valid types are: snps, indels, "
		     "mnps, other, ref, bnd.",
		     "view-plink", "s", "-o", "x", "-V", "refs", NULL);
	expect_error(1,
		     "Invalid type(s) [''] in --types; valid types are: snps, indels, mnps, "
		     "other, ref, bnd.",
		     "view-plink", "s", "-o", "x", "-v", "snps,", NULL);
	expect_error(1,
		     "Invalid type(s) ['a', \"it's\", 'a'] in --types; valid types are: snps, "
		     "indels, mnps, other, ref, bnd.",
		     "view-plink", "s", "-o", "x", "-v", "a,snps,it's,a", NULL);
	expect_error(1, "--min-alleles must be >= 1, got 0", "view-plink", "s", "-o", "x", "-m",
		     "0", NULL);
	expect_error(1, "--max-alleles must be >= 1, got -4", "view-plink", "s", "-o", "x", "-M",
		     "-4", NULL);
	/* every bcftools type is accepted */
	expect_ok(&r, "view-bgen", "s", "-v", "snps,indels,mnps,other,ref,bnd", NULL);
	done(&r);
	expect_ok(&r, "view-bgen", "s", "-V", "other", NULL);
	done(&r);
	/* the whole expression is built (and -m/-M checked) before TYPE is parsed */
	expect_error(1, "--min-alleles must be >= 1, got 0", "view-plink", "s", "-o", "x", "-v",
		     "mnps", "-m", "0", NULL);
	expect_error(1,
		     "Invalid type(s) ['x'] in --types; valid types are: snps, indels, mnps, "
		     "other, ref, bnd.",
		     "view-plink", "s", "-o", "x", "-v", "x", "-m", "0", NULL);

	expect_ok(&r, "view-plink", "s", "-o", "x", "--regions-overlap", "VARIANT",
		  "--targets-overlap", "1", NULL);
	assert_int_equal(r.o.regions_overlap, 3);
	assert_int_equal(r.o.targets_overlap, 2);
	done(&r);
	expect_usage("view-plink",
		     "Invalid value for '--regions-overlap': 'x' is not one of 'pos', 'record', "
		     "'variant', '0', '1', '2'.",
		     "view-plink", "s", "-o", "x", "--regions-overlap", "x", NULL);

	expect_ok(&r, "view-plink", "s", "-o", "x", "-v", "snps,snps", "-m", "1", "-M", "2", NULL);
	assert_string_equal(r.o.types, "snps,snps");
	assert_int_equal(r.o.min_alleles, 1);
	assert_int_equal(r.o.max_alleles, 2);
	done(&r);
}

static void test_bgen_combinations(void **state)
{
	(void)state;
	expect_error(1, "total_string_length / pad_byte require fixed_variant_size=True",
		     "view-bgen", "s", "--total-string-length", "80", NULL);
	expect_error(1, "total_string_length / pad_byte require fixed_variant_size=True",
		     "view-bgen", "s", "-o", "x", "--pad-byte", "_", NULL);
	expect_error(1,
		     "fixed_variant_size=True requires compression_level=0 (fixed-size variant "
		     "blocks have a deterministic block size); got compression_level=3",
		     "view-bgen", "s", "--fixed-variant-size", "--compression-level", "3", NULL);
	expect_error(1,
		     "fixed_variant_size=True requires compression_level=0 (fixed-size variant "
		     "blocks have a deterministic block size); got compression_level=-1",
		     "view-bgen", "s", "--compression-level=-1", "--fixed-variant-size", NULL);
	expect_error(1, "total_string_length must be >= 5 (got 4)", "view-bgen", "s",
		     "--fixed-variant-size", "--total-string-length", "4", NULL);
	expect_error(1, "total_string_length=65536 exceeds BGEN length-prefix width 65535",
		     "view-bgen", "s", "--fixed-variant-size", "--total-string-length", "65536",
		     NULL);
	expect_error(1, "total_string_length must be >= 5 (got -1)", "mount-bgen", "s", tmpdir,
		     "--total-string-length", "-1", NULL);
	/* selection errors come before the writer's */
	expect_error(1, "--max-alleles must be >= 1, got 0", "view-bgen", "s", "-M", "0",
		     "--pad-byte", "x", NULL);
}

/* ------------------------------------------------------------------ help */

static void expect_help(const char *cmd, const char *args, bool mount)
{
	static const char *const sections[] = {"\nOptions:\n", "\nSelection options:\n",
					       "\nZarr store options:\n", "\nReader options:\n",
					       "\nLogging options:\n"};
	char first[256];
	const char *prev = NULL;
	struct run r;
	size_t i;

	run(&r, cmd, "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.o.show_help);
	assert_false(cli_should_run(&r.o));
	assert_string_equal(r.err, "");
	snprintf(first, sizeof(first), "Usage: biofuse %s [OPTIONS] %s\n\n  ", cmd, args);
	assert_memory_equal(r.out, first, strlen(first));
	for (i = 0; i < 5; i++) {
		const char *at = strstr(r.out, sections[i]);

		assert_non_null(at);
		assert_true(prev == NULL || at > prev); /* in this order */
		prev = at;
	}
	assert_true((strstr(r.out, "\nMount options:\n") != NULL) == mount);
	assert_non_null(strstr(r.out, "\n  --help "));
	assert_non_null(strstr(r.out, "\n  -r, --regions TEXT "));
	assert_non_null(strstr(r.out, "\n  --storage-option TEXT "));
	assert_non_null(strstr(r.out, "\n  --readahead-buffer-size SIZE "));
	assert_non_null(strstr(r.out, "\n  --log-level [WARNING|INFO|DEBUG]\n"));
	/* hidden options stay hidden */
	assert_null(strstr(r.out, "--zarr-backend-storage"));
	assert_null(strstr(r.out, "--foreground"));
	assert_null(strstr(r.out, "--debug"));
	/* no line is wider than Click's 78 columns */
	for (const char *p = r.out; *p;) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_true(nl - p <= 78);
		p = nl + 1;
	}
	/* ends with exactly one newline */
	assert_true(r.out_len >= 2 && r.out[r.out_len - 1] == '\n' && r.out[r.out_len - 2] != '\n');
	done(&r);
}

static void test_command_help(void **state)
{
	struct run r;

	(void)state;
	expect_help("view-plink", "PATH", false);
	expect_help("view-bgen", "PATH", false);
	expect_help("mount-plink", "VCZ_URL MOUNT_DIR", true);
	expect_help("mount-bgen", "VCZ_URL MOUNT_DIR", true);

	run(&r, "view-plink", "--help", NULL);
	assert_non_null(
	    strstr(r.out, "\nOptions:\n  -o, --output TEXT  Output stem, used verbatim: "));
	assert_non_null(strstr(r.out, "[required]\n  --no-bim           Leave out the .bim"));
	assert_non_null(strstr(r.out, "\n  --help             Show this message and exit.\n\n"
				      "Selection options:\n"));
	assert_null(strstr(r.out, "--no-bgi"));
	done(&r);

	run(&r, "view-bgen", "--help", NULL);
	assert_non_null(strstr(r.out, "\n  --compression-level INTEGER RANGE\n"));
	assert_non_null(strstr(r.out, "[-1<=x<=9]\n"));
	assert_non_null(strstr(r.out, "[default: rsid]\n"));
	done(&r);

	run(&r, "mount-bgen", "--help", NULL);
	assert_non_null(strstr(r.out, "\nMount options:\n  --basename TEXT "));
	assert_null(strstr(r.out, "--compression-level"));
	assert_null(strstr(r.out, "--fixed-variant-size"));
	assert_null(strstr(r.out, "--output"));
	done(&r);

	run(&r, "inspect", "--help", NULL);
	assert_non_null(strstr(r.out, "\nZarr store options:\n"));
	assert_non_null(strstr(r.out, "\nLogging options:\n"));
	assert_null(strstr(r.out, "\nSelection options:\n"));
	assert_null(strstr(r.out, "\nReader options:\n"));
	done(&r);

	/* --help is eager: it wins over bad values and missing arguments */
	run(&r, "view-plink", "-m", "abc", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.o.show_help);
	assert_string_equal(r.err, "");
	done(&r);
}

/* ------------------------------------------------------------- basename */

static void expect_basename(const char *store, const char *want)
{
	char *got = cli_default_basename(store);

	assert_non_null(got);
	assert_string_equal(got, want);
	bf_free(got);
}

static void test_default_basename(void **state)
{
	(void)state;
	expect_basename("sample.vcz", "sample");
	expect_basename("x.vcz.zip", "x");
	expect_basename("chr1.v2.vcz", "chr1");
	expect_basename("s3://bucket/x.vcz", "x");
	expect_basename("/data/cohort.vcz/", "cohort");
	expect_basename("/data/cohort.vcz///", "cohort");
	expect_basename(".hidden", ".hidden");
	expect_basename("dir/.hidden.vcz", ".hidden");
	expect_basename("trailingdot.", "trailingdot.");
	expect_basename("plain", "plain");
	expect_basename("a.b/c", "c");
	expect_basename("/", "");
	expect_basename("", "");
}

/* ---------------------------------------------------------------- sizes */

static void expect_size(const char *text, uint64_t want)
{
	struct bf_err err;
	uint64_t got = 12345;

	bf_err_clear(&err);
	if (bf_size_parse(text, &got, &err) != 0)
		fail_msg("'%s': %s", text, err.msg);
	assert_int_equal(got, want);
}

static void expect_size_error(const char *text, const char *msg)
{
	struct bf_err err;
	uint64_t got;

	assert_int_equal(bf_size_parse(text, &got, &err), BF_E_INVAL);
	assert_string_equal(err.msg, msg);
}

static void test_size_parse(void **state)
{
	(void)state;
	/* values checked against humanfriendly.parse_size(text, binary=True) */
	expect_size("100M", 104857600);
	expect_size("100MB", 104857600);
	expect_size("100MiB", 104857600);
	expect_size("100 megabytes", 104857600);
	expect_size("2G", 2147483648u);
	expect_size("256MiB", 268435456);
	expect_size("256mib", 268435456);
	expect_size("0", 0);
	expect_size("1024", 1024);
	expect_size("1k", 1024);
	expect_size("1K", 1024);
	expect_size("5 KiBs", 5120);
	expect_size("1.5G", 1610612736);
	expect_size("1.5", 1);
	expect_size("5 bytes", 5);
	expect_size("5 b", 5);
	expect_size("007", 7);
	expect_size("007.50k", 7680);
	expect_size(" 7 ", 7);
	expect_size("0.5 kb", 512);
	expect_size("5\tG", 5368709120u);
	expect_size("3 TB", 3298534883328u);
	expect_size("1 P", 1125899906842624u);
	expect_size("2 E", 2305843009213693952u);
	expect_size("9.999999999999999999G", 10737418240u);
	expect_size("15E", UINT64_C(17293822569102704640));

	expect_size_error("garbage",
			  "Failed to parse size! (input 'garbage' was tokenized as ['garbage'])");
	expect_size_error("", "Failed to parse size! (input '' was tokenized as [])");
	expect_size_error("5 x", "Failed to parse size! (input '5 x' was tokenized as [5, 'x'])");
	expect_size_error("-5M",
			  "Failed to parse size! (input '-5M' was tokenized as ['-', 5, 'M'])");
	expect_size_error("1e3",
			  "Failed to parse size! (input '1e3' was tokenized as [1, 'e', 3])");
	expect_size_error("1 2", "Failed to parse size! (input '1 2' was tokenized as [1, 2])");
	expect_size_error("1.2.3",
			  "Failed to parse size! (input '1.2.3' was tokenized as [1.2, '.', 3])");
	expect_size_error("1.50x",
			  "Failed to parse size! (input '1.50x' was tokenized as [1.5, 'x'])");
	expect_size_error("5 s", "Failed to parse size! (input '5 s' was tokenized as [5, 's'])");
	expect_size_error("12 foo bar",
			  "Failed to parse size! (input '12 foo bar' was tokenized as [12, 'foo "
			  "bar'])");
	expect_size_error("5'x",
			  "Failed to parse size! (input \"5'x\" was tokenized as [5, \"'x\"])");
	/* beyond 64 bits: refused (humanfriendly would return a Python int) */
	expect_size_error("16E", "Failed to parse size! (input '16E' is larger than "
				 "18446744073709551615 bytes)");
	expect_size_error("99999999999999999999",
			  "Failed to parse size! (input '99999999999999999999' is larger than "
			  "18446744073709551615 bytes)");
}

static void expect_repr_str(const char *s, const char *want)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;

	assert_int_equal(bf_pyrepr_str(&sb, s), 0);
	assert_string_equal(sb.buf, want);
	bf_strbuf_release(&sb);
}

static void expect_repr_float(double v, const char *want)
{
	struct bf_strbuf sb = BF_STRBUF_INIT;

	assert_int_equal(bf_pyrepr_float(&sb, v), 0);
	assert_string_equal(sb.buf, want);
	bf_strbuf_release(&sb);
}

static void test_pyrepr(void **state)
{
	(void)state;
	expect_repr_str("abc", "'abc'");
	expect_repr_str("", "''");
	expect_repr_str("it's", "\"it's\"");
	expect_repr_str("both'\"", "'both\\'\"'");
	expect_repr_str("back\\slash", "'back\\\\slash'");
	expect_repr_str("tab\there\n", "'tab\\there\\n'");
	expect_repr_str("\x01\x7f", "'\\x01\\x7f'");
	expect_repr_str("caf\xc3\xa9", "'caf\xc3\xa9'");
	expect_repr_str("nb\xc2\xa0sp", "'nb\\xa0sp'");
	expect_repr_str("bad\xff", "'bad\\udcff'");
	expect_repr_float(1.5, "1.5");
	expect_repr_float(100.0, "100.0");
	expect_repr_float(0.0, "0.0");
	expect_repr_float(-1.0, "-1.0");
	expect_repr_float(0.1, "0.1");
	expect_repr_float(1e16, "1e+16");
	expect_repr_float(1.5e16, "1.5e+16");
	expect_repr_float(123456789012345.6, "123456789012345.6");
	expect_repr_float(0.0001, "0.0001");
	expect_repr_float(0.00001, "1e-05");
	expect_repr_float(1.2345678901234567e+19, "1.2345678901234567e+19");
}

static void test_no_leaks(void **state)
{
	long before = bf_alloc_live();
	struct run r;

	(void)state;
	expect_ok(&r, "mount-plink", "a/b.vcz", tmpdir, "--storage-option", "a=1",
		  "--storage-option", "b=2", NULL);
	done(&r);
	run(&r, "view-plink", "s", "-o", "x", "--storage-option", "a=1", "--storage-option", "bad",
	    NULL);
	assert_int_equal(r.rc, 2);
	done(&r);
	run(&r, "view-plink", "s", "--sampels", "x", NULL);
	done(&r);
	run(&r, "view-plink", "s", "-o", "x", "-v", "a,b,c", NULL);
	done(&r);
	assert_int_equal(bf_alloc_live(), before);
}

/* difflib's ratio and get_close_matches, on values Python gives. */
static void test_suggest(void **state)
{
	static const char *const names[] = {"--samples", "--samples-file", "--force-samples",
					    "--regions", "--types"};
	const char *best[3];
	size_t n;

	(void)state;
	assert_true(cli_suggest_ratio("abcd", "bcde") == 0.75); /* 2 * 3 / 8 */
	assert_true(cli_suggest_ratio("", "") == 1.0);
	assert_true(cli_suggest_ratio("abc", "xyz") == 0.0);
	n = cli_suggest("--sample", names, 5, best);
	assert_int_equal(n, 3);
	assert_string_equal(best[0], "--force-samples");
	assert_string_equal(best[1], "--samples");
	assert_string_equal(best[2], "--samples-file");
	assert_int_equal(cli_suggest("--zzzzzz", names, 5, best), 0);
}

/* Python int()/float() rules, directly. */
static void test_pyparse(void **state)
{
	int64_t v;
	double d;

	(void)state;
	assert_true(bf_py_int(" +1_000 ", &v) && v == 1000);
	assert_true(bf_py_int("-9223372036854775808", &v) && v == INT64_MIN);
	assert_false(bf_py_int("9223372036854775808", &v));
	assert_false(bf_py_int("1__0", &v));
	assert_false(bf_py_int("_1", &v));
	assert_false(bf_py_int("", &v));
	assert_true(bf_py_float(" 2.5e1\n", &d) && d == 25.0);
	assert_false(bf_py_float("0x10", &d));
	assert_false(bf_py_float("1_0", &d));
	assert_true(bf_ascii_ieq("WaRNing", "warning"));
	assert_false(bf_ascii_ieq("warn", "warning"));
}

/* The table help, man page and completion are generated from is well formed. */
static void test_opt_table_shape(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(cli_opt_table_len <= CLI_OPT_TABLE_MAX);
	for (i = 0; i < cli_opt_table_len; i++) {
		const struct cli_opt *a = &cli_opt_table[i];

		assert_true(a->long_name[0] == '-' && a->long_name[1] == '-');
		assert_non_null(a->help);
		assert_true((a->required & ~a->cmds) == 0);
		assert_true((a->kind == CLI_K_FLAG || a->kind == CLI_K_HELP) ==
			    (a->metavar == NULL));
		for (j = i + 1; j < cli_opt_table_len; j++) {
			const struct cli_opt *b = &cli_opt_table[j];

			/* a name means one row per command */
			if (!strcmp(a->long_name, b->long_name) ||
			    (a->short_name && a->short_name == b->short_name))
				assert_true((a->cmds & b->cmds) == 0);
		}
	}
	for (i = 0; i < cli_cmd_table_len; i++)
		assert_ptr_equal(cli_cmd_lookup(cli_cmd_table[i].cmd), &cli_cmd_table[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_top_help),
	    cmocka_unit_test(test_group_errors),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_integer_errors),
	    cmocka_unit_test(test_python_int_syntax),
	    cmocka_unit_test(test_choice_errors),
	    cmocka_unit_test(test_pad_byte),
	    cmocka_unit_test(test_unknown_options),
	    cmocka_unit_test(test_option_value_shape),
	    cmocka_unit_test(test_storage_option_and_size_errors),
	    cmocka_unit_test(test_path_checks),
	    cmocka_unit_test(test_mount_options),
	    cmocka_unit_test(test_last_wins),
	    cmocka_unit_test(test_value_forms_and_interleaving),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_mutual_exclusions),
	    cmocka_unit_test(test_backend_and_reader_errors),
	    cmocka_unit_test(test_types_and_allele_counts),
	    cmocka_unit_test(test_bgen_combinations),
	    cmocka_unit_test(test_command_help),
	    cmocka_unit_test(test_default_basename),
	    cmocka_unit_test(test_size_parse),
	    cmocka_unit_test(test_pyrepr),
	    cmocka_unit_test(test_no_leaks),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_pyparse),
	    cmocka_unit_test(test_opt_table_shape),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
