/* route.c - records to aggregate workers (see route.h). */
#include "route.h"

#include <stdlib.h>

#include "kpm_err.h"
#include "values.h"

struct route {
    unsigned workers;
    batcher_t *const *batchers;
    uint64_t *counts; /* [workers * INGEST_KIND_SLOTS] */
};

route_t *route_new(unsigned workers, batcher_t *const *batchers)
{
    route_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->workers = workers ? workers : 1;
    r->batchers = batchers;
    if (!(r->counts = calloc((size_t)r->workers * INGEST_KIND_SLOTS, sizeof *r->counts))) {
        free(r);
        return NULL;
    }
    return r;
}

void route_destroy(route_t **r)
{
    if (!r || !*r) return;
    free((*r)->counts);
    free(*r);
    *r = NULL;
}

unsigned route_worker_of(const char *code, size_t len, unsigned workers)
{
    uint64_t h = VAL_FNV1A64_SEED;
    for (size_t i = 0; i < len; i++)
        h = val_fnv1a64(h, (unsigned char)code[i]);
    return workers > 1 ? (unsigned)(h % workers) : 0;
}

static int put_one(route_t *r, unsigned w, const wire_record_t *rec)
{
    r->counts[(size_t)w * INGEST_KIND_SLOTS + (size_t)rec->kind]++;
    return batcher_put(r->batchers[w], rec);
}

int route_put(void *route, const wire_record_t *rec)
{
    route_t *r = route;
    switch (rec->kind) {
    case WIRE_REC_GEBRUIK:
        return put_one(
            r,
            route_worker_of(rec->u.gebruik.gemeente.ptr, rec->u.gebruik.gemeente.len, r->workers),
            rec);
    case WIRE_REC_FILE_BEGIN:
    case WIRE_REC_FILE_END:
    case WIRE_REC_KOPLOPER:
    case WIRE_REC_GEMEENTE:
        for (unsigned w = 0; w < r->workers; w++) {
            int rc = put_one(r, w, rec);
            if (rc) return rc;
        }
        return KPM_OK;
    default:
        return put_one(r, 0, rec);
    }
}

const uint64_t *route_counts(const route_t *r, unsigned w)
{
    return &r->counts[(size_t)w * INGEST_KIND_SLOTS];
}

void route_clear(route_t *r)
{
    for (size_t i = 0; i < (size_t)r->workers * INGEST_KIND_SLOTS; i++)
        r->counts[i] = 0;
}
