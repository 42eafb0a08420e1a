/*
 * log.h - leveled logging to stderr or a file.
 *
 * Owns: the one global log level and log destination (set once at startup
 * through the setters).  Line format follows the reference tool's Python
 * logging format: "YYYY-MM-DD HH:MM:SS,mmm biofuse LEVEL message".
 * Library code never writes to stdout.  Thread-safe: each line is written
 * with one locked fputs.
 */
#ifndef BF_LOG_H
#define BF_LOG_H

#include "util/bf_config.h"

enum bf_log_level {
	BF_LOG_OFF = 0,
	BF_LOG_ERROR = 1,
	BF_LOG_WARNING = 2,
	BF_LOG_INFO = 3,
	BF_LOG_DEBUG = 4,
	BF_LOG_TRACE = 5,
};

void bf_log_set_level(enum bf_log_level level);
enum bf_log_level bf_log_get_level(void);

/*
 * Send log lines to `path` (appended), or to stderr when `path` is NULL.
 * @return 0, or BF_E_IO if the file cannot be opened (logging stays on stderr).
 */
int bf_log_set_file(const char *path);

/* Parse "warning", "info", "debug" (case-insensitive).  @return 0 or -1. */
int bf_log_parse_level(const char *s, enum bf_log_level *out);

void bf_log_write(enum bf_log_level level, const char *func, const char *fmt, ...) BF_PRINTF(3, 4);

#define bf_log_at(lvl, ...)                                                                        \
	do {                                                                                       \
		if ((int)bf_log_get_level() >= (int)(lvl))                                         \
			bf_log_write((lvl), __func__, __VA_ARGS__);                                \
	} while (0)
#define bf_log_error(...) bf_log_at(BF_LOG_ERROR, __VA_ARGS__)
#define bf_log_warn(...)  bf_log_at(BF_LOG_WARNING, __VA_ARGS__)
#define bf_log_info(...)  bf_log_at(BF_LOG_INFO, __VA_ARGS__)
#define bf_log_debug(...) bf_log_at(BF_LOG_DEBUG, __VA_ARGS__)
#define bf_log_trace(...) bf_log_at(BF_LOG_TRACE, __VA_ARGS__)

#endif
