/* rmodel_prog.c - the chapter "Het koploperproject" of the report model: the
 * register per tranche and per province (tables and charts), who was invited
 * to each uitvraag and who responded (by status and questionnaire version),
 * who was not invited and why, and the nominations
 * under the calls for koplopers (per call, per criterion, and each with the
 * koploper it became). From the unpublished tables programma,
 * programma_uitvraag and oproepen, and voordrachten. */
#include "rmodel_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *status_label(wire_str_t s)
{
    return wire_str_eq(s, "actief")        ? "Actief"
           : wire_str_eq(s, "netwerkfase") ? "Netwerkfase"
           : wire_str_eq(s, "afgerond")    ? "Afgerond"
                                           : "Onbekend";
}

static const char *versie_label(wire_str_t s)
{
    return wire_str_eq(s, "kort")       ? "Korte vragenlijst"
           : wire_str_eq(s, "volledig") ? "Volledige vragenlijst"
                                        : "Niet uitgenodigd";
}

/* "7 oktober 2019" from "2019-10-07". */
static const char *date_nl(rdoc_t *d, wire_str_t iso)
{
    int y, m, day;
    char buf[16];

    snprintf(buf, sizeof buf, "%.*s", (int)(iso.len < 15 ? iso.len : 15), iso.ptr);
    if (sscanf(buf, "%d-%d-%d", &y, &m, &day) != 3 || m < 1 || m > 12) return rd_str(d, iso);
    return rd_fmt(d, "%d %s %d", day, rd_months[m - 1], y);
}

/* ---- the register ---- */

static const char *const register_series[2] = {"Koplopers", "Gemeenten"};

static void register_tranches(rdoc_t *d, const rtable_t *t)
{
    static const char *const statuses[3] = {"actief", "netwerkfase", "afgerond"};
    int ct = rtable_col(t, "tranche"), cg = rtable_col(t, "gemeenten"),
        cs = rtable_col(t, "status"), cj = rtable_col(t, "startjaar");
    int64_t tr[64];
    size_t n;
    rsvg_group_row_t *bars = rd_alloc(d, 65 * sizeof *bars);
    int64_t *counts = rd_alloc(d, 2 * 65 * sizeof *counts);
    rtb_t tb;

    n = rd_tranches(t, tr, 64);
    if (d->oom) return;
    rd_table(&tb, d, 7, "Koplopers en gemeenten per tranche");
    rd_cols(&tb, (const char *const[]){"Tranche", "Startjaar", "#Koplopers", "#Gemeenten",
                                       "#Actief", "#Netwerkfase", "#Afgerond", NULL});
    for (size_t i = 0; i <= n; i++) {
        int total = i == n;
        int64_t k = 0, gem = 0, st[3] = {0, 0, 0}, y0 = INT64_MAX, y1 = INT64_MIN;
        for (size_t r = 0; r < t->n_rows; r++) {
            if (!total && rtable_int(t, r, ct) != tr[i]) continue;
            k++;
            gem += rtable_int(t, r, cg);
            for (int s = 0; s < 3; s++)
                st[s] += wire_str_eq(rtable_str(t, r, cs), statuses[s]);
            if (rtable_int(t, r, cj) < y0) y0 = rtable_int(t, r, cj);
            if (rtable_int(t, r, cj) > y1) y1 = rtable_int(t, r, cj);
        }
        size_t row = rd_row(&tb, total ? RROW_TOTAL : RROW_PLAIN);
        rd_set(&tb, row, 0, total ? "Totaal" : rd_fmt(d, "Tranche %" PRId64, tr[i]));
        rd_set(&tb, row, 1,
               k == 0     ? RD_NONE
               : y0 == y1 ? rd_fmt(d, "%" PRId64, y0)
                          : rd_fmt(d, "%" PRId64 "–%" PRId64, y0, y1));
        rd_set(&tb, row, 2, rd_int(d, k));
        rd_set(&tb, row, 3, rd_int(d, gem));
        for (int s = 0; s < 3; s++)
            rd_set(&tb, row, 4 + (size_t)s, rd_int(d, st[s]));
        if (!total) {
            const char *l = rd_fmt(d, "Tranche %" PRId64, tr[i]);
            counts[2 * i] = k;
            counts[2 * i + 1] = gem;
            bars[i] =
                (rsvg_group_row_t){(wire_str_t){l, (uint32_t)strlen(l)}, &counts[2 * i], 0, 0, 0};
        }
    }
    rd_table_end(&tb, "Het huidige register. Een koploper kan uit meer gemeenten bestaan. Status: "
                      "actief in het project, in de netwerkfase, of afgerond.");
    if (n > 0 && !d->oom)
        rd_grouped(d, "Koplopers en gemeenten per tranche", bars, n, register_series, 2, tb.t);
}

