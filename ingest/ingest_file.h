/* ingest_file.h - one delivered file in, wire records out.
 *
 * Validates a file by the data contract (docs/INPUT-RULES.md) and puts, through a
 * batcher, FILE_BEGIN, the file's records, a REJECT for every rejection, and
 * FILE_END. Values of `pii` columns are never copied anywhere. The records
 * depend only on the file's name and bytes, so a second run gives the same
 * messages (link.h relies on that).
 */
#ifndef KPM_INGEST_FILE_H
#define KPM_INGEST_FILE_H

#include <stdint.h>

#include "batcher.h"
#include "catalog.h"

typedef enum {
    DISPO_ARCHIVE,    /* processed: move to the archive (without pii columns) */
    DISPO_QUARANTINE, /* unreadable as the contract: move aside whole */
} ingest_dispo_t;

#define INGEST_KIND_SLOTS 64 /* by_kind[] is indexed by wire_rec_kind_t */

typedef struct {
    ingest_dispo_t dispo;
    char reason[512];   /* quarantine: "CODE: sentence" */
    int has_pii;        /* the header holds personal data (pii items, a person's name) */
    char delim;         /* the file's delimiter */
    uint64_t rows;      /* data rows read */
    uint64_t accepted;  /* rows passed on as records */
    uint64_t rejected;  /* rows rejected whole */
    uint64_t by_kind[INGEST_KIND_SLOTS];
} ingest_result_t;

/* Processes the file at `path`, delivered as `name`. Returns KPM_OK (also for a
 * quarantined file: see res->dispo), KPM_EIO when the file cannot be read at
 * all, or the first error the batcher's emit function returned (KPM_EREWIND,
 * KPM_ESTOP, ...), in which case the caller abandons the file. */
int ingest_file(const catalog_t *cat, batcher_t *out, const char *path, const char *name,
                ingest_result_t *res);

/* The same with the records handed to put(put_ctx, rec) instead of a batcher
 * (ingest's router to several aggregate workers: ingest/route.h). */
typedef int (*ingest_put_fn)(void *ctx, const wire_record_t *rec);
int ingest_file_to(const catalog_t *cat, ingest_put_fn put, void *put_ctx, const char *path,
                   const char *name, ingest_result_t *res);

/* A person's name (trimmed, ASCII lower case) as 16 hex digits of its 64-bit
 * FNV-1a hash: what ingest passes on and archives instead of the name. */
void ingest_person_hash(const char *s, size_t len, char out[17]);

#endif
