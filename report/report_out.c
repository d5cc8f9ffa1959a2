/* report_out.c - the report stage's writers: CSV per published table and
 * dashboard.json streamed to temporary files, rows into kpm.sqlite and
 * PostgreSQL as they arrive, rapport.md and rapport.html at commit. */
#include "report_out.h"

#include "db_bg.h"
#include "db_pg.h"
#include "db_schema.h"
#include "db_sqlite.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "rapport_html.h"
#include "rapport_md.h"
#include "rmodel.h"
#include "strmap.h"
#include "values.h"
#include "wbuf.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_NAME_MAX 64 /* bytes of a table name */
#define REPORT_NUM_MAX 48  /* bytes of a formatted number, NUL included */
#define REPORT_WBUF (64 * 1024) /* bytes buffered before each write */

typedef enum { FMT_INT, FMT_TEXT, FMT_DEC1, FMT_DEC2, FMT_DEC4 } fmt_t;

static const struct {
    const char *name;
    fmt_t fmt;
} report_formats[] = {
    {"int", FMT_INT},   {"text", FMT_TEXT}, {"dec1", FMT_DEC1},
    {"pct1", FMT_DEC1}, {"dec2", FMT_DEC2}, {"dec4", FMT_DEC4},
};

struct report_out {
    char *dir;
    fs_atomic_t *csv; /* one per published table, in arrival order */
    size_t n_csv, cap_csv;
    fs_atomic_t json;
    rmodel_t *model;      /* the tables the reports are made of */
    int html;             /* write rapport.html */
    db_sqlite_t *sq;      /* NULL: no kpm.sqlite */
    db_bg_t *bg;          /* with sq: the thread that fills it (db_bg.h) */
    db_pg_t *pg;          /* NULL: no PostgreSQL load */
    db_table_t db_cur;    /* the open published table's database layout */
    char loaded_at[32];   /* the commit's time, for kpm_nacht */
    strmap_t *names;      /* every table name seen tonight */

    int in_table;
    char cur_name[REPORT_NAME_MAX + 1];
    int cur_publish;
    uint32_t cur_cols;
    fmt_t cur_fmt[WIRE_MAX_COLS];
    uint64_t cur_rows;
    wbuf_t csvb;   /* in front of the open published table's CSV file */
    wbuf_t jsonb;  /* in front of json.fp */

    size_t json_tables; /* published tables begun in dashboard.json */
    size_t n_tables, n_rows;
    int failed; /* first error; every later call returns it */
    int committed;
    char err[1024];
};

/* ---- formatting ---- */

static int fmt_lookup(const char *s, size_t len, fmt_t *out)
{
    for (size_t i = 0; i < sizeof report_formats / sizeof report_formats[0]; i++) {
        if (strlen(report_formats[i].name) == len && memcmp(report_formats[i].name, s, len) == 0) {
            *out = report_formats[i].fmt;
            return 0;
        }
    }
    return -1;
}

/* The n bytes of t into buf with a NUL, or -1 when they do not fit (never cut). */
static int fmt_copy(const char *t, size_t n, char *buf, size_t buflen)
{
    if (n >= buflen) return -1;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return (int)n;
}

/* Decimal with `decimals` places, half away from zero. A product that lies a few
 * ulps from a tie (1.005 * 100) is taken as the tie it stands for, so that the
 * decimal value rounds as written. */
