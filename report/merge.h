/* merge.h - merges the result tables of N aggregate workers (shards) into the
 * one set of tables a single worker would have sent.
 *
 * Each worker's stream of TABLE_BEGIN, TABLE_ROW..., TABLE_END records is fed in
 * as it arrives (the workers' streams may interleave in any way); everything is
 * copied, so the caller's message buffers may be freed after each call. When
 * every worker's stream is complete, merge_emit() sends the merged tables to a
 * sink. How a table is merged follows its `merge` and the columns' `col_merge`
 * roles (see wire_table_begin_t and docs/PROTOCOL-RECORDS.md):
 *
 *   "owner"  the table is worker 0's, rows in its order; no other worker may
 *            send it.
 *   "union"  the rows of all workers in the order of the key columns (the
 *            columns of role "key", in column order); equal keys keep worker
 *            order, then each worker's own order.
 *   "sum"    rows with equal keys are one row: "sum" cells added (nil is no
 *            value; int + int stays int, real + real stays real, added in
 *            worker order), "same" cells must be equal in every part, and
 *            "ratio NUM DEN SCALE" cells are recomputed for every row as
 *            SCALE * NUM / DEN (a real; nil unless NUM and DEN are numbers
 *            and DEN > 0).
 *
 * Keys compare nil < numbers < strings; numbers by value (int and real alike),
 * strings bytewise. Within one worker's part of a union table keys must not
 * decrease; within a part of a sum table they must increase. Columns whose name
 * starts with '_' are helpers: they take part in the merge but are left out of
 * what is emitted.
 *
 * Memory is proportional to the rows kept: each worker's part of a table is one
 * growable buffer of packed cells and strings.
 */
#ifndef KPM_MERGE_H
#define KPM_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct merge merge_t;

/* Where merge_emit() sends the merged tables, table by table: begin, the rows,
 * end. The records and the strings they point to are owned by the merger and
 * valid only during the call. A callback returns KPM_OK or an error that stops
 * the emit. */
typedef struct {
    int (*begin)(void *ctx, const wire_table_begin_t *tb);
    int (*row)(void *ctx, const wire_table_row_t *row);
    int (*end)(void *ctx, const wire_table_end_t *te);
} merge_sink_t;

/* A merger for n_workers workers, numbered 0 .. n_workers - 1, holding nothing.
 * Returns NULL when n_workers is 0 or memory runs out. */
merge_t *merge_new(size_t n_workers);

/* Frees the merger and everything it copied; accepts NULL and sets *m to NULL. */
void merge_destroy(merge_t **m);

/* Drops everything worker sent (its stream starts again from the beginning);
 * the other workers' parts are kept. A worker number out of range is ignored. */
void merge_reset(merge_t *m, size_t worker);

/* Feed one record of worker's stream; the record is copied. Return KPM_OK,
 * KPM_ENOMEM, KPM_EINVAL for a worker number out of range, or KPM_EPROTO with
 * a sentence from merge_error() for:
 *   begin: a table while another is open, a table the worker already sent, an
 *          unknown merge or column role (or one unfit for the table's merge), a
 *          ratio that is malformed or names an unknown or ratio column, an
 *          "owner" table from a worker other than 0;
 *   row:   a row outside a table, a cell count unlike the columns', a NaN in
 *          a key column (union, sum), text in a "sum" column, a row whose key
 *          is below the previous row's (union, sum) or equal to it (sum); the
 *          message counts the worker's rows of the table from 1;
 *   end:   an end outside a table or naming another table, a row count unlike
 *          the rows the worker sent for it.
 * After an error nothing of the record is kept; the caller is expected to give
 * up the night or merge_reset() the worker. */
int merge_table_begin(merge_t *m, size_t worker, const wire_table_begin_t *tb);
int merge_table_row(merge_t *m, size_t worker, const wire_table_row_t *row);
int merge_table_end(merge_t *m, size_t worker, const wire_table_end_t *te);

/* Emits the merged tables through sink (begin, rows, end per table), in the
 * order in which worker 0 sent its tables. Call it when every worker's stream
 * is complete; a table some worker did not send contributes no rows of that
 * worker. Everything is checked before the first callback: on KPM_EPROTO the
 * sink has seen nothing. Returns KPM_OK, the first error a callback returned,
 * or KPM_EPROTO with a sentence from merge_error() for: a worker with a table
 * still open, a table worker 0 did not send, a table whose publish flag, column
 * names, formats, roles or merge differ from worker 0's, and in sum tables
 * "same" cells that differ, an int sum that overflows, an int added to a real,
 * a ratio over a text cell. The merger keeps its contents: emitting again gives
 * the same tables. */
int merge_emit(merge_t *m, const merge_sink_t *sink, void *ctx);

/* The sentence describing why the last feeding or emitting call failed with
 * KPM_EPROTO or KPM_EINVAL; "" when it succeeded or failed otherwise (out of
 * memory, a callback's error). Owned by the merger, valid until its next call. */
const char *merge_error(const merge_t *m);

/* The tables and the rows (of all tables) the last merge_emit() sent to the
 * sink, counted also when it failed part way (a callback's error). */
uint64_t merge_tables(const merge_t *m);
uint64_t merge_rows(const merge_t *m);

#endif
