/* rmodel_survey.c - the chapter of one uitvraag (meting) in the report model,
 * laid out as the evaluators do: the response per tranche; then per theme one
 * table of its satisfaction questions (rows: questions; columns: the answers
 * with count and whole percentage, n.v.t. where it was asked, no answer, n
 * asked, n valid, the mean), the same per tranche, the choice questions as
 * tables of their answers, each followed by the same per tranche, the numbers asked for
 * (gebruik_aantal: n, median, quartiles), the spending split, and the open answers quoted. */
#include "rmodel_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const likert_cols[4] = {"zeer_ontevreden", "ontevreden", "tevreden",
                                           "zeer_tevreden"};
static const char *const likert_heads[4] = {"Zeer ontevreden", "Ontevreden", "Tevreden",
                                            "Zeer tevreden"};

/* An item of the meting's tables, placed by theme and catalogue order. */
typedef struct {
    wire_str_t item;
    int64_t thema;
    size_t order; /* row in vragen; SIZE_MAX when not there */
    int kind;     /* T_LIKERT, T_KEUZE, T_BESTEDING, T_OPEN */
    int nvt;      /* likert_nvt */
} sitem_t;

static int sitem_cmp(const void *pa, const void *pb)
{
    const sitem_t *a = pa, *b = pb;

    if (a->thema != b->thema) return a->thema < b->thema ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    if (a->kind != b->kind) return a->kind - b->kind;
    return memcmp(a->item.ptr, b->item.ptr, a->item.len < b->item.len ? a->item.len : b->item.len);
}

typedef struct {
    rdoc_t *d;
    const rmodel_t *m;
    int64_t meting;
    sitem_t *items;
    size_t n_items;
} smet_t;

static void place(smet_t *s, sitem_t *e)
{
    const rtable_t *v = s->m->tables[T_VRAGEN];
    long r = rtable_find_str(v, "item", e->item);

    e->order = SIZE_MAX;
    if (r < 0) return;
    e->order = (size_t)r;
    if (rtable_cell(v, (size_t)r, rtable_col(v, "thema"))->type == WIRE_VAL_INT)
        e->thema = rtable_int(v, (size_t)r, rtable_col(v, "thema"));
    e->nvt = wire_str_eq(rtable_str(v, (size_t)r, rtable_col(v, "type")), "likert_nvt");
}

static void add_item(smet_t *s, int kind, wire_str_t item, int64_t thema, size_t cap)
{
    sitem_t e = {item, thema, SIZE_MAX, kind, 0};

    for (size_t i = 0; i < s->n_items; i++)
        if (s->items[i].kind == kind &&
            (kind == T_BESTEDING || wire_str_same(s->items[i].item, item)))
            return;
    if (s->n_items == cap) return;
    place(s, &e);
    if (kind == T_BESTEDING) e.item = (wire_str_t){"", 0};
    s->items[s->n_items++] = e;
}

/* The items of the meting from likert, keuze, open_antwoorden and the spending split. */
static void collect(smet_t *s)
{
    size_t cap = 0;

    static const int kinds[] = {T_LIKERT, T_KEUZE, T_BESTEDING, T_OPEN, T_AANTALLEN};

    for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++)
        cap += s->m->tables[kinds[q]] != NULL ? s->m->tables[kinds[q]]->n_rows : 0;
    s->items = rd_alloc(s->d, (cap + 1) * sizeof *s->items);
    if (s->items == NULL || s->d->oom) return;
    for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++) {
        int k = kinds[q];
        const rtable_t *t = s->m->tables[k];
        int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item"), cth = rtable_col(t, "thema");
        for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
            int64_t thema =
                rtable_cell(t, r, cth)->type == WIRE_VAL_INT ? rtable_int(t, r, cth) : INT64_MAX;
            wire_str_t item = rtable_str(t, r, ci);
            if (!rtable_is_int(t, r, cm, s->meting)) continue;
            if (k == T_BESTEDING) { /* sits where its first item sits */
                wire_str_t cat = rtable_str(t, r, rtable_col(t, "categorie"));
                const char *nm = rd_fmt(s->d, "besteding_%.*s", (int)cat.len, cat.ptr);
                item = (wire_str_t){nm, (uint32_t)strlen(nm)};
            }
            if (ci < 0 && k != T_BESTEDING) continue;
            add_item(s, k, item, thema, cap);
        }
    }
    qsort(s->items, s->n_items, sizeof *s->items, sitem_cmp);
}

