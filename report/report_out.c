/* report_out.c - the report stage's writers: CSV per published table and
 * dashboard.json streamed to temporary files, rows into kpm.sqlite and
 * PostgreSQL as they arrive, rapport.md and rapport.html at commit. */
#include "report_out.h"

#include "db_bg.h"
#include "db_pg.h"
#include "db_schema.h"
#include "db_sqlite.h"
#include "feed_doc.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "rapport_html.h"
#include "rapport_md.h"
#include "rmodel.h"
#include "strmap.h"
#include "values.h"
#include "wbuf.h"

#include <dirent.h>
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
#include <unistd.h>

#define REPORT_NAME_MAX 64      /* bytes of a table name */
#define REPORT_NUM_MAX 48       /* bytes of a formatted number, NUL included */
#define REPORT_WBUF (64 * 1024) /* bytes buffered before each write */

/* FMT_JN (ja/nee) and FMT_MONTH (YYYY-MM) are text in the CSV files and a
 * boolean and a date in the feed (db_schema.h). */
typedef enum { FMT_INT, FMT_TEXT, FMT_DEC1, FMT_DEC2, FMT_DEC4, FMT_JN, FMT_MONTH } fmt_t;

#define FEED_DIR "dashboard" /* the feed's per-table JSON files, under the output directory */

static const struct {
    const char *name;
    fmt_t fmt;
} report_formats[] = {
    {"int", FMT_INT},   {"text", FMT_TEXT}, {"dec1", FMT_DEC1}, {"pct1", FMT_DEC1},
    {"dec2", FMT_DEC2}, {"dec4", FMT_DEC4}, {"jn", FMT_JN},     {"month", FMT_MONTH},
};

/* A table of the feed: its layout and rows, for the index dashboard.json. */
typedef struct {
    db_table_t t;
    uint64_t rows;
} feed_table_t;

struct report_out {
    char *dir;
    char *feed_dir;   /* <dir>/dashboard */
    fs_atomic_t *csv; /* one per CSV table, in arrival order */
    size_t n_csv, cap_csv;
    fs_atomic_t *tab;   /* one per feed table: dashboard/<tabel>.json */
    feed_table_t *feed; /* the same tables' layouts */
    size_t n_feed, cap_feed;
    fs_atomic_t json;   /* dashboard.json, the index, written at the commit */
    char *night;        /* the night's id, for the index */
    char made_at[32];   /* when the night's output began, for the index */
    rmodel_t *model;    /* the tables the reports are made of */
    int html;           /* write rapport.html */
    db_sqlite_t *sq;    /* NULL: no kpm.sqlite */
    db_bg_t *bg;        /* with sq: the thread that fills it (db_bg.h) */
    db_pg_t *pg;        /* NULL: no PostgreSQL load */
    db_table_t *db_cur; /* the open feed table's layout (in feed[]) */
    char loaded_at[32]; /* the commit's time, for kpm_nacht */
    strmap_t *names;    /* every table name seen tonight */

