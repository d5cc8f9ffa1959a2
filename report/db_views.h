/* db_views.h - what the feed holds besides the published tables, the same in
 * SQLite and PostgreSQL: the views for the usual dashboard questions (one SQL
 * text serves both dialects) and the kpm_schema table with the feed's version.
 * See docs/DATABASE.md, "Views".
 */
#ifndef KPM_DB_VIEWS_H
#define KPM_DB_VIEWS_H

#include "db_schema.h"

/* The layout of the table `name` the night loaded, or NULL (ctx: the loader's). */
typedef const db_table_t *(*db_loaded_fn)(const void *ctx, const char *name);

/* Appends "CREATE VIEW ...;" for every view whose tables the night loaded with
 * the columns it reads, in dependency order. */
void db_views_create_sql(db_buf_t *b, db_loaded_fn loaded, const void *ctx);

/* Appends "DROP VIEW IF EXISTS ...;" for every view, dependants first. */
void db_views_drop_sql(db_buf_t *b);

/* Appends the statements that create kpm_schema when missing and set its one
 * row to DB_SCHEMA_VERSION. */
void db_schema_version_sql(db_buf_t *b, db_dialect_t d);

/* Number of views, and the name of view i (for tests and docs). */
size_t db_views_count(void);
const char *db_view_name(size_t i);

#endif
