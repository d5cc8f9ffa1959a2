/* rapport_md.c - the Dutch markdown report, rendered from the kept tables; the
 * Vergelijkingen section is in rapport_md_cmp.c. */
#include "rapport_md.h"
#include "rapport_md_int.h"

#include "kpm_err.h"
#include "report_out.h"
#include "rsection.h"
#include "strmap.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CUR_NONE = -1, CUR_REJECTS = T_KEPT };

static const char *const kept_names[T_KEPT] = {"respons",   "likert", "keuze",
                                               "besteding", "vragen", "vergelijking"};

static const char *const likert_cols[4] = {"zeer_ontevreden", "ontevreden", "tevreden",
                                           "zeer_tevreden"};
static const char *const likert_labels[4] = {"Zeer ontevreden", "Ontevreden", "Tevreden",
                                             "Zeer tevreden"};

#define MD_SUPPRESSED "onderdrukt (n < drempel)"


/* ---- keeping tables ---- */

rapport_md_t *rapport_md_new(void)
{
    rapport_md_t *m = calloc(1, sizeof *m);

    if (m == NULL) return NULL;
    m->cur = CUR_NONE;
    m->codes = strmap_new();
    m->files = strmap_new();
    if (m->codes == NULL || m->files == NULL) rapport_md_destroy(&m);
    return m;
}

void rapport_md_destroy(rapport_md_t **pm)
{
    rapport_md_t *m;

    if (pm == NULL || *pm == NULL) return;
    m = *pm;
    for (int i = 0; i < T_KEPT; i++)
        rtable_destroy(&m->tables[i]);
    strmap_destroy(&m->codes);
    strmap_destroy(&m->files);
    free(m);
    *pm = NULL;
}

int rapport_md_table_begin(rapport_md_t *m, const wire_table_begin_t *tb)
{
    m->cur = CUR_NONE;
    if (wire_str_eq(tb->name, "rejects")) {
        m->cur = CUR_REJECTS;
        m->have_rejects = 1;
        m->rej_code = wire_table_col(tb, "code");
        m->rej_file = wire_table_col(tb, "bestand");
        return KPM_OK;
    }
    for (int i = 0; i < T_KEPT; i++) {
        if (wire_str_eq(tb->name, kept_names[i])) m->cur = i;
    }
    if (m->cur == CUR_NONE) return KPM_OK;
    rtable_destroy(&m->tables[m->cur]);
    m->tables[m->cur] = rtable_new(tb);
    return m->tables[m->cur] ? KPM_OK : KPM_ENOMEM;
}

static int count_up(strmap_t *map, wire_str_t key)
{
    uintptr_t n = (uintptr_t)strmap_get(map, key.ptr, key.len);

    return strmap_put(map, key.ptr, key.len, (void *)(n == 0 ? 2 : n + 1), NULL);
}

static wire_str_t row_str(const wire_table_row_t *row, int c)
{
    wire_str_t none = {"", 0};

    if (c < 0 || (uint32_t)c >= row->n_cells || row->cells[c].type != WIRE_VAL_STR) return none;
    return row->cells[c].s;
}

int rapport_md_table_row(rapport_md_t *m, const wire_table_row_t *row)
{
    if (m->cur == CUR_REJECTS) {
        m->n_rejects++;
        if (count_up(m->codes, row_str(row, m->rej_code)) != KPM_OK ||
            count_up(m->files, row_str(row, m->rej_file)) != KPM_OK)
            return KPM_ENOMEM;
        return KPM_OK;
    }
    if (m->cur == CUR_NONE) return KPM_OK;
    /* a row of another cell count is refused by report_out before it gets here */
    return rtable_add(m->tables[m->cur], row);
}

void rapport_md_table_end(rapport_md_t *m)
{
    m->cur = CUR_NONE;
}

/* ---- reading kept tables ---- */

long rapport_md_vraag_row(const rapport_md_t *m, wire_str_t item)
{
    return rtable_find_str(m->tables[T_VRAGEN], "item", item);
}

/* ---- writing ---- */

void rapport_md_text(FILE *fp, wire_str_t s)
{
    for (uint32_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '\n' || c == '\r' || c == '\t') {
            fputc(' ', fp);
            continue;
        }
        if (strchr("\\|<>*[]`", c) != NULL && c != '\0') fputc('\\', fp);
        fputc(c, fp);
    }
}