    int in_table;
    char cur_name[REPORT_NAME_MAX + 1];
    int cur_publish;
    int cur_csv, cur_feed; /* the open table goes to its CSV file, to the feed */
    uint32_t cur_cols;
    fmt_t cur_fmt[WIRE_MAX_COLS];
    uint64_t cur_rows;
    wbuf_t csvb;  /* in front of the open table's CSV file */
    wbuf_t jsonb; /* in front of the open table's dashboard/<tabel>.json */

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
        for (int d = 0; d < decimals; d++)
            t[n++] = '0';
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
    case FMT_JN:
    case FMT_MONTH:
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
                while (j < len && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\')
                    j++;
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
    time_t now = time(NULL);
    struct tm tm;

    if (fs_mkdirs(out_dir, 0750) != KPM_OK) {
        snprintf(err, errlen, "report: cannot create output directory '%s': %s", out_dir,
                 strerror(errno));
        return NULL;
    }
    o = calloc(1, sizeof *o);
    if (o == NULL || (o->dir = strdup(out_dir)) == NULL || (o->model = rmodel_new()) == NULL ||
        (o->names = strmap_new()) == NULL || (o->feed_dir = fs_join(out_dir, FEED_DIR)) == NULL ||
        (o->night = strdup(opts != NULL && opts->night != NULL ? opts->night : "")) == NULL) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    if (wbuf_init(&o->csvb, REPORT_WBUF) != KPM_OK || wbuf_init(&o->jsonb, REPORT_WBUF) != KPM_OK) {
        snprintf(err, errlen, "report: out of memory");
        goto fail;
    }
    if (fs_mkdirs(o->feed_dir, 0750) != KPM_OK) {
        snprintf(err, errlen, "report: cannot create '%s': %s", o->feed_dir, strerror(errno));
        goto fail;
    }
    gmtime_r(&now, &tm);
    strftime(o->made_at, sizeof o->made_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
    return o;
fail:
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

/* The open table's layout in the feed, kept for the index, and its start in
 * the databases. */
static int db_begin(report_out_t *o, const wire_table_begin_t *tb)
{
    char err[200];
    int rc;

    if (o->n_feed == o->cap_feed) {
        size_t cap = o->cap_feed ? o->cap_feed * 2 : 8;
        feed_table_t *f = realloc(o->feed, cap * sizeof *f);
        fs_atomic_t *a = f != NULL ? realloc(o->tab, cap * sizeof *a) : NULL;
        if (f != NULL) o->feed = f;
        if (a == NULL) return fail(o, KPM_ENOMEM, "report: out of memory");
        o->tab = a;
        o->cap_feed = cap;
    }
    o->db_cur = &o->feed[o->n_feed].t;
    o->feed[o->n_feed].rows = 0;
    if ((rc = db_table_init(o->db_cur, tb, err, sizeof err)) != KPM_OK)
        return fail(o, rc, "report: %s", err);
    if (o->sq != NULL && (rc = db_bg_table_begin(o->bg, o->db_cur)) != KPM_OK)
        return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_begin(o->pg, o->db_cur); /* errors kept for the commit */
    return KPM_OK;
}

/* One feed row from the cells as the CSV shows them: into the databases and
 * the table's JSON file. */
static int feed_row(report_out_t *o, const db_cell_t *csv_cells)
{
    const db_table_t *t = o->db_cur;
    db_cell_t cells[WIRE_MAX_COLS];
    db_scratch_t scratch;
    wbuf_t *js = &o->jsonb;
    int rc;

    if (db_feed_cells(t, csv_cells, cells, &scratch) != 0)
        return fail(o, KPM_EPROTO,
                    "report: table '%s', row %" PRIu64 ": a value does not fit its column's format",
                    o->cur_name, o->cur_rows);
    if (o->sq != NULL && (rc = db_bg_table_row(o->bg, cells, t->n_cols)) != KPM_OK)
        return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_row(o->pg, cells);

    if (o->cur_rows > 1)
        wbuf_lit(js, ",\n    [");
    else
        wbuf_lit(js, "\n    [");
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (c > 0) wbuf_lit(js, ", ");
        if (cells[c].s == NULL)
            wbuf_lit(js, "null");
        else if (t->kind[c] == DB_BOOL)
            wbuf_puts(js, cells[c].s[0] == '1' ? "true" : "false");
        else if (t->kind[c] == DB_TEXT || t->kind[c] == DB_DATE)
            json_put_str(js, cells[c].s, cells[c].len);
        else
            wbuf_write(js, cells[c].s, cells[c].len);
    }
    wbuf_putc(js, ']');
    o->feed[o->n_feed - 1].rows++;
    return js->err ? fail_io(o, base_name(o->tab[o->n_feed - 1].path)) : KPM_OK;
}

static int db_end(report_out_t *o)
{
    int rc;

    if (o->sq != NULL && (rc = db_bg_table_end(o->bg)) != KPM_OK) return fail_bg(o, rc);
    if (o->pg != NULL) db_pg_table_end(o->pg);
    return KPM_OK;
}

/* "{\n  \"schema_version\": N" */
static void json_put_version(wbuf_t *b)
{
    char v[48];
    snprintf(v, sizeof v, "{\n  \"schema_version\": %d", DB_SCHEMA_VERSION);
    wbuf_puts(b, v);
}

/* The column objects of a feed table: {naam, type, decimalen?, eenheid?,
 * omschrijving}. */
static void json_put_columns(wbuf_t *b, const db_table_t *t, const char *indent)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        const char *unit, *text = feed_doc_lookup(t->name, t->cols[c], &unit);
        wbuf_puts(b, c > 0 ? ",\n" : "\n");
        wbuf_puts(b, indent);
        wbuf_puts(b, "{\"naam\": ");
        json_put_str(b, t->cols[c], strlen(t->cols[c]));
        wbuf_puts(b, ", \"type\": \"");
        wbuf_puts(b, db_kind_name(t->kind[c]));
        wbuf_putc(b, '"');
        if (t->kind[c] == DB_DEC) {
            wbuf_puts(b, ", \"decimalen\": ");
            wbuf_putc(b, (char)('0' + t->scale[c]));
        }
        if (unit != NULL) {
            wbuf_puts(b, ", \"eenheid\": ");
            json_put_str(b, unit, strlen(unit));
        }
        wbuf_puts(b, ", \"omschrijving\": ");
        json_put_str(b, text != NULL ? text : "", text != NULL ? strlen(text) : 0);
        wbuf_putc(b, '}');
    }
}

