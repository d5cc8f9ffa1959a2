/* rapport_html.c - the Dutch HTML report (see rapport_html.h); the satisfied
 * shares and the Vergelijkingen section are in rapport_html_cmp.c. */
#include "rapport_html.h"
#include "rapport_html_int.h"

#include "kpm_err.h"
#include "rapport_svg.h"
#include "rsection.h"
#include "rtable.h"
#include "strmap.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CUR_NONE = -1, CUR_REJECTS = T_KEPT, CUR_GEBRUIK, CUR_GEBRUIK_JAAR };

static const char *const kept_names[T_KEPT] = {
    "respons", "likert", "keuze", "besteding", "vragen", "tevredenheid", "vergelijking"};
static const char *const likert_cols[4] = {"zeer_ontevreden", "ontevreden", "tevreden",
                                           "zeer_tevreden"};


/* ---- keeping tables ---- */

rapport_html_t *rapport_html_new(void)
{
    rapport_html_t *h = calloc(1, sizeof *h);

    if (h == NULL) return NULL;
    h->cur = CUR_NONE;
    h->codes = strmap_new();
    h->usage = strmap_new();
    h->koploper = strmap_new();
    if (h->codes == NULL || h->usage == NULL || h->koploper == NULL) rapport_html_destroy(&h);
    return h;
}

void rapport_html_destroy(rapport_html_t **ph)
{
    rapport_html_t *h;

    if (ph == NULL || *ph == NULL) return;
    h = *ph;
    for (int i = 0; i < T_KEPT; i++)
        rtable_destroy(&h->tables[i]);
    strmap_destroy(&h->codes);
    strmap_destroy(&h->usage);
    strmap_destroy(&h->koploper);
    free(h->use);
    free(h);
    *ph = NULL;
}

int rapport_html_table_begin(rapport_html_t *h, const wire_table_begin_t *tb)
{
    h->cur = CUR_NONE;
    if (wire_str_eq(tb->name, "rejects")) {
        h->cur = CUR_REJECTS;
        h->have_rejects = 1;
        h->col[0] = wire_table_col(tb, "code");
        return KPM_OK;
    }
    if (wire_str_eq(tb->name, "gebruik")) {
        h->cur = CUR_GEBRUIK;
        h->col[0] = wire_table_col(tb, "periode");
        h->col[1] = wire_table_col(tb, "gemeente_code");
        h->col[2] = wire_table_col(tb, "nieuwe_vragen");
        return KPM_OK;
    }
    if (wire_str_eq(tb->name, "gebruik_jaar")) {
        h->cur = CUR_GEBRUIK_JAAR;
        h->col[0] = wire_table_col(tb, "eenheid");
        h->col[1] = wire_table_col(tb, "id");
        h->col[2] = wire_table_col(tb, "koploper");
        return KPM_OK;
    }
    for (int i = 0; i < T_KEPT; i++) {
        if (wire_str_eq(tb->name, kept_names[i])) h->cur = i;
    }
    if (h->cur == CUR_NONE) return KPM_OK;
    rtable_destroy(&h->tables[h->cur]);
    h->tables[h->cur] = rtable_new(tb);
    return h->tables[h->cur] != NULL ? KPM_OK : KPM_ENOMEM;
}

static wire_str_t row_str(const wire_table_row_t *row, int c)
{
    wire_str_t none = {"", 0};

    if (c < 0 || (uint32_t)c >= row->n_cells || row->cells[c].type != WIRE_VAL_STR) return none;
    return row->cells[c].s;
}

static int count_up(strmap_t *map, wire_str_t key)
{
    uintptr_t n = (uintptr_t)strmap_get(map, key.ptr, key.len);

    return strmap_put(map, key.ptr, key.len, (void *)(n == 0 ? 2 : n + 1), NULL);
}

