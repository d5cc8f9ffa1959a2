/* rmodel.c - the report model: keeping the tables, the document and its
 * blocks, Dutch numbers and labels, and the order of the chapters. The
 * chapters themselves are in rmodel_survey.c and rmodel_other.c. */
#include "rmodel.h"
#include "rmodel_int.h"

#include "kpm_err.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CUR_NONE = -1, CUR_REJECTS = T_KEPT, CUR_GEBRUIK, CUR_GEBRUIK_JAAR };

static const char *const kept_names[T_KEPT] = {
    [T_RESPONS] = "respons",
    [T_LIKERT] = "likert",
    [T_KEUZE] = "keuze",
    [T_BESTEDING] = "besteding",
    [T_OPEN] = "open_antwoorden",
    [T_VRAGEN] = "vragen",
    [T_ANTWOORDEN] = "antwoorden",
    [T_INSTELLINGEN] = "instellingen",
    [T_TEVREDENHEID] = "tevredenheid",
    [T_VERGELIJKING] = "vergelijking",
    [T_ADVIESINZET] = "adviesinzet",
    [T_BIJEENKOMSTEN] = "bijeenkomsten",
    [T_MIDDELEN] = "middelen",
    [T_ERVARING] = "ervaring",
    [T_VOORDRACHTEN] = "voordrachten",
    [T_PROGRAMMA] = "programma",
    [T_PROG_UITVRAAG] = "programma_uitvraag",
    [T_OPROEPEN] = "oproepen",
    [T_AANTALLEN] = "aantallen",
    [T_MIDDELEN_JAAR] = "middelen_jaar",
};

/* ---- keeping tables ---- */

rmodel_t *rmodel_new(void)
{
    rmodel_t *m = calloc(1, sizeof *m);

    if (m == NULL) return NULL;
    m->cur = CUR_NONE;
    m->codes = strmap_new();
    m->files = strmap_new();
    m->usage = strmap_new();
    m->koploper = strmap_new();
    if (m->codes == NULL || m->files == NULL || m->usage == NULL || m->koploper == NULL)
        rmodel_destroy(&m);
    return m;
}

void rmodel_destroy(rmodel_t **pm)
{
    rmodel_t *m;

    if (pm == NULL || *pm == NULL) return;
    m = *pm;
    for (int i = 0; i < T_KEPT; i++)
        rtable_destroy(&m->tables[i]);
    strmap_destroy(&m->codes);
    strmap_destroy(&m->files);
    strmap_destroy(&m->usage);
    strmap_destroy(&m->koploper);
    free(m->use);
    free(m);
    *pm = NULL;
}

static void stream_cols(rmodel_t *m, const wire_table_begin_t *tb, const char *a, const char *b,
                        const char *c)
{
    m->col[0] = wire_table_col(tb, a);
    m->col[1] = wire_table_col(tb, b);
    m->col[2] = wire_table_col(tb, c);
}

