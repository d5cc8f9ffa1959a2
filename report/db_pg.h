/* db_pg.h - the night's published tables into PostgreSQL (libpq).
 *
 * One transaction per night, opened by db_pg_open(): under an advisory lock
 * (one loader at a time per database), each table is created when missing or
 * when its layout changed (recognised by the table's comment), emptied with
 * DELETE and filled with COPY as its rows stream in; db_pg_commit() writes
 * kpm_nacht and commits. A reader therefore sees the previous night or this
 * one, never a part; a night that is abandoned or fails is rolled back by the
 * server. The tables live in the connection's current schema (search_path).
 * See docs/DATABASE.md.
 *
 * Errors are sticky: after the first one every call returns it again, so the
 * caller may go on feeding rows and ask for the outcome at the commit.
 */
#ifndef KPM_DB_PG_H
#define KPM_DB_PG_H

#include <stddef.h>

#include "db_schema.h"

typedef struct db_pg db_pg_t;

/* Connects (conninfo: a libpq connection string or URI; connect_timeout
 * defaults to 10 s) and begins the night's transaction. Returns NULL only when
 * out of memory; a failed connection is reported by every later call. */
db_pg_t *db_pg_open(const char *conninfo, const char *night);

/* As db_sqlite.h. Each returns KPM_OK, KPM_EIO or KPM_ENOMEM. */
int db_pg_table_begin(db_pg_t *d, const db_table_t *t);
int db_pg_table_row(db_pg_t *d, const db_cell_t *cells);
int db_pg_table_end(db_pg_t *d);

/* Writes kpm_nacht (loaded_at: "YYYY-MM-DDTHH:MM:SSZ") and commits. Returns
 * KPM_OK or the first error of the night (KPM_EIO, KPM_ENOMEM). */
int db_pg_commit(db_pg_t *d, const char *loaded_at);

/* The first error: "PostgreSQL: <what>: <server's message>", or "". */
const char *db_pg_error(const db_pg_t *d);

/* Closes the connection (an open transaction is rolled back) and frees. */
void db_pg_destroy(db_pg_t **d);

/* Keeps the password out of kpm's command lines and state (docs/SECURITY.md):
 * refuses a conninfo that holds one (a password= key, or a URI with
 * user:password@) or that libpq cannot parse, and a passfile (`passfile`, the
 * --pg-passfile option, may be NULL; else PGPASSFILE when that file exists)
 * that is not a regular file with no access for group and others. A given
 * passfile is put in PGPASSFILE for libpq. The message in err never quotes the
 * conninfo. Returns KPM_OK or KPM_EINVAL (a usage error). */
int db_pg_check_secrets(const char *conninfo, const char *passfile, char *err, size_t errlen);

#endif
