/* rapport_html_cmp.c - the comparison parts of rapport.html: per meting the
 * satisfied share of every group (tevredenheid), and the Vergelijkingen section
 * (vergelijking) with a forest plot and a table per comparison. */
#include "rapport_html_int.h"

#include "kpm_err.h"
#include "rapport_svg.h"

#include <inttypes.h>
#include <stdlib.h>

/* ---- satisfied shares ---- */

/* A share of tevredenheid with its Wilson interval and n below it; sets
 * *flagged for a group where every answer falls on one side. */
static void cell_share(FILE *fp, const rtable_t *t, size_t r, int *flagged)
{
    const wire_value_t *pct = rtable_cell(t, r, rtable_col(t, "aandeel_pct"));

    if (rtable_suppressed(t, r)) {
        fputs("<td class=\"num onderdrukt\">onderdrukt</td>", fp);
        return;
    }
    fputs("<td class=\"num\">", fp);
    rapport_html_num(fp, pct, "pct1", "%");
    if (wire_str_eq(rtable_str(t, r, rtable_col(t, "groepsonthulling")), "ja")) {
        fputs("<sup>†</sup>", fp);
        *flagged = 1;
    }
    if (pct->type != WIRE_VAL_NIL) {
        fputs("<span class=\"sub\">", fp);
        rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, "ci_laag_pct")), "pct1", "–");
        rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, "ci_hoog_pct")), "pct1", "");
        fputs("</span>", fp);
    }
    fputs("<span class=\"sub\">n = ", fp);
    rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, "n")), "int", "");
    fputs("</span></td>", fp);
}

/* The satisfied share per item (rows) and group (columns) of a meting; groups
 * suppressed throughout are named below instead of taking a column. */
void rapport_html_write_tevredenheid(const rapport_html_t *h, FILE *fp, int64_t meting)
{
    const rtable_t *t = h->tables[T_TEVREDENHEID];
    int cm = rtable_col(t, "meting"), cg = rtable_col(t, "groep"), ci = rtable_col(t, "item");
    size_t start[MAX_GROUPS], end[MAX_GROUPS], n_g = 0, n_hidden = 0;
    int shown[MAX_GROUPS], flagged = 0;
    char label[LABEL_MAX];
    wire_str_t g;

    for (size_t r = 0; cm >= 0 && cg >= 0 && ci >= 0 && r < t->n_rows; r++) {
        if (!rtable_is_int(t, r, cm, meting)) continue;
        if (n_g == 0 || end[n_g - 1] != r ||
            !wire_str_same(rtable_str(t, r, cg), rtable_str(t, start[n_g - 1], cg))) {
            if (n_g == MAX_GROUPS) break;
            start[n_g] = r;
            shown[n_g++] = 0;
        }
        end[n_g - 1] = r + 1;
        shown[n_g - 1] |= !rtable_suppressed(t, r);
    }
    if (n_g == 0) return;
    fprintf(fp,
            "<h3 id=\"tevredenheid-%" PRId64 "\">Aandeel tevreden per groep</h3>\n"
            "<p class=\"note\">Per vraag het aandeel (zeer) tevreden van de geldige antwoorden "
            "(zonder n.v.t. en ontbrekend), daaronder het 95%%-betrouwbaarheidsinterval (Wilson) "
            "en het aantal geldige antwoorden n. Zie <code>tevredenheid.csv</code>.</p>\n"
            "<table class=\"tevredenheid\">\n<thead><tr><th>Vraag</th>",
            meting);
    for (size_t k = 0; k < n_g; k++) {
        if (!shown[k]) continue;
        g = rapport_html_group_label(rtable_str(t, start[k], cg), label);
        fputs("<th class=\"num\">", fp);
        rapport_html_text(fp, g.ptr, g.len);
        fputs("</th>", fp);
    }
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t i = start[0]; i < end[0]; i++) {
        wire_str_t item = rtable_str(t, i, ci);
        fputs("<tr><td>", fp);
        rapport_html_question_text(fp, rapport_html_question(h, item), item);
        fputs("</td>", fp);
        for (size_t k = 0; k < n_g; k++) {
            size_t r = start[k];
            if (!shown[k]) continue;
            while (r < end[k] && !wire_str_same(rtable_str(t, r, ci), item))
                r++;
            if (r < end[k])
                cell_share(fp, t, r, &flagged);
            else
                fputs("<td class=\"num\">–</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody>\n</table>\n", fp);
    for (size_t k = 0; k < n_g; k++) {
        if (shown[k]) continue;
        g = rapport_html_group_label(rtable_str(t, start[k], cg), label);
        fputs(n_hidden++
                  ? ", "
                  : "<p class=\"note\">Onderdrukt (kleine aantallen, of terug te rekenen uit "
                    "andere groepen): ",
              fp);
        rapport_html_text(fp, g.ptr, g.len);
    }
    if (n_hidden) fputs(".</p>\n", fp);
    if (flagged)
        fputs("<p class=\"note\">† Alle geldige antwoorden van de groep vallen aan één kant "
              "(allemaal tevreden of geen enkele): het cijfer zegt dan iets over elk lid van de "
              "groep.</p>\n",
              fp);
}

/* ---- comparisons ---- */

static const char *test_name(wire_str_t toets)
{
    return wire_str_eq(toets, "chi2")      ? "chi-kwadraat"
           : wire_str_eq(toets, "fisher")  ? "Fisher (exact)"
           : wire_str_eq(toets, "mcnemar") ? "McNemar (exact)"
                                                   : "–";
}

/* "Alle koplopers (2020)" for side 'a' or 'b' of a vergelijking row. */
static void side_label(FILE *fp, const rtable_t *t, size_t r, char side)
{
    char col[16], label[LABEL_MAX];
    wire_str_t g;

    snprintf(col, sizeof col, "groep_%c", side);
    g = rapport_html_group_label(rtable_str(t, r, rtable_col(t, col)), label);
    rapport_html_text(fp, g.ptr, g.len);
    snprintf(col, sizeof col, "meting_%c", side);
    fputs(" (", fp);
    rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, col)), "int", "");
    fputc(')', fp);
}

