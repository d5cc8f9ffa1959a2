#include "stage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "log.h"
#include "statelock.h"

volatile sig_atomic_t stage_stop = 0;

static char pid_path[4096];
static char metrics_path[4096];
static char status_path[4096];
static const char *stage_name = "";
static statelock_t stage_lock_held = STATELOCK_INIT;
/* The last status written, for stage_fail; and the cause of a failure. */
static char last_night[128];
static uint64_t last_in, last_out;
static char fail_cause[1024];

static void on_signal(int sig)
{
    (void)sig;
    stage_stop = 1;
}

int stage_lock(const char *name, const char *state_dir)
{
    char lock[96], err[4200];
    long holder = 0;
    snprintf(lock, sizeof lock, "stage.%.80s", name);
    int rc = statelock_take(state_dir, lock, 0, &stage_lock_held, &holder, err, sizeof err);
    if (rc == KPM_EBUSY) {
        if (holder)
            fprintf(stderr, "kpm-%s: already running in %s (pid %ld)\n", name, state_dir, holder);
        else
            fprintf(stderr, "kpm-%s: already running in %s\n", name, state_dir);
    } else if (rc) {
        log_error("%s", err);
    }
    return rc;
}

/* The directory of each ipc:// endpoint given without keys (see stage_start). */
static int check_ipc_dirs(const stage_common_t *c)
{
    char dir[4096], err[4400];
    for (unsigned i = 0; !c->keys && i < c->n_ipc; i++) {
        snprintf(dir, sizeof dir, "%s", c->ipc[i] + 6);
        char *slash = strrchr(dir, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        if (stage_ipc_dir_check(dir, 0, err, sizeof err) != KPM_OK)
            return stage_fail(KPM_EINVAL, "endpoint '%s': %s", c->ipc[i], err);
    }
    return KPM_OK;
}

int stage_start(const char *name, const stage_common_t *c)
{
    const char *state_dir = c->state_dir;
    stage_name = name;
    umask(007);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = stage_lock(name, state_dir);
    if (rc) return rc;
    if (c->plaintext_net)
        log_warn("--insecure-plaintext: tcp traffic is not encrypted and any peer is admitted");
    char run[4096];
    snprintf(run, sizeof run, "%.4000s/run", state_dir);
    snprintf(pid_path, sizeof pid_path, "%.4000s/%.32s.pid", run, name);
    snprintf(status_path, sizeof status_path, "%.4000s/%.32s.status", run, name);
    char metrics[4096];
    snprintf(metrics, sizeof metrics, "%.4000s/metrics", state_dir);
    if (fs_mkdirs(metrics, 0770) == KPM_OK)
        snprintf(metrics_path, sizeof metrics_path, "%.4000s/%.32s.prom", metrics, name);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (fs_write_atomic(pid_path, buf, (size_t)n) != KPM_OK) {
        int e = errno;
        pid_path[0] = '\0';
        return stage_fail(KPM_EIO, "cannot write '%s/%s.pid': %s", run, name, strerror(e));
    }
    stage_status("starting", NULL, 0, 0, NULL);
    return check_ipc_dirs(c);
}

void stage_status(const char *phase, const char *night, uint64_t records_in, uint64_t records_out,
                  const char *error)
{
    log_set_night(night); /* night= on the stage's log lines from now on */
    snprintf(last_night, sizeof last_night, "%s", night ? night : "");
    last_in = records_in;
    last_out = records_out;
    if (!status_path[0]) return;
    if (strcmp(phase, "failed") == 0 && fail_cause[0]) error = fail_cause;
    char buf[2048], when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(buf, sizeof buf,
                     "stage=%s\npid=%ld\nphase=%s\nnight=%s\nrecords_in=%llu\nrecords_out=%llu\n"
                     "updated=%s\nlast_error=%s\n",
                     stage_name, (long)getpid(), phase, night ? night : "",
                     (unsigned long long)records_in, (unsigned long long)records_out, when,
                     error ? error : "");
    if (n > 0)
        fs_write_atomic(status_path, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int stage_fail(int rc, const char *fmt, ...)
{
    char cause[sizeof fail_cause];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cause, sizeof cause, fmt, ap);
    va_end(ap);
    for (char *p = cause; *p; p++) /* one line in the status file */
        if (*p == '\n' || *p == '\r') *p = ' ';
    log_error("%s", cause);
    memcpy(fail_cause, cause, sizeof cause);
    char night[sizeof last_night];
    memcpy(night, last_night, sizeof night);
    stage_status("failed", night, last_in, last_out, NULL);
    return rc;
}

/* Reads "name{...} value" from a previous textfile; 0 when absent. */
static double prom_value(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, len) == 0 && (p[len] == '{' || p[len] == ' ')) {
            const char *v = strchr(p, ' ');
            return v ? strtod(v + 1, NULL) : 0;
        }
    }
    return 0;
}

