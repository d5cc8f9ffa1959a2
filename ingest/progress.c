/* progress.c - one updating progress line per file on a terminal (see progress.h). */
#include "progress.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_EVERY 64 /* rows between looks at the clock */

int progress_wanted(int fd)
{
    const char *ci = getenv("CI");

    if (ci != NULL && ci[0] != '\0' && strcmp(ci, "0") != 0 && strcmp(ci, "false") != 0) return 0;
    return isatty(fd) == 1;
}

int progress_format(char *buf, size_t len, const char *file, uint64_t rows, double secs,
                    size_t offset, size_t size)
{
    int n = snprintf(buf, len, "%s: %" PRIu64 " rows", file, rows);
    size_t used;

    if (n < 0) return n;
    used = (size_t)n < len ? (size_t)n : len;
    if (secs >= 0.05) n += snprintf(buf + used, len - used, ", %.0f rows/s", (double)rows / secs);
    used = (size_t)n < len ? (size_t)n : len;
    if (size > 0) {
        unsigned pct = offset >= size ? 100 : (unsigned)((double)offset * 100.0 / (double)size);
        n += snprintf(buf + used, len - used, ", %u%%", pct);
    }
    return n;
}

/* The cursor goes back to the line's start after a redraw, so that a log line
 * printed meanwhile overwrites the progress line instead of running on from it. */
static void draw(progress_t *p, uint64_t rows, size_t offset, size_t size, double now, int last)
{
    char line[256];

    progress_format(line, sizeof line, p->file, rows, now - p->start, offset, size);
    fprintf(p->fp, "\r%s\033[K%s", line, last ? "\n" : "\r");
    fflush(p->fp);
    p->shown = now;
}

static void start_file(progress_t *p, const char *file, double now)
{
    snprintf(p->file, sizeof p->file, "%s", file);
    p->start = now;
    p->shown = now;
}

int progress_step(progress_t *p, const char *file, uint64_t rows, size_t offset, size_t size,
                  double now)
{
    if (p->fp == NULL) return 0;
    if (p->shown < 0 || strncmp(p->file, file, sizeof p->file - 1) != 0) {
        start_file(p, file, now);
        return 0;
    }
    if (now - p->shown < PROGRESS_INTERVAL) return 0;
    draw(p, rows, offset, size, now, 0);
    return 1;
}

int progress_finish(progress_t *p, const char *file, uint64_t rows, size_t size, double now)
{
    if (p->fp == NULL) return 0;
    if (p->shown < 0 || strncmp(p->file, file, sizeof p->file - 1) != 0) start_file(p, file, now);
    draw(p, rows, size, size, now, 1);
    p->shown = -1;
    return 1;
}

/* ---- the process's line ---- */

static progress_t line = {NULL, 0, -1, ""};
static int line_state = -1; /* -1 not decided, 0 off, 1 on */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int line_on(void)
{
    if (line_state < 0) {
        line_state = progress_wanted(STDERR_FILENO);
        line.fp = line_state ? stderr : NULL;
    }
    return line_state;
}

/* ---- the published figures (progress_publish) ---- */

static char pub_path[4096];
static char pub_file[128];
static double pub_start, pub_shown = -1;

static int pub_on(void)
{
    static int decided;
    if (!decided) {
        const char *env = getenv("KPM_PROGRESS_FILE");
        decided = 1;
        if (env && *env && strlen(env) < sizeof pub_path)
            snprintf(pub_path, sizeof pub_path, "%s", env);
    }
    return pub_path[0] != '\0';
}

static void publish(const char *file, uint64_t rows, size_t offset, size_t size, double now,
                    int last)
{
    if (!pub_on()) return;
    if (strncmp(pub_file, file, sizeof pub_file - 1) != 0) {
        snprintf(pub_file, sizeof pub_file, "%s", file);
        pub_start = now;
        pub_shown = -1;
    }
    if (!last && pub_shown >= 0 && now - pub_shown < PROGRESS_PUBLISH) return;
    pub_shown = now;
    char tmp[4200], buf[512];
    int n =
        snprintf(buf, sizeof buf, "file=%s\nrows=%" PRIu64 "\noffset=%zu\nsize=%zu\nelapsed=%.3f\n",
                 pub_file, rows, last ? size : offset, size, now - pub_start);
    snprintf(tmp, sizeof tmp, "%s.tmp", pub_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
    if (fd < 0) return;
    int ok = n > 0 && (size_t)n < sizeof buf && write(fd, buf, (size_t)n) == n;
    if (close(fd) != 0 || !ok || rename(tmp, pub_path) != 0) unlink(tmp);
}

void progress_rows(const char *file, uint64_t rows, size_t offset, size_t size)
{
    if (rows % PROGRESS_EVERY == 1) publish(file, rows, offset, size, now_s(), 0);
    if (!line_on() || (rows % PROGRESS_EVERY != 1 && line.shown >= 0)) return;
    progress_step(&line, file, rows, offset, size, now_s());
}

void progress_end(const char *file, uint64_t rows, size_t size)
{
    publish(file, rows, size, size, now_s(), 1);
    if (!line_on()) return;
    progress_finish(&line, file, rows, size, now_s());
}
