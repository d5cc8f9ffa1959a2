/* db_bg.h - kpm.sqlite filled on a thread of its own.
 *
 * Inserting a night's rows into SQLite was half of the time kpm-report spent
 * writing its outputs (docs/PERFORMANCE.md), all of it after the last table
 * arrived and while aggregate, done, left a core idle. Here the calls that
 * would go to db_sqlite (table begin, rows, table end, finish) are copied into
 * a queue of blocks and carried out in the same order by a thread that owns
 * the db_sqlite_t until db_bg_wait() returns, while the caller goes on with the
 * CSV files, dashboard.json and the reports.
 *
 * Memory is bounded: at most DB_BG_MAX_QUEUED blocks of DB_BG_BLOCK bytes wait
 * for the thread (a producer that gets ahead waits). Errors: the first error
 * of db_sqlite stops the thread's work; db_bg_wait() returns it, and its
 * message is db_sqlite_error() of the db_sqlite_t, as without the thread. The
 * queueing calls return KPM_OK, KPM_ENOMEM, or the thread's error once known.
 */
#ifndef KPM_DB_BG_H
#define KPM_DB_BG_H

#include "db_sqlite.h"

#define DB_BG_BLOCK (256 * 1024)
#define DB_BG_MAX_QUEUED 8

typedef struct db_bg db_bg_t;

/* Starts the thread on sq (opened, no table begun). Returns NULL with a
 * message in err. */
db_bg_t *db_bg_start(db_sqlite_t *sq, char *err, size_t errlen);

/* As db_sqlite_table_begin / _row / _end; t and cells are copied. */
int db_bg_table_begin(db_bg_t *b, const db_table_t *t);
int db_bg_table_row(db_bg_t *b, const db_cell_t *cells, uint32_t n_cells);
int db_bg_table_end(db_bg_t *b);

/* Queues db_sqlite_finish(sq, loaded_at) as the last work and lets the thread
 * start on what is queued. */
int db_bg_finish(db_bg_t *b, const char *loaded_at);

/* Waits until the thread has done everything queued (db_bg_finish first) and
 * has ended; the db_sqlite_t is the caller's again. Returns KPM_OK or the first
 * error. */
int db_bg_wait(db_bg_t *b);

/* Stops the thread (what is still queued is dropped), joins it and frees
 * everything; accepts NULL and sets *b to NULL. */
void db_bg_destroy(db_bg_t **b);

#endif
