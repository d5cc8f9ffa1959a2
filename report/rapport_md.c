/* rapport_md.c - the Dutch markdown report, rendered from the kept tables. */
#include "rapport_md.h"

#include "kpm_err.h"
#include "report_out.h"
#include "strmap.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Tables kept in memory, indexed by kind. */
enum { T_RESPONS, T_LIKERT, T_KEUZE, T_BESTEDING, T_VRAGEN, T_VERGELIJKING, T_KEPT };
enum { CUR_NONE = -1, CUR_REJECTS = T_KEPT };

static const char *const kept_names[T_KEPT] = {"respons",   "likert", "keuze",
                                               "besteding", "vragen", "vergelijking"};

static const char *const likert_cols[4] = {"zeer_ontevreden", "ontevreden", "tevreden",
                                           "zeer_tevreden"};
static const char *const likert_labels[4] = {"Zeer ontevreden", "Ontevreden", "Tevreden",
                                             "Zeer tevreden"};

#define MD_SUPPRESSED "onderdrukt (n < drempel)"
#define MD_NONE "–" /* shown for an empty cell */

typedef struct {
    uint32_t n_cols;
    char *cols[WIRE_MAX_COLS];
    char *fmts[WIRE_MAX_COLS];
    size_t n_rows, cap_rows;
    wire_value_t *cells; /* n_rows * n_cols; strings owned, NUL-terminated */
} md_table_t;

struct rapport_md {
    md_table_t *tables[T_KEPT]; /* NULL when the table did not arrive */
    int cur;                    /* kind of the table being received */
    int rej_code, rej_file;     /* columns of the rejects table (-1: absent) */
    int have_rejects;
    uint64_t n_rejects;
    strmap_t *codes; /* code -> count + 1, stored in the pointer */
    strmap_t *files; /* bestand -> count + 1 */
};

/* One section of a meting: a likert or keuze item, or the spending split. */
typedef struct {
    int kind; /* T_LIKERT, T_KEUZE or T_BESTEDING */
    int64_t thema;
    size_t order; /* position in vragen; SIZE_MAX when not there */
    size_t seq;   /* arrival, for a stable order */
    wire_str_t item;
} md_entry_t;

#define THEMA_UNKNOWN INT64_MAX

/* ---- keeping tables ---- */

static void table_free(md_table_t **pt)
{
    md_table_t *t = *pt;

    if (t == NULL) return;
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        if (t->cells[i].type == WIRE_VAL_STR) free((char *)t->cells[i].s.ptr);
    }
    for (uint32_t c = 0; c < t->n_cols; c++) {
        free(t->cols[c]);
        free(t->fmts[c]);
    }
    free(t->cells);
    free(t);
    *pt = NULL;
}

static char *dup_str(wire_str_t s)
{
    char *d = malloc((size_t)s.len + 1);

    if (d == NULL) return NULL;
    if (s.len > 0) memcpy(d, s.ptr, s.len);
    d[s.len] = '\0';
    return d;
}

static int str_is(wire_str_t s, const char *lit)
{
    return strlen(lit) == s.len && memcmp(s.ptr, lit, s.len) == 0;
}

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
        table_free(&m->tables[i]);
    strmap_destroy(&m->codes);
    strmap_destroy(&m->files);
    free(m);
    *pm = NULL;
}

static int find_col(const wire_table_begin_t *tb, const char *name)
{
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        if (str_is(tb->col_names[c], name)) return (int)c;
    }
    return -1;
}

