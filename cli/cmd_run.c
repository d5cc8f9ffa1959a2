/* cmd_run.c - `kpm run`: one night of the three stages, supervised. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "kvfile.h"
#include "metrics.h"
#include "paths.h"
#include "progress.h"
#include "stages.h"
#include "statelock.h"
#include "supervisor.h"

#define CONTROL_WAIT_MS 10000 /* for a restart or stop to finish */

/* The options and where they go: i(ngest), a(ggregate), r(eport). */
static const arg_spec_t specs[] = {
    {"--inbox", ARG_TEXT},
    {"--out", ARG_TEXT},
    {"--state", ARG_TEXT},
    {"--workers", ARG_LONG, 1, KPM_MAX_WORKERS},
    {"--timeout", ARG_LONG, 1, 604800},
    {"--grace", ARG_LONG, 1, 86400},
    {"--pg", ARG_TEXT},
    {"--pg-passfile", ARG_TEXT},
    {"--min-cell", ARG_LONG, 0, 1000},
    {"--uren-per-dag", ARG_DOUBLE, 0, 0, 0.5, 24},
    {"--dagen-toegekend", ARG_LONG, 1, 365},
    {"--comparisons", ARG_TEXT},
    {"--groups", ARG_TEXT},
    {"--keys", ARG_TEXT},
    {"--catalog", ARG_TEXT},
};
#define N_SPECS (sizeof specs / sizeof *specs)
static const char *const passed_to[N_SPECS] = {
    "", "", "", "", "", "", "r", "r", "a", "a", "a", "a", "a", "iar", "ia",
};

static void usage(FILE *fp)
{
    fputs("usage: kpm run --inbox DIR --out DIR --state DIR [options]\n"
          "Runs one night: starts kpm-ingest, kpm-aggregate and kpm-report on the state\n"
          "directory, supervises them and exits when every output is written. An\n"
          "unfinished night in STATE is resumed first.\n\n"
          "  --inbox DIR            where delivered files arrive\n"
          "  --out DIR              the outputs (tables, dashboard.json, rapport.md/.html)\n"
          "  --state DIR            kpm's state directory (one night at a time: a lock)\n"
          "  --workers N            aggregate as N workers, 1 to 16 (default 1)\n"
          "  --timeout S            give the night up after S seconds, 1 to 604800 (default 3600)\n"
          "  --grace S              how long a dead stage may wait for `kpm restart`,\n"
          "                         1 to 86400 (default 30)\n"
          "  --min-cell N           small-cell threshold, 0 to 1000 (default 5)\n"
          "  --uren-per-dag H       adviser hours per day, 0.5 to 24 (default 8)\n"
          "  --dagen-toegekend N    adviser days per koploper, 1 to 365 (default 8)\n"
          "  --catalog FILE         another round's questionnaire\n"
          "  --comparisons FILE, --groups FILE   comparisons and groups (docs/COMPARISONS.md)\n"
          "  --keys DIR             CurveZMQ keys (kpm keygen)\n"
          "  --pg CONNINFO          also load the tables into PostgreSQL (no password in it:\n"
          "                         it would be saved in STATE/run and seen in ps)\n"
          "  --pg-passfile FILE     the PostgreSQL password file (mode 0600) for report\n"
          "Both --opt VALUE and --opt=VALUE work.\n"
          "Exit status: 0 night complete, 1 night failed (the cause and the stages' last log\n"
          "lines are printed; the next run resumes it), 2 usage, 75 another night or a\n"
          "restart holds the state. Killed by SIGINT/SIGTERM: the stages are stopped (they\n"
          "save their state) and kpm ends by the same signal.\n",
          fp);
}

typedef struct {
    char *v[64];
    int n;
} argv_t;

