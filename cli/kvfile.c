/* kvfile.c - key=value files (see kvfile.h). */
#include "kvfile.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kvfile_load(kvfile_t *kv, const char *path)
{
    kv->n = 0;
    kv->buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t len = read(fd, kv->buf, sizeof kv->buf - 1);
    close(fd);
    if (len < 0) return 0;
    kv->buf[len] = '\0';
    for (char *line = kv->buf; line && *line && kv->n < KV_MAX;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            kv->key[kv->n] = line;
            kv->val[kv->n] = eq + 1;
            kv->n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 1;
}

const char *kvfile_get(const kvfile_t *kv, const char *key)
{
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->key[i], key) == 0) return kv->val[i];
    return "";
}

double kvfile_num(const kvfile_t *kv, const char *key, double dflt)
{
    const char *v = kvfile_get(kv, key);
    char *end;
    double d = strtod(v, &end);
    return *v && end != v ? d : dflt;
}
