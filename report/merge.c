/* merge.c - merging the aggregate workers' result tables (see merge.h).
 *
 * Each worker keeps its tables ("parts") in the order it sent them. A part holds
 * a copy of its TABLE_BEGIN (one block of NUL-terminated strings, with the merge
 * and the column roles parsed) and its rows packed into one growable buffer:
 * per cell a type byte, then an int64 or a double (8 bytes) or a string (a
 * uint32 length and the bytes). Rows are only ever read front to back, so a
 * read offset per worker is all the k-way merge of merge_emit() needs.
 */
#include "merge.h"

#include "kpm_err.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MERGE_OWNER, MERGE_UNION, MERGE_SUM };
enum { ROLE_NONE, ROLE_KEY, ROLE_SUM, ROLE_SAME, ROLE_RATIO };

typedef struct {
    wire_table_begin_t tb;       /* views into strs */
    char *strs;                  /* the definition's strings, owned, NUL-terminated */
    int merge;                   /* MERGE_* */
    uint8_t role[WIRE_MAX_COLS]; /* ROLE_* */
    uint8_t num[WIRE_MAX_COLS];  /* ratio columns: the operands' columns */
    uint8_t den[WIRE_MAX_COLS];
    double scale[WIRE_MAX_COLS];
    uint32_t n_keys;
    uint8_t keys[WIRE_MAX_COLS]; /* the key columns, in column order */
    uint32_t n_out;
    uint8_t out[WIRE_MAX_COLS]; /* the columns emitted (not helpers) */
    uint8_t *data;              /* packed rows */
    size_t len, cap;
    size_t last; /* offset of the last row in data */
    uint64_t n_rows;
    size_t match; /* merge_emit: worker 0's part of this name */
} part_t;

typedef struct {
    part_t *parts; /* in the order sent */
    size_t n_parts, cap_parts;
    int open; /* the last part has not ended */
} worker_t;

struct merge {
    size_t n_workers;
    worker_t *workers;
    /* merge_emit's cursors, one per worker */
    part_t **tp;            /* the worker's part of the table being merged, or NULL */
    size_t *pos;            /* read offset in tp's data */
    size_t *hlen;           /* bytes of the decoded head row */
    uint64_t *left;         /* rows not yet read */
    wire_table_row_t *head; /* the decoded head row */
    wire_table_row_t acc;   /* a combined row; also scratch for the order check */
    uint64_t tables, rows;
    char err[512];
};

static int fail(merge_t *m, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(merge_t *m, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->err, sizeof m->err, fmt, ap);
    va_end(ap);
    return rc;
}

#define STR_ARG(s) (int)(s).len, (s).ptr /* a wire_str_t for "%.*s" */

/* ---- comparing and combining cells ------------------------------------------- */

static int val_rank(const wire_value_t *v)
{
    switch (v->type) {
    case WIRE_VAL_INT:
    case WIRE_VAL_REAL:
        return 1;
    case WIRE_VAL_STR:
        return 2;
    default:
        return 0;
    }
}

/* i against r, exactly (no rounding of i to a double); r is not NaN. */
static int cmp_int_real(int64_t i, double r)
{
    int64_t t;

    if (r >= 9223372036854775808.0) return -1;
    if (r < -9223372036854775808.0) return 1;
    t = (int64_t)r; /* r truncated towards zero, exact */
    if (i != t) return i < t ? -1 : 1;
    if (r > (double)t) return -1;
    if (r < (double)t) return 1;
    return 0;
}

static int val_cmp(const wire_value_t *a, const wire_value_t *b)
{
    int ra = val_rank(a), rb = val_rank(b);

    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra == 0) return 0;
    if (ra == 2) {
        uint32_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
        int c = n > 0 ? memcmp(a->s.ptr, b->s.ptr, n) : 0;
        if (c != 0) return c < 0 ? -1 : 1;
        if (a->s.len != b->s.len) return a->s.len < b->s.len ? -1 : 1;
        return 0;
    }
    if (a->type == WIRE_VAL_INT && b->type == WIRE_VAL_INT)
        return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
    if (a->type == WIRE_VAL_REAL && b->type == WIRE_VAL_REAL)
        return a->r < b->r ? -1 : a->r > b->r ? 1 : 0;
    if (a->type == WIRE_VAL_INT) return cmp_int_real(a->i, b->r);
    return -cmp_int_real(b->i, a->r);
}