/* gebruik: nieuwe_vragen summed per (month, gemeente). */
static int add_usage(rapport_html_t *h, const wire_table_row_t *row)
{
    wire_str_t periode = row_str(row, h->col[0]), gemeente = row_str(row, h->col[1]);
    char key[160];
    size_t len;
    uintptr_t idx;
    const wire_value_t *v;

    if (periode.len == 0 || gemeente.len == 0 || periode.len + gemeente.len + 1 > sizeof key)
        return KPM_OK;
    memcpy(key, periode.ptr, periode.len);
    key[periode.len] = '\t';
    memcpy(key + periode.len + 1, gemeente.ptr, gemeente.len);
    len = periode.len + 1 + gemeente.len;
    idx = (uintptr_t)strmap_get(h->usage, key, len);
    if (idx == 0) {
        if (h->n_use == h->cap_use) {
            size_t cap = h->cap_use ? h->cap_use * 2 : 256;
            usage_t *n = realloc(h->use, cap * sizeof *n);
            if (n == NULL) return KPM_ENOMEM;
            h->use = n;
            h->cap_use = cap;
        }
        h->use[h->n_use] = (usage_t){0, 0};
        idx = ++h->n_use;
        if (strmap_put(h->usage, key, len, (void *)idx, NULL) != KPM_OK) return KPM_ENOMEM;
    }
    v = h->col[2] >= 0 ? &row->cells[h->col[2]] : NULL;
    if (v != NULL && v->type == WIRE_VAL_INT) {
        h->use[idx - 1].sum += v->i;
        h->use[idx - 1].has = 1;
    }
    return KPM_OK;
}

int rapport_html_table_row(rapport_html_t *h, const wire_table_row_t *row)
{
    wire_str_t id;

    switch (h->cur) {
    case CUR_NONE:
        return KPM_OK;
    case CUR_REJECTS:
        h->n_rejects++;
        return count_up(h->codes, row_str(row, h->col[0]));
    case CUR_GEBRUIK:
        return add_usage(h, row);
    case CUR_GEBRUIK_JAAR:
        id = row_str(row, h->col[1]);
        if (!wire_str_eq(row_str(row, h->col[0]), "gemeente") || id.len == 0) return KPM_OK;
        return strmap_put(
            h->koploper, id.ptr, id.len,
            (void *)(uintptr_t)(wire_str_eq(row_str(row, h->col[2]), "ja") ? 1 : 2), NULL);
    default:
        return rtable_add(h->tables[h->cur], row);
    }
}

void rapport_html_table_end(rapport_html_t *h)
{
    h->cur = CUR_NONE;
}

/* ---- reading kept tables ---- */

static long vraag_row(const rapport_html_t *h, wire_str_t item)
{
    return rtable_find_str(h->tables[T_VRAGEN], "item", item);
}

wire_str_t rapport_html_group_label(wire_str_t g, char *buf)
{
    int n;

    if (wire_str_eq(g, "alle")) return (wire_str_t){"Alle koplopers", 14};
    if (g.len > 8 && g.len < LABEL_MAX - 10 && memcmp(g.ptr, "tranche-", 8) == 0) {
        n = snprintf(buf, LABEL_MAX, "Tranche %.*s", (int)(g.len - 8), g.ptr + 8);
        return (wire_str_t){buf, (uint32_t)n};
    }
    return g;
}