static int fmt_decimal(double x, int decimals, char *buf, size_t buflen)
{
    const uint64_t scale = decimals == 1 ? 10 : decimals == 2 ? 100 : 10000;
    double s, a, fl, tol;
    uint64_t k;

    if (!isfinite(x)) return -1;
    s = x * (double)scale;
    a = fabs(s);
    if (a >= 9.0e15) /* beyond the integers a double holds exactly */
        return -1;
    k = (uint64_t)a; /* floor, a being >= 0 */
    fl = (double)k;
    tol = (a > 1.0 ? a : 1.0) * 8 * DBL_EPSILON;
    if (a - fl >= 0.5 - tol) k++;
    /* "-"? integer part "." decimals, zero-padded: at most 1 + 16 + 1 + 4 bytes */
    char t[32];
    size_t n = 0;
    if (x < 0 && k > 0) t[n++] = '-';
    n += wbuf_fmt_u64(t + n, k / scale);
    t[n++] = '.';
    for (uint64_t f = k % scale, div = scale / 10; div > 0; div /= 10)
        t[n++] = (char)('0' + f / div % 10);
    return fmt_copy(t, n, buf, buflen);
}

/* An integer as "%" PRId64 writes it, with `decimals` zeros after a point if
 * decimals > 0. No printf: this runs for every number of every row. */
static int fmt_int(int64_t v, int decimals, char *buf, size_t buflen)
{
    char t[32];
    size_t n = 0;
    if (v < 0) t[n++] = '-';
    n += wbuf_fmt_u64(t + n, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (decimals > 0) {
        t[n++] = '.';
        for (int d = 0; d < decimals; d++) t[n++] = '0';
    }
    return fmt_copy(t, n, buf, buflen);
}

static int fmt_cell(const wire_value_t *v, fmt_t fmt, char *buf, size_t buflen)
{
    if (buflen == 0) return -1;
    if (v->type == WIRE_VAL_NIL) {
        buf[0] = '\0';
        return 0;
    }
    switch (fmt) {
    case FMT_INT:
        if (v->type != WIRE_VAL_INT) return -1;
        return fmt_int(v->i, 0, buf, buflen);
    case FMT_DEC1:
    case FMT_DEC2:
    case FMT_DEC4: {
        int decimals = fmt == FMT_DEC1 ? 1 : fmt == FMT_DEC2 ? 2 : 4;
        if (v->type == WIRE_VAL_INT) return fmt_int(v->i, decimals, buf, buflen);
        if (v->type != WIRE_VAL_REAL) return -1;
        return fmt_decimal(v->r, decimals, buf, buflen);
    }
    case FMT_TEXT:
        if (v->type != WIRE_VAL_STR || (size_t)v->s.len >= buflen) return -1;
        if (v->s.len > 0) memcpy(buf, v->s.ptr, v->s.len);
        buf[v->s.len] = '\0';
        return (int)v->s.len;
    }
    return -1;
}

int report_format_cell(const wire_value_t *v, const char *format, size_t format_len, char *buf,
                       size_t buflen)
{
    fmt_t fmt;

    if (fmt_lookup(format, format_len, &fmt) != 0) return -1;
    return fmt_cell(v, fmt, buf, buflen);
}

/* ---- CSV and JSON pieces ---- */

/* A text field: quoted when it holds ',', '"', CR or LF; a leading '=', '+', '-',
 * '@', TAB or CR gets a "'" so that spreadsheets do not run it as a formula. */
static void csv_put_text(wbuf_t *b, const char *s, size_t len)
{
    int guard = len > 0 && memchr("=+-@\t\r", s[0], 6) != NULL;
    int quote = 0;

    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote) wbuf_putc(b, '"');
    if (guard) wbuf_putc(b, '\'');
    if (!quote) {
        wbuf_write(b, s, len);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') wbuf_putc(b, '"');
        wbuf_putc(b, s[i]);
    }
    wbuf_putc(b, '"');
}

/* A JSON string. Bytes that are not UTF-8 become U+FFFD, so the document stays
 * valid JSON whatever a cell holds. */