int rapport_md_table_begin(rapport_md_t *m, const wire_table_begin_t *tb)
{
    md_table_t *t;

    m->cur = CUR_NONE;
    if (str_is(tb->name, "rejects")) {
        m->cur = CUR_REJECTS;
        m->have_rejects = 1;
        m->rej_code = find_col(tb, "code");
        m->rej_file = find_col(tb, "bestand");
        return KPM_OK;
    }
    for (int i = 0; i < T_KEPT; i++) {
        if (str_is(tb->name, kept_names[i])) m->cur = i;
    }
    if (m->cur == CUR_NONE) return KPM_OK;
    table_free(&m->tables[m->cur]);
    t = calloc(1, sizeof *t);
    if (t == NULL) return KPM_ENOMEM;
    m->tables[m->cur] = t;
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        t->cols[c] = dup_str(tb->col_names[c]);
        t->fmts[c] = dup_str(tb->col_formats[c]);
        t->n_cols = c + 1;
        if (t->cols[c] == NULL || t->fmts[c] == NULL) return KPM_ENOMEM;
    }
    return KPM_OK;
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
    md_table_t *t;
    wire_value_t *dst;

    if (m->cur == CUR_REJECTS) {
        m->n_rejects++;
        if (count_up(m->codes, row_str(row, m->rej_code)) != KPM_OK ||
            count_up(m->files, row_str(row, m->rej_file)) != KPM_OK)
            return KPM_ENOMEM;
        return KPM_OK;
    }
    if (m->cur == CUR_NONE) return KPM_OK;
    t = m->tables[m->cur];
    if (row->n_cells != t->n_cols)
        return KPM_OK; /* report_out refuses such rows before they get here */
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        wire_value_t *n = realloc(t->cells, cap * t->n_cols * sizeof *n);
        if (n == NULL) return KPM_ENOMEM;
        t->cells = n;
        t->cap_rows = cap;
    }
    dst = &t->cells[t->n_rows * t->n_cols];
    for (uint32_t c = 0; c < t->n_cols; c++) {
        dst[c] = row->cells[c];
        if (dst[c].type != WIRE_VAL_STR) continue;
        dst[c].s.ptr = dup_str(row->cells[c].s);
        if (dst[c].s.ptr == NULL) {
            for (uint32_t k = 0; k < c; k++) {
                if (dst[k].type == WIRE_VAL_STR) free((char *)dst[k].s.ptr);
            }
            return KPM_ENOMEM;
        }
    }
    t->n_rows++;
    return KPM_OK;
}

void rapport_md_table_end(rapport_md_t *m)
{
    m->cur = CUR_NONE;
}

/* ---- reading kept tables ---- */

static int tcol(const md_table_t *t, const char *name)
{
    if (t == NULL) return -1;
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->cols[c], name) == 0) return (int)c;
    }
    return -1;
}

static const wire_value_t *tcell(const md_table_t *t, size_t r, int c)
{
    static const wire_value_t nil = {WIRE_VAL_NIL, 0, 0.0, {"", 0}};

    return c < 0 ? &nil : &t->cells[r * t->n_cols + (size_t)c];
}

static int64_t tint(const md_table_t *t, size_t r, int c)
{
    const wire_value_t *v = tcell(t, r, c);

    return v->type == WIRE_VAL_INT ? v->i : 0;
}

static int tis_int(const md_table_t *t, size_t r, int c, int64_t want)
{
    const wire_value_t *v = tcell(t, r, c);

    return v->type == WIRE_VAL_INT && v->i == want;
}

static wire_str_t tstr(const md_table_t *t, size_t r, int c)
{
    const wire_value_t *v = tcell(t, r, c);
    wire_str_t none = {"", 0};

    return v->type == WIRE_VAL_STR ? v->s : none;
}

static int str_eq(wire_str_t a, wire_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int suppressed(const md_table_t *t, size_t r)
{
    return str_is(tstr(t, r, tcol(t, "onderdrukt")), "ja");
}

/* Row of `vragen` describing item, or -1. */
static long vraag_row(const rapport_md_t *m, wire_str_t item)
{
    const md_table_t *v = m->tables[T_VRAGEN];
    int ci = tcol(v, "item");

    if (ci < 0) return -1;
    for (size_t r = 0; r < v->n_rows; r++) {
        if (str_eq(tstr(v, r, ci), item)) return (long)r;
    }
    return -1;
}

/* ---- writing ---- */

/* Text in a table cell or heading: nothing that breaks the table or turns into
 * markup; line breaks become spaces. */
static void md_text(FILE *fp, wire_str_t s)
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

/* A number as the CSV shows it, with a decimal comma and an optional suffix;
 * MD_NONE for an empty cell. */
static void md_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix)
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
    md_num(fp, &v, "pct1", "%");
}