/* ---- the page ---- */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>Koploperproject onafhankelijke cliëntondersteuning — rapport</title>\n"
    "<style>\n"
    "body{font-family:\"DejaVu Sans\",\"Segoe UI\",Arial,sans-serif;color:#1f2933;margin:0 auto;"
    "max-width:52rem;padding:1.5rem;line-height:1.45;background:#fff}\n"
    "h1{font-size:1.6rem;margin:0 0 .3rem}\n"
    "h2{font-size:1.35rem;border-bottom:2px solid #1f2933;padding-bottom:.2rem;margin-top:2.4rem}\n"
    "h3{font-size:1.1rem;margin:1.8rem 0 .6rem}\n"
    "figure{margin:.8rem 0 1.6rem}\n"
    "figcaption{font-weight:600;margin-bottom:.35rem}\n"
    "figcaption .item,td .item{font-weight:normal;color:#616e7c;font-size:.85em}\n"
    "h3 .kop{display:block;font-size:.9rem;font-weight:normal;color:#52606d;margin-top:.15rem}\n"
    "td .sub{display:block;font-size:.8em;font-weight:normal;color:#52606d;white-space:nowrap}\n"
    "tr.sig td{font-weight:700}\n"
    "table.vergelijking td+td{white-space:nowrap}\n"
    "svg{display:block;width:100%;max-width:800px;height:auto}\n"
    "svg text{font-size:12px}\n"
    "svg .n,svg .side,svg .muted,svg .axis{fill:#52606d}\n"
    "svg .side,svg .axis,svg .legend{font-size:11px}\n"
    "svg .muted{font-style:italic}\n"
    "svg .seg{font-size:11px;font-weight:600}\n"
    "svg .value{font-size:11px}\n"
    "svg .grid{stroke:#e4e7eb;stroke-width:1}\n"
    "svg .mid{stroke:#1f2933;stroke-width:1.5}\n"
    "svg .sig{font-weight:700;fill:#1f2933}\n"
    "table{border-collapse:collapse;margin:.4rem 0 1.2rem;font-size:.9rem}\n"
    "th,td{border-bottom:1px solid #d9dee3;padding:.25rem .7rem;text-align:left}\n"
    "th{border-bottom:2px solid #9aa5b1}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.totaal td{font-weight:600}\n"
    ".note{color:#52606d;font-size:.9rem}\n"
    ".onderdrukt{color:#52606d;font-style:italic}\n"
    "nav ul{margin:.3rem 0;padding-left:1.2rem}\n"
    "footer{margin-top:3rem;color:#52606d;font-size:.85rem;border-top:1px solid #d9dee3;"
    "padding-top:.6rem}\n"
    "@media print{\n"
    "@page{size:A4;margin:14mm}\n"
    "body{max-width:none;padding:0;font-size:10pt}\n"
    "nav{display:none}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "section+section>h2{break-before:page}\n"
    "h2,h3,figcaption{break-after:avoid}\n"
    "figure,table,tr{break-inside:avoid}\n"
    "a{color:inherit;text-decoration:none}\n"
    "}\n"
    "</style>\n</head>\n<body>\n";

static void cell_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix)
{
    fputs("<td class=\"num\">", fp);
    rapport_html_num(fp, v, format, suffix);
    fputs("</td>", fp);
}

static void write_respons(const rapport_html_t *h, FILE *fp, int64_t meting)
{
    const rtable_t *t = h->tables[T_RESPONS];
    int cm = rtable_col(t, "meting"), ct = rtable_col(t, "tranche");
    int any = 0;

    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
        wire_str_t tranche = rtable_str(t, r, ct);
        int total = wire_str_eq(tranche, "totaal");
        if (!rtable_is_int(t, r, cm, meting)) continue;
        if (!any++)
            fputs("<h3>Respons</h3>\n<table class=\"respons\">\n<thead><tr><th>Tranche</th>"
                  "<th class=\"num\">Uitgenodigd</th><th class=\"num\">Respons</th>"
                  "<th class=\"num\">Respons %</th></tr></thead>\n<tbody>\n",
                  fp);
        fputs(total ? "<tr class=\"totaal\"><td>Totaal" : "<tr><td>", fp);
        if (!total) rapport_html_text(fp, tranche.ptr, tranche.len);
        fputs("</td>", fp);
        cell_num(fp, rtable_cell(t, r, rtable_col(t, "uitgenodigd")), "int", "");
        cell_num(fp, rtable_cell(t, r, rtable_col(t, "respons")), "int", "");
        cell_num(fp, rtable_cell(t, r, rtable_col(t, "respons_pct")), "pct1", "%");
        fputs("</tr>\n", fp);
    }
    if (any) fputs("</tbody>\n</table>\n", fp);
}

wire_str_t rapport_html_question(const rapport_html_t *h, wire_str_t item)
{
    const rtable_t *v = h->tables[T_VRAGEN];
    long r = vraag_row(h, item);
    wire_str_t text = r >= 0 ? rtable_str(v, (size_t)r, rtable_col(v, "vraag")) : item;

    return text.len > 0 ? text : item;
}

void rapport_html_question_text(FILE *fp, wire_str_t text, wire_str_t item)
{
    rapport_html_text(fp, text.ptr, text.len);
    if (!wire_str_same(text, item)) {
        fputs(" <span class=\"item\">(", fp);
        rapport_html_text(fp, item.ptr, item.len);
        fputs(")</span>", fp);
    }
}

static void figure_open(FILE *fp, wire_str_t text, wire_str_t item)
{
    fputs("<figure>\n<figcaption>", fp);
    rapport_html_question_text(fp, text, item);
    fputs("</figcaption>\n", fp);
}