static void json_put_str(wbuf_t *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    wbuf_putc(b, '"');
    while (i < len) {
        unsigned char c = s[i];
        size_t n;

        switch (c) {
        case '"':
            wbuf_puts(b, "\\\"");
            break;
        case '\\':
            wbuf_puts(b, "\\\\");
            break;
        case '\n':
            wbuf_puts(b, "\\n");
            break;
        case '\r':
            wbuf_puts(b, "\\r");
            break;
        case '\t':
            wbuf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20) {
                char u[8];
                snprintf(u, sizeof u, "\\u%04x", (unsigned)c);
                wbuf_write(b, u, 6);
                break;
            }
            if (c < 0x80) { /* plain ASCII: the run up to the next special byte at once */
                size_t j = i + 1;
                while (j < len && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\') j++;
                wbuf_write(b, s + i, j - i);
                i = j;
                continue;
            }
            n = val_utf8_seq((const char *)s + i, len - i);
            if (n == 0) {
                wbuf_puts(b, "\\ufffd");
                break;
            }
            wbuf_write(b, s + i, n);
            i += n;
            continue;
        }
        i++;
    }
    wbuf_putc(b, '"');
}

/* ---- the writer ---- */

static int fail(report_out_t *o, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(report_out_t *o, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->err, sizeof o->err, fmt, ap);
    va_end(ap);
    o->failed = rc;
    return rc;
}