/* ---- response ---- */

static void respons(smet_t *s)
{
    const rtable_t *t = s->m->tables[T_RESPONS];
    int cm = rtable_col(t, "meting"), ct = rtable_col(t, "tranche"),
        cu = rtable_col(t, "uitgenodigd"), cr = rtable_col(t, "respons");
    rtb_t tb;

    rd_table(&tb, s->d, 3, rd_fmt(s->d, "Respons per tranche, uitvraag %" PRId64, s->meting));
    rd_cols(&tb, (const char *const[]){"Tranche", "#Uitgenodigd", "#Respons", NULL});
    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
        wire_str_t tranche = rtable_str(t, r, ct);
        int total = wire_str_eq(tranche, "totaal");
        int64_t inv = rtable_int(t, r, cu), resp = rtable_int(t, r, cr);
        size_t row;
        if (!rtable_is_int(t, r, cm, s->meting)) continue;
        row = rd_row(&tb, total ? RROW_TOTAL : RROW_PLAIN);
        rd_set(&tb, row, 0,
               total ? "Totaal" : rd_fmt(s->d, "Tranche %.*s", (int)tranche.len, tranche.ptr));
        rd_set(&tb, row, 1, rd_int(s->d, inv));
        rd_set(&tb, row, 2,
               inv > 0 ? rd_fmt(s->d, "%s (%s)", rd_int(s->d, resp), rd_pct(s->d, resp, inv))
                       : rd_int(s->d, resp));
    }
    rd_table_end(&tb, "Respons: het aantal ingevulde vragenlijsten dat meetelt, met het percentage "
                      "van de uitgenodigde koplopers.");
}

/* ---- satisfaction questions of a theme ---- */

/* The row of likert (or keuze with its first answer) for meting, group and item, or -1. */
static long find_row(const rtable_t *t, int64_t meting, const char *group, wire_str_t item)
{
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), ci = rtable_col(t, "item");

    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++)
        if (rtable_is_int(t, r, cm, meting) && wire_str_eq(rtable_str(t, r, cg), group) &&
            wire_str_same(rtable_str(t, r, ci), item))
            return (long)r;
    return -1;
}

