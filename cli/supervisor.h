/* supervisor.h - kpm run's supervisor: starts the night's stages as its
 * children and waits on them (a pidfd per process, poll), not on pid files.
 *
 * - A stage that reports failure (phase=failed in its status file, or exit 1)
 *   ends the night at once: the others are stopped, the cause is returned.
 * - A stage that dies otherwise (a signal, or stopped without finishing) may be
 *   restarted by the operator (`kpm restart`, which asks this supervisor over
 *   STATE/run/kpm.sock: it starts the new process as its own child) within
 *   --grace seconds; after that the night fails.
 * - A stage that exits 75 at its start found its lock held: a copy runs,
 *   started outside kpm run. The supervisor watches that process (pidfd) and
 *   reads its status file when it ends.
 * - Report finished while an aggregate still delivers (restarted after
 *   report's acknowledgement): after confirm_after seconds report is started
 *   again to confirm the night.
 * - SIGINT/SIGTERM to kpm, `kpm stop`, a failure or the timeout: every stage
 *   still running is stopped (SIGTERM, SIGKILL after 5 s) and reaped.
 */
#ifndef KPM_CLI_SUPERVISOR_H
#define KPM_CLI_SUPERVISOR_H

#include "stages.h"
#include "statelock.h"

typedef struct {
    const char *state;
    const stage_list_t *stages; /* started in this order */
    long grace;                 /* seconds a dead stage may wait for a restart */
    long timeout;               /* seconds for the whole night */
    double confirm_after;       /* seconds (KPM_CONFIRM_AFTER, default 6) */
    int progress;               /* draw the progress line on stderr */
} sup_opts_t;

typedef struct {
    int ok;                     /* every stage finished the night */
    int signo;                  /* ended by this signal to kpm (0: not) */
    int stopped;                /* ended by `kpm stop` */
    char stage[STAGE_NAME_MAX]; /* the stage that failed, if one did */
    char why[1024];             /* the cause, for the operator */
} sup_result_t;

/* Starts the stages (their command lines saved in STATE/run), releases
 * *control once they run, and supervises the night until it ends. sigfd is a
 * signalfd for SIGINT and SIGTERM (blocked by the caller). Returns when no
 * stage process it started is left. */
void sup_run(const sup_opts_t *o, statelock_t *control, int sigfd, sup_result_t *r);

#endif
