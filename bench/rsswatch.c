/* bench_rsswatch - peak RSS of the three stages of a kpm night, measured from
 * outside: polls STATE/run/<stage>.launched and STATE/run/<stage>.pid and reads
 * VmHWM from /proc/<pid>/status of each live stage process every INTERVAL_MS
 * (default 10), keeping the maximum per stage.
 *
 * usage: bench_rsswatch STATE_DIR OUT_FILE [INTERVAL_MS]
 *
 * Runs until SIGTERM or SIGINT, then writes one line per stage to OUT_FILE:
 * "<stage> <peak_kib> <samples> <first_seen> <last_seen>" (peak_kib is "-" and
 * the times 0 when the stage was never seen alive; times are Unix seconds with
 * microseconds, of the first and the last sample that found the process). VmHWM is the kernel's
 * high-water mark, so a sample taken after the peak still sees it; only growth in the last interval
 * before exit can be missed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const stages[3] = {"ingest", "aggregate", "report"};
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static long read_pid(const char *state, const char *stage, const char *ext)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.%s", state, stage, ext);
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    long pid = 0;
    if (fscanf(fp, "%ld", &pid) != 1) pid = 0;
    fclose(fp);
    return pid;
}

/* 1 when /proc/<pid>/cmdline names kpm-<stage>: a stale pid file whose pid was
 * reused by another process is not measured. */
static int is_stage(long pid, const char *stage)
{
    char path[64], cmd[4096], want[32];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = fread(cmd, 1, sizeof cmd - 1, fp);
    fclose(fp);
    cmd[n] = '\0'; /* first argument only: argv[0] */
    snprintf(want, sizeof want, "kpm-%s", stage);
    const char *base = strrchr(cmd, '/');
    return strcmp(base ? base + 1 : cmd, want) == 0;
}

/* VmHWM of `pid` in KiB, or -1 when it is gone (or a zombie). */
static long read_hwm(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(fp);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fputs("usage: bench_rsswatch STATE_DIR OUT_FILE [INTERVAL_MS]\n", stderr);
        return 2;
    }
    long interval_ms = argc == 4 ? strtol(argv[3], NULL, 10) : 10;
    if (interval_ms < 1) interval_ms = 1;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    long peak[3] = {-1, -1, -1}, samples[3] = {0};
    double first[3] = {0}, last[3] = {0};
    long checked_pid[3][2] = {{0}}; /* last pid verified per stage and source */
    const char *const ext[2] = {"launched", "pid"};
    struct timespec tick = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
    while (!stop) {
        for (int s = 0; s < 3; s++)
            for (int e = 0; e < 2; e++) {
                long pid = read_pid(argv[1], stages[s], ext[e]);
                if (pid <= 0) continue;
                if (pid != checked_pid[s][e]) {
                    if (!is_stage(pid, stages[s])) continue;
                    checked_pid[s][e] = pid;
                }
                if (e == 1 && pid == checked_pid[s][0]) continue; /* same process */
                long kib = read_hwm(pid);
                if (kib < 0) continue;
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                last[s] = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
                if (!samples[s]++) first[s] = last[s];
                if (kib > peak[s]) peak[s] = kib;
            }
        nanosleep(&tick, NULL);
    }
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    for (int s = 0; s < 3; s++) {
        if (peak[s] < 0)
            fprintf(out, "%s - 0 0 0\n", stages[s]);
        else
            fprintf(out, "%s %ld %ld %.6f %.6f\n", stages[s], peak[s], samples[s], first[s],
                    last[s]);
    }
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
