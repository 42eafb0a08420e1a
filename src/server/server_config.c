/*
 * server_config.c - the encoder server's configuration message (see
 * server_config.h).
 */
#include "util/bf_config.h"

#include "server/server_config.h"
#include "format/format.h"
#include "util/alloc.h"
#include "util/endian.h"

#include <stddef.h>
#include <string.h>

#define SC_OFF(member) offsetof(struct server_config, member)
#define F(tag, kind, member)                                                                       \
	{                                                                                          \
		(tag), (kind), SC_OFF(member), 0, #member                                          \
	}

_Static_assert(sizeof(enum bf_log_level) == sizeof(int), "SC_INT holds the log level");
_Static_assert(sizeof(enum select_overlap) == sizeof(int), "SC_INT holds an overlap mode");

/* Tags are never reused; a new field takes the next free one. */
const struct server_config_field server_config_fields[] = {
    F(1, SC_STR, export.format),
    F(2, SC_STR, export.sel.store),
    F(3, SC_STR, export.sel.samples),
    F(4, SC_STR, export.sel.samples_file),
    F(5, SC_BOOL, export.sel.force_samples),
    F(6, SC_STR, export.sel.variants.regions),
    F(7, SC_STR, export.sel.variants.regions_file),
    F(8, SC_STR, export.sel.variants.targets),
    F(9, SC_STR, export.sel.variants.targets_file),
    F(10, SC_STR, export.sel.variants.include),
    F(11, SC_STR, export.sel.variants.exclude),
    F(12, SC_STR, export.sel.variants.types),
    F(13, SC_STR, export.sel.variants.exclude_types),
    F(14, SC_INT, export.sel.variants.min_alleles),
    F(15, SC_INT, export.sel.variants.max_alleles),
    F(16, SC_U64, export.budget),
    F(17, SC_BOOL, bgen.fixed),
    F(18, SC_INT, bgen.compression_level),
    F(19, SC_U32, bgen.total_string_length),
    F(20, SC_U8, bgen.pad_byte),
    F(21, SC_BOOL, bgen.id_in_rsid),
    F(22, SC_BOOL, bgen.unphased),
    F(23, SC_BOOL, bgen.header_samples),
    F(24, SC_BOOL, bgen.string_opts_given),
    F(25, SC_STR, basename),
    F(26, SC_BOOL, no_bim),
    F(27, SC_BOOL, no_fam),
    F(28, SC_BOOL, no_sample),
    F(29, SC_BOOL, no_bgi),
    F(30, SC_STR, runtime_dir),
    F(31, SC_INT, log_level),
    F(32, SC_STR, log_file),
    {33, SC_KV, SC_OFF(store.opts), SC_OFF(store.n_opts), "store.opts"},
    F(34, SC_STR, store.backend),
    F(35, SC_INT, store.max_inflight),
    F(36, SC_F64, store.deadline_s),
    F(37, SC_U64, store.cache_bytes),
    F(38, SC_INT, export.sel.variants.regions_overlap),
    F(39, SC_INT, export.sel.variants.targets_overlap),
};
const size_t server_config_n_fields =
    sizeof(server_config_fields) / sizeof(server_config_fields[0]);

/* Records longer than this are refused (the whole message is far below IPC_MAX_PAYLOAD). */
#define SC_MAX_RECORD ((uint32_t)1 << 16)

static int put_record(struct bf_strbuf *out, uint16_t tag, const void *p, size_t n,
		      struct bf_err *err)
{
	uint8_t h[6];

	if (n > SC_MAX_RECORD)
		return bf_err_set(err, BF_E_INVAL, "server configuration: field %u is too long",
				  tag);
	bf_store_le16(h, tag);
	bf_store_le32(h + 2, (uint32_t)n);
	if (bf_strbuf_add(out, h, sizeof(h)) < 0 || (n && bf_strbuf_add(out, p, n) < 0))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	return 0;
}

static int put_kv(struct bf_strbuf *out, uint16_t tag, const struct store_opt *kv,
		  struct bf_err *err)
{
	size_t kl = strlen(kv->key), vl = strlen(kv->value);
	uint8_t h[10];