static int key_cmp(const part_t *p, const wire_value_t *a, const wire_value_t *b)
{
    for (uint32_t k = 0; k < p->n_keys; k++) {
        int c = val_cmp(&a[p->keys[k]], &b[p->keys[k]]);
        if (c != 0) return c;
    }
    return 0;
}

static int val_same(const wire_value_t *a, const wire_value_t *b)
{
    if (a->type != b->type) return 0;
    switch (a->type) {
    case WIRE_VAL_INT:
        return a->i == b->i;
    case WIRE_VAL_REAL:
        return a->r == b->r || (isnan(a->r) && isnan(b->r));
    case WIRE_VAL_STR:
        return wire_str_same(a->s, b->s);
    default:
        return 1;
    }
}

/* "name=value, name=value" of the key cells of a row, for messages. */
static const char *key_text(const part_t *p, const wire_value_t *cells, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (uint32_t k = 0; k < p->n_keys && used < size; k++) {
        const wire_value_t *v = &cells[p->keys[k]];
        wire_str_t name = p->tb.col_names[p->keys[k]];
        const char *sep = k > 0 ? ", " : "";
        int n;

        switch (v->type) {
        case WIRE_VAL_INT:
            n = snprintf(buf + used, size - used, "%s%.*s=%lld", sep, STR_ARG(name),
                         (long long)v->i);
            break;
        case WIRE_VAL_REAL:
            n = snprintf(buf + used, size - used, "%s%.*s=%.17g", sep, STR_ARG(name), v->r);
            break;
        case WIRE_VAL_STR:
            n = snprintf(buf + used, size - used, "%s%.*s='%.*s'", sep, STR_ARG(name),
                         (int)(v->s.len < 64 ? v->s.len : 64), v->s.ptr);
            break;
        default:
            n = snprintf(buf + used, size - used, "%s%.*s=nil", sep, STR_ARG(name));
            break;
        }
        if (n < 0) break;
        used += (size_t)n;
    }
    return buf;
}

/* ---- a table's definition ----------------------------------------------------- */

static void part_free(part_t *p)
{
    free(p->strs);
    free(p->data);
    memset(p, 0, sizeof *p);
}

/* Copies tb into p (p->tb's views then point into p->strs). */
static int def_copy(part_t *p, const wire_table_begin_t *tb)
{
    const wire_str_t *src[3 + 3 * WIRE_MAX_COLS];
    wire_str_t *dst[3 + 3 * WIRE_MAX_COLS];
    size_t n = 0, total = 0;
    char *q;

    p->tb.publish = tb->publish;
    p->tb.n_cols = tb->n_cols;
    src[n] = &tb->name, dst[n++] = &p->tb.name;
    src[n] = &tb->merge, dst[n++] = &p->tb.merge;
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        src[n] = &tb->col_names[c], dst[n++] = &p->tb.col_names[c];
        src[n] = &tb->col_formats[c], dst[n++] = &p->tb.col_formats[c];
        src[n] = &tb->col_merge[c], dst[n++] = &p->tb.col_merge[c];
    }
    for (size_t i = 0; i < n; i++)
        total += (size_t)src[i]->len + 1;
    p->strs = malloc(total);
    if (p->strs == NULL) return KPM_ENOMEM;
    q = p->strs;
    for (size_t i = 0; i < n; i++) {
        if (src[i]->len > 0) memcpy(q, src[i]->ptr, src[i]->len);
        q[src[i]->len] = '\0';
        dst[i]->ptr = q;
        dst[i]->len = src[i]->len;
        q += src[i]->len + 1;
    }
    return KPM_OK;
}

static int col_find(const part_t *p, const char *name, size_t len)
{
    for (uint32_t c = 0; c < p->tb.n_cols; c++) {
        wire_str_t n = p->tb.col_names[c];
        if (n.len == len && memcmp(n.ptr, name, len) == 0) return (int)c;
    }
    return -1;
}