static void write_respons(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    const md_table_t *t = m->tables[T_RESPONS];
    int cm = tcol(t, "meting"), ct = tcol(t, "tranche"), cu = tcol(t, "uitgenodigd"),
        cr = tcol(t, "respons"), cp = tcol(t, "respons_pct");
    int any = 0;

    if (cm < 0) return;
    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t tranche = tstr(t, r, ct);
        if (!tis_int(t, r, cm, meting)) continue;
        if (!any++)
            fputs("### Respons\n\n| Tranche | Uitgenodigd | Respons | Respons % |\n"
                  "|---|---:|---:|---:|\n",
                  fp);
        fputs("| ", fp);
        if (str_is(tranche, "totaal"))
            fputs("Totaal", fp);
        else
            md_text(fp, tranche);
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cu), "int", "");
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cr), "int", "");
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cp), "pct1", "%");
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

static void write_item_heading(const rapport_md_t *m, FILE *fp, wire_str_t item)
{
    long vr = vraag_row(m, item);
    const md_table_t *v = m->tables[T_VRAGEN];
    wire_str_t text = vr >= 0 ? tstr(v, (size_t)vr, tcol(v, "vraag")) : item;

    fputs("#### ", fp);
    md_text(fp, text.len > 0 ? text : item);
    fputs("\n\n", fp);
}

static void write_likert(const rapport_md_t *m, FILE *fp, int64_t meting, wire_str_t item)
{
    const md_table_t *t = m->tables[T_LIKERT];
    int cm = tcol(t, "meting"), cg = tcol(t, "groep"), ci = tcol(t, "item"), cn = tcol(t, "nvt"),
        co = tcol(t, "ontbrekend"), cgem = tcol(t, "gemiddelde");
    int ck[4];
    int tranches = 0;
    long vr = vraag_row(m, item);
    int plain =
        vr >= 0 &&
        str_is(tstr(m->tables[T_VRAGEN], (size_t)vr, tcol(m->tables[T_VRAGEN], "type")), "likert");

    for (int k = 0; k < 4; k++)
        ck[k] = tcol(t, likert_cols[k]);
    write_item_heading(m, fp, item);
    for (size_t r = 0; r < t->n_rows; r++) {
        int64_t n = 0;
        if (!tis_int(t, r, cm, meting) || !str_eq(tstr(t, r, ci), item) ||
            !str_is(tstr(t, r, cg), "alle"))
            continue;
        if (suppressed(t, r)) {
            fputs("Onderdrukt (n < drempel).\n\n", fp);
            break;
        }
        for (int k = 0; k < 4; k++)
            n += tint(t, r, ck[k]);
        fputs("| Antwoord | Aantal | % |\n|---|---:|---:|\n", fp);
        for (int k = 0; k < 4; k++) {
            fprintf(fp, "| %s | %" PRId64 " | ", likert_labels[k], tint(t, r, ck[k]));
            md_pct(fp, tint(t, r, ck[k]), n);
            fputs(" |\n", fp);
        }
        fprintf(fp, "| n (geldige antwoorden) | %" PRId64 " | |\n", n);
        if (!plain || tint(t, r, cn) != 0)
            fprintf(fp, "| n.v.t. | %" PRId64 " | |\n", tint(t, r, cn));
        fprintf(fp, "| ontbrekend | %" PRId64 " | |\n", tint(t, r, co));
        fputs("| gemiddelde (1-4) | ", fp);
        md_num(fp, tcell(t, r, cgem), "dec2", "");
        fputs(" | |\n\n", fp);
        break;
    }

    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t g = tstr(t, r, cg);
        int64_t n = 0;
        if (!tis_int(t, r, cm, meting) || !str_eq(tstr(t, r, ci), item) || g.len <= 8 ||
            memcmp(g.ptr, "tranche-", 8) != 0)
            continue;
        if (!tranches++)
            fputs("| Tranche | n | % (zeer) tevreden | Gemiddelde |\n|---|---:|---:|---:|\n", fp);
        fputs("| ", fp);
        md_text(fp, (wire_str_t){g.ptr + 8, g.len - 8});
        if (suppressed(t, r)) {
            fputs(" | " MD_SUPPRESSED " | | |\n", fp);
            continue;
        }
        for (int k = 0; k < 4; k++)
            n += tint(t, r, ck[k]);
        fprintf(fp, " | %" PRId64 " | ", n);
        md_pct(fp, tint(t, r, ck[2]) + tint(t, r, ck[3]), n);
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cgem), "dec2", "");
        fputs(" |\n", fp);
    }
    if (tranches) fputc('\n', fp);
}

