/* commands.h - kpm's commands. Each takes the arguments after its name and
 * returns the process's exit status (kpm_exit.h). */
#ifndef KPM_CLI_COMMANDS_H
#define KPM_CLI_COMMANDS_H

#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* The overview (kpm, kpm --help, kpm help). */
void cmd_overview(FILE *fp);

/* "kpm CMD: MESSAGE" on stderr; returns code. */
int cmd_fail(const char *cmd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
