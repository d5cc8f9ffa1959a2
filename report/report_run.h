/* report_run.h - the report stage: aggregate's result tables in, the output
 * directory out. */
#ifndef KPM_REPORT_RUN_H
#define KPM_REPORT_RUN_H

typedef struct {
    const char *state_dir;
    const char *out_dir;
    const char *in_endpoint; /* bound: result tables from aggregate */
    const char *in_ack;      /* aggregate's acknowledgement endpoint */
    const char *keys;        /* NULL, or a CURVE key directory (common/curve.h) */
    const char *night;       /* NULL, or the night this run is for: when its outputs are
                                written already, only confirm that and exit */
    const char *pg;          /* NULL, or a libpq connection string: load the tables into
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
