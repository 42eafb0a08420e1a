/*
 * format.c - the registry of output formats (see format.h).
 *
 * A new format is one file in format/ defining its struct fmt_ops and one
 * line in the table below.
 */
#include "util/bf_config.h"

#include "format/format.h"

#include <string.h>

static const struct fmt_ops *const fmt_table[] = {
    &fmt_bed_ops,	    /* PLINK 1 .bed (bed.c) */
    &fmt_bgen_fixed_ops,    /* fixed-size BGEN 1.2 (bgen.c) */
    &fmt_bgen_variable_ops, /* variable-size BGEN 1.2 (bgen.c) */
    &fmt_raw8_ops,	    /* test-only: raw int8 genotypes (fmt_raw8.c) */
};

size_t fmt_count(void)
{
	return sizeof(fmt_table) / sizeof(fmt_table[0]);
}

const struct fmt_ops *fmt_list(size_t i)
{
	return i < fmt_count() ? fmt_table[i] : NULL;
}

const struct fmt_ops *fmt_find(const char *name)
{
	for (size_t i = 0; name && i < fmt_count(); i++)
		if (strcmp(fmt_table[i]->name, name) == 0)
			return fmt_table[i];
	return NULL;
}

const char *fmt_side_suffix(enum fmt_side k)
{
	switch (k) {
	case FMT_SIDE_BIM:
		return ".bim";
	case FMT_SIDE_FAM:
		return ".fam";
	case FMT_SIDE_SAMPLE:
		return ".sample";
	case FMT_SIDE_BGI:
		return ".bgen.bgi";
	}
	return "";
}

const char *fmt_side_option(enum fmt_side k)
{
	switch (k) {
	case FMT_SIDE_BIM:
		return "--no-bim";
	case FMT_SIDE_FAM:
		return "--no-fam";
	case FMT_SIDE_SAMPLE:
		return "--no-sample-file";
	case FMT_SIDE_BGI:
		return "--no-bgi";
	}
	return "";
}