void rapport_md_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix)
{
    char buf[64];
    int n = report_format_cell(v, format, strlen(format), buf, sizeof buf);

    if (n <= 0) {
        fputs(MD_NONE, fp);
        return;
    }
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '.') *p = ',';
    }
    fputs(buf, fp);
    fputs(suffix, fp);
}

static void md_pct(FILE *fp, int64_t part, int64_t whole)
{
    wire_value_t v = {WIRE_VAL_NIL, 0, 0.0, {"", 0}};

    if (whole > 0) {
        v.type = WIRE_VAL_REAL;
        v.r = 100.0 * (double)part / (double)whole;
    }
    rapport_md_num(fp, &v, "pct1", "%");
}

static void write_respons(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    const rtable_t *t = m->tables[T_RESPONS];
    int cm = rtable_col(t, "meting"), ct = rtable_col(t, "tranche"),
        cu = rtable_col(t, "uitgenodigd"), cr = rtable_col(t, "respons"),
        cp = rtable_col(t, "respons_pct");
    int any = 0;

    if (cm < 0) return;
    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t tranche = rtable_str(t, r, ct);
        if (!rtable_is_int(t, r, cm, meting)) continue;
        if (!any++)
            fputs("### Respons\n\n| Tranche | Uitgenodigd | Respons | Respons % |\n"
                  "|---|---:|---:|---:|\n",
                  fp);
        fputs("| ", fp);
        if (wire_str_eq(tranche, "totaal"))
            fputs("Totaal", fp);
        else
            rapport_md_text(fp, tranche);
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cu), "int", "");
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cr), "int", "");
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cp), "pct1", "%");
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

static void write_item_heading(const rapport_md_t *m, FILE *fp, wire_str_t item)
{
    long vr = rapport_md_vraag_row(m, item);
    const rtable_t *v = m->tables[T_VRAGEN];
    wire_str_t text = vr >= 0 ? rtable_str(v, (size_t)vr, rtable_col(v, "vraag")) : item;

    fputs("#### ", fp);
    rapport_md_text(fp, text.len > 0 ? text : item);
    fputs("\n\n", fp);
}

static void write_likert(const rapport_md_t *m, FILE *fp, int64_t meting, wire_str_t item)
{
    const rtable_t *t = m->tables[T_LIKERT];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"),
        ci = rtable_col(t, "item"), cn = rtable_col(t, "nvt"),
        co = rtable_col(t, "ontbrekend"), cgem = rtable_col(t, "gemiddelde");
    int ck[4];
    int tranches = 0;
    long vr = rapport_md_vraag_row(m, item);
    int plain =
        vr >= 0 && wire_str_eq(rtable_str(m->tables[T_VRAGEN], (size_t)vr,
                                                    rtable_col(m->tables[T_VRAGEN], "type")),
                                     "likert");

    for (int k = 0; k < 4; k++)
        ck[k] = rtable_col(t, likert_cols[k]);
    write_item_heading(m, fp, item);
    for (size_t r = 0; r < t->n_rows; r++) {
        int64_t n = 0;
        if (!rtable_is_int(t, r, cm, meting) || !wire_str_same(rtable_str(t, r, ci), item) ||
            !wire_str_eq(rtable_str(t, r, cg), "alle"))
            continue;
        if (rtable_suppressed(t, r)) {
            fputs("Onderdrukt (n < drempel).\n\n", fp);
            break;
        }
        for (int k = 0; k < 4; k++)
            n += rtable_int(t, r, ck[k]);
        fputs("| Antwoord | Aantal | % |\n|---|---:|---:|\n", fp);
        for (int k = 0; k < 4; k++) {
            fprintf(fp, "| %s | %" PRId64 " | ", likert_labels[k], rtable_int(t, r, ck[k]));
            md_pct(fp, rtable_int(t, r, ck[k]), n);
            fputs(" |\n", fp);
        }
        fprintf(fp, "| n (geldige antwoorden) | %" PRId64 " | |\n", n);
        if (!plain || rtable_int(t, r, cn) != 0)
            fprintf(fp, "| n.v.t. | %" PRId64 " | |\n", rtable_int(t, r, cn));
        fprintf(fp, "| ontbrekend | %" PRId64 " | |\n", rtable_int(t, r, co));
        fputs("| gemiddelde (1-4) | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cgem), "dec2", "");
        fputs(" | |\n\n", fp);
        break;
    }

    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t g = rtable_str(t, r, cg);
        int64_t n = 0;
        if (!rtable_is_int(t, r, cm, meting) || !wire_str_same(rtable_str(t, r, ci), item) ||
            g.len <= 8 || memcmp(g.ptr, "tranche-", 8) != 0)
            continue;
        if (!tranches++)
            fputs("| Tranche | n | % (zeer) tevreden | Gemiddelde |\n|---|---:|---:|---:|\n", fp);
        fputs("| ", fp);
        rapport_md_text(fp, (wire_str_t){g.ptr + 8, g.len - 8});
        if (rtable_suppressed(t, r)) {
            fputs(" | " MD_SUPPRESSED " | | |\n", fp);
            continue;
        }
        for (int k = 0; k < 4; k++)
            n += rtable_int(t, r, ck[k]);
        fprintf(fp, " | %" PRId64 " | ", n);
        md_pct(fp, rtable_int(t, r, ck[2]) + rtable_int(t, r, ck[3]), n);
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cgem), "dec2", "");
        fputs(" |\n", fp);
    }
    if (tranches) fputc('\n', fp);
}

