#include "statelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"

static int lock_path(const char *state_dir, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/run/%s.lock", state_dir, name);
    return n > 0 && (size_t)n < len ? KPM_OK : KPM_ETOOBIG;
}

static long read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && pid > 0 ? pid : 0;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int statelock_take(const char *state_dir, const char *name, int wait_ms, statelock_t *l,
                   long *holder, char *err, size_t errlen)
{
    char path[4096], run[4096];
    l->fd = -1;
    if (holder) *holder = 0;
    if (lock_path(state_dir, name, path, sizeof path) != KPM_OK ||
        snprintf(run, sizeof run, "%s/run", state_dir) >= (int)sizeof run) {
        snprintf(err, errlen, "lock '%s': the state path is too long", name);
        return KPM_EIO;
    }
    if (fs_mkdirs(run, 0770) != KPM_OK) {
        snprintf(err, errlen, "cannot create '%s': %s", run, strerror(errno));
        return KPM_EIO;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open lock '%s': %s", path, strerror(errno));
        return KPM_EIO;
    }
    for (int waited = 0;; waited += 10) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(err, errlen, "cannot lock '%s': %s", path, strerror(errno));
            close(fd);
            return KPM_EIO;
        }
        if (waited >= wait_ms) {
            if (holder) *holder = read_pid(fd);
            close(fd);
            snprintf(err, errlen, "'%s' is held by another process", path);
            return KPM_EBUSY;
        }
        nap_ms(10);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        snprintf(err, errlen, "cannot write lock '%s': %s", path, strerror(errno));
        close(fd);
        return KPM_EIO;
    }
    l->fd = fd;
    return KPM_OK;
}

void statelock_release(statelock_t *l)
{
    if (l->fd < 0) return;
    /* Empty the pid first: a reader that opens the file after the release must not
     * name a process that no longer holds it. */
    if (ftruncate(l->fd, 0) != 0) {
        /* the flock goes with the descriptor all the same */
    }
    close(l->fd);
    l->fd = -1;
}

long statelock_holder(const char *state_dir, const char *name)
{
    char path[4096];
    if (lock_path(state_dir, name, path, sizeof path) != KPM_OK) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return 0;
    long pid = read_pid(fd);
    close(fd);
    /* A holder empties the file on release; one that died keeps its pid there, so
     * the pid counts only while that process lives. */
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM) ? pid : 0;
}
