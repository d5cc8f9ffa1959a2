/* rsection.h - the sections of one meting in a report (rapport.md and
 * rapport.html): a likert or keuze item, or the spending split, placed by theme
 * and catalogue position. Each report decides the placement; the list, its
 * de-duplication and its order are here. */
#ifndef KPM_RSECTION_H
#define KPM_RSECTION_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define RSECTION_THEMA_UNKNOWN INT64_MAX /* sorts after every theme */

typedef struct {
    int kind;      /* the report's table kind (likert, keuze, besteding) */
    int64_t thema; /* RSECTION_THEMA_UNKNOWN when not in vragen */
    size_t order;  /* position in vragen; SIZE_MAX when not there */
    size_t seq;    /* arrival, for a stable order (set by rsection_add) */
    wire_str_t item;
} rsection_t;

/* Appends e to the growing array *es (n used, cap allocated) unless a section
 * of the same kind and item is there already. Returns KPM_OK or KPM_ENOMEM. */
int rsection_add(rsection_t **es, size_t *n, size_t *cap, rsection_t e);

/* Sorts by theme, then catalogue position, then arrival. */
void rsection_sort(rsection_t *es, size_t n);

#endif