static void write_keuze(const rapport_md_t *m, FILE *fp, int64_t meting, wire_str_t item)
{
    const md_table_t *t = m->tables[T_KEUZE];
    int cm = tcol(t, "meting"), cg = tcol(t, "groep"), ci = tcol(t, "item"),
        ca = tcol(t, "antwoord"), cn = tcol(t, "aantal"), cp = tcol(t, "pct");
    int any = 0;

    write_item_heading(m, fp, item);
    for (size_t r = 0; r < t->n_rows; r++) {
        if (!tis_int(t, r, cm, meting) || !str_eq(tstr(t, r, ci), item) ||
            !str_is(tstr(t, r, cg), "alle"))
            continue;
        if (suppressed(t, r)) {
            if (!any) fputs("Onderdrukt (n < drempel).\n\n", fp);
            return;
        }
        if (!any++) fputs("| Antwoord | Aantal | % |\n|---|---:|---:|\n", fp);
        fputs("| ", fp);
        md_text(fp, tstr(t, r, ca));
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cn), "int", "");
        fputs(" | ", fp);
        md_num(fp, tcell(t, r, cp), "pct1", "%");
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

static void write_besteding(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    static const char *const pcts[4] = {"gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"};
    const md_table_t *t = m->tables[T_BESTEDING];
    int cm = tcol(t, "meting"), cg = tcol(t, "groep"), cc = tcol(t, "categorie"), cn = tcol(t, "n");
    int any = 0;

    fputs("#### Besteding van de projectmiddelen (% van het budget)\n\n", fp);
    for (size_t r = 0; r < t->n_rows; r++) {
        wire_str_t cat = tstr(t, r, cc);
        if (!tis_int(t, r, cm, meting) || !str_is(tstr(t, r, cg), "alle")) continue;
        if (!any++)
            fputs("| Categorie | n | Gemiddeld % | Mediaan % | Min % | Max % |\n"
                  "|---|---:|---:|---:|---:|---:|\n",
                  fp);
        fputs("| ", fp);
        for (uint32_t i = 0; i < cat.len; i++) {
            if (cat.ptr[i] == '_')
                fputc(' ', fp);
            else
                md_text(fp, (wire_str_t){cat.ptr + i, 1});
        }
        fputs(" | ", fp);
        if (suppressed(t, r)) {
            fputs(MD_SUPPRESSED " | | | | |\n", fp);
            continue;
        }
        md_num(fp, tcell(t, r, cn), "int", "");
        for (int k = 0; k < 4; k++) {
            fputs(" | ", fp);
            md_num(fp, tcell(t, r, tcol(t, pcts[k])), "pct1", "%");
        }
        fputs(" |\n", fp);
    }
    if (any) fputc('\n', fp);
}

/* ---- sections of a meting ---- */

static int entry_cmp(const void *pa, const void *pb)
{
    const md_entry_t *a = pa, *b = pb;

    if (a->thema != b->thema) return a->thema < b->thema ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int entry_add(md_entry_t **es, size_t *n, size_t *cap, md_entry_t e)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*es)[i].kind == e.kind && str_eq((*es)[i].item, e.item)) return KPM_OK;
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        md_entry_t *p = realloc(*es, c * sizeof *p);
        if (p == NULL) return KPM_ENOMEM;
        *es = p;
        *cap = c;
    }
    e.seq = *n;
    (*es)[(*n)++] = e;
    return KPM_OK;
}

