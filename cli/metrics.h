/* metrics.h - the night's result: STATE/run/kpm.result (key=value, for `kpm
 * status`) and STATE/metrics/kpm.prom (Prometheus text format for
 * node_exporter's textfile collector; docs/METRICS.md), both replaced
 * atomically at the end of every night, completed or not.
 */
#ifndef KPM_CLI_METRICS_H
#define KPM_CLI_METRICS_H

#include <time.h>

#include "stages.h"

typedef struct {
    const char *result; /* "ok", "failed" or "stopped" */
    const char *night;  /* may be "" */
    time_t started;     /* wall clock */
    double seconds;     /* duration */
    const char *stage;  /* the stage that failed, or "" */
    const char *error;  /* the cause, or "" */
} night_result_t;

/* Writes STATE/run/kpm.result. Returns 0 or -1. */
int metrics_write_result(const char *state, const night_result_t *r);

/* Writes STATE/metrics/kpm.prom (mode 0640; the directory made 0750) with the
 * stages' figures from their status files. Returns 0 or -1. */
int metrics_write_prom(const char *state, const stage_list_t *stages, const night_result_t *r);

#endif
