/*
 * main.c - program entry: parse the command line (cli/options) and run the
 * command (cli/cmd_*), or run the internal encoder server.
 */
#include "util/bf_config.h"

#include "cli/commands.h"
#include "cli/docgen.h"
#include "cli/progress.h"
#include "cli/options.h"
#include "server/server.h"
#include "store/store.h"
#include "util/log.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The store configuration of a command line: the storage options (borrowed
 * from `o`; `opts` holds the array) and the reader's limits.
 * @return 0, or 1 after printing "Error: out of memory".
 */
static int store_cfg_from(const struct cli_options *o, struct store_config *sc,
			  struct store_opt **opts)
{
	size_t i;

	memset(sc, 0, sizeof(*sc));
	*opts = NULL;
	if (o->n_storage_options) {
		*opts = calloc(o->n_storage_options, sizeof(**opts));
		if (!*opts) {
			fprintf(stderr, "Error: out of memory\n");
			return 1;
		}
		for (i = 0; i < o->n_storage_options; i++) {
			(*opts)[i].key = o->storage_options[i].key;
			(*opts)[i].value = o->storage_options[i].value;
		}
	}
	sc->backend = o->backend_name;
	sc->opts = *opts;
	sc->n_opts = o->n_storage_options;
	sc->max_inflight = (int)o->readahead_workers;
	/*
	 * A mount's remote reads give up (EIO) a little before the front's
	 * --read-timeout, so the server answers instead of being replaced.
	 */
	if (o->cmd == CLI_CMD_MOUNT_PLINK || o->cmd == CLI_CMD_MOUNT_BGEN)
		sc->deadline_s = 0.8 * (o->read_timeout > 0 ? o->read_timeout : 30.0);
	else
		sc->deadline_s = CLI_DEFAULT_READ_TIMEOUT;
	sc->cache_bytes = o->readahead_buffer_size / 4;
	if (sc->cache_bytes < ((uint64_t)8 << 20))
		sc->cache_bytes = (uint64_t)8 << 20;
	return 0;
}

static void common_from(const struct cli_options *o, const struct store_config *sc,
			const struct bf_progress *pg, struct cmd_common *c)
{
	memset(c, 0, sizeof(*c));
	c->sel.variants.progress = pg;
	c->sel.store = o->store;
	c->sel.store_cfg = sc;
	c->sel.samples = o->samples;
	c->sel.samples_file = o->samples_file;
	c->sel.force_samples = o->force_samples;
	c->sel.variants.regions = o->regions;
	c->sel.variants.regions_file = o->regions_file;
	c->sel.variants.targets = o->targets;
	c->sel.variants.targets_file = o->targets_file;
	c->sel.variants.regions_overlap = (enum select_overlap)o->regions_overlap;
	c->sel.variants.targets_overlap = (enum select_overlap)o->targets_overlap;
	c->sel.variants.include = o->include;
	c->sel.variants.exclude = o->exclude;
	c->sel.variants.types = o->types;
	c->sel.variants.exclude_types = o->exclude_types;
	c->sel.variants.min_alleles = o->min_alleles_set ? (int)o->min_alleles : 0;
	c->sel.variants.max_alleles = o->max_alleles_set ? (int)o->max_alleles : 0;
	c->readahead_workers = (int)o->readahead_workers;
	c->readahead_buffer_size = o->readahead_buffer_size;
}

static void bgen_from(const struct cli_options *o, const struct store_config *sc,
		      const struct bf_progress *pg, struct cmd_bgen_opts *b)
{
	memset(b, 0, sizeof(*b));
	common_from(o, sc, pg, &b->c);
	b->output = o->output;
	b->fixed_variant_size = o->fixed_variant_size || o->cmd == CLI_CMD_MOUNT_BGEN;
	b->compression_level = o->compression_level;
	b->total_string_length = (int)o->total_string_length;
	b->pad_byte = o->pad_byte;
	b->id_in_rsid = o->variant_id_field == CLI_VARIANT_ID_RSID;
	b->unphased = o->unphased;
	b->no_bgi = o->no_bgi;
	b->no_sample_file = o->no_sample_file;
	b->no_header_samples = o->no_header_samples;
	b->string_opts_given = o->total_string_length_set || o->pad_byte_set;
}

/* Things the parser accepts that this build cannot do. */
static int check_supported(const struct cli_options *o, const struct store_config *sc)
{
	struct bf_err err;

	bf_err_clear(&err);
	if (store_config_check(o->store, sc, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err.msg);
		return 1;
	}
	if (o->zarr_backend_alias_used)
		bf_log_warn("--zarr-backend-storage is deprecated; use --backend-storage");
	return 0;
}

static int apply_logging(const struct cli_options *o)
{
	bf_log_set_level(o->log_level);
	if (o->log_file && bf_log_set_file(o->log_file) < 0) {
		fprintf(stderr, "Error: cannot open log file '%s'\n", o->log_file);
		return 1;
	}
	return 0;
}

/*
 * exe __server --ipc-fd N --shm-fd M --mount-dir DIR: the encoder server.
 * Its configuration comes over the socket (server/server_config.h), never
 * from here; DIR only names the mount for `ps`.
 */
