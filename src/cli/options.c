/*
 * options.c - option tables, argv parsing and up-front validation (see
 * options.h).
 *
 * Parsing runs in three phases, mirroring Click:
 *   1. scan argv: match options, collect positionals; errors here ("No such
 *      option", "requires an argument") are reported in argv order;
 *   2. process parameters: --help first, then every option that was given,
 *      in order of first appearance (each keeps its last value), then the
 *      positionals, then missing required options, then extra positionals;
 *      conversion errors are usage errors (exit 2);
 *   3. validate the combination the way the reference's command body does
 *      (exit 1), before any store is opened.
 */
#include "util/bf_config.h"

#include "cli/options.h"
#include "cli/help.h"
#include "cli/options_internal.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/pyrepr.h"
#include "util/size_parse.h"
#include "util/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
};

#define M_IN  CLI_M(CLI_CMD_INSPECT)
#define M_VP  CLI_M(CLI_CMD_VIEW_PLINK)
#define M_VB  CLI_M(CLI_CMD_VIEW_BGEN)
#define M_MP  CLI_M(CLI_CMD_MOUNT_PLINK)
#define M_MB  CLI_M(CLI_CMD_MOUNT_BGEN)
#define M_SEL (M_VP | M_VB | M_MP | M_MB)
#define M_ALL (M_IN | M_SEL)
#define M_PLK (M_VP | M_MP)
#define M_BGN (M_VB | M_MB)
#define M_MNT (M_MP | M_MB)

static const char *const variant_id_choices[] = {"rsid", "varid", NULL};
static const char *const log_level_choices[] = {"warning", "info", "debug", NULL};

/* Shorthand for the table: most rows have no range and no choices. */
#define ROW(id, sh, lo, kind, sec, cmds, req, hid, meta, extra, help)                              \
	{                                                                                          \
		(id), (sh), (lo), (kind), (sec), (cmds), (req), (hid), 0, 0, (meta), (extra),      \
		    (help), NULL                                                                   \
	}