static void write_keuze(const rapport_md_t *m, FILE *fp, int64_t meting, wire_str_t item)
{
    const rtable_t *t = m->tables[T_KEUZE];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"),
        ci = rtable_col(t, "item"), ca = rtable_col(t, "antwoord"),
        cn = rtable_col(t, "aantal"), cp = rtable_col(t, "pct");
    int any = 0;

    write_item_heading(m, fp, item);
    for (size_t r = 0; r < t->n_rows; r++) {
        if (!rtable_is_int(t, r, cm, meting) || !wire_str_same(rtable_str(t, r, ci), item) ||
            !wire_str_eq(rtable_str(t, r, cg), "alle"))
            continue;
        if (rtable_suppressed(t, r)) {
            if (!any) fputs("Onderdrukt (n < drempel).\n\n", fp);
            return;
        }
        if (!any++) fputs("| Antwoord | Aantal | % |\n|---|---:|---:|\n", fp);
        fputs("| ", fp);
        rapport_md_text(fp, rtable_str(t, r, ca));
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cn), "int", "");
        fputs(" | ", fp);
        rapport_md_num(fp, rtable_cell(t, r, cp), "pct1", "%");
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

static void write_besteding(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    static const char *const pcts[4] = {"gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"};
    const rtable_t *t = m->tables[T_BESTEDING];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"),
        cc = rtable_col(t, "categorie"), cn = rtable_col(t, "n");
    int any = 0;

    fputs("#### Besteding van de projectmiddelen (% van het budget)\n\n", fp);
    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t cat = rtable_str(t, r, cc);
        if (!rtable_is_int(t, r, cm, meting) || !wire_str_eq(rtable_str(t, r, cg), "alle"))
            continue;
        if (!any++)
            fputs("| Categorie | n | Gemiddeld % | Mediaan % | Min % | Max % |\n"
                  "|---|---:|---:|---:|---:|---:|\n",
                  fp);
        fputs("| ", fp);
        for (uint32_t i = 0; i < cat.len; i++) {
            if (cat.ptr[i] == '_')
                fputc(' ', fp);
            else
                rapport_md_text(fp, (wire_str_t){cat.ptr + i, 1});
        }
        fputs(" | ", fp);
        if (rtable_suppressed(t, r)) {
            fputs(MD_SUPPRESSED " | | | | |\n", fp);
            continue;
        }
        rapport_md_num(fp, rtable_cell(t, r, cn), "int", "");
        for (int k = 0; k < 4; k++) {
            fputs(" | ", fp);
            rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, pcts[k])), "pct1", "%");
        }
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

/* ---- sections of a meting ---- */

