/*
 * ipc.h - the wire protocol between the FUSE front and the encoder server.
 *
 * Owns: message framing and the encoding/decoding of every message.  Every
 * message is a 16-byte header (magic "BFSV", version, type, payload length,
 * all little-endian) followed by the payload; fields are written one by one,
 * never as memcpy'd structs.  Bulk read data does not travel here: it is put
 * into a slot of a shared memory region that both processes map, and the
 * reply only says how many bytes the slot holds.  Decoders are pure
 * functions over a byte buffer (fuzzed by test/fuzz/fuzz_ipc_decode.c).
 *
 * Messages:
 *   CONFIG     front -> server, first on the socket: flags (IPC_CONFIG_*) and
 *              the server's configuration (server/server_config.h; opaque here)
 *   HELLO      server -> front, once after start-up: status, message, files
 *   READ_REQ   front -> server: request id, offset, length, slot
 *   READ_REP   server -> front: request id, code, bytes placed, message
 *
 * One error vocabulary: every status on the wire is an enum bf_errcode (0 or
 * negative) travelling with its message, in HELLO and READ_REP alike; errno
 * values never cross it (the FUSE front turns codes into errno at its reply).
 * A peer closing the socket is end of stream, not an error: ipc_recv
 * returns 0 for it.
 */
#ifndef BF_SERVER_IPC_H
#define BF_SERVER_IPC_H

#include "util/bf_config.h"

#include "util/err.h"
#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

#define IPC_MAGIC	0x56534642u /* "BFSV" */
#define IPC_VERSION	5
#define IPC_HEADER_LEN	16
#define IPC_MAX_PAYLOAD (1u << 20)
#define IPC_MAX_FILES	8
#define IPC_NAME_MAX	1024
#define IPC_SLOT_SIZE	((size_t)1 << 20) /* bytes of one shared reply slot */
#define IPC_N_SLOTS	32		  /* reads in flight at once */

_Static_assert(IPC_HEADER_LEN == 4 + 2 + 2 + 4 + 4, "header layout");

enum ipc_type {
	IPC_HELLO = 1,
	IPC_READ_REQ = 2,
	IPC_READ_REP = 3,
	IPC_CONFIG = 4,
};

struct ipc_header {
	uint16_t version;
	uint16_t type;
	uint32_t len; /* payload bytes */
};

struct ipc_file {
	char name[IPC_NAME_MAX]; /* file name in the mount */
	uint64_t size;
	uint8_t streaming;	 /* 1: served by READ_REQ; 0: a sidecar file */
	char path[IPC_NAME_MAX]; /* sidecar: absolute path in the runtime directory */
};

struct ipc_hello {
	int32_t status;		  /* 0, or a negative enum bf_errcode */
	char msg[BF_ERR_MSG_MAX]; /* the error message when status < 0 */
	uint16_t n_files;
	struct ipc_file files[IPC_MAX_FILES];
};

/* Payload bytes of a read request (id, offset, length, slot, flags, handle). */
#define IPC_READ_REQ_LEN 36

/* ipc_read_req.flags: the handle reads sequentially, so prefetch after it */
#define IPC_READ_SEQUENTIAL 1u
/*
 * ipc_read_req.flags: [offset, offset + length) is the core of a small read,
 * which lies in one slot-aligned window; the server may place more of that
 * window in the slot, but only bytes of the pieces the core itself needs (no
 * other piece is encoded or waited for).  The reply says where the bytes in
 * the slot start (ipc_read_rep.start <= offset).
 */
#define IPC_READ_AROUND 2u

struct ipc_read_req {
	uint64_t id;
	uint64_t offset;
	uint32_t length;
	uint32_t slot;
	uint32_t flags;	 /* IPC_READ_* */
	uint64_t handle; /* the front's file handle number */
};

struct ipc_read_rep {
	uint64_t id;
	int32_t code;	/* BF_OK, or a negative enum bf_errcode */
	uint32_t n;	/* bytes placed in the slot (code == BF_OK) */
	char msg[256];	/* the error's message when code < 0 */
	uint64_t start; /* stream offset of the slot's first byte (code == BF_OK) */
};

/* IPC_CONFIG flags: this server replaces one that died (its sidecars exist) */
#define IPC_CONFIG_RESTART 1u

/* Encode a header into 16 bytes. */
void ipc_header_encode(uint8_t *out, uint16_t type, uint32_t len);
/* Decode and check a header.  @return 0 or BF_E_FORMAT. */
int ipc_header_decode(const uint8_t *in, struct ipc_header *h, struct bf_err *err) BF_MUST_CHECK;

/* Encode a full message (header + payload) into `out` (cap bytes).  @return its length or < 0. */
int ipc_hello_encode(const struct ipc_hello *m, uint8_t *out, size_t cap, struct bf_err *err);
int ipc_read_req_encode(const struct ipc_read_req *m, uint8_t *out, size_t cap, struct bf_err *err);
int ipc_read_rep_encode(const struct ipc_read_rep *m, uint8_t *out, size_t cap, struct bf_err *err);

/*
 * Append a whole CONFIG message (header, u32 flags, the configuration body)
 * to `out`.  @return 0, BF_E_NOMEM, or BF_E_INVAL when the body is too large.
 */
int ipc_config_encode(uint32_t flags, const uint8_t *body, size_t body_len, struct bf_strbuf *out,
		      struct bf_err *err) BF_MUST_CHECK;

/* Decode a CONFIG payload; *body points into `p`.  @return 0 or BF_E_FORMAT. */
int ipc_config_decode(const uint8_t *p, size_t len, uint32_t *flags, const uint8_t **body,
		      size_t *body_len, struct bf_err *err) BF_MUST_CHECK;

/* Decode a payload (without header).  @return 0 or BF_E_FORMAT. */
int ipc_hello_decode(const uint8_t *p, size_t len, struct ipc_hello *m,
		     struct bf_err *err) BF_MUST_CHECK;
int ipc_read_req_decode(const uint8_t *p, size_t len, struct ipc_read_req *m,
			struct bf_err *err) BF_MUST_CHECK;
int ipc_read_rep_decode(const uint8_t *p, size_t len, struct ipc_read_rep *m,
			struct bf_err *err) BF_MUST_CHECK;

/*
 * Read one whole message from a stream socket into `buf` (cap bytes); its
 * payload length is h->len.
 * @return 1 for a message (*h filled, 0-length payloads included), 0 when the
 *         peer closed the socket before any byte of a message (end of
 *         stream), BF_E_IO (a read failed, or EOF inside a message) or
 *         BF_E_FORMAT (bad header, too large).
 */
int ipc_recv(int fd, struct ipc_header *h, uint8_t *buf, size_t cap,
	     struct bf_err *err) BF_MUST_CHECK;

/* Write all bytes to a socket (MSG_NOSIGNAL).  @return 0 or BF_E_IO. */
int ipc_send(int fd, const void *buf, size_t len, struct bf_err *err) BF_MUST_CHECK;

#endif
