/* fsutil.h - file system helpers that keep state and outputs whole on a crash. */
#ifndef KPM_FSUTIL_H
#define KPM_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Creates a directory and its parents with the given mode (existing is fine). */
int fs_mkdirs(const char *path, unsigned mode);

/* Writes `len` bytes to `path` atomically: path.tmp, fsync, rename, fsync of the
 * directory. Returns KPM_OK or KPM_EIO (errno kept). */
int fs_write_atomic(const char *path, const void *buf, size_t len);

/* An atomic writer for content produced piece by piece: fs_atomic_open creates
 * "<path>.tmp" and returns its stream; fs_atomic_commit flushes, fsyncs, closes
 * and renames it into place (and fsyncs the directory); fs_atomic_abort closes
 * and removes the temporary file. */
typedef struct {
    FILE *fp;
    char *path;
    char *tmp;
} fs_atomic_t;
int fs_atomic_open(fs_atomic_t *a, const char *path);
int fs_atomic_commit(fs_atomic_t *a);
void fs_atomic_abort(fs_atomic_t *a);

/* fs_atomic_commit in two steps, for a group of files in one directory: first
 * fs_atomic_sync on each (flush and fsync: the content is on disk), then
 * fs_atomic_rename on each in the order wanted (close and rename, no fsync),
 * then one fs_sync_dir. A night's twenty output files took twenty fsyncs of
 * their directory one by one (docs/PERFORMANCE.md). Both return KPM_OK or
 * KPM_EIO (errno kept); after a failure the writer is aborted (the temporary
 * file removed, the target as it was). */
int fs_atomic_sync(fs_atomic_t *a);
int fs_atomic_rename(fs_atomic_t *a);

/* Reads a whole file into a malloc'ed, NUL-terminated buffer (caller frees).
 * Returns KPM_OK, KPM_ENOTFOUND when the file does not exist, or KPM_EIO. */
int fs_read_all(const char *path, char **buf, size_t *len);

/* fsync of a directory (after a rename into it). */
int fs_sync_dir(const char *dir);

/* Joins directory and name into a malloc'ed string (caller frees). */
char *fs_join(const char *dir, const char *name);

/* True when the path exists. */
int fs_exists(const char *path);

/* A file written under a temporary name ".kpm-XXXXXX" in dir (mode 0600) and
 * renamed into place whole: for names that leave no room for a ".tmp" suffix
 * (a delivered file's name may have 255 bytes). fs_tmp_open returns the
 * descriptor and the temporary path (malloc'ed); fs_tmp_commit gives the file
 * `mode` (fchmod), fsyncs it, closes it, renames it to dst and fsyncs dst's
 * directory; fs_tmp_abort closes and removes it. Commit frees tmp either way and
 * removes the temporary file on failure. KPM_OK or KPM_EIO (errno kept). */
int fs_tmp_open(const char *dir, int *fd, char **tmp);
int fs_tmp_commit(int fd, char *tmp, const char *dst, unsigned mode);
void fs_tmp_abort(int fd, char *tmp);

/* Copies what the open file src_fd holds (from its start, by pread: its offset
 * is left alone) to dst, atomically (fs_tmp_*), with `mode`. KPM_OK or KPM_EIO
 * (errno kept: EIO, ENOSPC, ...). */
int fs_copy_fd(int src_fd, const char *dst, unsigned mode);

/* Moves the open regular file src_fd, named src, to dst and gives it `mode`
 * through the descriptor (fchmod: a path is never followed). By rename; when
 * that crosses file systems (EXDEV), or `copy` is set (the file has other
 * links, which must keep their mode), or the file is another user's (fchmod
 * fails with EPERM: the copy is ours), by fs_copy_fd, then unlink(src) and an
 * fsync of src's directory: a crash leaves the file in src, or a whole copy in
 * dst, or both (then the next attempt copies again). The caller checks that
 * src still names src_fd's file. KPM_OK or KPM_EIO (errno kept). */
int fs_move_fd(int src_fd, const char *src, const char *dst, unsigned mode, int copy);

/* Test hook: when set, fs_move_fd takes every rename as crossing file systems. */
extern int fs_force_exdev;

#endif
