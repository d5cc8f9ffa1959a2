/* rapport_html.c - rapport.html: the report model rendered as one
 * self-contained page (inline CSS and SVG, no scripts, nothing fetched, print
 * rules that keep each table and figure whole on a page). */
#include "rapport_html.h"

#include "kpm_err.h"
#include "rapport_svg.h"

#include <string.h>

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
    "caption{caption-side:top;text-align:left;font-weight:600;padding:.2rem 0 .35rem}\n"
    "tr.sterk td,tr.totaal td{font-weight:700}\n"
    "tr.stil td{color:#52606d}\n"
    "blockquote{margin:.4rem 0 .8rem;padding:.3rem .8rem;border-left:4px solid #9aa5b1;"
    "background:#f5f7fa}\n"
    "blockquote p{margin:0}\n"
    ".wie{font-style:italic;margin:1rem 0 .3rem}\n"
    ".tabel{overflow-x:auto}\n"
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
    "svg .target{fill:#fde8c4;stroke:#b35806;stroke-width:1;stroke-dasharray:4 3}\n"
    "table{border-collapse:collapse;margin:.4rem 0 1.2rem;font-size:.9rem}\n"
    "th,td{border-bottom:1px solid #d9dee3;padding:.25rem .7rem;text-align:left}\n"
    "th{border-bottom:2px solid #9aa5b1}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td:not(:first-child){white-space:nowrap}\n"
    "td:first-child{min-width:6.5em}\n"

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
    "h2,h3,h4,figcaption,caption,.wie{break-after:avoid}\n"
    "figure,table,tr,blockquote,.tabel{break-inside:avoid}\n"
    ".tabel{overflow:visible}\n"
    "table{font-size:8pt}\n"
    "th,td{padding:.15rem .35rem}\n"
    "td:not(:first-child){white-space:normal}\n"
    "a{color:inherit;text-decoration:none}\n"
    "}\n"
    "</style>\n</head>\n<body>\n";

static void text(FILE *fp, const char *s)
{
    rapport_html_text(fp, s, strlen(s));
}