/* Theme and catalogue position of an item from `vragen`. */
static void entry_place(const rapport_md_t *m, rsection_t *e)
{
    const rtable_t *v = m->tables[T_VRAGEN];
    long r = rapport_md_vraag_row(m, e->item);

    e->order = SIZE_MAX;
    if (r < 0) return;
    e->order = (size_t)r;
    if (rtable_cell(v, (size_t)r, rtable_col(v, "thema"))->type == WIRE_VAL_INT)
        e->thema = rtable_int(v, (size_t)r, rtable_col(v, "thema"));
}

/* The spending split sits where its first item sits in `vragen`. */
static void besteding_place(const rapport_md_t *m, rsection_t *e, wire_str_t categorie)
{
    const rtable_t *v = m->tables[T_VRAGEN];
    char name[128];
    int ct = rtable_col(v, "type");

    e->item = (wire_str_t){"", 0};
    e->order = SIZE_MAX;
    if (categorie.len < sizeof name - 11) {
        memcpy(name, "besteding_", 10);
        memcpy(name + 10, categorie.ptr, categorie.len);
        e->item = (wire_str_t){name, categorie.len + 10};
        entry_place(m, e);
        e->item = (wire_str_t){"", 0};
        if (e->order != SIZE_MAX) return;
    }
    for (size_t r = 0; ct >= 0 && r < v->n_rows; r++) {
        if (wire_str_eq(rtable_str(v, r, ct), "procent")) {
            e->order = r;
            e->thema = rtable_int(v, r, rtable_col(v, "thema"));
            return;
        }
    }
}

static int collect_entries(const rapport_md_t *m, int64_t meting, rsection_t **es, size_t *n)
{
    size_t cap = 0;
    int rc = KPM_OK;

    for (int kind = T_LIKERT; kind <= T_KEUZE && rc == KPM_OK; kind++) {
        const rtable_t *t = m->tables[kind];
        int cm = rtable_col(t, "meting"), ci = rtable_col(t, "item"),
            cth = rtable_col(t, "thema");
        for (size_t r = 0; cm >= 0 && ci >= 0 && r < t->n_rows && rc == KPM_OK; r++) {
            rsection_t e = {kind, RSECTION_THEMA_UNKNOWN, SIZE_MAX, 0, rtable_str(t, r, ci)};
            if (!rtable_is_int(t, r, cm, meting)) continue;
            entry_place(m, &e);
            if (rtable_cell(t, r, cth)->type == WIRE_VAL_INT) e.thema = rtable_int(t, r, cth);
            rc = rsection_add(es, n, &cap, e);
        }
    }
    const rtable_t *b = m->tables[T_BESTEDING];
    int cm = rtable_col(b, "meting");
    for (size_t r = 0; cm >= 0 && r < b->n_rows && rc == KPM_OK; r++) {
        rsection_t e = {T_BESTEDING, RSECTION_THEMA_UNKNOWN, SIZE_MAX, 0, {"", 0}};
        if (!rtable_is_int(b, r, cm, meting)) continue;
        besteding_place(m, &e, rtable_str(b, r, rtable_col(b, "categorie")));
        rc = rsection_add(es, n, &cap, e);
        break;
    }
    if (rc == KPM_OK) rsection_sort(*es, *n);
    return rc;
}

static void write_theme_heading(const rapport_md_t *m, FILE *fp, int64_t thema)
{
    const rtable_t *v = m->tables[T_VRAGEN];
    int cth = rtable_col(v, "thema"), cn = rtable_col(v, "thema_naam");

    if (thema == RSECTION_THEMA_UNKNOWN) {
        fputs("### Overige vragen\n\n", fp);
        return;
    }
    fprintf(fp, "### Thema %" PRId64, thema);
    for (size_t r = 0; cth >= 0 && r < v->n_rows; r++) {
        if (rtable_is_int(v, r, cth, thema) && rtable_str(v, r, cn).len > 0) {
            fputs(": ", fp);
            rapport_md_text(fp, rtable_str(v, r, cn));
            break;
        }
    }
    fputs("\n\n", fp);
}

static int write_meting(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    rsection_t *es = NULL;
    size_t n = 0;
    int rc;

    fprintf(fp, "## Meting %" PRId64 "\n\n", meting);
    write_respons(m, fp, meting);
    rc = collect_entries(m, meting, &es, &n);
    for (size_t i = 0; rc == KPM_OK && i < n; i++) {
        if (i == 0 || es[i].thema != es[i - 1].thema) write_theme_heading(m, fp, es[i].thema);
        if (es[i].kind == T_LIKERT)
            write_likert(m, fp, meting, es[i].item);
        else if (es[i].kind == T_KEUZE)
            write_keuze(m, fp, meting, es[i].item);
        else
            write_besteding(m, fp, meting);
    }
    free(es);
    return rc;
}

