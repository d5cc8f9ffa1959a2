/* rtable.c - a result table kept in memory (see rtable.h). */
#include "rtable.h"

#include "kpm_err.h"

#include <stdlib.h>
#include <string.h>

static char *dup_str(wire_str_t s)
{
    char *d = malloc((size_t)s.len + 1);

    if (d == NULL) return NULL;
    if (s.len > 0) memcpy(d, s.ptr, s.len);
    d[s.len] = '\0';
    return d;
}

rtable_t *rtable_new(const wire_table_begin_t *tb)
{
    rtable_t *t = calloc(1, sizeof *t);

    if (t == NULL) return NULL;
    for (uint32_t c = 0; c < tb->n_cols && c < WIRE_MAX_COLS; c++) {
        t->cols[c] = dup_str(tb->col_names[c]);
        t->n_cols = c + 1;
        if (t->cols[c] == NULL) {
            rtable_destroy(&t);
            return NULL;
        }
    }
    return t;
}

void rtable_destroy(rtable_t **pt)
{
    rtable_t *t;

    if (pt == NULL || *pt == NULL) return;
    t = *pt;
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        if (t->cells[i].type == WIRE_VAL_STR) free((char *)t->cells[i].s.ptr);
    }
    for (uint32_t c = 0; c < t->n_cols; c++)
        free(t->cols[c]);
    free(t->cells);
    free(t);
    *pt = NULL;
}

int rtable_add(rtable_t *t, const wire_table_row_t *row)
{
    wire_value_t *dst;

    if (row->n_cells != t->n_cols) return KPM_OK;
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        wire_value_t *n = realloc(t->cells, cap * t->n_cols * sizeof *n);
        if (n == NULL) return KPM_ENOMEM;
        t->cells = n;
        t->cap_rows = cap;
    }
    dst = &t->cells[t->n_rows * t->n_cols];
    for (uint32_t c = 0; c < t->n_cols; c++) {
        dst[c] = row->cells[c];
        if (dst[c].type != WIRE_VAL_STR) continue;
        dst[c].s.ptr = dup_str(row->cells[c].s);
        if (dst[c].s.ptr == NULL) {
            for (uint32_t k = 0; k < c; k++) {
                if (dst[k].type == WIRE_VAL_STR) free((char *)dst[k].s.ptr);
            }
            return KPM_ENOMEM;
        }
    }
    t->n_rows++;
    return KPM_OK;
}

int rtable_col(const rtable_t *t, const char *name)
{
    if (t == NULL) return -1;
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->cols[c], name) == 0) return (int)c;
    }
    return -1;
}

const wire_value_t *rtable_cell(const rtable_t *t, size_t r, int c)
{
    static const wire_value_t nil = {WIRE_VAL_NIL, 0, 0.0, {"", 0}};

    return c < 0 ? &nil : &t->cells[r * t->n_cols + (size_t)c];
}

int64_t rtable_int(const rtable_t *t, size_t r, int c)
{
    const wire_value_t *v = rtable_cell(t, r, c);

    return v->type == WIRE_VAL_INT ? v->i : 0;
}

wire_str_t rtable_str(const rtable_t *t, size_t r, int c)
{
    const wire_value_t *v = rtable_cell(t, r, c);
    wire_str_t none = {"", 0};

    return v->type == WIRE_VAL_STR ? v->s : none;
}

int rtable_is_int(const rtable_t *t, size_t r, int c, int64_t want)
{
    const wire_value_t *v = rtable_cell(t, r, c);

    return v->type == WIRE_VAL_INT && v->i == want;
}

long rtable_find_str(const rtable_t *t, const char *col, wire_str_t s)
{
    int c = rtable_col(t, col);

    for (size_t r = 0; c >= 0 && r < t->n_rows; r++) {
        if (wire_str_same(rtable_str(t, r, c), s)) return (long)r;
    }
    return -1;
}

int rtable_suppressed(const rtable_t *t, size_t r)
{
    return wire_str_eq(rtable_str(t, r, rtable_col(t, "onderdrukt")), "ja");
}

static int int_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

    return (a > b) - (a < b);
}

int rtable_distinct_ints(rtable_t *const *tables, size_t n_tables, const char *col, int64_t **out,
                         size_t *n)
{
    size_t cap = 0;

    *out = NULL;
    *n = 0;
    for (size_t k = 0; k < n_tables; k++) {
        const rtable_t *t = tables[k];
        int cm = rtable_col(t, col);
        for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
            int64_t v = rtable_int(t, r, cm);
            size_t i = 0;
            if (rtable_cell(t, r, cm)->type != WIRE_VAL_INT) continue;
            while (i < *n && (*out)[i] != v)
                i++;
            if (i < *n) continue;
            if (*n == cap) {
                size_t c = cap ? cap * 2 : 8;
                int64_t *p = realloc(*out, c * sizeof *p);
                if (p == NULL) return KPM_ENOMEM;
                *out = p;
                cap = c;
            }
            (*out)[(*n)++] = v;
        }
    }
    if (*n > 1) qsort(*out, *n, sizeof **out, int_cmp);
    return KPM_OK;
}
