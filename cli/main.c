/* kpm - the operator's command: runs a night of the three stages and
 * supervises it, shows its status, restarts or stops a stage, makes keys, runs
 * the demo. See `kpm --help`, README.md ("Operating kpm") and docs/OPERATIONS.md. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "kpm_exit.h"

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {{"run", cmd_run},        {"status", cmd_status}, {"restart", cmd_restart},
                {"stop", cmd_stop},      {"keygen", cmd_keygen}, {"demo", cmd_demo},
                {"version", cmd_version}};
    const char *cmd = argc > 1 ? argv[1] : "help";
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cmd_overview(stdout);
        return KPM_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) return cmd_version(0, NULL);
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(cmd, cmds[i].name) == 0) return cmds[i].run(argc - 2, argv + 2);
    fprintf(stderr,
            "kpm: unknown command '%s' (run, status, restart, stop, keygen, demo, version; "
            "see kpm --help)\n",
            cmd);
    return KPM_EXIT_USAGE;
}