/* Theme and catalogue position of an item from `vragen`. */
static void entry_place(const rapport_md_t *m, md_entry_t *e)
{
    const md_table_t *v = m->tables[T_VRAGEN];
    long r = vraag_row(m, e->item);

    e->order = SIZE_MAX;
    if (r < 0) return;
    e->order = (size_t)r;
    if (tcell(v, (size_t)r, tcol(v, "thema"))->type == WIRE_VAL_INT)
        e->thema = tint(v, (size_t)r, tcol(v, "thema"));
}

/* The spending split sits where its first item sits in `vragen`. */
static void besteding_place(const rapport_md_t *m, md_entry_t *e, wire_str_t categorie)
{
    const md_table_t *v = m->tables[T_VRAGEN];
    char name[128];
    int ct = tcol(v, "type");

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
        if (str_is(tstr(v, r, ct), "procent")) {
            e->order = r;
            e->thema = tint(v, r, tcol(v, "thema"));
            return;
        }
    }
}

static int collect_entries(const rapport_md_t *m, int64_t meting, md_entry_t **es, size_t *n)
{
    size_t cap = 0;
    int rc = KPM_OK;

    for (int kind = T_LIKERT; kind <= T_KEUZE && rc == KPM_OK; kind++) {
        const md_table_t *t = m->tables[kind];
        int cm = tcol(t, "meting"), ci = tcol(t, "item"), cth = tcol(t, "thema");
        for (size_t r = 0; cm >= 0 && ci >= 0 && r < t->n_rows && rc == KPM_OK; r++) {
            md_entry_t e = {kind, THEMA_UNKNOWN, SIZE_MAX, 0, tstr(t, r, ci)};
            if (!tis_int(t, r, cm, meting)) continue;
            entry_place(m, &e);
            if (tcell(t, r, cth)->type == WIRE_VAL_INT) e.thema = tint(t, r, cth);
            rc = entry_add(es, n, &cap, e);
        }
    }
    const md_table_t *b = m->tables[T_BESTEDING];
    int cm = tcol(b, "meting");
    for (size_t r = 0; cm >= 0 && r < b->n_rows && rc == KPM_OK; r++) {
        md_entry_t e = {T_BESTEDING, THEMA_UNKNOWN, SIZE_MAX, 0, {"", 0}};
        if (!tis_int(b, r, cm, meting)) continue;
        besteding_place(m, &e, tstr(b, r, tcol(b, "categorie")));
        rc = entry_add(es, n, &cap, e);
        break;
    }
    if (rc == KPM_OK && *n > 1) qsort(*es, *n, sizeof **es, entry_cmp);
    return rc;
}

static void write_theme_heading(const rapport_md_t *m, FILE *fp, int64_t thema)
{
    const md_table_t *v = m->tables[T_VRAGEN];
    int cth = tcol(v, "thema"), cn = tcol(v, "thema_naam");

    if (thema == THEMA_UNKNOWN) {
        fputs("### Overige vragen\n\n", fp);
        return;
    }
    fprintf(fp, "### Thema %" PRId64, thema);
    for (size_t r = 0; cth >= 0 && r < v->n_rows; r++) {
        if (tis_int(v, r, cth, thema) && tstr(v, r, cn).len > 0) {
            fputs(": ", fp);
            md_text(fp, tstr(v, r, cn));
            break;
        }
    }
    fputs("\n\n", fp);
}

