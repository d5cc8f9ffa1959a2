/* progress.h - how far ingest is in its current file, from what it publishes in
 * STATE/run/ingest.progress (ingest/progress.c), and kpm run's one updating line
 * on a terminal:
 *     kpm: gebruik_2021.csv: 120000 rows, 37%, 48000 rows/s, ETA 4s
 */
#ifndef KPM_CLI_PROGRESS_H
#define KPM_CLI_PROGRESS_H

#include <stddef.h>

#define PROGRESS_REDRAW 0.25 /* seconds between redraws */

typedef struct {
    char file[128];
    double rows;
    double percent; /* of the file's bytes; -1 unknown */
    double rate;    /* rows per second; -1 unknown */
    double eta;     /* seconds left for the file; -1 unknown */
} progress_fig_t;

/* Reads the figures; 0 when ingest has published none. */
int progress_read(const char *state, progress_fig_t *f);

/* Formats "FILE: N rows, P%, R rows/s, ETA Ts" (unknown parts left out). */
void progress_format_fig(const progress_fig_t *f, char *buf, size_t len);

/* Redraws the line on stderr (it must be a terminal) from the state's files. */
void progress_draw(const char *state);

/* Ends a drawn line (erases it), if one was drawn. */
void progress_clear(void);

/* 1 when stderr is a terminal (and CI is not set): kpm run draws the line. */
int progress_on_terminal(void);

#endif