/* Starts dashboard/<tabel>.json of the table whose layout db_begin made. */
static int feed_file_begin(report_out_t *o)
{
    char file[REPORT_NAME_MAX + 8];
    char *path;
    fs_atomic_t *a = &o->tab[o->n_feed];

    snprintf(file, sizeof file, "%s.json", o->cur_name);
    if ((path = fs_join(o->feed_dir, file)) == NULL)
        return fail(o, KPM_ENOMEM, "report: out of memory");
    if (fs_atomic_open(a, path) != KPM_OK) {
        free(path);
        return fail_io(o, file);
    }
    free(path);
    o->n_feed++;
    wbuf_target(&o->jsonb, a->fp);
    json_put_version(&o->jsonb);
    wbuf_puts(&o->jsonb, ",\n  \"tabel\": \"");
    wbuf_puts(&o->jsonb, o->cur_name); /* [a-z0-9_] (name_ok): nothing to escape */
    wbuf_puts(&o->jsonb, "\",\n  \"kolommen\": [");
    json_put_columns(&o->jsonb, o->db_cur, "    ");
    wbuf_puts(&o->jsonb, "\n  ],\n  \"rijen\": [");
    return o->jsonb.err ? fail_io(o, file) : KPM_OK;
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
    o->cur_publish = tb->publish != 0;
    o->cur_csv = o->cur_publish && !(tb->publish & WIRE_PUBLISH_NO_CSV);
    o->cur_feed = o->cur_publish && !(tb->publish & WIRE_PUBLISH_NO_FEED);
    /* the reports read the tables of the CSV files (and the unpublished ones) */
    if (strmap_put(o->names, o->cur_name, tb->name.len, o, NULL) != KPM_OK ||
        ((!o->cur_publish || o->cur_csv) && rmodel_table_begin(o->model, tb) != KPM_OK))
        return fail(o, KPM_ENOMEM, "report: out of memory");
    if (o->cur_feed && ((rc = db_begin(o, tb)) != KPM_OK || (rc = feed_file_begin(o)) != KPM_OK))
        return rc;

    o->cur_cols = tb->n_cols;
    o->cur_rows = 0;
    o->in_table = 1;
    o->n_tables += o->cur_publish;
    if (!o->cur_csv) return KPM_OK;

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
    wbuf_t *csv = &o->csvb;
    int rc;

    if (o->failed) return o->failed;
    if (!o->in_table) return fail(o, KPM_EPROTO, "report: table row outside a table");
    if (row->n_cells != o->cur_cols)
        return fail(o, KPM_EPROTO, "report: table '%s', row %" PRIu64 ": %u cells for %u columns",
                    o->cur_name, o->cur_rows + 1, (unsigned)row->n_cells, (unsigned)o->cur_cols);
    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        int text =
            o->cur_fmt[c] == FMT_TEXT || o->cur_fmt[c] == FMT_JN || o->cur_fmt[c] == FMT_MONTH;
        int ok = text ? v->type == WIRE_VAL_NIL || v->type == WIRE_VAL_STR
                      : (num_len[c] = fmt_cell(v, o->cur_fmt[c], num[c], sizeof num[c])) >= 0;
        if (!ok)
            return fail(o, KPM_EPROTO,
                        "report: table '%s', row %" PRIu64 ", column %u: value does not fit "
                        "the column's format",
                        o->cur_name, o->cur_rows + 1, (unsigned)c + 1);
    }
    if ((!o->cur_publish || o->cur_csv) && rmodel_table_row(o->model, row) != KPM_OK)
        return fail(o, KPM_ENOMEM, "report: out of memory");
    o->cur_rows++;
    if (!o->cur_publish) return KPM_OK;
    o->n_rows++;
    if (o->cur_feed) {
        db_cell_t cells[WIRE_MAX_COLS];
        for (uint32_t c = 0; c < row->n_cells; c++) {
            const wire_value_t *v = &row->cells[c];
            if (v->type == WIRE_VAL_NIL)
                cells[c] = (db_cell_t){NULL, 0};
            else if (v->type == WIRE_VAL_STR)
                cells[c] = (db_cell_t){v->s.ptr, v->s.len};
            else
                cells[c] = (db_cell_t){num[c], (size_t)num_len[c]};
        }
        if ((rc = feed_row(o, cells)) != KPM_OK) return rc;
    }
    if (!o->cur_csv) return KPM_OK;

    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        if (c > 0) wbuf_putc(csv, ',');
        if (v->type == WIRE_VAL_STR)
            csv_put_text(csv, v->s.ptr, v->s.len);
        else if (v->type != WIRE_VAL_NIL)
            wbuf_write(csv, num[c], (size_t)num_len[c]);
    }
    wbuf_putc(csv, '\n');
    if (csv->err) return fail_io(o, base_name(o->csv[o->n_csv - 1].path));
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
    if (!o->cur_publish || o->cur_csv) rmodel_table_end(o->model);
    o->in_table = 0;
    if (o->cur_csv && wbuf_target(&o->csvb, NULL) != KPM_OK)
        return fail_io(o, base_name(o->csv[o->n_csv - 1].path));
    if (!o->cur_feed) return KPM_OK;
    wbuf_puts(&o->jsonb, o->cur_rows > 0 ? "\n  ]\n}\n" : "]\n}\n");
    if (wbuf_target(&o->jsonb, NULL) != KPM_OK)
        return fail_io(o, base_name(o->tab[o->n_feed - 1].path));
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
    rc = doc == NULL ? KPM_ENOMEM
         : html      ? rapport_html_write(doc, a->fp)
                     : rapport_md_write(doc, a->fp);
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

