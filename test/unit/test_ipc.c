/*
 * test_ipc.c - the front <-> server read request: every field survives a
 * round trip, the encoded size is the one senders size their buffers by,
 * and a short or long payload is refused; read replies carry a bf_errcode
 * and its message (never errno), a bytes count only with success; a closed
 * socket is end of stream (0), not an error, while EOF inside a message is.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "server/ipc.h"

#include <errno.h>
#include <stdio.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static void test_read_rep_codes(void **state)
{
	struct ipc_read_rep ok = {7, BF_OK, 4096, "", 0x123456789abcull},
			    bad = {8, BF_E_FORMAT, 0, "", 0}, out;
	uint8_t buf[IPC_HEADER_LEN + 300];
	struct bf_err err;
	int n;

	(void)state;
	snprintf(bad.msg, sizeof(bad.msg), "array 'call_genotype': chunk '0.0': bad header");
	n = ipc_read_rep_encode(&ok, buf, sizeof(buf), &err);
	assert_true(n > 0);
	assert_int_equal(
	    ipc_read_rep_decode(buf + IPC_HEADER_LEN, (size_t)n - IPC_HEADER_LEN, &out, &err), 0);
	assert_int_equal(out.id, 7);
	assert_int_equal(out.code, BF_OK);
	assert_int_equal(out.n, 4096);
	assert_int_equal(out.start, 0x123456789abcull); /* where a widened read's bytes start */
	assert_string_equal(out.msg, "");
	n = ipc_read_rep_encode(&bad, buf, sizeof(buf), &err);
	assert_int_equal(
	    ipc_read_rep_decode(buf + IPC_HEADER_LEN, (size_t)n - IPC_HEADER_LEN, &out, &err), 0);
	assert_int_equal(out.code, BF_E_FORMAT);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.msg, bad.msg);
	/* the FUSE front's errno for it comes from the one mapping */
	assert_int_equal(bf_err_to_errno(out.code), EIO);
	/* a positive code (an errno or a byte count in the old layout) is malformed */
	bad.code = 5;
	n = ipc_read_rep_encode(&bad, buf, sizeof(buf), &err);
	assert_int_equal(
	    ipc_read_rep_decode(buf + IPC_HEADER_LEN, (size_t)n - IPC_HEADER_LEN, &out, &err),
	    BF_E_FORMAT);
	/* so is an error that claims bytes */
	bad.code = BF_E_IO;
	bad.n = 1;
	n = ipc_read_rep_encode(&bad, buf, sizeof(buf), &err);
	assert_int_equal(
	    ipc_read_rep_decode(buf + IPC_HEADER_LEN, (size_t)n - IPC_HEADER_LEN, &out, &err),
	    BF_E_FORMAT);
}

/* Every code maps to an errno at the FUSE boundary; the wire's codes are the ones sent. */
static void test_errno_mapping(void **state)
{
	(void)state;
	assert_int_equal(bf_err_to_errno(BF_OK), 0);
	assert_int_equal(bf_err_to_errno(BF_E_NOMEM), ENOMEM);
	assert_int_equal(bf_err_to_errno(BF_E_IO), EIO);
	assert_int_equal(bf_err_to_errno(BF_E_FORMAT), EIO);
	assert_int_equal(bf_err_to_errno(BF_E_UNSUPPORTED), EIO);
	assert_int_equal(bf_err_to_errno(BF_E_NOTFOUND), ENOENT);
	assert_int_equal(bf_err_to_errno(BF_E_INVAL), EINVAL);
	assert_int_equal(bf_err_to_errno(BF_E_BUDGET), EAGAIN);
	assert_int_equal(bf_err_to_errno(BF_E_RANGE), EIO);
	assert_int_equal(bf_err_to_errno(BF_E_TIMEOUT), ETIMEDOUT);
	assert_int_equal(bf_err_to_errno(BF_E_INTERNAL), EIO);
}

static void test_recv_eof_is_not_an_error(void **state)
{
	struct ipc_read_req rq = {1, 2, 3, 4, 0, 5};
	uint8_t buf[IPC_HEADER_LEN + IPC_READ_REQ_LEN], in[64];
	struct ipc_header h;
	struct bf_err err;
	int sv[2], n;

	(void)state;
	/* a whole message, then a clean close: 1, then 0 */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	n = ipc_read_req_encode(&rq, buf, sizeof(buf), &err);
	assert_int_equal(ipc_send(sv[0], buf, (size_t)n, &err), 0);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], &h, in, sizeof(in), &err), 1);
	assert_int_equal(h.type, IPC_READ_REQ);
	assert_int_equal(h.len, IPC_READ_REQ_LEN);
	assert_int_equal(ipc_recv(sv[1], &h, in, sizeof(in), &err), 0);
	close(sv[1]);
	/* EOF inside a message is an I/O error */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ipc_send(sv[0], buf, (size_t)n - 1, &err), 0);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], &h, in, sizeof(in), &err), BF_E_IO);
	close(sv[1]);
	/* and inside a header too */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ipc_send(sv[0], buf, 5, &err), 0);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], &h, in, sizeof(in), &err), BF_E_IO);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_req_round_trip),
	    cmocka_unit_test(test_read_rep_codes),
	    cmocka_unit_test(test_errno_mapping),
	    cmocka_unit_test(test_recv_eof_is_not_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