int rmodel_table_begin(rmodel_t *m, const wire_table_begin_t *tb)
{
    m->cur = CUR_NONE;
    if (wire_str_eq(tb->name, "rejects")) {
        m->cur = CUR_REJECTS;
        m->have_rejects = 1;
        stream_cols(m, tb, "code", "bestand", "");
        return KPM_OK;
    }
    if (wire_str_eq(tb->name, "gebruik")) {
        m->cur = CUR_GEBRUIK;
        stream_cols(m, tb, "periode", "gemeente_code", "nieuwe_vragen");
        return KPM_OK;
    }
    if (wire_str_eq(tb->name, "gebruik_jaar")) {
        m->cur = CUR_GEBRUIK_JAAR;
        stream_cols(m, tb, "eenheid", "id", "koploper");
        return KPM_OK;
    }
    for (int i = 0; i < T_KEPT; i++)
        if (wire_str_eq(tb->name, kept_names[i])) m->cur = i;
    if (m->cur == CUR_NONE) return KPM_OK;
    rtable_destroy(&m->tables[m->cur]);
    m->tables[m->cur] = rtable_new(tb);
    return m->tables[m->cur] != NULL ? KPM_OK : KPM_ENOMEM;
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
static int add_usage(rmodel_t *m, const wire_table_row_t *row)
{
    wire_str_t periode = row_str(row, m->col[0]), gemeente = row_str(row, m->col[1]);
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
    idx = (uintptr_t)strmap_get(m->usage, key, len);
    if (idx == 0) {
        if (m->n_use == m->cap_use) {
            size_t cap = m->cap_use ? m->cap_use * 2 : 256;
            rusage_t *n = realloc(m->use, cap * sizeof *n);
            if (n == NULL) return KPM_ENOMEM;
            m->use = n;
            m->cap_use = cap;
        }
        m->use[m->n_use] = (rusage_t){0, 0};
        idx = ++m->n_use;
        if (strmap_put(m->usage, key, len, (void *)idx, NULL) != KPM_OK) return KPM_ENOMEM;
    }
    v = m->col[2] >= 0 && (uint32_t)m->col[2] < row->n_cells ? &row->cells[m->col[2]] : NULL;
    if (v != NULL && v->type == WIRE_VAL_INT) {
        m->use[idx - 1].sum += v->i;
        m->use[idx - 1].has = 1;
    }
    return KPM_OK;
}

int rmodel_table_row(rmodel_t *m, const wire_table_row_t *row)
{
    switch (m->cur) {
    case CUR_NONE:
        return KPM_OK;
    case CUR_REJECTS:
        m->n_rejects++;
        if (count_up(m->codes, row_str(row, m->col[0])) != KPM_OK ||
            count_up(m->files, row_str(row, m->col[1])) != KPM_OK)
            return KPM_ENOMEM;
        return KPM_OK;
    case CUR_GEBRUIK:
        return add_usage(m, row);
    case CUR_GEBRUIK_JAAR: {
        wire_str_t id = row_str(row, m->col[1]);
        if (!wire_str_eq(row_str(row, m->col[0]), "gemeente") || id.len == 0) return KPM_OK;
        uintptr_t flag = wire_str_eq(row_str(row, m->col[2]), "ja") ? 1 : 2;
        return strmap_put(m->koploper, id.ptr, id.len, (void *)flag, NULL);
    }
    default:
        return rtable_add(m->tables[m->cur], row);
    }
}

void rmodel_table_end(rmodel_t *m)
{
    m->cur = CUR_NONE;
}

/* ---- memory and text ---- */

static char no_memory[64]; /* handed out after a failed allocation; d->oom is set */

void *rd_alloc(rdoc_t *d, size_t size)
{
    void *p;

    if (d->n_owned == d->cap_owned) {
        size_t cap = d->cap_owned ? d->cap_owned * 2 : 256;
        void **n = realloc(d->owned, cap * sizeof *n);
        if (n == NULL) goto fail;
        d->owned = n;
        d->cap_owned = cap;
    }
    p = calloc(1, size ? size : 1);
    if (p == NULL) goto fail;
    d->owned[d->n_owned++] = p;
    return p;
fail:
    d->oom = 1;
    return size <= sizeof no_memory ? memset(no_memory, 0, sizeof no_memory) : NULL;
}

const char *rd_fmt(rdoc_t *d, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return "";
    s = rd_alloc(d, (size_t)n + 1);
    if (s == NULL || d->oom) return "";
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

const char *rd_str(rdoc_t *d, wire_str_t s)
{
    return rd_fmt(d, "%.*s", (int)s.len, s.ptr);
}

const char *rd_int(rdoc_t *d, int64_t v)
{
    char buf[40];

    rapport_digits(buf, sizeof buf, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v);
    return rd_fmt(d, "%s%s", v < 0 ? "-" : "", buf);
}

const char *rd_dec(rdoc_t *d, double v, int decimals)
{
    static const double scale[5] = {1, 10, 100, 1000, 10000};
    char whole[40];
    double a, r;
    uint64_t units, frac;

    if (!isfinite(v)) return RD_NONE;
    if (decimals < 0) decimals = 0;
    if (decimals > 4) decimals = 4;
    a = fabs(v) * scale[decimals];
    r = floor(a + 0.5 + 1e-9 * a); /* half away from zero, as report_format_cell */
    if (r >= 9e18) return RD_NONE;
    units = (uint64_t)r / (uint64_t)scale[decimals];
    frac = (uint64_t)r % (uint64_t)scale[decimals];
    rapport_digits(whole, sizeof whole, units);
    if (decimals == 0) return rd_fmt(d, "%s%s", v < 0 && r > 0 ? "-" : "", whole);
    return rd_fmt(d, "%s%s,%0*" PRIu64, v < 0 && r > 0 ? "-" : "", whole, decimals, frac);
}

const char *rd_pct(rdoc_t *d, int64_t part, int64_t whole)
{
    if (whole <= 0) return RD_NONE;
    return rd_fmt(d, "%s%%", rd_dec(d, 100.0 * (double)part / (double)whole, 0));
}

const char *rd_eur(rdoc_t *d, double v)
{
    return rd_fmt(d, "€ %s", rd_dec(d, v, 0));
}

const char *rd_cell(rdoc_t *d, const rtable_t *t, size_t r, int c, int decimals, const char *suffix)
{
    const wire_value_t *v = rtable_cell(t, r, c);

    if (v->type == WIRE_VAL_INT && decimals == 0) return rd_fmt(d, "%s%s", rd_int(d, v->i), suffix);
    if (v->type == WIRE_VAL_INT)
        return rd_fmt(d, "%s%s", rd_dec(d, (double)v->i, decimals), suffix);
    if (v->type == WIRE_VAL_REAL) return rd_fmt(d, "%s%s", rd_dec(d, v->r, decimals), suffix);
    return RD_NONE;
}

/* ---- blocks ---- */

static rblock_t *add_block(rdoc_t *d, rblock_kind_t kind)
{
    static rblock_t lost;

    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 128;
        rblock_t *n = realloc(d->b, cap * sizeof *n);
        if (n == NULL) {
            d->oom = 1;
            memset(&lost, 0, sizeof lost);
            return &lost;
        }
        d->b = n;
        d->cap = cap;
    }
    memset(&d->b[d->n], 0, sizeof d->b[0]);
    d->b[d->n].kind = kind;
    return &d->b[d->n++];
}

void rd_heading(rdoc_t *d, int level, const char *id, const char *text)
{
    rblock_t *b = add_block(d, RB_HEADING);

    b->level = level;
    b->id = id;
    b->text = text;
}

void rd_para(rdoc_t *d, const char *text)
{
    add_block(d, RB_PARA)->text = text;
}

void rd_quotes(rdoc_t *d, const char *who, const char *const *quotes, size_t n)
{
    rblock_t *b = add_block(d, RB_QUOTES);

    b->text = who;
    b->quotes = quotes;
    b->n_quotes = n;
}

void rd_chapter(rdoc_t *d, const char *id, const char *title)
{
    d->chapter++;
    d->n_tab = d->n_fig = 0;
    rd_heading(d, 2, id, rd_fmt(d, "%d %s", d->chapter, title));
}

void rd_table(rtb_t *tb, rdoc_t *d, size_t n_cols, const char *caption)
{
    tb->d = d;
    tb->cap_rows = 0;
    tb->t = rd_alloc(d, sizeof *tb->t);
    if (tb->t == NULL) {
        static rtab_t lost;
        memset(&lost, 0, sizeof lost);
        tb->t = &lost;
        return;
    }
    tb->t->caption = caption;
    tb->t->n_cols = n_cols;
    tb->t->head = rd_alloc(d, n_cols * sizeof *tb->t->head);
    tb->t->numeric = rd_alloc(d, n_cols * sizeof *tb->t->numeric);
    if (d->oom) tb->t->n_cols = 0;
}

void rd_col(rtb_t *tb, size_t c, const char *head, int numeric)
{
    if (c >= tb->t->n_cols) return;
    ((const char **)tb->t->head)[c] = head;
    ((int *)tb->t->numeric)[c] = numeric;
}

void rd_cols(rtb_t *tb, const char *const *heads)
{
    for (size_t c = 0; heads[c] != NULL; c++)
        rd_col(tb, c, heads[c] + (heads[c][0] == '#'), heads[c][0] == '#');
}

size_t rd_row(rtb_t *tb, int kind)
{
    rtab_t *t = tb->t;
    size_t r = t->n_rows;

    if (t->n_cols == 0) return SIZE_MAX;
    if (r == tb->cap_rows) {
        size_t cap = tb->cap_rows ? tb->cap_rows * 2 : 16;
        const char **cells = rd_alloc(tb->d, cap * t->n_cols * sizeof *cells);
        int *kinds = rd_alloc(tb->d, cap * sizeof *kinds);
        if (tb->d->oom || cells == NULL || kinds == NULL) return SIZE_MAX;
        if (r > 0) {
            memcpy(cells, t->cells, r * t->n_cols * sizeof *cells);
            memcpy(kinds, t->row_kind, r * sizeof *kinds);
        }
        t->cells = cells;
        t->row_kind = kinds;
        tb->cap_rows = cap;
    }
    for (size_t c = 0; c < t->n_cols; c++)
        ((const char **)t->cells)[r * t->n_cols + c] = "";
    ((int *)t->row_kind)[r] = kind;
    t->n_rows++;
    return r;
}

void rd_set(rtb_t *tb, size_t r, size_t c, const char *text)
{
    if (r >= tb->t->n_rows || c >= tb->t->n_cols) return;
    ((const char **)tb->t->cells)[r * tb->t->n_cols + c] = text;
}

void rd_table_end(rtb_t *tb, const char *note)
{
    rdoc_t *d = tb->d;

    if (tb->t->n_rows == 0 || d->oom) return;
    tb->t->note = note;
    tb->t->number = rd_fmt(d, "%d.%d", d->chapter, ++d->n_tab);
    add_block(d, RB_TABLE)->tab = tb->t;
}

rfig_t *rd_figure(rdoc_t *d, rfig_kind_t kind, const char *caption)
{
    rfig_t *f = rd_alloc(d, sizeof *f);

    if (f == NULL || d->oom) {
        static rfig_t lost;
        memset(&lost, 0, sizeof lost);
        return &lost;
    }
    f->kind = kind;
    f->caption = caption;
    f->number = rd_fmt(d, "%d.%d", d->chapter, ++d->n_fig);
    add_block(d, RB_FIGURE)->fig = f;
    return f;
}

rfig_t *rd_grouped(rdoc_t *d, const char *caption, const rsvg_group_row_t *rows, size_t n,
                   const char *const *names, size_t n_series, const rtab_t *tab)
{
    rfig_t *f = rd_figure(d, RF_GROUPED, caption);

    f->groups = rows;
    f->n = n;
    f->names = names;
    f->n_series = n_series;
    if (tab != NULL && tab->number != NULL)
        f->note = rd_fmt(d, "De cijfers staan in tabel %s.", tab->number);
    return f;
}

/* ---- vocabulary ---- */

const char *const rd_months[12] = {"januari",   "februari", "maart",    "april",
                                   "mei",       "juni",     "juli",     "augustus",
                                   "september", "oktober",  "november", "december"};

const char *rd_group(rdoc_t *d, wire_str_t g)
{
    if (wire_str_eq(g, "alle")) return "Alle koplopers";
    if (g.len > 8 && memcmp(g.ptr, "tranche-", 8) == 0)
        return rd_fmt(d, "Tranche %.*s", (int)(g.len - 8), g.ptr + 8);
    char *s = (char *)rd_str(d, g); /* a configured group: its name, with a capital */
    if (s[0] >= 'a' && s[0] <= 'z') s[0] = (char)(s[0] - 'a' + 'A');
    return s;
}

/* A question that refers back to the one before it. */
static int refers_back(wire_str_t q)
{
    static const char *const words[] = {"Zo ja", "Zo nee", " deze ", "Deze "};

    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w]);
        for (uint32_t i = 0; i + n <= q.len; i++)
            if (memcmp(q.ptr + i, words[w], n) == 0) return 1;
    }
    return 0;
}

