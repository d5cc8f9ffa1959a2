/* db_pg.c - the night's published tables into PostgreSQL (see db_pg.h). */
#include "db_pg.h"

#include "db_views.h"

#include "kpm_err.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Serialises loaders of one database: pg_advisory_xact_lock's key ("kpm"). */
#define DB_PG_LOCK_KEY "7040109"
#define DB_PG_SIGNATURE "kpm 3: " /* the feed's schema version (DB_SCHEMA_VERSION) */

typedef struct {
    db_table_t t; /* its layout, for the views */
    uint64_t rows;
} loaded_t;

struct db_pg {
    PGconn *conn;
    char *night;
    const db_table_t *cur;
    uint64_t rows;
    loaded_t *loaded;
    size_t n_loaded, cap_loaded;
    db_buf_t sql, line;
    int rc; /* the first error, sticky */
    char err[1024];
};

static int fail(db_pg_t *d, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(db_pg_t *d, int rc, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    if (d->rc != KPM_OK) return d->rc;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    n = strlen(d->err);
    while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
    d->rc = rc;
    return rc;
}

static int fail_conn(db_pg_t *d, const char *what)
{
    return fail(d, KPM_EIO, "PostgreSQL: %s: %s", what,
                d->conn != NULL ? PQerrorMessage(d->conn) : "out of memory");
}

static int fail_res(db_pg_t *d, PGresult *res, const char *what)
{
    const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

    if (msg[0] == '\0') msg = PQerrorMessage(d->conn);
    if (msg[0] == '\0') msg = "the server gave no reason";
    fail(d, KPM_EIO, "PostgreSQL: %s: %s", what, msg);
    PQclear(res);
    return KPM_EIO;
}

/* Statements whose rows are not needed; without params, sql may hold several. */
static int run(db_pg_t *d, const char *sql, int n_params, const char *const *params,
               const char *what)
{
    PGresult *res = n_params == 0
                        ? PQexec(d->conn, sql)
                        : PQexecParams(d->conn, sql, n_params, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (res == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK))
        return fail_res(d, res, what);
    PQclear(res);
    return KPM_OK;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

db_pg_t *db_pg_open(const char *conninfo, const char *night)
{
    static const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"10", "kpm-report", conninfo, NULL};
    db_pg_t *d = calloc(1, sizeof *d);

    if (d == NULL) return NULL;
    d->night = strdup(night != NULL ? night : "");
    if (d->night == NULL) {
        free(d);
        return NULL;
    }
    /* Parameters after dbname (its expansion included) win: connect_timeout
     * comes first so that the connection string may set its own. */
    d->conn = PQconnectdbParams(keys, vals, 1);
    if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
        fail_conn(d, "cannot connect");
        return d;
    }
    PQsetNoticeProcessor(d->conn, quiet, NULL);
    if (PQsetClientEncoding(d->conn, "UTF8") != 0) {
        fail_conn(d, "cannot set the client encoding to UTF8");
        return d;
    }
    /* kpm's views go first: they would keep a table whose layout changed from
     * being replaced; they are made again at the commit. */
    db_buf_printf(&d->sql, "CREATE TABLE IF NOT EXISTS %s (%s);\n", DB_NIGHT_TABLE,
                  db_night_columns_sql(DB_PG));
    db_views_drop_sql(&d->sql);
    if (d->sql.oom) {
        fail(d, KPM_ENOMEM, "report: out of memory");
        return d;
    }
    if (run(d, "BEGIN", 0, NULL, "cannot begin the night's transaction") == KPM_OK &&
        run(d, "SELECT pg_advisory_xact_lock(" DB_PG_LOCK_KEY ")", 0, NULL,
            "cannot take the loader's lock") == KPM_OK)
        run(d, d->sql.p, 0, NULL, "cannot create " DB_NIGHT_TABLE);
    return d;
}

/* Creates the table when it is missing or its layout (the comment) differs;
 * else empties it. */