/* Parses "ratio NUM DEN SCALE" (role is NUL-terminated) into column c. */
static int ratio_parse(merge_t *m, part_t *p, uint32_t c)
{
    const char *tok[5];
    size_t tlen[5], n = 0;
    const char *s = p->tb.col_merge[c].ptr;
    char *end;
    int num, den;

    while (*s != '\0') {
        const char *e;
        if (*s == ' ') {
            s++;
            continue;
        }
        for (e = s; *e != '\0' && *e != ' '; e++) {
        }
        if (n == 5) break;
        tok[n] = s;
        tlen[n++] = (size_t)(e - s);
        s = e;
    }
    if (n != 4) goto bad;
    num = col_find(p, tok[1], tlen[1]);
    den = col_find(p, tok[2], tlen[2]);
    if (num < 0 || den < 0)
        return fail(m, KPM_EPROTO,
                    "table '%.*s': column '%.*s' is a ratio of unknown column '%.*s'",
                    STR_ARG(p->tb.name), STR_ARG(p->tb.col_names[c]),
                    (int)(num < 0 ? tlen[1] : tlen[2]), num < 0 ? tok[1] : tok[2]);
    p->scale[c] = strtod(tok[3], &end); /* the last token: ends at the role's NUL */
    if (end != tok[3] + tlen[3] || !isfinite(p->scale[c])) goto bad;
    p->num[c] = (uint8_t)num;
    p->den[c] = (uint8_t)den;
    return KPM_OK;
bad:
    return fail(m, KPM_EPROTO, "table '%.*s': column '%.*s' has a malformed ratio '%.*s'",
                STR_ARG(p->tb.name), STR_ARG(p->tb.col_names[c]), STR_ARG(p->tb.col_merge[c]));
}

static int role_parse(wire_str_t r)
{
    if (r.len == 0) return ROLE_NONE;
    if (wire_str_eq(r, "key")) return ROLE_KEY;
    if (wire_str_eq(r, "sum")) return ROLE_SUM;
    if (wire_str_eq(r, "same")) return ROLE_SAME;
    if (r.len > 6 && memcmp(r.ptr, "ratio ", 6) == 0) return ROLE_RATIO;
    return -1;
}

/* Parses the merge and the roles of p's (copied) definition. */
static int def_parse(merge_t *m, size_t worker, part_t *p)
{
    static const char *const roles[] = {"", "key", "sum", "same", "ratio"};
    wire_str_t name = p->tb.name;

    if (wire_str_eq(p->tb.merge, "owner"))
        p->merge = MERGE_OWNER;
    else if (wire_str_eq(p->tb.merge, "union"))
        p->merge = MERGE_UNION;
    else if (wire_str_eq(p->tb.merge, "sum"))
        p->merge = MERGE_SUM;
    else
        return fail(m, KPM_EPROTO, "table '%.*s' has an unknown merge '%.*s'", STR_ARG(name),
                    STR_ARG(p->tb.merge));
    if (p->merge == MERGE_OWNER && worker > 0)
        return fail(m, KPM_EPROTO, "worker %zu sent table '%.*s', which only worker 0 sends",
                    worker, STR_ARG(name));
    for (uint32_t c = 0; c < p->tb.n_cols; c++) {
        int role = role_parse(p->tb.col_merge[c]);
        int fit;

        if (role < 0)
            return fail(m, KPM_EPROTO, "table '%.*s': column '%.*s' has an unknown role '%.*s'",
                        STR_ARG(name), STR_ARG(p->tb.col_names[c]), STR_ARG(p->tb.col_merge[c]));
        if (p->merge == MERGE_SUM)
            fit = role != ROLE_NONE;
        else
            fit = role == ROLE_NONE || role == ROLE_KEY;
        if (!fit)
            return fail(
                m, KPM_EPROTO, "table '%.*s': column '%.*s' has role '%s', unfit for merge '%.*s'",
                STR_ARG(name), STR_ARG(p->tb.col_names[c]), roles[role], STR_ARG(p->tb.merge));
        p->role[c] = (uint8_t)role;
        if (role == ROLE_KEY) p->keys[p->n_keys++] = (uint8_t)c;
        if (p->tb.col_names[c].len == 0 || p->tb.col_names[c].ptr[0] != '_')
            p->out[p->n_out++] = (uint8_t)c;
    }
    for (uint32_t c = 0; c < p->tb.n_cols; c++) {
        int rc;
        if (p->role[c] != ROLE_RATIO) continue;
        rc = ratio_parse(m, p, c);
        if (rc != KPM_OK) return rc;
        if (p->role[p->num[c]] == ROLE_RATIO || p->role[p->den[c]] == ROLE_RATIO)
            return fail(m, KPM_EPROTO, "table '%.*s': ratio column '%.*s' refers to a ratio column",
                        STR_ARG(name), STR_ARG(p->tb.col_names[c]));
    }
    return KPM_OK;
}

