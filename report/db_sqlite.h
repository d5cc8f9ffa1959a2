/* db_sqlite.h - the night's published tables into <out>/kpm.sqlite.
 *
 * Every night builds a new database file, kpm.sqlite.tmp, in one transaction:
 * the tables as db_schema.h lays them out, rows inserted as they stream in, and
 * kpm_nacht (the rows of earlier nights are copied from the previous file, this
 * night's rows replace any of the same night id). db_sqlite_install() renames it
 * over kpm.sqlite with the other outputs, so a reader opens either the previous
 * night's file or this night's whole; an abandoned night only removes the
 * temporary file. See docs/DATABASE.md.
 */
#ifndef KPM_DB_SQLITE_H
#define KPM_DB_SQLITE_H

#include <stddef.h>

#include "db_schema.h"

typedef struct db_sqlite db_sqlite_t;

/* Starts the night's file in out_dir (which exists). Returns NULL with a
 * message in err. */
db_sqlite_t *db_sqlite_open(const char *out_dir, const char *night, char *err, size_t errlen);

/* A table begins, one row (cells as the CSV shows them, t->n_cols of them), the
 * table ends. Each returns KPM_OK, or with a message in db_sqlite_error():
 * KPM_EPROTO for what cannot be stored as given (a row that breaks the primary
 * key, a key cell that is empty, two columns of one name), KPM_EIO, KPM_ENOMEM. */
int db_sqlite_table_begin(db_sqlite_t *d, const db_table_t *t);
int db_sqlite_table_row(db_sqlite_t *d, const db_cell_t *cells);
int db_sqlite_table_end(db_sqlite_t *d);

/* Writes kpm_nacht (loaded_at: "YYYY-MM-DDTHH:MM:SSZ"), commits, closes and
 * fsyncs the temporary file. Returns KPM_OK or KPM_EIO. */
int db_sqlite_finish(db_sqlite_t *d, const char *loaded_at);

/* Renames the finished file over kpm.sqlite and fsyncs the directory. */
int db_sqlite_install(db_sqlite_t *d);

/* db_sqlite_install without the fsync of the directory: for a caller that moves
 * a group of files into the directory and fsyncs it once. */
int db_sqlite_rename(db_sqlite_t *d);

const char *db_sqlite_error(const db_sqlite_t *d);

/* Frees everything; removes the temporary file unless it was installed. */
void db_sqlite_destroy(db_sqlite_t **d);

#endif
