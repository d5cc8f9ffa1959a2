/* filelist.h - the files of a night as ingest reported them (their file_end
 * records: name, rows, accepted, rejected, sha256), kept by aggregate in its
 * checkpoint and passed on to report for run-manifest.json. */
#ifndef KPM_FILELIST_H
#define KPM_FILELIST_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct {
    char *file; /* owned */
    uint64_t rows, accepted, rejected;
    char sha256[65]; /* hex, "" unknown */
} filelist_entry_t;

typedef struct {
    filelist_entry_t *v; /* in the order received */
    size_t n, cap;
} filelist_t; /* zero-initialised is empty */

/* Adds a file_end record; a name already in the list (a file sent again)
 * replaces its entry. Returns KPM_OK or KPM_ENOMEM. */
int filelist_put(filelist_t *l, const wire_file_end_t *fe);

/* Frees every entry; the list is empty again. */
void filelist_clear(filelist_t *l);

/* The file_end record of entry i (views into l: valid while it is unchanged). */
void filelist_record(const filelist_t *l, size_t i, wire_record_t *rec);

#endif