static void html_table(FILE *fp, const rtab_t *t)
{
    static const char *const row_class[] = {"", " class=\"totaal\"", " class=\"stil\"",
                                            " class=\"sterk\""};

    /* a wide table scrolls in its box, which the keyboard must reach too */
    fputs("<div class=\"tabel\" tabindex=\"0\" role=\"region\" aria-label=\"Tabel ", fp);
    text(fp, t->number);
    fputs("\">\n<table>\n<caption>Tabel ", fp);
    text(fp, t->number);
    fputc(' ', fp);
    text(fp, t->caption);
    fputs("</caption>\n<thead><tr>", fp);
    for (size_t c = 0; c < t->n_cols; c++) {
        fputs(t->numeric[c] ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">", fp);
        text(fp, t->head[c]);
        fputs("</th>", fp);
    }
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t r = 0; r < t->n_rows; r++) {
        int k = t->row_kind[r];
        fprintf(fp, "<tr%s>", row_class[k >= 0 && k <= RROW_STRONG ? k : 0]);
        for (size_t c = 0; c < t->n_cols; c++) {
            fputs(t->numeric[c] ? "<td class=\"num\">" : "<td>", fp);
            text(fp, t->cells[r * t->n_cols + c]);
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody>\n</table>\n", fp);
    if (t->note != NULL) {
        fputs("<p class=\"note\">", fp);
        text(fp, t->note);
        fputs("</p>\n", fp);
    }
    fputs("</div>\n", fp);
}

static void html_figure(FILE *fp, const rfig_t *f)
{
    char title[256];

    snprintf(title, sizeof title, "Figuur %s %s", f->number, f->caption);
    fputs("<figure>\n<figcaption>Figuur ", fp);
    text(fp, f->number);
    fputc(' ', fp);
    text(fp, f->caption);
    fputs("</figcaption>\n", fp);
    switch (f->kind) {
    case RF_LIKERT:
        rapport_svg_likert(fp, title, f->likert, f->n);
        break;
    case RF_CHOICE:
        rapport_svg_choice(fp, title, f->cats, f->n_cats, f->choice, f->n);
        break;
    case RF_BARS:
        rapport_svg_bars(fp, title, f->labels, f->values, f->n);
        break;
    case RF_LINES:
        rapport_svg_lines(fp, title, f->x, f->n, f->series, f->n_series);
        break;
    case RF_FOREST:
        rapport_svg_forest(fp, title, f->forest, f->n);
        break;
    case RF_GROUPED:
        rapport_svg_grouped(fp, title, f->names, f->n_series, f->groups, f->n, f->target);
        break;
    }
    if (f->note != NULL) {
        fputs("<p class=\"note\">", fp);
        text(fp, f->note);
        fputs("</p>\n", fp);
    }
    fputs("</figure>\n", fp);
}

static void contents(FILE *fp, const rdoc_t *d)
{
    fputs("<nav aria-label=\"Inhoud\">\n<strong>Inhoud</strong>\n<ul>\n", fp);
    for (size_t i = 0; i < rdoc_count(d); i++) {
        const rblock_t *b = rdoc_block(d, i);
        if (b->kind != RB_HEADING || b->level != 2) continue;
        fputs("<li><a href=\"#", fp);
        text(fp, b->id != NULL ? b->id : "");
        fputs("\">", fp);
        text(fp, b->text);
        fputs("</a></li>\n", fp);
    }
    fputs("</ul>\n</nav>\n<main>\n", fp);
}

int rapport_html_write(const rdoc_t *d, FILE *fp)
{
    int in_section = 0;

    fputs(page_head, fp);
    for (size_t i = 0; i < rdoc_count(d); i++) {
        const rblock_t *b = rdoc_block(d, i);
        switch (b->kind) {
        case RB_HEADING:
            if (b->level == 1) {
                fputs("<header>\n<h1>", fp);
                text(fp, b->text);
                fputs("</h1>\n</header>\n", fp);
                contents(fp, d);
                break;
            }
            if (b->level == 2) {
                if (in_section) fputs("</section>\n", fp);
                fputs("<section", fp);
                if (b->id != NULL) {
                    fputs(" id=\"", fp);
                    text(fp, b->id);
                    fputc('"', fp);
                }
                fputs(">\n", fp);
                in_section = 1;
            }
            fprintf(fp, "<h%d>", b->level);
            text(fp, b->text);
            fprintf(fp, "</h%d>\n", b->level);
            break;
        case RB_PARA:
            fputs("<p>", fp);
            text(fp, b->text);
            fputs("</p>\n", fp);
            break;
        case RB_TABLE:
            html_table(fp, b->tab);
            break;
        case RB_FIGURE:
            html_figure(fp, b->fig);
            break;
        case RB_QUOTES:
            fputs("<p class=\"wie\">", fp);
            text(fp, b->text);
            fputs("</p>\n", fp);
            for (size_t q = 0; q < b->n_quotes; q++) {
                const char *line = b->quotes[q], *nl;
                fputs("<blockquote><p>", fp);
                while ((nl = strchr(line, '\n')) != NULL) { /* the answer's line breaks kept */
                    rapport_html_text(fp, line, (size_t)(nl - line));
                    fputs("<br>", fp);
                    line = nl + 1;
                }
                text(fp, line);
                fputs("</p></blockquote>\n", fp);
            }
            break;
        }
    }
    if (in_section) fputs("</section>\n", fp);
    fputs("</main>\n<footer>Gemaakt door kpm. De cijfers staan ook in de CSV-bestanden, "
          "dashboard.json en kpm.sqlite naast dit rapport.</footer>\n</body>\n</html>\n",
          fp);
    return ferror(fp) ? KPM_EIO : KPM_OK;
}