const char *rd_question(rdoc_t *d, wire_str_t item)
{
    const rtable_t *v = d->m->tables[T_VRAGEN];
    long r = rtable_find_str(v, "item", item);
    int cq = rtable_col(v, "vraag");
    wire_str_t q;

    if (r < 0 || (q = rtable_str(v, (size_t)r, cq)).len == 0) {
        char name[128];
        size_t n = item.len < sizeof name - 1 ? item.len : sizeof name - 1;
        for (size_t i = 0; i < n; i++)
            name[i] = item.ptr[i] == '_' ? ' ' : item.ptr[i];
        name[n] = '\0';
        return rd_fmt(d, "Vraag over %s", name);
    }
    if (r > 0 && refers_back(q)) {
        wire_str_t lead = rtable_str(v, (size_t)r - 1, cq);
        if (lead.len > 0)
            return rd_fmt(d, "%.*s — %.*s", (int)lead.len, lead.ptr, (int)q.len, q.ptr);
    }
    return rd_str(d, q);
}

const char *rd_answer(rdoc_t *d, wire_str_t item, wire_str_t code)
{
    const rtable_t *a = d->m->tables[T_ANTWOORDEN];
    int ci = rtable_col(a, "item"), cc = rtable_col(a, "code"), cl = rtable_col(a, "label");
    char *s;

    if (wire_str_eq(code, "ontbrekend")) return "Geen antwoord";
    for (size_t r = 0; a != NULL && ci >= 0 && r < a->n_rows; r++)
        if (wire_str_same(rtable_str(a, r, ci), item) && wire_str_same(rtable_str(a, r, cc), code))
            return rd_str(d, rtable_str(a, r, cl));
    s = (char *)rd_str(d, code);
    for (char *p = s; *p != '\0'; p++)
        if (*p == '_') *p = ' ';
    if (s[0] >= 'a' && s[0] <= 'z') s[0] = (char)(s[0] - 'a' + 'A');
    return s;
}