static void push(argv_t *a, const char *s)
{
    if (a->n < 63) a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

/* The options given that go to stage kind k ('i', 'a', 'r'). */
static void push_passed(argv_t *a, const args_t *args, char k)
{
    for (size_t i = 0; i < N_SPECS; i++) {
        if (args->val[i].given && strchr(passed_to[i], k)) {
            push(a, specs[i].name);
            push(a, args->val[i].text);
        }
    }
}

/* A conninfo that holds a password ("password=..." in any case, or a URI
 * postgres[ql]://user:secret@...): kpm saves the stages' command lines in
 * STATE/run and they show in ps, so a password is refused. */
static int conninfo_has_password(const char *ci)
{
    for (const char *p = ci; *p; p++)
        if (strncasecmp(p, "password", 8) == 0) return 1;
    const char *rest = NULL;
    if (strncasecmp(ci, "postgresql://", 13) == 0)
        rest = ci + 13;
    else if (strncasecmp(ci, "postgres://", 11) == 0)
        rest = ci + 11;
    if (!rest) return 0;
    size_t auth = strcspn(rest, "/?#@");
    return rest[auth] == '@' && memchr(rest, ':', auth) != NULL;
}

/* ingest --prepare: opens or creates the night and prints its id (stderr to
 * ingest's log). Returns 0 with the id in night, KPM_EXIT_BUSY when an ingest
 * holds its lock, else -1. */
static int prepare(const char *state, argv_t *a, char *night, size_t len)
{
    char logpath[4200];
    snprintf(logpath, sizeof logpath, "%s/log/ingest.log", state);
    int log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
    int p[2];
    if (log_fd < 0 || pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(log_fd, 2);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(a->v[0], a->v);
        dprintf(2, "kpm: cannot start '%s': %s\n", a->v[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    close(log_fd);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < len && (n = read(p[0], night + got, len - 1 - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    night[got] = '\0';
    night[strcspn(night, "\n")] = '\0';
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    if (WIFEXITED(st) && WEXITSTATUS(st) == KPM_EXIT_BUSY) return KPM_EXIT_BUSY;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && night[0] ? 0 : -1;
}

/* Removes what an earlier night left in STATE/run for its processes. */
static void clear_run(const char *state)
{
    static const char *const suffix[] = {".status", ".args", ".launched"};
    stage_list_t all;
    stages_for(KPM_MAX_WORKERS, &all);
    char path[4200];
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < all.n; i++) {
            for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++) {
                snprintf(path, sizeof path, "%s/run/%s%s", state, all.name[i], suffix[k]);
                unlink(path);
            }
        }
        stages_for(1, &all);
    }
    snprintf(path, sizeof path, "%s/run/ingest.progress", state);
    unlink(path);
}

/* A stage of the old or the new night that runs outside kpm run. */
static int stage_running_outside(const char *state, int workers)
{
    stage_list_t l;
    for (int k = 0; k < 2; k++) {
        stages_for(k ? workers : stages_workers(state), &l);
        for (int i = 0; i < l.n; i++) {
            pid_t pid = stages_running(state, l.name[i]);
            if (pid > 0) {
                fprintf(stderr,
                        "kpm: %s is already running (pid %ld) outside kpm run; see "
                        "kpm status --state %s, or end it with kpm stop --state %s\n",
                        l.name[i], (long)pid, state, state);
                return 1;
            }
        }
    }
    return 0;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_failure(const char *state, const stage_list_t *l, const char *why)
{
    fprintf(stderr, "kpm: FAILED: %s\n", why);
    for (int i = l->n - 1; i >= 0; i--)
        stages_log_tail(state, l->name[i], 5, stderr);
    fprintf(stderr, "kpm: the state is consistent; the next 'kpm run' resumes this night.\n");
}

int cmd_run(int argc, char **argv)
{
    arg_val_t val[N_SPECS];
    args_t args = {.val = val};
    int rc = args_parse("run", specs, N_SPECS, &args, 0, argc, argv);
    if (rc) return rc;
    if (args.help) {
        usage(stdout);
        return KPM_EXIT_OK;
    }
#define OPT(name) args_get(specs, N_SPECS, &args, name)
    if (!OPT("--inbox")->given || !OPT("--out")->given || !OPT("--state")->given)
        return cmd_fail("run", KPM_EXIT_USAGE,
                        "needs --inbox, --out and --state (see kpm run --help)");
    struct stat sb;
    if (stat(OPT("--inbox")->text, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cmd_fail("run", KPM_EXIT_USAGE, "--inbox: '%s' is not a directory",
                        OPT("--inbox")->text);
    if (OPT("--pg")->given && conninfo_has_password(OPT("--pg")->text))
        return cmd_fail("run", KPM_EXIT_USAGE,
                        "--pg holds a password: leave it out, use --pg-passfile FILE (mode 0600) "
                        "or PGPASSFILE (docs/SECURITY.md)");
    int workers = OPT("--workers")->given ? (int)OPT("--workers")->num : 1;
    long timeout = OPT("--timeout")->given ? OPT("--timeout")->num : 3600;
    long grace = OPT("--grace")->given ? OPT("--grace")->num : 30;
    time_t wall0 = time(NULL);
    double t0 = mono_s();

    umask(007);
    char state[PATH_MAX], inbox[PATH_MAX], out[PATH_MAX], dir[PATH_MAX + 16];
    const char *mk[] = {OPT("--out")->text, OPT("--state")->text};
    for (int i = 0; i < 2; i++)
        if (fs_mkdirs(mk[i], 0770) != KPM_OK)
            return cmd_fail("run", KPM_EXIT_FAILED, "cannot create '%s': %s", mk[i],
                            strerror(errno));
    if (!realpath(OPT("--state")->text, state) || !realpath(OPT("--inbox")->text, inbox) ||
        !realpath(OPT("--out")->text, out))
        return cmd_fail("run", KPM_EXIT_FAILED, "cannot resolve a directory: %s", strerror(errno));
    snprintf(dir, sizeof dir, "%s/log", state);
    if (fs_mkdirs(dir, 0770) != KPM_OK)
        return cmd_fail("run", KPM_EXIT_FAILED, "cannot create '%s': %s", dir, strerror(errno));

    char err[512];
    long holder;
    statelock_t night_lock = STATELOCK_INIT, control = STATELOCK_INIT;
    rc = statelock_take(state, "night", 0, &night_lock, &holder, err, sizeof err);
    if (rc == KPM_EBUSY) {
        fprintf(stderr, "kpm: a night is running in %s (pid %ld); see kpm status --state %s\n",
                state, holder, state);
        return KPM_EXIT_BUSY;
    }
    if (rc != KPM_OK) return cmd_fail("run", KPM_EXIT_FAILED, "%s", err);

    /* SIGINT and SIGTERM come through a signalfd in the supervisor's loop. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);

    rc = statelock_take(state, "control", CONTROL_WAIT_MS, &control, &holder, err, sizeof err);
    if (rc != KPM_OK) {
        if (rc == KPM_EBUSY)
            fprintf(stderr, "kpm: a kpm restart or stop (pid %ld) holds %s; try again\n", holder,
                    state);
        else
            fprintf(stderr, "kpm run: %s\n", err);
        return rc == KPM_EBUSY ? KPM_EXIT_BUSY : KPM_EXIT_FAILED;
    }
    char bin[3][PATH_MAX];
    static const char *const binname[3] = {"ingest", "aggregate", "report"};
    for (int i = 0; i < 3; i++)
        if (!paths_binary(binname[i], bin[i], sizeof bin[i]))
            return cmd_fail("run", KPM_EXIT_FAILED,
                            "cannot find kpm-%s (looked first at %s; set KPM_LIBEXECDIR)",
                            binname[i], bin[i]);
    if (stage_running_outside(state, workers)) return KPM_EXIT_BUSY;
    clear_run(state);
    char path[PATH_MAX + 32], wbuf[16], wtext[16], night[128], kbuf[16];
    snprintf(path, sizeof path, "%s/run/workers", state);
    int wn = snprintf(wbuf, sizeof wbuf, "%d\n", workers);
    snprintf(wtext, sizeof wtext, "%d", workers);
    fs_write_atomic(path, wbuf, (size_t)wn);
    stage_list_t stages;
    stages_for(workers, &stages);

    /* ingest decides the night (an unfinished one is resumed); every stage gets
     * its id, so that a stage restarted after its part is done only confirms it. */
    argv_t ia = {0};
    push(&ia, bin[0]), push(&ia, "--state"), push(&ia, state), push(&ia, "--inbox"),
        push(&ia, inbox);
    push_passed(&ia, &args, 'i');
    if (workers > 1) push(&ia, "--workers"), push(&ia, wtext);
    argv_t prep = ia;
    push(&prep, "--prepare");
    night_result_t res = {
        .result = "failed", .night = "", .started = wall0, .stage = "", .error = ""};
    char why[1200];
    sup_result_t sr;
    memset(&sr, 0, sizeof sr);
    rc = prepare(state, &prep, night, sizeof night);
    if (rc == KPM_EXIT_BUSY) {
        fprintf(stderr,
                "kpm: ingest is already running in %s (started outside kpm run); see "
                "kpm status --state %s\n",
                state, state);
        return KPM_EXIT_BUSY;
    }
    if (rc != 0) {
        char cause[600] = "see its log";
        stages_log_error(state, "ingest", cause, sizeof cause);
        snprintf(why, sizeof why, "ingest cannot open the night: %s", cause);
        res.stage = "ingest";
        goto failed;
    }
    res.night = night;
    push(&ia, "--night"), push(&ia, night);
    argv_t ra = {0};
    push(&ra, bin[2]), push(&ra, "--state"), push(&ra, state), push(&ra, "--out"), push(&ra, out);
    push(&ra, "--night"), push(&ra, night);
    push_passed(&ra, &args, 'r');
    if (workers > 1) push(&ra, "--workers"), push(&ra, wtext);
    int saved = stages_save_args(state, "ingest", ia.v) == 0 &&
                stages_save_args(state, "report", ra.v) == 0;
    for (int k = 0; k < (workers > 1 ? workers : 1); k++) {
        argv_t aa = {0};
        push(&aa, bin[1]), push(&aa, "--state"), push(&aa, state), push(&aa, "--night"),
            push(&aa, night);
        if (workers > 1) {
            snprintf(kbuf, sizeof kbuf, "%d", k);
            push(&aa, "--worker"), push(&aa, kbuf), push(&aa, "--workers"), push(&aa, wtext);
        }
        push_passed(&aa, &args, 'a');
        char name[STAGE_NAME_MAX];
        snprintf(name, sizeof name, workers > 1 ? "aggregate.%d" : "aggregate", k);
        saved = saved && stages_save_args(state, name, aa.v) == 0;
    }
    if (!saved) {
        snprintf(why, sizeof why, "cannot save the stages' command lines in %s/run: %s", state,
                 strerror(errno));
        goto failed;
    }

    fprintf(stderr, "kpm: night %s started (logs in %s/log/)\n", night, state);
    const char *confirm = getenv("KPM_CONFIRM_AFTER");
    sup_opts_t so = {.state = state,
                     .stages = &stages,
                     .grace = grace,
                     .timeout = timeout,
                     .confirm_after = confirm && *confirm ? atof(confirm) : 6,
                     .progress = progress_on_terminal()};
    sup_run(&so, &control, sigfd, &sr);
    res.seconds = mono_s() - t0;
    if (sr.ok) {
        res.result = "ok";
        metrics_write_result(state, &res);
        metrics_write_prom(state, &stages, &res);
        fprintf(stderr, "kpm: night %s complete in %.1f s: outputs in %s (report: %s/rapport.md)\n",
                night, res.seconds, out, out);
        return KPM_EXIT_OK;
    }
    if (sr.signo || sr.stopped) {
        res.result = "stopped";
        res.error = sr.signo ? strsignal(sr.signo) : "kpm stop";
        metrics_write_result(state, &res);
        metrics_write_prom(state, &stages, &res);
        fprintf(stderr,
                "kpm: night %s stopped (%s): the stages saved their state; the next "
                "'kpm run' resumes it\n",
                night, res.error);
        if (sr.signo) {
            statelock_release(&night_lock);
            signal(sr.signo, SIG_DFL);
            sigprocmask(SIG_UNBLOCK, &sigs, NULL);
            raise(sr.signo);
        }
        return KPM_EXIT_FAILED;
    }
    snprintf(why, sizeof why, "%s", sr.why);
    res.stage = sr.stage;
failed:
    statelock_release(&control);
    res.seconds = mono_s() - t0;
    res.error = why;
    metrics_write_result(state, &res);
    metrics_write_prom(state, &stages, &res);
    print_failure(state, &stages, why);
    return KPM_EXIT_FAILED;
#undef OPT
}
