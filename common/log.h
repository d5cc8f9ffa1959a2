/* log.h - one-line log records on stderr: "2026-11-26T03:00:00.042Z ingest info: ..."
 * (UTC, milliseconds).
 *
 * Personal data never goes into a log: callers pass names of files, columns and
 * codes, never cell values of pii columns.
 */
#ifndef KPM_LOG_H
#define KPM_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the stage name printed on each line (a static string) and the lowest level
 * printed (default LOG_INFO; KPM_LOG_LEVEL=debug|info|warn|error overrides). */
void log_init(const char *stage);

void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
