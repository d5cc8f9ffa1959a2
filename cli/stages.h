/* stages.h - the stages of a night in a state directory and their processes:
 * names, saved command lines (STATE/run/<stage>.args), starting one with its log,
 * finding and stopping a running one.
 */
#ifndef KPM_CLI_STAGES_H
#define KPM_CLI_STAGES_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "stage.h" /* KPM_MAX_WORKERS */

#define STAGES_MAX (KPM_MAX_WORKERS + 2)
#define STAGE_NAME_MAX 32

typedef struct {
    char name[STAGES_MAX][STAGE_NAME_MAX];
    int n;
} stage_list_t;

/* The stages of a night of `workers` aggregate workers, downstream first:
 * report, aggregate (or aggregate.0 .. aggregate.N-1), ingest. */
void stages_for(int workers, stage_list_t *l);

/* The workers of the night recorded in STATE/run/workers (1 when absent). */
int stages_workers(const char *state);

/* The stages of the night in STATE (stages_for(stages_workers(state))). */
void stages_of_state(const char *state, stage_list_t *l);

/* The binary name of a stage: "aggregate" for "aggregate.2". */
void stages_base(const char *stage, char *buf, size_t len);

/* Saves argv (NULL-terminated) as STATE/run/<stage>.args (NUL-separated).
 * Returns 0 or -1 (errno). */
int stages_save_args(const char *state, const char *stage, char *const *argv);

/* Starts a stage from its saved command line, stdin /dev/null, stdout and
 * stderr appended to STATE/log/<stage>.log. supervised: a child of this process
 * that gets SIGTERM when this process dies (PR_SET_PDEATHSIG); else detached (its
 * own session, not our child). Returns its pid, or -1 with a message in err. */
pid_t stages_spawn(const char *state, const char *stage, int supervised, char *err, size_t len);

/* The pid of the running process of a stage: the holder of its lock
 * stage.<stage>, else its pid file when that process is kpm-<base>; 0 if none. */
pid_t stages_running(const char *state, const char *stage);

/* Stops a process that is not our child: SIGTERM, SIGKILL after 5 s. */
void stages_stop_pid(pid_t pid);

/* Prints the last n lines of STATE/log/<stage>.log to fp, indented. */
void stages_log_tail(const char *state, const char *stage, int n, FILE *fp);

/* The last error in the stage's log: the message of its last line "STAGE error:
 * MSG", or in logfmt "level=error ... msg=\"MSG\"" (quotes unescaped), into buf;
 * 0 when none. */
int stages_log_error(const char *state, const char *stage, char *buf, size_t len);

#endif