const struct cli_opt cli_opt_table[] = {
    ROW(OPT_OUTPUT, 'o', "--output", CLI_K_STR, CLI_SEC_OPTIONS, M_VP, M_VP, false, "TEXT", NULL,
	"Output stem, used verbatim: -o foo writes foo.bed, plus foo.bim and foo.fam "
	"unless --no-bim/--no-fam is given."),
    ROW(OPT_OUTPUT, 'o', "--output", CLI_K_STR, CLI_SEC_OPTIONS, M_VB, 0, false, "TEXT", NULL,
	"Output stem, used verbatim: -o foo writes foo.bgen, plus foo.bgen.bgi and "
	"foo.sample. Without -o the .bgen goes to stdout and no sidecar is written."),
    {OPT_COMPRESSION_LEVEL, 0, "--compression-level", CLI_K_INT_RANGE, CLI_SEC_OPTIONS, M_VB, 0,
     false, -1, 9, "INTEGER RANGE", "-1<=x<=9",
     "zlib level of the genotype blocks: 1 by default, 0 (stored) with "
     "--fixed-variant-size; -1 is the zlib default (about 6).",
     NULL},
    ROW(OPT_FIXED_VARIANT_SIZE, 0, "--fixed-variant-size", CLI_K_FLAG, CLI_SEC_OPTIONS, M_VB, 0,
	false, NULL, NULL,
	"Give every variant block the same size, so any byte offset maps to a variant. "
	"Needs compression level 0 and uniform ploidy; enables --total-string-length "
	"and --pad-byte."),
    ROW(OPT_NO_BIM, 0, "--no-bim", CLI_K_FLAG, CLI_SEC_OPTIONS, M_PLK, 0, false, NULL, NULL,
	"Leave out the .bim variant file."),
    ROW(OPT_NO_FAM, 0, "--no-fam", CLI_K_FLAG, CLI_SEC_OPTIONS, M_PLK, 0, false, NULL, NULL,
	"Leave out the .fam sample file."),
    ROW(OPT_NO_BGI, 0, "--no-bgi", CLI_K_FLAG, CLI_SEC_OPTIONS, M_BGN, 0, false, NULL, NULL,
	"Leave out the .bgen.bgi (bgenix SQLite) index."),
    ROW(OPT_NO_SAMPLE_FILE, 0, "--no-sample-file", CLI_K_FLAG, CLI_SEC_OPTIONS, M_BGN, 0, false,
	NULL, NULL, "Leave out the Oxford .sample file (unrelated to -S/--samples-file)."),
    ROW(OPT_NO_HEADER_SAMPLES, 0, "--no-header-samples", CLI_K_FLAG, CLI_SEC_OPTIONS, M_BGN, 0,
	false, NULL, NULL, "Leave the sample IDs out of the BGEN header."),
    ROW(OPT_UNPHASED, 0, "--unphased", CLI_K_FLAG, CLI_SEC_OPTIONS, M_BGN, 0, false, NULL, NULL,
	"Write every variant as unphased, whatever call_genotype_phased says."),
    ROW(OPT_PAD_BYTE, 0, "--pad-byte", CLI_K_STR, CLI_SEC_OPTIONS, M_BGN, 0, false, "TEXT", NULL,
	"ASCII character filling the padding slot after its leading '.' (fixed-size "
	"layout). Default: '.'."),
    ROW(OPT_TOTAL_STRING_LENGTH, 0, "--total-string-length", CLI_K_INT, CLI_SEC_OPTIONS, M_BGN, 0,
	false, "INTEGER", NULL,
	"Byte budget of the five string slots of a variant (fixed-size layout), 5 to "
	"65535. Default: 64."),
    {OPT_VARIANT_ID_FIELD, 0, "--variant-id-field", CLI_K_CHOICE, CLI_SEC_OPTIONS, M_BGN, 0, false,
     0, 0, "[rsid|varid]", "default: rsid",
     "BGEN slot that carries variant_id; the other slot is written as '.'.", variant_id_choices},
    ROW(OPT_BASENAME, 0, "--basename", CLI_K_STR, CLI_SEC_MOUNT, M_MNT, 0, false, "TEXT", NULL,
	"Name of the files in the mount. Default: the store's name without its "
	"suffixes."),
    ROW(OPT_ACCESS_LOG, 0, "--access-log", CLI_K_STR, CLI_SEC_MOUNT, M_MNT, 0, false, "FILE", NULL,
	"Append a JSONL trace of every file operation to FILE."),
    {OPT_READ_TIMEOUT, 0, "--read-timeout", CLI_K_FLOAT, CLI_SEC_MOUNT, M_MNT, 0, false, 0, 0,
     "FLOAT", "default: 30; x>0", "Seconds a read may wait for data before it fails with EIO.",
     NULL},
    {OPT_MAX_OPEN, 0, "--max-open", CLI_K_INT_RANGE, CLI_SEC_MOUNT, M_MNT, 0, false, 1, INT32_MAX,
     "INTEGER RANGE", "default: 16; x>=1", "Streaming files that may be open at the same time.",
     NULL},
    ROW(OPT_BACKGROUND, 0, "--background", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, false, NULL, NULL,
	"Detach from the terminal once the mount is ready."),
    ROW(OPT_FOREGROUND, 'f', "--foreground", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, true, NULL, NULL,
	"Stay in the foreground (the default)."),
    ROW(OPT_DEBUG, 'd', "--debug", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, true, NULL, NULL,
	"Print libfuse debug output."),
    ROW(OPT_REGIONS, 'r', "--regions", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Regions to include: comma list of CHROM, CHROM:POS or CHROM:BEG-END."),
    ROW(OPT_REGIONS_FILE, 'R', "--regions-file", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL, "File of regions to include."),
    ROW(OPT_TARGETS, 't', "--targets", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Target regions to include; a leading ^ excludes them instead."),
    ROW(OPT_TARGETS_FILE, 'T', "--targets-file", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL, "File of target regions; a leading ^ excludes them instead."),
    ROW(OPT_SAMPLES, 's', "--samples", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Comma list of samples to include; a leading ^ excludes them instead."),
    ROW(OPT_SAMPLES_FILE, 'S', "--samples-file", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL, "File of sample names to include; a leading ^ excludes them instead."),
    ROW(OPT_FORCE_SAMPLES, 0, "--force-samples", CLI_K_FLAG, CLI_SEC_SELECTION, M_SEL, 0, false,
	NULL, NULL, "Only warn about unknown samples."),
    ROW(OPT_INCLUDE, 'i', "--include", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Filter expression selecting the sites to include."),
    ROW(OPT_EXCLUDE, 'e', "--exclude", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Filter expression selecting the sites to exclude."),
    ROW(OPT_TYPES, 'v', "--types", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Comma list of variant types to include (snps,indels,mnps,other); a site "
	"matches if any of its alleles does."),
    ROW(OPT_EXCLUDE_TYPES, 'V', "--exclude-types", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL, "Comma list of variant types to exclude."),
    ROW(OPT_MIN_ALLELES, 'm', "--min-alleles", CLI_K_INT, CLI_SEC_SELECTION, M_SEL, 0, false,
	"INTEGER", NULL, "Keep sites with at least INT alleles in REF and ALT."),
    ROW(OPT_MAX_ALLELES, 'M', "--max-alleles", CLI_K_INT, CLI_SEC_SELECTION, M_SEL, 0, false,
	"INTEGER", NULL, "Keep sites with at most INT alleles in REF and ALT."),
    ROW(OPT_BACKEND_STORAGE, 0, "--backend-storage", CLI_K_STR, CLI_SEC_STORE, M_ALL, 0, false,
	"TEXT", NULL,
	"Storage backend: omit for a local directory or .zip (default), or 'fsspec', "
	"'obstore' or 'icechunk'. URLs need a backend."),
    ROW(OPT_ZARR_BACKEND_STORAGE, 0, "--zarr-backend-storage", CLI_K_STR, CLI_SEC_STORE, M_ALL, 0,
	true, "TEXT", NULL, "Deprecated alias of --backend-storage."),
    ROW(OPT_STORAGE_OPTION, 0, "--storage-option", CLI_K_MULTI, CLI_SEC_STORE, M_ALL, 0, false,
	"TEXT", NULL,
	"Backend option as KEY=VALUE (repeatable); VALUE is read as JSON when it parses, "
	"else as a string."),
    ROW(OPT_READAHEAD_WORKERS, 0, "--readahead-workers", CLI_K_INT, CLI_SEC_READER, M_SEL, 0, false,
	"INTEGER", NULL, "Threads that fetch and decode chunks ahead of the encoder. Default: 32."),
    ROW(OPT_READAHEAD_BUFFER_SIZE, 0, "--readahead-buffer-size", CLI_K_SIZE, CLI_SEC_READER, M_SEL,
	0, false, "SIZE", NULL,
	"Cap on the readahead window: a byte count or a size such as '100M', '2G', "
	"'256MiB'. Default: 256MiB."),
    {OPT_LOG_LEVEL, 0, "--log-level", CLI_K_CHOICE, CLI_SEC_LOG, M_ALL, 0, false, 0, 0,
     "[WARNING|INFO|DEBUG]", "default: WARNING", "Logging verbosity.", log_level_choices},
    ROW(OPT_LOG_FILE, 0, "--log-file", CLI_K_STR, CLI_SEC_LOG, M_ALL, 0, false, "FILE", NULL,
	"Write log output to FILE instead of stderr."),
    ROW(OPT_HELP, 0, "--help", CLI_K_HELP, CLI_SEC_OPTIONS, M_ALL, 0, false, NULL, NULL,
	"Show this message and exit."),
};
const size_t cli_opt_table_len = sizeof(cli_opt_table) / sizeof(cli_opt_table[0]);

/* Alphabetical, as Click lists a group's commands. */
const struct cli_cmd_info cli_cmd_table[] = {
    {CLI_CMD_INSPECT, "inspect", "PATH",
     "Describe a VCZ store: samples, contigs, variants, arrays.",
     "Describe a VCZ store: its samples, contigs, variant count, chunking and "
     "arrays."},
    {CLI_CMD_MOUNT_BGEN, "mount-bgen", "VCZ_URL MOUNT_DIR",
     "Mount a BGEN view of VCZ_URL at MOUNT_DIR.",
     "Mount a read-only BGEN view of VCZ_URL at MOUNT_DIR: BASENAME.bgen (BGEN 1.2, "
     "layout 2, 8-bit, fixed-size variant blocks), BASENAME.sample and "
     "BASENAME.bgen.bgi.\n\n"
     "The selection options choose the samples and variants; the files are generated "
     "on demand as they are read. The mount runs in the foreground until interrupted "
     "with Ctrl-C (or SIGTERM) unless --background is given."},
    {CLI_CMD_MOUNT_PLINK, "mount-plink", "VCZ_URL MOUNT_DIR",
     "Mount a PLINK 1.9 view of VCZ_URL at MOUNT_DIR.",
     "Mount a read-only PLINK 1 view of VCZ_URL at MOUNT_DIR: BASENAME.bed, "
     "BASENAME.bim and BASENAME.fam.\n\n"
     "The selection options choose the samples and variants; the .bed is generated on "
     "demand as it is read. Multi-allelic sites are refused: pass -M 2 to skip them. "
     "The mount runs in the foreground until interrupted with Ctrl-C (or SIGTERM) "
     "unless --background is given."},
    {CLI_CMD_VIEW_BGEN, "view-bgen", "PATH", "Generate BGEN output from a VCZ store.",
     "Generate BGEN 1.2 (layout 2, 8-bit) output from a VCZ store.\n\n"
     "Without -o the .bgen streams to stdout. With -o STEM, writes STEM.bgen, "
     "STEM.bgen.bgi and STEM.sample; --no-bgi and --no-sample-file drop the sidecars. "
     "Multi-allelic sites are refused: pass -M 2 to skip them."},
    {CLI_CMD_VIEW_PLINK, "view-plink", "PATH",
     "Generate a PLINK 1 binary fileset from a VCZ store.",
     "Generate a PLINK 1 binary fileset (.bed/.bim/.fam) from a VCZ store.\n\n"
     "A1=ALT, A2=REF (plink 2's convention). Sample and region selection follows "
     "bcftools view. Multi-allelic sites are refused: pass -M 2 to skip them. -i/-e "
     "filters are evaluated over the selected samples."},
};
const size_t cli_cmd_table_len = sizeof(cli_cmd_table) / sizeof(cli_cmd_table[0]);

const struct cli_cmd_info *cli_cmd_lookup(enum cli_command cmd)
{
	size_t i;

	for (i = 0; i < cli_cmd_table_len; i++) {
		if (cli_cmd_table[i].cmd == cmd)
			return &cli_cmd_table[i];
	}
	return NULL;
}

const char *cli_command_name(enum cli_command cmd)
{
	const struct cli_cmd_info *ci = cli_cmd_lookup(cmd);

	return ci ? ci->name : "";
}

/* ---------------------------------------------------------------- messages */

/* A message under construction; an allocation failure is sticky. */
struct msg {
	struct bf_strbuf sb;
	bool oom;
};

static void m_adds(struct msg *m, const char *s)
{
	if (!m->oom && bf_strbuf_adds(&m->sb, s) < 0)
		m->oom = true;
}

static void m_addf(struct msg *m, const char *fmt, ...) BF_PRINTF(2, 3);

static void m_addf(struct msg *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m_adds(m, buf);
}

static void m_repr(struct msg *m, const char *s)
{
	if (!m->oom && bf_pyrepr_str(&m->sb, s) < 0)
		m->oom = true;
}

static const char *m_text(const struct msg *m)
{
	return m->oom ? "out of memory" : (m->sb.buf ? m->sb.buf : "");
}

static void m_release(struct msg *m)
{
	bf_strbuf_release(&m->sb);
}

/* Click's UsageError: usage line, "Try ..." hint, blank line, "Error: ...".  @return 2. */
static int usage_error(enum cli_command cmd, FILE *err, struct msg *m)
{
	const char *name = cli_command_name(cmd);

	cli_usage_print(cmd, err);
	fprintf(err, "Try 'biofuse%s%s --help' for help.\n\nError: %s\n", *name ? " " : "", name,
		m_text(m));
	m_release(m);
	return 2;
}

/* A ClickException from a ValueError: "Error: ..." only.  @return 1. */
static int value_error(FILE *err, struct msg *m)
{
	fprintf(err, "Error: %s\n", m_text(m));
	m_release(m);
	return 1;
}

/* "'-m' / '--min-alleles'" */
static void m_hint(struct msg *m, const struct cli_opt *opt)
{
	if (opt->short_name)
		m_addf(m, "'-%c' / ", opt->short_name);
	m_addf(m, "'%s'", opt->long_name);
}

static void m_invalid_for(struct msg *m, const struct cli_opt *opt)
{
	m_adds(m, "Invalid value for ");
	m_hint(m, opt);
	m_adds(m, ": ");
}

/* ------------------------------------------------------ "Did you mean ...?" */

#define SUGGEST_MAXLEN 128

/*
 * Matching characters of a and b, as the sum of difflib.SequenceMatcher's
 * matching blocks: the longest common run (earliest in a, then in b), then
 * recursively left and right of it.  `prev` and `cur` are scratch rows of
 * SUGGEST_MAXLEN + 1 entries; each level is done with them before it recurses.
 */
static size_t seq_matches(const char *a, size_t alo, size_t ahi, const char *b, size_t blo,
			  size_t bhi, size_t *prev, size_t *cur)
{
	size_t i, j, k, besti = alo, bestj = blo, best = 0, *t;

	if (alo >= ahi || blo >= bhi)
		return 0;
	memset(prev, 0, (SUGGEST_MAXLEN + 1) * sizeof(*prev));
	for (i = alo; i < ahi; i++) {
		memset(cur, 0, (SUGGEST_MAXLEN + 1) * sizeof(*cur));
		for (j = blo; j < bhi; j++) {
			if (a[i] != b[j])
				continue;
			k = (j > blo ? prev[j - 1] : 0) + 1;
			cur[j] = k;
			if (k > best) {
				besti = i + 1 - k;
				bestj = j + 1 - k;
				best = k;
			}
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	if (best == 0)
		return 0;
	return best + seq_matches(a, alo, besti, b, blo, bestj, prev, cur) +
	       seq_matches(a, besti + best, ahi, b, bestj + best, bhi, prev, cur);
}

static double seq_ratio(const char *a, const char *b)
{
	size_t rowa[SUGGEST_MAXLEN + 1], rowb[SUGGEST_MAXLEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb == 0)
		return 1.0;
	return 2.0 * (double)seq_matches(a, 0, la, b, 0, lb, rowa, rowb) / (double)(la + lb);
}

/*
 * Click's NoSuchOption for a long option: difflib.get_close_matches(word,
 * long options, n=3, cutoff=0.6), shown sorted.
 */
static void m_no_such_option(struct msg *m, const char *word, const char *const *names, size_t n)
{
	const char *best[3] = {NULL, NULL, NULL};
	double score[3] = {0, 0, 0};
	size_t i, nb = 0, k;

	m_adds(m, "No such option: ");
	m_adds(m, word);
	if (strlen(word) > SUGGEST_MAXLEN || word[0] != '-' || word[1] != '-')
		return;
	for (i = 0; i < n; i++) {
		double s;

		if (strlen(names[i]) > SUGGEST_MAXLEN)
			continue;
		s = seq_ratio(names[i], word);
		if (s < 0.6)
			continue;
		/* keep the 3 largest (score, name) pairs */
		for (k = 0; k < nb; k++) {
			if (s > score[k] || (s == score[k] && strcmp(names[i], best[k]) > 0))
				break;
		}
		if (k >= 3)
			continue;
		if (nb < 3)
			nb++;
		memmove(&best[k + 1], &best[k], (nb - 1 - k) * sizeof(best[0]));
		memmove(&score[k + 1], &score[k], (nb - 1 - k) * sizeof(score[0]));
		best[k] = names[i];
		score[k] = s;
	}
	if (nb == 0)
		return;
	/* alphabetical, as Click shows them */
	for (i = 1; i < nb; i++) {
		for (k = i; k > 0 && strcmp(best[k - 1], best[k]) > 0; k--) {
			const char *t = best[k];

			best[k] = best[k - 1];
			best[k - 1] = t;
		}
	}
	if (nb == 1) {
		m_adds(m, " Did you mean ");
		m_adds(m, best[0]);
		m_adds(m, "?");
		return;
	}
	m_adds(m, " (Possible options: ");
	for (i = 0; i < nb; i++) {
		if (i)
			m_adds(m, ", ");
		m_adds(m, best[i]);
	}
	m_adds(m, ")");
}

/* ------------------------------------------------------ value conversion */

/* Python's str.strip() set, for the ASCII range. */
static bool py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/*
 * Python int(s): surrounding whitespace, a sign, decimal digits with single
 * '_' between them.  Values outside int64 are refused (Python has no limit).
 */
static bool py_int(const char *s, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg = false, digit = false;

	while (py_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s == '_' && digit && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			break;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v) || v > lim)
			return false;
		digit = true;
	}
	while (py_space(*s))
		s++;
	if (!digit || *s)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Python float(s), without '_' separators or hex. */
static bool py_float(const char *s, double *out)
{
	char *end;
	const char *p;

	while (py_space(*s))
		s++;
	for (p = s; *p; p++) {
		if (*p == 'x' || *p == 'X' || *p == '_' || *p == '(')
			return false;
	}
	if (!*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	if (end == s)
		return false;
	while (py_space(*end))
		end++;
	return *end == '\0';
}

static bool ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* ----------------------------------------------------------------- parsing */

struct occ {
	int first;	  /* order of the first appearance, -1 when absent */
	const char *last; /* last value (flags: the option text) */
};

struct pstate {
	enum cli_command cmd;
	FILE *out, *err;
	struct occ occ[sizeof(cli_opt_table) / sizeof(cli_opt_table[0])];
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
	const char *names[sizeof(cli_opt_table) / sizeof(cli_opt_table[0])];
	struct msg m = {BF_STRBUF_INIT, false};
	size_t i, n = 0;
	char *word = bf_strndup(name, len);

	if (!word) {
		m.oom = true;
		return usage_error(ps->cmd, ps->err, &m);
	}
	for (i = 0; i < cli_opt_table_len; i++) {
		if (cli_opt_table[i].cmds & CLI_M(ps->cmd))
			names[n++] = cli_opt_table[i].long_name;
	}
	m_no_such_option(&m, word, names, n);
	bf_free(word);
	return usage_error(ps->cmd, ps->err, &m);
}

static int requires_argument(struct pstate *ps, const char *name, size_t len)
{
	struct msg m = {BF_STRBUF_INIT, false};

	m_adds(&m, "Option '");
	m_addf(&m, "%.*s", (int)len, name);
	m_adds(&m, "' requires an argument.");
	return usage_error(ps->cmd, ps->err, &m);
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
					struct msg m = {BF_STRBUF_INIT, false};

					m_addf(&m, "Option '%s' does not take a value.",
					       opt->long_name);
					return usage_error(ps->cmd, ps->err, &m);
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
				struct msg m = {BF_STRBUF_INIT, false};
				char name[3] = {'-', arg[j], '\0'};

				m_adds(&m, "No such option: ");
				m_adds(&m, name);
				return usage_error(ps->cmd, ps->err, &m);
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
	struct msg m = {BF_STRBUF_INIT, false};
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		m_invalid_for(&m, opt);
		m_adds(&m, "File ");
		m_repr(&m, path);
		m_adds(&m, " is a directory.");
		return usage_error(ps->cmd, ps->err, &m);
	}
	if (writable && access(path, W_OK) != 0) {
		m_invalid_for(&m, opt);
		m_adds(&m, "File ");
		m_repr(&m, path);
		m_adds(&m, " is not writable.");
		return usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

static int convert_int(struct pstate *ps, const struct cli_opt *opt, const char *v, int64_t *out)
{
	struct msg m = {BF_STRBUF_INIT, false};

	if (!py_int(v, out)) {
		m_invalid_for(&m, opt);
		m_repr(&m, v);
		m_adds(&m, " is not a valid integer.");
		return usage_error(ps->cmd, ps->err, &m);
	}
	if (opt->kind == CLI_K_INT_RANGE && (*out < opt->lo || *out > opt->hi)) {
		/* Click's IntRange text: "lo<=x<=hi", or "x>=lo" without an upper bound */
		m_invalid_for(&m, opt);
		m_addf(&m, "%lld is not in the range ", (long long)*out);
		if (opt->hi == INT32_MAX)
			m_addf(&m, "x>=%lld.", (long long)opt->lo);
		else
			m_addf(&m, "%lld<=x<=%lld.", (long long)opt->lo, (long long)opt->hi);
		return usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

/* Convert the value of one given option into `o`.  @return 0 or 2. */
static int convert_option(struct pstate *ps, const struct cli_opt *opt, struct cli_options *o)
{
	const char *v = ps->occ[opt - cli_opt_table].last;
	struct msg m = {BF_STRBUF_INIT, false};
	struct bf_err err;
	int64_t iv = 0;
	double dv;
	int rc;

	switch ((enum cli_opt_id)opt->id) {
	case OPT_HELP:
		return 0;
	case OPT_OUTPUT:
		o->output = v;
		return 0;
	case OPT_COMPRESSION_LEVEL:
		if ((rc = convert_int(ps, opt, v, &iv)))
			return rc;
		o->compression_level = (int)iv;
		o->compression_level_set = true;
		return 0;
	case OPT_FIXED_VARIANT_SIZE:
		o->fixed_variant_size = true;
		return 0;
	case OPT_NO_BIM:
		o->no_bim = true;
		return 0;
	case OPT_NO_FAM:
		o->no_fam = true;
		return 0;
	case OPT_NO_BGI:
		o->no_bgi = true;
		return 0;
	case OPT_NO_SAMPLE_FILE:
		o->no_sample_file = true;
		return 0;
	case OPT_NO_HEADER_SAMPLES:
		o->no_header_samples = true;
		return 0;
	case OPT_UNPHASED:
		o->unphased = true;
		return 0;
	case OPT_PAD_BYTE:
		/* one ASCII character; the reference crashes on non-ASCII, we refuse it */
		if (strlen(v) != 1 || (unsigned char)v[0] >= 0x80) {
			m_invalid_for(&m, opt);
			m_adds(&m, "--pad-byte must be a single ASCII character (got ");
			m_repr(&m, v);
			m_adds(&m, ")");
			return usage_error(ps->cmd, ps->err, &m);
		}
		o->pad_byte = v[0];
		o->pad_byte_set = true;
		return 0;
	case OPT_TOTAL_STRING_LENGTH:
		if ((rc = convert_int(ps, opt, v, &iv)))
			return rc;
		o->total_string_length = iv;
		o->total_string_length_set = true;
		return 0;
	case OPT_VARIANT_ID_FIELD:
		if (!strcmp(v, "rsid") || !strcmp(v, "varid")) {
			o->variant_id_field =
			    v[0] == 'r' ? CLI_VARIANT_ID_RSID : CLI_VARIANT_ID_VARID;
			return 0;
		}
		m_invalid_for(&m, opt);
		m_repr(&m, v);
		m_adds(&m, " is not one of 'rsid', 'varid'.");
		return usage_error(ps->cmd, ps->err, &m);
	case OPT_BASENAME:
		o->basename = v;
		return 0;
	case OPT_ACCESS_LOG:
		if ((rc = check_file_path(ps, opt, v, false)))
			return rc;
		o->access_log = v;
		return 0;
	case OPT_READ_TIMEOUT:
		if (!py_float(v, &dv)) {
			m_invalid_for(&m, opt);
			m_repr(&m, v);
			m_adds(&m, " is not a valid float.");
			return usage_error(ps->cmd, ps->err, &m);
		}
		if (!(dv > 0)) {
			m_invalid_for(&m, opt);
			if (!m.oom && bf_pyrepr_float(&m.sb, dv) < 0)
				m.oom = true;
			m_adds(&m, " is not in the range x>0.");
			return usage_error(ps->cmd, ps->err, &m);
		}
		o->read_timeout = dv;
		return 0;
	case OPT_MAX_OPEN:
		if ((rc = convert_int(ps, opt, v, &iv)))
			return rc;
		o->max_open = (int)iv;
		return 0;
	case OPT_BACKGROUND:
		o->background = true;
		return 0;
	case OPT_FOREGROUND:
		o->background = false;
		return 0;
	case OPT_DEBUG:
		o->fuse_debug = true;
		return 0;
	case OPT_REGIONS:
		o->regions = v;
		return 0;
	case OPT_REGIONS_FILE:
		o->regions_file = v;
		return 0;
	case OPT_TARGETS:
		o->targets = v;
		return 0;
	case OPT_TARGETS_FILE:
		o->targets_file = v;
		return 0;
	case OPT_SAMPLES:
		o->samples = v;
		return 0;
	case OPT_SAMPLES_FILE:
		o->samples_file = v;
		return 0;
	case OPT_FORCE_SAMPLES:
		o->force_samples = true;
		return 0;
	case OPT_INCLUDE:
		o->include = v;
		return 0;
	case OPT_EXCLUDE:
		o->exclude = v;
		return 0;
	case OPT_TYPES:
		o->types = v;
		return 0;
	case OPT_EXCLUDE_TYPES:
		o->exclude_types = v;
		return 0;
	case OPT_MIN_ALLELES:
		if ((rc = convert_int(ps, opt, v, &o->min_alleles)))
			return rc;
		o->min_alleles_set = true;
		return 0;
	case OPT_MAX_ALLELES:
		if ((rc = convert_int(ps, opt, v, &o->max_alleles)))
			return rc;
		o->max_alleles_set = true;
		return 0;
	case OPT_BACKEND_STORAGE:
		o->backend_name = v;
		return 0;
	case OPT_ZARR_BACKEND_STORAGE:
		/* the deprecated alias only fills in what --backend-storage left unset */
		return 0;
	case OPT_STORAGE_OPTION:
		/* KEY=VALUE is checked with the command body, see validate() */
		return 0;
	case OPT_READAHEAD_WORKERS:
		return convert_int(ps, opt, v, &o->readahead_workers);
	case OPT_READAHEAD_BUFFER_SIZE:
		rc = bf_size_parse(v, &o->readahead_buffer_size, &err);
		if (rc) {
			m_invalid_for(&m, opt);
			m_adds(&m, err.msg);
			return usage_error(ps->cmd, ps->err, &m);
		}
		return 0;
	case OPT_LOG_LEVEL:
		if (ascii_ieq(v, "warning"))
			o->log_level = BF_LOG_WARNING;
		else if (ascii_ieq(v, "info"))
			o->log_level = BF_LOG_INFO;
		else if (ascii_ieq(v, "debug"))
			o->log_level = BF_LOG_DEBUG;
		else {
			m_invalid_for(&m, opt);
			m_repr(&m, v);
			m_adds(&m, " is not one of 'warning', 'info', 'debug'.");
			return usage_error(ps->cmd, ps->err, &m);
		}
		return 0;
	case OPT_LOG_FILE:
		if ((rc = check_file_path(ps, opt, v, true)))
			return rc;
		o->log_file = v;
		return 0;
	}
	return 0;
}

/* The positional parameter names of a command, in order. */
static size_t positional_names(enum cli_command cmd, const char *names[2])
{
	names[0] = (cmd == CLI_CMD_MOUNT_PLINK || cmd == CLI_CMD_MOUNT_BGEN) ? "VCZ_URL" : "PATH";
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
		struct msg m = {BF_STRBUF_INIT, false};

		if (k >= ps->n_pos) {
			m_addf(&m, "Missing argument '%s'.", pnames[k]);
			return usage_error(ps->cmd, ps->err, &m);
		}
		if (k == 0) {
			o->store = ps->pos[0];
		} else {
			struct stat st;

			o->mount_dir = ps->pos[1];
			if (stat(o->mount_dir, &st) == 0 && S_ISREG(st.st_mode)) {
				m_adds(&m, "Invalid value for 'MOUNT_DIR': Directory ");
				m_repr(&m, o->mount_dir);
				m_adds(&m, " is a file.");
				return usage_error(ps->cmd, ps->err, &m);
			}
		}
	}
	for (i = 0; i < n; i++) {
		const struct cli_opt *opt = &cli_opt_table[i];
		struct msg m = {BF_STRBUF_INIT, false};

		if ((opt->required & CLI_M(ps->cmd)) && ps->occ[i].first < 0) {
			m_adds(&m, "Missing option ");
			m_hint(&m, opt);
			m_adds(&m, ".");
			return usage_error(ps->cmd, ps->err, &m);
		}
	}
	if (ps->n_pos > npos) {
		struct msg m = {BF_STRBUF_INIT, false};

		m_adds(&m, ps->n_pos - npos == 1 ? "Got unexpected extra argument ("
						 : "Got unexpected extra arguments (");
		for (k = npos; k < ps->n_pos; k++) {
			if (k > npos)
				m_adds(&m, " ");
			m_adds(&m, ps->pos[k]);
		}
		m_adds(&m, ")");
		return usage_error(ps->cmd, ps->err, &m);
	}
	return 0;
}

/* --------------------------------------------------------------- validation */

static const char *const type_keywords[] = {"snps", "indels", "mnps", "other"};

/* vcztools' _parse_types_option: every comma item must be a known keyword. */
static int check_types(FILE *err, const char *value, const char *option_name)
{
	struct msg m = {BF_STRBUF_INIT, false};
	const char *p = value;
	size_t nbad = 0, k;

	m_adds(&m, "Invalid type(s) [");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool known = false;

		for (k = 0; k < 4; k++) {
			if (strlen(type_keywords[k]) == len && !memcmp(type_keywords[k], p, len))
				known = true;
		}
		if (!known) {
			char *item = bf_strndup(p, len);

			if (nbad++)
				m_adds(&m, ", ");
			if (item)
				m_repr(&m, item);
			else
				m.oom = true;
			bf_free(item);
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (nbad == 0) {
		m_release(&m);
		return 0;
	}
	m_addf(&m, "] in --%s; valid types are: snps, indels, mnps, other.", option_name);
	return value_error(err, &m);
}

/* True when the list names a type other than snps (the TYPE operator knows only snp). */
static bool types_unsupported(const char *value)
{
	const char *p = value;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (!(len == 4 && !memcmp(p, "snps", 4)))
			return true;
		if (!end)
			return false;
		p = end + 1;
	}
}

static int split_storage_options(struct cli_options *o, struct pstate *ps)
{
	size_t i;

	if (ps->n_multi == 0)
		return 0;
	o->storage_options = bf_calloc(ps->n_multi, sizeof(*o->storage_options));
	if (!o->storage_options) {
		fprintf(ps->err, "Error: out of memory\n");
		return 1;
	}
	for (i = 0; i < ps->n_multi; i++) {
		const char *kv = ps->multi[i], *eq = strchr(kv, '=');
		struct msg m = {BF_STRBUF_INIT, false};

		if (!eq) {
			/* a BadParameter raised outside Click's parsing: no usage lines */
			m_adds(&m, "Invalid value: --storage-option must be KEY=VALUE: ");
			m_repr(&m, kv);
			fprintf(ps->err, "Error: %s\n", m_text(&m));
			m_release(&m);
			return 2;
		}
		o->storage_options[i].key = bf_strndup(kv, (size_t)(eq - kv));
		o->storage_options[i].value = bf_strdup(eq + 1);
		o->n_storage_options = i + 1;
		if (!o->storage_options[i].key || !o->storage_options[i].value) {
			fprintf(ps->err, "Error: out of memory\n");
			return 1;
		}
	}
	return 0;
}

/* Phase 3: the checks the reference makes in the command body, in its order. */
static int validate(struct pstate *ps, struct cli_options *o)
{
	const char *zarr_alias = NULL;
	bool mount = o->cmd == CLI_CMD_MOUNT_PLINK || o->cmd == CLI_CMD_MOUNT_BGEN;
	bool sel = o->cmd != CLI_CMD_INSPECT;
	struct msg m = {BF_STRBUF_INIT, false};
	size_t i;
	int rc;

	for (i = 0; i < cli_opt_table_len; i++) {
		if (cli_opt_table[i].id == OPT_ZARR_BACKEND_STORAGE && ps->occ[i].first >= 0)
			zarr_alias = ps->occ[i].last;
	}
	if (zarr_alias && !o->backend_name) {
		o->backend_name = zarr_alias;
		o->zarr_backend_alias_used = true;
	}
	if ((rc = split_storage_options(o, ps)))
		return rc;

	if (mount) {
		struct stat st;

		if (stat(o->mount_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			m_adds(&m, "mount directory does not exist: ");
			m_adds(&m, o->mount_dir);
			return value_error(ps->err, &m);
		}
		if (!o->basename) {
			o->basename_owned = cli_default_basename(o->store);
			if (!o->basename_owned) {
				m.oom = true;
				return value_error(ps->err, &m);
			}
			o->basename = o->basename_owned;
		}
	}

	if (sel) {
		if (o->regions && o->regions_file)
			m_adds(&m, "Cannot specify both a regions string (-r) and a regions file "
				   "(-R)");
		else if (o->targets && o->targets_file)
			m_adds(&m, "Cannot specify both a target string (-t) and a targets file "
				   "(-T)");
		else if (o->samples && o->samples_file)
			m_adds(&m, "Cannot specify both a samples string (-s) and a samples file "
				   "(-S)");
		else if (o->types && o->exclude_types)
			m_adds(&m, "Cannot use --types and --exclude-types together.");
		if (m.sb.len || m.oom)
			return value_error(ps->err, &m);
	}

	if (o->backend_name) {
		if (!strcmp(o->backend_name, "fsspec"))
			o->backend = CLI_BACKEND_FSSPEC;
		else if (!strcmp(o->backend_name, "obstore"))
			o->backend = CLI_BACKEND_OBSTORE;
		else if (!strcmp(o->backend_name, "icechunk"))
			o->backend = CLI_BACKEND_ICECHUNK;
		else {
			m_adds(&m, "Unsupported Zarr backend storage: ");
			m_adds(&m, o->backend_name);
			m_adds(&m, ". Must be None (local-only), 'fsspec', 'obstore', or "
				   "'icechunk'");
			return value_error(ps->err, &m);
		}
	}
	if (!sel)
		return 0;

	if (o->readahead_workers <= 0) {
		m_adds(&m, "max_workers must be greater than 0");
		return value_error(ps->err, &m);
	}
	if (o->include && o->exclude) {
		m_adds(&m, "Cannot handle both an include expression and an exclude expression.");
		return value_error(ps->err, &m);
	}
	if (o->types && (rc = check_types(ps->err, o->types, "types")))
		return rc;
	if (o->exclude_types && (rc = check_types(ps->err, o->exclude_types, "exclude-types")))
		return rc;
	if (o->min_alleles_set && o->min_alleles < 1) {
		m_addf(&m, "--min-alleles must be >= 1, got %lld", (long long)o->min_alleles);
		return value_error(ps->err, &m);
	}
	if (o->max_alleles_set && o->max_alleles < 1) {
		m_addf(&m, "--max-alleles must be >= 1, got %lld", (long long)o->max_alleles);
		return value_error(ps->err, &m);
	}
	if ((o->types && types_unsupported(o->types)) ||
	    (o->exclude_types && types_unsupported(o->exclude_types))) {
		m_adds(&m, "Unsupported filtering feature: TYPE field (except 'ref' and 'snp'). "
			   "Please see https://github.com/sgkit-dev/vcztools/issues/166 for "
			   "details and let us know if this is important to you.");
		return value_error(ps->err, &m);
	}

	if (o->cmd == CLI_CMD_VIEW_BGEN || o->cmd == CLI_CMD_MOUNT_BGEN) {
		if (!o->fixed_variant_size && (o->total_string_length_set || o->pad_byte_set)) {
			m_adds(&m,
			       "total_string_length / pad_byte require fixed_variant_size=True");
			return value_error(ps->err, &m);
		}
		if (o->fixed_variant_size && o->compression_level_set &&
		    o->compression_level != 0) {
			m_addf(&m,
			       "fixed_variant_size=True requires compression_level=0 (fixed-size "
			       "variant blocks have a deterministic block size); got "
			       "compression_level=%d",
			       o->compression_level);
			return value_error(ps->err, &m);
		}
		if (o->fixed_variant_size && o->total_string_length < 5) {
			m_addf(&m, "total_string_length must be >= 5 (got %lld)",
			       (long long)o->total_string_length);
			return value_error(ps->err, &m);
		}
		if (o->fixed_variant_size && o->total_string_length > 65535) {
			m_addf(&m,
			       "total_string_length=%lld exceeds BGEN length-prefix width 65535",
			       (long long)o->total_string_length);
			return value_error(ps->err, &m);
		}
		if (!o->compression_level_set)
			o->compression_level = o->fixed_variant_size ? 0 : 1;
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
	if (!rc && !o->show_help)
		rc = validate(&ps, o);
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
		struct msg m = {BF_STRBUF_INIT, false};
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
			m_addf(&m, "Option '%.*s' does not take a value.", (int)nlen, arg);
			return usage_error(CLI_CMD_NONE, err_stream, &m);
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
			m_addf(&m, "No such option: -%c", arg[1]);
		}
		return usage_error(CLI_CMD_NONE, err_stream, &m);
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
		struct msg m = {BF_STRBUF_INIT, false};

		m_adds(&m, "Missing command.");
		return usage_error(CLI_CMD_NONE, err_stream, &m);
	}
	for (k = 0; k < cli_cmd_table_len; k++) {
		if (!strcmp(argv[i], cli_cmd_table[k].name))
			return parse_command(cli_cmd_table[k].cmd, argc - i - 1, argv + i + 1, out,
					     out_stream, err_stream);
	}
	{
		struct msg m = {BF_STRBUF_INIT, false};

		m_adds(&m, "No such command ");
		m_repr(&m, argv[i]);
		m_adds(&m, ".");
		return usage_error(CLI_CMD_NONE, err_stream, &m);
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
