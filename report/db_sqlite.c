/* db_sqlite.c - the night's published tables into kpm.sqlite (see db_sqlite.h). */
#include "db_sqlite.h"

#include "db_views.h"

#include "fsutil.h"
#include "kpm_err.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_SQLITE_FILE "kpm.sqlite"

typedef struct {
    db_table_t t; /* its layout, for the views */
    uint64_t rows;
} loaded_t;

struct db_sqlite {
    sqlite3 *db;
    char *dir, *path, *tmp;
    char *night;
    const db_table_t *cur; /* the open table (the caller's), or NULL */
    sqlite3_stmt *ins;
    uint64_t rows;
    loaded_t *loaded;
    size_t n_loaded, cap_loaded;
    int finished, installed;
    db_buf_t sql;
    char err[512];
};

static int fail(db_sqlite_t *d, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(db_sqlite_t *d, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return rc;
}

/* The kpm code for SQLite's last error: a table or row that cannot be stored
 * as given (a broken key, a duplicate column) is the input's fault. */
static int db_code(const db_sqlite_t *d)
{
    switch (d->db != NULL ? sqlite3_errcode(d->db) & 0xff : SQLITE_NOMEM) {
    case SQLITE_CONSTRAINT:
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return KPM_EPROTO;
    case SQLITE_NOMEM:
        return KPM_ENOMEM;
    default:
        return KPM_EIO;
    }
}

static int fail_db(db_sqlite_t *d, const char *what)
{
    return fail(d, db_code(d), "%s: %s: %s", DB_SQLITE_FILE, what,
                d->db != NULL ? sqlite3_errmsg(d->db) : "not open");
}

static int exec(db_sqlite_t *d, const char *sql)
{
    return sqlite3_exec(d->db, sql, NULL, NULL, NULL) == SQLITE_OK ? KPM_OK : KPM_EIO;
}

static void remove_tmp(const db_sqlite_t *d)
{
    char journal[4200];

    unlink(d->tmp);
    snprintf(journal, sizeof journal, "%s-journal", d->tmp);
    unlink(journal);
}

/* Rows of kpm_nacht from the previous file, but those of this night. A previous
 * file that cannot be read only loses that history. */
static void copy_history(db_sqlite_t *d)
{
    sqlite3_stmt *st = NULL;
    int ok;

    if (!fs_exists(d->path)) return;
    ok = sqlite3_prepare_v2(d->db, "ATTACH ?1 AS vorige", -1, &st, NULL) == SQLITE_OK &&
         sqlite3_bind_text(st, 1, d->path, -1, SQLITE_STATIC) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    st = NULL;
    if (!ok) return;
    if (sqlite3_prepare_v2(d->db,
                           "INSERT INTO " DB_NIGHT_TABLE " SELECT nacht, tabel, rijen, geladen_op "
                           "FROM vorige." DB_NIGHT_TABLE " WHERE nacht <> ?1",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, d->night, -1, SQLITE_STATIC) == SQLITE_OK)
        sqlite3_step(st);
    sqlite3_finalize(st);
    exec(d, "DETACH vorige");
}

db_sqlite_t *db_sqlite_open(const char *out_dir, const char *night, char *err, size_t errlen)
{
    db_sqlite_t *d = calloc(1, sizeof *d);

    if (d == NULL || (d->dir = strdup(out_dir)) == NULL ||
        (d->night = strdup(night != NULL ? night : "")) == NULL ||
        (d->path = fs_join(out_dir, DB_SQLITE_FILE)) == NULL ||
        (d->tmp = fs_join(out_dir, DB_SQLITE_FILE ".tmp")) == NULL) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    remove_tmp(d); /* left by a night that was killed */
    if (sqlite3_open_v2(d->tmp, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "report: cannot create '%s': %s", d->tmp,
                 d->db != NULL ? sqlite3_errmsg(d->db) : "out of memory");
        goto fail;
    }
    /* The file is invisible until it is renamed into place: no journal needed. */
    db_buf_printf(&d->sql,
                  "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; CREATE TABLE %s (%s)",
                  DB_NIGHT_TABLE, db_night_columns_sql(DB_SQLITE));
    if (d->sql.oom || exec(d, d->sql.p) != KPM_OK) {
        snprintf(err, errlen, "report: cannot create '%s': %s", d->tmp, sqlite3_errmsg(d->db));
        goto fail;
    }
    copy_history(d);
    if (exec(d, "BEGIN") != KPM_OK) {
        snprintf(err, errlen, "report: '%s': %s", d->tmp, sqlite3_errmsg(d->db));
        goto fail;
    }
    return d;
fail:
    db_sqlite_destroy(&d);
    return NULL;
}

int db_sqlite_table_begin(db_sqlite_t *d, const db_table_t *t)
{
    if (d->cur != NULL || d->finished)
        return fail(d, KPM_EPROTO, "%s: table out of order", DB_SQLITE_FILE);
    db_buf_reset(&d->sql);
    db_buf_printf(&d->sql, "CREATE TABLE ");
    db_buf_ident(&d->sql, t->name);
    db_buf_printf(&d->sql, " (");
    db_columns_sql(&d->sql, t, DB_SQLITE);
    db_buf_printf(&d->sql, ")");
    if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    if (exec(d, d->sql.p) != KPM_OK) return fail_db(d, "cannot create a table");

    db_buf_reset(&d->sql);
    db_buf_printf(&d->sql, "INSERT INTO ");
    db_buf_ident(&d->sql, t->name);
    db_buf_printf(&d->sql, " VALUES (");
    for (uint32_t c = 0; c <= t->n_cols; c++)
        db_buf_printf(&d->sql, c > 0 ? ", ?" : "?");
    db_buf_printf(&d->sql, ")");
    if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    if (sqlite3_prepare_v2(d->db, d->sql.p, -1, &d->ins, NULL) != SQLITE_OK)
        return fail_db(d, "cannot prepare an insert");
    d->cur = t;
    d->rows = 0;
    return KPM_OK;
}

static int bind_cell(db_sqlite_t *d, int i, db_kind_t kind, const db_cell_t *cell)
{
    char num[64];

    if (cell->s == NULL) return sqlite3_bind_null(d->ins, i);
    if (kind == DB_TEXT || kind == DB_DATE)
        return sqlite3_bind_text(d->ins, i, cell->s, (int)cell->len, SQLITE_STATIC);
    if (cell->len >= sizeof num) return SQLITE_TOOBIG;
    memcpy(num, cell->s, cell->len);
    num[cell->len] = '\0';
    if (kind == DB_INT || kind == DB_BOOL)
        return sqlite3_bind_int64(d->ins, i, strtoll(num, NULL, 10));
    return sqlite3_bind_double(d->ins, i, strtod(num, NULL));
}

int db_sqlite_table_row(db_sqlite_t *d, const db_cell_t *cells)
{
    const db_table_t *t = d->cur;
    int rc = SQLITE_OK;

    if (t == NULL) return fail(d, KPM_EPROTO, "%s: row outside a table", DB_SQLITE_FILE);
    for (uint32_t c = 0; c < t->n_cols && rc == SQLITE_OK; c++)
        rc = bind_cell(d, (int)c + 1, t->kind[c], &cells[c]);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(d->ins, (int)t->n_cols + 1, (int64_t)d->rows + 1);
    if (rc == SQLITE_OK) rc = sqlite3_step(d->ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    if (rc != SQLITE_OK) {
        rc = rc == SQLITE_TOOBIG ? KPM_EPROTO : db_code(d);
        fail(d, rc, "%s: table '%s', row %" PRIu64 ": %s", DB_SQLITE_FILE, t->name, d->rows + 1,
             sqlite3_errmsg(d->db));
        sqlite3_reset(d->ins);
        return rc;
    }
    sqlite3_reset(d->ins);
    d->rows++;
    return KPM_OK;
}

int db_sqlite_table_end(db_sqlite_t *d)
{
    if (d->cur == NULL) return fail(d, KPM_EPROTO, "%s: table end outside a table", DB_SQLITE_FILE);
    sqlite3_finalize(d->ins);
    d->ins = NULL;
    if (d->n_loaded == d->cap_loaded) {
        size_t cap = d->cap_loaded ? d->cap_loaded * 2 : 16;
        loaded_t *n = realloc(d->loaded, cap * sizeof *n);
        if (n == NULL) return fail(d, KPM_ENOMEM, "report: out of memory");
        d->loaded = n;
        d->cap_loaded = cap;
    }
    d->loaded[d->n_loaded].t = *d->cur;
    d->loaded[d->n_loaded++].rows = d->rows;
    d->cur = NULL;
    return KPM_OK;
}

static int write_night(db_sqlite_t *d, const char *loaded_at)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(d->db, "DELETE FROM " DB_NIGHT_TABLE " WHERE nacht = ?1", -1, &st,
                                NULL) == SQLITE_OK &&
             sqlite3_bind_text(st, 1, d->night, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;

    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(d->db, "INSERT INTO " DB_NIGHT_TABLE " VALUES (?1, ?2, ?3, ?4)",
                                  -1, &st, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < d->n_loaded; i++) {
        ok = sqlite3_bind_text(st, 1, d->night, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(st, 2, d->loaded[i].t.name, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_int64(st, 3, (int64_t)d->loaded[i].rows) == SQLITE_OK &&
             sqlite3_bind_text(st, 4, loaded_at, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return ok ? KPM_OK : KPM_EIO;
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0) return KPM_EIO;
    rc = fsync(fd) == 0 ? KPM_OK : KPM_EIO;
    close(fd);
    return rc;
}

static const db_table_t *was_loaded(const void *ctx, const char *name)
{
    const db_sqlite_t *d = ctx;
    for (size_t i = 0; i < d->n_loaded; i++)
        if (strcmp(d->loaded[i].t.name, name) == 0) return &d->loaded[i].t;
    return NULL;
}

int db_sqlite_finish(db_sqlite_t *d, const char *loaded_at)
{
    if (d->cur != NULL || d->finished)
        return fail(d, KPM_EPROTO, "%s: finished out of order", DB_SQLITE_FILE);
    if (write_night(d, loaded_at) != KPM_OK) return fail_db(d, "cannot write " DB_NIGHT_TABLE);
    db_buf_reset(&d->sql);
    db_schema_version_sql(&d->sql, DB_SQLITE);
    db_views_create_sql(&d->sql, was_loaded, d);
    if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    if (exec(d, d->sql.p) != KPM_OK) return fail_db(d, "cannot create the views");
    if (exec(d, "COMMIT") != KPM_OK) return fail_db(d, "cannot commit");
    if (sqlite3_close(d->db) != SQLITE_OK) return fail_db(d, "cannot close");
    d->db = NULL;
    if (sync_file(d->tmp) != KPM_OK)
        return fail(d, KPM_EIO, "cannot sync '%s': %s", d->tmp, strerror(errno));
    d->finished = 1;
    return KPM_OK;
}

int db_sqlite_rename(db_sqlite_t *d)
{
    if (!d->finished)
        return fail(d, KPM_EPROTO, "%s: installed before it is finished", DB_SQLITE_FILE);
    if (rename(d->tmp, d->path) != 0)
        return fail(d, KPM_EIO, "cannot move '%s' into place: %s", d->tmp, strerror(errno));
    d->installed = 1;
    return KPM_OK;
}

int db_sqlite_install(db_sqlite_t *d)
{
    int rc = db_sqlite_rename(d);
    if (rc == KPM_OK && fs_sync_dir(d->dir) != KPM_OK)
        return fail(d, KPM_EIO, "cannot sync '%s': %s", d->dir, strerror(errno));
    return rc;
}

const char *db_sqlite_error(const db_sqlite_t *d)
{
    return d->err;
}

void db_sqlite_destroy(db_sqlite_t **pd)
{
    db_sqlite_t *d;

    if (pd == NULL || *pd == NULL) return;
    d = *pd;
    sqlite3_finalize(d->ins);
    if (d->db != NULL) sqlite3_close(d->db);
    if (!d->installed && d->tmp != NULL) remove_tmp(d);
    db_buf_free(&d->sql);
    free(d->loaded);
    free(d->dir);
    free(d->path);
    free(d->tmp);
    free(d->night);
    free(d);
    *pd = NULL;
}
