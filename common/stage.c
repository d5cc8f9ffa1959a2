#include "stage.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "log.h"

volatile sig_atomic_t stage_stop = 0;

static char pid_path[4096];
static char metrics_path[4096];
static char status_path[4096];
static const char *stage_name = "";

static void on_signal(int sig)
{
    (void)sig;
    stage_stop = 1;
}

int stage_start(const char *stage, const char *state_dir, char *err, size_t errlen)
{
    stage_name = stage;
    umask(007);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char run[4096];
    snprintf(run, sizeof run, "%.4000s/run", state_dir);
    if (fs_mkdirs(run, 0770) != KPM_OK) {
        snprintf(err, errlen, "%s: cannot create '%s': %s", stage, run, strerror(errno));
        return KPM_EIO;
    }
    snprintf(pid_path, sizeof pid_path, "%.4000s/%.32s.pid", run, stage);
    snprintf(status_path, sizeof status_path, "%.4000s/%.32s.status", run, stage);
    char metrics[4096];
    snprintf(metrics, sizeof metrics, "%.4000s/metrics", state_dir);
    if (fs_mkdirs(metrics, 0770) == KPM_OK)
        snprintf(metrics_path, sizeof metrics_path, "%.4000s/%.32s.prom", metrics, stage);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (fs_write_atomic(pid_path, buf, (size_t)n) != KPM_OK) {
        snprintf(err, errlen, "%s: cannot write '%s': %s", stage, pid_path, strerror(errno));
        return KPM_EIO;
    }
    return KPM_OK;
}

void stage_status(const char *phase, const char *night, uint64_t records_in,
                  uint64_t records_out, const char *error)
{
    log_set_night(night); /* night= on the stage's log lines from now on */
    if (!status_path[0]) return;
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
    if (n > 0) fs_write_atomic(status_path, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
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
    double last_ok = b->ok ? (double)time(NULL) : prom_value(prev, "kpm_last_success_timestamp_seconds");
    double batches = prom_value(prev, "kpm_batches_total") + 1;
    double failed = prom_value(prev, "kpm_batches_failed_total") + (b->ok ? 0 : 1);
    double in = prom_value(prev, "kpm_records_in_total") + (double)b->records_in;
    double out = prom_value(prev, "kpm_records_out_total") + (double)b->records_out;
    double rej = prom_value(prev, "kpm_records_rejected_total") + (double)b->rejected;
    double res = prom_value(prev, "kpm_resends_total") + (double)b->resends;
    free(old);
    char buf[4096];
    const char *st = stage_name;
    int n = snprintf(buf, sizeof buf,
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
    if (n > 0 && (size_t)n < sizeof buf) fs_write_atomic(metrics_path, buf, (size_t)n);
}

void stage_end(void)
{
    if (pid_path[0]) unlink(pid_path);
    log_debug("exit");
}

int stage_ipc_endpoint(const char *state_dir, const char *name, char *buf, size_t len)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%.4000s/sock", state_dir);
    if (fs_mkdirs(dir, 0700) != KPM_OK) return KPM_EIO;
    chmod(dir, 0700);
    int n = snprintf(buf, len, "ipc://%s/%s", dir, name);
    return (n < 0 || (size_t)n >= len) ? KPM_ETOOBIG : KPM_OK;
}

void stage_worker_name(const char *base, unsigned worker, unsigned workers, char *buf,
                       size_t len)
{
    const char *dot = strchr(base, '.');
    if (workers <= 1)
        snprintf(buf, len, "%s", base);
    else if (!dot)
        snprintf(buf, len, "%s.%u", base, worker);
    else
        snprintf(buf, len, "%.*s.%u%s", (int)(dot - base), base, worker, dot);
}

void stage_worker_endpoint(const char *state_dir, const char *base, unsigned worker,
                           unsigned workers, const char **slot, char *buf, size_t len)
{
    char name[64];
    if (*slot) return;
    stage_worker_name(base, worker, workers, name, sizeof name);
    if (stage_ipc_endpoint(state_dir, name, buf, len) == KPM_OK) *slot = buf;
}