static int prepare_table(db_pg_t *d, const db_table_t *t, const char *ident, const char *sig)
{
    const char *params[1] = {ident};
    PGresult *res;
    int exists, same;
    char *lit;

    res = PQexecParams(d->conn,
                       "SELECT to_regclass($1) IS NOT NULL, "
                       "coalesce(obj_description(to_regclass($1), 'pg_class'), '')",
                       1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        return fail_res(d, res, "cannot look up a table");
    exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    same = exists && strcmp(PQgetvalue(res, 0, 1), sig) == 0;
    PQclear(res);

    db_buf_reset(&d->sql);
    if (same) {
        db_buf_printf(&d->sql, "DELETE FROM %s", ident);
        return d->sql.oom ? fail(d, KPM_ENOMEM, "report: out of memory")
                          : run(d, d->sql.p, 0, NULL, "cannot empty a table");
    }
    if (exists) {
        db_buf_printf(&d->sql, "DROP TABLE %s", ident);
        if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
        if (run(d, d->sql.p, 0, NULL, "cannot replace a table whose layout changed") != KPM_OK)
            return d->rc;
        db_buf_reset(&d->sql);
    }
    lit = PQescapeLiteral(d->conn, sig, strlen(sig));
    if (lit == NULL) return fail_conn(d, "cannot quote a comment");
    db_buf_printf(&d->sql, "CREATE TABLE %s (", ident);
    db_columns_sql(&d->sql, t, DB_PG);
    db_buf_printf(&d->sql, "); COMMENT ON TABLE %s IS %s", ident, lit);
    PQfreemem(lit);
    if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    return run(d, d->sql.p, 0, NULL, "cannot create a table");
}

int db_pg_table_begin(db_pg_t *d, const db_table_t *t)
{
    db_buf_t ident = {0}, sig = {0};
    PGresult *res;
    int rc;

    if (d->rc != KPM_OK) return d->rc;
    if (d->cur != NULL) return fail(d, KPM_EPROTO, "PostgreSQL: table out of order");
    db_buf_ident(&ident, t->name);
    db_buf_printf(&sig, DB_PG_SIGNATURE);
    db_columns_sql(&sig, t, DB_PG);
    if (ident.oom || sig.oom) {
        rc = fail(d, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    if ((rc = prepare_table(d, t, ident.p, sig.p)) != KPM_OK) goto out;
    db_buf_reset(&d->sql);
    db_buf_printf(&d->sql, "COPY %s FROM STDIN", ident.p);
    if (d->sql.oom) {
        rc = fail(d, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    res = PQexec(d->conn, d->sql.p);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = fail_res(d, res, "cannot start loading a table");
        goto out;
    }
    PQclear(res);
    d->cur = t;
    d->rows = 0;
out:
    if (rc != KPM_OK) { /* name the table the statement was about */
        size_t n = strlen(d->err);
        snprintf(d->err + n, sizeof d->err - n, " (table '%s')", t->name);
    }
    db_buf_free(&ident);
    db_buf_free(&sig);
    return rc;
}

/* A value in COPY's text format. */
static void copy_text(db_buf_t *b, const char *s, size_t len)
{
    size_t from = 0;

    for (size_t i = 0; i < len; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                          : s[i] == '\t' ? "\\t"
                                         : NULL;
        if (esc == NULL) continue;
        db_buf_add(b, s + from, i - from);
        db_buf_add(b, esc, 2);
        from = i + 1;
    }
    db_buf_add(b, s + from, len - from);
}

int db_pg_table_row(db_pg_t *d, const db_cell_t *cells)
{
    const db_table_t *t = d->cur;

    if (d->rc != KPM_OK) return d->rc;
    if (t == NULL) return fail(d, KPM_EPROTO, "PostgreSQL: row outside a table");
    db_buf_reset(&d->line);
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (cells[c].s == NULL)
            db_buf_add(&d->line, "\\N", 2);
        else if (t->kind[c] == DB_TEXT)
            copy_text(&d->line, cells[c].s, cells[c].len);
        else
            db_buf_add(&d->line, cells[c].s, cells[c].len);
        db_buf_add(&d->line, "\t", 1);
    }
    db_buf_printf(&d->line, "%" PRIu64 "\n", d->rows + 1);
    if (d->line.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    if (PQputCopyData(d->conn, d->line.p, (int)d->line.len) != 1)
        return fail_conn(d, "cannot send a row");
    d->rows++;
    return KPM_OK;
}

int db_pg_table_end(db_pg_t *d)
{
    PGresult *res;
    int rc = KPM_OK;

    if (d->rc != KPM_OK) return d->rc;
    if (d->cur == NULL) return fail(d, KPM_EPROTO, "PostgreSQL: table end outside a table");
    if (PQputCopyEnd(d->conn, NULL) != 1) return fail_conn(d, "cannot end a table");
    while ((res = PQgetResult(d->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == KPM_OK) {
            char what[128];
            snprintf(what, sizeof what, "cannot load table '%s'", d->cur->name);
            rc = fail_res(d, res, what);
            continue;
        }
        PQclear(res);
    }
    if (rc != KPM_OK) return rc;
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

static const db_table_t *was_loaded(const void *ctx, const char *name)
{
    const db_pg_t *d = ctx;
    for (size_t i = 0; i < d->n_loaded; i++)
        if (strcmp(d->loaded[i].t.name, name) == 0) return &d->loaded[i].t;
    return NULL;
}

int db_pg_commit(db_pg_t *d, const char *loaded_at)
{
    const char *params[4] = {d->night, NULL, NULL, loaded_at};
    char rows[32];
    PGresult *res;

    if (d->rc != KPM_OK) return d->rc;
    if (d->cur != NULL) return fail(d, KPM_EPROTO, "PostgreSQL: commit while a table is open");
    if (run(d, "DELETE FROM " DB_NIGHT_TABLE " WHERE nacht = $1", 1, params,
            "cannot write " DB_NIGHT_TABLE) != KPM_OK)
        return d->rc;
    for (size_t i = 0; i < d->n_loaded; i++) {
        snprintf(rows, sizeof rows, "%" PRIu64, d->loaded[i].rows);
        params[1] = d->loaded[i].t.name;
        params[2] = rows;
        if (run(d, "INSERT INTO " DB_NIGHT_TABLE " VALUES ($1, $2, $3, $4)", 4, params,
                "cannot write " DB_NIGHT_TABLE) != KPM_OK)
            return d->rc;
    }
    db_buf_reset(&d->sql);
    db_schema_version_sql(&d->sql, DB_PG);
    db_views_create_sql(&d->sql, was_loaded, d);
    if (d->sql.oom) return fail(d, KPM_ENOMEM, "report: out of memory");
    if (run(d, d->sql.p, 0, NULL, "cannot create the views") != KPM_OK) return d->rc;
    res = PQexec(d->conn, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0)
        return fail_res(d, res, "cannot commit the night");
    PQclear(res);
    return KPM_OK;
}

const char *db_pg_error(const db_pg_t *d)
{
    return d->err;
}

void db_pg_destroy(db_pg_t **pd)
{
    db_pg_t *d;

    if (pd == NULL || *pd == NULL) return;
    d = *pd;
    if (d->conn != NULL) PQfinish(d->conn);
    db_buf_free(&d->sql);
    db_buf_free(&d->line);
    free(d->loaded);
    free(d->night);
    free(d);
    *pd = NULL;
}

/* A passfile libpq may read: a regular file only its owner can open. */
static int check_passfile(const char *path, int must_exist, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist && errno == ENOENT) return KPM_OK;
        snprintf(err, errlen, "cannot use the passfile '%s': %s", path, strerror(errno));
        return KPM_EINVAL;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "the passfile '%s' has mode %04o: it must be a file that group and others "
                 "cannot open (chmod 600)",
                 path, (unsigned)(st.st_mode & 07777));
        return KPM_EINVAL;
    }
    return KPM_OK;
}

int db_pg_check_secrets(const char *conninfo, const char *passfile, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    PQfreemem(perr); /* it may quote the string, password and all */
    if (opts == NULL) {
        snprintf(err, errlen, "--pg: not a libpq connection string or URI");
        return KPM_EINVAL;
    }
    int has_password = 0;
    for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
        has_password |= strcmp(o->keyword, "password") == 0 && o->val != NULL;
    PQconninfoFree(opts);
    if (has_password) {
        snprintf(err, errlen,
                 "--pg: the connection string holds a password, which would be in the process "
                 "list and in STATE/run: leave it out and put it in a passfile (--pg-passfile "
                 "FILE or PGPASSFILE, mode 0600; see docs/SECURITY.md)");
        return KPM_EINVAL;
    }
    const char *env = getenv("PGPASSFILE");
    int rc = passfile      ? check_passfile(passfile, 1, err, errlen)
             : env && *env ? check_passfile(env, 0, err, errlen)
                           : KPM_OK;
    if (rc == KPM_OK && passfile && setenv("PGPASSFILE", passfile, 1) != 0) {
        snprintf(err, errlen, "cannot set PGPASSFILE: %s", strerror(errno));
        rc = KPM_EINVAL;
    }
    return rc;
}