static void cell_side(FILE *fp, const rtable_t *t, size_t r, char side)
{
    char col[16];

    snprintf(col, sizeof col, "aandeel_%c_pct", side);
    fputs("<td class=\"num\">", fp);
    rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, col)), "pct1", "%");
    snprintf(col, sizeof col, "n_%c", side);
    fputs("<span class=\"sub\">n = ", fp);
    rapport_html_num(fp, rtable_cell(t, r, rtable_col(t, col)), "int", "");
    fputs("</span></td>", fp);
}

static void comparison_row(const rapport_html_t *h, FILE *fp, size_t r)
{
    const rtable_t *t = h->tables[T_VERGELIJKING];
    wire_str_t item = rtable_str(t, r, rtable_col(t, "item"));
    const wire_value_t *diff = rtable_cell(t, r, rtable_col(t, "verschil_pp"));
    const wire_value_t *p = rtable_cell(t, r, rtable_col(t, "p_waarde"));
    int sig = wire_str_eq(rtable_str(t, r, rtable_col(t, "significant")), "ja");

    fputs(sig ? "<tr class=\"sig\"><td>" : "<tr><td>", fp);
    rapport_html_question_text(fp, rapport_html_question(h, item), item);
    fputs("</td>", fp);
    if (rtable_suppressed(t, r)) {
        fputs("<td colspan=\"5\" class=\"onderdrukt\">onderdrukt</td></tr>\n", fp);
        return;
    }
    cell_side(fp, t, r, 'a');
    cell_side(fp, t, r, 'b');
    fputs("<td class=\"num\">", fp);
    rapport_html_points(fp, diff);
    if (diff->type != WIRE_VAL_NIL) {
        fputs("<span class=\"sub\">", fp);
        rapport_html_points(fp, rtable_cell(t, r, rtable_col(t, "ci_laag_pp")));
        fputs(" tot ", fp);
        rapport_html_points(fp, rtable_cell(t, r, rtable_col(t, "ci_hoog_pp")));
        fputs("</span>", fp);
    }
    fprintf(fp, "</td><td>%s</td><td class=\"num\">",
            test_name(rtable_str(t, r, rtable_col(t, "toets"))));
    if (p->type == WIRE_VAL_REAL && p->r < 0.00005)
        fputs("&lt; 0,0001", fp);
    else
        rapport_html_num(fp, p, "dec4", "");
    fputs(sig ? " *</td></tr>\n" : "</td></tr>\n", fp);
}

