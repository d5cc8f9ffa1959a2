/* paths.c - the stage binaries and the data directory (see paths.h). */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KPM_SOURCE_DIR
#define KPM_SOURCE_DIR "."
#endif
#ifndef KPM_DEFAULT_LIBEXECDIR
#define KPM_DEFAULT_LIBEXECDIR "/usr/lib/kpm"
#endif
#ifndef KPM_DEFAULT_DATADIR
#define KPM_DEFAULT_DATADIR "/usr/share/kpm"
#endif

/* The directory of the running executable (not its symlink), or "" when unknown. */
static const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    static int done;
    if (!done) {
        done = 1;
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        dir[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            dir[0] = '\0';
    }
    return dir;
}

static int is_exec(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The build tree's directory of a binary: the stages' own, keygen's tools/. */
static const char *build_subdir(const char *name)
{
    return strcmp(name, "keygen") == 0 ? "tools" : name;
}

int paths_binary(const char *name, char *buf, size_t len)
{
    const char *env = getenv("KPM_LIBEXECDIR");
    char first[PATH_MAX] = "";
    if (env && *env) {
        snprintf(buf, len, "%s/kpm-%s", env, name);
        return is_exec(buf);
    }
    const char *dir = exe_dir();
    if (dir[0]) {
        const char *const forms[] = {"%s/../%s/kpm-%s", "%s/../lib/kpm/%.0skpm-%s",
                                     "%s/../libexec/kpm/%.0skpm-%s", "%s/%.0skpm-%s"};
        for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
            snprintf(buf, len, forms[i], dir, build_subdir(name), name);
            if (!first[0]) snprintf(first, sizeof first, "%s", buf);
            if (is_exec(buf)) return 1;
        }
    }
    snprintf(buf, len, "%s/kpm-%s", KPM_DEFAULT_LIBEXECDIR, name);
    if (is_exec(buf)) return 1;
    if (first[0]) snprintf(buf, len, "%s", first);
    return 0;
}

int paths_datadir(char *buf, size_t len)
{
    const char *env = getenv("KPM_DATADIR");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return is_dir(buf);
    }
    const char *dir = exe_dir();
    if (dir[0]) {
        char probe[PATH_MAX + 32];
        snprintf(probe, sizeof probe, "%s/../CMakeCache.txt", dir);
        if (access(probe, F_OK) == 0) {
            snprintf(buf, len, "%s", KPM_SOURCE_DIR);
            return is_dir(buf);
        }
        snprintf(probe, sizeof probe, "%s/../share/kpm/config", dir);
        if (is_dir(probe)) {
            snprintf(buf, len, "%s/../share/kpm", dir);
            return 1;
        }
    }
    snprintf(buf, len, "%s", KPM_DEFAULT_DATADIR);
    return is_dir(buf);
}