/* What differs between two definitions of a table ("" when nothing). */
static const char *def_diff(const part_t *a, const part_t *b, char *buf, size_t size)
{
    if (a->tb.publish != b->tb.publish) return "publish flag";
    if (!wire_str_same(a->tb.merge, b->tb.merge)) return "merge";
    if (a->tb.n_cols != b->tb.n_cols) return "number of columns";
    for (uint32_t c = 0; c < a->tb.n_cols; c++) {
        const char *what = NULL;
        if (!wire_str_same(a->tb.col_names[c], b->tb.col_names[c]))
            what = "name";
        else if (!wire_str_same(a->tb.col_formats[c], b->tb.col_formats[c]))
            what = "format";
        else if (!wire_str_same(a->tb.col_merge[c], b->tb.col_merge[c]))
            what = "role";
        if (what != NULL) {
            snprintf(buf, size, "%s of column %u ('%.*s')", what, c + 1,
                     STR_ARG(a->tb.col_names[c]));
            return buf;
        }
    }
    return "";
}

/* ---- packed rows ------------------------------------------------------------- */

static size_t row_size(const wire_table_row_t *row)
{
    size_t n = 0;

    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        n += 1;
        if (v->type == WIRE_VAL_INT || v->type == WIRE_VAL_REAL) n += 8;
        if (v->type == WIRE_VAL_STR) n += 4 + (size_t)v->s.len;
    }
    return n;
}

static int reserve(part_t *p, size_t n)
{
    size_t cap = p->cap ? p->cap : 1024;
    uint8_t *d;

    if (p->cap - p->len >= n) return KPM_OK;
    while (cap - p->len < n) {
        if (cap > SIZE_MAX / 2) return KPM_ENOMEM;
        cap *= 2;
    }
    d = realloc(p->data, cap);
    if (d == NULL) return KPM_ENOMEM;
    p->data = d;
    p->cap = cap;
    return KPM_OK;
}

static void row_pack(part_t *p, const wire_table_row_t *row)
{
    uint8_t *q = p->data + p->len;

    for (uint32_t c = 0; c < row->n_cells; c++) {
        const wire_value_t *v = &row->cells[c];
        *q++ = (uint8_t)v->type;
        switch (v->type) {
        case WIRE_VAL_INT:
            memcpy(q, &v->i, 8);
            q += 8;
            break;
        case WIRE_VAL_REAL:
            memcpy(q, &v->r, 8);
            q += 8;
            break;
        case WIRE_VAL_STR:
            memcpy(q, &v->s.len, 4);
            if (v->s.len > 0) memcpy(q + 4, v->s.ptr, v->s.len);
            q += 4 + (size_t)v->s.len;
            break;
        default:
            break;
        }
    }
    p->len = (size_t)(q - p->data);
}

/* Decodes the n cells of the row at p into cells (strings are views into the
 * packed buffer); returns the row's bytes. */
static size_t row_unpack(const uint8_t *p, uint32_t n, wire_value_t *cells)
{
    const uint8_t *q = p;

    for (uint32_t c = 0; c < n; c++) {
        wire_value_t *v = &cells[c];
        memset(v, 0, sizeof *v);
        v->type = (wire_val_type_t)*q++;
        switch (v->type) {
        case WIRE_VAL_INT:
            memcpy(&v->i, q, 8);
            q += 8;
            break;
        case WIRE_VAL_REAL:
            memcpy(&v->r, q, 8);
            q += 8;
            break;
        case WIRE_VAL_STR:
            memcpy(&v->s.len, q, 4);
            v->s.ptr = (const char *)q + 4;
            q += 4 + (size_t)v->s.len;
            break;
        default:
            v->s.ptr = "";
            break;
        }
    }
    return (size_t)(q - p);
}

/* ---- feeding ------------------------------------------------------------------ */