static void likert_theme(smet_t *s, const sitem_t *it, size_t n, const char *thema)
{
    const rtable_t *t = s->m->tables[T_LIKERT];
    int any_nvt = 0, ck[4];
    int64_t n_max = 0;
    size_t cols, c_nvt, row;
    rtb_t tb;
    rsvg_likert_row_t *bars = rd_alloc(s->d, n * sizeof *bars);
    rfig_t *f;

    for (int k = 0; k < 4; k++)
        ck[k] = rtable_col(t, likert_cols[k]);
    for (size_t i = 0; i < n; i++) {
        long r = find_row(t, s->meting, "alle", it[i].item);
        any_nvt |= it[i].nvt;
        if (r >= 0 && rtable_int(t, (size_t)r, rtable_col(t, "gevraagd")) > n_max)
            n_max = rtable_int(t, (size_t)r, rtable_col(t, "gevraagd"));
    }
    cols = 1 + 4 + (size_t)any_nvt + 4;
    c_nvt = 5;
    rd_table(&tb, s->d, cols,
             rd_fmt(s->d, "Tevredenheid — %s (n = %s)", thema, rd_int(s->d, n_max)));
    rd_col(&tb, 0, "Vraag", 0);
    for (int k = 0; k < 4; k++)
        rd_col(&tb, 1 + (size_t)k, likert_heads[k], 1);
    if (any_nvt) rd_col(&tb, c_nvt, "Niet van toepassing", 1);
    rd_col(&tb, cols - 4, "Geen antwoord", 1);
    rd_col(&tb, cols - 3, "n gevraagd", 1);
    rd_col(&tb, cols - 2, "n geldig", 1);
    rd_col(&tb, cols - 1, "Gemiddelde (1–4)", 1);
    for (size_t i = 0; i < n; i++) {
        long r = find_row(t, s->meting, "alle", it[i].item);
        int64_t valid = 0;
        if (r < 0) continue;
        for (int k = 0; k < 4; k++)
            valid += rtable_int(t, (size_t)r, ck[k]);
        row = rd_row(&tb, RROW_PLAIN);
        rd_set(&tb, row, 0, rd_question(s->d, it[i].item));
        for (int k = 0; k < 4; k++) {
            int64_t v = rtable_int(t, (size_t)r, ck[k]);
            rd_set(&tb, row, 1 + (size_t)k,
                   rd_fmt(s->d, "%s (%s)", rd_int(s->d, v), rd_pct(s->d, v, valid)));
        }
        if (any_nvt)
            rd_set(&tb, row, c_nvt,
                   it[i].nvt ? rd_int(s->d, rtable_int(t, (size_t)r, rtable_col(t, "nvt")))
                             : "niet gevraagd");
        rd_set(&tb, row, cols - 4,
               rd_int(s->d, rtable_int(t, (size_t)r, rtable_col(t, "ontbrekend"))));
        rd_set(&tb, row, cols - 3,
               rd_int(s->d, rtable_int(t, (size_t)r, rtable_col(t, "gevraagd"))));
        rd_set(&tb, row, cols - 2, rd_int(s->d, valid));
        rd_set(&tb, row, cols - 1, rd_cell(s->d, t, (size_t)r, rtable_col(t, "gemiddelde"), 2, ""));
        if (bars == NULL || s->d->oom) continue;
        rsvg_likert_row_t *b = &bars[tb.t->n_rows - 1];
        const char *q = rd_question(s->d, it[i].item);
        b->label = (wire_str_t){q, (uint32_t)strlen(q)};
        for (int k = 0; k < 4; k++)
            b->k[k] = rtable_int(t, (size_t)r, ck[k]);
        b->nvt = rtable_int(t, (size_t)r, rtable_col(t, "nvt"));
        b->ontbrekend = rtable_int(t, (size_t)r, rtable_col(t, "ontbrekend"));
        b->show_nvt = it[i].nvt;
        b->mean = rtable_cell(t, (size_t)r, rtable_col(t, "gemiddelde"));
        b->not_asked = rtable_is_int(t, (size_t)r, rtable_col(t, "gevraagd"), 0);
    }
    size_t shown = tb.t->n_rows;
    rd_table_end(&tb, "Per antwoord het aantal koplopers en het percentage van de geldige "
                      "antwoorden (zonder 'Niet van toepassing' en 'Geen antwoord'). n gevraagd: "
                      "koplopers die de vraag in hun vragenlijst hadden.");
    if (shown == 0 || bars == NULL) return;
    f = rd_figure(s->d, RF_LIKERT, rd_fmt(s->d, "Tevredenheid — %s", thema));
    f->likert = bars;
    f->n = shown;
}

#define MAX_GROUPS 64

/* A per-group table's note, with rd_protect_note after it when a group of the
 * table was hidden to protect another (*protect of rd_suppressed). */
static const char *with_protect_note(rdoc_t *d, const char *note, int protect)
{
    return protect ? rd_fmt(d, "%s %s", note, rd_protect_note) : note;
}

/* The groups other than alle that table t has for the meting and one of the
 * items it[0..n), in table order, into groups (at most MAX_GROUPS). */
static size_t item_groups(smet_t *s, const rtable_t *t, const sitem_t *it, size_t n,
                          wire_str_t *groups)
{
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), ci = rtable_col(t, "item");
    size_t n_groups = 0;

    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
        wire_str_t g = rtable_str(t, r, cg);
        int seen = 0;
        if (!rtable_is_int(t, r, cm, s->meting) || wire_str_eq(g, "alle")) continue;
        for (size_t i = 0; i < n_groups; i++)
            seen |= wire_str_same(groups[i], g);
        for (size_t i = 0; !seen && i < n; i++)
            if (wire_str_same(rtable_str(t, r, ci), it[i].item) && n_groups < MAX_GROUPS)
                groups[n_groups++] = g, seen = 1;
    }
    return n_groups;
}

