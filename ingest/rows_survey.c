/* rows_survey.c - rows of the survey kinds (koplopers, deelnemers, uitvraag) to
 * records; see docs/INPUT-RULES.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "reject_codes.h"
#include "rows.h"
#include "values.h"

int row_koploper(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* koploper_id naam tranche startjaar gemeenten status */
    (void)row;
    wire_koploper_t *k = &fc->rec.u.koploper;
    fc->rec.kind = WIRE_REC_KOPLOPER;
    k->id = ingest_vstr(&v[0]);
    k->naam = ingest_vstr(&v[1]);
    k->tranche = (int32_t)v[2].i;
    k->startjaar = (int32_t)v[3].i;
    k->n_gemeenten = (uint32_t)v[4].i;
    for (uint32_t i = 0; i < k->n_gemeenten; i++)
        k->gemeenten[i] = wire_strn(fc->gm[i], 6);
    k->status = ingest_vstr(&v[5]);
    fc->res->accepted++;
    return ingest_put(fc, &fc->rec);
}

int row_deelnemer(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* meting koploper_id versie */
    wire_deelnemer_t *d = &fc->rec.u.deelnemer;
    fc->rec.kind = WIRE_REC_DEELNEMER;
    d->meting = (int32_t)v[0].i;
    d->koploper_id = ingest_vstr(&v[1]);
    d->versie = ingest_vstr(&v[2]);
    d->file = wire_str(fc->name);
    d->line = (uint32_t)row->line;
    fc->res->accepted++;
    return ingest_put(fc, &fc->rec);
}

static const char *item_expectation(const catalog_item_t *it, char *buf, size_t len)
{
    switch (it->type) {
    case ITEM_LIKERT:
        return "1-4 of zeer ontevreden, ontevreden, tevreden, zeer tevreden";
    case ITEM_LIKERT_NVT:
        return "0-4 of zeer ontevreden, ontevreden, tevreden, zeer tevreden, n.v.t.";
    case ITEM_KEUZE: {
        size_t o = (size_t)snprintf(buf, len, "een van: ");
        for (size_t i = 0; i < it->n_values && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s'%s'", i ? ", " : "",
                                  i < it->n_answers ? it->answers[i].label : it->values[i]);
        return buf;
    }
    case ITEM_PROCENT:
        return "een getal van 0 tot en met 100";
    case ITEM_AANTAL:
        return "een geheel getal van 0 of meer";
    case ITEM_TEKST:
        snprintf(buf, len, "een tekst van hoogstens %d bytes", WIRE_TEXT_MAX);
        return buf;
    default:
        return "?";
    }
}

/* Parses one questionnaire answer into *a. Returns KPM_OK (value or NIL) or the
 * parse error (the answer is then NIL). */
static int parse_answer(const catalog_item_t *it, const char *f, size_t len, wire_answer_t *a)
{
    a->value.type = WIRE_VAL_NIL;
    if (val_is_empty(f, len)) return KPM_OK;
    int rc = KPM_EINVAL, code, k;
    switch (it->type) {
    case ITEM_LIKERT:
    case ITEM_LIKERT_NVT:
        rc = val_parse_likert(f, len, it->type == ITEM_LIKERT_NVT, &code);
        if (rc != KPM_OK && (k = catalog_answer_match(it, f, len)) >= 0) {
            code = it->answers[k].code[0] - '0'; /* the answers' codes are "0".."4" */
            rc = KPM_OK;
        }
        if (rc == KPM_OK) a->value = (wire_value_t){.type = WIRE_VAL_INT, .i = code};
        break;
    case ITEM_KEUZE: /* a code, the questionnaire's text or another spelling of it */
        k = catalog_answer_match(it, f, len);
        rc = k >= 0 && (size_t)k < it->n_values ? KPM_OK : KPM_EPARSE;
        if (rc == KPM_OK)
            a->value = (wire_value_t){.type = WIRE_VAL_STR, .s = wire_str(it->values[k])};
        break;
    case ITEM_PROCENT:
        rc = val_parse_decimal(f, len, 0, 100, &a->value.r);
        if (rc == KPM_OK) a->value.type = WIRE_VAL_REAL;
        break;
    case ITEM_AANTAL:
        rc = val_parse_int(f, len, 0, INT64_C(1000000000000), &a->value.i);
        if (rc == KPM_OK) a->value.type = WIRE_VAL_INT;
        break;
    case ITEM_TEKST:
        if (len > WIRE_TEXT_MAX) break; /* the wire's bound on free text */
        a->value = (wire_value_t){.type = WIRE_VAL_STR, .s = wire_strn(f, len)};
        rc = KPM_OK;
        break;
    case ITEM_PII:
        break;
    }
    return rc;
}