static void register_provinces(rdoc_t *d, const rtable_t *t)
{
    int cp = rtable_col(t, "provincie"), cg = rtable_col(t, "gemeenten");
    wire_str_t *provs = rd_alloc(d, (t->n_rows + 1) * sizeof *provs);
    rsvg_group_row_t *bars = rd_alloc(d, (t->n_rows + 1) * sizeof *bars);
    int64_t *counts = rd_alloc(d, (2 * t->n_rows + 1) * sizeof *counts);
    size_t n = 0;
    rtb_t tb;

    if (d->oom) return;
    for (size_t r = 0; r < t->n_rows; r++) { /* distinct, sorted bytewise */
        wire_str_t p = rtable_str(t, r, cp);
        size_t i = 0;
        while (i < n &&
               (memcmp(provs[i].ptr, p.ptr, provs[i].len < p.len ? provs[i].len : p.len) < 0 ||
                (memcmp(provs[i].ptr, p.ptr, provs[i].len < p.len ? provs[i].len : p.len) == 0 &&
                 provs[i].len < p.len)))
            i++;
        if (i < n && wire_str_same(provs[i], p)) continue;
        memmove(provs + i + 1, provs + i, (n - i) * sizeof *provs);
        provs[i] = p;
        n++;
    }
    rd_table(&tb, d, 3, "Koplopers en gemeenten per provincie");
    rd_cols(&tb, (const char *const[]){"Provincie", "#Koplopers", "#Gemeenten", NULL});
    for (size_t i = 0; i < n; i++) {
        int64_t k = 0, gem = 0;
        for (size_t r = 0; r < t->n_rows; r++)
            if (wire_str_same(rtable_str(t, r, cp), provs[i])) k++, gem += rtable_int(t, r, cg);
        size_t row = rd_row(&tb, RROW_PLAIN);
        const char *l = provs[i].len == 0                   ? "Onbekend"
                        : wire_str_eq(provs[i], "meerdere") ? "Meer dan één provincie"
                                                            : rd_str(d, provs[i]);
        rd_set(&tb, row, 0, l);
        rd_set(&tb, row, 1, rd_int(d, k));
        rd_set(&tb, row, 2, rd_int(d, gem));
        counts[2 * i] = k;
        counts[2 * i + 1] = gem;
        bars[i] = (rsvg_group_row_t){(wire_str_t){l, (uint32_t)strlen(l)}, &counts[2 * i], 0, 0, 0};
    }
    rd_table_end(&tb, "Provincie: die van de gemeenten van de koploper (volgens de lijst van "
                      "gemeenten); onbekend als die lijst de gemeenten niet kent.");
    if (n > 0 && !d->oom)
        rd_grouped(d, "Koplopers en gemeenten per provincie", bars, n, register_series, 2, tb.t);
}

/* ---- who was invited, who responded ---- */

/* Who in the current register was not invited to uitvraag meting, and why as
 * far as the data tell: the koploper started after it (startjaar), its tranche
 * got no questionnaire, it has finished (status afgerond), or another reason
 * (not in the data, e.g. represented by a regional koploper). Per tranche and
 * status, the register's koplopers minus those invited (programma_uitvraag,
 * by the same current status). */
