/*
 * err.c - error values with messages (see err.h).
 */
#include "util/bf_config.h"

#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bf_err_clear(struct bf_err *err)
{
	if (!err)
		return;
	err->code = BF_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

static void err_vset(struct bf_err *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int bf_err_set(struct bf_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_errno = 0;
	return code;
}

int bf_err_sys(struct bf_err *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (!err)
		return code;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_errno = saved;
	n = strlen(err->msg);
	if (n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
	return code;
}

int bf_err_prefix(struct bf_err *err, const char *fmt, ...)
{
	char old[BF_ERR_MSG_MAX];
	char pre[BF_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return BF_E_INTERNAL;
	if (err->code == BF_OK)
		err->code = BF_E_INTERNAL;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
	return err->code;
}

void bf_err_copy(struct bf_err *dst, const struct bf_err *src)
{
	if (dst && src && dst != src)
		memcpy(dst, src, sizeof(*dst));
}

const char *bf_err_name(int code)
{
	switch ((enum bf_errcode)code) {
	case BF_OK:
		return "BF_OK";
	case BF_E_NOMEM:
		return "BF_E_NOMEM";
	case BF_E_IO:
		return "BF_E_IO";
	case BF_E_FORMAT:
		return "BF_E_FORMAT";
	case BF_E_UNSUPPORTED:
		return "BF_E_UNSUPPORTED";
	case BF_E_NOTFOUND:
		return "BF_E_NOTFOUND";
	case BF_E_INVAL:
		return "BF_E_INVAL";
	case BF_E_BUDGET:
		return "BF_E_BUDGET";
	case BF_E_RANGE:
		return "BF_E_RANGE";
	case BF_E_TIMEOUT:
		return "BF_E_TIMEOUT";
	case BF_E_INTERNAL:
		return "BF_E_INTERNAL";
	}
	return "BF_E_UNKNOWN";
}

int bf_err_to_errno(int code)
{
	switch ((enum bf_errcode)code) {
	case BF_OK:
		return 0;
	case BF_E_NOMEM:
		return ENOMEM;
	case BF_E_BUDGET:
		return EAGAIN;
	case BF_E_NOTFOUND:
		return ENOENT;
	case BF_E_INVAL:
		return EINVAL;
	case BF_E_TIMEOUT:
		return ETIMEDOUT;
	case BF_E_IO:
	case BF_E_FORMAT:
	case BF_E_UNSUPPORTED:
	case BF_E_RANGE:
	case BF_E_INTERNAL:
		return EIO;
	}
	return EIO;
}