	if (kl > SC_MAX_RECORD || vl > SC_MAX_RECORD)
		return bf_err_set(err, BF_E_INVAL, "server configuration: field %u is too long",
				  tag);
	bf_store_le16(h, tag);
	bf_store_le32(h + 2, (uint32_t)(4 + kl + vl));
	bf_store_le32(h + 6, (uint32_t)kl);
	if (bf_strbuf_add(out, h, sizeof(h)) < 0 || bf_strbuf_add(out, kv->key, kl) < 0 ||
	    bf_strbuf_add(out, kv->value, vl) < 0)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	return 0;
}

static int encode_field(const struct server_config *c, const struct server_config_field *f,
			struct bf_strbuf *out, struct bf_err *err)
{
	const char *at = (const char *)c + f->off;
	uint8_t b[8];
	size_t i;

	switch (f->kind) {
	case SC_STR: {
		const char *s = *(const char *const *)(const void *)at;

		return s ? put_record(out, f->tag, s, strlen(s), err) : 0;
	}
	case SC_BOOL:
		b[0] = *(const bool *)(const void *)at ? 1 : 0;
		return put_record(out, f->tag, b, 1, err);
	case SC_U8:
		b[0] = *(const uint8_t *)(const void *)at;
		return put_record(out, f->tag, b, 1, err);
	case SC_INT:
		bf_store_le32(b, (uint32_t) * (const int *)(const void *)at);
		return put_record(out, f->tag, b, 4, err);
	case SC_U32:
		bf_store_le32(b, *(const uint32_t *)(const void *)at);
		return put_record(out, f->tag, b, 4, err);
	case SC_U64:
		bf_store_le64(b, *(const uint64_t *)(const void *)at);
		return put_record(out, f->tag, b, 8, err);
	case SC_F64: {
		uint64_t bits;

		memcpy(&bits, at, 8);
		bf_store_le64(b, bits);
		return put_record(out, f->tag, b, 8, err);
	}
	case SC_KV: {
		const struct store_opt *kv = *(const struct store_opt *const *)(const void *)at;
		size_t n = *(const size_t *)(const void *)((const char *)c + f->count_off);

		for (i = 0; i < n; i++)
			BF_FORWARD(put_kv(out, f->tag, &kv[i], err));
		return 0;
	}
	}
	return bf_err_set(err, BF_E_INTERNAL, "server configuration: field kind %d", (int)f->kind);
}

int server_config_encode(const struct server_config *c, struct bf_strbuf *out, struct bf_err *err)
{
	size_t i;

	for (i = 0; i < server_config_n_fields; i++)
		BF_FORWARD(encode_field(c, &server_config_fields[i], out, err));
	return 0;
}

static const struct server_config_field *field_of(uint16_t tag)
{
	size_t i;

	for (i = 0; i < server_config_n_fields; i++)
		if (server_config_fields[i].tag == tag)
			return &server_config_fields[i];
	return NULL;
}

/* Decoding state: the body, and a bump arena holding its strings. */
struct sc_dec {
	struct server_config *c;
	char *arena;
	size_t used, cap;
	size_t n_kv;
};

static char *dec_str(struct sc_dec *d, const uint8_t *p, size_t n)
{
	char *s = d->arena + d->used;

	if (memchr(p, '\0', n) || d->used + n + 1 > d->cap)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	d->used += n + 1;
	return s;
}

static size_t fixed_len(enum server_config_kind k)
{
	switch (k) {
	case SC_BOOL:
	case SC_U8:
		return 1;
	case SC_INT:
	case SC_U32:
		return 4;
	case SC_U64:
	case SC_F64:
		return 8;
	case SC_STR:
	case SC_KV:
		return 0;
	}
	return 0;
}

