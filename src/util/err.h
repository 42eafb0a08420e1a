/*
 * err.h - error values with messages.
 *
 * Owns: enum bf_errcode and struct bf_err, the error record every fallible
 * function fills in.  Functions that return a status return 0 on success or a
 * negative enum bf_errcode; they take a last parameter `struct bf_err *err`
 * (NULL allowed) that receives the code, the saved errno and a human message.
 * Messages follow Git's style: lowercase, no final full stop, subject in
 * quotes.  Context is added while the error travels up with bf_err_prefix()
 * ("array 'call_genotype': chunk '0.0': blosc: bad header").
 *
 * bf_err_to_errno() is the only place our codes become errno values.
 * Thread-safety: a struct bf_err belongs to one thread at a time.
 */
#ifndef BF_ERR_H
#define BF_ERR_H

#include "util/bf_config.h"

#include <stddef.h>

enum bf_errcode {
	BF_OK = 0,
	BF_E_NOMEM = -1,       /* allocation failed */
	BF_E_IO = -2,	       /* an operating-system I/O call failed */
	BF_E_FORMAT = -3,      /* input bytes are corrupt or malformed */
	BF_E_UNSUPPORTED = -4, /* valid input we do not handle (codec, dtype, ...) */
	BF_E_NOTFOUND = -5,    /* key, file, array or name does not exist */
	BF_E_INVAL = -6,       /* bad argument or option value */
	BF_E_BUDGET = -7,      /* a fixed budget (reply slots, request queue) is used up for now */
	BF_E_RANGE = -8,       /* a value is outside what the output format allows */
	BF_E_TIMEOUT = -9,     /* a deadline passed (a read's --read-timeout, a remote request) */
	BF_E_INTERNAL = -10,   /* a bug: an invariant did not hold */
};

#define BF_ERR_MSG_MAX 1024

struct bf_err {
	int code;		  /* enum bf_errcode, BF_OK when clear */
	int sys_errno;		  /* errno saved at the failure, 0 when none */
	char msg[BF_ERR_MSG_MAX]; /* human message, "" when clear */
};

/* Clear an error record. */
void bf_err_clear(struct bf_err *err);

/*
 * Record an error.  `err` may be NULL.
 * @return `code`, so a caller can write `return bf_err_set(err, ...)`.
 */
int bf_err_set(struct bf_err *err, int code, const char *fmt, ...) BF_PRINTF(3, 4);

/* Like bf_err_set, and also saves `errno` and appends ": strerror(errno)". */
int bf_err_sys(struct bf_err *err, int code, const char *fmt, ...) BF_PRINTF(3, 4);

/*
 * Put context in front of an existing message: "<prefix>: <old message>".
 * No-op if `err` is NULL.  @return err->code (or BF_E_INTERNAL if unset).
 */
int bf_err_prefix(struct bf_err *err, const char *fmt, ...) BF_PRINTF(2, 3);

/* Copy an error record. */
void bf_err_copy(struct bf_err *dst, const struct bf_err *src);

/* A short stable name for a code ("BF_E_FORMAT"). */
const char *bf_err_name(int code);

/* The errno a code becomes at a system boundary (FUSE reply, exit path). */
int bf_err_to_errno(int code);

/* Return early with an error if `cond` holds. */
#define BF_RETURN_IF(cond, err, code, ...)                                                         \
	do {                                                                                       \
		if (cond)                                                                          \
			return bf_err_set((err), (code), __VA_ARGS__);                             \
	} while (0)

/* Evaluate a status expression and return it if it failed. */
#define BF_FORWARD(expr)                                                                           \
	do {                                                                                       \
		int bf_fwd_rc_ = (expr);                                                           \
		if (bf_fwd_rc_ < 0)                                                                \
			return bf_fwd_rc_;                                                         \
	} while (0)

#endif