/* The share (zeer) tevreden per tranche of the theme's satisfaction questions. */
static void likert_tranches(smet_t *s, const sitem_t *it, size_t n, const char *thema)
{
    const rtable_t *t = s->m->tables[T_LIKERT];
    wire_str_t groups[MAX_GROUPS];
    size_t n_groups = item_groups(s, t, it, n, groups);
    int protect = 0;
    rtb_t tb;

    if (n_groups == 0) return;
    rd_table(&tb, s->d, 1 + n_groups,
             rd_fmt(s->d, "Aandeel (zeer) tevreden per tranche — %s", thema));
    rd_col(&tb, 0, "Vraag", 0);
    for (size_t g = 0; g < n_groups; g++)
        rd_col(&tb, 1 + g, rd_group(s->d, groups[g]), 1);
    for (size_t i = 0; i < n; i++) {
        size_t row = rd_row(&tb, RROW_PLAIN);
        rd_set(&tb, row, 0, rd_question(s->d, it[i].item));
        for (size_t g = 0; g < n_groups; g++) {
            char group[80];
            long r;
            int64_t valid = 0, pos;
            snprintf(group, sizeof group, "%.*s", (int)groups[g].len, groups[g].ptr);
            r = find_row(t, s->meting, group, it[i].item);
            if (r < 0) continue;
            if (rtable_suppressed(t, (size_t)r)) {
                rd_set(&tb, row, 1 + g, rd_suppressed(s->d, s->meting, groups[g], &protect));
                continue;
            }
            if (rtable_is_int(t, (size_t)r, rtable_col(t, "gevraagd"), 0)) {
                rd_set(&tb, row, 1 + g, "niet gevraagd");
                continue;
            }
            for (int k = 0; k < 4; k++)
                valid += rtable_int(t, (size_t)r, rtable_col(t, likert_cols[k]));
            pos = rtable_int(t, (size_t)r, rtable_col(t, "tevreden")) +
                  rtable_int(t, (size_t)r, rtable_col(t, "zeer_tevreden"));
            rd_set(&tb, row, 1 + g,
                   rd_fmt(s->d, "%s (n = %s)", rd_pct(s->d, pos, valid), rd_int(s->d, valid)));
        }
    }
    rd_table_end(&tb, with_protect_note(s->d,
                                        "Percentage tevreden of zeer tevreden van de geldige "
                                        "antwoorden, met het aantal geldige antwoorden.",
                                        protect));
}

/* ---- choice questions ---- */

/* The answers of a keuze item for meting and group, in table order: rows into *rows. */
static size_t keuze_group_rows(smet_t *s, wire_str_t group, wire_str_t item, size_t *rows,
                               size_t cap)
{
    const rtable_t *t = s->m->tables[T_KEUZE];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), ci = rtable_col(t, "item");
    size_t n = 0;

    for (size_t r = 0; cm >= 0 && r < t->n_rows && n < cap; r++)
        if (rtable_is_int(t, r, cm, s->meting) && wire_str_same(rtable_str(t, r, cg), group) &&
            wire_str_same(rtable_str(t, r, ci), item))
            rows[n++] = r;
    return n;
}

static size_t keuze_rows(smet_t *s, wire_str_t item, size_t *rows, size_t cap)
{
    return keuze_group_rows(s, (wire_str_t){"alle", 4}, item, rows, cap);
}

/* The given answers of keuze rows rs[0..k) (every answer but ontbrekend) and,
 * in *missing, those not answered (ontbrekend). */
static int64_t keuze_valid(const rtable_t *t, const size_t *rs, size_t k, int64_t *missing)
{
    int ca = rtable_col(t, "antwoord"), cn = rtable_col(t, "aantal");
    int64_t valid = 0;
    *missing = 0;
    for (size_t a = 0; a < k; a++) {
        if (wire_str_eq(rtable_str(t, rs[a], ca), "ontbrekend"))
            *missing += rtable_int(t, rs[a], cn);
        else
            valid += rtable_int(t, rs[a], cn);
    }
    return valid;
}

/* The answer cells of keuze rows rs[0..k) in row `row` of tb from column c0:
 * each answer but ontbrekend (at most n_cats) as "count (whole % of valid)";
 * with counts not NULL, the counts into it too. */
