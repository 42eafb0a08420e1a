/*
 * select_dump.c - print the variants a selection keeps (a test tool).
 *
 * Usage: select_dump STORE [selection options of view-plink]
 * Parses the options exactly as `biofuse view-plink STORE -o x OPTIONS` does,
 * resolves the selection (select/selection) and prints the global store
 * index of every selected variant, one a line, in output order.  Unlike
 * view-plink it does not refuse multi-allelic sites, so the bcftools-equality
 * corpus can check the selection of every record.  Exit 1 with
 * "Error: ..." on stderr (the same text view-plink prints), 2 after a usage
 * error.
 */
#include "util/bf_config.h"

#include "cli/options.h"
#include "select/selection.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sel_from(const struct cli_options *o, struct selection_opts *s)
{
	memset(s, 0, sizeof(*s));
	s->store = o->store;
	s->samples = o->samples;
	s->samples_file = o->samples_file;
	s->force_samples = o->force_samples;
	s->variants.regions = o->regions;
	s->variants.regions_file = o->regions_file;
	s->variants.targets = o->targets;
	s->variants.targets_file = o->targets_file;
	s->variants.regions_overlap = (enum select_overlap)o->regions_overlap;
	s->variants.targets_overlap = (enum select_overlap)o->targets_overlap;
	s->variants.include = o->include;
	s->variants.exclude = o->exclude;
	s->variants.types = o->types;
	s->variants.exclude_types = o->exclude_types;
	s->variants.min_alleles = o->min_alleles_set ? (int)o->min_alleles : 0;
	s->variants.max_alleles = o->max_alleles_set ? (int)o->max_alleles : 0;
}

int main(int argc, char **argv)
{
	struct cli_options o;
	struct selection_opts so;
	struct selection s;
	struct bf_err err;
	char w_cmd[] = "view-plink", w_o[] = "-o", w_stem[] = "unused";
	char **args;
	int i, rc;
	size_t c;

	if (argc < 2) {
		fprintf(stderr, "usage: select_dump STORE [OPTIONS]\n");
		return 2;
	}
	args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args)
		return 1;
	args[0] = argv[0];
	args[1] = w_cmd;
	args[2] = argv[1];
	args[3] = w_o;
	args[4] = w_stem;
	for (i = 2; i < argc; i++)
		args[i + 3] = argv[i];
	rc = cli_parse(argc + 3, args, &o, stdout, stderr);
	if (rc != 0 || !cli_should_run(&o)) {
		cli_options_release(&o);
		free(args);
		return rc ? rc : 2;
	}
	bf_log_set_level(o.log_level);
	sel_from(&o, &so);
	bf_err_clear(&err);
	rc = selection_open(&so, &s, &err);
	if (rc < 0) {
		fprintf(stderr, "Error: %s\n", err.msg);
		cli_options_release(&o);
		free(args);
		return 1;
	}
	for (c = 0; c < s.plan.n_chunks; c++) {
		const struct plan_chunk *pc = &s.plan.chunks[c];

		for (uint32_t k = 0; k < pc->n; k++)
			printf("%" PRId64 "\n",
			       pc->ci * s.v->vchunk + (int64_t)plan_chunk_row(pc, k));
	}
	selection_release(&s);
	cli_options_release(&o);
	free(args);
	return fflush(stdout) == 0 ? 0 : 1;
}
