/* supervisor.c - kpm run's supervisor (see supervisor.h). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "kpm_exit.h"
#include "kvfile.h"
#include "progress.h"

#define TICK_MS 100       /* how often status files are looked at */
#define STOP_WAIT_MS 5000 /* SIGTERM, then SIGKILL after this */

typedef struct {
    const char *name;
    pid_t pid;       /* 0: no process */
    int pidfd;       /* -1: none (or pidfd_open unavailable: waitpid per tick) */
    int child;       /* ours (waitpid gives its status) or a copy we only watch */
    int ended;       /* the process of this slot has ended */
    int wstatus;     /* its wait status (child only) */
    double ended_at; /* when, monotonic seconds */
} slot_t;

typedef struct {
    const sup_opts_t *o;
    slot_t slot[STAGES_MAX];
    int n;
    int lfd;              /* control socket */
    int stop_client;      /* `kpm stop` waiting for its answer, or -1 */
    double sending_since; /* report done and gone, an aggregate sending: since (<0 not) */
    sup_result_t *r;
} sup_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pidfd_of(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void load_status(const sup_t *s, const char *stage, kvfile_t *kv)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.status", s->o->state, stage);
    kvfile_load(kv, path);
}

static int slot_start(sup_t *s, slot_t *sl, char *err, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.status", s->o->state, sl->name);
    unlink(path); /* an earlier process's phase must not count for this one */
    pid_t pid = stages_spawn(s->o->state, sl->name, 1, err, len);
    if (pid < 0) return -1;
    /* For bench/bench_rsswatch, which watches a stage from its first moment (no
     * fsync: it matters only while this night runs). */
    snprintf(path, sizeof path, "%s/run/%s.launched", s->o->state, sl->name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
    if (fd >= 0) {
        dprintf(fd, "%ld\n", (long)pid);
        close(fd);
    }
    sl->pid = pid;
    sl->child = 1;
    sl->pidfd = pidfd_of(pid);
    sl->ended = 0;
    sl->wstatus = 0;
    return 0;
}

/* Marks the slot's process ended when it has (reaping our child). Returns 1
 * when it is (now) ended. */
static int slot_reap(slot_t *sl, int block)
{
    if (sl->ended || sl->pid == 0) return 1;
    if (sl->child) {
        int st;
        pid_t w = waitpid(sl->pid, &st, block ? 0 : WNOHANG);
        if (w == 0) return 0;
        sl->wstatus = w == sl->pid ? st : 0;
    } else {
        struct pollfd p = {sl->pidfd, POLLIN, 0};
        if (sl->pidfd >= 0 && poll(&p, 1, block ? -1 : 0) == 0) return 0;
        if (sl->pidfd < 0 && kill(sl->pid, 0) == 0) return 0;
    }
    if (sl->pidfd >= 0) close(sl->pidfd);
    sl->pidfd = -1;
    sl->ended = 1;
    sl->ended_at = now_s();
    return 1;
}

/* A child that exited 75 found its stage lock held: a copy started outside
 * kpm run is running. Watch that one instead. */
static void slot_adopt(sup_t *s, slot_t *sl)
{
    pid_t other = stages_running(s->o->state, sl->name);
    int pfd = other > 0 ? pidfd_of(other) : -1;
    if (pfd < 0) return;
    fprintf(stderr,
            "kpm: %s: a copy is already running (pid %ld), started outside kpm run; "
            "watching it\n",
            sl->name, (long)other);
    sl->pid = other;
    sl->pidfd = pfd;
    sl->child = 0;
    sl->ended = 0;
}

static int exit_code(const slot_t *sl)
{
    return sl->child && WIFEXITED(sl->wstatus) ? WEXITSTATUS(sl->wstatus) : -1;
}

/* Stops the processes of the given slots (all when which is NULL) together:
 * SIGTERM, up to 5 s, SIGKILL; each is reaped. */
static void stop_slots(sup_t *s, slot_t *which)
{
    for (int i = 0; i < s->n; i++) {
        slot_t *sl = &s->slot[i];
        if ((which && sl != which) || slot_reap(sl, 0)) continue;
        kill(sl->pid, SIGTERM);
    }
    double until = now_s() + STOP_WAIT_MS / 1000.0;
    for (;;) {
        int left = 0;
        for (int i = 0; i < s->n; i++) {
            slot_t *sl = &s->slot[i];
            if (!(which && sl != which) && !slot_reap(sl, 0)) left++;
        }
        if (!left) return;
        if (now_s() >= until) break;
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < s->n; i++) {
        slot_t *sl = &s->slot[i];
        if ((which && sl != which) || slot_reap(sl, 0)) continue;
        kill(sl->pid, SIGKILL);
        if (sl->child) {
            slot_reap(sl, 1);
        } else {
            for (int k = 0; k < 100 && !slot_reap(sl, 0); k++) {
                struct timespec ts = {0, 10000000L};
                nanosleep(&ts, NULL);
            }
        }
    }
}

static slot_t *find_slot(sup_t *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->slot[i].name, name) == 0) return &s->slot[i];
    return NULL;
}

