/* rmodel_other.c - the chapters after the uitvraag in the report model: the
 * comparisons (satisfied shares with their intervals, and per configured
 * comparison the difference with its test), and the rejects in Dutch. */
#include "rmodel_int.h"

#include "kpm_err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- satisfied shares with intervals (tevredenheid) ---- */

static void shares(rdoc_t *d, int64_t meting)
{
    const rtable_t *t = d->m->tables[T_TEVREDENHEID];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), ci = rtable_col(t, "item");
    wire_str_t groups[64], items[256];
    size_t n_g = 0, n_i = 0;
    int protect = 0, flagged = 0;
    rtb_t tb;

    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
        wire_str_t g = rtable_str(t, r, cg), it = rtable_str(t, r, ci);
        int seen_g = 0, seen_i = 0;
        if (!rtable_is_int(t, r, cm, meting)) continue;
        for (size_t k = 0; k < n_g; k++)
            seen_g |= wire_str_same(groups[k], g);
        for (size_t k = 0; k < n_i; k++)
            seen_i |= wire_str_same(items[k], it);
        if (!seen_g && n_g < 64) groups[n_g++] = g;
        if (!seen_i && n_i < 256) items[n_i++] = it;
    }
    if (n_g == 0) return;
    rd_table(&tb, d, 1 + n_g,
             rd_fmt(d,
                    "Aandeel (zeer) tevreden met 95%%-betrouwbaarheidsinterval, uitvraag %" PRId64,
                    meting));
    rd_col(&tb, 0, "Vraag", 0);
    for (size_t g = 0; g < n_g; g++)
        rd_col(&tb, 1 + g, rd_group(d, groups[g]), 1);
    for (size_t i = 0; i < n_i; i++) {
        size_t row = rd_row(&tb, RROW_PLAIN);
        rd_set(&tb, row, 0, rd_question(d, items[i]));
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t g;
            if (!rtable_is_int(t, r, cm, meting) || !wire_str_same(rtable_str(t, r, ci), items[i]))
                continue;
            for (g = 0; g < n_g && !wire_str_same(groups[g], rtable_str(t, r, cg)); g++)
                ;
            if (g == n_g) continue;
            if (rtable_suppressed(t, r)) {
                rd_set(&tb, row, 1 + g, rd_suppressed(d, meting, groups[g], &protect));
                continue;
            }
            if (rtable_cell(t, r, rtable_col(t, "aandeel_pct"))->type == WIRE_VAL_NIL) {
                rd_set(&tb, row, 1 + g, RD_NONE); /* no valid answer in the group */
                continue;
            }
            int one_side = wire_str_eq(rtable_str(t, r, rtable_col(t, "groepsonthulling")), "ja");
            flagged |= one_side;
            rd_set(&tb, row, 1 + g,
                   rd_fmt(d, "%s%s (%s–%s), n = %s",
                          rd_cell(d, t, r, rtable_col(t, "aandeel_pct"), 0, "%"),
                          one_side ? "†" : "",
                          rd_cell(d, t, r, rtable_col(t, "ci_laag_pct"), 0, ""),
                          rd_cell(d, t, r, rtable_col(t, "ci_hoog_pct"), 0, "%"),
                          rd_cell(d, t, r, rtable_col(t, "n"), 0, "")));
        }
    }
    rd_table_end(&tb, rd_fmt(d,
                             "Aandeel tevreden of zeer tevreden van de geldige antwoorden, het "
                             "95%%-betrouwbaarheidsinterval (Wilson) en het aantal geldige "
                             "antwoorden.%s%s",
                             flagged ? " † Alle geldige antwoorden van de groep vallen aan één "
                                       "kant: het cijfer zegt dan iets over elk lid van de groep."
                                     : "",
                             protect ? rd_fmt(d, " %s", rd_protect_note) : ""));
}

/* ---- comparisons (vergelijking) ---- */

static const char *side(rdoc_t *d, const rtable_t *t, size_t r, char which)
{
    char col[16];
    const char *g;

    snprintf(col, sizeof col, "groep_%c", which);
    g = rd_group(d, rtable_str(t, r, rtable_col(t, col)));
    snprintf(col, sizeof col, "meting_%c", which);
    return rd_fmt(d, "%s (%" PRId64 ")", g, rtable_int(t, r, rtable_col(t, col)));
}

