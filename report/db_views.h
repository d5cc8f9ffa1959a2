/* db_views.h - what the feed holds besides the published tables, the same in
 * SQLite and PostgreSQL: the views for the usual dashboard questions (one SQL
 * text serves both dialects) and the kpm_schema table with the feed's version.
 * See docs/DATABASE.md, "Views".
 */
#ifndef KPM_DB_VIEWS_H
#define KPM_DB_VIEWS_H

#include "db_schema.h"

/* True when the night loaded the table `name` (ctx: the loader's). */
typedef int (*db_loaded_fn)(const void *ctx, const char *name);

/* Appends "CREATE VIEW ...;" for every view whose tables the night loaded, in
 * dependency order. */
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
