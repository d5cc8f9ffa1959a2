/* rmodel.h - the report as one model: the result tables it is made of, and the
 * document built from them once a night (chapters, numbered tables with
 * captions, numbered figures, paragraphs, quotes). rapport.md (rapport_md.c)
 * and rapport.html (rapport_html.c) are renderers of the document: a section
 * added here shows in both, with the same numbers.
 *
 * Every text in the document is what a person reads: Dutch, labels instead of
 * codes (answers from the antwoorden table, questions from vragen, groups as
 * "Tranche 2"), numbers in Dutch format ("1.234", "3,05", "82%", "€ 1.234.567").
 * Table cells are finished text; a renderer only escapes and lays them out.
 * Figures carry the data of their chart (rapport_svg.h) and are drawn by the
 * HTML renderer only; they are numbered apart from the tables, so a table has
 * the same number in both reports.
 *
 * The same tables give the same document, byte for byte: nothing depends on
 * the time, the machine or the arrival order of equal rows.
 */
#ifndef KPM_RMODEL_H
#define KPM_RMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rapport_svg.h"
#include "wire.h"

typedef struct rmodel rmodel_t;

/* ---- the tables ---- */

/* Returns NULL when out of memory. */
rmodel_t *rmodel_new(void);
void rmodel_destroy(rmodel_t **m);

/* One table's records, in stream order; the caller has checked the protocol
 * (a row has one cell per column, of its column's format). The tables the
 * report shows are kept (strings copied); gebruik is summed per month as it
 * streams by, rejects counted per code and file. Returns KPM_OK or KPM_ENOMEM. */
int rmodel_table_begin(rmodel_t *m, const wire_table_begin_t *tb);
int rmodel_table_row(rmodel_t *m, const wire_table_row_t *row);
void rmodel_table_end(rmodel_t *m);

/* ---- the document ---- */

typedef enum { RB_HEADING, RB_PARA, RB_TABLE, RB_FIGURE, RB_QUOTES } rblock_kind_t;

enum { RROW_PLAIN = 0, RROW_TOTAL = 1, RROW_MUTED = 2, RROW_STRONG = 3 };

typedef struct {
    const char *number;  /* "3.4" */
    const char *caption; /* without "Tabel 3.4" */
    size_t n_cols, n_rows;
    const char **head;   /* n_cols column titles */
    const int *numeric;  /* n_cols: right-aligned figures */
    const char **cells;  /* n_rows * n_cols, "" for nothing */
    const int *row_kind; /* n_rows RROW_* */
    const char *note;    /* below the table, or NULL */
} rtab_t;

typedef enum { RF_LIKERT, RF_CHOICE, RF_BARS, RF_LINES, RF_FOREST, RF_GROUPED } rfig_kind_t;

typedef struct {
    rfig_kind_t kind;
    const char *number, *caption;
    size_t n; /* rows (likert, choice, bars, forest) or x positions (lines) */
    const rsvg_likert_row_t *likert;
    const rsvg_choice_row_t *choice;
    const wire_str_t *cats; /* choice: answers */
    size_t n_cats;
    const wire_str_t *labels; /* bars */
    const double *values;     /* bars */
    const char *const *x;     /* lines */
    const rsvg_series_t *series;
    size_t n_series;
    const rsvg_forest_row_t *forest;
    const rsvg_group_row_t *groups; /* grouped: n rows of n_series values */
    const char *const *names;       /* grouped: the series */
    const char *target;             /* grouped: what a row's band stands for */
    const char *note;               /* below the figure, or NULL */
} rfig_t;

typedef struct {
    rblock_kind_t kind;
    int level;                 /* heading: 1 title, 2 chapter, 3 section, 4 part */
    const char *text;          /* heading or paragraph; quotes: who answered ("Toelichting ...") */
    const char *id;            /* heading: anchor for the contents, or NULL */
    const rtab_t *tab;         /* RB_TABLE */
    const rfig_t *fig;         /* RB_FIGURE */
    const char *const *quotes; /* RB_QUOTES: texts exactly as written */
    size_t n_quotes;
} rblock_t;

typedef struct rdoc rdoc_t;

/* Builds the document from the kept tables. Returns NULL when out of memory.
 * The document points into m: destroy it before m. */
rdoc_t *rmodel_build(const rmodel_t *m);
void rdoc_destroy(rdoc_t **d);

size_t rdoc_count(const rdoc_t *d);
const rblock_t *rdoc_block(const rdoc_t *d, size_t i);

#endif
