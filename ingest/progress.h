/* progress.h - one updating progress line per file on a terminal.
 *
 * While ingest reads a file it calls progress_rows() for every row; on a
 * terminal (stderr is a TTY and CI is not set) that redraws one line,
 *     gebruik_2021.csv: 120000 rows, 48000 rows/s, 37%
 * at most ten times a second (leaving the cursor at the line's start, so that
 * a log line overwrites it), and progress_end() finishes it with a newline.
 * On a pipe, in a log file or in CI nothing is printed and the calls cost a
 * flag test.
 */
#ifndef KPM_PROGRESS_H
#define KPM_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_INTERVAL 0.1 /* seconds between redraws */

/* Where the line goes and the state of the current file. */
typedef struct {
    FILE *fp;     /* NULL: disabled */
    double start; /* when the file's first row came, in seconds */
    double shown; /* when the line was last drawn (< 0: not yet) */
    char file[128];
} progress_t;

/* 1 when progress lines should be drawn on fd: it is a terminal and the
 * environment variable CI is unset, empty, "0" or "false". */
int progress_wanted(int fd);

/* Formats the line (without "\r" or newline) into buf; size 0 means unknown
 * (no percentage). Returns the length as snprintf does. */
int progress_format(char *buf, size_t len, const char *file, uint64_t rows, double secs,
                    size_t offset, size_t size);

/* Clock-injected steps, for tests: a row of file at time now (seconds); draws
 * when PROGRESS_INTERVAL has passed since the last drawing (the first row
 * only starts the clock). progress_finish draws the final line with a newline
 * when anything was counted. Return 1 when they drew, else 0. */
int progress_step(progress_t *p, const char *file, uint64_t rows, size_t offset, size_t size,
                  double now);
int progress_finish(progress_t *p, const char *file, uint64_t rows, size_t size, double now);

/* The process's line on stderr, enabled by progress_wanted(STDERR_FILENO) at
 * the first call. */
void progress_rows(const char *file, uint64_t rows, size_t offset, size_t size);
void progress_end(const char *file, uint64_t rows, size_t size);

/* progress_rows and progress_end also publish the figures, on a terminal or
 * not, when the environment names a file in KPM_PROGRESS_FILE (kpm run sets it
 * to STATE/run/ingest.progress for the ingest it starts): key=value lines file,
 * rows, offset, size (bytes of the file) and elapsed (seconds since the file's
 * first row), replaced by a rename at most every PROGRESS_PUBLISH seconds (no
 * fsync: it is for `kpm status` and kpm run's line). */
#define PROGRESS_PUBLISH 0.5

#endif
