/* kpm_exit.h - the exit statuses of every kpm binary (the operator's `kpm` and
 * the three stages), the same everywhere and documented in docs/OPERATIONS.md. */
#ifndef KPM_EXIT_H
#define KPM_EXIT_H

#define KPM_EXIT_OK 0     /* done (for a stage: its part durable, or stopped and saved) */
#define KPM_EXIT_FAILED 1 /* the night (or the stage) failed; the reason is printed */
#define KPM_EXIT_USAGE 2  /* a bad command line: unknown option, bad or missing value */
#define KPM_EXIT_BUSY 75  /* another process holds the state (EX_TEMPFAIL: try later) */

#endif
