/* db_schema.h - the database layout of the published tables, shared by the
 * SQLite and PostgreSQL loaders (docs/DATABASE.md).
 *
 * One SQL table per published table: the same name, the same columns in the same
 * order with a type from the column's format, then `kpm_rij` (the row's 1-based
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

typedef enum { DB_INT, DB_DEC, DB_TEXT } db_kind_t;

typedef enum { DB_SQLITE, DB_PG } db_dialect_t;

/* A published table's layout, copied from its TABLE_BEGIN. */
typedef struct {
    char name[DB_NAME_MAX + 1];
    uint32_t n_cols;
    char cols[WIRE_MAX_COLS][DB_NAME_MAX + 1];
    db_kind_t kind[WIRE_MAX_COLS];
    int scale[WIRE_MAX_COLS]; /* decimals of a DB_DEC column */
    uint32_t n_key;           /* 0: the key is kpm_rij */
    uint32_t key[WIRE_MAX_COLS];
} db_table_t;

/* A cell as the CSV shows it; s == NULL for an empty cell. */
typedef struct {
    const char *s;
    size_t len;
} db_cell_t;

/* Fills t from tb. Returns KPM_OK, or KPM_EPROTO with a message in err for a
 * name the databases cannot hold (longer than DB_NAME_MAX, a NUL byte, the
 * reserved names kpm_nacht and kpm_rij) or an unknown format. */
int db_table_init(db_table_t *t, const wire_table_begin_t *tb, char *err, size_t errlen);

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

#endif
