/*
 * vtype.c - variant types (see vtype.h).
 */
#include "util/bf_config.h"

#include "select/vtype.h"

#include <string.h>

static char up(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

unsigned vtype_allele(const char *ref, size_t rl, const char *alt, size_t al)
{
	size_t i, ri, ai;

	if (al == 0)
		return VTYPE_REF;
	if (is(alt, al, "*"))
		return VTYPE_OVERLAP;
	if (rl == 1 && al == 1) {
		if (alt[0] == '.' || alt[0] == ref[0] || alt[0] == 'X')
			return VTYPE_REF;
		return VTYPE_SNP;
	}
	if (alt[0] == '<') {
		/* htslib: '<X>' and '<*>' as prefixes, '<NON_REF>' whole */
		if ((al >= 3 && (!memcmp(alt, "<X>", 3) || !memcmp(alt, "<*>", 3))) ||
		    is(alt, al, "<NON_REF>"))
			return VTYPE_REF;
		return VTYPE_OTHER;
	}
	if (alt[0] == '[' || alt[0] == ']')
		return VTYPE_BND;
	/* common prefix */
	for (i = 0; i < rl && i < al && up(ref[i]) == up(alt[i]); i++)
		;
	if (i == rl && i < al) {
		if (alt[i] == '[' || alt[i] == ']')
			return VTYPE_BND;
		return VTYPE_INDEL;
	}
	if (i < rl && i == al)
		return VTYPE_INDEL;
	if (i == rl && i == al)
		return VTYPE_REF;
	/* both have a rest: trim the common suffix, keeping one base each */
	ri = rl - 1;
	ai = al - 1;
	while (ri > i && ai > i && up(ref[ri]) == up(alt[ai]))
		ri--, ai--;
	if (ai == i) {
		if (ri == i)
			return VTYPE_SNP;
		return up(ref[ri]) == up(alt[ai]) ? VTYPE_INDEL : VTYPE_OTHER;
	}
	if (ri == i)
		return up(ref[ri]) == up(alt[ai]) ? VTYPE_INDEL : VTYPE_OTHER;
	return ri - i == ai - i ? VTYPE_MNP : VTYPE_OTHER;
}

bool vtype_parse_list(const char *list, unsigned *mask, const char **bad, size_t *bad_len)
{
	static const struct {
		const char *name;
		unsigned bit;
	} kw[] = {{"snps", VTYPE_SNP},	  {"indels", VTYPE_INDEL}, {"mnps", VTYPE_MNP},
		  {"other", VTYPE_OTHER}, {"ref", VTYPE_OTHER},	   {"bnd", VTYPE_BND}};
	const char *p = list;

	*mask = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p), k;

		for (k = 0; k < sizeof(kw) / sizeof(kw[0]); k++) {
			if (is(p, n, kw[k].name))
				break;
		}
		if (k == sizeof(kw) / sizeof(kw[0])) {
			*bad = p;
			*bad_len = n;
			return false;
		}
		*mask |= kw[k].bit;
		if (!e)
			return true;
		p = e + 1;
	}
}
