/*
 * fuzz_ipc_decode.c - libFuzzer target: the front/server wire protocol.
 *
 * Input: any bytes, taken as a message header plus payload.  Every decoder
 * runs on the payload; a message that decodes must encode back to the same
 * bytes (round trip), so the encoders and decoders cannot drift apart.
 */
#include "util/bf_config.h"

#include "server/ipc.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	free(hello);
	return 0;
}
