/* fsutil.c - file system helpers that keep state and outputs whole on a crash. */
#include "fsutil.h"

#include "kpm_err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char *fs_concat(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *s = malloc(la + ls + lb + 1);

    if (s == NULL) return NULL;
    memcpy(s, a, la);
    memcpy(s + la, sep, ls);
    memcpy(s + la + ls, b, lb + 1);
    return s;
}

/* The directory part of path ("." when there is none); caller frees. */
static char *fs_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d;

    if (slash == NULL) return strdup(".");
    while (slash > path && slash[-1] == '/')
        slash--;
    if (slash == path) return strdup("/");
    d = malloc((size_t)(slash - path) + 1);
    if (d == NULL) return NULL;
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}

/* fsync of the directory holding path. */
static int fs_sync_parent(const char *path)
{
    char *dir = fs_dirname(path);
    int rc;

    if (dir == NULL) return KPM_ENOMEM;
    rc = fs_sync_dir(dir);
    free(dir);
    return rc;
}

static int fs_write_fd(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return KPM_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return KPM_OK;
}

int fs_mkdirs(const char *path, unsigned mode)
{
    char *p;
    int rc = KPM_OK;
    struct stat st;

    if (path == NULL || path[0] == '\0') {
        errno = EINVAL;
        return KPM_EINVAL;
    }
    p = strdup(path);
    if (p == NULL) return KPM_ENOMEM;

    /* Create each prefix ending before a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, (mode_t)mode) != 0) {
            int e = errno;
            if (e != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
                errno = e == EEXIST ? ENOTDIR : e;
                rc = KPM_EIO;
                goto out;
            }
        }
        *s = saved;
        if (saved == '\0') break;
        while (s[1] == '/')
            s++;
        if (s[1] == '\0') break;
    }
out:
    free(p);
    return rc;
}

int fs_write_atomic(const char *path, const void *buf, size_t len)
{
    char *tmp = fs_concat(path, "", ".tmp");
    int fd = -1;
    int rc = KPM_EIO;
    int renamed = 0;
    int saved;

    if (tmp == NULL) return KPM_ENOMEM;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) goto out;
    if (fs_write_fd(fd, buf, len) != KPM_OK || fsync(fd) != 0) goto out;
    {
        int c = close(fd);
        fd = -1;
        if (c != 0) goto out;
    }
    if (rename(tmp, path) != 0) goto out;
    renamed = 1;
    rc = fs_sync_parent(path);
out:
    saved = errno;
    if (fd >= 0) close(fd);
    if (!renamed) unlink(tmp);
    free(tmp);
    errno = saved;
    return rc;
}

int fs_atomic_open(fs_atomic_t *a, const char *path)
{
    int saved;

    memset(a, 0, sizeof *a);
    a->path = strdup(path);
    a->tmp = fs_concat(path, "", ".tmp");
    if (a->path == NULL || a->tmp == NULL) {
        fs_atomic_abort(a);
        return KPM_ENOMEM;
    }
    a->fp = fopen(a->tmp, "wbe");
    if (a->fp == NULL) {
        saved = errno;
        free(a->path);
        free(a->tmp);
        memset(a, 0, sizeof *a);
        errno = saved;
        return KPM_EIO;
    }
    return KPM_OK;
}

int fs_atomic_sync(fs_atomic_t *a)
{
    int saved;

    if (a->fp == NULL) {
        errno = EINVAL;
        return KPM_EINVAL;
    }
    if (fflush(a->fp) == 0 && !ferror(a->fp) && fsync(fileno(a->fp)) == 0) return KPM_OK;
    saved = errno;
    fs_atomic_abort(a);
    errno = saved;
    return KPM_EIO;
}

int fs_atomic_rename(fs_atomic_t *a)
{
    int saved, c;

    if (a->fp == NULL) {
        errno = EINVAL;
        return KPM_EINVAL;
    }
    c = fclose(a->fp);
    a->fp = NULL;
    if (c == 0 && rename(a->tmp, a->path) == 0) {
        free(a->tmp); /* renamed into place: nothing left to remove */
        a->tmp = NULL;
        fs_atomic_abort(a);
        return KPM_OK;
    }
    saved = errno;
    fs_atomic_abort(a);
    errno = saved;
    return KPM_EIO;
}

/* Whether commit succeeds or fails, the writer is finished afterwards. A failure
 * before the rename removes the temporary file and leaves the target as it was. */
int fs_atomic_commit(fs_atomic_t *a)
{
    char *path;
    int rc, saved;

    if (a->fp == NULL) {
        errno = EINVAL;
        return KPM_EINVAL;
    }
    if ((path = strdup(a->path)) == NULL) {
        fs_atomic_abort(a);
        return KPM_ENOMEM;
    }
    rc = fs_atomic_sync(a);
    if (rc == KPM_OK) rc = fs_atomic_rename(a);
    if (rc == KPM_OK) rc = fs_sync_parent(path);
    saved = errno;
    free(path);
    errno = saved;
    return rc;
}