merge_t *merge_new(size_t n_workers)
{
    merge_t *m;

    if (n_workers == 0) return NULL;
    m = calloc(1, sizeof *m);
    if (m == NULL) return NULL;
    m->n_workers = n_workers;
    m->workers = calloc(n_workers, sizeof *m->workers);
    m->tp = calloc(n_workers, sizeof *m->tp);
    m->pos = calloc(n_workers, sizeof *m->pos);
    m->hlen = calloc(n_workers, sizeof *m->hlen);
    m->left = calloc(n_workers, sizeof *m->left);
    m->head = calloc(n_workers, sizeof *m->head);
    if (m->workers == NULL || m->tp == NULL || m->pos == NULL || m->hlen == NULL ||
        m->left == NULL || m->head == NULL)
        merge_destroy(&m);
    return m;
}

void merge_reset(merge_t *m, size_t worker)
{
    worker_t *w;

    if (m == NULL || worker >= m->n_workers) return;
    w = &m->workers[worker];
    for (size_t i = 0; i < w->n_parts; i++)
        part_free(&w->parts[i]);
    w->n_parts = 0;
    w->open = 0;
}

void merge_destroy(merge_t **pm)
{
    merge_t *m;

    if (pm == NULL || *pm == NULL) return;
    m = *pm;
    if (m->workers != NULL) {
        for (size_t k = 0; k < m->n_workers; k++) {
            merge_reset(m, k);
            free(m->workers[k].parts);
        }
    }
    free(m->workers);
    free(m->tp);
    free(m->pos);
    free(m->hlen);
    free(m->left);
    free(m->head);
    free(m);
    *pm = NULL;
}

static worker_t *worker_of(merge_t *m, size_t worker)
{
    m->err[0] = '\0';
    if (worker >= m->n_workers) {
        fail(m, KPM_EINVAL, "worker %zu is not one of the %zu workers", worker, m->n_workers);
        return NULL;
    }
    return &m->workers[worker];
}

int merge_table_begin(merge_t *m, size_t worker, const wire_table_begin_t *tb)
{
    worker_t *w = worker_of(m, worker);
    part_t *p;
    int rc;

    if (w == NULL) return KPM_EINVAL;
    if (w->open)
        return fail(m, KPM_EPROTO, "worker %zu began table '%.*s' while table '%.*s' was open",
                    worker, STR_ARG(tb->name), STR_ARG(w->parts[w->n_parts - 1].tb.name));
    if (tb->n_cols > WIRE_MAX_COLS)
        return fail(m, KPM_EPROTO, "worker %zu sent table '%.*s' with %u columns (at most %d)",
                    worker, STR_ARG(tb->name), tb->n_cols, WIRE_MAX_COLS);
    for (size_t i = 0; i < w->n_parts; i++) {
        if (wire_str_same(w->parts[i].tb.name, tb->name))
            return fail(m, KPM_EPROTO, "worker %zu sent table '%.*s' twice", worker,
                        STR_ARG(tb->name));
    }
    if (w->n_parts == w->cap_parts) {
        size_t cap = w->cap_parts ? w->cap_parts * 2 : 16;
        part_t *n = realloc(w->parts, cap * sizeof *n);
        if (n == NULL) return KPM_ENOMEM;
        w->parts = n;
        w->cap_parts = cap;
    }
    p = &w->parts[w->n_parts];
    memset(p, 0, sizeof *p);
    rc = def_copy(p, tb);
    if (rc == KPM_OK) rc = def_parse(m, worker, p);
    if (rc != KPM_OK) {
        part_free(p);
        return rc;
    }
    w->n_parts++;
    w->open = 1;
    return KPM_OK;
}

