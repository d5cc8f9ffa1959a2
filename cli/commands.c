/* commands.c - kpm status, restart, stop, keygen, demo, version and the overview. */
#include "commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "ctl.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "paths.h"
#include "stages.h"
#include "statelock.h"
#include "status.h"

#ifndef KPM_VERSION
#define KPM_VERSION "unknown"
#endif

#define CONTROL_WAIT_MS 10000 /* a restart of another stage takes up to ~5 s */
#define REPLY_WAIT_MS 20000   /* the supervisor stops (<= 5 s) and starts a stage */

int cmd_fail(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kpm %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

void cmd_overview(FILE *fp)
{
    fputs("usage: kpm COMMAND [options]     (kpm COMMAND --help for each)\n\n"
          "  run --inbox DIR --out DIR --state DIR [options]\n"
          "                      run one night and supervise its three stages\n"
          "  status --state DIR [--json]\n"
          "                      each stage (phase, pid, night, records, progress) and\n"
          "                      the last night's result\n"
          "  restart STAGE --state DIR\n"
          "                      restart one stage of the night (ingest, aggregate or\n"
          "                      aggregate.K, report)\n"
          "  stop --state DIR    stop the night; the next run resumes it\n"
          "  keygen DIR [STAGE...]\n"
          "                      CurveZMQ key pairs (default: ingest aggregate report)\n"
          "  demo                one night on the bundled sample inbox\n"
          "  version             print kpm's version (also kpm --version)\n\n"
          "Exit status (every command): 0 ok, 1 the night failed (or status: the last\n"
          "night or a stage failed), 2 usage (unknown command or option, bad or missing\n"
          "value; status: no such state directory), 75 another process holds the state\n"
          "(a night is running, or a restart or stop is in progress: try later).\n"
          "See README.md (\"Operating kpm\") and docs/OPERATIONS.md.\n",
          fp);
}

int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 0) {
        if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
            puts("usage: kpm version\nPrints kpm's version.");
            return KPM_EXIT_OK;
        }
        return cmd_fail("version", KPM_EXIT_USAGE, "unexpected '%s'", argv[0]);
    }
    printf("kpm %s\n", KPM_VERSION);
    return KPM_EXIT_OK;
}

/* state_command: go on with the command (not an exit status). */
#define CMD_GO (-1)

/* The start of status, restart and stop: argv read against specs (the first
 * of which is --state), usage printed for --help, and --state DIR, which must
 * be an existing directory, resolved into state (PATH_MAX bytes). Returns
 * CMD_GO, or the exit status to return at once (KPM_EXIT_OK after --help). */
