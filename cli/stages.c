/* stages.c - the stages of a night and their processes (see stages.h). */
#include "stages.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "statelock.h"

void stages_for(int workers, stage_list_t *l)
{
    l->n = 0;
    snprintf(l->name[l->n++], STAGE_NAME_MAX, "report");
    if (workers > 1) {
        for (int k = 0; k < workers && k < KPM_MAX_WORKERS; k++)
            snprintf(l->name[l->n++], STAGE_NAME_MAX, "aggregate.%d", k);
    } else {
        snprintf(l->name[l->n++], STAGE_NAME_MAX, "aggregate");
    }
    snprintf(l->name[l->n++], STAGE_NAME_MAX, "ingest");
}

int stages_workers(const char *state)
{
    char path[4200], *buf;
    size_t len;
    snprintf(path, sizeof path, "%s/run/workers", state);
    if (fs_read_all(path, &buf, &len) != KPM_OK) return 1;
    long n = strtol(buf, NULL, 10);
    free(buf);
    return n >= 1 && n <= KPM_MAX_WORKERS ? (int)n : 1;
}

void stages_of_state(const char *state, stage_list_t *l)
{
    stages_for(stages_workers(state), l);
}

void stages_base(const char *stage, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(stage, "."), stage);
}

int stages_save_args(const char *state, const char *stage, char *const *argv)
{
    size_t total = 0;
    for (char *const *a = argv; *a; a++)
        total += strlen(*a) + 1;
    char *buf = malloc(total ? total : 1), *p = buf;
    if (!buf) return -1;
    for (char *const *a = argv; *a; a++) {
        size_t n = strlen(*a) + 1;
        memcpy(p, *a, n);
        p += n;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.args", state, stage);
    int rc = fs_write_atomic(path, buf, total) == KPM_OK ? 0 : -1;
    free(buf);
    return rc;
}

/* The saved command line as a NULL-terminated vector; one malloc'ed block
 * (caller frees the vector, the strings live in it). */
static char **load_args(const char *state, const char *stage)
{
    char path[4200], *buf;
    size_t len;
    snprintf(path, sizeof path, "%s/run/%s.args", state, stage);
    if (fs_read_all(path, &buf, &len) != KPM_OK || len == 0) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    if (buf[len - 1] != '\0') n++;
    char **argv = malloc((n + 1) * sizeof *argv + len + 1);
    if (!argv) {
        free(buf);
        return NULL;
    }
    char *text = (char *)(argv + n + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    size_t k = 0;
    for (char *p = text; p < text + len && k < n; p += strlen(p) + 1)
        argv[k++] = p;
    argv[k] = NULL;
    return argv;
}

/* In the child: stdin /dev/null, stdout and stderr to the log, ingest told
 * where to publish its progress (ingest/progress.h); then exec. */
static void exec_stage(const char *state, const char *stage, char **argv, int log_fd)
{
    char progress[4200];
    snprintf(progress, sizeof progress, "%s/run/ingest.progress", state);
    if (strcmp(stage, "ingest") == 0) setenv("KPM_PROGRESS_FILE", progress, 1);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    dprintf(2, "kpm: cannot start '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
}

pid_t stages_spawn(const char *state, const char *stage, int supervised, char *err, size_t len)
{
    char **argv = load_args(state, stage);
    if (!argv) {
        snprintf(err, len, "no saved command line for %s in %s/run (start the night with kpm run)",
                 stage, state);
        return -1;
    }
    char logdir[4200], logpath[4300];
    snprintf(logdir, sizeof logdir, "%s/log", state);
    fs_mkdirs(logdir, 0770);
    snprintf(logpath, sizeof logpath, "%s/%s.log", logdir, stage);
    int log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
    if (log_fd < 0) {
        snprintf(err, len, "cannot open '%s': %s", logpath, strerror(errno));
        free(argv);
        return -1;
    }
    int pipefd[2] = {-1, -1}; /* detached: the grandchild's pid comes back here */
    if (!supervised && pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, len, "pipe: %s", strerror(errno));
        close(log_fd);
        free(argv);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        if (supervised) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != parent) _exit(127); /* kpm died meanwhile */
            exec_stage(state, stage, argv, log_fd);
        }
        setsid();
        pid_t g = fork();
        if (g > 0) {
            ssize_t w = write(pipefd[1], &g, sizeof g);
            _exit(w == (ssize_t)sizeof g ? 0 : 1);
        }
        if (g == 0) exec_stage(state, stage, argv, log_fd);
        _exit(1);
    }
    int saved = errno;
    close(log_fd);
    free(argv);
    if (pid < 0) {
        snprintf(err, len, "fork: %s", strerror(saved));
        if (!supervised) close(pipefd[0]), close(pipefd[1]);
        return -1;
    }
    if (supervised) return pid;
    close(pipefd[1]);
    pid_t g = -1;
    if (read(pipefd[0], &g, sizeof g) != (ssize_t)sizeof g) g = -1;
    close(pipefd[0]);
    waitpid(pid, NULL, 0);
    if (g < 0) snprintf(err, len, "cannot start %s", stage);
    return g;
}