static const char *not_invited(rdoc_t *d, const rtable_t *t, int64_t meting)
{
    const rtable_t *reg = d->m->tables[T_PROGRAMMA];
    int ct = rtable_col(reg, "tranche"), cs = rtable_col(reg, "status"),
        cj = rtable_col(reg, "startjaar");
    int tm = rtable_col(t, "meting"), tt = rtable_col(t, "tranche"), ts = rtable_col(t, "status"),
        tu = rtable_col(t, "uitgenodigd");
    int64_t n_reg = 0, n_inv = 0, why[4] = {0, 0, 0, 0}; /* later, tranche, afgerond, other */
    const char *parts = "";

    if (reg == NULL || ct < 0) return NULL;
    for (size_t r = 0; r < reg->n_rows; r++) {
        int64_t tr = rtable_int(reg, r, ct), same = 0, later = 0, inv = 0, tranche_inv = 0;
        wire_str_t st = rtable_str(reg, r, cs);
        size_t first = r;
        n_reg++;
        /* each (tranche, status) once: at its first row */
        for (size_t q = 0; q < r && first == r; q++)
            if (rtable_int(reg, q, ct) == tr && wire_str_same(rtable_str(reg, q, cs), st))
                first = q;
        if (first != r) continue;
        for (size_t q = r; q < reg->n_rows; q++)
            if (rtable_int(reg, q, ct) == tr && wire_str_same(rtable_str(reg, q, cs), st)) {
                same++;
                later += rtable_int(reg, q, cj) > meting;
            }
        for (size_t q = 0; q < t->n_rows; q++) {
            if (!rtable_is_int(t, q, tm, meting) || rtable_int(t, q, tt) != tr) continue;
            tranche_inv += rtable_int(t, q, tu);
            if (wire_str_same(rtable_str(t, q, ts), st)) inv += rtable_int(t, q, tu);
        }
        int64_t missing = same > inv ? same - inv : 0, l = later < missing ? later : missing;
        n_inv += same - missing;
        why[0] += l;
        why[tranche_inv == 0 ? 1 : wire_str_eq(st, "afgerond") ? 2 : 3] += missing - l;
    }
    if (n_inv == n_reg)
        return rd_fmt(d, "Alle %s koplopers van het huidige register werden uitgenodigd.",
                      rd_int(d, n_reg));
    static const char *const reasons[4] = {
        "die na %" PRId64 " begonnen", "uit een tranche die geen vragenlijst kreeg", "afgerond",
        "om een andere reden (die staat niet in de gegevens, bijvoorbeeld omdat een regionale "
        "koploper de gemeente vertegenwoordigt)"};
    for (int k = 0; k < 4; k++)
        if (why[k] > 0)
            parts = rd_fmt(d, "%s%s%s %s", parts, parts[0] ? "; " : "", rd_int(d, why[k]),
                           k == 0 ? rd_fmt(d, reasons[0], meting) : reasons[k]);
    return rd_fmt(d,
                  "Van de %s koplopers in het huidige register werden er %s uitgenodigd. Niet "
                  "uitgenodigd: %s.",
                  rd_int(d, n_reg), rd_int(d, n_inv), parts);
}

static void invitations(rdoc_t *d, const rtable_t *t)
{
    int cm = rtable_col(t, "meting"), ct = rtable_col(t, "tranche"), cs = rtable_col(t, "status"),
        cv = rtable_col(t, "versie"), cu = rtable_col(t, "uitgenodigd"),
        cr = rtable_col(t, "respons");
    int64_t *metingen = NULL;
    size_t n = 0;

    if (rtable_distinct_ints((rtable_t *const *)&d->m->tables[T_PROG_UITVRAAG], 1, "meting",
                             &metingen, &n) != 0)
        d->oom = 1;
    for (size_t i = 0; i < n && !d->oom; i++) {
        rtb_t tb;
        int64_t inv = 0, resp = 0;
        /* which tranches got which version */
        const char *sentence = rd_fmt(d, "Uitvraag %" PRId64 ":", metingen[i]);
        for (int ver = 0; ver < 2; ver++) {
            const char *list = "";
            int64_t last = -1;
            for (size_t r = 0; r < t->n_rows; r++) {
                int64_t tr = rtable_int(t, r, ct);
                if (!rtable_is_int(t, r, cm, metingen[i]) || rtable_int(t, r, cu) == 0 ||
                    !wire_str_eq(rtable_str(t, r, cv), ver ? "volledig" : "kort") || tr == last)
                    continue;
                list = rd_fmt(d, "%s%s%" PRId64, list, list[0] ? ", " : "", tr);
                last = tr;
            }
            if (list[0])
                sentence = rd_fmt(d, "%s%s %s vragenlijst voor tranche %s", sentence,
                                  sentence[strlen(sentence) - 1] == ':' ? "" : ";",
                                  ver ? "volledige" : "korte", list);
        }
        rd_para(d, rd_fmt(d, "%s.", sentence));
        rd_table(
            &tb, d, 5,
            rd_fmt(d,
                   "Uitgenodigd en respons per tranche, status en vragenlijst, uitvraag %" PRId64,
                   metingen[i]));
        rd_cols(&tb, (const char *const[]){"Tranche", "Status", "Vragenlijst", "#Uitgenodigd",
                                           "#Respons", NULL});
        for (size_t r = 0; r < t->n_rows; r++) {
            if (!rtable_is_int(t, r, cm, metingen[i])) continue;
            int64_t u = rtable_int(t, r, cu), k = rtable_int(t, r, cr);
            size_t row = rd_row(&tb, RROW_PLAIN);
            inv += u, resp += k;
            rd_set(&tb, row, 0, rd_fmt(d, "Tranche %" PRId64, rtable_int(t, r, ct)));
            rd_set(&tb, row, 1, status_label(rtable_str(t, r, cs)));
            rd_set(&tb, row, 2, versie_label(rtable_str(t, r, cv)));
            rd_set(&tb, row, 3, rd_int(d, u));
            rd_set(&tb, row, 4,
                   u > 0 ? rd_fmt(d, "%s (%s)", rd_int(d, k), rd_pct(d, k, u)) : rd_int(d, k));
        }
        size_t row = rd_row(&tb, RROW_TOTAL);
        rd_set(&tb, row, 0, "Totaal");
        rd_set(&tb, row, 3, rd_int(d, inv));
        rd_set(&tb, row, 4,
               inv > 0 ? rd_fmt(d, "%s (%s)", rd_int(d, resp), rd_pct(d, resp, inv))
                       : rd_int(d, resp));
        rd_table_end(&tb,
                     "Welke koplopers werden uitgenodigd, met welke versie van de vragenlijst, "
                     "en hoeveel van hen antwoordden. 'Niet uitgenodigd': een koploper die "
                     "antwoordde zonder uitnodiging in de lijst van deelnemers.");
        const char *why = not_invited(d, t, metingen[i]);
        if (why != NULL) rd_para(d, why);
    }
    free(metingen);
}