static int decode_field(struct sc_dec *d, const struct server_config_field *f, const uint8_t *p,
			size_t n, struct bf_err *err)
{
	char *at = (char *)d->c + f->off;
	size_t want = fixed_len(f->kind);

	if (want && n != want)
		return bf_err_set(err, BF_E_FORMAT, "server configuration: '%s' has %zu bytes",
				  f->name, n);
	switch (f->kind) {
	case SC_STR: {
		char *s = dec_str(d, p, n);

		if (!s)
			break;
		*(const char **)(void *)at = s;
		return 0;
	}
	case SC_BOOL:
		if (p[0] > 1)
			break;
		*(bool *)(void *)at = p[0] != 0;
		return 0;
	case SC_U8:
		*(uint8_t *)(void *)at = p[0];
		return 0;
	case SC_INT:
		*(int *)(void *)at = (int)bf_load_le32(p);
		return 0;
	case SC_U32:
		*(uint32_t *)(void *)at = bf_load_le32(p);
		return 0;
	case SC_U64:
		*(uint64_t *)(void *)at = bf_load_le64(p);
		return 0;
	case SC_F64: {
		uint64_t bits = bf_load_le64(p);

		memcpy(at, &bits, 8);
		return 0;
	}
	case SC_KV: {
		struct store_opt *kv = &d->c->opts_owned[d->n_kv];
		uint32_t kl = n >= 4 ? bf_load_le32(p) : 0;

		if (n < 4 || kl > n - 4)
			break;
		kv->key = dec_str(d, p + 4, kl);
		kv->value = dec_str(d, p + 4 + kl, n - 4 - kl);
		if (!kv->key || !kv->value)
			break;
		d->n_kv++;
		*(const struct store_opt **)(void *)at = d->c->opts_owned;
		*(size_t *)(void *)((char *)d->c + f->count_off) = d->n_kv;
		return 0;
	}
	}
	return bf_err_set(err, BF_E_FORMAT, "server configuration: bad '%s'", f->name);
}

/* Walk the records; with d == NULL only count the storage options. */
static int walk(const uint8_t *p, size_t len, struct sc_dec *d, size_t *n_kv, struct bf_err *err)
{
	size_t pos = 0;

	*n_kv = 0;
	while (pos < len) {
		const struct server_config_field *f;
		uint16_t tag;
		uint32_t n;

		if (len - pos < 6)
			return bf_err_set(err, BF_E_FORMAT, "server configuration: truncated");
		tag = bf_load_le16(p + pos);
		n = bf_load_le32(p + pos + 2);
		pos += 6;
		if (n > len - pos)
			return bf_err_set(err, BF_E_FORMAT, "server configuration: truncated");
		f = field_of(tag);
		if (!f)
			return bf_err_set(err, BF_E_FORMAT,
					  "server configuration: unknown field %u", tag);
		if (f->kind == SC_KV)
			(*n_kv)++;
		if (d)
			BF_FORWARD(decode_field(d, f, p + pos, n, err));
		pos += n;
	}
	return 0;
}

static int check_ranges(const struct server_config *c, struct bf_err *err)
{
	if ((int)c->log_level < (int)BF_LOG_OFF || (int)c->log_level > (int)BF_LOG_TRACE)
		return bf_err_set(err, BF_E_FORMAT, "server configuration: log level %d",
				  (int)c->log_level);
	if (!c->export.format || !c->export.sel.store || !c->basename || !c->runtime_dir)
		return bf_err_set(err, BF_E_FORMAT,
				  "server configuration: no format, store, "
				  "basename or runtime directory");
	return 0;
}

int server_config_decode(const uint8_t *p, size_t len, struct server_config *c, struct bf_err *err)
{
	const struct fmt_ops *fmt;
	struct sc_dec d;
	size_t n_kv;

	memset(c, 0, sizeof(*c));
	BF_FORWARD(walk(p, len, NULL, &n_kv, err));
	memset(&d, 0, sizeof(d));
	d.c = c;
	/* every string is at most its record's bytes plus a NUL; records are >= 6 bytes */
	d.cap = len + len / 6 * 2 + 1;
	c->arena = d.arena = bf_malloc(d.cap);
	c->opts_owned = n_kv ? bf_calloc(n_kv, sizeof(*c->opts_owned)) : NULL;
	if (!c->arena || (n_kv && !c->opts_owned))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	BF_FORWARD(walk(p, len, &d, &n_kv, err));
	BF_FORWARD(check_ranges(c, err));
	c->export.sel.store_cfg = &c->store;
	fmt = fmt_find(c->export.format);
	if (fmt && fmt->bgen_params)
		c->export.format_params = &c->bgen;
	return 0;
}

void server_config_release(struct server_config *c)
{
	if (!c)
		return;
	bf_free(c->arena);
	bf_free(c->opts_owned);
	c->arena = NULL;
	c->opts_owned = NULL;
	c->store.opts = NULL;
	c->store.n_opts = 0;
}
