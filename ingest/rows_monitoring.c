/* rows_monitoring.c - rows of the monitoring kinds to records (see
 * docs/MONITORING.md). The columns arrive validated in fc->vals, in the order of
 * the kind's table in kinds.c. */
#include <stdio.h>
#include <string.h>

#include "kpm_err.h"
#include "rows.h"
#include "values.h"

static int64_t opt_int(const colval_t *v)
{
    return v->present ? v->i : -1;
}

static int accept(file_ctx_t *fc)
{
    fc->res->accepted++;
    return ingest_put(fc, &fc->rec);
}

static int row_gebruik(file_ctx_t *fc)
{
    const colval_t *v = fc->vals;
    fc->rec.kind = WIRE_REC_GEBRUIK;
    fc->rec.u.gebruik = (wire_gebruik_t){ingest_vstr(&v[0]), (int32_t)v[1].i, ingest_vstr(&v[2]),
                                         opt_int(&v[3]),     opt_int(&v[4]),  opt_int(&v[5])};
    return accept(fc);
}

static int row_adviesinzet(file_ctx_t *fc, const csvin_row_t *row)
{
    const colval_t *v = fc->vals; /* v[2]: the adviser's pseudonym (COL_PERSON) */
    fc->rec.kind = WIRE_REC_ADVIESINZET;
    fc->rec.u.adviesinzet =
        (wire_adviesinzet_t){ingest_vstr(&v[0]), (int32_t)v[1].i,    ingest_vstr(&v[2]), v[3].r,
                             wire_str(fc->name), (uint32_t)row->line};
    return accept(fc);
}

static int row_bijeenkomst(file_ctx_t *fc, const csvin_row_t *row)
{
    const colval_t *v = fc->vals;
    fc->rec.kind = WIRE_REC_BIJEENKOMST;
    fc->rec.u.bijeenkomst = (wire_bijeenkomst_t){
        ingest_vstr(&v[0]), ingest_vstr(&v[2]), (int32_t)v[3].i, ingest_vstr(&v[1]), v[4].i,
        wire_str(fc->name), (uint32_t)row->line};
    return accept(fc);
}

static int row_middelen(file_ctx_t *fc, const csvin_row_t *row)
{
    const colval_t *v = fc->vals;
    fc->rec.kind = WIRE_REC_MIDDELEN;
    fc->rec.u.middelen =
        (wire_middelen_t){ingest_vstr(&v[0]), (int32_t)v[1].i,    v[3].r,
                          ingest_vstr(&v[2]), wire_str(fc->name), (uint32_t)row->line};
    return accept(fc);
}

static int row_ervaring(file_ctx_t *fc, const csvin_row_t *row)
{
    const colval_t *v = fc->vals;
    fc->rec.kind = WIRE_REC_ERVARING;
    fc->rec.u.ervaring = (wire_ervaring_t){
        ingest_vstr(&v[0]), (int32_t)v[1].i,    v[2].i, v[3].r, v[4].present ? v[4].r : -1.0,
        wire_str(fc->name), (uint32_t)row->line};
    return accept(fc);
}

static int row_voordracht(file_ctx_t *fc)
{
    static const uint32_t bits[5] = {WIRE_CRIT_VISIE, WIRE_CRIT_BETROKKENHEID, WIRE_CRIT_INNOVATIE,
                                     WIRE_CRIT_AMBITIE, WIRE_CRIT_DOELGROEPEN};
    const colval_t *v = fc->vals;
    wire_voordracht_t *w = &fc->rec.u.voordracht;
    fc->rec.kind = WIRE_REC_VOORDRACHT;
    w->voordracht_id = ingest_vstr(&v[0]);
    w->ingediend_op = (int32_t)v[1].i;
    w->n_gemeenten = (uint32_t)v[2].i;
    for (uint32_t i = 0; i < w->n_gemeenten; i++)
        w->gemeenten[i] = wire_strn(fc->gm[i], 6);
    w->criteria = 0;
    for (int c = 0; c < 5; c++)
        if (strcmp(v[3 + c].s, "ja") == 0) w->criteria |= bits[c];
    w->clientorganisatie = strcmp(v[8].s, "ja") == 0;
    w->file = wire_str(fc->name);
    return accept(fc);
}

static int row_gemeente(file_ctx_t *fc)
{
    const colval_t *v = fc->vals;
    fc->rec.kind = WIRE_REC_GEMEENTE;
    fc->rec.u.gemeente =
        (wire_gemeente_t){ingest_vstr(&v[0]), ingest_vstr(&v[1]), ingest_vstr(&v[2]),
                          opt_int(&v[3]), val_year_in_name(fc->name)};
    return accept(fc);
}

int row_monitoring(file_ctx_t *fc, const csvin_row_t *row)
{
    switch (fc->kind->id) {
    case KIND_GEBRUIK:
        return row_gebruik(fc);
    case KIND_ADVIESINZET:
        return row_adviesinzet(fc, row);
    case KIND_BIJEENKOMSTEN:
        return row_bijeenkomst(fc, row);
    case KIND_MIDDELEN:
        return row_middelen(fc, row);
    case KIND_ERVARING:
        return row_ervaring(fc, row);
    case KIND_VOORDRACHTEN:
        return row_voordracht(fc);
    case KIND_GEMEENTEN:
        return row_gemeente(fc);
    default:
        return KPM_EINVAL;
    }
}