/* Checks a row of p's table before it is kept (R: its number from 1). */
static int row_check(merge_t *m, size_t worker, part_t *p, const wire_table_row_t *row)
{
    uint64_t r = p->n_rows + 1;
    char key[256];
    int c;

    for (uint32_t i = 0; i < row->n_cells; i++) {
        const wire_value_t *v = &row->cells[i];
        if (v->type != WIRE_VAL_NIL && v->type != WIRE_VAL_INT && v->type != WIRE_VAL_REAL &&
            v->type != WIRE_VAL_STR)
            return fail(m, KPM_EPROTO,
                        "worker %zu sent a cell of unknown type in table '%.*s' at row %llu",
                        worker, STR_ARG(p->tb.name), (unsigned long long)r);
        if (p->merge == MERGE_OWNER) continue;
        if (p->role[i] == ROLE_KEY && v->type == WIRE_VAL_REAL && isnan(v->r))
            return fail(m, KPM_EPROTO,
                        "worker %zu sent NaN in key column '%.*s' of table '%.*s' at row %llu",
                        worker, STR_ARG(p->tb.col_names[i]), STR_ARG(p->tb.name),
                        (unsigned long long)r);
        if (p->role[i] == ROLE_SUM && v->type == WIRE_VAL_STR)
            return fail(m, KPM_EPROTO,
                        "worker %zu sent text in sum column '%.*s' of table '%.*s' at row %llu",
                        worker, STR_ARG(p->tb.col_names[i]), STR_ARG(p->tb.name),
                        (unsigned long long)r);
    }
    if (p->merge == MERGE_OWNER || p->n_rows == 0) return KPM_OK;
    row_unpack(p->data + p->last, p->tb.n_cols, m->acc.cells);
    c = key_cmp(p, m->acc.cells, row->cells);
    if (c > 0)
        return fail(m, KPM_EPROTO, "worker %zu sent table '%.*s' out of key order at row %llu",
                    worker, STR_ARG(p->tb.name), (unsigned long long)r);
    if (c == 0 && p->merge == MERGE_SUM)
        return fail(m, KPM_EPROTO, "worker %zu sent key (%s) of table '%.*s' twice, at row %llu",
                    worker, key_text(p, row->cells, key, sizeof key), STR_ARG(p->tb.name),
                    (unsigned long long)r);
    return KPM_OK;
}

int merge_table_row(merge_t *m, size_t worker, const wire_table_row_t *row)
{
    worker_t *w = worker_of(m, worker);
    part_t *p;
    size_t size;
    int rc;

    if (w == NULL) return KPM_EINVAL;
    if (!w->open) return fail(m, KPM_EPROTO, "worker %zu sent a table row outside a table", worker);
    p = &w->parts[w->n_parts - 1];
    if (row->n_cells != p->tb.n_cols)
        return fail(m, KPM_EPROTO,
                    "worker %zu sent a row of %u cells for table '%.*s' of %u columns", worker,
                    row->n_cells, STR_ARG(p->tb.name), p->tb.n_cols);
    rc = row_check(m, worker, p, row);
    if (rc != KPM_OK) return rc;
    size = row_size(row);
    rc = reserve(p, size);
    if (rc != KPM_OK) return rc;
    p->last = p->len;
    row_pack(p, row);
    p->n_rows++;
    return KPM_OK;
}

int merge_table_end(merge_t *m, size_t worker, const wire_table_end_t *te)
{
    worker_t *w = worker_of(m, worker);
    part_t *p;

    if (w == NULL) return KPM_EINVAL;
    if (!w->open)
        return fail(m, KPM_EPROTO, "worker %zu sent the end of table '%.*s' outside a table",
                    worker, STR_ARG(te->name));
    p = &w->parts[w->n_parts - 1];
    if (!wire_str_same(te->name, p->tb.name))
        return fail(m, KPM_EPROTO, "worker %zu ended table '%.*s' while table '%.*s' was open",
                    worker, STR_ARG(te->name), STR_ARG(p->tb.name));
    if (te->rows != p->n_rows)
        return fail(m, KPM_EPROTO, "worker %zu ended table '%.*s' with %llu rows, but sent %llu",
                    worker, STR_ARG(p->tb.name), (unsigned long long)te->rows,
                    (unsigned long long)p->n_rows);
    w->open = 0;
    return KPM_OK;
}

/* ---- emitting ----------------------------------------------------------------- */

/* Every stream complete, every table of workers k > 0 also worker 0's and
 * defined alike (p->match set). */
static int emit_check(merge_t *m)
{
    const worker_t *w0 = &m->workers[0];
    char buf[160];

    for (size_t k = 0; k < m->n_workers; k++) {
        const worker_t *w = &m->workers[k];
        if (w->open)
            return fail(m, KPM_EPROTO, "worker %zu's table '%.*s' is still open", k,
                        STR_ARG(w->parts[w->n_parts - 1].tb.name));
    }
    for (size_t k = 1; k < m->n_workers; k++) {
        worker_t *w = &m->workers[k];
        for (size_t i = 0; i < w->n_parts; i++) {
            part_t *p = &w->parts[i];
            const char *diff;
            size_t j;

            for (j = 0; j < w0->n_parts; j++) {
                if (wire_str_same(w0->parts[j].tb.name, p->tb.name)) break;
            }
            if (j == w0->n_parts)
                return fail(m, KPM_EPROTO,
                            "worker %zu sent table '%.*s', which worker 0 did not send", k,
                            STR_ARG(p->tb.name));
            diff = def_diff(&w0->parts[j], p, buf, sizeof buf);
            if (diff[0] != '\0')
                return fail(m, KPM_EPROTO,
                            "worker %zu sent table '%.*s' with another %s than worker 0", k,
                            STR_ARG(p->tb.name), diff);
            p->match = j;
        }
    }
    return KPM_OK;
}

