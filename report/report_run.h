/* report_run.h - the report stage: aggregate's result tables in, the output
 * directory out. */
#ifndef KPM_REPORT_RUN_H
#define KPM_REPORT_RUN_H

typedef struct {
    const char *state_dir;
    const char *out_dir;
    const char *in_endpoint; /* bound: result tables from aggregate */
    const char *in_ack;      /* aggregate's acknowledgement endpoint */
    const char *night;       /* NULL, or the night this run is for: when its outputs are
                                written already, only confirm that and exit */
} report_opts_t;

/* Receives one night's tables, writes every output atomically, then tells
 * aggregate they are durable. Returns KPM_OK, KPM_ESTOP, or an error (logged). */
int report_run(const report_opts_t *o);

#endif
