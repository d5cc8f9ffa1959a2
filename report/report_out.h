/* report_out.h - the report stage's writers: one night's result tables in, the
 * output directory's files out (a CSV file per table of the contract, the
 * dashboard feed as dashboard/<tabel>.json with the index dashboard.json,
 * rapport.md, and with report_out_open's options rapport.html and kpm.sqlite),
 * and optionally the feed into PostgreSQL. Which table goes to the CSV files and
 * which to the feed is its TABLE_BEGIN's publish bits (wire.h); the feed's
 * layout is db_schema.h's (docs/DATABASE.md).
 *
 * Tables arrive as wire records (TABLE_BEGIN, TABLE_ROW..., TABLE_END) in the
 * order aggregate sends them. Published tables are streamed to temporary files
 * and inserted into the databases' open transactions (memory does not grow
 * with their size); the small tables the reports need are also kept in memory.
 * Nothing in the output directory changes until report_out_commit(), which
 * renames every file into place; the PostgreSQL transaction is committed after
 * that by report_out_commit_pg(). A night that is abandoned (report_out_destroy
 * before commit) leaves the previous outputs and database content as they were.
 */
#ifndef KPM_REPORT_OUT_H
#define KPM_REPORT_OUT_H

#include <stddef.h>

#include "merge.h"
#include "rformat.h"
#include "wire.h"

typedef struct report_out report_out_t;

/* What a night writes besides the CSV files, dashboard.json and rapport.md. */
typedef struct {
    const char *night;       /* the night's id, recorded in kpm_nacht (NULL: "") */
    int html;                /* write rapport.html */
    int sqlite;              /* load kpm.sqlite (docs/DATABASE.md) */
    const char *pg_conninfo; /* NULL, or a libpq connection string to load into */
} report_out_opts_t;

/* Starts a night's output into out_dir (created with mode 0750 if missing);
 * opts NULL: no extras. Returns NULL with a message in err (also when
 * kpm.sqlite's temporary file cannot be created). A PostgreSQL server that
 * cannot be reached does not fail here: see report_out_commit_pg(). */
report_out_t *report_out_open(const char *out_dir, const report_out_opts_t *opts, char *err,
                              size_t errlen);

/* report_out_open without extras. */
report_out_t *report_out_new(const char *out_dir, char *err, size_t errlen);

/* Feed one record of the result stream. Returns KPM_OK, KPM_EPROTO for records
 * out of order (a ROW outside a table, a cell count unlike the columns, an END
 * whose row count differs from the rows seen, an unknown format, a cell that
 * does not fit its column's format, a table name that is not [a-z0-9_]{1,64}
 * or comes twice, and with kpm.sqlite a table or row it cannot store: a name
 * of kpm's own (kpm_nacht, kpm_rij), a broken primary key), KPM_EIO or
 * KPM_ENOMEM. A message is available from
 * report_out_error(). After an error every later call returns it again.
 * kpm.sqlite is filled on a thread of its own (db_bg.h): a row it refuses (a
 * broken primary key) fails a later call or, at the latest, the commit. */
int report_out_table_begin(report_out_t *o, const wire_table_begin_t *tb);
int report_out_table_row(report_out_t *o, const wire_table_row_t *row);
int report_out_table_end(report_out_t *o, const wire_table_end_t *te);

/* The three calls above as merge_emit()'s sink (its ctx: the report_out_t). */
extern const merge_sink_t report_out_sink;

/* Writes dashboard.json, rapport.md, rapport.html and kpm.sqlite and moves all
 * files into place atomically per file. Returns KPM_OK, KPM_EIO, KPM_EPROTO
 * while a table is open, or the error of an earlier call (a night that failed
 * once is never committed; a row that kpm.sqlite refuses fails the night). */
int report_out_commit(report_out_t *o);

/* After report_out_commit: commits the night's PostgreSQL transaction. Returns
 * KPM_OK (also when no PostgreSQL load was asked), or KPM_EIO / KPM_ENOMEM with
 * report_out_error() naming the first thing that failed since the connection
 * (the files stay committed; the database keeps the previous night). */
int report_out_commit_pg(report_out_t *o);

/* Number of published tables and of their rows written so far (for the run
 * manifest and logs); unpublished tables are not counted. */
size_t report_out_tables(const report_out_t *o);
size_t report_out_rows(const report_out_t *o);

const char *report_out_error(const report_out_t *o);

/* Frees everything; removes temporary files of an uncommitted night. */
void report_out_destroy(report_out_t **o);

#endif
