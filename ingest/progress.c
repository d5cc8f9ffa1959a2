/* progress.c - one updating progress line per file on a terminal (see progress.h). */
#include "progress.h"

#include <inttypes.h>
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

void progress_rows(const char *file, uint64_t rows, size_t offset, size_t size)
{
    if (!line_on() || (rows % PROGRESS_EVERY != 1 && line.shown >= 0)) return;
    progress_step(&line, file, rows, offset, size, now_s());
}

void progress_end(const char *file, uint64_t rows, size_t size)
{
    if (!line_on()) return;
    progress_finish(&line, file, rows, size, now_s());
}
