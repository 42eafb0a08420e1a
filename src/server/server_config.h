/*
 * server_config.h - the encoder server's configuration and its message.
 *
 * Owns: struct server_config (everything an encoder server needs to serve
 * one mount: the store, the selection options, the format and its options,
 * the reader options, logging, the sidecar choices) and its serialised form,
 * the body of the IPC_CONFIG message the front sends to every server it
 * starts, first thing on the socket.  The server never sees the user's
 * command line: its argv carries only descriptor numbers and the mount
 * directory (as a label for `ps`), so nothing secret given to the front (a
 * storage option, a credential) ever appears in the server's argv.
 *
 * The body is a list of records, each a u16 tag, a u32 length and that many
 * bytes, all little-endian:
 *   strings  the bytes without a NUL; a NULL string is simply not sent (so a
 *            given "" and an absent value stay apart)
 *   bool/u8  1 byte; int 4 bytes (two's complement); u32 4; u64 8 bytes;
 *            double 8 bytes (the IEEE 754 bits as a u64)
 *   lists    one record per element, in order (storage options: a u32 key
 *            length, the key, then the value)
 * A decoder refuses unknown tags, wrong lengths, a NUL inside a string and a
 * body that ends inside a record (front and server are the same binary).
 *
 * WHERE NEW FIELDS GO: add the member to struct server_config (or to a struct
 * it embeds: export_config, selection_opts, select_opts, store_config,
 * bgen_params), then
 * one row in the field table of server_config.c with a new tag (tags are
 * never reused; the table's order does not matter).  A string, bool, int, u32,
 * u64 or u8 member needs nothing else: encoding, decoding, ownership and the
 * round-trip unit test (test_server_config.c, which fills every row) follow
 * from the row.  A list needs a kind of its own, as store.opts has.  Pointers
 * between the embedded structs (export.sel.store_cfg, export.format_params)
 * are not sent; the decoder sets them (and the server process sets
 * export.sel.variants.progress).
 * Secrets (credentials, tokens) belong here and nowhere else; never log them.
 */
#ifndef BF_SERVER_SERVER_CONFIG_H
#define BF_SERVER_SERVER_CONFIG_H

#include "util/bf_config.h"

#include "engine/export.h"
#include "format/bgen.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server_config {
	/* --- sent in the IPC_CONFIG message --- */
	struct export_config export; /* store, selection, format, reader budget */
	struct store_config store;   /* how to open the store (export.sel.store_cfg) */
	struct bgen_params bgen;     /* BGEN: the encoder's options (export.format_params) */
	const char *basename;	     /* file stem inside the mount */
	bool no_bim, no_fam;	     /* PLINK sidecars to leave out */
	bool no_sample, no_bgi;	     /* BGEN sidecars to leave out */
	const char *runtime_dir;     /* where the sidecar files go */
	enum bf_log_level log_level;
	const char *log_file; /* NULL: stderr */

	/* --- set by the server process itself --- */
	bool reuse_sidecars; /* a restart: sidecars already written (IPC_CONFIG flag) */
	int ipc_fd;	     /* connected stream socket to the front */
	int shm_fd;	     /* shared reply slots */
	size_t shm_slots;
	size_t slot_size;
	size_t handler_threads; /* concurrent read requests in progress */

	/* owned by a decoded config: its strings and lists */
	char *arena;
	struct store_opt *opts_owned;
};

/* The field table (read-only; for the codec and its unit test). */
enum server_config_kind {
	SC_STR,	 /* const char * */
	SC_BOOL, /* bool */
	SC_INT,	 /* int, or an enum of int's size */
	SC_U32,	 /* uint32_t */
	SC_U64,	 /* uint64_t */
	SC_U8,	 /* uint8_t */
	SC_F64,	 /* double */
	SC_KV,	 /* const struct store_opt * at off, its size_t count at count_off */
};

struct server_config_field {
	uint16_t tag;
	enum server_config_kind kind;
	size_t off;	  /* offsetof(struct server_config, member) */
	size_t count_off; /* SC_KV: offsetof the element count */
	const char *name; /* the member, for messages */
};

extern const struct server_config_field server_config_fields[];
extern const size_t server_config_n_fields;

/*
 * Append the message body of `c` to `out`.
 * @return 0, BF_E_NOMEM, or BF_E_INVAL for a string or list too long to send.
 */
int server_config_encode(const struct server_config *c, struct bf_strbuf *out,
			 struct bf_err *err) BF_MUST_CHECK;

/*
 * Decode a message body into *c (which need not be initialised): every field
 * of the message is set (absent strings to NULL), the process fields are
 * zero, export.sel.store_cfg points at c->store and export.format_params at
 * c->bgen for "bgen".  The strings are
 * owned by *c: release it with server_config_release in every case.
 * @return 0, BF_E_FORMAT for a malformed body, or BF_E_NOMEM.
 */
int server_config_decode(const uint8_t *p, size_t len, struct server_config *c,
			 struct bf_err *err) BF_MUST_CHECK;

/* Free what server_config_decode allocated.  NULL allowed; safe twice. */
void server_config_release(struct server_config *c);

#endif