static int fail_io(report_out_t *o, const char *what)
{
    return fail(o, KPM_EIO, "report: cannot write '%s' in '%s': %s", what, o->dir,
                errno != 0 ? strerror(errno) : "write error");
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* Table names become file names: lower-case letters, digits and '_' only. */
static int name_ok(wire_str_t s)
{
    if (s.len == 0 || s.len > REPORT_NAME_MAX) return 0;
    for (uint32_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

report_out_t *report_out_open(const char *out_dir, const report_out_opts_t *opts, char *err,
                              size_t errlen)
{
    report_out_t *o = NULL;
    char *path = NULL;

    if (fs_mkdirs(out_dir, 0750) != KPM_OK) {
        snprintf(err, errlen, "report: cannot create output directory '%s': %s", out_dir,
                 strerror(errno));
        return NULL;
    }
    o = calloc(1, sizeof *o);
    if (o == NULL || (o->dir = strdup(out_dir)) == NULL || (o->model = rmodel_new()) == NULL ||
        (o->names = strmap_new()) == NULL || (path = fs_join(out_dir, "dashboard.json")) == NULL) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    if (wbuf_init(&o->csvb, REPORT_WBUF) != KPM_OK || wbuf_init(&o->jsonb, REPORT_WBUF) != KPM_OK) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    if (fs_atomic_open(&o->json, path) != KPM_OK) {
        snprintf(err, errlen, "report: cannot create '%s.tmp': %s", path, strerror(errno));
        goto fail;
    }
    wbuf_target(&o->jsonb, o->json.fp);
    wbuf_puts(&o->jsonb, "{\n  \"schema_version\": 1,\n  \"tabellen\": {");
    o->html = opts != NULL && opts->html;
    if (opts != NULL && opts->sqlite &&
        ((o->sq = db_sqlite_open(out_dir, opts->night, err, errlen)) == NULL ||
         (o->bg = db_bg_start(o->sq, err, errlen)) == NULL))
        goto fail;
    /* A PostgreSQL that cannot be reached fails report_out_commit_pg(), not the files. */
    if (opts != NULL && opts->pg_conninfo != NULL &&
        (o->pg = db_pg_open(opts->pg_conninfo, opts->night)) == NULL) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    free(path);
    return o;
fail:
    free(path);
    report_out_destroy(&o);
    return NULL;
}

report_out_t *report_out_new(const char *out_dir, char *err, size_t errlen)
{
    return report_out_open(out_dir, NULL, err, errlen);
}

/* ---- the databases ---- */

/* An error from the kpm.sqlite thread's queue: the thread is stopped first, so
 * that its message (if the error is its own) can be read. */
static int fail_bg(report_out_t *o, int rc)
{
    int thread_rc = db_bg_wait(o->bg);
    if (thread_rc != KPM_OK) return fail(o, thread_rc, "report: %s", db_sqlite_error(o->sq));
    return fail(o, rc, "report: kpm.sqlite: %s", kpm_strerror(rc));
}

static int db_begin(report_out_t *o, const wire_table_begin_t *tb)
{
    char err[200];
    int rc;

    if (o->sq == NULL && o->pg == NULL) return KPM_OK;
    if ((rc = db_table_init(&o->db_cur, tb, err, sizeof err)) != KPM_OK)
        return fail(o, rc, "report: %s", err);
    if (o->sq != NULL && (rc = db_bg_table_begin(o->bg, &o->db_cur)) != KPM_OK)
        return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_begin(o->pg, &o->db_cur); /* errors kept for the commit */
    return KPM_OK;
}

/* One published row: cells as the CSV shows them (num[] holds the numbers). */
static int db_row(report_out_t *o, const wire_table_row_t *row, char num[][REPORT_NUM_MAX],
                  const int *num_len)
{
    db_cell_t cells[WIRE_MAX_COLS];
    int rc;

    if (o->sq == NULL && o->pg == NULL) return KPM_OK;
    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        if (v->type == WIRE_VAL_NIL)
            cells[c] = (db_cell_t){NULL, 0};
        else if (o->cur_fmt[c] == FMT_TEXT)
            cells[c] = (db_cell_t){v->s.ptr, v->s.len};
        else
            cells[c] = (db_cell_t){num[c], (size_t)num_len[c]};
    }
    if (o->sq != NULL && (rc = db_bg_table_row(o->bg, cells, row->n_cells)) != KPM_OK)
        return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_row(o->pg, cells);
    return KPM_OK;
}

static int db_end(report_out_t *o)
{
    int rc;

    if (o->sq != NULL && (rc = db_bg_table_end(o->bg)) != KPM_OK) return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_end(o->pg);
    return KPM_OK;
}

/* ---- the stream ---- */

int report_out_table_begin(report_out_t *o, const wire_table_begin_t *tb)
{
    char *file = NULL, *path = NULL;
    int rc;

    if (o->failed) return o->failed;
    if (o->committed) return fail(o, KPM_EPROTO, "report: table after commit");
    if (o->in_table)
        return fail(o, KPM_EPROTO, "report: table begins while '%s' is open", o->cur_name);
    if (!name_ok(tb->name))
        return fail(o, KPM_EPROTO, "report: invalid table name (%u bytes)", (unsigned)tb->name.len);
    memcpy(o->cur_name, tb->name.ptr, tb->name.len);
    o->cur_name[tb->name.len] = '\0';
    if (strmap_get(o->names, o->cur_name, tb->name.len) != NULL)
        return fail(o, KPM_EPROTO, "report: table '%s' sent twice", o->cur_name);
    if (tb->n_cols == 0 || tb->n_cols > WIRE_MAX_COLS)
        return fail(o, KPM_EPROTO, "report: table '%s' has %u columns", o->cur_name,
                    (unsigned)tb->n_cols);
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        if (fmt_lookup(tb->col_formats[c].ptr, tb->col_formats[c].len, &o->cur_fmt[c]) != 0)
            return fail(o, KPM_EPROTO, "report: table '%s', column %u: unknown format", o->cur_name,
                        (unsigned)c + 1);
    }
    if (strmap_put(o->names, o->cur_name, tb->name.len, o, NULL) != KPM_OK ||
        rmodel_table_begin(o->model, tb) != KPM_OK)
        return fail(o, KPM_ENOMEM, "report: out of memory");
    if (tb->publish && (rc = db_begin(o, tb)) != KPM_OK) return rc;

    o->cur_cols = tb->n_cols;
    o->cur_publish = tb->publish != 0;
    o->cur_rows = 0;
    o->in_table = 1;
    o->n_tables += o->cur_publish;
    if (!o->cur_publish) return KPM_OK;

    if (o->n_csv == o->cap_csv) {
        size_t cap = o->cap_csv ? o->cap_csv * 2 : 8;
        fs_atomic_t *n = realloc(o->csv, cap * sizeof *n);
        if (n == NULL) return fail(o, KPM_ENOMEM, "report: out of memory");
        o->csv = n;
        o->cap_csv = cap;
    }
    file = malloc(tb->name.len + 5);
    if (file == NULL) {
        rc = fail(o, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    snprintf(file, tb->name.len + 5, "%s.csv", o->cur_name);
    path = fs_join(o->dir, file);
    if (path == NULL) {
        rc = fail(o, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    if (fs_atomic_open(&o->csv[o->n_csv], path) != KPM_OK) {
        rc = fail_io(o, file);
        goto out;
    }
    wbuf_target(&o->csvb, o->csv[o->n_csv++].fp);

    for (uint32_t c = 0; c < tb->n_cols; c++) {
        if (c > 0) wbuf_putc(&o->csvb, ',');
        csv_put_text(&o->csvb, tb->col_names[c].ptr, tb->col_names[c].len);
    }
    wbuf_putc(&o->csvb, '\n');

    /* the name is [a-z0-9_] (name_ok): nothing to escape */
    wbuf_puts(&o->jsonb, o->json_tables ? ",\n    \"" : "\n    \"");
    wbuf_puts(&o->jsonb, o->cur_name);
    wbuf_puts(&o->jsonb, "\": {\n      \"kolommen\": [");
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        if (c > 0) wbuf_puts(&o->jsonb, ", ");
        json_put_str(&o->jsonb, tb->col_names[c].ptr, tb->col_names[c].len);
    }
    wbuf_puts(&o->jsonb, "],\n      \"rijen\": [");
    o->json_tables++;
    rc = o->csvb.err ? fail_io(o, file) : KPM_OK;
out:
    free(file);
    free(path);
    return rc;
}

int report_out_table_row(report_out_t *o, const wire_table_row_t *row)
{
    char num[WIRE_MAX_COLS][REPORT_NUM_MAX];
    int num_len[WIRE_MAX_COLS];
    wbuf_t *js = &o->jsonb, *csv = &o->csvb;
    int rc;

    if (o->failed) return o->failed;
    if (!o->in_table) return fail(o, KPM_EPROTO, "report: table row outside a table");
    if (row->n_cells != o->cur_cols)
        return fail(o, KPM_EPROTO, "report: table '%s', row %" PRIu64 ": %u cells for %u columns",
                    o->cur_name, o->cur_rows + 1, (unsigned)row->n_cells, (unsigned)o->cur_cols);
    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        int ok = o->cur_fmt[c] == FMT_TEXT
                     ? v->type == WIRE_VAL_NIL || v->type == WIRE_VAL_STR
                     : (num_len[c] = fmt_cell(v, o->cur_fmt[c], num[c], sizeof num[c])) >= 0;
        if (!ok)
            return fail(o, KPM_EPROTO,
                        "report: table '%s', row %" PRIu64 ", column %u: value does not fit "
                        "the column's format",
                        o->cur_name, o->cur_rows + 1, (unsigned)c + 1);
    }
    if (rmodel_table_row(o->model, row) != KPM_OK)
        return fail(o, KPM_ENOMEM, "report: out of memory");
    o->cur_rows++;
    if (!o->cur_publish) return KPM_OK;
    if ((rc = db_row(o, row, num, num_len)) != KPM_OK) return rc;

    if (o->cur_rows > 1)
        wbuf_lit(js, ",\n        [");
    else
        wbuf_lit(js, "\n        [");
    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        if (c > 0) {
            wbuf_putc(csv, ',');
            wbuf_lit(js, ", ");
        }
        if (v->type == WIRE_VAL_NIL) {
            wbuf_lit(js, "null");
        } else if (o->cur_fmt[c] == FMT_TEXT) {
            csv_put_text(csv, v->s.ptr, v->s.len);
            json_put_str(js, v->s.ptr, v->s.len);
        } else {
            wbuf_write(csv, num[c], (size_t)num_len[c]);
            wbuf_write(js, num[c], (size_t)num_len[c]);
        }
    }
    wbuf_putc(csv, '\n');
    wbuf_putc(js, ']');
    o->n_rows++;
    if (csv->err) return fail_io(o, base_name(o->csv[o->n_csv - 1].path));
    if (js->err) return fail_io(o, "dashboard.json");
    return KPM_OK;
}

int report_out_table_end(report_out_t *o, const wire_table_end_t *te)
{
    if (o->failed) return o->failed;
    if (!o->in_table) return fail(o, KPM_EPROTO, "report: table end outside a table");
    if (te->name.len != strlen(o->cur_name) || memcmp(te->name.ptr, o->cur_name, te->name.len) != 0)
        return fail(o, KPM_EPROTO, "report: table '%s' ends under another name", o->cur_name);
    if (te->rows != o->cur_rows)
        return fail(o, KPM_EPROTO,
                    "report: table '%s' ends with %" PRIu64 " rows, %" PRIu64 " received",
                    o->cur_name, te->rows, o->cur_rows);
    rmodel_table_end(o->model);
    o->in_table = 0;
    if (!o->cur_publish) return KPM_OK;
    wbuf_puts(&o->jsonb, o->cur_rows > 0 ? "\n      ]\n    }" : "]\n    }");
    if (wbuf_target(&o->csvb, NULL) != KPM_OK)
        return fail_io(o, base_name(o->csv[o->n_csv - 1].path));
    return db_end(o);
}

static int sink_begin(void *ctx, const wire_table_begin_t *tb)
{
    return report_out_table_begin(ctx, tb);
}

static int sink_row(void *ctx, const wire_table_row_t *row)
{
    return report_out_table_row(ctx, row);
}

static int sink_end(void *ctx, const wire_table_end_t *te)
{
    return report_out_table_end(ctx, te);
}

const merge_sink_t report_out_sink = {sink_begin, sink_row, sink_end};

/* Writes rapport.md or rapport.html to its temporary file. */
static int write_report(report_out_t *o, const rdoc_t *doc, fs_atomic_t *a, const char *name,
                        int html)
{
    char *path = fs_join(o->dir, name);
    int rc;

    if (path == NULL) return fail(o, KPM_ENOMEM, "report: out of memory");
    rc = fs_atomic_open(a, path);
    free(path);
    if (rc != KPM_OK) return fail_io(o, name);
    rc = doc == NULL ? KPM_ENOMEM : html ? rapport_html_write(doc, a->fp) : rapport_md_write(doc, a->fp);
    if (rc != KPM_OK)
        return rc == KPM_ENOMEM ? fail(o, rc, "report: out of memory") : fail_io(o, name);
    return KPM_OK;
}

/* fs_atomic_sync or fs_atomic_rename of one output file; a failure (which ends
 * the writer, its path included) is reported under the file's name. */
static int file_step(report_out_t *o, fs_atomic_t *a, int (*step)(fs_atomic_t *))
{
    char name[REPORT_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s", base_name(a->path));
    return step(a) == KPM_OK ? KPM_OK : fail_io(o, name);
}

int report_out_commit(report_out_t *o)
{
    fs_atomic_t md = {0}, html = {0};
    rdoc_t *doc = NULL;
    fs_atomic_t **group = NULL; /* the files to move into place, in order */
    time_t now = time(NULL);
    struct tm tm;
    int rc = KPM_OK;

    if (o->failed) return o->failed;
    if (o->committed) return fail(o, KPM_EPROTO, "report: night committed twice");
    if (o->in_table)
        return fail(o, KPM_EPROTO, "report: commit while table '%s' is open", o->cur_name);

    gmtime_r(&now, &tm);
    strftime(o->loaded_at, sizeof o->loaded_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* kpm.sqlite is finished on its thread while the reports are written */
    if (o->sq != NULL && (rc = db_bg_finish(o->bg, o->loaded_at)) != KPM_OK) {
        rc = fail_bg(o, rc);
        goto out;
    }
    doc = rmodel_build(o->model); /* one model, both reports */
    if ((rc = write_report(o, doc, &md, "rapport.md", 0)) != KPM_OK) goto out;
    if (o->html && (rc = write_report(o, doc, &html, "rapport.html", 1)) != KPM_OK) goto out;
    wbuf_puts(&o->jsonb, o->json_tables > 0 ? "\n  }\n}\n" : "}\n}\n");
    if (wbuf_flush(&o->jsonb) != KPM_OK) {
        rc = fail_io(o, "dashboard.json");
        goto out;
    }

    /* Every file's content on disk (meanwhile the kpm.sqlite thread finishes its
     * file, fsync included), then the renames, rapport.md last, then one fsync of
     * the directory. */
    size_t n = 0;
    if ((group = malloc((o->n_csv + 3) * sizeof *group)) == NULL) {
        rc = fail(o, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->n_csv; i++) group[n++] = &o->csv[i];
    group[n++] = &o->json;
    size_t before_sqlite = n;
    if (o->html) group[n++] = &html;
    group[n++] = &md;
    for (size_t i = 0; i < n; i++)
        if ((rc = file_step(o, group[i], fs_atomic_sync)) != KPM_OK) goto out;
    if (o->sq != NULL && (rc = db_bg_wait(o->bg)) != KPM_OK) {
        rc = fail(o, rc, "report: %s", db_sqlite_error(o->sq));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (i == before_sqlite && o->sq != NULL && (rc = db_sqlite_rename(o->sq)) != KPM_OK) {
            rc = fail(o, rc, "report: %s", db_sqlite_error(o->sq));
            goto out;
        }
        if ((rc = file_step(o, group[i], fs_atomic_rename)) != KPM_OK) goto out;
    }
    if (fs_sync_dir(o->dir) != KPM_OK) {
        rc = fail(o, KPM_EIO, "report: cannot sync the output directory '%s': %s", o->dir,
                  strerror(errno));
        goto out;
    }
    o->committed = 1;
out:
    free(group);
    rdoc_destroy(&doc);
    fs_atomic_abort(&md);
    fs_atomic_abort(&html);
    return rc;
}

int report_out_commit_pg(report_out_t *o)
{
    int rc;

    if (o->pg == NULL) return KPM_OK;
    if (!o->committed)
        return o->failed
                   ? o->failed
                   : fail(o, KPM_EPROTO, "report: PostgreSQL load committed before the files");
    rc = db_pg_commit(o->pg, o->loaded_at);
    if (rc != KPM_OK) snprintf(o->err, sizeof o->err, "report: %s", db_pg_error(o->pg));
    return rc;
}

size_t report_out_tables(const report_out_t *o)
{
    return o->n_tables;
}

size_t report_out_rows(const report_out_t *o)
{
    return o->n_rows;
}

const char *report_out_error(const report_out_t *o)
{
    return o->err;
}

void report_out_destroy(report_out_t **po)
{
    report_out_t *o;

    if (po == NULL || *po == NULL) return;
    o = *po;
    for (size_t i = 0; i < o->n_csv; i++)
        fs_atomic_abort(&o->csv[i]);
    fs_atomic_abort(&o->json);
    wbuf_free(&o->csvb);
    wbuf_free(&o->jsonb);
    free(o->csv);
    rmodel_destroy(&o->model);
    db_bg_destroy(&o->bg); /* before the database it works on */
    db_sqlite_destroy(&o->sq);
    db_pg_destroy(&o->pg);
    strmap_destroy(&o->names);
    free(o->dir);
    free(o);
    *po = NULL;
}