static int state_command(const char *cmd, const arg_spec_t *specs, size_t n, args_t *a,
                         size_t max_pos, int argc, char **argv, const char *usage, char *state)
{
    struct stat sb;
    int rc = args_parse(cmd, specs, n, a, max_pos, argc, argv);
    if (rc) return rc;
    if (a->help) {
        puts(usage);
        return KPM_EXIT_OK;
    }
    const arg_val_t *v = &a->val[0];
    if (!v->given) return cmd_fail(cmd, KPM_EXIT_USAGE, "needs --state DIR");
    if (stat(v->text, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cmd_fail(cmd, KPM_EXIT_USAGE, "--state: no state directory '%s'", v->text);
    if (!realpath(v->text, state)) snprintf(state, PATH_MAX, "%s", v->text);
    return CMD_GO;
}

int cmd_status(int argc, char **argv)
{
    static const arg_spec_t specs[] = {{"--state", ARG_TEXT}, {"--json", ARG_FLAG}};
    arg_val_t val[2];
    args_t a = {.val = val};
    char state[PATH_MAX];
    int rc = state_command(
        "status", specs, 2, &a, 0, argc, argv,
        "usage: kpm status --state DIR [--json]\n"
        "Shows each stage of the night in DIR: running or not, pid, phase, night,\n"
        "records in and out, last error; ingest's file, rows, %, rows/s and ETA while\n"
        "it reads; whether kpm run supervises the night; the last night's result.\n"
        "  --json   the same as one JSON object (fields: docs/OPERATIONS.md)\n"
        "Exit status: 0, 1 when the last night failed or a stage reports failure,\n"
        "2 when DIR is not a state directory (or a usage error).",
        state);
    if (rc != CMD_GO) return rc;
    return status_print(state, val[1].given, stdout);
}

/* Takes the control lock, waiting; prints why not. */
static int take_control(const char *cmd, const char *state, statelock_t *l)
{
    char err[512];
    long holder;
    int rc = statelock_take(state, "control", CONTROL_WAIT_MS, l, &holder, err, sizeof err);
    if (rc == KPM_OK) return 0;
    if (rc == KPM_EBUSY)
        return cmd_fail(cmd, KPM_EXIT_BUSY,
                        "another kpm (pid %ld) is starting or stopping stages "
                        "in %s; try again",
                        holder, state);
    return cmd_fail(cmd, KPM_EXIT_FAILED, "%s", err);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int cmd_restart(int argc, char **argv)
{
    static const arg_spec_t specs[] = {{"--state", ARG_TEXT}};
    arg_val_t val[1];
    args_t a = {.val = val};
    char state[PATH_MAX], req[128], reply[600], err[512];
    int rc = state_command(
        "restart", specs, 1, &a, 1, argc, argv,
        "usage: kpm restart STAGE --state DIR\n"
        "Stops one stage of the night (SIGTERM, SIGKILL after 5 s) and starts it again\n"
        "with the command line kpm run saved (STATE/run/STAGE.args). While kpm run\n"
        "supervises the night, it asks kpm run to do so (the new process is kpm run's\n"
        "child); otherwise the stage runs on its own. STAGE: ingest, aggregate (with\n"
        "workers aggregate.K), report.\n"
        "Exit status: 0 restarted, 1 failed, 2 usage, 75 busy.",
        state);
    if (rc != CMD_GO) return rc;
    if (a.n_pos != 1)
        return cmd_fail("restart", KPM_EXIT_USAGE, "needs a STAGE (see kpm restart --help)");
    const char *stage = a.pos[0];
    stage_list_t l;
    stages_of_state(state, &l);
    int known = 0;
    for (int i = 0; i < l.n; i++)
        known |= strcmp(l.name[i], stage) == 0;
    if (!known) {
        fprintf(stderr, "kpm restart: STAGE is one of:");
        for (int i = l.n - 1; i >= 0; i--)
            fprintf(stderr, " %s", l.name[i]);
        fputc('\n', stderr);
        return KPM_EXIT_USAGE;
    }
    char args_path[PATH_MAX + 64];
    snprintf(args_path, sizeof args_path, "%s/run/%s.args", state, stage);
    if (!fs_exists(args_path))
        return cmd_fail("restart", KPM_EXIT_FAILED, "no night was started in %s (no %s.args)",
                        state, stage);
    statelock_t control = STATELOCK_INIT;
    for (int tries = 0;; tries++) {
        if ((rc = take_control("restart", state, &control))) return rc;
        long sup = statelock_holder(state, "night");
        if (!sup) break;
        snprintf(req, sizeof req, "restart %s", stage);
        rc = ctl_request(state, req, reply, sizeof reply, REPLY_WAIT_MS);
        statelock_release(&control);
        if (rc == 1 && strncmp(reply, "ok ", 3) == 0) {
            printf("kpm: %s restarted (pid %s) under kpm run (pid %ld)\n", stage, reply + 3, sup);
            return KPM_EXIT_OK;
        }
        if (rc == 1)
            return cmd_fail("restart", KPM_EXIT_FAILED, "%s",
                            reply + (strncmp(reply, "err ", 4) ? 0 : 4));
        if (rc < 0 || tries >= 100)
            return cmd_fail("restart", KPM_EXIT_FAILED, "kpm run (pid %ld) did not answer: %s", sup,
                            rc < 0 ? reply : "no control socket");
        /* kpm run holds the night but does not listen yet (it waits for the
         * control lock we held): let it start, then ask again. */
        nap_ms(100);
    }
    pid_t old = stages_running(state, stage);
    if (old > 0) stages_stop_pid(old);
    pid_t pid = stages_spawn(state, stage, 0, err, sizeof err);
    statelock_release(&control);
    if (pid < 0) return cmd_fail("restart", KPM_EXIT_FAILED, "%s", err);
    printf("kpm: %s restarted (pid %ld); no kpm run supervises %s: it runs on its own\n", stage,
           (long)pid, state);
    return KPM_EXIT_OK;
}

int cmd_stop(int argc, char **argv)
{
    static const arg_spec_t specs[] = {{"--state", ARG_TEXT}};
    arg_val_t val[1];
    args_t a = {.val = val};
    char state[PATH_MAX], reply[600];
    int rc =
        state_command("stop", specs, 1, &a, 0, argc, argv,
                      "usage: kpm stop --state DIR\n"
                      "Stops the night in DIR: asks kpm run to stop its stages (each saves its\n"
                      "state), and stops any stage running on its own. The next kpm run resumes\n"
                      "the night.\n"
                      "Exit status: 0 stopped (or nothing ran), 1 failed, 2 usage, 75 busy.",
                      state);
    if (rc != CMD_GO) return rc;
    long sup = statelock_holder(state, "night");
    if (sup && ctl_request(state, "stop", reply, sizeof reply, REPLY_WAIT_MS) == 0) {
        kill((pid_t)sup, SIGTERM); /* no control socket: the signal does the same */
    }
    for (int i = 0; sup && i < 200 && statelock_holder(state, "night"); i++)
        nap_ms(50);
    statelock_t control = STATELOCK_INIT;
    if ((rc = take_control("stop", state, &control))) return rc;
    stage_list_t l;
    stages_of_state(state, &l);
    for (int i = 0; i < l.n; i++) {
        pid_t pid = stages_running(state, l.name[i]);
        if (pid > 0) stages_stop_pid(pid);
    }
    statelock_release(&control);
    printf("kpm: stopped; the next 'kpm run' resumes the night\n");
    return KPM_EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    char bin[PATH_MAX];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: kpm keygen DIR [STAGE...]\n"
                 "Makes CurveZMQ key pairs in DIR: STAGE.key (secret, mode 0600) and\n"
                 "STAGE.pub for each STAGE (default: ingest aggregate report). Give each host\n"
                 "its own .key and the peers' .pub files (docs/OPERATIONS.md).");
            return KPM_EXIT_OK;
        }
        if (argv[i][0] == '-')
            return cmd_fail("keygen", KPM_EXIT_USAGE, "unknown option '%s'", argv[i]);
    }
    if (argc < 1)
        return cmd_fail("keygen", KPM_EXIT_USAGE, "needs a directory (see kpm keygen --help)");
    if (!paths_binary("keygen", bin, sizeof bin))
        return cmd_fail("keygen", KPM_EXIT_FAILED, "cannot find kpm-keygen (looked first at %s)",
                        bin);
    char *v[24];
    int n = 0;
    v[n++] = bin;
    v[n++] = argv[0];
    static char *const dflt[] = {"ingest", "aggregate", "report"};
    for (int i = 1; i < argc && n < 22; i++)
        v[n++] = argv[i];
    for (int i = 0; argc == 1 && i < 3; i++)
        v[n++] = dflt[i];
    v[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv(bin, v);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return KPM_EXIT_FAILED;
    puts("kpm: give each host its own <stage>.key and the peers' .pub files; see "
         "docs/OPERATIONS.md");
    return KPM_EXIT_OK;
}

/* Copies the regular files of dir from into dir to. */
static int copy_dir(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *src = fs_join(from, e->d_name), *dst = fs_join(to, e->d_name), *buf = NULL;
        size_t len;
        struct stat sb;
        if (!src || !dst)
            rc = -1;
        else if (stat(src, &sb) == 0 && S_ISREG(sb.st_mode))
            rc = fs_read_all(src, &buf, &len) == KPM_OK && fs_write_atomic(dst, buf, len) == KPM_OK
                     ? 0
                     : -1;
        free(buf);
        free(src);
        free(dst);
    }
    closedir(d);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    if (argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        puts("usage: kpm demo\n"
             "Copies the bundled sample inbox (DATADIR/samples/inbox) to a new temporary\n"
             "directory, runs one night on it and prints where the report and tables are.");
        return KPM_EXIT_OK;
    }
    if (argc > 0) return cmd_fail("demo", KPM_EXIT_USAGE, "unexpected '%s'", argv[0]);
    char data[PATH_MAX], samples[PATH_MAX + 32], dir[PATH_MAX], inbox[PATH_MAX + 16],
        out[PATH_MAX + 16], state[PATH_MAX + 16];
    paths_datadir(data, sizeof data);
    snprintf(samples, sizeof samples, "%s/samples/inbox", data);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kpm-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return cmd_fail("demo", KPM_EXIT_FAILED, "mkdtemp: %s", strerror(errno));
    snprintf(inbox, sizeof inbox, "%s/inbox", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    if (fs_mkdirs(inbox, 0770) != KPM_OK || copy_dir(samples, inbox) != 0)
        return cmd_fail("demo", KPM_EXIT_FAILED, "cannot copy the sample inbox %s to %s", samples,
                        inbox);
    char *run[] = {"--inbox", inbox, "--out", out, "--state", state, NULL};
    int rc = cmd_run(6, run);
    if (rc != KPM_EXIT_OK) return rc;
    char rej[PATH_MAX + 32], *buf;
    size_t len, lines = 0;
    snprintf(rej, sizeof rej, "%s/rejects.csv", out);
    if (fs_read_all(rej, &buf, &len) == KPM_OK) {
        for (size_t i = 0; i < len; i++)
            lines += buf[i] == '\n';
        free(buf);
    }
    printf("kpm: demo on the bundled sample inbox (%s):\n"
           "  report:   %s/rapport.md\n"
           "  tables:   %s/*.csv, %s/dashboard.json\n"
           "  rejects:  %zu rows in %s\n",
           samples, out, out, out, lines ? lines - 1 : 0, rej);
    return KPM_EXIT_OK;
}
