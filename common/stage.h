/* stage.h - what every kpm process does around its work: stop on SIGTERM/SIGINT,
 * keep its pid in STATE/run/<stage>.pid, and publish its status in
 * STATE/run/<stage>.status (key=value lines read by `scripts/kpm status`).
 */
#ifndef KPM_STAGE_H
#define KPM_STAGE_H

#include <signal.h>
#include <stdint.h>

/* Set by the signal handler; every blocking loop checks it. */
extern volatile sig_atomic_t stage_stop;

/* Installs SIGTERM/SIGINT handlers, ignores SIGPIPE, sets the umask (007: no
 * file of kpm is world-readable), creates STATE/run and writes the pid file.
 * Returns KPM_OK or KPM_EIO with a message in err. */
int stage_start(const char *stage, const char *state_dir, char *err, size_t errlen);

/* Rewrites the status file atomically. `phase` is a word ("receiving",
 * "done", "failed", ...); error may be NULL. */
void stage_status(const char *phase, const char *night, uint64_t records_in,
                  uint64_t records_out, const char *error);

/* What a stage did in one batch (one night's stream). */
typedef struct {
    const char *night;
    uint64_t records_in;
    uint64_t records_out;
    uint64_t rejected;
    uint64_t resends;
    double seconds;
    int ok; /* the batch completed */
} stage_batch_t;

/* Ends a batch: logs one line "batch NIGHT: in=N out=N rejected=N resends=N
 * seconds=S" and rewrites the Prometheus textfile STATE/metrics/<stage>.prom
 * (node_exporter textfile-collector format, written atomically) with the last
 * successful batch's time, the last batch's figures and counters summed over the
 * batches of this state directory. */
void stage_batch_done(const stage_batch_t *b);

/* Removes the pid file. */
void stage_end(void);

/* Builds "ipc://STATE/sock/<name>" into buf (creating STATE/sock with mode 0700). */
int stage_ipc_endpoint(const char *state_dir, const char *name, char *buf, size_t len);

/* Aggregate workers of one pipeline, at most (docs/SCALING.md). */
#define KPM_MAX_WORKERS 16

/* The name of a per-worker thing: `base` itself with one worker, else base with
 * ".K" put before its last dot-part ("aggregate.in" -> "aggregate.2.in",
 * "aggregate" -> "aggregate.2"). */
void stage_worker_name(const char *base, unsigned worker, unsigned workers, char *buf,
                       size_t len);

/* The default endpoint of a link end: when *slot is NULL (not given on the
 * command line), builds ipc://STATE/sock/<worker's name of base> into buf and
 * points *slot at it. */
void stage_worker_endpoint(const char *state_dir, const char *base, unsigned worker,
                           unsigned workers, const char **slot, char *buf, size_t len);

#endif
