/* table_out.c - result tables as wire records (see table_out.h). */
#include "table_out.h"

#include <stdlib.h>

#include "kpm_err.h"
#include "wire.h"

struct table_out {
    batcher_t *b;
    const char *name; /* of the open table */
    uint64_t tables, rows, table_rows;
    wire_record_t rec;
};

table_out_t *table_out_new(batcher_t *b)
{
    table_out_t *w = calloc(1, sizeof *w);
    if (w) w->b = b;
    return w;
}

void table_out_destroy(table_out_t **w)
{
    if (!w || !*w) return;
    free(*w);
    *w = NULL;
}

int table_out_begin(table_out_t *w, const char *name, int publish, const char *const *cols)
{
    return table_out_begin_merged(w, name, publish, cols, "owner", NULL);
}

int table_out_begin_merged(table_out_t *w, const char *name, int publish, const char *const *cols,
                           const char *merge, const char *const *roles)
{
    wire_table_begin_t *tb = &w->rec.u.table_begin;
    w->rec.kind = WIRE_REC_TABLE_BEGIN;
    tb->name = wire_str(name);
    tb->publish = (uint32_t)publish;
    tb->merge = wire_str(merge);
    tb->n_cols = 0;
    for (size_t i = 0; cols[i] && tb->n_cols < WIRE_MAX_COLS; i += 2) {
        tb->col_merge[tb->n_cols] = wire_str(roles ? roles[i / 2] : "");
        tb->col_names[tb->n_cols] = wire_str(cols[i]);
        tb->col_formats[tb->n_cols++] = wire_str(cols[i + 1]);
    }
    w->name = name;
    w->tables++;
    w->table_rows = 0;
    return batcher_put(w->b, &w->rec);
}

void table_out_row(table_out_t *w)
{
    w->rec.kind = WIRE_REC_TABLE_ROW;
    w->rec.u.table_row.n_cells = 0;
}

static void cell(table_out_t *w, wire_value_t v)
{
    wire_table_row_t *r = &w->rec.u.table_row;
    if (r->n_cells < WIRE_MAX_COLS) r->cells[r->n_cells++] = v;
}

void table_out_int(table_out_t *w, int64_t v)
{
    cell(w, (wire_value_t){.type = WIRE_VAL_INT, .i = v});
}

void table_out_real(table_out_t *w, double v)
{
    cell(w, (wire_value_t){.type = WIRE_VAL_REAL, .r = v});
}

void table_out_str(table_out_t *w, const char *s)
{
    cell(w, (wire_value_t){.type = WIRE_VAL_STR, .s = wire_str(s)});
}

void table_out_strn(table_out_t *w, const char *s, size_t len)
{
    cell(w, (wire_value_t){.type = WIRE_VAL_STR, .s = wire_strn(s, len)});
}

void table_out_nil(table_out_t *w)
{
    cell(w, (wire_value_t){.type = WIRE_VAL_NIL});
}

int table_out_put(table_out_t *w)
{
    w->table_rows++;
    w->rows++;
    return batcher_put(w->b, &w->rec);
}

int table_out_end(table_out_t *w)
{
    w->rec.kind = WIRE_REC_TABLE_END;
    w->rec.u.table_end = (wire_table_end_t){wire_str(w->name), w->table_rows};
    return batcher_put(w->b, &w->rec);
}

uint64_t table_out_tables(const table_out_t *w)
{
    return w->tables;
}

uint64_t table_out_rows(const table_out_t *w)
{
    return w->rows;
}
