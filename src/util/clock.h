/*
 * clock.h - the monotonic clock, in seconds, and deadlines for timed waits.
 *
 * Owns: reading CLOCK_MONOTONIC (precise or coarse) as a double of seconds,
 * turning such a time into the struct timespec that pthread_cond_timedwait
 * takes, and creating condition variables whose timed waits run on that same
 * clock (so a deadline never moves when the wall clock is set).  Every
 * timing in biofuse (progress lines, access log, idle janitors, supervisor
 * and open-wait deadlines, reader tracking) goes through here.  Thread-safe.
 */
#ifndef BF_UTIL_CLOCK_H
#define BF_UTIL_CLOCK_H

#include "util/bf_config.h"

#include <pthread.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC (arbitrary origin, never goes back). */
double bf_clock_now(void);

/* The same clock read cheaply (CLOCK_MONOTONIC_COARSE, a few ms of
 * resolution): for hot paths that only compare times seconds apart. */
double bf_clock_coarse(void);

/* The timespec of monotonic time t (seconds, as from bf_clock_now). */
void bf_clock_timespec(double t, struct timespec *ts);

/* Initialise *cv so that pthread_cond_timedwait's deadline is on the
 * monotonic clock (deadlines from bf_clock_timespec).  @return 0 or an
 * errno value from pthread. */
int bf_clock_cond_init(pthread_cond_t *cv);

#endif