/* Rows of t for the meting and item, in table order (groups as aggregate sent them). */
static size_t item_rows(const rtable_t *t, int64_t meting, wire_str_t item, size_t *out, size_t cap)
{
    int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item");
    size_t n = 0;

    for (size_t r = 0; cm >= 0 && ci >= 0 && r < t->n_rows && n < cap; r++) {
        if (rtable_is_int(t, r, cm, meting) && wire_str_same(rtable_str(t, r, ci), item))
            out[n++] = r;
    }
    return n;
}

static void write_likert(const rapport_html_t *h, FILE *fp, int64_t meting, wire_str_t item)
{
    const rtable_t *t = h->tables[T_LIKERT];
    const rtable_t *v = h->tables[T_VRAGEN];
    size_t rows[MAX_GROUPS], n = item_rows(t, meting, item, rows, MAX_GROUPS);
    rsvg_likert_row_t bars[MAX_GROUPS];
    char labels[MAX_GROUPS][LABEL_MAX];
    long vr = vraag_row(h, item);
    int plain =
        vr >= 0 && wire_str_eq(rtable_str(v, (size_t)vr, rtable_col(v, "type")), "likert");
    wire_str_t text = rapport_html_question(h, item);

    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        memset(&bars[i], 0, sizeof bars[i]);
        bars[i].label =
            rapport_html_group_label(rtable_str(t, r, rtable_col(t, "groep")), labels[i]);
        bars[i].suppressed = rtable_suppressed(t, r);
        for (int k = 0; k < 4; k++)
            bars[i].k[k] = rtable_int(t, r, rtable_col(t, likert_cols[k]));
        bars[i].nvt = rtable_int(t, r, rtable_col(t, "nvt"));
        bars[i].ontbrekend = rtable_int(t, r, rtable_col(t, "ontbrekend"));
        bars[i].show_nvt = !plain || bars[i].nvt != 0;
        bars[i].mean = rtable_cell(t, r, rtable_col(t, "gemiddelde"));
        bars[i].not_asked = rtable_is_int(t, r, rtable_col(t, "gevraagd"), 0);
    }
    figure_open(fp, text, item);
    rapport_svg_likert(fp, text.ptr, bars, n);
    fputs("</figure>\n", fp);
}

static void write_keuze(const rapport_html_t *h, FILE *fp, int64_t meting, wire_str_t item)
{
    const rtable_t *t = h->tables[T_KEUZE];
    size_t rows[MAX_GROUPS * (RSVG_MAX_CATS + 1)];
    size_t n = item_rows(t, meting, item, rows, sizeof rows / sizeof rows[0]);
    rsvg_choice_row_t bars[MAX_GROUPS];
    char labels[MAX_GROUPS][LABEL_MAX];
    wire_str_t cats[RSVG_MAX_CATS], group = {"", 0};
    size_t n_cats = 0, n_bars = 0;
    int cg = rtable_col(t, "groep"), ca = rtable_col(t, "antwoord"), cn = rtable_col(t, "aantal");
    wire_str_t text = rapport_html_question(h, item);

    /* The answers, in the order of the first group's rows. */
    for (size_t i = 0; i < n; i++) {
        wire_str_t a = rtable_str(t, rows[i], ca);
        if (i > 0 && !wire_str_same(rtable_str(t, rows[i], cg), rtable_str(t, rows[0], cg)))
            break;
        if (!wire_str_eq(a, "ontbrekend") && n_cats < RSVG_MAX_CATS) cats[n_cats++] = a;
    }
    for (size_t i = 0; i < n; i++) {
        wire_str_t g = rtable_str(t, rows[i], cg), a = rtable_str(t, rows[i], ca);
        rsvg_choice_row_t *b;
        if (n_bars == 0 || !wire_str_same(g, group)) {
            if (n_bars == MAX_GROUPS) break;
            group = g;
            b = &bars[n_bars];
            memset(b, 0, sizeof *b);
            b->label = rapport_html_group_label(g, labels[n_bars]);
            n_bars++;
        }
        b = &bars[n_bars - 1];
        if (rtable_suppressed(t, rows[i])) b->suppressed = 1;
        if (wire_str_eq(a, "ontbrekend")) b->ontbrekend = rtable_int(t, rows[i], cn);
        for (size_t c = 0; c < n_cats; c++) {
            if (wire_str_same(a, cats[c])) b->k[c] = rtable_int(t, rows[i], cn);
        }
    }
    for (size_t b = 0; b < n_bars; b++) {
        int64_t any = bars[b].ontbrekend;
        for (size_t c = 0; c < n_cats; c++)
            any += bars[b].k[c];
        bars[b].not_asked = !bars[b].suppressed && any == 0;
    }
    figure_open(fp, text, item);
    rapport_svg_choice(fp, text.ptr, cats, n_cats, bars, n_bars);
    fputs("</figure>\n", fp);
}