/* 1 when process pid runs the binary kpm-<base> (its argv[0]'s last part). */
static int runs_stage(pid_t pid, const char *stage)
{
    char path[64], cmd[4200], base[STAGE_NAME_MAX], want[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, cmd, sizeof cmd - 1);
    close(fd);
    if (n <= 0) return 0;
    cmd[n] = '\0';
    const char *slash = strrchr(cmd, '/');
    stages_base(stage, base, sizeof base);
    snprintf(want, sizeof want, "kpm-%s", base);
    return strcmp(slash ? slash + 1 : cmd, want) == 0;
}

pid_t stages_running(const char *state, const char *stage)
{
    char lock[64], path[4200], *buf;
    size_t len;
    snprintf(lock, sizeof lock, "stage.%s", stage);
    long pid = statelock_holder(state, lock);
    if (pid > 0 && runs_stage((pid_t)pid, stage)) return (pid_t)pid;
    snprintf(path, sizeof path, "%s/run/%s.pid", state, stage);
    if (fs_read_all(path, &buf, &len) != KPM_OK) return 0;
    pid = strtol(buf, NULL, 10);
    free(buf);
    return pid > 0 && runs_stage((pid_t)pid, stage) ? (pid_t)pid : 0;
}

void stages_stop_pid(pid_t pid)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (kill(pid, SIGTERM) != 0) {
        if (pfd >= 0) close(pfd);
        return;
    }
    if (pfd >= 0) {
        struct pollfd p = {pfd, POLLIN, 0};
        int r = poll(&p, 1, 5000);
        close(pfd);
        if (r > 0) return;
    } else {
        for (int i = 0; i < 50 && kill(pid, 0) == 0; i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
    kill(pid, SIGKILL);
}

/* The last n lines of a file (at most 16 KiB from its end) into a malloc'ed
 * string; NULL when unreadable. */
static char *file_tail(const char *path, int n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > 16384 ? size - 16384 : 0;
    char *buf = malloc(16385);
    ssize_t got = buf && size >= 0 ? pread(fd, buf, (size_t)(size - from), from) : -1;
    close(fd);
    if (got < 0) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    char *p = buf + got;
    if (p > buf && p[-1] == '\n') p--;
    while (p > buf && n > 0) {
        p--;
        if (*p == '\n' && --n == 0) {
            p++;
            break;
        }
    }
    memmove(buf, p, strlen(p) + 1);
    return buf;
}

void stages_log_tail(const char *state, const char *stage, int n, FILE *fp)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/log/%s.log", state, stage);
    fprintf(fp, "--- last lines of %s\n", path);
    char *t = file_tail(path, n);
    if (!t) return;
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        fprintf(fp, "    %s\n", line);
        if (!nl) break;
        line = nl + 1;
    }
    free(t);
}

/* The msg="..." of a logfmt line, unescaped, into buf; 0 when it has none. */
static int logfmt_msg(const char *line, char *buf, size_t len)
{
    const char *p = strstr(line, " msg=\"");
    size_t n = 0;
    if (!p || len == 0) return 0;
    for (p += 6; *p && *p != '"' && n + 1 < len; p++) {
        if (*p == '\\' && p[1]) p++;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    return 1;
}

int stages_log_error(const char *state, const char *stage, char *buf, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/log/%s.log", state, stage);
    char *t = file_tail(path, 40);
    int found = 0;
    if (!t) return 0;
    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        const char *e = strstr(line, " error: ");
        if (strstr(line, "level=error") && logfmt_msg(line, buf, len)) {
            found = 1;
        } else if (e) {
            snprintf(buf, len, "%s", e + 8);
            found = 1;
        } else if (strncmp(line, "kpm: ", 5) == 0) {
            snprintf(buf, len, "%s", line + 5); /* exec failed */
            found = 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    free(t);
    return found;
}
