/* ctl.c - the supervisor's control socket (see ctl.h). */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The socket's address through an O_PATH descriptor of STATE/run
 * ("/proc/self/fd/N/kpm.sock"), so that a long state path still fits
 * sun_path's 108 bytes. Returns the directory descriptor (close it after use). */
static int ctl_addr(const char *state, struct sockaddr_un *sa)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/run", state);
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/kpm.sock", dfd);
    return dfd;
}

int ctl_listen(const char *state, char *err, size_t len)
{
    struct sockaddr_un sa;
    int dfd = ctl_addr(state, &sa);
    if (dfd < 0) {
        snprintf(err, len, "cannot open '%s/run': %s", state, strerror(errno));
        return -1;
    }
    unlinkat(dfd, "kpm.sock", 0); /* a socket left by a supervisor that died */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        snprintf(err, len, "cannot listen on '%s/run/kpm.sock': %s", state, strerror(errno));
        if (fd >= 0) close(fd);
        close(dfd);
        return -1;
    }
    close(dfd);
    return fd;
}

void ctl_close(int lfd, const char *state)
{
    if (lfd < 0) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/run/kpm.sock", state);
    unlink(path);
    close(lfd);
}

/* Reads one line (up to timeout_ms) into buf without its newline; the length, or
 * -1 when nothing came. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
    size_t got = 0;
    while (got + 1 < len) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0) break;
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        buf[got] = '\0';
        if (strchr(buf, '\n')) break;
    }
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return got ? (int)strlen(buf) : -1;
}

int ctl_accept(int lfd, char *req, size_t len)
{
    int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0) return -1;
    if (read_line(cfd, req, len, 1000) < 0) {
        close(cfd);
        return -1;
    }
    return cfd;
}

void ctl_reply(int cfd, const char *line)
{
    char buf[600];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n > 0 &&
        send(cfd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, MSG_NOSIGNAL) < 0) {
        /* the client left; nothing to tell it */
    }
    close(cfd);
}

int ctl_request(const char *state, const char *req, char *reply, size_t len, int timeout_ms)
{
    struct sockaddr_un sa;
    int dfd = ctl_addr(state, &sa);
    if (dfd < 0) return 0;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(dfd);
    if (!ok) {
        if (fd >= 0) close(fd);
        return 0;
    }
    char line[512];
    int n = snprintf(line, sizeof line, "%s\n", req);
    if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n || read_line(fd, reply, len, timeout_ms) < 0) {
        snprintf(reply, len, "kpm run ended before it answered");
        close(fd);
        return -1;
    }
    close(fd);
    return 1;
}
