/*
 * validate.c - phase 3 of parsing: the command body's checks (see validate.h).
 */
#include "util/bf_config.h"

#include "cli/validate.h"
#include "cli/cli_msg.h"
#include "util/alloc.h"

#include <string.h>
#include <sys/stat.h>

/* bcftools 1.16's -v/-V keywords (select/vtype.h gives their meaning). */
static const char *const type_keywords[] = {"snps", "indels", "mnps", "other", "ref", "bnd"};

/* Every comma item must be a known keyword (vcztools' message, bcftools' list). */
static int check_types(FILE *err, const char *value, const char *option_name)
{
	struct cli_msg m = CLI_MSG_INIT;
	const char *p = value;
	size_t nbad = 0, k;

	cli_msg_adds(&m, "Invalid type(s) [");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool known = false;

		for (k = 0; k < sizeof(type_keywords) / sizeof(type_keywords[0]); k++) {
			if (strlen(type_keywords[k]) == len && !memcmp(type_keywords[k], p, len))
				known = true;
		}
		if (!known) {
			char *item = bf_strndup(p, len);

			if (nbad++)
				cli_msg_adds(&m, ", ");
			if (item)
				cli_msg_repr(&m, item);
			else
				m.oom = true;
			bf_free(item);
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (nbad == 0) {
		cli_msg_release(&m);
		return 0;
	}
	cli_msg_addf(&m, "] in --%s; valid types are: snps, indels, mnps, other, ref, bnd.",
		     option_name);
	return cli_value_error(err, &m);
}

static int split_storage_options(struct cli_options *o, const struct cli_given *g, FILE *err)
{
	size_t i;

	if (g->n_storage_options == 0)
		return 0;
	o->storage_options = bf_calloc(g->n_storage_options, sizeof(*o->storage_options));
	if (!o->storage_options) {
		fprintf(err, "Error: out of memory\n");
		return 1;
	}
	for (i = 0; i < g->n_storage_options; i++) {
		const char *kv = g->storage_options[i], *eq = strchr(kv, '=');
		struct cli_msg m = CLI_MSG_INIT;

		if (!eq) {
			/* a BadParameter raised outside Click's parsing: no usage lines */
			cli_msg_adds(&m, "Invalid value: --storage-option must be KEY=VALUE: ");
			cli_msg_repr(&m, kv);
			fprintf(err, "Error: %s\n", cli_msg_text(&m));
			cli_msg_release(&m);
			return 2;
		}
		o->storage_options[i].key = bf_strndup(kv, (size_t)(eq - kv));
		o->storage_options[i].value = bf_strdup(eq + 1);
		o->n_storage_options = i + 1;
		if (!o->storage_options[i].key || !o->storage_options[i].value) {
			fprintf(err, "Error: out of memory\n");
			return 1;
		}
	}
	return 0;
}

/* MOUNT_DIR must be a directory; the default --basename. */
static int validate_mount(struct cli_options *o, FILE *err)
{
	struct cli_msg m = CLI_MSG_INIT;
	struct stat st;

	if (stat(o->mount_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_msg_adds(&m, "mount directory does not exist: ");
		cli_msg_adds(&m, o->mount_dir);
		return cli_value_error(err, &m);
	}
	if (!o->basename) {
		o->basename_owned = cli_default_basename(o->store);
		if (!o->basename_owned) {
			m.oom = true;
			return cli_value_error(err, &m);
		}
		o->basename = o->basename_owned;
	}
	return 0;
}

/* spec/selection.md 1.6: a string and a file of the same kind exclude each other. */
static int validate_exclusive(const struct cli_options *o, FILE *err)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (o->regions && o->regions_file)
		cli_msg_adds(&m, "Cannot specify both a regions string (-r) and a regions file "
				 "(-R)");
	else if (o->targets && o->targets_file)
		cli_msg_adds(&m, "Cannot specify both a target string (-t) and a targets file "
				 "(-T)");
	else if (o->samples && o->samples_file)
		cli_msg_adds(&m, "Cannot specify both a samples string (-s) and a samples file "
				 "(-S)");
	else if (o->types && o->exclude_types)
		cli_msg_adds(&m, "Cannot use --types and --exclude-types together.");
	if (m.sb.len || m.oom)
		return cli_value_error(err, &m);
	return 0;
}

static int validate_backend(struct cli_options *o, FILE *err)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (!o->backend_name)
		return 0;
	if (!strcmp(o->backend_name, "fsspec"))
		o->backend = CLI_BACKEND_FSSPEC;
	else if (!strcmp(o->backend_name, "obstore"))
		o->backend = CLI_BACKEND_OBSTORE;
	else if (!strcmp(o->backend_name, "icechunk"))
		o->backend = CLI_BACKEND_ICECHUNK;
	else {
		cli_msg_adds(&m, "Unsupported Zarr backend storage: ");
		cli_msg_adds(&m, o->backend_name);
		cli_msg_adds(&m, ". Must be None (local-only), 'fsspec', 'obstore', or "
				 "'icechunk'");
		return cli_value_error(err, &m);
	}
	return 0;
}

