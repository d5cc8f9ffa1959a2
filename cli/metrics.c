/* metrics.c - the night's result and metrics (see metrics.h). */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "kvfile.h"

static void iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A value of the previous file: "name VALUE" or "name{labels} VALUE". */
static double prev_value(const char *text, const char *name, double dflt)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, len) == 0 && (p[len] == ' ' || p[len] == '{')) {
            const char *v = strchr(p + len, ' ');
            return v ? strtod(v + 1, NULL) : dflt;
        }
    }
    return dflt;
}

/* Writes buf to path through path.tmp (mode 0640, fsync, rename). */
static int write_file(const char *path, const char *buf, size_t len)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) return -1;
    int ok = fchmod(fd, 0640) == 0 && write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int metrics_write_result(const char *state, const night_result_t *r)
{
    char path[4200], buf[2048], start[32], end[32];
    iso_time(r->started, start, sizeof start);
    iso_time(time(NULL), end, sizeof end);
    int n = snprintf(buf, sizeof buf,
                     "result=%s\nnight=%s\nstarted=%s\nended=%s\nduration_seconds=%.3f\nstage=%s\n"
                     "error=%s\n",
                     r->result, r->night, start, end, r->seconds, r->stage, r->error);
    /* one line per value: a newline in a cause would start a false key */
    for (char *p = strstr(buf, "error=") + 6; *p; p++)
        if (*p == '\n' && p[1]) *p = ' ';
    snprintf(path, sizeof path, "%s/run/kpm.result", state);
    return n > 0 && (size_t)n < sizeof buf && fs_write_atomic(path, buf, (size_t)n) == KPM_OK ? 0
                                                                                              : -1;
}

int metrics_write_prom(const char *state, const stage_list_t *stages, const night_result_t *r)
{
    char dir[4200], path[4300], *old = NULL;
    size_t oldlen;
    snprintf(dir, sizeof dir, "%s/metrics", state);
    if (fs_mkdirs(dir, 0750) != KPM_OK || chmod(dir, 0750) != 0) return -1;
    snprintf(path, sizeof path, "%s/kpm.prom", dir);
    if (fs_read_all(path, &old, &oldlen) != KPM_OK) old = NULL;
    const char *prev = old ? old : "";
    int ok = strcmp(r->result, "ok") == 0;
    double last_ok =
        ok ? (double)time(NULL) : prev_value(prev, "kpm_last_success_timestamp_seconds", 0);
    double nights = prev_value(prev, "kpm_nights_total", 0) + 1;
    double failed = prev_value(prev, "kpm_nights_failed_total", 0) + (ok ? 0 : 1);
    free(old);

    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    if (!buf) return -1;
#define OUT(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
    OUT("# HELP kpm_last_success_timestamp_seconds Unix time of the stage's last completed batch.\n"
        "# TYPE kpm_last_success_timestamp_seconds gauge\n"
        "kpm_last_success_timestamp_seconds{stage=\"kpm\"} %.0f\n",
        last_ok);
    OUT("# HELP kpm_last_night_ok 1 when the last night (kpm run) completed, else 0.\n"
        "# TYPE kpm_last_night_ok gauge\nkpm_last_night_ok %d\n",
        ok);
    OUT("# HELP kpm_last_night_end_timestamp_seconds Unix time the last night ended, completed or "
        "not.\n"
        "# TYPE kpm_last_night_end_timestamp_seconds gauge\n"
        "kpm_last_night_end_timestamp_seconds %lld\n",
        (long long)time(NULL));
    OUT("# HELP kpm_night_duration_seconds Wall time of the last night, start to end of kpm run.\n"
        "# TYPE kpm_night_duration_seconds gauge\nkpm_night_duration_seconds %.3f\n",
        r->seconds);
    OUT("# HELP kpm_nights_total Nights run by kpm run in this state directory.\n"
        "# TYPE kpm_nights_total counter\nkpm_nights_total %.0f\n",
        nights);
    OUT("# HELP kpm_nights_failed_total Nights that did not complete.\n"
        "# TYPE kpm_nights_failed_total counter\nkpm_nights_failed_total %.0f\n",
        failed);
    OUT("# HELP kpm_night_records Records each stage took in and passed on in the last night.\n"
        "# TYPE kpm_night_records gauge\n");
    for (int i = 0; i < stages->n; i++) {
        kvfile_t kv;
        char st[4300];
        snprintf(st, sizeof st, "%s/run/%s.status", state, stages->name[i]);
        kvfile_load(&kv, st);
        OUT("kpm_night_records{stage=\"%s\",direction=\"in\"} %.0f\n"
            "kpm_night_records{stage=\"%s\",direction=\"out\"} %.0f\n",
            stages->name[i], kvfile_num(&kv, "records_in", 0), stages->name[i],
            kvfile_num(&kv, "records_out", 0));
    }
#undef OUT
    int rc = n < cap ? write_file(path, buf, n) : -1;
    free(buf);
    return rc;
}