static int head_load(merge_t *m, size_t k)
{
    const part_t *p = m->tp[k];

    if (p == NULL || m->left[k] == 0) return 0;
    m->hlen[k] = row_unpack(p->data + m->pos[k], p->tb.n_cols, m->head[k].cells);
    m->head[k].n_cells = p->tb.n_cols;
    return 1;
}

static void head_next(merge_t *m, size_t k)
{
    m->pos[k] += m->hlen[k];
    m->left[k]--;
}

/* Adds worker k's head row into m->acc (a row of the same key). */
static int combine(merge_t *m, const part_t *d, size_t first, size_t k)
{
    const wire_value_t *src = m->head[k].cells;
    wire_value_t *acc = m->acc.cells;
    char key[256];

    for (uint32_t c = 0; c < d->tb.n_cols; c++) {
        wire_value_t *a = &acc[c];
        const wire_value_t *b = &src[c];

        if (d->role[c] == ROLE_SAME && !val_same(a, b))
            return fail(
                m, KPM_EPROTO,
                "table '%.*s': column '%.*s' differs between workers %zu and %zu at key (%s)",
                STR_ARG(d->tb.name), STR_ARG(d->tb.col_names[c]), first, k,
                key_text(d, acc, key, sizeof key));
        if (d->role[c] != ROLE_SUM || b->type == WIRE_VAL_NIL) continue;
        if (a->type == WIRE_VAL_NIL) {
            *a = *b;
        } else if (a->type == WIRE_VAL_INT && b->type == WIRE_VAL_INT) {
            if ((b->i > 0 && a->i > INT64_MAX - b->i) || (b->i < 0 && a->i < INT64_MIN - b->i))
                return fail(m, KPM_EPROTO,
                            "table '%.*s': the sum of column '%.*s' overflows at key (%s)",
                            STR_ARG(d->tb.name), STR_ARG(d->tb.col_names[c]),
                            key_text(d, acc, key, sizeof key));
            a->i += b->i;
        } else if (a->type == WIRE_VAL_REAL && b->type == WIRE_VAL_REAL) {
            a->r += b->r;
        } else {
            return fail(m, KPM_EPROTO,
                        "table '%.*s': column '%.*s' adds cells of different types at key (%s)",
                        STR_ARG(d->tb.name), STR_ARG(d->tb.col_names[c]),
                        key_text(d, acc, key, sizeof key));
        }
    }
    return KPM_OK;
}

/* Recomputes the ratio cells of m->acc. */
static int ratios(merge_t *m, const part_t *d)
{
    wire_value_t *acc = m->acc.cells;
    char key[256];

    for (uint32_t c = 0; c < d->tb.n_cols; c++) {
        const wire_value_t *num = &acc[d->num[c]], *den = &acc[d->den[c]];
        double nd, dd;

        if (d->role[c] != ROLE_RATIO) continue;
        if (num->type == WIRE_VAL_STR || den->type == WIRE_VAL_STR)
            return fail(m, KPM_EPROTO,
                        "table '%.*s': ratio column '%.*s' refers to text at key (%s)",
                        STR_ARG(d->tb.name), STR_ARG(d->tb.col_names[c]),
                        key_text(d, acc, key, sizeof key));
        memset(&acc[c], 0, sizeof acc[c]);
        acc[c].type = WIRE_VAL_NIL;
        acc[c].s.ptr = "";
        if (num->type == WIRE_VAL_NIL || den->type == WIRE_VAL_NIL) continue;
        nd = num->type == WIRE_VAL_INT ? (double)num->i : num->r;
        dd = den->type == WIRE_VAL_INT ? (double)den->i : den->r;
        if (!(dd > 0)) continue;
        acc[c].type = WIRE_VAL_REAL;
        acc[c].r = d->scale[c] * nd / dd;
    }
    return KPM_OK;
}

