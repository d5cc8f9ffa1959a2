/* kvfile.h - the key=value files the stages write in STATE/run (<stage>.status,
 * ingest.progress) and kpm's own STATE/run/kpm.result, read whole. */
#ifndef KPM_CLI_KVFILE_H
#define KPM_CLI_KVFILE_H

#include <stddef.h>

#define KV_MAX 24

typedef struct {
    char buf[4096];
    const char *key[KV_MAX];
    const char *val[KV_MAX];
    int n;
} kvfile_t;

/* Reads path; returns 1 when read (possibly empty), 0 when it cannot be. */
int kvfile_load(kvfile_t *kv, const char *path);

/* The value of key, or "" when absent (never NULL). */
const char *kvfile_get(const kvfile_t *kv, const char *key);

/* The value of key as a number, or dflt when absent or not a number. */
double kvfile_num(const kvfile_t *kv, const char *key, double dflt);

#endif