static void format_sum(double sum, char *buf, size_t len)
{
    long tenths = (long)(sum * 10.0 + (sum >= 0 ? 0.5 : -0.5));
    if (tenths % 10 == 0)
        snprintf(buf, len, "%ld", tenths / 10);
    else
        snprintf(buf, len, "%ld,%ld", tenths / 10, labs(tenths % 10));
}

/* Applies the sum-group rule to the answers of one response. */
static int check_groups(file_ctx_t *fc, const csvin_row_t *row, wire_response_t *r)
{
    size_t ng = catalog_group_count(fc->cat);
    for (size_t g = 0; g < ng; g++) {
        size_t members = 0, filled = 0, asked = 0;
        double sum = 0;
        for (size_t i = 0; i < catalog_count(fc->cat); i++)
            if (catalog_item(fc->cat, i)->group == (int)g) members++;
        for (uint32_t a = 0; a < r->n_answers; a++) {
            int item = catalog_find(fc->cat, r->answers[a].item.ptr, r->answers[a].item.len);
            if (catalog_item(fc->cat, (size_t)item)->group != (int)g) continue;
            asked++;
            if (r->answers[a].value.type == WIRE_VAL_REAL) {
                filled++;
                sum += r->answers[a].value.r;
            }
        }
        if (filled == 0) continue;
        char column[96], s[32];
        snprintf(column, sizeof column, "%s_*", catalog_group_name(fc->cat, (int)g));
        int rc;
        if (filled < members) {
            rc = ingest_reject(
                fc, row->line, column, REJ_GROUP_INCOMPLETE,
                "De groep %s is maar deels ingevuld (%zu van de %zu); de hele groep telt "
                "als niet beantwoord.",
                column, filled, members);
        } else if (sum < 99.0 - 1e-9 || sum > 101.0 + 1e-9) {
            format_sum(sum, s, sizeof s);
            rc = ingest_reject(
                fc, row->line, column, REJ_GROUP_SUM,
                "De groep %s telt op tot %s in plaats van 100; de hele groep telt als "
                "niet beantwoord.",
                column, s);
        } else {
            continue;
        }
        if (rc) return rc;
        (void)asked;
        for (uint32_t a = 0; a < r->n_answers; a++) {
            int item = catalog_find(fc->cat, r->answers[a].item.ptr, r->answers[a].item.len);
            if (catalog_item(fc->cat, (size_t)item)->group == (int)g)
                r->answers[a].value.type = WIRE_VAL_NIL;
        }
    }
    return KPM_OK;
}

int row_response(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* response_id meting koploper_id ingevuld_op */
    wire_response_t *r = &fc->rec.u.response;
    fc->rec.kind = WIRE_REC_RESPONSE;
    r->response_id = ingest_vstr(&v[0]);
    r->meting = (int32_t)v[1].i;
    r->koploper_id = ingest_vstr(&v[2]);
    r->ingevuld_op = ingest_vstr(&v[3]);
    r->file = wire_str(fc->name);
    r->line = (uint32_t)row->line;
    r->n_answers = 0;
    for (size_t c = 0; c < fc->n_header; c++) {
        int item = fc->item_of_col[c];
        if (item < 0) continue; /* not an item, or pii: never read further */
        const catalog_item_t *it = catalog_item(fc->cat, (size_t)item);
        wire_answer_t *a = &r->answers[r->n_answers++];
        a->item = wire_str(it->name);
        if (parse_answer(it, row->fields[c], row->lens[c], a) != KPM_OK) {
            char exp[160], q[64];
            int rc = ingest_reject(fc, row->line, it->name, REJ_INVALID_VALUE,
                                   "Ongeldige waarde '%s': verwacht %s; telt als niet beantwoord.",
                                   ingest_quote(row->fields[c], row->lens[c], q, sizeof q),
                                   item_expectation(it, exp, sizeof exp));
            if (rc) return rc;
        }
    }
    int rc = check_groups(fc, row, r);
    if (rc) return rc;
    fc->res->accepted++;
    return ingest_put(fc, &fc->rec);
}