/* ---- nominations (voordrachten) under the calls ---- */

static void nominations(rdoc_t *d)
{
    static const char *const crit[6] = {"visie",   "betrokkenheid", "innovatie",
                                        "ambitie", "doelgroepen",   "clientorganisatie_betrokken"};
    static const char *const crit_label[6] = {"Visie",       "Betrokkenheid",
                                              "Innovatie",   "Ambitie",
                                              "Doelgroepen", "Cliëntorganisatie betrokken"};
    const rtable_t *v = d->m->tables[T_VOORDRACHTEN], *o = d->m->tables[T_OPROEPEN];
    int co = rtable_col(v, "oproep"), ctij = rtable_col(v, "tijdig"),
        cg = rtable_col(v, "geschikt"), ck = rtable_col(v, "koploper_id");
    const rtable_t *reg = d->m->tables[T_PROGRAMMA];
    rtb_t tb;

    if (v == NULL || v->n_rows == 0) return;
    rd_heading(d, 3, NULL, "Voordrachten");
    for (size_t r = 0; o != NULL && r < o->n_rows; r++)
        rd_para(d, rd_fmt(d,
                          "%s: sloot op %s. Een voordracht is geschikt als ze op tijd is "
                          "ingediend, minstens %" PRId64 " van de 5 criteria met ja beantwoordt%s.",
                          rtable_str(o, r, rtable_col(o, "omschrijving")).len > 0
                              ? rd_str(d, rtable_str(o, r, rtable_col(o, "omschrijving")))
                              : rd_fmt(d, "Oproep %s",
                                       rd_str(d, rtable_str(o, r, rtable_col(o, "oproep")))),
                          date_nl(d, rtable_str(o, r, rtable_col(o, "sluit_op"))),
                          rtable_int(o, r, rtable_col(o, "min_criteria")),
                          wire_str_eq(rtable_str(o, r, rtable_col(o, "clientorganisatie_vereist")),
                                      "ja")
                              ? " en een cliëntorganisatie bij de voordracht betrekt"
                              : ""));
    /* per call */
    rd_table(&tb, d, 6, "Voordrachten per oproep");
    rd_cols(&tb, (const char *const[]){"Oproep", "#Ingediend", "#Op tijd", "#Te laat", "#Geschikt",
                                       "#Koploper geworden", NULL});
    for (size_t r0 = 0; r0 < v->n_rows; r0++) {
        int seen = 0;
        for (size_t q = 0; q < r0; q++)
            seen |= wire_str_same(rtable_str(v, q, co), rtable_str(v, r0, co));
        if (seen) continue;
        int64_t n = 0, ontime = 0, ok = 0, became = 0;
        for (size_t r = 0; r < v->n_rows; r++) {
            if (!wire_str_same(rtable_str(v, r, co), rtable_str(v, r0, co))) continue;
            n++;
            ontime += wire_str_eq(rtable_str(v, r, ctij), "ja");
            ok += wire_str_eq(rtable_str(v, r, cg), "ja");
            became += rtable_str(v, r, ck).len > 0;
        }
        size_t row = rd_row(&tb, RROW_PLAIN);
        wire_str_t name = rtable_str(v, r0, co);
        rd_set(&tb, row, 0,
               name.len > 0 ? rd_fmt(d, "Oproep %.*s", (int)name.len, name.ptr)
                            : "Geen oproep ingesteld");
        rd_set(&tb, row, 1, rd_int(d, n));
        rd_set(&tb, row, 2, rd_int(d, ontime));
        rd_set(&tb, row, 3, rd_int(d, name.len > 0 ? n - ontime : 0));
        rd_set(&tb, row, 4, rd_fmt(d, "%s (%s)", rd_int(d, ok), rd_pct(d, ok, n)));
        rd_set(&tb, row, 5, rd_int(d, became));
    }
    rd_table_end(&tb, "Koploper geworden: een gemeente van de voordracht hoort bij een koploper in "
                      "het huidige register.");
    /* per criterion */
    rd_table(&tb, d, 3, "Voordrachten per criterium");
    rd_cols(&tb, (const char *const[]){"Criterium", "#Met ja", "#Met nee", NULL});
    for (int c = 0; c < 6; c++) {
        int col = rtable_col(v, crit[c]);
        int64_t ja = 0;
        if (col < 0) continue;
        for (size_t r = 0; r < v->n_rows; r++)
            ja += wire_str_eq(rtable_str(v, r, col), "ja");
        size_t row = rd_row(&tb, RROW_PLAIN);
        rd_set(&tb, row, 0, crit_label[c]);
        rd_set(&tb, row, 1, rd_fmt(d, "%s (%s)", rd_int(d, ja), rd_pct(d, ja, (int64_t)v->n_rows)));
        rd_set(&tb, row, 2, rd_int(d, (int64_t)v->n_rows - ja));
    }
    rd_table_end(&tb, NULL);
    /* each nomination */
    rd_table(&tb, d, 6, "Voordrachten en wat ervan werd");
    rd_cols(&tb, (const char *const[]){"Voordracht", "Ingediend op", "#Criteria met ja", "Geschikt",
                                       "Reden", "Koploper", NULL});
    for (size_t r = 0; r < v->n_rows; r++) {
        size_t row = rd_row(&tb, RROW_PLAIN);
        wire_str_t k = rtable_str(v, r, ck);
        long kr = rtable_find_str(reg, "koploper_id", k);
        wire_str_t naam = kr >= 0 ? rtable_str(reg, (size_t)kr, rtable_col(reg, "naam")) : k;
        rd_set(&tb, row, 0, rd_str(d, rtable_str(v, r, rtable_col(v, "voordracht_id"))));
        rd_set(&tb, row, 1, date_nl(d, rtable_str(v, r, rtable_col(v, "ingediend_op"))));
        rd_set(&tb, row, 2,
               rd_fmt(d, "%s van 5", rd_cell(d, v, r, rtable_col(v, "criteria_ja"), 0, "")));
        rd_set(&tb, row, 3, wire_str_eq(rtable_str(v, r, cg), "ja") ? "Ja" : "Nee");
        rd_set(&tb, row, 4,
               rtable_str(v, r, rtable_col(v, "reden")).len > 0
                   ? rd_str(d, rtable_str(v, r, rtable_col(v, "reden")))
                   : RD_NONE);
        rd_set(&tb, row, 5,
               k.len == 0
                   ? RD_NONE
                   : rd_fmt(d, "%.*s (tranche %s)", (int)naam.len, naam.ptr,
                            kr >= 0 ? rd_cell(d, reg, (size_t)kr, rtable_col(reg, "tranche"), 0, "")
                                    : "?"));
    }
    rd_table_end(&tb, NULL);
}

void rmodel_programme(rdoc_t *d)
{
    const rtable_t *reg = d->m->tables[T_PROGRAMMA], *inv = d->m->tables[T_PROG_UITVRAAG],
                   *v = d->m->tables[T_VOORDRACHTEN];

    if ((reg == NULL || reg->n_rows == 0) && (v == NULL || v->n_rows == 0)) return;
    rd_chapter(d, "programma", "Het koploperproject");
    if (reg != NULL && reg->n_rows > 0) {
        rd_heading(d, 3, NULL, "Koplopers en gemeenten");
        register_tranches(d, reg);
        register_provinces(d, reg);
    }
    if (inv != NULL && inv->n_rows > 0) {
        rd_heading(d, 3, NULL, "Wie werd uitgenodigd voor de uitvraag");
        invitations(d, inv);
    }
    nominations(d);
}