static void keuze_cells(smet_t *s, rtb_t *tb, size_t row, size_t c0, const size_t *rs, size_t k,
                        size_t n_cats, int64_t valid, int64_t *counts)
{
    const rtable_t *t = s->m->tables[T_KEUZE];
    int ca = rtable_col(t, "antwoord"), cn = rtable_col(t, "aantal");
    for (size_t a = 0, c = 0; a < k && c < n_cats; a++) {
        int64_t v = rtable_int(t, rs[a], cn);
        if (wire_str_eq(rtable_str(t, rs[a], ca), "ontbrekend")) continue;
        if (counts != NULL) counts[c] = v;
        rd_set(tb, row, c0 + c++, rd_fmt(s->d, "%s (%s)", rd_int(s->d, v), rd_pct(s->d, v, valid)));
    }
}

/* Whether two keuze items have the same answers in the same order. */
static int same_answers(smet_t *s, wire_str_t a, wire_str_t b)
{
    const rtable_t *t = s->m->tables[T_KEUZE];
    size_t ra[RSVG_MAX_CATS + 1], rb[RSVG_MAX_CATS + 1];
    size_t na = keuze_rows(s, a, ra, RSVG_MAX_CATS + 1),
           nb = keuze_rows(s, b, rb, RSVG_MAX_CATS + 1);
    int ca = rtable_col(t, "antwoord");

    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (!wire_str_same(rtable_str(t, ra[i], ca), rtable_str(t, rb[i], ca))) return 0;
    return 1;
}

static void keuze_tranches(smet_t *s, const sitem_t *it, size_t n, const char *thema,
                           const wire_str_t *cats, size_t n_cats);

/* One table for consecutive keuze items it[0..n) with the same answers, its
 * chart, and the same per tranche. */
static void keuze_table(smet_t *s, const sitem_t *it, size_t n, const char *thema)
{
    const rtable_t *t = s->m->tables[T_KEUZE];
    int ca = rtable_col(t, "antwoord");
    size_t rows[RSVG_MAX_CATS + 1], n_ans = keuze_rows(s, it[0].item, rows, RSVG_MAX_CATS + 1);
    size_t n_cats = 0, cols;
    wire_str_t *cats = rd_alloc(s->d, (RSVG_MAX_CATS + 1) * sizeof *cats);
    rsvg_choice_row_t *bars = rd_alloc(s->d, n * sizeof *bars);
    rtb_t tb;
    rfig_t *f;

    if (cats == NULL || bars == NULL || s->d->oom) return;
    for (size_t a = 0; a < n_ans; a++) {
        wire_str_t code = rtable_str(t, rows[a], ca);
        if (wire_str_eq(code, "ontbrekend") || n_cats == RSVG_MAX_CATS) continue;
        const char *l = rd_answer(s->d, it[0].item, code);
        cats[n_cats++] = (wire_str_t){l, (uint32_t)strlen(l)};
    }
    cols = 1 + n_cats + 3;
    rd_table(&tb, s->d, cols,
             rd_fmt(s->d, "%s — %s", n == 1 ? "Keuzevraag" : "Keuzevragen", thema));
    rd_col(&tb, 0, "Vraag", 0);
    for (size_t c = 0; c < n_cats; c++)
        rd_col(&tb, 1 + c, rd_str(s->d, cats[c]), 1);
    rd_col(&tb, cols - 3, "Geen antwoord", 1);
    rd_col(&tb, cols - 2, "n gevraagd", 1);
    rd_col(&tb, cols - 1, "n geldig", 1);
    for (size_t i = 0; i < n; i++) {
        size_t rs[RSVG_MAX_CATS + 1], k = keuze_rows(s, it[i].item, rs, RSVG_MAX_CATS + 1);
        int64_t missing, valid = keuze_valid(t, rs, k, &missing);
        size_t row = rd_row(&tb, RROW_PLAIN);
        const char *q = rd_question(s->d, it[i].item);
        rd_set(&tb, row, 0, q);
        bars[i].label = (wire_str_t){q, (uint32_t)strlen(q)};
        keuze_cells(s, &tb, row, 1, rs, k, n_cats, valid, bars[i].k);
        bars[i].ontbrekend = missing;
        bars[i].not_asked = valid + missing == 0;
        rd_set(&tb, row, cols - 3, rd_int(s->d, missing));
        rd_set(&tb, row, cols - 2, rd_int(s->d, valid + missing));
        rd_set(&tb, row, cols - 1, rd_int(s->d, valid));
    }
    rd_table_end(&tb, "Per antwoord het aantal koplopers en het percentage van de gegeven "
                      "antwoorden.");
    f = rd_figure(s->d, RF_CHOICE,
                  rd_fmt(s->d, "%s — %s", n == 1 ? "Keuzevraag" : "Keuzevragen", thema));
    f->choice = bars;
    f->n = n;
    f->cats = cats;
    f->n_cats = n_cats;
    keuze_tranches(s, it, n, thema, cats, n_cats);
}