static int write_meting(const rapport_md_t *m, FILE *fp, int64_t meting)
{
    md_entry_t *es = NULL;
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

/* ---- comparisons ---- */

/* A signed difference in points: "+2,5", "-0,3", "0,0"; MD_NONE when empty. */
static void md_points(FILE *fp, const wire_value_t *v)
{
    char buf[64];
    if (v->type == WIRE_VAL_REAL && report_format_cell(v, "dec1", 4, buf, sizeof buf) > 0 &&
        v->r > 0 && strcmp(buf, "0.0") != 0)
        fputc('+', fp);
    md_num(fp, v, "dec1", "");
}

static void md_share(FILE *fp, const md_table_t *t, size_t r, const char *pct, const char *n)
{
    md_num(fp, tcell(t, r, tcol(t, pct)), "pct1", "%");
    fputs(" (n = ", fp);
    md_num(fp, tcell(t, r, tcol(t, n)), "int", "");
    fputc(')', fp);
}

static void md_side(FILE *fp, const md_table_t *t, size_t r, char side)
{
    char col[16];
    snprintf(col, sizeof col, "groep_%c", side);
    md_text(fp, tstr(t, r, tcol(t, col)));
    snprintf(col, sizeof col, "meting_%c", side);
    fputs(" (", fp);
    md_num(fp, tcell(t, r, tcol(t, col)), "int", "");
    fputc(')', fp);
}

static void write_cmp_intro(FILE *fp, const md_table_t *t, size_t r)
{
    if (str_is(tstr(t, r, tcol(t, "type")), "gepaard")) {
        fputs("Gepaard: de koplopers van ", fp);
        md_text(fp, tstr(t, r, tcol(t, "groep_a")));
        fputs(" die zowel in ", fp);
        md_num(fp, tcell(t, r, tcol(t, "meting_a")), "int", "");
        fputs(" als in ", fp);
        md_num(fp, tcell(t, r, tcol(t, "meting_b")), "int", "");
        fputs(" antwoordden; n is het aantal koplopers met een geldig antwoord in beide "
              "metingen.\n\n",
              fp);
        return;
    }
    fputs("Onafhankelijke groepen: ", fp);
    md_side(fp, t, r, 'a');
    fputs(" tegenover ", fp);
    md_side(fp, t, r, 'b');
    fputs(".\n\n", fp);
}

/* Rows r0..r1-1 of `vergelijking`, one comparison. */
static void write_comparison(const rapport_md_t *m, FILE *fp, size_t r0, size_t r1)
{
    const md_table_t *t = m->tables[T_VERGELIJKING];
    const md_table_t *v = m->tables[T_VRAGEN];
    int ci = tcol(t, "item"), cs = tcol(t, "significant"), ct = tcol(t, "toets");
    size_t n_sig = 0;

    fputs("### ", fp);
    md_text(fp, tstr(t, r0, tcol(t, "vergelijking")));
    fputs("\n\n", fp);
    write_cmp_intro(fp, t, r0);
    if (suppressed(t, r0)) {
        fputs("Onderdrukt: een groep in deze vergelijking is kleiner dan de drempel voor kleine "
              "aantallen, of de uitkomst zou via andere tabellen een onderdrukte groep "
              "onthullen.\n\n",
              fp);
        return;
    }
    fputs("| Vraag | ", fp);
    md_side(fp, t, r0, 'a');
    fputs(" | ", fp);
    md_side(fp, t, r0, 'b');
    fputs(" | Verschil in procentpunten (95%-BI) | Toets | p |\n|---|---:|---:|---:|---|---:|\n",
          fp);
    for (size_t r = r0; r < r1; r++) {
        wire_str_t item = tstr(t, r, ci), test = tstr(t, r, ct);
        long vr = vraag_row(m, item);
        wire_str_t text = vr >= 0 ? tstr(v, (size_t)vr, tcol(v, "vraag")) : item;
        int sig = str_is(tstr(t, r, cs), "ja");
        const wire_value_t *p = tcell(t, r, tcol(t, "p_waarde"));
        const wire_value_t *diff = tcell(t, r, tcol(t, "verschil_pp"));
        n_sig += (size_t)sig;
        fputs("| ", fp);
        md_text(fp, text.len > 0 ? text : item);
        fputs(" | ", fp);
        md_share(fp, t, r, "aandeel_a_pct", "n_a");
        fputs(" | ", fp);
        md_share(fp, t, r, "aandeel_b_pct", "n_b");
        fputs(sig ? " | **" : " | ", fp);
        md_points(fp, diff);
        if (diff->type != WIRE_VAL_NIL) {
            fputs(" (", fp);
            md_points(fp, tcell(t, r, tcol(t, "ci_laag_pp")));
            fputs(" tot ", fp);
            md_points(fp, tcell(t, r, tcol(t, "ci_hoog_pp")));
            fputc(')', fp);
        }
        fputs(sig ? "** | " : " | ", fp);
        fputs(str_is(test, "chi2")      ? "chi-kwadraat"
              : str_is(test, "fisher")  ? "Fisher (exact)"
              : str_is(test, "mcnemar") ? "McNemar (exact)"
                                        : MD_NONE,
              fp);
        fputs(" | ", fp);
        if (p->type == WIRE_VAL_REAL && p->r < 0.00005)
            fputs("< 0,0001", fp);
        else
            md_num(fp, p, "dec4", "");
        fputs(sig ? " * |\n" : " |\n", fp);
    }
    if (n_sig == 0)
        fputs("\nEr zijn geen verschillen van betekenis (p < 0,05) gevonden.\n\n", fp);
    else
        fprintf(fp,
                "\nVerschillen van betekenis (p < 0,05) zijn vet gedrukt en gemarkeerd met *: "
                "%zu van de %zu vragen.\n\n",
                n_sig, r1 - r0);
}

static void write_vergelijkingen(const rapport_md_t *m, FILE *fp)
{
    const md_table_t *t = m->tables[T_VERGELIJKING];
    int cv = tcol(t, "vergelijking");

    if (t == NULL) return;
    fputs("## Vergelijkingen\n\n", fp);
    if (t->n_rows == 0 || cv < 0) {
        fputs("Er zijn geen vergelijkingen ingesteld, of er zijn nog geen gegevens voor.\n\n", fp);
        return;
    }
    fputs("Per vraag het aandeel (zeer) tevreden van de geldige antwoorden (zonder n.v.t. en "
          "ontbrekend) in beide groepen, en het verschil (tweede min eerste) in procentpunten "
          "met het 95%-betrouwbaarheidsinterval (BI). De toets is de chi-kwadraattoets als elke "
          "verwachte celwaarde minstens 5 is, anders de exacte toets van Fisher; bij dezelfde "
          "koplopers in beide metingen de exacte toets van McNemar. Bij zoveel vragen is ongeveer "
          "één op de twintig 'verschillen van betekenis' ook bij toeval te verwachten. Zie "
          "`vergelijking.csv` en `tevredenheid.csv`.\n\n",
          fp);
    for (size_t r0 = 0, r1; r0 < t->n_rows; r0 = r1) {
        for (r1 = r0 + 1; r1 < t->n_rows && str_eq(tstr(t, r1, cv), tstr(t, r0, cv)); r1++)
            ;
        write_comparison(m, fp, r0, r1);
    }
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
            md_text(fp, (wire_str_t){cs[j].key, (uint32_t)cs[j].len});
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

static int int_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

    return (a > b) - (a < b);
}

/* The metingen present in the result tables, ascending and distinct. */
static int collect_metingen(const rapport_md_t *m, int64_t **out, size_t *n)
{
    static const int kinds[] = {T_RESPONS, T_LIKERT, T_KEUZE, T_BESTEDING};
    size_t cap = 0;

    *out = NULL;
    *n = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const md_table_t *t = m->tables[kinds[k]];
        int cm = tcol(t, "meting");
        for (size_t r = 0; cm >= 0 && r < t->n_rows; r++) {
            int64_t v = tint(t, r, cm);
            size_t i = 0;
            if (tcell(t, r, cm)->type != WIRE_VAL_INT) continue;
            while (i < *n && (*out)[i] != v)
                i++;
            if (i < *n) continue;
            if (*n == cap) {
                size_t c = cap ? cap * 2 : 8;
                int64_t *p = realloc(*out, c * sizeof *p);
                if (p == NULL) return KPM_ENOMEM;
                *out = p;
                cap = c;
            }
            (*out)[(*n)++] = v;
        }
    }
    if (*n > 1) qsort(*out, *n, sizeof **out, int_cmp);
    return KPM_OK;
}

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
    rc = collect_metingen(m, &metingen, &n);
    if (rc == KPM_OK && n == 0) fputs("Er zijn nog geen resultaten van de uitvraag.\n\n", fp);
    for (size_t i = 0; rc == KPM_OK && i < n; i++)
        rc = write_meting(m, fp, metingen[i]);
    if (rc == KPM_OK) write_vergelijkingen(m, fp);
    if (rc == KPM_OK) rc = write_rejects(m, fp);
    free(metingen);
    if (rc == KPM_OK && ferror(fp)) rc = KPM_EIO;
    return rc;
}
