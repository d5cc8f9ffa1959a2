/* ingest_file.h - one delivered file in, wire records out.
 *
 * Validates a file by the data contract (docs/INPUT-RULES.md) and puts, through a
 * batcher, FILE_BEGIN, the file's records, a REJECT for every rejection, and
 * FILE_END. Values of `pii` columns are never copied anywhere; a person's name
 * becomes its pseudonym under `pk` (common/pseudonym.h). The records depend
 * only on the file's name and bytes and the key, so a second run gives the same
 * messages (link.h relies on that).
 */
#ifndef KPM_INGEST_FILE_H
#define KPM_INGEST_FILE_H

#include <stdint.h>
#include <sys/stat.h>

#include "batcher.h"
#include "catalog.h"
#include "pseudonym.h"

typedef enum {
    DISPO_ARCHIVE,    /* processed: move to the archive (without pii columns) */
    DISPO_QUARANTINE, /* unreadable as the contract: move aside whole */
    DISPO_LEAVE,      /* leave it in the inbox: gone, changed while read, or not movable */
} ingest_dispo_t;

/* An inbox entry as ingest found it. It is looked at without following a link
 * (lstat) and, only when it is a regular file, opened once (O_NOFOLLOW,
 * O_NONBLOCK) and checked to be that same file (fstat). Everything ingest
 * reads of it, and every change of its mode, goes through that descriptor. */
typedef struct {
    int fd;             /* the regular file, or -1 */
    unsigned type;      /* S_IFMT of the entry itself; 0 when it could not be looked at */
    int open_errno;     /* why it could not be looked at or opened (ENOENT: gone) */
    int movable;        /* a rename can move it to the quarantine (same file system) */
    int changed_before; /* it changed while an earlier night read it: FILE_CHANGED notice */
    int verdict;        /* changed while read: -1 not known yet, 0 no, 1 yes (fixed once
                           known, so that a file produced again gives the same records) */
    struct stat st;     /* of the entry when opened */
    char *path;
} ingest_entry_t;

/* Looks at and opens the entry at path (see ingest_entry_t). Returns KPM_OK (a
 * problem of the entry is in e: type, open_errno) or KPM_ENOMEM. e->movable is
 * set to 1; the caller knows better. */
int ingest_entry_open(const char *path, ingest_entry_t *e);
void ingest_entry_close(ingest_entry_t *e);

/* 1 when the open file's size, modification time or inode differ from when it
 * was opened, or its path now names another file (or none). */
int ingest_entry_changed(const ingest_entry_t *e);

#define INGEST_KIND_SLOTS 64 /* by_kind[] is indexed by wire_rec_kind_t */

typedef struct {
    ingest_dispo_t dispo;
    char reason[512];  /* quarantine: "CODE: sentence" */
    int has_pii;       /* the header holds personal data (pii items, a person's name) */
    char delim;        /* the file's delimiter */
    uint64_t rows;     /* data rows read */
    uint64_t accepted; /* rows passed on as records */
    uint64_t rejected; /* rows rejected whole */
    uint64_t by_kind[INGEST_KIND_SLOTS];
} ingest_result_t;

/* Processes the file at `path`, delivered as `name` (ingest_entry_to on the
 * entry at path). Returns KPM_OK (also for a file set aside or left: see
 * res->dispo and its reject), or the first error the batcher's emit function
 * returned (KPM_EREWIND, KPM_ESTOP, ...), in which case the caller abandons the
 * file. */
int ingest_file(const catalog_t *cat, const pseudonym_key_t *pk, batcher_t *out, const char *path,
                const char *name, ingest_result_t *res);

/* The same with the records handed to put(put_ctx, rec) instead of a batcher
 * (ingest's router to several aggregate workers: ingest/route.h). */
typedef int (*ingest_put_fn)(void *ctx, const wire_record_t *rec);
int ingest_file_to(const catalog_t *cat, const pseudonym_key_t *pk, ingest_put_fn put,
                   void *put_ctx, const char *path, const char *name, ingest_result_t *res);

/* Processes an opened entry. An entry that is not a regular file, or that
 * could not be opened or read, gives one reject (NOT_A_FILE, FILE_GONE,
 * FILE_UNREADABLE) and is quarantined, or left when it cannot be moved; a file
 * that changed while it was read gets a FILE_CHANGED notice and is left in the
 * inbox for the next night. One entry's problem never fails the night. */
int ingest_entry_to(const catalog_t *cat, const pseudonym_key_t *pk, ingest_put_fn put,
                    void *put_ctx, ingest_entry_t *e, const char *name, ingest_result_t *res);

#endif