/* The answers of keuze items it[0..n) (same answers, labels cats) per tranche:
 * rows the tranches (per question when there are several) and all koplopers,
 * columns the answers as count (whole % of the valid answers) and n valid. A
 * suppressed group says why; a group none of whose responses was asked the
 * question says so. */
static void keuze_tranches(smet_t *s, const sitem_t *it, size_t n, const char *thema,
                           const wire_str_t *cats, size_t n_cats)
{
    const rtable_t *t = s->m->tables[T_KEUZE];
    wire_str_t groups[MAX_GROUPS + 1];
    size_t n_groups = item_groups(s, t, it, n, groups), c0 = n > 1 ? 2 : 1, cols = c0 + n_cats + 1;
    int protect = 0;
    rtb_t tb;

    if (n_groups == 0) return;
    groups[n_groups++] = (wire_str_t){"alle", 4};
    rd_table(&tb, s->d, cols,
             n == 1 ? rd_fmt(s->d, "Per tranche: %s", rd_question(s->d, it[0].item))
                    : rd_fmt(s->d, "Keuzevragen per tranche — %s", thema));
    if (n > 1) rd_col(&tb, 0, "Vraag", 0);
    rd_col(&tb, c0 - 1, "Tranche", 0);
    for (size_t c = 0; c < n_cats; c++)
        rd_col(&tb, c0 + c, rd_str(s->d, cats[c]), 1);
    rd_col(&tb, cols - 1, "n geldig", 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t g = 0; g < n_groups; g++) {
            size_t rs[RSVG_MAX_CATS + 1],
                k = keuze_group_rows(s, groups[g], it[i].item, rs, RSVG_MAX_CATS + 1);
            int64_t missing, valid;
            size_t row;
            if (k == 0) continue;
            row = rd_row(&tb, g + 1 == n_groups ? RROW_TOTAL : RROW_PLAIN);
            if (n > 1) rd_set(&tb, row, 0, rd_question(s->d, it[i].item));
            rd_set(&tb, row, c0 - 1, rd_group(s->d, groups[g]));
            if (rtable_suppressed(t, rs[0])) {
                rd_set(&tb, row, c0, rd_suppressed(s->d, s->meting, groups[g], &protect));
                continue;
            }
            valid = keuze_valid(t, rs, k, &missing);
            if (valid + missing == 0) {
                rd_set(&tb, row, c0, "niet gevraagd");
                continue;
            }
            keuze_cells(s, &tb, row, c0, rs, k, n_cats, valid, NULL);
            rd_set(&tb, row, cols - 1, rd_int(s->d, valid));
        }
    }
    rd_table_end(&tb, with_protect_note(s->d,
                                        "Per antwoord het aantal koplopers en het percentage van "
                                        "de gegeven antwoorden (n geldig).",
                                        protect));
}

/* ---- spending split ---- */

/* "Besteding: interne projectleiding (%)" -> "Interne projectleiding". */
static const char *category_label(smet_t *s, wire_str_t cat)
{
    char name[160];
    int n = snprintf(name, sizeof name, "besteding_%.*s", (int)cat.len, cat.ptr);
    const char *q = rd_question(s->d, (wire_str_t){name, (uint32_t)(n < 0 ? 0 : n)});
    const char *colon = strstr(q, ": ");
    char *l;
    size_t len;

    if (strncmp(q, "Vraag over ", 11) == 0) return rd_answer(s->d, (wire_str_t){"", 0}, cat);
    if (colon != NULL) q = colon + 2;
    len = strlen(q);
    if (len > 4 && strcmp(q + len - 4, " (%)") == 0) len -= 4;
    l = (char *)rd_fmt(s->d, "%.*s", (int)len, q);
    if (l[0] >= 'a' && l[0] <= 'z') l[0] = (char)(l[0] - 'a' + 'A');
    return l;
}

