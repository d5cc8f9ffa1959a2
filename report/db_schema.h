/* db_schema.h - the layout of the dashboard feed's tables, shared by the SQLite
 * and PostgreSQL loaders and the JSON files (docs/DATABASE.md).
 *
 * One SQL table per feed table: the same name, the same columns in the same
 * order with a type from the column's format (a ja/nee column a boolean, a
 * month its first day, year and month), then `kpm_rij` (the row's 1-based
 * position, the CSV's order). The primary key is the table's natural key where
 * kpm knows one (a static list), else kpm_rij. A growable buffer builds the SQL.
 */
#ifndef KPM_DB_SCHEMA_H
#define KPM_DB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define DB_NAME_MAX 63 /* bytes of a table or column name (PostgreSQL's limit) */
#define DB_ROW_COL "kpm_rij"
#define DB_NIGHT_TABLE "kpm_nacht"

#define DB_SCHEMA_TABLE "kpm_schema"
#define DB_SCHEMA_VERSION 3 /* of the feed: kpm.sqlite, PostgreSQL, dashboard/ */

/* A feed column's type. DB_BOOL holds a CSV's ja/nee (0/1), DB_DATE a day. */
typedef enum { DB_INT, DB_DEC, DB_TEXT, DB_BOOL, DB_DATE } db_kind_t;

/* Which part of its source cell a feed column holds: the cell itself, or of a
 * month ("YYYY-MM") its first day, its year or its month number. */
typedef enum { DB_WHOLE, DB_MONTH_DAY, DB_MONTH_YEAR, DB_MONTH_NUM } db_part_t;

typedef enum { DB_SQLITE, DB_PG } db_dialect_t;

/* A published table's layout in the feed, derived from its TABLE_BEGIN: the
 * same columns, but a "month" column becomes three (the first day as a date,
 * then jaar and maand). */
typedef struct {
    char name[DB_NAME_MAX + 1];
    uint32_t n_cols;
    char cols[WIRE_MAX_COLS][DB_NAME_MAX + 1];
    db_kind_t kind[WIRE_MAX_COLS];
    int scale[WIRE_MAX_COLS];    /* decimals of a DB_DEC column */
    uint32_t src[WIRE_MAX_COLS]; /* the TABLE_BEGIN's column it comes from */
    db_part_t part[WIRE_MAX_COLS];
    uint32_t n_key; /* 0: the key is kpm_rij */
    uint32_t key[WIRE_MAX_COLS];
} db_table_t;

/* A cell as the CSV shows it; s == NULL for an empty cell. */
typedef struct {
    const char *s;
    size_t len;
} db_cell_t;

/* Fills t from tb. Returns KPM_OK, or KPM_EPROTO with a message in err for a
 * name the databases cannot hold (longer than DB_NAME_MAX, a NUL byte, the
 * reserved names kpm_nacht, kpm_schema and kpm_rij), an unknown format or more
 * feed columns than WIRE_MAX_COLS. */
int db_table_init(db_table_t *t, const wire_table_begin_t *tb, char *err, size_t errlen);

/* Room for the cells db_feed_cells makes up (dates, years, month numbers). */
typedef struct {
    char buf[WIRE_MAX_COLS][16];
} db_scratch_t;

/* The feed's cells of one row (t->n_cols of them) from the cells as the CSV
 * shows them (one per TABLE_BEGIN column): ja/nee becomes "1"/"0", a month
 * its parts. out may point into in and into s. Returns 0, or -1 for a value
 * that is not of its format (a DB_BOOL not ja/nee, a month not YYYY-MM). */
int db_feed_cells(const db_table_t *t, const db_cell_t *in, db_cell_t *out, db_scratch_t *s);

typedef struct {
    char *p; /* NUL-terminated; NULL until the first append */
    size_t len, cap;
    int oom; /* an append failed: the content is incomplete */
} db_buf_t;

void db_buf_reset(db_buf_t *b);
void db_buf_free(db_buf_t *b);
void db_buf_add(db_buf_t *b, const char *s, size_t len);
void db_buf_printf(db_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An identifier in double quotes ("" doubled). */
void db_buf_ident(db_buf_t *b, const char *name);

/* The column definitions of t, as in CREATE TABLE "t" (<this>): the columns
 * with their types, kpm_rij and the primary key. PostgreSQL keeps it as the
 * table's comment, so a changed layout is recognised. */
void db_columns_sql(db_buf_t *b, const db_table_t *t, db_dialect_t d);

/* The kpm_nacht table's definition for CREATE TABLE. */
const char *db_night_columns_sql(db_dialect_t d);

/* The feed type of a kind, as dashboard.json names it ("integer", "decimal",
 * "text", "boolean", "date"). */
const char *db_kind_name(db_kind_t k);

#endif
