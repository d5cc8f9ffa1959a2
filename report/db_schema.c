/* db_schema.c - the database layout of the published tables (see db_schema.h). */
#include "db_schema.h"

#include "kpm_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Natural keys: the columns that OUTPUTS.md and MONITORING.md make unique. A
 * table not listed here (or lacking a listed column) is keyed by kpm_rij. */
static const struct {
    const char *table;
    const char *cols; /* comma-separated */
} db_keys[] = {
    {"respons", "meting,tranche"},
    {"likert", "meting,groep,item"},
    {"keuze", "meting,groep,item,antwoord"},
    {"besteding", "meting,groep,categorie"},
    {"gebruik", "gemeente_code,periode,aanbieder_type"},
    {"gebruik_jaar", "jaar,eenheid,id"},
    {"gebruik_gemeente", "jaar,gemeente_code"},
    {"gebruik_gemeente_nu", "jaar,gemeente_code"},
    {"gebruik_koploper", "jaar,koploper_id"},
    {"respons_tranche", "meting,tranche"},
    {"gemeente", "gemeente_code"},
    {"koploper", "koploper_id"},
    {"koploper_gemeente", "koploper_id,gemeente_code"},
    {"adviesinzet", "koploper_id"},
    {"bijeenkomsten", "jaar,type"},
    {"middelen", "koploper_id"},
    {"ervaring", "jaar,groep"},
    {"voordrachten", "voordracht_id"},
};

static int copy_name(char *dst, wire_str_t s)
{
    if (s.len == 0 || s.len > DB_NAME_MAX || memchr(s.ptr, '\0', s.len) != NULL) return -1;
    memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
    return 0;
}

/* "int", "text", "jn" (ja/nee), "month" (YYYY-MM), and "decN"/"pctN" with N
 * decimals (0..9). */
static int parse_format(wire_str_t f, db_kind_t *kind, int *scale)
{
    static const struct {
        const char *name;
        db_kind_t kind;
    } plain[] = {{"int", DB_INT}, {"text", DB_TEXT}, {"jn", DB_BOOL}, {"month", DB_DATE}};

    *scale = 0;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (f.len == strlen(plain[i].name) && memcmp(f.ptr, plain[i].name, f.len) == 0) {
            *kind = plain[i].kind;
            return 0;
        }
    }
    if (f.len == 4 && (memcmp(f.ptr, "dec", 3) == 0 || memcmp(f.ptr, "pct", 3) == 0) &&
        f.ptr[3] >= '0' && f.ptr[3] <= '9') {
        *kind = DB_DEC;
        *scale = f.ptr[3] - '0';
        return 0;
    }
    return -1;
}

static int find_col(const db_table_t *t, const char *name, size_t len)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (strlen(t->cols[c]) == len && memcmp(t->cols[c], name, len) == 0) return (int)c;
    }
    return -1;
}

static void set_key(db_table_t *t)
{
    t->n_key = 0;
    for (size_t i = 0; i < sizeof db_keys / sizeof db_keys[0]; i++) {
        const char *p = db_keys[i].cols;
        if (strcmp(db_keys[i].table, t->name) != 0) continue;
        while (*p != '\0') {
            size_t len = strcspn(p, ",");
            int c = find_col(t, p, len);
            if (c < 0) {
                t->n_key = 0;
                return;
            }
            t->key[t->n_key++] = (uint32_t)c;
            p += len + (p[len] == ',');
        }
        return;
    }
}

/* Appends feed column `name` of kind k from source column src. */
static int add_col(db_table_t *t, const char *name, db_kind_t k, int scale, uint32_t src,
                   db_part_t part)
{
    if (t->n_cols == WIRE_MAX_COLS) return -1;
    snprintf(t->cols[t->n_cols], sizeof t->cols[0], "%s", name);
    t->kind[t->n_cols] = k;
    t->scale[t->n_cols] = scale;
    t->src[t->n_cols] = src;
    t->part[t->n_cols++] = part;
    return 0;
}

static int reserved(const char *name)
{
    return strcmp(name, DB_NIGHT_TABLE) == 0 || strcmp(name, DB_SCHEMA_TABLE) == 0;
}

int db_table_init(db_table_t *t, const wire_table_begin_t *tb, char *err, size_t errlen)
{
    char col[DB_NAME_MAX + 1];

    memset(t, 0, sizeof *t);
    if (copy_name(t->name, tb->name) != 0) {
        snprintf(err, errlen, "table name of %u bytes cannot be a database table",
                 (unsigned)tb->name.len);
        return KPM_EPROTO;
    }
    if (reserved(t->name)) {
        snprintf(err, errlen, "table '%s' has the name of kpm's own table", t->name);
        return KPM_EPROTO;
    }
    if (tb->n_cols == 0 || tb->n_cols > WIRE_MAX_COLS) {
        snprintf(err, errlen, "table '%s' has %u columns", t->name, (unsigned)tb->n_cols);
        return KPM_EPROTO;
    }
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        db_kind_t kind;
        int scale, full;
        if (copy_name(col, tb->col_names[c]) != 0 || strcmp(col, DB_ROW_COL) == 0) {
            snprintf(err, errlen, "table '%s', column %u: name cannot be a database column",
                     t->name, (unsigned)c + 1);
            return KPM_EPROTO;
        }
        if (parse_format(tb->col_formats[c], &kind, &scale) != 0) {
            snprintf(err, errlen, "table '%s', column '%s': unknown format", t->name, col);
            return KPM_EPROTO;
        }
        if (kind == DB_DATE)
            full = add_col(t, col, DB_DATE, 0, c, DB_MONTH_DAY) != 0 ||
                   add_col(t, "jaar", DB_INT, 0, c, DB_MONTH_YEAR) != 0 ||
                   add_col(t, "maand", DB_INT, 0, c, DB_MONTH_NUM) != 0;
        else
            full = add_col(t, col, kind, scale, c, DB_WHOLE) != 0;
        if (full) {
            snprintf(err, errlen, "table '%s' has more than %d columns in the feed", t->name,
                     WIRE_MAX_COLS);
            return KPM_EPROTO;
        }
    }
    set_key(t);
    return KPM_OK;
}