static void besteding(smet_t *s, const char *thema)
{
    static const char *const pcts[4] = {"gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"};
    static const char *const heads[4] = {"Gemiddeld", "Mediaan", "Minimum", "Maximum"};
    const rtable_t *t = s->m->tables[T_BESTEDING];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), cc = rtable_col(t, "categorie");
    wire_str_t *labels = rd_alloc(s->d, (t != NULL ? t->n_rows : 0) * sizeof *labels + 1);
    double *values = rd_alloc(s->d, (t != NULL ? t->n_rows : 0) * sizeof *values + 1);
    int64_t n_resp = 0;
    rtb_t tb;
    rfig_t *f;

    if (labels == NULL || values == NULL || s->d->oom) return;
    rd_table(&tb, s->d, 6, "");
    rd_col(&tb, 0, "Categorie", 0);
    rd_col(&tb, 1, "n", 1);
    for (int k = 0; k < 4; k++)
        rd_col(&tb, 2 + (size_t)k, heads[k], 1);
    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
        size_t row;
        const char *l;
        if (!rtable_is_int(t, r, cm, s->meting) || !wire_str_eq(rtable_str(t, r, cg), "alle"))
            continue;
        row = rd_row(&tb, RROW_PLAIN);
        l = category_label(s, rtable_str(t, r, cc));
        rd_set(&tb, row, 0, l);
        rd_set(&tb, row, 1, rd_cell(s->d, t, r, rtable_col(t, "n"), 0, ""));
        if (rtable_int(t, r, rtable_col(t, "n")) > n_resp)
            n_resp = rtable_int(t, r, rtable_col(t, "n"));
        for (int k = 0; k < 4; k++)
            rd_set(&tb, row, 2 + (size_t)k, rd_cell(s->d, t, r, rtable_col(t, pcts[k]), 0, "%"));
        labels[tb.t->n_rows - 1] = (wire_str_t){l, (uint32_t)strlen(l)};
        const wire_value_t *v = rtable_cell(t, r, rtable_col(t, "gemiddeld_pct"));
        values[tb.t->n_rows - 1] = v->type == WIRE_VAL_REAL  ? v->r
                                   : v->type == WIRE_VAL_INT ? (double)v->i
                                                             : -1;
    }
    tb.t->caption =
        rd_fmt(s->d, "Besteding van de projectmiddelen (%% van het budget) — %s (n = %s)", thema,
               rd_int(s->d, n_resp));
    size_t shown = tb.t->n_rows;
    rd_table_end(&tb, "n: koplopers die de verdeling volledig invulden (samen 100%).");
    if (shown == 0) return;
    f = rd_figure(s->d, RF_BARS,
                  "Besteding van de projectmiddelen, gemiddeld percentage van het budget");
    f->labels = labels;
    f->values = values;
    f->n = shown;
}

/* ---- numbers asked for (aantal items) ---- */

static void aantal_table(smet_t *s, const sitem_t *it, size_t n, const char *thema)
{
    static const char *const cols[] = {"gevraagd", "n",  "minimum", "q1",
                                       "mediaan",  "q3", "maximum"};
    const rtable_t *t = s->m->tables[T_AANTALLEN];
    rtb_t tb;

    rd_table(&tb, s->d, 8, rd_fmt(s->d, "Aantallen — %s", thema));
    rd_cols(&tb, (const char *const[]){"Vraag", "#n gevraagd", "#n geldig", "#Minimum",
                                       "#Eerste kwartiel", "#Mediaan", "#Derde kwartiel",
                                       "#Maximum", NULL});
    for (size_t i = 0; i < n; i++) {
        long r = -1;
        int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item");
        for (size_t q = 0; cm >= 0 && q < t->n_rows && r < 0; q++)
            if (rtable_is_int(t, q, cm, s->meting) &&
                wire_str_same(rtable_str(t, q, ci), it[i].item))
                r = (long)q;
        if (r < 0) continue;
        size_t row = rd_row(&tb, RROW_PLAIN);
        rd_set(&tb, row, 0, rd_question(s->d, it[i].item));
        for (size_t c = 0; c < 7; c++)
            rd_set(
                &tb, row, 1 + c,
                rd_cell(s->d, t, (size_t)r, rtable_col(t, cols[c]), c >= 3 && c <= 5 ? 1 : 0, ""));
    }
    rd_table_end(&tb, "Over de geldige antwoorden van alle koplopers: de kleinste en de grootste "
                      "waarde, de mediaan en de kwartielen (een kwart van de antwoorden ligt onder "
                      "het eerste kwartiel, een kwart boven het derde).");
}

