/* datadir.c - where kpm's data files are (see datadir.h). */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KPM_INSTALL_DATADIR
#define KPM_INSTALL_DATADIR "/usr/local/share/kpm"
#endif
#ifndef KPM_SOURCE_DIR
#define KPM_SOURCE_DIR "."
#endif
#ifndef KPM_BUILD_TREE
#define KPM_BUILD_TREE ""
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *copy_out(const char *s, char *buf, size_t len)
{
    if (strlen(s) >= len) return NULL;
    memcpy(buf, s, strlen(s) + 1);
    return buf;
}

/* 1 when path is dir itself or below it. */
static int is_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return n > 0 && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

const char *datadir_resolve(const char *env, const char *exe, const char *build_tree,
                            const char *source_dir, const char *install_dir, char *buf, size_t len)
{
    if (env != NULL && env[0] != '\0') return copy_out(env, buf, len);
    if (exe != NULL && exe[0] == '/') {
        char dir[PATH_MAX], probe[PATH_MAX + 32];
        const char *slash = strrchr(exe, '/');
        size_t n = (size_t)(slash - exe);
        if (n < sizeof dir) {
            memcpy(dir, exe, n);
            dir[n] = '\0';
            snprintf(probe, sizeof probe, "%s/../../share/kpm/config", dir);
            if (is_dir(probe)) {
                snprintf(probe, sizeof probe, "%s/../../share/kpm", dir);
                char real[PATH_MAX];
                return copy_out(realpath(probe, real) ? real : probe, buf, len);
            }
        }
        if (build_tree != NULL && build_tree[0] != '\0' && is_below(exe, build_tree))
            return copy_out(source_dir, buf, len);
    }
    return copy_out(install_dir, buf, len);
}

const char *datadir_get(void)
{
    static char dir[PATH_MAX];
    static int done;
    if (!done) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) exe[n] = '\0';
        if (datadir_resolve(getenv("KPM_DATADIR"), n > 0 ? exe : NULL, KPM_BUILD_TREE,
                            KPM_SOURCE_DIR, KPM_INSTALL_DATADIR, dir, sizeof dir) == NULL)
            copy_out(KPM_INSTALL_DATADIR, dir, sizeof dir);
        done = 1;
    }
    return dir;
}

const char *datadir_config_file(const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/config/%s", datadir_get(), name);
    return n >= 0 && (size_t)n < len ? buf : NULL;
}