/* dashboard.json: the feed's index (its night, when it was made, and per
 * table its file, rows and columns), to its temporary file. */
static int write_index(report_out_t *o)
{
    char *path = fs_join(o->dir, "dashboard.json");
    wbuf_t *b = &o->jsonb;
    char num[32];

    if (path == NULL) return fail(o, KPM_ENOMEM, "report: out of memory");
    if (fs_atomic_open(&o->json, path) != KPM_OK) {
        free(path);
        return fail_io(o, "dashboard.json");
    }
    free(path);
    wbuf_target(b, o->json.fp);
    json_put_version(b);
    wbuf_puts(b, ",\n  \"nacht\": ");
    json_put_str(b, o->night, strlen(o->night));
    wbuf_puts(b, ",\n  \"gemaakt_op\": \"");
    wbuf_puts(b, o->made_at);
    wbuf_puts(b, "\",\n  \"tabellen\": {");
    for (size_t i = 0; i < o->n_feed; i++) {
        const db_table_t *t = &o->feed[i].t;
        wbuf_puts(b, i > 0 ? ",\n    \"" : "\n    \"");
        wbuf_puts(b, t->name); /* [a-z0-9_] */
        wbuf_puts(b, "\": {\n      \"bestand\": \"" FEED_DIR "/");
        wbuf_puts(b, t->name);
        snprintf(num, sizeof num, "%" PRIu64, o->feed[i].rows);
        wbuf_puts(b, ".json\",\n      \"rijen\": ");
        wbuf_puts(b, num);
        wbuf_puts(b, ",\n      \"kolommen\": [");
        json_put_columns(b, t, "        ");
        wbuf_puts(b, "\n      ]\n    }");
    }
    wbuf_puts(b, o->n_feed > 0 ? "\n  }\n}\n" : "}\n}\n");
    return wbuf_target(b, NULL) == KPM_OK ? KPM_OK : fail_io(o, "dashboard.json");
}

/* Removes dashboard/<tabel>.json of a table that this night did not write
 * (one no longer published). Best effort: the index never names it. */
static void remove_stale(report_out_t *o)
{
    DIR *d = opendir(o->feed_dir);
    struct dirent *e;

    if (d == NULL) return;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), i;
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        for (i = 0; i < o->n_feed; i++)
            if (strlen(o->feed[i].t.name) == len - 5 &&
                memcmp(o->feed[i].t.name, e->d_name, len - 5) == 0)
                break;
        if (i == o->n_feed) unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
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
    if ((rc = write_index(o)) != KPM_OK) goto out;

    /* Every file's content on disk (meanwhile the kpm.sqlite thread finishes its
     * file, fsync included), then the renames, rapport.md last, then one fsync of
     * the directory. */
    size_t n = 0;
    if ((group = malloc((o->n_csv + o->n_feed + 3) * sizeof *group)) == NULL) {
        rc = fail(o, KPM_ENOMEM, "report: out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->n_csv; i++)
        group[n++] = &o->csv[i];
    for (size_t i = 0; i < o->n_feed; i++)
        group[n++] = &o->tab[i];
    group[n++] = &o->json; /* the index after the files it names */
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
    remove_stale(o);
    if (fs_sync_dir(o->feed_dir) != KPM_OK || fs_sync_dir(o->dir) != KPM_OK) {
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
    for (size_t i = 0; i < o->n_feed; i++)
        fs_atomic_abort(&o->tab[i]);
    fs_atomic_abort(&o->json);
    wbuf_free(&o->csvb);
    wbuf_free(&o->jsonb);
    free(o->csv);
    free(o->tab);
    free(o->feed);
    free(o->feed_dir);
    free(o->night);
    rmodel_destroy(&o->model);
    db_bg_destroy(&o->bg); /* before the database it works on */
    db_sqlite_destroy(&o->sq);
    db_pg_destroy(&o->pg);
    strmap_destroy(&o->names);
    free(o->dir);
    free(o);
    *po = NULL;
}