static void write_besteding(const rapport_html_t *h, FILE *fp, int64_t meting)
{
    static const char *const pcts[4] = {"gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"};
    const rtable_t *t = h->tables[T_BESTEDING];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), cc = rtable_col(t, "categorie");
    wire_str_t labels[MAX_GROUPS];
    double values[MAX_GROUPS];
    size_t rows[MAX_GROUPS], n = 0;

    for (size_t r = 0; cm >= 0 && r < t->n_rows && n < MAX_GROUPS; r++) {
        const wire_value_t *v;
        if (!rtable_is_int(t, r, cm, meting) || !wire_str_eq(rtable_str(t, r, cg), "alle"))
            continue;
        v = rtable_cell(t, r, rtable_col(t, "gemiddeld_pct"));
        rows[n] = r;
        labels[n] = rtable_str(t, r, cc);
        values[n] = v->type == WIRE_VAL_REAL ? v->r : v->type == WIRE_VAL_INT ? (double)v->i : -1;
        n++;
    }
    if (n == 0) return;
    fputs("<figure>\n<figcaption>Besteding van de projectmiddelen: gemiddeld percentage van het "
          "budget per categorie (alle koplopers)</figcaption>\n",
          fp);
    rapport_svg_bars(fp, "Besteding van de projectmiddelen", labels, values, n);
    fputs("<table>\n<thead><tr><th>Categorie</th><th class=\"num\">n</th>"
          "<th class=\"num\">Gemiddeld</th><th class=\"num\">Mediaan</th><th class=\"num\">Min</th>"
          "<th class=\"num\">Max</th></tr></thead>\n<tbody>\n",
          fp);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", fp);
        rapport_html_label(fp, labels[i]);
        fputs("</td>", fp);
        cell_num(fp, rtable_cell(t, rows[i], rtable_col(t, "n")), "int", "");
        for (int k = 0; k < 4; k++)
            cell_num(fp, rtable_cell(t, rows[i], rtable_col(t, pcts[k])), "pct1", "%");
        fputs("</tr>\n", fp);
    }
    fputs("</tbody>\n</table>\n</figure>\n", fp);
}

/* ---- sections of a meting, in theme and catalogue order ---- */

/* Theme and catalogue position from vragen; the spending split sits where the
 * first `procent` item sits. */
static void entry_place(const rapport_html_t *h, rsection_t *e)
{
    const rtable_t *v = h->tables[T_VRAGEN];
    int ct = rtable_col(v, "type"), cth = rtable_col(v, "thema");
    long r = -1;

    if (e->kind == T_BESTEDING) {
        for (size_t i = 0; ct >= 0 && i < v->n_rows && r < 0; i++) {
            if (wire_str_eq(rtable_str(v, i, ct), "procent")) r = (long)i;
        }
    } else {
        r = vraag_row(h, e->item);
    }
    if (r < 0) return;
    e->order = (size_t)r;
    if (rtable_cell(v, (size_t)r, cth)->type == WIRE_VAL_INT)
        e->thema = rtable_int(v, (size_t)r, cth);
}

