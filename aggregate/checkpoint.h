/* checkpoint.h - aggregate's state on disk, written atomically.
 *
 * A checkpoint is "KPMCKPT2" followed by frames [u32 little-endian length][wire
 * message]: a BEGIN message whose stream/seq/aux say where the input stream
 * stands (the night, the next seq expected, flags) with a COUNTS record of what
 * this night applied and the night's FILE_END records (for run-manifest.json);
 * DATA messages with the state as records (state_dump);
 * and an END message whose aux is the number of records, so a damaged file is
 * detected. It is written to a temporary file, fsynced and renamed, so a crash
 * leaves either the old or the new checkpoint.
 */
#ifndef KPM_AGG_CHECKPOINT_H
#define KPM_AGG_CHECKPOINT_H

#include <stdint.h>

#include "filelist.h"
#include "pseudonym.h"
#include "state.h"

#define CKPT_KINDS 64

typedef struct {
    char night[WIRE_STREAM_MAX];  /* input stream ("" before the first night) */
    uint64_t next;                /* next seq expected from ingest */
    int complete;                 /* the night's END was applied */
    int delivered;                /* report made the night's results durable */
    uint64_t applied[CKPT_KINDS]; /* records applied this night, by wire_rec_kind_t */
    filelist_t files;             /* this night's files (owned: filelist_clear) */
    int converted;                /* loaded from a version 1 checkpoint (write it again) */
} ckpt_meta_t;

/* Writes state and meta to path atomically. Returns KPM_OK or KPM_EIO/KPM_ENOMEM. */
int checkpoint_write(const char *path, const agg_state_t *s, const ckpt_meta_t *m);

/* Loads path into an empty state and m (overwritten: filelist_clear its files
 * before). A version 1 checkpoint ("KPMCKPT1", kpm before keyed pseudonyms) is
 * converted as it loads: its adviser hashes become the pseudonyms under key
 * (common/pseudonym.h), and m->converted is set; key may be NULL when there is
 * none, and such a checkpoint is then refused. Returns KPM_OK, KPM_ENOTFOUND
 * when there is no checkpoint yet, or KPM_ESTATE for a damaged or unconvertible
 * file (with a message in err). */
int checkpoint_load(const char *path, agg_state_t *s, ckpt_meta_t *m, const pseudonym_key_t *key,
                    char *err, size_t errlen);

#endif
