/* stage.h - what every kpm stage process does around its work: hold its lock,
 * stop on SIGTERM/SIGINT, keep its pid in STATE/run/<stage>.pid, publish its
 * status in STATE/run/<stage>.status (key=value lines read by `kpm status`),
 * report a failure with its cause, and exit with the status of kpm_exit.h.
 * Its command line: stage_opts.h; its ZeroMQ context and keys: stage_net.h.
 */
#ifndef KPM_STAGE_H
#define KPM_STAGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_opts.h"

/* Set by the signal handler; every blocking loop checks it. */
extern volatile sig_atomic_t stage_stop;

/* Starts a stage process named `name` ("ingest", "aggregate.2") on the state
 * directory of the parsed command line (stage_opts.h):
 * - installs SIGTERM/SIGINT handlers, ignores SIGPIPE, sets the umask (007: no
 *   file of kpm is world-readable);
 * - takes the stage's lock (stage_lock) before anything else is written, so a
 *   second copy on the same state leaves the first one's files alone;
 * - writes STATE/run/<name>.pid and the status "starting";
 * - warns in the log when tcp runs without keys (--insecure-plaintext);
 * - checks the directory of each ipc:// endpoint given without keys
 *   (stage_ipc_dir_check).
 * Returns KPM_OK, KPM_EBUSY (another copy runs: said on stderr) or an error
 * (logged, and in the status file when it could be written). */
int stage_start(const char *name, const stage_common_t *c);

/* Takes STATE/run/stage.<name>.lock (statelock.h) for the life of the process
 * (released by stage_end, or by the kernel when the process dies: never stale).
 * Returns KPM_OK, KPM_EBUSY after printing "kpm-<name>: already running in
 * STATE (pid N)" on stderr, or KPM_EIO (logged). `kpm-ingest --prepare` holds
 * ingest's lock while it opens the night. */
int stage_lock(const char *name, const char *state_dir);

/* The one way a stage reports a failure: logs the cause as an error, writes the
 * status file with phase=failed and the cause as last_error (the night and
 * counts of the last status), and returns rc. The cause stays: a later
 * stage_status("failed", ...) with a generic text keeps it. */
int stage_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The end of a stage process: removes the pid file, releases the lock, and
 * returns the exit status of the result rc (kpm_exit.h): KPM_OK and KPM_ESTOP
 * (stopped, state saved) 0, KPM_EBUSY 75, anything else 1. */
int stage_exit(int rc);

/* Rewrites the status file atomically. `phase` is a word ("receiving",
 * "done", "failed", ...); error may be NULL. */
void stage_status(const char *phase, const char *night, uint64_t records_in, uint64_t records_out,
                  const char *error);

/* What a stage did in one batch (one night's stream). */
typedef struct {
    const char *night;
    uint64_t records_in;
    uint64_t records_out;
    uint64_t rejected;
    uint64_t resends;
    double seconds;
    int ok;            /* the batch completed */
    const char *extra; /* more metric families of the stage (HELP, TYPE and samples),
                          appended to its .prom file as they are; NULL: none */
} stage_batch_t;

/* Ends a batch: logs one line "batch NIGHT: in=N out=N rejected=N resends=N
 * seconds=S" and rewrites the Prometheus textfile STATE/metrics/<stage>.prom
 * (node_exporter textfile-collector format, written atomically) with the last
 * successful batch's time, the last batch's figures and counters summed over the
 * batches of this state directory. */
void stage_batch_done(const stage_batch_t *b);

/* Removes the pid file and releases the stage's lock (stage_exit does it). */
void stage_end(void);

/* The directory of keyless ipc:// endpoints must be the service user's alone:
 * with `create`, makes `dir` with mode 0700 when missing (STATE/sock; the
 * directory of an endpoint given elsewhere is never made: it is outside the
 * state); refuses (KPM_EINVAL, the cause in err) one that is not a directory,
 * is a symbolic link, belongs to another user or is open to group or others.
 * Returns KPM_OK, KPM_EINVAL or KPM_EIO (a missing directory: its path and
 * strerror in err). */
int stage_ipc_dir_check(const char *dir, int create, char *err, size_t errlen);

/* Builds "ipc://STATE/sock/<name>" into buf (STATE/sock checked by
 * stage_ipc_dir_check). Returns KPM_OK or an error with the cause in err. */
int stage_ipc_endpoint(const char *state_dir, const char *name, char *buf, size_t len, char *err,
                       size_t errlen);

/* Aggregate workers of one pipeline, at most (docs/SCALING.md). */
#define KPM_MAX_WORKERS 16

/* The name of a per-worker thing: `base` itself with one worker, else base with
 * ".K" put before its last dot-part ("aggregate.in" -> "aggregate.2.in",
 * "aggregate" -> "aggregate.2"). */
void stage_worker_name(const char *base, unsigned worker, unsigned workers, char *buf, size_t len);

/* The default endpoint of a link end: when *slot is NULL (not given on the
 * command line), builds ipc://STATE/sock/<worker's name of base> into buf and
 * points *slot at it. Returns KPM_OK, or an error reported with stage_fail. */
int stage_worker_endpoint(const char *state_dir, const char *base, unsigned worker,
                          unsigned workers, const char **slot, char *buf, size_t len);

/* Room for one endpoint built by stage_worker_endpoints. */
#define STAGE_ENDPOINT_MAX 4200

/* The defaults of a stage's per-worker endpoint pairs: for each worker whose
 * data[w] or ack[w] was not given, ipc://STATE/sock/<worker's name of data_base
 * or ack_base>, built into buf (2 * workers entries). Returns KPM_OK, or an
 * error reported with stage_fail. */
int stage_worker_endpoints(const char *state_dir, unsigned workers, const char **data,
                           const char *data_base, const char **ack, const char *ack_base,
                           char (*buf)[STAGE_ENDPOINT_MAX]);

#endif