static int collect_entries(const rapport_html_t *h, int64_t meting, rsection_t **es, size_t *n)
{
    size_t cap = 0;
    int rc = KPM_OK;

    for (int kind = T_LIKERT; kind <= T_BESTEDING && rc == KPM_OK; kind++) {
        const rtable_t *t = h->tables[kind];
        int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item"), cth = rtable_col(t, "thema");
        for (size_t r = 0; cm >= 0 && r < t->n_rows && rc == KPM_OK; r++) {
            rsection_t e = {kind, RSECTION_THEMA_UNKNOWN, SIZE_MAX, 0, {"", 0}};
            if (!rtable_is_int(t, r, cm, meting)) continue;
            if (kind != T_BESTEDING) {
                if (ci < 0) break;
                e.item = rtable_str(t, r, ci);
            }
            entry_place(h, &e);
            if (rtable_cell(t, r, cth)->type == WIRE_VAL_INT) e.thema = rtable_int(t, r, cth);
            rc = rsection_add(es, n, &cap, e);
        }
    }
    if (rc == KPM_OK) rsection_sort(*es, *n);
    return rc;
}

static void write_theme_heading(const rapport_html_t *h, FILE *fp, int64_t thema)
{
    const rtable_t *v = h->tables[T_VRAGEN];
    int cth = rtable_col(v, "thema"), cn = rtable_col(v, "thema_naam");

    if (thema == RSECTION_THEMA_UNKNOWN) {
        fputs("<h3>Overige vragen</h3>\n", fp);
        return;
    }
    fprintf(fp, "<h3>Thema %" PRId64, thema);
    for (size_t r = 0; cth >= 0 && r < v->n_rows; r++) {
        if (rtable_is_int(v, r, cth, thema) && rtable_str(v, r, cn).len > 0) {
            fputs(": ", fp);
            rapport_html_text(fp, rtable_str(v, r, cn).ptr, rtable_str(v, r, cn).len);
            break;
        }
    }
    fputs("</h3>\n", fp);
}

static int write_meting(const rapport_html_t *h, FILE *fp, int64_t meting)
{
    rsection_t *es = NULL;
    size_t n = 0;
    int rc;

    fprintf(fp, "<section id=\"meting-%" PRId64 "\">\n<h2>Uitvraag: meting %" PRId64 "</h2>\n",
            meting, meting);
    write_respons(h, fp, meting);
    rc = collect_entries(h, meting, &es, &n);
    for (size_t i = 0; rc == KPM_OK && i < n; i++) {
        if (i == 0 || es[i].thema != es[i - 1].thema) write_theme_heading(h, fp, es[i].thema);
        if (es[i].kind == T_LIKERT)
            write_likert(h, fp, meting, es[i].item);
        else if (es[i].kind == T_KEUZE)
            write_keuze(h, fp, meting, es[i].item);
        else
            write_besteding(h, fp, meting);
    }
    if (rc == KPM_OK) rapport_html_write_tevredenheid(h, fp, meting);
    fputs("</section>\n", fp);
    free(es);
    return rc;
}

/* ---- monitoring and rejects ---- */

typedef struct {
    char m[16];   /* "YYYY-MM" */
    int64_t v[2]; /* koploper gemeenten, other gemeenten */
    int has[2];
} month_t;

static int month_cmp(const void *a, const void *b)
{
    return strcmp(((const month_t *)a)->m, ((const month_t *)b)->m);
}

/* Sums per month and koploper flag of the (month, gemeente) sums. */
static int usage_months(const rapport_html_t *h, month_t **out, size_t *n)
{
    size_t cap = 0, i = 0, j;
    const char *key;
    size_t len;
    void *val;

    *out = NULL;
    *n = 0;
    while (strmap_entry(h->usage, &i, &key, &len, &val)) {
        const char *tab = memchr(key, '\t', len);
        const usage_t *u = &h->use[(uintptr_t)val - 1];
        size_t ml = tab != NULL ? (size_t)(tab - key) : 0;
        int g;
        if (tab == NULL || ml >= sizeof(*out)->m) continue;
        g = (uintptr_t)strmap_get(h->koploper, tab + 1, len - ml - 1) == 1 ? 0 : 1;
        for (j = 0; j < *n; j++) {
            if (strlen((*out)[j].m) == ml && memcmp((*out)[j].m, key, ml) == 0) break;
        }
        if (j == *n) {
            if (*n == cap) {
                size_t c = cap ? cap * 2 : 32;
                month_t *p = realloc(*out, c * sizeof *p);
                if (p == NULL) return KPM_ENOMEM;
                *out = p;
                cap = c;
            }
            memset(&(*out)[j], 0, sizeof **out);
            memcpy((*out)[j].m, key, ml);
            (*n)++;
        }
        if (u->has) {
            (*out)[j].v[g] += u->sum;
            (*out)[j].has[g] = 1;
        }
    }
    if (*n > 1) qsort(*out, *n, sizeof **out, month_cmp);
    return KPM_OK;
}

