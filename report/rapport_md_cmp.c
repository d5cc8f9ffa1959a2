/* rapport_md_cmp.c - the Vergelijkingen section of rapport.md: per comparison
 * of vergelijking the satisfied shares of both sides, their difference with its
 * interval, the test and the p-value. */
#include "rapport_md_int.h"

#include "report_out.h"

#include <stdio.h>
#include <string.h>

/* A signed difference in points: "+2,5", "-0,3", "0,0"; MD_NONE when empty. */
static void md_points(FILE *fp, const wire_value_t *v)
{
    char buf[64];
    if (v->type == WIRE_VAL_REAL && report_format_cell(v, "dec1", 4, buf, sizeof buf) > 0 &&
        v->r > 0 && strcmp(buf, "0.0") != 0)
        fputc('+', fp);
    rapport_md_num(fp, v, "dec1", "");
}

static void md_share(FILE *fp, const rtable_t *t, size_t r, const char *pct, const char *n)
{
    rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, pct)), "pct1", "%");
    fputs(" (n = ", fp);
    rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, n)), "int", "");
    fputc(')', fp);
}

static void md_side(FILE *fp, const rtable_t *t, size_t r, char side)
{
    char col[16];
    snprintf(col, sizeof col, "groep_%c", side);
    rapport_md_text(fp, rtable_str(t, r, rtable_col(t, col)));
    snprintf(col, sizeof col, "meting_%c", side);
    fputs(" (", fp);
    rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, col)), "int", "");
    fputc(')', fp);
}

static void write_cmp_intro(FILE *fp, const rtable_t *t, size_t r)
{
    if (wire_str_eq(rtable_str(t, r, rtable_col(t, "type")), "gepaard")) {
        fputs("Gepaard: de koplopers van ", fp);
        rapport_md_text(fp, rtable_str(t, r, rtable_col(t, "groep_a")));
        fputs(" die zowel in ", fp);
        rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, "meting_a")), "int", "");
        fputs(" als in ", fp);
        rapport_md_num(fp, rtable_cell(t, r, rtable_col(t, "meting_b")), "int", "");
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
    const rtable_t *t = m->tables[T_VERGELIJKING];
    const rtable_t *v = m->tables[T_VRAGEN];
    int ci = rtable_col(t, "item"), cs = rtable_col(t, "significant"),
        ct = rtable_col(t, "toets");
    size_t n_sig = 0;

    fputs("### ", fp);
    rapport_md_text(fp, rtable_str(t, r0, rtable_col(t, "vergelijking")));
    fputs("\n\n", fp);
    write_cmp_intro(fp, t, r0);
    if (rtable_suppressed(t, r0)) {
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
        wire_str_t item = rtable_str(t, r, ci), test = rtable_str(t, r, ct);
        long vr = rapport_md_vraag_row(m, item);
        wire_str_t text =
            vr >= 0 ? rtable_str(v, (size_t)vr, rtable_col(v, "vraag")) : item;
        int sig = wire_str_eq(rtable_str(t, r, cs), "ja");
        const wire_value_t *p = rtable_cell(t, r, rtable_col(t, "p_waarde"));
        const wire_value_t *diff = rtable_cell(t, r, rtable_col(t, "verschil_pp"));
        n_sig += (size_t)sig;
        fputs("| ", fp);
        rapport_md_text(fp, text.len > 0 ? text : item);
        fputs(" | ", fp);
        md_share(fp, t, r, "aandeel_a_pct", "n_a");
        fputs(" | ", fp);
        md_share(fp, t, r, "aandeel_b_pct", "n_b");
        fputs(sig ? " | **" : " | ", fp);
        md_points(fp, diff);
        if (diff->type != WIRE_VAL_NIL) {
            fputs(" (", fp);
            md_points(fp, rtable_cell(t, r, rtable_col(t, "ci_laag_pp")));
            fputs(" tot ", fp);
            md_points(fp, rtable_cell(t, r, rtable_col(t, "ci_hoog_pp")));
            fputc(')', fp);
        }
        fputs(sig ? "** | " : " | ", fp);
        fputs(wire_str_eq(test, "chi2")      ? "chi-kwadraat"
              : wire_str_eq(test, "fisher")  ? "Fisher (exact)"
              : wire_str_eq(test, "mcnemar") ? "McNemar (exact)"
                                                   : MD_NONE,
              fp);
        fputs(" | ", fp);
        if (p->type == WIRE_VAL_REAL && p->r < 0.00005)
            fputs("< 0,0001", fp);
        else
            rapport_md_num(fp, p, "dec4", "");
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

void rapport_md_write_vergelijkingen(const rapport_md_t *m, FILE *fp)
{
    const rtable_t *t = m->tables[T_VERGELIJKING];
    int cv = rtable_col(t, "vergelijking");

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
        for (r1 = r0 + 1; r1 < t->n_rows &&
                          wire_str_same(rtable_str(t, r1, cv), rtable_str(t, r0, cv));
             r1++)
            ;
        write_comparison(m, fp, r0, r1);
    }
}
