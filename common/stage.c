#include "stage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"

volatile sig_atomic_t stage_stop = 0;

static char pid_path[4096];
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

void stage_end(void)
{
    if (pid_path[0]) unlink(pid_path);
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