/* Rows r0..r1-1 of vergelijking, one comparison: heading, forest plot, table. */
static int write_comparison(const rapport_html_t *h, FILE *fp, size_t r0, size_t r1, size_t idx)
{
    const rtable_t *t = h->tables[T_VERGELIJKING];
    wire_str_t name = rtable_str(t, r0, rtable_col(t, "vergelijking"));
    int paired = wire_str_eq(rtable_str(t, r0, rtable_col(t, "type")), "gepaard");
    rsvg_forest_row_t *rows = NULL;
    size_t n_shown = 0, n_sig = 0;
    int rc = KPM_OK;

    fprintf(fp, "<div class=\"vergelijking\" id=\"vergelijking-%zu\">\n<h3>", idx);
    rapport_html_text(fp, name.ptr, name.len);
    fputs(paired ? "<span class=\"kop\">gepaard: " : "<span class=\"kop\">onafhankelijk: ", fp);
    side_label(fp, t, r0, 'a');
    fputs(" tegenover ", fp);
    side_label(fp, t, r0, 'b');
    fputs("</span></h3>\n", fp);
    if (paired)
        fputs("<p class=\"note\">Dezelfde koplopers in beide metingen, elk met zichzelf "
              "vergeleken; n is het aantal koplopers met een geldig antwoord in beide "
              "metingen.</p>\n",
              fp);
    for (size_t r = r0; r < r1; r++)
        n_shown += !rtable_suppressed(t, r);
    if (n_shown == 0) {
        fputs("<p class=\"onderdrukt\">Onderdrukt: een groep in deze vergelijking is kleiner dan "
              "de drempel voor kleine aantallen, of de uitkomst zou via andere tabellen een "
              "onderdrukte groep onthullen.</p>\n",
              fp);
        goto out;
    }
    rows = calloc(r1 - r0, sizeof *rows);
    if (rows == NULL) {
        rc = KPM_ENOMEM;
        goto out;
    }
    for (size_t r = r0; r < r1; r++) {
        rsvg_forest_row_t *f = &rows[r - r0];
        f->label = rtable_str(t, r, rtable_col(t, "item"));
        f->diff = rtable_cell(t, r, rtable_col(t, "verschil_pp"));
        f->lo = rtable_cell(t, r, rtable_col(t, "ci_laag_pp"));
        f->hi = rtable_cell(t, r, rtable_col(t, "ci_hoog_pp"));
        f->significant = wire_str_eq(rtable_str(t, r, rtable_col(t, "significant")), "ja");
        if (f->diff->type == WIRE_VAL_NIL)
            f->note = paired ? "geen paren met een geldig antwoord" : "geen geldige antwoorden";
        if (rtable_suppressed(t, r)) f->note = "onderdrukt";
        n_sig += (size_t)(f->significant && f->note == NULL);
    }
    fputs("<figure>\n<figcaption>Verschil in procentpunten: ", fp);
    side_label(fp, t, r0, 'b');
    fputs(" min ", fp);
    side_label(fp, t, r0, 'a');
    fputs(" <span class=\"item\">(punt: verschil; lijn: 95%-betrouwbaarheidsinterval; rood en "
          "gevuld: verschil van betekenis, p &lt; 0,05)</span></figcaption>\n",
          fp);
    rapport_svg_forest(fp, name.ptr, rows, r1 - r0);
    fputs("</figure>\n<table class=\"vergelijking\">\n<thead><tr><th>Vraag</th><th class=\"num\">",
          fp);
    side_label(fp, t, r0, 'a');
    fputs("</th><th class=\"num\">", fp);
    side_label(fp, t, r0, 'b');
    fputs("</th><th class=\"num\">Verschil (95%-BI)</th><th>Toets</th><th class=\"num\">p</th>"
          "</tr></thead>\n<tbody>\n",
          fp);
    for (size_t r = r0; r < r1; r++)
        comparison_row(h, fp, r);
    fputs("</tbody>\n</table>\n", fp);
    if (n_sig == 0)
        fputs("<p>Er zijn geen verschillen van betekenis (p &lt; 0,05) gevonden.</p>\n", fp);
    else
        fprintf(fp,
                "<p>Verschillen van betekenis (p &lt; 0,05) zijn vet gedrukt en gemarkeerd met *: "
                "%zu van de %zu vragen.</p>\n",
                n_sig, r1 - r0);
out:
    fputs("</div>\n", fp);
    free(rows);
    return rc;
}

/* One part per comparison, in the order of the table (the configuration's). */
int rapport_html_write_vergelijkingen(const rapport_html_t *h, FILE *fp)
{
    const rtable_t *t = h->tables[T_VERGELIJKING];
    int cv = rtable_col(t, "vergelijking"), rc = KPM_OK;
    size_t idx = 0;

    if (t == NULL) return KPM_OK;
    fputs("<section id=\"vergelijkingen\">\n<h2>Vergelijkingen</h2>\n", fp);
    if (t->n_rows == 0 || cv < 0)
        fputs("<p>Er zijn geen vergelijkingen ingesteld, of er zijn nog geen gegevens voor.</p>\n",
              fp);
    else
        fputs("<p>Per vraag het aandeel (zeer) tevreden van de geldige antwoorden (zonder n.v.t. "
              "en ontbrekend) in beide groepen, en het verschil (tweede min eerste) in "
              "procentpunten met het 95%-betrouwbaarheidsinterval (BI). De toets is de "
              "chi-kwadraattoets als elke verwachte celwaarde minstens 5 is, anders de exacte "
              "toets van Fisher; bij dezelfde koplopers in beide metingen de exacte toets van "
              "McNemar. Bij zoveel vragen is ongeveer één op de twintig 'verschillen van "
              "betekenis' ook bij toeval te verwachten. Zie <code>vergelijking.csv</code> en "
              "<code>tevredenheid.csv</code>.</p>\n",
              fp);
    for (size_t r0 = 0, r1; cv >= 0 && r0 < t->n_rows && rc == KPM_OK; r0 = r1) {
        for (r1 = r0 + 1;
             r1 < t->n_rows && wire_str_same(rtable_str(t, r1, cv), rtable_str(t, r0, cv));
             r1++)
            ;
        rc = write_comparison(h, fp, r0, r1, ++idx);
    }
    fputs("</section>\n", fp);
    return rc;
}