/* ---- rejects ---- */

typedef struct {
    const char *key;
    size_t len;
    uint64_t n;
} md_count_t;

static int count_cmp(const void *pa, const void *pb)
{
    const md_count_t *a = pa, *b = pb;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);

    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int write_counts(FILE *fp, const strmap_t *map, const char *title, int sorted)
{
    size_t n = strmap_count(map), k = 0, i = 0;
    md_count_t *cs;
    const char *key;
    size_t len;
    void *val;

    if (n == 0) return KPM_OK;
    cs = calloc(n, sizeof *cs);
    if (cs == NULL) return KPM_ENOMEM;
    while (k < n && strmap_entry(map, &i, &key, &len, &val))
        cs[k++] = (md_count_t){key, len, (uint64_t)(uintptr_t)val - 1};
    if (sorted) qsort(cs, k, sizeof *cs, count_cmp);
    fprintf(fp, "| %s | Aantal |\n|---|---:|\n", title);
    for (size_t j = 0; j < k; j++) {
        fputs("| ", fp);
        if (cs[j].len == 0)
            fputs("(geen)", fp);
        else
            rapport_md_text(fp, (wire_str_t){cs[j].key, (uint32_t)cs[j].len});
        fprintf(fp, " | %" PRIu64 " |\n", cs[j].n);
    }
    fputc('\n', fp);
    free(cs);
    return KPM_OK;
}

static int write_rejects(const rapport_md_t *m, FILE *fp)
{
    int rc;

    fputs("## Afgewezen en gemelde gegevens\n\n", fp);
    if (!m->have_rejects) {
        fputs("Er is geen overzicht van afgewezen gegevens ontvangen.\n", fp);
        return KPM_OK;
    }
    if (m->n_rejects == 0) {
        fputs("Er zijn geen gegevens afgewezen of gemeld.\n", fp);
        return KPM_OK;
    }
    fprintf(fp,
            "Er %s %" PRIu64 " %s over de aangeleverde bestanden (afgewezen bestanden, rijen "
            "en waarden, en meldingen). De volledige lijst staat in `rejects.csv`.\n\n",
            m->n_rejects == 1 ? "is" : "zijn", m->n_rejects,
            m->n_rejects == 1 ? "melding" : "meldingen");
    fputs("Per code:\n\n", fp);
    rc = write_counts(fp, m->codes, "Code", 1);
    if (rc == KPM_OK) {
        fputs("Per bestand:\n\n", fp);
        rc = write_counts(fp, m->files, "Bestand", 0);
    }
    return rc;
}

/* ---- the report ---- */

int rapport_md_write(const rapport_md_t *m, FILE *fp)
{
    int64_t *metingen = NULL;
    size_t n = 0;
    int rc;

    fputs("# Koploperproject onafhankelijke cliëntondersteuning — resultaten uitvraag\n\n", fp);
    fputs("Dit rapport is door kpm gemaakt uit de aangeleverde gegevens. Bij groepen (tranches) "
          "met minder antwoorden dan de drempel voor kleine aantallen zijn de uitkomsten "
          "onderdrukt. Percentages bij de tevredenheidsvragen zijn berekend over de geldige "
          "antwoorden (zonder n.v.t. en ontbrekend).\n\n",
          fp);
    rc = rtable_distinct_ints(&m->tables[T_RESPONS], T_BESTEDING - T_RESPONS + 1, "meting",
                              &metingen, &n);
    if (rc == KPM_OK && n == 0) fputs("Er zijn nog geen resultaten van de uitvraag.\n\n", fp);
    for (size_t i = 0; rc == KPM_OK && i < n; i++)
        rc = write_meting(m, fp, metingen[i]);
    if (rc == KPM_OK) rapport_md_write_vergelijkingen(m, fp);
    if (rc == KPM_OK) rc = write_rejects(m, fp);
    free(metingen);
    if (rc == KPM_OK && ferror(fp)) rc = KPM_EIO;
    return rc;
}