void stage_batch_done(const stage_batch_t *b)
{
    log_msg(b->ok ? LOG_INFO : LOG_ERROR,
            "batch %s: in=%llu out=%llu rejected=%llu resends=%llu seconds=%.3f%s",
            b->night && b->night[0] ? b->night : "-", (unsigned long long)b->records_in,
            (unsigned long long)b->records_out, (unsigned long long)b->rejected,
            (unsigned long long)b->resends, b->seconds, b->ok ? "" : " (failed)");
    if (!metrics_path[0]) return;
    char *old = NULL;
    size_t oldlen;
    if (fs_read_all(metrics_path, &old, &oldlen) != KPM_OK) old = NULL;
    const char *prev = old ? old : "";
    double last_ok =
        b->ok ? (double)time(NULL) : prom_value(prev, "kpm_last_success_timestamp_seconds");
    double batches = prom_value(prev, "kpm_batches_total") + 1;
    double failed = prom_value(prev, "kpm_batches_failed_total") + (b->ok ? 0 : 1);
    double in = prom_value(prev, "kpm_records_in_total") + (double)b->records_in;
    double out = prom_value(prev, "kpm_records_out_total") + (double)b->records_out;
    double rej = prom_value(prev, "kpm_records_rejected_total") + (double)b->rejected;
    double res = prom_value(prev, "kpm_resends_total") + (double)b->resends;
    free(old);
    char buf[4096];
    const char *st = stage_name;
    int n = snprintf(
        buf, sizeof buf,
        "# HELP kpm_last_success_timestamp_seconds Unix time of the stage's last completed batch.\n"
        "# TYPE kpm_last_success_timestamp_seconds gauge\n"
        "kpm_last_success_timestamp_seconds{stage=\"%s\"} %.0f\n"
        "# HELP kpm_last_batch_success 1 when the last batch completed, else 0.\n"
        "# TYPE kpm_last_batch_success gauge\n"
        "kpm_last_batch_success{stage=\"%s\"} %d\n"
        "# HELP kpm_last_batch_duration_seconds Wall time of the last batch.\n"
        "# TYPE kpm_last_batch_duration_seconds gauge\n"
        "kpm_last_batch_duration_seconds{stage=\"%s\"} %.3f\n"
        "# HELP kpm_batches_total Batches (nights) ended, completed or not.\n"
        "# TYPE kpm_batches_total counter\n"
        "kpm_batches_total{stage=\"%s\"} %.0f\n"
        "# HELP kpm_batches_failed_total Batches that did not complete.\n"
        "# TYPE kpm_batches_failed_total counter\n"
        "kpm_batches_failed_total{stage=\"%s\"} %.0f\n"
        "# HELP kpm_records_in_total Records (or rows) taken in.\n"
        "# TYPE kpm_records_in_total counter\n"
        "kpm_records_in_total{stage=\"%s\"} %.0f\n"
        "# HELP kpm_records_out_total Records (or rows) passed on or written.\n"
        "# TYPE kpm_records_out_total counter\n"
        "kpm_records_out_total{stage=\"%s\"} %.0f\n"
        "# HELP kpm_records_rejected_total Rows rejected.\n"
        "# TYPE kpm_records_rejected_total counter\n"
        "kpm_records_rejected_total{stage=\"%s\"} %.0f\n"
        "# HELP kpm_resends_total Times the stage produced messages again for a receiver.\n"
        "# TYPE kpm_resends_total counter\n"
        "kpm_resends_total{stage=\"%s\"} %.0f\n",
        st, last_ok, st, b->ok ? 1 : 0, st, b->seconds, st, batches, st, failed, st, in, st, out,
        st, rej, st, res);
    if (n <= 0 || (size_t)n >= sizeof buf) return;
    size_t extra = b->extra ? strlen(b->extra) : 0;
    char *all = malloc((size_t)n + extra);
    if (!all) return;
    memcpy(all, buf, (size_t)n);
    if (extra) memcpy(all + n, b->extra, extra);
    fs_write_atomic(metrics_path, all, (size_t)n + extra);
    free(all);
}