static void cell_count(FILE *fp, int has, int64_t v)
{
    if (has)
        fprintf(fp, "<td class=\"num\">%" PRId64 "</td>", v);
    else
        fputs("<td class=\"num\">–</td>", fp);
}

static int write_usage(const rapport_html_t *h, FILE *fp)
{
    static const char *const names[2] = {"Koplopergemeenten", "Overige gemeenten"};
    month_t *ms = NULL;
    size_t n = 0;
    int64_t *v = NULL;
    int *has = NULL;
    const char **x = NULL;
    int rc = usage_months(h, &ms, &n);

    fputs("<section id=\"monitoring\">\n<h2>Monitoring: gebruik van cliëntondersteuning</h2>\n"
          "<h3>Nieuwe vragen per maand</h3>\n",
          fp);
    if (rc == KPM_OK && n == 0) fputs("<p>Er zijn nog geen gebruiksgegevens ontvangen.</p>\n", fp);
    if (rc != KPM_OK || n == 0) goto out;
    v = calloc(2 * n, sizeof *v);
    has = calloc(2 * n, sizeof *has);
    x = calloc(n, sizeof *x);
    if (v == NULL || has == NULL || x == NULL) {
        rc = KPM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = ms[i].m;
        for (int g = 0; g < 2; g++) {
            v[g * n + i] = ms[i].v[g];
            has[g * n + i] = ms[i].has[g];
        }
    }
    fputs("<p class=\"note\">Aantal nieuwe vragen per maand, opgeteld over de gemeenten en de "
          "soorten aanbieders. Koplopergemeenten zijn de gemeenten van een koploper in het "
          "huidige register.</p>\n<figure>\n",
          fp);
    rapport_svg_lines(fp, "Nieuwe vragen per maand", x, n,
                      (rsvg_series_t[]){{names[0], v, has}, {names[1], v + n, has + n}}, 2);
    fputs("<table>\n<thead><tr><th>Maand</th><th class=\"num\">Koplopergemeenten</th>"
          "<th class=\"num\">Overige gemeenten</th><th class=\"num\">Totaal</th></tr></thead>\n"
          "<tbody>\n",
          fp);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "<tr><td>%s</td>", ms[i].m); /* YYYY-MM: nothing to escape */
        cell_count(fp, ms[i].has[0], ms[i].v[0]);
        cell_count(fp, ms[i].has[1], ms[i].v[1]);
        cell_count(fp, ms[i].has[0] || ms[i].has[1], ms[i].v[0] + ms[i].v[1]);
        fputs("</tr>\n", fp);
    }
    fputs("</tbody>\n</table>\n</figure>\n", fp);
out:
    fputs("</section>\n", fp);
    free(ms);
    free(v);
    free(has);
    free(x);
    return rc;
}

typedef struct {
    const char *key;
    size_t len;
    uint64_t n;
} code_count_t;

