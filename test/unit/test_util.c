/*
 * test_util.c - util/clock and util/endian: the monotonic clock never goes
 * back and its coarse reading agrees with it, a timespec deadline carries
 * the same instant, a condition variable's timed wait ends at a monotonic
 * deadline, and the little-endian loads and stores put bytes where the
 * formats say and round-trip every width.
 */
#include "util/bf_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/clock.h"
#include "util/endian.h"

#include <errno.h>
#include <string.h>

static void test_clock_monotonic(void **state)
{
	double a, b, c;

	(void)state;
	a = bf_clock_now();
	b = bf_clock_now();
	c = bf_clock_coarse();
	assert_true(a > 0);
	assert_true(b >= a);
	/* the coarse clock is the same clock, a few ms behind at most */
	assert_true(c > a - 0.1 && c < b + 0.1);
}

static void test_clock_timespec(void **state)
{
	struct timespec ts;

	(void)state;
	bf_clock_timespec(12.25, &ts);
	assert_int_equal(ts.tv_sec, 12);
	assert_int_equal(ts.tv_nsec, 250000000L);
	bf_clock_timespec(7.0, &ts);
	assert_int_equal(ts.tv_sec, 7);
	assert_int_equal(ts.tv_nsec, 0);
	bf_clock_timespec(3.9999999999, &ts);
	assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
}

static void test_clock_cond_deadline(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv;
	struct timespec ts;
	double t0, t1;
	int rc;

	(void)state;
	assert_int_equal(bf_clock_cond_init(&cv), 0);
	t0 = bf_clock_now();
	bf_clock_timespec(t0 + 0.05, &ts);
	pthread_mutex_lock(&m);
	do
		rc = pthread_cond_timedwait(&cv, &m, &ts);
	while (rc == 0);
	pthread_mutex_unlock(&m);
	t1 = bf_clock_now();
	assert_int_equal(rc, ETIMEDOUT);
	/* the deadline is on the monotonic clock: the wait lasts ~50 ms, not 0 or forever */
	assert_true(t1 - t0 >= 0.045);
	assert_true(t1 - t0 < 5.0);
	pthread_cond_destroy(&cv);
}

static void test_endian_layout(void **state)
{
	uint8_t b[9];

	(void)state;
	memset(b, 0xAA, sizeof(b));
	bf_store_le16(b, 0x1234);
	assert_int_equal(b[0], 0x34);
	assert_int_equal(b[1], 0x12);
	assert_int_equal(b[2], 0xAA);
	bf_store_le32(b, 0x89ABCDEFu);
	assert_memory_equal(b, "\xEF\xCD\xAB\x89\xAA", 5);
	bf_store_le64(b + 1, 0x0102030405060708u);
	assert_memory_equal(b, "\xEF\x08\x07\x06\x05\x04\x03\x02\x01", 9);
	bf_store_be32(b, 0x89ABCDEFu);
	assert_memory_equal(b, "\x89\xAB\xCD\xEF", 4);
}

static void test_endian_round_trip(void **state)
{
	static const uint64_t v64[] = {
	    0, 1, 0xFF, 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, 0x0123456789ABCDEFu};
	uint8_t b[11];
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof(v64) / sizeof(v64[0]); i++) {
		for (off = 0; off < 3; off++) { /* unaligned addresses too */
			bf_store_le64(b + off, v64[i]);
			assert_true(bf_load_le64(b + off) == v64[i]);
			bf_store_le32(b + off, (uint32_t)v64[i]);
			assert_int_equal(bf_load_le32(b + off), (uint32_t)v64[i]);
			bf_store_le16(b + off, (uint16_t)v64[i]);
			assert_int_equal(bf_load_le16(b + off), (uint16_t)v64[i]);
		}
	}
	/* the high bit of each byte survives the shifts (no sign extension) */
	memset(b, 0xFF, sizeof(b));
	assert_int_equal(bf_load_le16(b), 0xFFFF);
	assert_int_equal(bf_load_le32(b), 0xFFFFFFFFu);
	assert_true(bf_load_le64(b) == 0xFFFFFFFFFFFFFFFFu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_monotonic),	cmocka_unit_test(test_clock_timespec),
	    cmocka_unit_test(test_clock_cond_deadline), cmocka_unit_test(test_endian_layout),
	    cmocka_unit_test(test_endian_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