static const char *points(rdoc_t *d, const wire_value_t *v)
{
    if (v->type != WIRE_VAL_REAL && v->type != WIRE_VAL_INT) return RD_NONE;
    double x = v->type == WIRE_VAL_REAL ? v->r : (double)v->i;
    const char *s = rd_dec(d, x, 1);
    return x > 0 && strcmp(s, "0,0") != 0 ? rd_fmt(d, "+%s", s) : s;
}

static void comparison(rdoc_t *d, size_t r0, size_t r1)
{
    const rtable_t *t = d->m->tables[T_VERGELIJKING];
    int paired = wire_str_eq(rtable_str(t, r0, rtable_col(t, "type")), "gepaard");
    const char *a = side(d, t, r0, 'a'), *b = side(d, t, r0, 'b');
    rsvg_forest_row_t *rows = rd_alloc(d, (r1 - r0) * sizeof *rows);
    size_t n_shown = 0, n_sig = 0;
    rtb_t tb;

    if (rows == NULL || d->oom) return;
    rd_heading(d, 3, NULL,
               rd_fmt(d, "%s tegenover %s%s", a, b, paired ? " (dezelfde koplopers)" : ""));
    rd_para(d, paired
                   ? "Dezelfde koplopers in beide metingen, elk met zichzelf vergeleken; n is het "
                     "aantal koplopers met een geldig antwoord in beide metingen."
                   : "Twee onafhankelijke groepen koplopers.");
    for (size_t r = r0; r < r1; r++)
        n_shown += !rtable_suppressed(t, r);
    if (n_shown == 0) {
        rd_para(d, "Onderdrukt: een groep in deze vergelijking is kleiner dan de drempel voor "
                   "kleine aantallen, of de uitkomst zou via andere tabellen een onderdrukte "
                   "groep onthullen.");
        return;
    }
    rd_table(&tb, d, 6, rd_fmt(d, "Aandeel (zeer) tevreden: %s tegenover %s", a, b));
    rd_col(&tb, 0, "Vraag", 0);
    rd_col(&tb, 1, a, 1);
    rd_col(&tb, 2, b, 1);
    rd_col(&tb, 3, "Verschil in procentpunten (95%-BI)", 1);
    rd_col(&tb, 4, "Toets", 0);
    rd_col(&tb, 5, "p", 1);
    for (size_t r = r0; r < r1; r++) {
        wire_str_t item = rtable_str(t, r, rtable_col(t, "item")),
                   test = rtable_str(t, r, rtable_col(t, "toets"));
        int sig = wire_str_eq(rtable_str(t, r, rtable_col(t, "significant")), "ja");
        const wire_value_t *p = rtable_cell(t, r, rtable_col(t, "p_waarde"));
        const wire_value_t *diff = rtable_cell(t, r, rtable_col(t, "verschil_pp"));
        const char *q = rd_question(d, item);
        rsvg_forest_row_t *f = &rows[r - r0];
        size_t row = rd_row(&tb, sig ? RROW_STRONG : RROW_PLAIN);
        f->label = (wire_str_t){q, (uint32_t)strlen(q)};
        f->diff = diff;
        f->lo = rtable_cell(t, r, rtable_col(t, "ci_laag_pp"));
        f->hi = rtable_cell(t, r, rtable_col(t, "ci_hoog_pp"));
        f->significant = sig;
        if (diff->type == WIRE_VAL_NIL)
            f->note = paired ? "geen paren met een geldig antwoord" : "geen geldige antwoorden";
        rd_set(&tb, row, 0, q);
        if (rtable_suppressed(t, r)) {
            f->note = "onderdrukt";
            rd_set(&tb, row, 1, "onderdrukt");
            continue;
        }
        n_sig += (size_t)(sig && f->note == NULL);
        rd_set(&tb, row, 1,
               rd_fmt(d, "%s (n = %s)", rd_cell(d, t, r, rtable_col(t, "aandeel_a_pct"), 0, "%"),
                      rd_cell(d, t, r, rtable_col(t, "n_a"), 0, "")));
        rd_set(&tb, row, 2,
               rd_fmt(d, "%s (n = %s)", rd_cell(d, t, r, rtable_col(t, "aandeel_b_pct"), 0, "%"),
                      rd_cell(d, t, r, rtable_col(t, "n_b"), 0, "")));
        rd_set(&tb, row, 3,
               diff->type == WIRE_VAL_NIL ? RD_NONE
                                          : rd_fmt(d, "%s (%s tot %s)", points(d, diff),
                                                   points(d, f->lo), points(d, f->hi)));
        rd_set(&tb, row, 4,
               wire_str_eq(test, "chi2")      ? "chi-kwadraat"
               : wire_str_eq(test, "fisher")  ? "Fisher (exact)"
               : wire_str_eq(test, "mcnemar") ? "McNemar (exact)"
                                              : RD_NONE);
        rd_set(&tb, row, 5,
               p->type == WIRE_VAL_REAL && p->r < 0.00005
                   ? "< 0,0001"
                   : rd_fmt(d, "%s%s", rd_cell(d, t, r, rtable_col(t, "p_waarde"), 4, ""),
                            sig ? " *" : ""));
    }
    rd_table_end(&tb, n_sig == 0 ? "Er zijn geen verschillen van betekenis (p < 0,05) gevonden."
                                 : rd_fmt(d,
                                          "Verschillen van betekenis (p < 0,05) zijn vet gedrukt "
                                          "en gemarkeerd met *: %zu van de %zu vragen.",
                                          n_sig, r1 - r0));
    rfig_t *f = rd_figure(d, RF_FOREST, rd_fmt(d, "Verschil in procentpunten: %s min %s", b, a));
    f->forest = rows;
    f->n = r1 - r0;
    f->note = "Punt: het verschil; lijn: het 95%-betrouwbaarheidsinterval; gevuld: een verschil "
              "van betekenis (p < 0,05).";
}

