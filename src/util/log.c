/*
 * log.c - leveled logging (see log.h).
 */
#include "util/bf_config.h"

#include "util/log.h"
#include "util/err.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static _Atomic int log_level = BF_LOG_WARNING;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file; /* protected by log_lock; NULL means stderr */

void bf_log_set_level(enum bf_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum bf_log_level bf_log_get_level(void)
{
	return (enum bf_log_level)atomic_load(&log_level);
}

int bf_log_set_file(const char *path)
{
	FILE *f = NULL;

	if (path) {
		f = fopen(path, "a");
		if (!f)
			return BF_E_IO;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int bf_log_parse_level(const char *s, enum bf_log_level *out)
{
	if (!strcasecmp(s, "warning"))
		*out = BF_LOG_WARNING;
	else if (!strcasecmp(s, "info"))
		*out = BF_LOG_INFO;
	else if (!strcasecmp(s, "debug"))
		*out = BF_LOG_DEBUG;
	else
		return -1;
	return 0;
}

static const char *level_name(enum bf_log_level level)
{
	switch (level) {
	case BF_LOG_ERROR:
		return "ERROR";
	case BF_LOG_WARNING:
		return "WARNING";
	case BF_LOG_INFO:
		return "INFO";
	case BF_LOG_DEBUG:
		return "DEBUG";
	case BF_LOG_TRACE:
		return "TRACE";
	case BF_LOG_OFF:
		break;
	}
	return "LOG";
}

void bf_log_write(enum bf_log_level level, const char *func, const char *fmt, ...)
{
	char line[2048];
	char stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s,%03d biofuse %s ", stamp, (int)(tv.tv_usec / 1000),
		     level_name(level));
	if (level >= BF_LOG_DEBUG && func && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", func);
	if (n > 0 && (size_t)n < sizeof(line)) {
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_lock(&log_lock);
	fprintf(log_file ? log_file : stderr, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
}