static int server_entry(int argc, char **argv)
{
	struct progress_steps steps;
	struct bf_progress pg;

	if (argc != 8 || strcmp(argv[2], "--ipc-fd") || strcmp(argv[4], "--shm-fd") ||
	    strcmp(argv[6], "--mount-dir")) {
		fprintf(stderr, "Error: __server is internal to biofuse\n");
		return 2;
	}
	/* the server resolves the selection and writes the sidecars: a line on a terminal */
	progress_steps_init(&steps);
	pg = progress_steps_hook(&steps);
	return server_run(atoi(argv[3]), atoi(argv[5]), &pg);
}

/* The encoder server's configuration for a mount command (strings borrowed from o). */
static void mount_server_config(const struct cli_options *o, const struct store_config *scfg,
				struct server_config *sc)
{
	struct cmd_bgen_opts bo;

	memset(sc, 0, sizeof(*sc));
	bgen_from(o, scfg, NULL, &bo); /* the server reports its own start-up progress */
	sc->export.format = o->cmd == CLI_CMD_MOUNT_BGEN ? "bgen" : "bed";
	sc->export.sel = bo.c.sel;
	sc->export.budget = o->readahead_buffer_size;
	sc->store = *scfg;
	sc->export.sel.store_cfg = &sc->store;
	/* BGEN mounts are always fixed-size, level 0 */
	cmd_bgen_params(&bo, &sc->bgen);
	sc->bgen.fixed = true;
	sc->bgen.compression_level = 0;
	sc->basename = o->basename;
	sc->no_bim = o->no_bim;
	sc->no_fam = o->no_fam;
	sc->no_sample = o->no_sample_file;
	sc->no_bgi = o->no_bgi;
	sc->log_level = o->log_level;
	sc->log_file = o->log_file;
}

static int run_mount(const struct cli_options *o, const struct store_config *scfg,
		     const char *argv0)
{
	struct cmd_mount_opts m;
	struct server_config sc;

	memset(&m, 0, sizeof(m));
	m.argv0 = argv0;
	m.mount_dir = o->mount_dir;
	m.access_log = o->access_log;
	m.read_timeout = o->read_timeout;
	m.max_open = o->max_open;
	m.background = o->background;
	m.allow_other = o->allow_other;
	m.fuse_debug = o->fuse_debug;
	mount_server_config(o, scfg, &sc);
	return cmd_mount(&m, &sc);
}

int main(int argc, char **argv)
{
	struct cli_options o;
	struct store_config scfg;
	struct store_opt *sopts = NULL;
	struct progress_steps steps;
	struct bf_progress pg;
	int rc;

	progress_steps_init(&steps);
	pg = progress_steps_hook(&steps);
	/*
	 * Large buffers come from mmap (util/bigbuf) or, below that, from
	 * malloc's own mmap path: a fixed threshold and two arenas keep freed
	 * memory from lingering in per-thread heaps (the reference's problem).
	 * Fixing the mmap threshold also pins the trim threshold at 128 KiB,
	 * so every chunk's freed read and blosc buffers were handed back and
	 * faulted in again (a third of view-plink's page faults); 32 MiB keeps
	 * them.  The server trims explicitly when it goes idle.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_ARENA_MAX, 2);
	if (argc > 1 && !strcmp(argv[1], "__server"))
		return server_entry(argc, argv);
	/* build-time generators (Makefile): the man page and the completion script */
	if (argc == 2 && !strcmp(argv[1], "__man")) {
		cli_man_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "__bash-completion")) {
		cli_bash_completion_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	rc = cli_parse(argc, argv, &o, stdout, stderr);
	if (rc != 0 || !cli_should_run(&o)) {
		cli_options_release(&o);
		return rc;
	}
	if (apply_logging(&o) || store_cfg_from(&o, &scfg, &sopts) || check_supported(&o, &scfg)) {
		free(sopts);
		cli_options_release(&o);
		return 1;
	}
	switch (o.cmd) {
	case CLI_CMD_INSPECT:
		rc = cmd_inspect(o.store, &scfg, o.json, stdout);
		break;
	case CLI_CMD_TRACE_SUMMARY:
		rc = cmd_trace_summary(o.store, o.json, stdout);
		break;
	case CLI_CMD_VIEW_PLINK: {
		struct cmd_plink_opts p;

		memset(&p, 0, sizeof(p));
		common_from(&o, &scfg, &pg, &p.c);
		p.output = o.output;
		p.no_bim = o.no_bim;
		p.no_fam = o.no_fam;
		rc = cmd_view_plink(&p);
		break;
	}
	case CLI_CMD_VIEW_BGEN: {
		struct cmd_bgen_opts b;

		bgen_from(&o, &scfg, &pg, &b);
		rc = cmd_view_bgen(&b);
		break;
	}
	case CLI_CMD_MOUNT_PLINK:
	case CLI_CMD_MOUNT_BGEN:
		rc = run_mount(&o, &scfg, argv[0]);
		break;
	case CLI_CMD_NONE:
	case CLI_CMD_SERVER:
	default:
		rc = 2;
		break;
	}
	free(sopts);
	cli_options_release(&o);
	return rc;
}
