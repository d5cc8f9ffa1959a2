/* log.h - one log record per line on stderr, in logfmt:
 *
 *     ts=2026-11-26T03:00:04.117Z level=info stage=ingest night=20261126T030000Z-1 msg="..."
 *
 * (UTC, milliseconds; night= once the stage knows its night; msg quoted, '"' and
 * '\' escaped, line breaks flattened). Under systemd, when stderr is the journal
 * (JOURNAL_STREAM names it), a record has no ts= (the journal stamps it) and
 * starts with the syslog priority "<N>" so that journalctl -p works.
 *
 * Personal data never goes into a log: callers pass names of files, columns and
 * codes, never cell values of pii columns.
 */
#ifndef KPM_LOG_H
#define KPM_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the stage name printed on each line (a static string) and the lowest level
 * printed (default LOG_INFO; KPM_LOG_LEVEL=debug|info|warn|error overrides).
 *
 * When stderr is a regular file named *.log (kpm run's STATE/log/<stage>.log)
 * larger than KPM_LOG_MAX_BYTES (default 10 MiB; 0: never), it is rotated first:
 * <file>.1 .. <file>.N-1 move up one, <file> becomes <file>.1, and stderr (and
 * stdout, when it is the same file) continue in a new <file>; N is KPM_LOG_KEEP
 * (default 5 rotated files). */
void log_init(const char *stage);

/* Sets the night printed as night= on the following lines (copied; NULL or ""
 * leaves it out). */
void log_set_night(const char *night);

void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