void rmodel_comparisons(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_VERGELIJKING];
    int cv = rtable_col(t, "vergelijking");
    int64_t *metingen = NULL;
    size_t n = 0;

    if (t == NULL && d->m->tables[T_TEVREDENHEID] == NULL) return;
    rd_chapter(d, "vergelijkingen", "Vergelijkingen");
    rd_para(d, "Per vraag het aandeel (zeer) tevreden van de geldige antwoorden (zonder 'Niet van "
               "toepassing' en 'Geen antwoord'). Bij een vergelijking het verschil (tweede min "
               "eerste) in procentpunten met het 95%-betrouwbaarheidsinterval (BI). De toets is de "
               "chi-kwadraattoets als elke verwachte celwaarde minstens 5 is, anders de exacte "
               "toets van Fisher; bij dezelfde koplopers in beide metingen de exacte toets van "
               "McNemar. Bij zoveel vragen is ongeveer één op de twintig 'verschillen van "
               "betekenis' ook bij toeval te verwachten.");
    if (rtable_distinct_ints((rtable_t *const *)&d->m->tables[T_TEVREDENHEID], 1, "meting",
                             &metingen, &n) != KPM_OK)
        d->oom = 1;
    for (size_t i = 0; i < n; i++)
        shares(d, metingen[i]);
    free(metingen);
    if (t == NULL || t->n_rows == 0 || cv < 0) {
        rd_para(d, "Er zijn geen vergelijkingen ingesteld, of er zijn nog geen gegevens voor.");
        return;
    }
    for (size_t r0 = 0, r1; r0 < t->n_rows; r0 = r1) {
        for (r1 = r0 + 1;
             r1 < t->n_rows && wire_str_same(rtable_str(t, r1, cv), rtable_str(t, r0, cv)); r1++)
            ;
        comparison(d, r0, r1);
    }
}

/* ---- rejects ---- */

