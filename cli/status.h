/* status.h - `kpm status`: each stage of the night in a state directory (running
 * or not, pid, phase, night, records, last error), ingest's progress, whether a
 * kpm run supervises the night, and the last night's result; as a table or as
 * one JSON object (--json; docs/OPERATIONS.md lists its fields).
 */
#ifndef KPM_CLI_STATUS_H
#define KPM_CLI_STATUS_H

#include <stdio.h>

/* Prints the status of state to fp. Returns the exit status: 0, or 1 when the
 * last night failed or a stage reports failure. */
int status_print(const char *state, int json, FILE *fp);

#endif