/* Serves one request on the control socket. */
static void serve(sup_t *s)
{
    char req[256], reply[600], err[512];
    int cfd = ctl_accept(s->lfd, req, sizeof req);
    if (cfd < 0) return;
    if (strcmp(req, "stop") == 0) {
        s->r->stopped = 1;
        s->stop_client = cfd; /* answered once every stage is stopped */
        return;
    }
    slot_t *sl = strncmp(req, "restart ", 8) == 0 ? find_slot(s, req + 8) : NULL;
    if (!sl) {
        int n = snprintf(reply, sizeof reply, "err STAGE is one of:");
        for (int i = 0; i < s->n && n > 0 && (size_t)n < sizeof reply; i++)
            n += snprintf(reply + n, sizeof reply - (size_t)n, " %s", s->slot[i].name);
        ctl_reply(cfd, reply);
        return;
    }
    stop_slots(s, sl);
    if (slot_start(s, sl, err, sizeof err) != 0)
        snprintf(reply, sizeof reply, "err %s", err);
    else
        snprintf(reply, sizeof reply, "ok %ld", (long)sl->pid);
    ctl_reply(cfd, reply);
}

/* How a slot's process ended, for a message ("killed by SIGKILL"). */
static void how_ended(const slot_t *sl, const kvfile_t *st, char *buf, size_t len)
{
    if (sl->child && WIFSIGNALED(sl->wstatus))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(sl->wstatus),
                 strsignal(WTERMSIG(sl->wstatus)));
    else if (!*kvfile_get(st, "phase"))
        snprintf(buf, len, "exited %d before it wrote its status", exit_code(sl));
    else if (sl->child)
        snprintf(buf, len, "exited %d, phase '%s'", exit_code(sl), kvfile_get(st, "phase"));
    else
        snprintf(buf, len, "ended, phase '%s'", kvfile_get(st, "phase"));
}

/* The night fails for stage: the cause from its log's last error line, else
 * its status's last_error, else how it ended. */
static int fail(sup_t *s, const slot_t *sl, const kvfile_t *st, const char *what)
{
    char cause[600] = "", how[160];
    if (!stages_log_error(s->o->state, sl->name, cause, sizeof cause) &&
        *kvfile_get(st, "last_error"))
        snprintf(cause, sizeof cause, "%s", kvfile_get(st, "last_error"));
    how_ended(sl, st, how, sizeof how);
    snprintf(s->r->stage, sizeof s->r->stage, "%s", sl->name);
    if (what)
        snprintf(s->r->why, sizeof s->r->why, "%s %s", sl->name, what);
    else
        snprintf(s->r->why, sizeof s->r->why, "%s failed: %s (%s)", sl->name,
                 cause[0] ? cause : "no error in its log", how);
    return 1;
}