static const struct {
    const char *code, *text;
} reject_texts[] = {
    {"UNKNOWN_KIND", "Onbekend soort bestand (bestand apart gezet)"},
    {"NOT_UTF8", "Bestand niet in UTF-8 (bestand apart gezet)"},
    {"NOT_CSV", "Bestand is geen CSV (bestand apart gezet)"},
    {"BAD_FILE_NAME", "Ongeldige bestandsnaam (bestand apart gezet)"},
    {"EMPTY_FILE", "Leeg bestand (bestand apart gezet)"},
    {"MISSING_COLUMN", "Verplichte kolom ontbreekt (bestand apart gezet)"},
    {"DUPLICATE_COLUMN", "Kolom staat twee keer in de kop (bestand apart gezet)"},
    {"UNKNOWN_COLUMNS", "Onbekende kolommen (genegeerd)"},
    {"RAGGED_ROW", "Regel met een afwijkend aantal velden"},
    {"QUOTE_UNTERMINATED", "Aanhalingsteken niet gesloten"},
    {"QUOTE_MISPLACED", "Aanhalingsteken op een verkeerde plek"},
    {"FIELD_TOO_LONG", "Veld te lang"},
    {"MISSING_VALUE", "Verplichte waarde ontbreekt"},
    {"INVALID_VALUE", "Ongeldige waarde"},
    {"DUPLICATE_KEY", "Dubbele sleutel in één bestand"},
    {"GROUP_INCOMPLETE", "Verdeling van de besteding onvolledig"},
    {"GROUP_SUM", "Verdeling van de besteding telt niet op tot 100%"},
    {"UNKNOWN_KOPLOPER", "Koploper staat niet in het register"},
    {"EMPTY_REGISTER", "Register zonder geldige regel (vorig register blijft)"},
    {"SUPERSEDED", "Vervangen door een later ingevulde vragenlijst"},
    {"TOO_MANY_REJECTS", "Te veel fouten in één bestand (rest niet gemeld)"},
};

static const char *reject_text(wire_str_t code)
{
    for (size_t i = 0; i < sizeof reject_texts / sizeof reject_texts[0]; i++)
        if (wire_str_eq(code, reject_texts[i].code)) return reject_texts[i].text;
    return "Overige melding";
}

typedef struct {
    const char *key;
    size_t len;
    uint64_t n;
} rcount_t;

static int count_cmp(const void *pa, const void *pb)
{
    const rcount_t *a = pa, *b = pb;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);

    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static void counts(rdoc_t *d, const strmap_t *map, const char *head, int codes)
{
    size_t n = strmap_count(map), k = 0, i = 0, len;
    rcount_t *cs = rd_alloc(d, (n + 1) * sizeof *cs);
    const char *key;
    void *val;
    rtb_t tb;

    if (cs == NULL || d->oom || n == 0) return;
    while (k < n && strmap_entry(map, &i, &key, &len, &val))
        cs[k++] = (rcount_t){key, len, (uint64_t)(uintptr_t)val - 1};
    qsort(cs, k, sizeof *cs, count_cmp);
    rd_table(&tb, d, 2, codes ? "Meldingen per soort" : "Meldingen per bestand");
    rd_col(&tb, 0, head, 0);
    rd_col(&tb, 1, "Aantal", 1);
    for (size_t j = 0; j < k; j++) {
        size_t row = rd_row(&tb, RROW_PLAIN);
        wire_str_t s = {cs[j].key, (uint32_t)cs[j].len};
        rd_set(&tb, row, 0, codes ? reject_text(s) : s.len == 0 ? "(geen)" : rd_str(d, s));
        rd_set(&tb, row, 1, rd_int(d, (int64_t)cs[j].n));
    }
    rd_table_end(&tb, NULL);
}

void rmodel_rejects(rdoc_t *d)
{
    const rmodel_t *m = d->m;

    rd_chapter(d, "meldingen", "Afgewezen en gemelde gegevens");
    if (!m->have_rejects) {
        rd_para(d, "Er is geen overzicht van afgewezen gegevens ontvangen.");
        return;
    }
    if (m->n_rejects == 0) {
        rd_para(d, "Er zijn geen gegevens afgewezen of gemeld.");
        return;
    }
    rd_para(d,
            rd_fmt(d,
                   "Er %s %s %s over de aangeleverde bestanden (afgewezen bestanden, regels en "
                   "waarden, en meldingen). De volledige lijst, met regel, kolom en reden, staat "
                   "in het bestand rejects.csv.",
                   m->n_rejects == 1 ? "is" : "zijn", rd_int(d, (int64_t)m->n_rejects),
                   m->n_rejects == 1 ? "melding" : "meldingen"));
    counts(d, m->codes, "Soort melding", 1);
    counts(d, m->files, "Bestand", 0);
}