int64_t rd_min_cell(const rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_INSTELLINGEN];
    int c = rtable_col(t, "min_cell");

    return c >= 0 && t->n_rows > 0 && rtable_cell(t, 0, c)->type == WIRE_VAL_INT
               ? rtable_int(t, 0, c)
               : 5;
}

int64_t rd_group_size(const rdoc_t *d, int64_t meting, wire_str_t group)
{
    const rtable_t *t = d->m->tables[T_RESPONS];
    int cm = rtable_col(t, "meting"), ct = rtable_col(t, "tranche"), cr = rtable_col(t, "respons");

    if (group.len > 8 && memcmp(group.ptr, "tranche-", 8) == 0)
        group = (wire_str_t){group.ptr + 8, group.len - 8};
    for (size_t r = 0; cm >= 0 && r < t->n_rows; r++)
        if (rtable_is_int(t, r, cm, meting) && wire_str_same(rtable_str(t, r, ct), group) &&
            rtable_cell(t, r, cr)->type == WIRE_VAL_INT)
            return rtable_int(t, r, cr);
    return -1;
}

const char rd_protect_note[] =
    "* Onderdrukt om een andere, kleine groep te beschermen: met deze cijfers zou die groep "
    "uit het totaal terug te rekenen zijn.";

const char *rd_suppressed(rdoc_t *d, int64_t meting, wire_str_t group, int *protect)
{
    int64_t n = rd_group_size(d, meting, group), min = rd_min_cell(d);

    if (n >= 0 && n < min) return rd_fmt(d, "onderdrukt (n < %" PRId64 ")", min);
    *protect = 1;
    return "onderdrukt*";
}