static int emit_row(merge_t *m, const part_t *d, const wire_value_t *cells,
                    const merge_sink_t *sink, void *ctx)
{
    wire_table_row_t out;
    int rc;

    if (sink == NULL) return KPM_OK;
    out.n_cells = d->n_out;
    for (uint32_t o = 0; o < d->n_out; o++)
        out.cells[o] = cells[d->out[o]];
    rc = sink->row(ctx, &out);
    if (rc == KPM_OK) m->rows++;
    return rc;
}

/* Merges table j of worker 0 (and the other workers' parts of it) into sink;
 * sink NULL: only checks. */
static int emit_table(merge_t *m, size_t j, const merge_sink_t *sink, void *ctx)
{
    const part_t *d = &m->workers[0].parts[j];
    uint64_t count = 0;
    int rc;

    for (size_t k = 0; k < m->n_workers; k++) {
        m->tp[k] = NULL;
        if (k == 0) {
            m->tp[k] = &m->workers[0].parts[j];
        } else if (d->merge != MERGE_OWNER) {
            worker_t *w = &m->workers[k];
            for (size_t i = 0; i < w->n_parts; i++) {
                if (w->parts[i].match == j) m->tp[k] = &w->parts[i];
            }
        }
        m->pos[k] = 0;
        m->left[k] = m->tp[k] ? m->tp[k]->n_rows : 0;
    }
    if (sink != NULL) {
        wire_table_begin_t tb;
        memset(&tb, 0, sizeof tb);
        tb.name = d->tb.name;
        tb.publish = d->tb.publish;
        tb.merge = d->tb.merge;
        tb.n_cols = d->n_out;
        for (uint32_t o = 0; o < d->n_out; o++) {
            tb.col_names[o] = d->tb.col_names[d->out[o]];
            tb.col_formats[o] = d->tb.col_formats[d->out[o]];
            tb.col_merge[o] = d->tb.col_merge[d->out[o]];
        }
        rc = sink->begin(ctx, &tb);
        if (rc != KPM_OK) return rc;
    }
    for (size_t k = 0; k < m->n_workers; k++)
        head_load(m, k);
    for (;;) {
        size_t best = SIZE_MAX;

        /* The smallest head; on equal keys the lowest worker. */
        for (size_t k = 0; k < m->n_workers; k++) {
            if (m->left[k] == 0) continue;
            if (best == SIZE_MAX || key_cmp(d, m->head[k].cells, m->head[best].cells) < 0) best = k;
        }
        if (best == SIZE_MAX) break;
        if (d->merge != MERGE_SUM) {
            rc = emit_row(m, d, m->head[best].cells, sink, ctx);
        } else {
            m->acc = m->head[best];
            for (size_t k = best + 1; k < m->n_workers; k++) {
                if (m->left[k] == 0 || key_cmp(d, m->head[k].cells, m->acc.cells) != 0) continue;
                rc = combine(m, d, best, k);
                if (rc != KPM_OK) return rc;
                head_next(m, k);
                head_load(m, k);
            }
            rc = ratios(m, d);
            if (rc == KPM_OK) rc = emit_row(m, d, m->acc.cells, sink, ctx);
        }
        if (rc != KPM_OK) return rc;
        count++;
        head_next(m, best);
        head_load(m, best);
    }
    if (sink != NULL) {
        wire_table_end_t te = {d->tb.name, count};
        rc = sink->end(ctx, &te);
        if (rc != KPM_OK) return rc;
        m->tables++;
    }
    return KPM_OK;
}

int merge_emit(merge_t *m, const merge_sink_t *sink, void *ctx)
{
    size_t n = m->workers[0].n_parts;
    int rc;

    m->err[0] = '\0';
    m->tables = 0;
    m->rows = 0;
    rc = emit_check(m);
    /* A dry run first, so that a protocol error leaves the sink untouched. */
    for (size_t j = 0; j < n && rc == KPM_OK; j++)
        rc = emit_table(m, j, NULL, NULL);
    for (size_t j = 0; j < n && rc == KPM_OK; j++)
        rc = emit_table(m, j, sink, ctx);
    return rc;
}

const char *merge_error(const merge_t *m)
{
    return m->err;
}

uint64_t merge_tables(const merge_t *m)
{
    return m->tables;
}

uint64_t merge_rows(const merge_t *m)
{
    return m->rows;
}