/* Looks at every stage once. Returns 1 when the night has ended (r says how). */
static int evaluate(sup_t *s, double started)
{
    int all_done = 1, report_gone = 0, agg_sending = 0;
    for (int i = 0; i < s->n; i++) {
        slot_t *sl = &s->slot[i];
        kvfile_t st;
        load_status(s, sl->name, &st);
        const char *phase = kvfile_get(&st, "phase");
        int base_agg = strncmp(sl->name, "aggregate", 9) == 0;
        if (!slot_reap(sl, 0)) {
            if (strcmp(phase, "failed") == 0) return fail(s, sl, &st, NULL);
            if (base_agg && strcmp(phase, "sending") == 0) agg_sending = 1;
            all_done = 0;
            continue;
        }
        int code = exit_code(sl);
        if (code == KPM_EXIT_BUSY) {
            slot_adopt(s, sl);
            if (!sl->ended) {
                all_done = 0;
                continue;
            }
        }
        if (strcmp(phase, "done") == 0 && (code == 0 || !sl->child)) {
            if (strcmp(sl->name, "report") == 0) report_gone = 1;
            continue;
        }
        all_done = 0;
        char what[400], how[160];
        if (code == KPM_EXIT_FAILED || strcmp(phase, "failed") == 0) return fail(s, sl, &st, NULL);
        if (code == KPM_EXIT_USAGE || code == 127) return fail(s, sl, &st, NULL);
        if (now_s() - sl->ended_at >= (double)s->o->grace) {
            how_ended(sl, &st, how, sizeof how);
            snprintf(what, sizeof what, "is not running (%s) and was not restarted within %lds",
                     how, s->o->grace);
            return fail(s, sl, &st, what);
        }
    }
    if (all_done) {
        s->r->ok = 1;
        return 1;
    }
    /* Report finished while an aggregate delivers the night again (restarted
     * after report's acknowledgement): report is started again to confirm it. */
    if (report_gone && agg_sending) {
        if (s->sending_since < 0) s->sending_since = now_s();
        if (now_s() - s->sending_since >= s->o->confirm_after) {
            statelock_t control = STATELOCK_INIT;
            char err[512];
            if (statelock_take(s->o->state, "control", 0, &control, NULL, err, sizeof err) == 0) {
                slot_t *rep = find_slot(s, "report");
                fprintf(stderr, "kpm: aggregate waits for report, which has finished the night: "
                                "report started again to confirm it\n");
                if (slot_start(s, rep, err, sizeof err) != 0) fprintf(stderr, "kpm: %s\n", err);
                statelock_release(&control);
                s->sending_since = -1;
            }
        }
    } else {
        s->sending_since = -1;
    }
    if (now_s() - started >= (double)s->o->timeout) {
        snprintf(s->r->why, sizeof s->r->why, "the night did not finish within %lds",
                 s->o->timeout);
        return 1;
    }
    return 0;
}

void sup_run(const sup_opts_t *o, statelock_t *control, int sigfd, sup_result_t *r)
{
    sup_t s = {
        .o = o, .n = o->stages->n, .lfd = -1, .stop_client = -1, .sending_since = -1, .r = r};
    char err[512];
    memset(r, 0, sizeof *r);
    s.lfd = ctl_listen(o->state, err, sizeof err);
    if (s.lfd < 0) fprintf(stderr, "kpm: %s: kpm restart will start stages on their own\n", err);
    for (int i = 0; i < s.n; i++) {
        s.slot[i] = (slot_t){.name = o->stages->name[i], .pidfd = -1};
        if (slot_start(&s, &s.slot[i], err, sizeof err) != 0) {
            snprintf(r->stage, sizeof r->stage, "%s", s.slot[i].name);
            snprintf(r->why, sizeof r->why, "%s", err);
            s.n = i;
            goto out;
        }
    }
    statelock_release(control);
    double started = now_s(), drawn = 0;
    for (;;) {
        struct pollfd p[STAGES_MAX + 2];
        int np = 0;
        p[np++] = (struct pollfd){sigfd, POLLIN, 0};
        if (s.lfd >= 0) p[np++] = (struct pollfd){s.lfd, POLLIN, 0};
        for (int i = 0; i < s.n; i++)
            if (!s.slot[i].ended && s.slot[i].pidfd >= 0)
                p[np++] = (struct pollfd){s.slot[i].pidfd, POLLIN, 0};
        if (poll(p, (nfds_t)np, TICK_MS) < 0 && errno != EINTR) break;
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                r->signo = (int)si.ssi_signo;
                break;
            }
        }
        if (s.lfd >= 0 && (p[1].revents & POLLIN)) serve(&s);
        if (r->stopped) break;
        if (evaluate(&s, started)) break;
        if (o->progress && now_s() - drawn >= PROGRESS_REDRAW) {
            progress_draw(o->state);
            drawn = now_s();
        }
    }
out:
    if (o->progress) progress_clear();
    ctl_close(s.lfd, o->state); /* a restart asked now hears that the night ended */
    statelock_release(control);
    stop_slots(&s, NULL);
    if (s.stop_client >= 0) ctl_reply(s.stop_client, "ok");
}
