/* route.h - which aggregate worker gets a record (docs/SCALING.md).
 *
 * With N workers every record goes to exactly the workers that need it, so that
 * each aggregate's records all meet on one worker:
 *   - gebruik: the worker of its gemeente (FNV-1a of the code, modulo N);
 *   - file_begin, file_end, koploper and gemeente: every worker (the register
 *     and the inhabitants are needed to sum usage per koploper);
 *   - everything else (survey, rejects, the other monitoring kinds): worker 0.
 * The router puts each record on the batcher of each of its workers and counts
 * what it sent per worker and kind (the END of each stream carries them).
 */
#ifndef KPM_INGEST_ROUTE_H
#define KPM_INGEST_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "batcher.h"
#include "ingest_file.h"
#include "wire.h"

typedef struct route route_t;

/* A router onto batchers[0 .. workers) (borrowed). NULL when out of memory. */
route_t *route_new(unsigned workers, batcher_t *const *batchers);
void route_destroy(route_t **r);

/* Puts rec on its workers' batchers (an ingest_put_fn). Returns KPM_OK or the
 * first batcher error. */
int route_put(void *route, const wire_record_t *rec);

/* Records sent to worker w since the last route_clear, indexed by kind
 * (INGEST_KIND_SLOTS entries). */
const uint64_t *route_counts(const route_t *r, unsigned w);
void route_clear(route_t *r);

/* The worker of a gemeente code among `workers`. */
unsigned route_worker_of(const char *code, size_t len, unsigned workers);

#endif