void fs_atomic_abort(fs_atomic_t *a)
{
    if (a == NULL) return;
    if (a->fp != NULL) fclose(a->fp);
    if (a->tmp != NULL) unlink(a->tmp);
    free(a->path);
    free(a->tmp);
    memset(a, 0, sizeof *a);
}

int fs_read_all(const char *path, char **buf, size_t *len)
{
    int fd;
    int rc = KPM_EIO;
    int saved;
    struct stat st;
    char *b = NULL;
    size_t cap, used = 0;

    *buf = NULL;
    if (len != NULL) *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? KPM_ENOTFOUND : KPM_EIO;
    if (fstat(fd, &st) != 0) goto out;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto out;
    }
    /* The size is a hint: files in /proc say 0, and a file may grow meanwhile. */
    cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    b = malloc(cap);
    if (b == NULL) {
        rc = KPM_ENOMEM;
        goto out;
    }
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > SIZE_MAX / 2) {
                rc = KPM_ENOMEM;
                goto out;
            }
            char *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                rc = KPM_ENOMEM;
                goto out;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, b + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            goto out;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    b[used] = '\0';
    *buf = b;
    b = NULL;
    if (len != NULL) *len = used;
    rc = KPM_OK;
out:
    saved = errno;
    free(b);
    close(fd);
    errno = saved;
    return rc;
}

int fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int saved;

    if (fd < 0) return KPM_EIO;
    /* Some file systems cannot fsync a directory (EINVAL): nothing more to do there. */
    if (fsync(fd) != 0 && errno != EINVAL) {
        saved = errno;
        close(fd);
        errno = saved;
        return KPM_EIO;
    }
    close(fd);
    return KPM_OK;
}

char *fs_join(const char *dir, const char *name)
{
    size_t ld;

    if (dir == NULL || dir[0] == '\0') return strdup(name);
    ld = strlen(dir);
    return fs_concat(dir, dir[ld - 1] == '/' ? "" : "/", name);
}

int fs_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

int fs_force_exdev;

int fs_tmp_open(const char *dir, int *fd, char **tmp)
{
    *tmp = fs_join(dir, ".kpm-XXXXXX");
    if (*tmp == NULL) return KPM_ENOMEM;
    *fd = mkstemp(*tmp);
    if (*fd >= 0) fcntl(*fd, F_SETFD, FD_CLOEXEC);
    if (*fd < 0) {
        int saved = errno;
        free(*tmp);
        *tmp = NULL;
        errno = saved;
        return KPM_EIO;
    }
    return KPM_OK;
}

void fs_tmp_abort(int fd, char *tmp)
{
    int saved = errno;
    if (fd >= 0) close(fd);
    if (tmp != NULL) unlink(tmp);
    free(tmp);
    errno = saved;
}

int fs_tmp_commit(int fd, char *tmp, const char *dst, unsigned mode)
{
    if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
        fs_tmp_abort(fd, tmp);
        return KPM_EIO;
    }
    int c = close(fd);
    if (c != 0 || rename(tmp, dst) != 0) {
        fs_tmp_abort(-1, tmp);
        return KPM_EIO;
    }
    free(tmp);
    return fs_sync_parent(dst);
}

int fs_copy_fd(int src_fd, const char *dst, unsigned mode)
{
    char *dir = fs_dirname(dst), *tmp;
    int fd, rc;
    static char buf[1 << 16];
    off_t off = 0;

    if (dir == NULL) return KPM_ENOMEM;
    rc = fs_tmp_open(dir, &fd, &tmp);
    free(dir);
    if (rc) return rc;
    for (;;) {
        ssize_t n = pread(src_fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || (n > 0 && fs_write_fd(fd, buf, (size_t)n) != KPM_OK)) {
            fs_tmp_abort(fd, tmp);
            return KPM_EIO;
        }
        if (n == 0) break;
        off += n;
    }
    return fs_tmp_commit(fd, tmp, dst, mode);
}

int fs_move_fd(int src_fd, const char *src, const char *dst, unsigned mode, int copy)
{
    int rc;

    /* A file of another owner cannot be re-moded: it is copied (and so owned). */
    if (!copy && fchmod(src_fd, (mode_t)mode) != 0) {
        if (errno != EPERM) return KPM_EIO;
        copy = 1;
    }
    if (!copy && !fs_force_exdev && rename(src, dst) == 0) {
        rc = fs_sync_parent(dst);
        return rc ? rc : fs_sync_parent(src);
    }
    if (!copy && !fs_force_exdev && errno != EXDEV) return KPM_EIO;
    if ((rc = fs_copy_fd(src_fd, dst, mode))) return rc;
    if (unlink(src) != 0) return KPM_EIO;
    return fs_sync_parent(src);
}
