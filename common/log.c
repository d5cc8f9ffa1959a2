/* log.c - logfmt records on stderr, one write(2) per record (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Records longer than this are cut; 4096 is PIPE_BUF on Linux, so a record sent to
 * a pipe is never split by the kernel either. */
#define LOG_LINE_MAX 4096
#define LOG_MSG_MAX 3072 /* the message before escaping */
#define LOG_DEFAULT_MAX_BYTES (10L * 1024 * 1024)
#define LOG_DEFAULT_KEEP 5
#define LOG_KEEP_MAX 100

static const char *log_stage = "kpm";
static char log_night[72];
static int log_threshold = -1; /* -1: not read from the environment yet */
static int log_journal = -1;   /* stderr is the journal; -1: not checked yet */

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};
static const char log_syslog_prio[] = {'7', '6', '4', '3'};

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

/* systemd sets JOURNAL_STREAM="DEV:INODE" for a service whose stderr is the
 * journal; a child whose stderr was redirected elsewhere inherits the variable,
 * so it counts only when it names this stderr. */
static int log_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2) return 0;
    if (fstat(STDERR_FILENO, &st) != 0) return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* A non-negative whole number from the environment, or def. */
static long log_env_long(const char *name, long def, long max)
{
    const char *s = getenv(name);
    char *end;
    long v;

    if (s == NULL || *s == '\0') return def;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > max) return def;
    return v;
}

static int same_file(int fd_a, int fd_b)
{
    struct stat a, b;
    return fstat(fd_a, &a) == 0 && fstat(fd_b, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Rotates stderr's file when it is a *.log over the size cap (see log.h).
 * Returns the path rotated into "<path>.1", or NULL when nothing was done. */
static const char *log_rotate(void)
{
    static char path[PATH_MAX];
    char from[PATH_MAX + 16], to[PATH_MAX + 16];
    long max = log_env_long("KPM_LOG_MAX_BYTES", LOG_DEFAULT_MAX_BYTES, LONG_MAX);
    long keep = log_env_long("KPM_LOG_KEEP", LOG_DEFAULT_KEEP, LOG_KEEP_MAX);
    struct stat st;
    ssize_t n;
    size_t len;

    if (max == 0 || keep == 0) return NULL;
    if (fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= max) return NULL;
    n = readlink("/proc/self/fd/2", path, sizeof path - 1);
    if (n <= 0) return NULL;
    path[n] = '\0';
    len = (size_t)n;
    if (len < 5 || strcmp(path + len - 4, ".log") != 0) return NULL; /* also "(deleted)" */

    for (long i = keep - 1; i >= 1; i--) {
        snprintf(from, sizeof from, "%s.%ld", path, i);
        snprintf(to, sizeof to, "%s.%ld", path, i + 1);
        if (rename(from, to) != 0 && errno != ENOENT) return NULL;
    }
    snprintf(to, sizeof to, "%s.1", path);
    if (rename(path, to) != 0) return NULL;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, st.st_mode & 07777);
    if (fd < 0) return NULL; /* stderr still writes to <path>.1: nothing is lost */
    int out_too = same_file(STDOUT_FILENO, STDERR_FILENO);
    if (out_too) dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return path;
}

void log_init(const char *stage)
{
    if (stage != NULL && stage[0] != '\0') log_stage = stage;
    log_threshold = log_level_from_env();
    log_journal = log_stderr_is_journal();
    const char *rotated = log_journal ? NULL : log_rotate();
    if (rotated != NULL) log_info("log rotated: the earlier lines are in %s.1", rotated);
}

void log_set_night(const char *night)
{
    snprintf(log_night, sizeof log_night, "%s", night != NULL ? night : "");
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

/* Appends src to line[*pos..] as the inside of a logfmt quoted value: '"' and
 * '\' escaped, control characters (line breaks) as spaces. Stops before the
 * last `reserve` bytes of the line. Returns 1 when all of src fitted. */
static int log_put_quoted(char *line, size_t *pos, size_t reserve, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t p = *pos;
    for (; *s; s++) {
        int esc = *s == '"' || *s == '\\';
        if (p + 1 + (size_t)esc > LOG_LINE_MAX - reserve) break;
        if (esc) line[p++] = '\\';
        line[p++] = *s < 0x20 || *s == 0x7f ? ' ' : (char)*s;
    }
    *pos = p;
    return *s == '\0';
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX], msg[LOG_MSG_MAX];
    int saved_errno = errno;
    size_t pos = 0;
    int n;

    if (log_threshold < 0) log_threshold = log_level_from_env();
    if (log_journal < 0) log_journal = log_stderr_is_journal();
    if ((int)level < log_threshold) return;
    if ((int)level < LOG_DEBUG || (int)level > LOG_ERROR) level = LOG_ERROR;

    va_list ap;
    va_start(ap, fmt);
    errno = saved_errno; /* so that %m reports the caller's errno */
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int cut = n < 0 || (size_t)n >= sizeof msg;
    if (n < 0) msg[0] = '\0';

    if (log_journal) {
        line[pos++] = '<';
        line[pos++] = log_syslog_prio[level];
        line[pos++] = '>';
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        pos += strftime(line + pos, sizeof line - pos, "ts=%Y-%m-%dT%H:%M:%S", &tm);
        pos +=
            (size_t)snprintf(line + pos, sizeof line - pos, ".%03dZ ", (int)(ts.tv_nsec / 1000000));
    }
    pos += (size_t)snprintf(line + pos, sizeof line - pos, "level=%s stage=%s ",
                            log_level_names[level], log_stage);
    if (log_night[0] != '\0')
        pos += (size_t)snprintf(line + pos, sizeof line - pos, "night=%s ", log_night);
    memcpy(line + pos, "msg=\"", 5);
    pos += 5;
    if (!log_put_quoted(line, &pos, 5, msg) || cut) { /* room for '...', '"' and '\n' */
        memcpy(line + pos, "...", 3);
        pos += 3;
    }
    line[pos++] = '"';
    line[pos++] = '\n';

    log_write_all(line, pos);
    errno = saved_errno;
}