void stage_end(void)
{
    if (pid_path[0]) unlink(pid_path);
    pid_path[0] = '\0';
    statelock_release(&stage_lock_held);
    log_debug("exit");
}

int stage_exit(int rc)
{
    stage_end();
    if (rc == KPM_OK || rc == KPM_ESTOP) return KPM_EXIT_OK;
    return rc == KPM_EBUSY ? KPM_EXIT_BUSY : KPM_EXIT_FAILED;
}

int stage_ipc_dir_check(const char *dir, int create, char *err, size_t errlen)
{
    struct stat st;
    if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
        return KPM_EIO;
    }
    if (lstat(dir, &st) != 0) {
        snprintf(err, errlen, "cannot look at '%s': %s", dir, strerror(errno));
        return KPM_EIO;
    }
    const char *why = S_ISLNK(st.st_mode)       ? "is a symbolic link"
                      : !S_ISDIR(st.st_mode)    ? "is not a directory"
                      : st.st_uid != geteuid()  ? "belongs to another user"
                      : (st.st_mode & 077) != 0 ? "is open to group or others"
                                                : NULL;
    if (!why) return KPM_OK;
    snprintf(err, errlen,
             "'%s' %s (mode %04o): ipc:// sockets without keys need a directory only this "
             "user can open (mode 0700); fix it or use --keys",
             dir, why, (unsigned)(st.st_mode & 07777));
    return KPM_EINVAL;
}

int stage_ipc_endpoint(const char *state_dir, const char *name, char *buf, size_t len, char *err,
                       size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%.4000s/sock", state_dir);
    int rc = stage_ipc_dir_check(dir, 1, err, errlen);
    if (rc) return rc;
    int n = snprintf(buf, len, "ipc://%s/%s", dir, name);
    if (n > 0 && (size_t)n < len) return KPM_OK;
    snprintf(err, errlen, "endpoint 'ipc://%s/%s' is too long", dir, name);
    return KPM_ETOOBIG;
}

void stage_worker_name(const char *base, unsigned worker, unsigned workers, char *buf, size_t len)
{
    const char *dot = strchr(base, '.');
    if (workers <= 1)
        snprintf(buf, len, "%s", base);
    else if (!dot)
        snprintf(buf, len, "%s.%u", base, worker);
    else
        snprintf(buf, len, "%.*s.%u%s", (int)(dot - base), base, worker, dot);
}

int stage_worker_endpoint(const char *state_dir, const char *base, unsigned worker,
                          unsigned workers, const char **slot, char *buf, size_t len)
{
    char name[64], err[4400];
    if (*slot) return KPM_OK;
    stage_worker_name(base, worker, workers, name, sizeof name);
    int rc = stage_ipc_endpoint(state_dir, name, buf, len, err, sizeof err);
    if (rc) return stage_fail(rc, "%s", err);
    *slot = buf;
    return KPM_OK;
}

int stage_worker_endpoints(const char *state_dir, unsigned workers, const char **data,
                           const char *data_base, const char **ack, const char *ack_base,
                           char (*buf)[STAGE_ENDPOINT_MAX])
{
    int rc = KPM_OK;
    for (unsigned w = 0; rc == KPM_OK && w < workers; w++) {
        rc = stage_worker_endpoint(state_dir, data_base, w, workers, &data[w], buf[2 * w],
                                   STAGE_ENDPOINT_MAX);
        if (rc == KPM_OK)
            rc = stage_worker_endpoint(state_dir, ack_base, w, workers, &ack[w], buf[2 * w + 1],
                                       STAGE_ENDPOINT_MAX);
    }
    return rc;
}
