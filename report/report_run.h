/* report_run.h - the report stage: aggregate's result tables in, the output
 * directory out. */
#ifndef KPM_REPORT_RUN_H
#define KPM_REPORT_RUN_H

#include "stage.h"

typedef struct {
    const char *state_dir;
    const char *out_dir;
    unsigned workers; /* aggregate workers whose parts are merged (docs/SCALING.md) */
    const char *in_endpoint[KPM_MAX_WORKERS]; /* bound: result tables from worker K */
    const char *in_ack[KPM_MAX_WORKERS];      /* worker K's acknowledgement endpoint */
    const char *keys;                         /* NULL, or a CURVE key directory (common/curve.h) */
    const char *night; /* NULL, or the night this run is for: when its outputs are
                          written already, only confirm that and exit */
    const char *pg;    /* NULL, or a libpq connection string: load the tables into
                          PostgreSQL too (docs/DATABASE.md) */
} report_opts_t;

/* Receives one night's tables, writes every output atomically (CSV files,
 * dashboard.json, rapport.md, rapport.html, kpm.sqlite), commits the
 * PostgreSQL load when asked, then tells aggregate they are durable. A failed
 * PostgreSQL load does not hold the night back (the files are complete and the
 * next night loads every table again) but is returned as the error (logged).
 * Returns KPM_OK, KPM_ESTOP, or an error (logged). */
int report_run(const report_opts_t *o);

#endif
