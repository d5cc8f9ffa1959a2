/* rapport_md.c - rapport.md: the report model rendered as Markdown. */
#include "rapport_md.h"

#include "kpm_err.h"

#include <string.h>

/* s as Markdown text: nothing that turns into markup or breaks a table; line
 * breaks become spaces (in a quote: hard line breaks). */
static void md_text(FILE *fp, const char *s, int quote)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (c == '\r') continue;
        if (c == '\n' || c == '\t') {
            fputs(quote && c == '\n' ? "\\\n> " : " ", fp);
            continue;
        }
        if (strchr("\\|*[]`", c) != NULL ||
            (c == '<' && (s[1] == '/' || s[1] == '!' || s[1] == '?' ||
                          ((s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'z'))))
            fputc('\\', fp); /* no markup, no HTML tag */
        fputc(c, fp);
    }
}

static void md_table(FILE *fp, const rtab_t *t)
{
    fputs("**Tabel ", fp);
    fputs(t->number, fp);
    fputs("** ", fp);
    md_text(fp, t->caption, 0);
    fputs("\n\n|", fp);
    for (size_t c = 0; c < t->n_cols; c++) {
        fputc(' ', fp);
        md_text(fp, t->head[c], 0);
        fputs(" |", fp);
    }
    fputs("\n|", fp);
    for (size_t c = 0; c < t->n_cols; c++)
        fputs(t->numeric[c] ? "---:|" : "---|", fp);
    fputc('\n', fp);
    for (size_t r = 0; r < t->n_rows; r++) {
        int strong = t->row_kind[r] == RROW_TOTAL || t->row_kind[r] == RROW_STRONG;
        fputc('|', fp);
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *cell = t->cells[r * t->n_cols + c];
            fputc(' ', fp);
            if (strong && cell[0] != '\0') fputs("**", fp);
            md_text(fp, cell, 0);
            if (strong && cell[0] != '\0') fputs("**", fp);
            fputs(" |", fp);
        }
        fputc('\n', fp);
    }
    fputc('\n', fp);
    if (t->note != NULL) {
        md_text(fp, t->note, 0);
        fputs("\n\n", fp);
    }
}

int rapport_md_write(const rdoc_t *d, FILE *fp)
{
    for (size_t i = 0; i < rdoc_count(d); i++) {
        const rblock_t *b = rdoc_block(d, i);
        switch (b->kind) {
        case RB_HEADING:
            for (int l = 0; l < b->level; l++)
                fputc('#', fp);
            fputc(' ', fp);
            md_text(fp, b->text, 0);
            fputs("\n\n", fp);
            break;
        case RB_PARA:
            md_text(fp, b->text, 0);
            fputs("\n\n", fp);
            break;
        case RB_TABLE:
            md_table(fp, b->tab);
            break;
        case RB_QUOTES:
            fputs("*", fp);
            md_text(fp, b->text, 0);
            fputs("*\n\n", fp);
            for (size_t q = 0; q < b->n_quotes; q++) {
                fputs("> ", fp);
                md_text(fp, b->quotes[q], 1);
                fputs("\n\n", fp);
            }
            break;
        case RB_FIGURE: /* charts are in rapport.html */
            break;
        }
    }
    return ferror(fp) ? KPM_EIO : KPM_OK;
}
