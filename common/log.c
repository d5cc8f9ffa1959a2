/* log.c - one-line log records on stderr, one write(2) per record. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Records longer than this are cut; 4096 is PIPE_BUF on Linux, so a record sent to
 * a pipe is never split by the kernel either. */
#define LOG_LINE_MAX 4096

static const char *log_stage = "kpm";
static int log_threshold = -1; /* -1: not read from the environment yet */

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

static int log_level_from_env(void)
{
    const char *s = getenv("KPM_LOG_LEVEL");

    if (s != NULL) {
        for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
            if (strcasecmp(s, log_level_names[i]) == 0) return i;
        if (strcasecmp(s, "warning") == 0) return LOG_WARN;
    }
    return LOG_INFO;
}

void log_init(const char *stage)
{
    if (stage != NULL && stage[0] != '\0') log_stage = stage;
    log_threshold = log_level_from_env();
}

static void log_write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    int saved_errno = errno;
    size_t pos;
    int n;

    if (log_threshold < 0) log_threshold = log_level_from_env();
    if ((int)level < log_threshold) return;
    if ((int)level < LOG_DEBUG || (int)level > LOG_ERROR) level = LOG_ERROR;

    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    pos = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);

    n = snprintf(line + pos, sizeof line - pos, ".%03dZ %s %s: ", (int)(ts.tv_nsec / 1000000),
                 log_stage, log_level_names[level]);
    if (n > 0) pos += (size_t)n < sizeof line - pos ? (size_t)n : sizeof line - pos - 1;

    size_t msg_start = pos;
    va_list ap;
    va_start(ap, fmt);
    errno = saved_errno; /* so that %m reports the caller's errno */
    n = vsnprintf(line + pos, sizeof line - pos, fmt, ap);
    va_end(ap);
    if (n > 0) pos += (size_t)n < sizeof line - pos ? (size_t)n : sizeof line - pos - 1;

    /* One record is one line, whatever the message holds. */
    for (size_t i = msg_start; i < pos; i++)
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';

    if (pos > sizeof line - 2) {
        pos = sizeof line - 2;
        memcpy(line + pos - 3, "...", 3);
    }
    line[pos++] = '\n';

    log_write_all(line, pos);
    errno = saved_errno;
}
