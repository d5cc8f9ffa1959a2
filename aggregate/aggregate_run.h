/* aggregate_run.h - the aggregate stage: ingest's records in, result tables out. */
#ifndef KPM_AGGREGATE_RUN_H
#define KPM_AGGREGATE_RUN_H

typedef struct {
    const char *state_dir;
    const char *catalog;
    const char *in_endpoint;   /* bound: records from ingest */
    const char *in_ack;        /* ingest's acknowledgement endpoint */
    const char *out_endpoint;  /* report's input */
    const char *out_ack;       /* bound: acknowledgements from report */
    int min_cell;              /* small-cell threshold (default 5) */
    double uren_per_dag;       /* adviser hours per day (default 8) */
    int dagen_toegekend;       /* adviser days allotted per koploper (default 8) */
    const char *comparisons;   /* vergelijkingen.csv, or NULL */
    int comparisons_optional;  /* 1: a missing comparisons file means no comparisons */
    const char *groups;        /* groepen.csv (named groups), or NULL */
    int groups_optional;       /* 1: a missing groups file means no named groups */
    const char *gemeenten_ref; /* the CBS gemeenten list (NULL: config/gemeenten_2021.csv
                                  of the data directory, datadir.h; optional) */
    const char *herindelingen; /* the mergers (NULL: config/herindelingen.csv there,
                                  optional) */
    int checkpoint_ms;         /* checkpoint at least this often while receiving */
    const char *keys;          /* NULL, or a CURVE key directory (common/curve.h) */
    const char *night;         /* NULL, or the night this run is for: when it is delivered
                                  already, only answer ingest briefly and exit */
    unsigned worker;           /* this worker's number, 0 .. workers - 1 */
    unsigned workers;          /* aggregate workers of the pipeline (docs/SCALING.md) */
    const char *name;          /* "aggregate", or "aggregate.K" with several workers: the
                                  state subdirectory and the name in logs and run files */
} aggregate_opts_t;

/* Receives (or resumes) a night, checkpoints it, sends the night's tables to
 * report and waits until report made them durable. Returns KPM_OK, KPM_ESTOP
 * (state checkpointed; a restart resumes), or an error (logged). */
int aggregate_run(const aggregate_opts_t *o);

#endif
