/*
 * fuzz_ipc_decode.c - libFuzzer target: the front/server wire protocol.
 *
 * Input: any bytes, taken as a message header plus payload.  Every decoder
 * runs on the payload; a message that decodes must encode back to the same
 * bytes (round trip), so the encoders and decoders cannot drift apart.  The
 * payload is also read as a CONFIG message and its body as a server
 * configuration, which must encode, decode again and encode to the same bytes.
 */
#include "util/bf_config.h"

#include "server/ipc.h"
#include "server/server_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[IPC_HEADER_LEN + IPC_MAX_FILES * (3 * IPC_NAME_MAX) + BF_ERR_MSG_MAX + 64];

static void check_same(int n, const uint8_t *payload, size_t len)
{
	if (n < 0)
		return; /* a decoded message too large to encode is fine */
	if ((size_t)n != IPC_HEADER_LEN + len || memcmp(out + IPC_HEADER_LEN, payload, len) != 0)
		abort();
}

/* A configuration that decodes re-encodes stably. */
static void check_config(const uint8_t *p, size_t len)
{
	struct bf_strbuf a = BF_STRBUF_INIT, b = BF_STRBUF_INIT;
	struct server_config c, d;
	struct bf_err err;

	if (server_config_decode(p, len, &c, &err) == 0) {
		if (server_config_encode(&c, &a, &err) < 0 ||
		    server_config_decode((const uint8_t *)a.buf, a.len, &d, &err) < 0)
			abort();
		if (server_config_encode(&d, &b, &err) < 0 || a.len != b.len ||
		    memcmp(a.buf, b.buf, a.len) != 0)
			abort();
		server_config_release(&d);
	}
	server_config_release(&c);
	bf_strbuf_release(&a);
	bf_strbuf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body;
	size_t body_len;
	uint32_t flags;
	struct ipc_header h;
	struct ipc_hello *hello;
	struct ipc_read_req rq;
	struct ipc_read_rep rp;
	struct bf_err err;
	const uint8_t *p;
	size_t len;

	if (size < IPC_HEADER_LEN)
		return 0;
	if (ipc_header_decode(data, &h, &err) < 0)
		return 0;
	p = data + IPC_HEADER_LEN;
	len = size - IPC_HEADER_LEN;
	if (h.len < len)
		len = h.len;
	hello = malloc(sizeof(*hello));
	if (!hello)
		return 0;
	if (ipc_hello_decode(p, len, hello, &err) == 0)
		check_same(ipc_hello_encode(hello, out, sizeof(out), &err), p, len);
	if (ipc_read_req_decode(p, len, &rq, &err) == 0)
		check_same(ipc_read_req_encode(&rq, out, sizeof(out), &err), p, len);
	if (ipc_read_rep_decode(p, len, &rp, &err) == 0)
		check_same(ipc_read_rep_encode(&rp, out, sizeof(out), &err), p, len);
	if (ipc_config_decode(p, len, &flags, &body, &body_len, &err) == 0)
		check_config(body, body_len);
	free(hello);
	return 0;
}
