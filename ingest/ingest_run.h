/* ingest_run.h - the ingest stage: one night's inbox files to aggregate. */
#ifndef KPM_INGEST_RUN_H
#define KPM_INGEST_RUN_H

#include <stdint.h>

#include "stage.h"

/* Records per message (at most; a message also ends at about 256 KiB). 8192
 * rather than 2048: a 2M-row night was ~0.04 s faster with a quarter of the
 * messages (fewer wake-ups of both stages and their ZeroMQ threads). */
#define INGEST_BATCH_DEFAULT 8192

typedef struct {
    const char *inbox;
    const char *state_dir;
    const char *catalog; /* questionnaire file */
    unsigned workers;    /* aggregate workers (1 .. KPM_MAX_WORKERS): one stream each */
    const char *data_endpoint[KPM_MAX_WORKERS]; /* worker K's input */
    const char *ack_endpoint[KPM_MAX_WORKERS];  /* bound here: worker K's acknowledgements */
    const char *night_id;                       /* NULL: from the clock */
    uint32_t batch_records; /* records per message of a new night; 0: INGEST_BATCH_DEFAULT */
    int prepare;            /* only open (or create) the night and print its id */
    const char *keys;       /* NULL, or a CURVE key directory (common/curve.h) */
} ingest_opts_t;

/* Runs (or resumes) a night until aggregate made all of it durable and every
 * file is archived or quarantined. Returns KPM_OK, KPM_ESTOP when stopped by a
 * signal (the night resumes on the next start), or an error (logged). */
int ingest_run(const ingest_opts_t *o);

#endif