static int code_cmp(const void *pa, const void *pb)
{
    const code_count_t *a = pa, *b = pb;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);

    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int write_rejects(const rapport_html_t *h, FILE *fp)
{
    size_t n = strmap_count(h->codes), k = 0, i = 0;
    code_count_t *cs = NULL;
    const char *key;
    size_t len;
    void *val;

    fputs("<section id=\"meldingen\">\n<h2>Afgewezen en gemelde gegevens</h2>\n", fp);
    if (!h->have_rejects || h->n_rejects == 0) {
        fputs(h->have_rejects ? "<p>Er zijn geen gegevens afgewezen of gemeld.</p>\n"
                              : "<p>Er is geen overzicht van afgewezen gegevens ontvangen.</p>\n",
              fp);
        fputs("</section>\n", fp);
        return KPM_OK;
    }
    cs = calloc(n, sizeof *cs);
    if (cs == NULL) return KPM_ENOMEM;
    while (k < n && strmap_entry(h->codes, &i, &key, &len, &val))
        cs[k++] = (code_count_t){key, len, (uint64_t)(uintptr_t)val - 1};
    qsort(cs, k, sizeof *cs, code_cmp);
    fprintf(fp,
            "<p>Er %s %" PRIu64 " %s over de aangeleverde bestanden (afgewezen bestanden, rijen en "
            "waarden, en meldingen). De volledige lijst staat in <code>rejects.csv</code>.</p>\n"
            "<table>\n<thead><tr><th>Code</th><th class=\"num\">Aantal</th></tr></thead>\n"
            "<tbody>\n",
            h->n_rejects == 1 ? "is" : "zijn", h->n_rejects,
            h->n_rejects == 1 ? "melding" : "meldingen");
    for (size_t j = 0; j < k; j++) {
        fputs("<tr><td>", fp);
        if (cs[j].len == 0)
            fputs("(geen)", fp);
        else
            rapport_html_text(fp, cs[j].key, cs[j].len);
        fprintf(fp, "</td><td class=\"num\">%" PRIu64 "</td></tr>\n", cs[j].n);
    }
    fputs("</tbody>\n</table>\n</section>\n", fp);
    free(cs);
    return KPM_OK;
}

/* ---- the report ---- */

int rapport_html_write(const rapport_html_t *h, FILE *fp)
{
    int64_t *metingen = NULL;
    size_t n = 0;
    int rc = rtable_distinct_ints(&h->tables[T_RESPONS], T_BESTEDING - T_RESPONS + 1, "meting",
                              &metingen, &n);

    fputs(page_head, fp);
    fputs("<header>\n<h1>Koploperproject onafhankelijke cliëntondersteuning</h1>\n"
          "<p class=\"note\">Resultaten van de uitvraag onder de koplopers en van de monitoring, "
          "door kpm gemaakt uit de aangeleverde gegevens.</p>\n</header>\n"
          "<nav>\n<strong>Inhoud</strong>\n<ul>\n",
          fp);
    for (size_t i = 0; rc == KPM_OK && i < n; i++)
        fprintf(fp, "<li><a href=\"#meting-%" PRId64 "\">Uitvraag: meting %" PRId64 "</a></li>\n",
                metingen[i], metingen[i]);
    if (h->tables[T_VERGELIJKING] != NULL)
        fputs("<li><a href=\"#vergelijkingen\">Vergelijkingen</a></li>\n", fp);
    fputs("<li><a href=\"#monitoring\">Monitoring: gebruik van cliëntondersteuning</a></li>\n"
          "<li><a href=\"#meldingen\">Afgewezen en gemelde gegevens</a></li>\n</ul>\n</nav>\n"
          "<section id=\"leeswijzer\">\n<h2>Leeswijzer</h2>\n"
          "<p>Bij elke tevredenheidsvraag staat per groep één balk: de ontevreden antwoorden "
          "links van de middellijn, de tevreden antwoorden rechts, in procenten van de geldige "
          "antwoorden (n). Het gemiddelde (1 = zeer ontevreden, 4 = zeer tevreden) en de "
          "aantallen n.v.t. en ontbrekende antwoorden staan rechts naast de balk. Groepen "
          "(tranches) met minder antwoorden dan de drempel voor kleine aantallen zijn "
          "onderdrukt: daarvan worden geen cijfers getoond.</p>\n</section>\n",
          fp);
    if (rc == KPM_OK && n == 0)
        fputs("<section id=\"uitvraag\">\n<h2>Uitvraag</h2>\n"
              "<p>Er zijn nog geen resultaten van de uitvraag.</p>\n</section>\n",
              fp);
    for (size_t i = 0; rc == KPM_OK && i < n; i++)
        rc = write_meting(h, fp, metingen[i]);
    if (rc == KPM_OK) rc = rapport_html_write_vergelijkingen(h, fp);
    if (rc == KPM_OK) rc = write_usage(h, fp);
    if (rc == KPM_OK) rc = write_rejects(h, fp);
    fputs("<footer>Gemaakt door kpm. De cijfers staan ook in de CSV-bestanden, dashboard.json en "
          "kpm.sqlite naast dit rapport.</footer>\n</body>\n</html>\n",
          fp);
    free(metingen);
    if (rc == KPM_OK && ferror(fp)) rc = KPM_EIO;
    return rc;
}
