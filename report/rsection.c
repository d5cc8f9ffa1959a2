/* rsection.c - the sections of a meting (see rsection.h). */
#include "rsection.h"

#include <stdlib.h>

#include "kpm_err.h"

int rsection_add(rsection_t **es, size_t *n, size_t *cap, rsection_t e)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*es)[i].kind == e.kind && wire_str_same((*es)[i].item, e.item)) return KPM_OK;
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        rsection_t *p = realloc(*es, c * sizeof *p);
        if (p == NULL) return KPM_ENOMEM;
        *es = p;
        *cap = c;
    }
    e.seq = *n;
    (*es)[(*n)++] = e;
    return KPM_OK;
}

static int cmp(const void *pa, const void *pb)
{
    const rsection_t *a = pa, *b = pb;

    if (a->thema != b->thema) return a->thema < b->thema ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void rsection_sort(rsection_t *es, size_t n)
{
    if (n > 1) qsort(es, n, sizeof *es, cmp);
}