/* "YYYY-MM" with a month 01..12. */
static int month_ok(const db_cell_t *c)
{
    const char *s = c->s;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9')) return 0;
    return c->len == 7 && s[4] == '-' &&
           ((s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2'));
}

int db_feed_cells(const db_table_t *t, const db_cell_t *in, db_cell_t *out, db_scratch_t *s)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        const db_cell_t *v = &in[t->src[c]];
        char *b = s->buf[c];
        if (v->s == NULL) {
            out[c] = *v;
            continue;
        }
        if (t->kind[c] == DB_BOOL) {
            int ja = v->len == 2 && memcmp(v->s, "ja", 2) == 0;
            if (!ja && !(v->len == 3 && memcmp(v->s, "nee", 3) == 0)) return -1;
            out[c] = (db_cell_t){ja ? "1" : "0", 1};
            continue;
        }
        if (t->part[c] != DB_WHOLE && !month_ok(v)) return -1;
        switch (t->part[c]) {
        case DB_WHOLE:
            out[c] = *v;
            break;
        case DB_MONTH_DAY:
            memcpy(b, v->s, 7);
            memcpy(b + 7, "-01", 4);
            out[c] = (db_cell_t){b, 10};
            break;
        case DB_MONTH_YEAR:
            out[c] = (db_cell_t){v->s, 4};
            break;
        case DB_MONTH_NUM: /* without a leading zero: a JSON number */
            out[c] = v->s[5] == '0' ? (db_cell_t){v->s + 6, 1} : (db_cell_t){v->s + 5, 2};
            break;
        }
    }
    return 0;
}

const char *db_kind_name(db_kind_t k)
{
    static const char *const names[] = {"integer", "decimal", "text", "boolean", "date"};
    return names[k];
}

/* ---- the buffer ---- */

void db_buf_reset(db_buf_t *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->p != NULL) b->p[0] = '\0';
}

void db_buf_free(db_buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int grow(db_buf_t *b, size_t more)
{
    size_t cap;
    char *p;

    if (b->oom) return -1;
    if (b->len + more + 1 <= b->cap) return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void db_buf_add(db_buf_t *b, const char *s, size_t len)
{
    if (grow(b, len) != 0) return;
    if (len > 0) memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void db_buf_printf(db_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void db_buf_ident(db_buf_t *b, const char *name)
{
    db_buf_add(b, "\"", 1);
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '"')
            db_buf_add(b, "\"\"", 2);
        else
            db_buf_add(b, p, 1);
    }
    db_buf_add(b, "\"", 1);
}

/* ---- SQL ---- */

static void add_type(db_buf_t *b, const db_table_t *t, uint32_t c, db_dialect_t d)
{
    switch (t->kind[c]) {
    case DB_INT:
        db_buf_printf(b, d == DB_PG ? " bigint" : " INTEGER");
        break;
    case DB_DEC:
        if (d == DB_PG)
            db_buf_printf(b, " numeric(30,%d)", t->scale[c]);
        else
            db_buf_printf(b, " REAL");
        break;
    case DB_TEXT:
        db_buf_printf(b, d == DB_PG ? " text" : " TEXT");
        break;
    case DB_BOOL: /* SQLite has no boolean: 0/1 */
        db_buf_printf(b, d == DB_PG ? " boolean" : " INTEGER");
        break;
    case DB_DATE: /* SQLite: 'YYYY-MM-DD' text in a column declared DATE */
        db_buf_printf(b, d == DB_PG ? " date" : " DATE");
        break;
    }
}

static int is_key(const db_table_t *t, uint32_t c)
{
    for (uint32_t k = 0; k < t->n_key; k++) {
        if (t->key[k] == c) return 1;
    }
    return 0;
}

void db_columns_sql(db_buf_t *b, const db_table_t *t, db_dialect_t d)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        db_buf_ident(b, t->cols[c]);
        add_type(b, t, c, d);
        if (is_key(t, c)) db_buf_printf(b, " NOT NULL");
        db_buf_printf(b, ", ");
    }
    db_buf_printf(b, "%s %s NOT NULL, PRIMARY KEY (", DB_ROW_COL,
                  d == DB_PG ? "bigint" : "INTEGER");
    if (t->n_key == 0) db_buf_printf(b, "%s", DB_ROW_COL);
    for (uint32_t k = 0; k < t->n_key; k++) {
        if (k > 0) db_buf_printf(b, ", ");
        db_buf_ident(b, t->cols[t->key[k]]);
    }
    db_buf_printf(b, ")");
}

const char *db_night_columns_sql(db_dialect_t d)
{
    return d == DB_PG ? "nacht text NOT NULL, tabel text NOT NULL, rijen bigint NOT NULL, "
                        "geladen_op timestamptz NOT NULL, PRIMARY KEY (nacht, tabel)"
                      : "nacht TEXT NOT NULL, tabel TEXT NOT NULL, rijen INTEGER NOT NULL, "
                        "geladen_op TEXT NOT NULL, PRIMARY KEY (nacht, tabel)";
}
