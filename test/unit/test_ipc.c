/*
 * test_ipc.c - the front <-> server read request: every field survives a
 * round trip, the encoded size is the one senders size their buffers by,
 * and a short or long payload is refused.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "server/ipc.h"

#include <string.h>

static void test_read_req_round_trip(void **state)
{
	struct ipc_read_req in = {0x1122334455667788u, 0x0102030405060708u, 1u << 20, 31,
				  IPC_READ_SEQUENTIAL, 0xfedcba9876543210u};
	struct ipc_read_req out;
	struct ipc_header h;
	uint8_t buf[IPC_HEADER_LEN + IPC_READ_REQ_LEN];
	struct bf_err err;
	int n;

	(void)state;
	n = ipc_read_req_encode(&in, buf, sizeof(buf), &err);
	assert_int_equal(n, IPC_HEADER_LEN + IPC_READ_REQ_LEN);
	assert_int_equal(ipc_header_decode(buf, &h, &err), 0);
	assert_int_equal(h.type, IPC_READ_REQ);
	memset(&out, 0, sizeof(out));
	assert_int_equal(ipc_read_req_decode(buf + IPC_HEADER_LEN, IPC_READ_REQ_LEN, &out, &err),
			 0);
	assert_int_equal(out.id, in.id);
	assert_int_equal(out.offset, in.offset);
	assert_int_equal(out.length, in.length);
	assert_int_equal(out.slot, in.slot);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.handle, in.handle);
	/* one byte short of room: refused, not truncated */
	assert_true(ipc_read_req_encode(&in, buf, sizeof(buf) - 1, &err) < 0);
	/* a payload of the wrong length is malformed */
	assert_int_equal(
	    ipc_read_req_decode(buf + IPC_HEADER_LEN, IPC_READ_REQ_LEN - 1, &out, &err),
	    BF_E_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_req_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