/* ---- open answers ---- */

static void open_answers(smet_t *s, wire_str_t item)
{
    const rtable_t *t = s->m->tables[T_OPEN];
    int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item"), ct = rtable_col(t, "tekst");
    const char **q = rd_alloc(s->d, (t != NULL ? t->n_rows : 0) * sizeof *q + 1);
    size_t n = 0;

    if (q == NULL || s->d->oom) return;
    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++)
        if (rtable_is_int(t, r, cm, s->meting) && wire_str_same(rtable_str(t, r, ci), item))
            q[n++] = rd_str(s->d, rtable_str(t, r, ct));
    if (n == 0) return;
    rd_quotes(s->d,
              rd_fmt(s->d, "%s (%s %s)", rd_question(s->d, item), rd_int(s->d, (int64_t)n),
                     n == 1 ? "antwoord" : "antwoorden"),
              q, n);
}

/* ---- the chapter ---- */

static const char *theme_name(smet_t *s, int64_t thema)
{
    const rtable_t *v = s->m->tables[T_VRAGEN];
    int cth = rtable_col(v, "thema"), cn = rtable_col(v, "thema_naam");

    if (thema == INT64_MAX) return "Overige vragen";
    for (size_t r = 0; cth >= 0 && r < v->n_rows; r++)
        if (rtable_is_int(v, r, cth, thema) && rtable_str(v, r, cn).len > 0)
            return rd_str(s->d, rtable_str(v, r, cn));
    return NULL;
}

static void theme(smet_t *s, const sitem_t *it, size_t n)
{
    const char *name = theme_name(s, it[0].thema);
    size_t n_likert = 0, n_open = 0, n_aantal = 0;
    sitem_t *lk = rd_alloc(s->d, n * sizeof *lk), *aa = rd_alloc(s->d, n * sizeof *aa);

    if (lk == NULL || aa == NULL || s->d->oom) return;
    if (name == NULL) { /* a theme without a name in vragen */
        name = rd_fmt(s->d, "thema %" PRId64, it[0].thema);
        rd_heading(s->d, 3, NULL, rd_fmt(s->d, "Thema %" PRId64, it[0].thema));
    } else {
        rd_heading(s->d, 3, NULL,
                   it[0].thema == INT64_MAX
                       ? name
                       : rd_fmt(s->d, "Thema %" PRId64 ": %s", it[0].thema, name));
    }
    for (size_t i = 0; i < n; i++)
        if (it[i].kind == T_LIKERT) lk[n_likert++] = it[i];
    if (n_likert > 0) {
        likert_theme(s, lk, n_likert, name);
        likert_tranches(s, lk, n_likert, name);
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (it[i].kind != T_KEUZE) {
            if (it[i].kind == T_BESTEDING) besteding(s, name);
            if (it[i].kind == T_AANTALLEN) aa[n_aantal++] = it[i];
            n_open += it[i].kind == T_OPEN;
            i++;
            continue;
        }
        while (j < n && it[j].kind == T_KEUZE && same_answers(s, it[i].item, it[j].item))
            j++;
        keuze_table(s, &it[i], j - i, name);
        i = j;
    }
    if (n_aantal > 0) aantal_table(s, aa, n_aantal, name);
    if (n_open == 0) return;
    rd_heading(s->d, 4, NULL, rd_fmt(s->d, "Open antwoorden — %s", name));
    for (size_t i = 0; i < n; i++)
        if (it[i].kind == T_OPEN) open_answers(s, it[i].item);
}

void rmodel_survey(rdoc_t *d, int64_t meting)
{
    smet_t s = {d, d->m, meting, NULL, 0};

    rd_chapter(d, rd_fmt(d, "uitvraag-%" PRId64, meting), rd_fmt(d, "Uitvraag %" PRId64, meting));
    respons(&s);
    collect(&s);
    for (size_t i = 0; i < s.n_items && !d->oom;) {
        size_t j = i + 1;
        while (j < s.n_items && s.items[j].thema == s.items[i].thema)
            j++;
        theme(&s, &s.items[i], j - i);
        i = j;
    }
}
