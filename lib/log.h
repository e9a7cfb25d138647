/**
 * Line-oriented logging to standard error: "2026-11-21T10:00:00.123Z LEVEL
 * message". One write(2) per line, so lines from threads never interleave.
 */
#ifndef TRIB_LOG_H
#define TRIB_LOG_H

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/** Lines below @p level are dropped (default LOG_INFO). @thread any */
void log_set_level(log_level_t level);

/**
 * Writes one line at @p level, printf-style. Lines are cut at 1 KiB.
 * @thread any  @locks none
 */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
