/* night.h - ingest's record of one night: which files it takes, where each
 * file's messages start, and which files are archived. Kept in
 * STATE/ingest/night.state (rewritten atomically), so that a restarted ingest
 * resumes the same night with the same sequence numbers.
 *
 * A file is moved out of the inbox only after aggregate made all of its
 * messages durable; until then the inbox copy is what ingest regenerates from.
 */
#ifndef KPM_INGEST_NIGHT_H
#define KPM_INGEST_NIGHT_H

#include <stdint.h>

#include "catalog.h"
#include "ingest_file.h"

typedef enum {
    NF_PENDING = 0, /* in the inbox */
    NF_ARCHIVED,    /* moved to STATE/archive/<night>/ */
    NF_QUARANTINED, /* moved to STATE/quarantine/<night>/ */
    NF_CHANGED,     /* changed while the night read it: left in the inbox, taken again
                       whole by the next night (with a FILE_CHANGED notice) */
    NF_LEFT,        /* left in the inbox: gone, or it could not be moved (see the log) */
} nf_status_t;

/* One stream goes to each aggregate worker (docs/SCALING.md), so a file has a
 * message count and record counts per worker. */
typedef struct {
    char *name;
    nf_status_t status;
    int known;           /* produced once: n_msgs and by_kind hold (persisted) */
    uint64_t *n_msgs;    /* [workers]: messages of the file on each worker's stream */
    uint64_t *by_kind;   /* [workers * INGEST_KIND_SLOTS]: records sent to each worker */
    uint64_t records;    /* records of the file (each once, however many workers got it) */
    uint64_t rows;       /* data rows read */
    ingest_result_t res; /* of the last production (not persisted) */
    int produced;        /* res is valid */
    int changed_before;  /* it changed while the night before read it (persisted) */
    int opened;          /* entry is valid: looked at (and opened) in this process */
    ingest_entry_t entry;
} night_file_t;

typedef struct {
    char id[64];
    char *state_dir;
    char *inbox;
    char *path;           /* STATE/ingest/night.state */
    int done;             /* the night's END was made durable and every file disposed of */
    unsigned long number; /* nights taken in this state directory, this one included */
    unsigned workers;     /* aggregate workers: streams of this night */
    uint32_t batch;       /* records per message: fixed for the night, since the messages'
                             numbers depend on it */
    night_file_t *files;
    size_t n_files;
} night_t;

/* Opens the unfinished night in STATE (whatever new_id says), or the night new_id
 * when it is the last one and done (n->done set: nothing left to do), or starts a
 * new one with the inbox's
 * entries (whatever they are: see night_entry; not hidden, not ending in .part or
 * .tmp, in byte order of their names). A new night notes the files the last
 * night left because they changed (NF_CHANGED): changed_before, persisted as
 * "notice NAME" lines. new_id is used for a new night (NULL: the current UTC time and
 * the night's number, "YYYYMMDDTHHMMSSZ-N", unique in the state directory even for
 * two nights in one second). A new night takes `batch` records per message; an
 * unfinished one keeps its own (NIGHT_BATCH_BEFORE when its state does not say).
 * Returns NULL with a message in err. */
night_t *night_open(const char *state_dir, const char *inbox, const char *new_id, unsigned workers,
                    uint32_t batch, char *err, size_t errlen);

/* Records per message of a night whose state was written before the batch was
 * recorded (the default then). */
#define NIGHT_BATCH_BEFORE 2048
void night_destroy(night_t **n);

int night_save(const night_t *n);

/* First seq of file k on worker w's stream: 1 + the messages of the files
 * before it (seq 0 is the night's BEGIN). Only valid while every earlier file
 * is known. */
uint64_t night_first_seq(const night_t *n, unsigned w, size_t k);

/* The file whose messages on worker w's stream include seq, or n_files when seq
 * is past them (the END). */
size_t night_file_of_seq(const night_t *n, unsigned w, uint64_t seq);

/* Records of kind sent to worker w by file k. */
static inline uint64_t night_kind_count(const night_file_t *f, unsigned w, int kind)
{
    return f->by_kind[(size_t)w * INGEST_KIND_SLOTS + (size_t)kind];
}

/* The inbox entry of file k, looked at and opened once in this process
 * (ingest_entry_open); NULL when out of memory. */
ingest_entry_t *night_entry(night_t *n, size_t k);

/* Moves file k out of the inbox by its disposition: archive (without pii columns),
 * quarantine (with a .reason file beside it), or leave it. A file that changed
 * since it was opened is left (NF_CHANGED); an entry that cannot be moved is
 * left (NF_LEFT, logged). Only through the entry's descriptor: modes by fchmod,
 * copies from the descriptor, a file with other links copied, never re-moded;
 * across file systems by copy (fs_move_fd). Then saves. Returns an error only
 * when the state directory cannot be written (err says what and why). */
int night_dispose(night_t *n, size_t k, const catalog_t *cat, char *err, size_t errlen);

/* Rewrites every file in STATE/archive/<night>/ that still holds a column the
 * archive drops (adviser-name hashes kept by kpm before keyed pseudonyms)
 * without it; files without such a column are only looked at (their header).
 * Returns KPM_OK or KPM_EIO with a message in err. */
int night_scrub_archive(const char *state_dir, const catalog_t *cat, char *err, size_t errlen);

/* Path of file k in the inbox (static buffer). */
const char *night_inbox_path(const night_t *n, size_t k);

/* The name a file gets in the quarantine: its own, or "lange-naam-<16 hex>" (a
 * hash of it) when "<name>.reason.tmp" would be longer than a file name may be;
 * the .reason file then names the original. Returns 1 when generated. */
int night_quarantine_name(const char *name, char *out, size_t cap);

#endif