size_t rd_tranches(const rtable_t *t, int64_t *out, size_t cap)
{
    int ct = rtable_col(t, "tranche");
    size_t n = 0;

    for (size_t r = 0; ct >= 0 && r < t->n_rows; r++) {
        int64_t v = rtable_int(t, r, ct);
        size_t i = 0;
        while (i < n && out[i] < v)
            i++;
        if ((i < n && out[i] == v) || n == cap) continue;
        memmove(out + i + 1, out + i, (n - i) * sizeof *out);
        out[i] = v;
        n++;
    }
    return n;
}

/* ---- the document ---- */

size_t rdoc_count(const rdoc_t *d)
{
    return d->n;
}

const rblock_t *rdoc_block(const rdoc_t *d, size_t i)
{
    return i < d->n ? &d->b[i] : NULL;
}

void rdoc_destroy(rdoc_t **pd)
{
    rdoc_t *d;

    if (pd == NULL || *pd == NULL) return;
    d = *pd;
    for (size_t i = 0; i < d->n_owned; i++)
        free(d->owned[i]);
    free(d->owned);
    free(d->b);
    free(d);
    *pd = NULL;
}

rdoc_t *rmodel_build(const rmodel_t *m)
{
    rdoc_t *d = calloc(1, sizeof *d);
    int64_t *metingen = NULL;
    size_t n = 0;

    if (d == NULL) return NULL;
    d->m = m;
    rd_heading(d, 1, NULL, "Koploperproject onafhankelijke cliëntondersteuning — resultaten");
    rd_para(d, rd_fmt(d,
                      "Dit rapport is door kpm gemaakt uit de aangeleverde gegevens. Percentages "
                      "zijn afgerond op hele procenten; de CSV-bestanden bevatten dezelfde "
                      "cijfers met decimalen. Bij de tevredenheidsvragen zijn de percentages "
                      "berekend over de geldige antwoorden (zonder 'Niet van toepassing' en "
                      "zonder 'Geen antwoord'). Uitkomsten van groepen (tranches) met minder dan "
                      "%" PRId64 " antwoorden worden niet getoond (onderdrukt), en ook niet "
                      "wanneer ze zo'n kleine groep zouden verraden.",
                      rd_min_cell(d)));
    rmodel_programme(d);
    if (rtable_distinct_ints((rtable_t *const *)&m->tables[T_RESPONS], T_BESTEDING - T_RESPONS + 1,
                             "meting", &metingen, &n) != KPM_OK)
        d->oom = 1;
    if (n == 0) {
        rd_chapter(d, "uitvraag", "Uitvraag");
        rd_para(d, "Er zijn nog geen resultaten van de uitvraag.");
    }
    for (size_t i = 0; i < n; i++)
        rmodel_survey(d, metingen[i]);
    free(metingen);
    rmodel_comparisons(d);
    rmodel_monitoring(d);
    rmodel_rejects(d);
    if (d->oom) rdoc_destroy(&d);
    return d;
}
