/*
 * opt_table.c - the command and option tables (see opt_table.h).
 */
#include "util/bf_config.h"

#include "cli/opt_table.h"

#include <stdint.h>
#include <string.h>

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
#define M_TS  CLI_M(CLI_CMD_TRACE_SUMMARY)

static const char *const variant_id_choices[] = {"rsid", "varid", NULL};
static const char *const log_level_choices[] = {"warning", "info", "debug", NULL};
static const char *const overlap_choices[] = {"pos", "record", "variant", "0", "1", "2", NULL};

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
    {OPT_MAX_OPEN, 0, "--max-open", CLI_K_INT_RANGE, CLI_SEC_MOUNT, M_MNT, 0, false, 0, INT32_MAX,
     "INTEGER RANGE", "default: 0; x>=0",
     "Streaming file handles that may be open at once; 0 means no limit. A handle costs a "
     "few bytes (all share one cache and the --readahead-buffer-size budget); an open past "
     "a limit waits up to 30 s, then fails with EAGAIN.",
     NULL},
    ROW(OPT_BACKGROUND, 0, "--background", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, false, NULL, NULL,
	"Detach from the terminal once the mount is ready."),
    ROW(OPT_ALLOW_OTHER, 0, "--allow-other", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, false, NULL, NULL,
	"Let other users read the mount (shared nodes); needs user_allow_other in "
	"/etc/fuse.conf unless run as root."),
    ROW(OPT_FOREGROUND, 'f', "--foreground", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, true, NULL, NULL,
	"Stay in the foreground (the default)."),
    ROW(OPT_DEBUG, 'd', "--debug", CLI_K_FLAG, CLI_SEC_MOUNT, M_MNT, 0, true, NULL, NULL,
	"Print libfuse debug output."),
    ROW(OPT_REGIONS, 'r', "--regions", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Regions to include: comma list of CHROM, CHROM:POS, CHROM:BEG-END or CHROM:BEG- "
	"(1-based, inclusive). A record is kept when it overlaps one (--regions-overlap)."),
    ROW(OPT_REGIONS_FILE, 'R', "--regions-file", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL,
	"File of regions to include: tab-separated CHROM POS or CHROM BEG END lines, "
	"'#' comments; a .bed name means 0-based BED starts; may be gzipped."),
    {OPT_REGIONS_OVERLAP, 0, "--regions-overlap", CLI_K_CHOICE, CLI_SEC_SELECTION, M_SEL, 0, false,
     0, 0, "[pos|record|variant|0|1|2]", "default: record",
     "What must lie in a region: POS (pos, 0), any base of REF (record, 1), or a base "
     "the variant changes (variant, 2).",
     overlap_choices},
    ROW(OPT_TARGETS, 't', "--targets", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false, "TEXT", NULL,
	"Target regions to include (same forms as -r, POS must lie in one by default); a "
	"leading ^ excludes them instead."),
    ROW(OPT_TARGETS_FILE, 'T', "--targets-file", CLI_K_STR, CLI_SEC_SELECTION, M_SEL, 0, false,
	"TEXT", NULL, "File of target regions (as -R); a leading ^ excludes them instead."),
    {OPT_TARGETS_OVERLAP, 0, "--targets-overlap", CLI_K_CHOICE, CLI_SEC_SELECTION, M_SEL, 0, false,
     0, 0, "[pos|record|variant|0|1|2]", "default: pos", "As --regions-overlap, for -t/-T.",
     overlap_choices},
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
	"Comma list of variant types to include (snps, indels, mnps, other, bnd; ref "
	"means other, as in bcftools); a site matches if any of its ALT alleles does."),
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
    ROW(OPT_JSON, 0, "--json", CLI_K_FLAG, CLI_SEC_OPTIONS, M_IN, 0, false, NULL, NULL,
	"Print one JSON object (for scripts) instead of the summary."),
    ROW(OPT_JSON, 0, "--json", CLI_K_FLAG, CLI_SEC_OPTIONS, M_TS, 0, false, NULL, NULL,
	"Print the figures as one JSON object (for scripts)."),
    ROW(OPT_HELP, 0, "--help", CLI_K_HELP, CLI_SEC_OPTIONS, M_ALL | M_TS, 0, false, NULL, NULL,
	"Show this message and exit."),
};
const size_t cli_opt_table_len = sizeof(cli_opt_table) / sizeof(cli_opt_table[0]);
_Static_assert(sizeof(cli_opt_table) / sizeof(cli_opt_table[0]) <= CLI_OPT_TABLE_MAX,
	       "raise CLI_OPT_TABLE_MAX");

/* Alphabetical, as Click lists a group's commands. */
const struct cli_cmd_info cli_cmd_table[] = {
    {CLI_CMD_INSPECT, "inspect", "PATH",
     "Describe a store: samples, variants, contigs, fields, sizes.",
     "Describe a VCZ store at a glance: samples, variants, ploidy and phasing; contigs "
     "with their variant counts and position ranges; the INFO fields and FILTER ids a "
     "-i/-e expression can use; chunk shapes, stored size and compression ratio of the "
     "large arrays; and the size of the .bed and fixed-size .bgen a mount would "
     "serve.\n\n--json prints one JSON object with the same facts for scripts."},
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
    {CLI_CMD_TRACE_SUMMARY, "trace-summary", "ACCESS_LOG",
     "Summarise an --access-log trace: how each file was read.",
     "Summarise a JSONL trace written by mount-* --access-log: per file, the opens, "
     "reads and bytes read, a histogram of read sizes, the fraction of sequential reads, "
     "the bytes read again, and read-latency percentiles (p50/p90/p99/max).\n\n"
     "A read is sequential when it starts where the previous read of the same handle "
     "ended. Re-read bytes are bytes read more than once (page-cache misses that came "
     "back, or several handles). ACCESS_LOG '-' reads standard input."},
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
