/* feed_ref.c - the feed's reference data (see feed_ref.h). */
#include "feed_ref.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvin.h"
#include "kpm_err.h"
#include "values.h"

#define MAX_COLS 5

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    int col[MAX_COLS];
} loader_t;

static int ref_error(loader_t *ld, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ref_error(loader_t *ld, long line, const char *fmt, ...)
{
    int n = snprintf(ld->err, ld->errlen, line > 0 ? "'%s' line %ld: " : "'%s': ", ld->path, line);
    va_list ap;

    if (n >= 0 && (size_t)n < ld->errlen) {
        va_start(ap, fmt);
        vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return KPM_EPARSE;
}

/* The trimmed field of column k. */
static const char *field(const loader_t *ld, const csvin_row_t *row, int k, size_t *len)
{
    size_t f = (size_t)ld->col[k];
    if (f >= row->n) {
        *len = 0;
        return "";
    }
    *len = row->lens[f];
    return val_trim(row->fields[f], len);
}

static int header(loader_t *ld, const csvin_row_t *row, const char *const *names)
{
    for (int k = 0; names[k] != NULL; k++) {
        ld->col[k] = -1;
        for (size_t f = 0; f < row->n; f++) {
            size_t len = row->lens[f];
            const char *s = val_trim(row->fields[f], &len);
            if (val_equals_ci(s, len, names[k])) ld->col[k] = (int)f;
        }
        if (ld->col[k] < 0) return ref_error(ld, row->line, "column '%s' is missing", names[k]);
    }
    return KPM_OK;
}

/* A non-empty UTF-8 text without control characters, copied; NULL with an
 * error in ld otherwise. */
static char *text(loader_t *ld, const csvin_row_t *row, int k, const char *what, int *rc)
{
    size_t len, bad;
    const char *s = field(ld, row, k, &len);
    char *d;

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20) len = 0;
    if (len == 0 || len > 200 || !val_utf8_valid(s, len, &bad)) {
        *rc = ref_error(ld, row->line, "%s is empty, too long or not text", what);
        return NULL;
    }
    if ((d = malloc(len + 1)) == NULL) {
        *rc = ref_error(ld, row->line, "out of memory");
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

static int code(loader_t *ld, const csvin_row_t *row, int k, char out[7])
{
    size_t len;
    const char *s = field(ld, row, k, &len);
    if (val_parse_gemeente(s, len, out) != 0)
        return ref_error(ld, row->line, "'%.*s' is not a gemeente code (GMnnnn)", (int)len, s);
    return KPM_OK;
}

/* Room for element n of an array whose capacity is the power of two >= n. */
static int grow(void **p, size_t n, size_t size)
{
    void *q;
    if (n != 0 && (n & (n - 1)) != 0) return 0;
    q = realloc(*p, (n ? n * 2 : 1) * size);
    if (q == NULL) return -1;
    *p = q;
    return 0;
}

static int add_gemeente(feed_ref_t *r, loader_t *ld, const csvin_row_t *row)
{
    feed_ref_gemeente_t g = {.inwoners = -1};
    size_t len;
    const char *s;
    int rc = KPM_OK;

    if ((rc = code(ld, row, 0, g.code)) != KPM_OK) return rc;
    for (size_t i = 0; i < r->n_gem; i++)
        if (strcmp(r->gem[i].code, g.code) == 0)
            return ref_error(ld, row->line, "gemeente %s comes twice", g.code);
    s = field(ld, row, 3, &len);
    if (len > 0 && val_parse_int(s, len, 1, INT32_MAX, &g.inwoners) != 0)
        return ref_error(ld, row->line, "inwoners '%.*s' is not a whole number > 0", (int)len, s);
    if ((g.naam = text(ld, row, 1, "naam", &rc)) == NULL ||
        (g.provincie = text(ld, row, 2, "provincie", &rc)) == NULL ||
        grow((void **)&r->gem, r->n_gem, sizeof *r->gem) != 0) {
        free(g.naam);
        free(g.provincie);
        return rc != KPM_OK ? rc : ref_error(ld, row->line, "out of memory");
    }
    r->gem[r->n_gem++] = g;
    return KPM_OK;
}

static int add_merger(feed_ref_t *r, loader_t *ld, const csvin_row_t *row)
{
    feed_ref_merger_t m = {0};
    size_t len;
    const char *s;
    int rc;

    if ((rc = code(ld, row, 0, m.oud)) != KPM_OK || (rc = code(ld, row, 2, m.nieuw)) != KPM_OK)
        return rc;
    if (strcmp(m.oud, m.nieuw) == 0)
        return ref_error(ld, row->line, "gemeente %s is merged into itself", m.oud);
    for (size_t i = 0; i < r->n_mrg; i++)
        if (strcmp(r->mrg[i].oud, m.oud) == 0)
            return ref_error(ld, row->line, "gemeente %s is merged twice", m.oud);
    s = field(ld, row, 4, &len);
    if (val_parse_date(s, len, &m.ingang) != 0)
        return ref_error(ld, row->line, "ingang '%.*s' is not a date (YYYY-MM-DD)", (int)len, s);
    if ((m.naam_oud = text(ld, row, 1, "naam_oud", &rc)) == NULL ||
        (m.naam_nieuw = text(ld, row, 3, "naam_nieuw", &rc)) == NULL ||
        grow((void **)&r->mrg, r->n_mrg, sizeof *r->mrg) != 0) {
        free(m.naam_oud);
        free(m.naam_nieuw);
        return rc != KPM_OK ? rc : ref_error(ld, row->line, "out of memory");
    }
    r->mrg[r->n_mrg++] = m;
    return KPM_OK;
}

typedef int (*add_fn)(feed_ref_t *r, loader_t *ld, const csvin_row_t *row);

static int load_file(feed_ref_t *r, const char *path, int optional, const char *const *cols,
                     add_fn add, char *err, size_t errlen)
{
    loader_t ld = {.path = path, .err = err, .errlen = errlen};
    csvin_row_t row;
    csvin_t *in;
    struct stat st;
    int rc, first = 1;

    if (path == NULL || (optional && stat(path, &st) != 0 && errno == ENOENT)) return KPM_OK;
    if ((in = csvin_open(path, err, errlen)) == NULL) return KPM_EIO;
    while ((rc = csvin_next(in, &row)) == 1) {
        if (row.unterminated || row.bad_quote || row.too_wide || row.field_too_long) {
            rc = ref_error(&ld, row.line, "the row is not valid CSV");
            break;
        }
        rc = first ? header(&ld, &row, cols) : add(r, &ld, &row);
        first = 0;
        if (rc != KPM_OK) break;
    }
    if (rc < 0 && rc != KPM_EPARSE) snprintf(err, errlen, "'%s': %s", path, csvin_error(in));
    csvin_close(&in);
    return rc > 0 ? KPM_OK : rc;
}

feed_ref_t *feed_ref_load(const char *gemeenten, int gemeenten_optional, const char *mergers,
                          int mergers_optional, char *err, size_t errlen)
{
    static const char *const gem_cols[] = {"gemeente_code", "naam", "provincie", "inwoners", NULL};
    static const char *const mrg_cols[] = {"gemeente_code_oud", "naam_oud", "gemeente_code_nieuw",
                                           "naam_nieuw",        "ingang",   NULL};
    feed_ref_t *r = calloc(1, sizeof *r);

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (gemeenten != NULL) {
        const char *base = strrchr(gemeenten, '/');
        r->gem_jaar = val_year_in_name(base != NULL ? base + 1 : gemeenten);
    }
    if (load_file(r, gemeenten, gemeenten_optional, gem_cols, add_gemeente, err, errlen) !=
            KPM_OK ||
        load_file(r, mergers, mergers_optional, mrg_cols, add_merger, err, errlen) != KPM_OK)
        feed_ref_destroy(&r);
    return r;
}

void feed_ref_destroy(feed_ref_t **pr)
{
    feed_ref_t *r;

    if (pr == NULL || *pr == NULL) return;
    r = *pr;
    for (size_t i = 0; i < r->n_gem; i++) {
        free(r->gem[i].naam);
        free(r->gem[i].provincie);
    }
    for (size_t i = 0; i < r->n_mrg; i++) {
        free(r->mrg[i].naam_oud);
        free(r->mrg[i].naam_nieuw);
    }
    free(r->gem);
    free(r->mrg);
    free(r);
    *pr = NULL;
}