/* The selection and reader checks of every command but inspect. */
static int validate_selection(const struct cli_options *o, FILE *err)
{
	struct cli_msg m = CLI_MSG_INIT;
	int rc;

	if (o->readahead_workers <= 0) {
		cli_msg_adds(&m, "max_workers must be greater than 0");
		return cli_value_error(err, &m);
	}
	if (o->include && o->exclude) {
		cli_msg_adds(&m,
			     "Cannot handle both an include expression and an exclude expression.");
		return cli_value_error(err, &m);
	}
	if (o->types && (rc = check_types(err, o->types, "types")))
		return rc;
	if (o->exclude_types && (rc = check_types(err, o->exclude_types, "exclude-types")))
		return rc;
	if (o->min_alleles_set && o->min_alleles < 1) {
		cli_msg_addf(&m, "--min-alleles must be >= 1, got %lld", (long long)o->min_alleles);
		return cli_value_error(err, &m);
	}
	if (o->max_alleles_set && o->max_alleles < 1) {
		cli_msg_addf(&m, "--max-alleles must be >= 1, got %lld", (long long)o->max_alleles);
		return cli_value_error(err, &m);
	}
	return 0;
}

/* BGEN option combinations; settles the effective compression level. */
static int validate_bgen(struct cli_options *o, FILE *err)
{
	struct cli_msg m = CLI_MSG_INIT;

	if (!o->fixed_variant_size && (o->total_string_length_set || o->pad_byte_set)) {
		cli_msg_adds(&m, "total_string_length / pad_byte require fixed_variant_size=True");
		return cli_value_error(err, &m);
	}
	if (o->fixed_variant_size && o->compression_level_set && o->compression_level != 0) {
		cli_msg_addf(&m,
			     "fixed_variant_size=True requires compression_level=0 (fixed-size "
			     "variant blocks have a deterministic block size); got "
			     "compression_level=%d",
			     o->compression_level);
		return cli_value_error(err, &m);
	}
	if (o->fixed_variant_size && o->total_string_length < 5) {
		cli_msg_addf(&m, "total_string_length must be >= 5 (got %lld)",
			     (long long)o->total_string_length);
		return cli_value_error(err, &m);
	}
	if (o->fixed_variant_size && o->total_string_length > 65535) {
		cli_msg_addf(&m, "total_string_length=%lld exceeds BGEN length-prefix width 65535",
			     (long long)o->total_string_length);
		return cli_value_error(err, &m);
	}
	if (!o->compression_level_set)
		o->compression_level = o->fixed_variant_size ? 0 : 1;
	return 0;
}

int cli_validate(struct cli_options *o, const struct cli_given *g, FILE *err)
{
	bool mount = o->cmd == CLI_CMD_MOUNT_PLINK || o->cmd == CLI_CMD_MOUNT_BGEN;
	bool sel = o->cmd != CLI_CMD_INSPECT && o->cmd != CLI_CMD_TRACE_SUMMARY;
	int rc;

	if (g->zarr_alias && !o->backend_name) {
		o->backend_name = g->zarr_alias;
		o->zarr_backend_alias_used = true;
	}
	if ((rc = split_storage_options(o, g, err)))
		return rc;
	if (mount && (rc = validate_mount(o, err)))
		return rc;
	if (sel && (rc = validate_exclusive(o, err)))
		return rc;
	if ((rc = validate_backend(o, err)))
		return rc;
	if (!sel)
		return 0;
	if ((rc = validate_selection(o, err)))
		return rc;
	if (o->cmd == CLI_CMD_VIEW_BGEN || o->cmd == CLI_CMD_MOUNT_BGEN)
		return validate_bgen(o, err);
	return 0;
}
