/* filelist.c - the files of a night (see filelist.h). */
#include "filelist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"

static int same_name(const char *name, wire_str_t s)
{
    return strlen(name) == s.len && (s.len == 0 || memcmp(name, s.ptr, s.len) == 0);
}

int filelist_put(filelist_t *l, const wire_file_end_t *fe)
{
    size_t at = 0;
    while (at < l->n && !same_name(l->v[at].file, fe->file))
        at++;
    if (at == l->n) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 16;
            filelist_entry_t *v = realloc(l->v, cap * sizeof *v);
            if (!v) return KPM_ENOMEM;
            l->v = v;
            l->cap = cap;
        }
        if (!(l->v[at].file = strndup(fe->file.len ? fe->file.ptr : "", fe->file.len)))
            return KPM_ENOMEM;
        l->n++;
    }
    filelist_entry_t *e = &l->v[at];
    e->rows = fe->rows;
    e->accepted = fe->accepted;
    e->rejected = fe->rejected;
    snprintf(e->sha256, sizeof e->sha256, "%.*s", (int)fe->sha256.len,
             fe->sha256.len ? fe->sha256.ptr : "");
    return KPM_OK;
}

void filelist_clear(filelist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].file);
    free(l->v);
    *l = (filelist_t){0};
}

void filelist_record(const filelist_t *l, size_t i, wire_record_t *rec)
{
    const filelist_entry_t *e = &l->v[i];
    rec->kind = WIRE_REC_FILE_END;
    rec->u.file_end = (wire_file_end_t){wire_str(e->file), e->rows, e->accepted, e->rejected,
                                        wire_str(e->sha256)};
}
