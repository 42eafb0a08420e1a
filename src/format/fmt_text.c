/*
 * fmt_text.c - Python repr, isspace and pandas CSV quoting (see fmt_text.h).
 */
#include "util/bf_config.h"

#include "format/fmt_text.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

int fmt_csv_field(struct bf_strbuf *sb, const char *s, size_t len)
{
	size_t i;
	bool quote = false;

	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\t' || s[i] == '\n') {
			quote = true;
			break;
		}
	}
	if (!quote)
		return bf_strbuf_add(sb, s, len);
	BF_FORWARD(bf_strbuf_addc(sb, '"'));
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			BF_FORWARD(bf_strbuf_addc(sb, '"'));
		BF_FORWARD(bf_strbuf_addc(sb, s[i]));
	}
	return bf_strbuf_addc(sb, '"');
}
