/* rmodel_int.h - inside the report model: the kept tables and the document
 * under construction, shared by rmodel.c (tables, document, formatting, the
 * order of the chapters), rmodel_survey.c (the uitvraag chapters) and
 * rmodel_other.c (comparisons, monitoring, rejects). Not for other modules.
 *
 * Building never fails half-way: an allocation that fails marks the document
 * (d->oom) and hands back an empty string or a zeroed block of static memory,
 * and rmodel_build returns NULL at the end.
 */
#ifndef KPM_RMODEL_INT_H
#define KPM_RMODEL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "rmodel.h"
#include "rtable.h"
#include "strmap.h"

/* Tables kept in memory, indexed by kind. */
enum {
    T_RESPONS,
    T_LIKERT,
    T_KEUZE,
    T_BESTEDING,
    T_OPEN,
    T_VRAGEN,
    T_ANTWOORDEN,
    T_INSTELLINGEN,
    T_TEVREDENHEID,
    T_VERGELIJKING,
    T_ADVIESINZET,
    T_BIJEENKOMSTEN,
    T_MIDDELEN,
    T_ERVARING,
    T_VOORDRACHTEN,
    T_PROGRAMMA,
    T_PROG_UITVRAAG,
    T_OPROEPEN,
    T_AANTALLEN,
    T_MIDDELEN_JAAR,
    T_KEPT
};

typedef struct {
    int64_t sum;
    int has; /* some row had a value */
} rusage_t;

struct rmodel {
    rtable_t *tables[T_KEPT]; /* NULL when the table did not arrive */
    int cur;
    int col[3]; /* columns of the streaming table (-1: absent) */
    int have_rejects;
    uint64_t n_rejects;
    strmap_t *codes;    /* reject code -> count + 1 */
    strmap_t *files;    /* bestand -> count + 1 */
    strmap_t *usage;    /* "periode\tgemeente" -> index + 1 into use[] */
    strmap_t *koploper; /* gemeente -> 1 koploper, 2 not */
    rusage_t *use;
    size_t n_use, cap_use;
};

struct rdoc {
    const rmodel_t *m;
    rblock_t *b;
    size_t n, cap;
    void **owned; /* everything allocated for the document */
    size_t n_owned, cap_owned;
    int oom;
    int chapter;      /* number of the chapter being built */
    int n_tab, n_fig; /* tables and figures in it so far */
};

/* ---- memory and text ---- */

/* Zeroed memory owned by the document. */
void *rd_alloc(rdoc_t *d, size_t size);
/* printf into a string owned by the document. */
const char *rd_fmt(rdoc_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A copy of s (len bytes) owned by the document. */
const char *rd_str(rdoc_t *d, wire_str_t s);

/* Dutch numbers: "1.234.567", "3,05" (decimals 0..4, rounded half away from
 * zero), "82%" (whole percent of part/whole; "–" when whole is 0),
 * "€ 1.234.567". Strings owned by the document. */
const char *rd_int(rdoc_t *d, int64_t v);
const char *rd_dec(rdoc_t *d, double v, int decimals);
const char *rd_pct(rdoc_t *d, int64_t part, int64_t whole);
const char *rd_eur(rdoc_t *d, double v);
/* A cell of a kept table as Dutch text: integers and decimals (decimals as
 * given) with the suffix; "–" when empty. */
const char *rd_cell(rdoc_t *d, const rtable_t *t, size_t r, int c, int decimals,
                    const char *suffix);

#define RD_NONE "–"

/* ---- blocks ---- */

void rd_heading(rdoc_t *d, int level, const char *id, const char *text);
void rd_para(rdoc_t *d, const char *text);
void rd_quotes(rdoc_t *d, const char *who, const char *const *quotes, size_t n);

/* A table of n_cols columns under construction: rows are appended with
 * rd_row and the cells set with rd_set. rd_table_end numbers it and adds it. */
typedef struct {
    rdoc_t *d;
    rtab_t *t;
    size_t cap_rows;
} rtb_t;

void rd_table(rtb_t *tb, rdoc_t *d, size_t n_cols, const char *caption);
void rd_col(rtb_t *tb, size_t c, const char *head, int numeric);
/* Columns 0.. from a NULL-terminated list; a title starting with '#' is
 * numeric (the '#' is not shown). */
void rd_cols(rtb_t *tb, const char *const *heads);
size_t rd_row(rtb_t *tb, int kind);
void rd_set(rtb_t *tb, size_t r, size_t c, const char *text);
void rd_table_end(rtb_t *tb, const char *note);

/* A figure: the caller fills the data fields of the returned rfig_t. */
rfig_t *rd_figure(rdoc_t *d, rfig_kind_t kind, const char *caption);

/* A grouped bar chart (RF_GROUPED) of n rows of n_series counts; with a note
 * that names the table tab holding its figures (when tab is not NULL). */
rfig_t *rd_grouped(rdoc_t *d, const char *caption, const rsvg_group_row_t *rows, size_t n,
                   const char *const *names, size_t n_series, const rtab_t *tab);

/* A new chapter: heading level 2 with the chapter's number, tables and figures
 * numbered from 1 in it. */
void rd_chapter(rdoc_t *d, const char *id, const char *title);

/* ---- the tables' vocabulary ---- */

/* The months in Dutch, "januari" first. */
extern const char *const rd_months[12];

/* "Alle koplopers", "Tranche 2", or the name. */
const char *rd_group(rdoc_t *d, wire_str_t g);
/* The question's text from vragen, with the question before it where it
 * refers back to it ("Zijn deze verwachtingen uitgekomen?"); a made-up text
 * ("Vraag over ...") when vragen does not know the item. */
const char *rd_question(rdoc_t *d, wire_str_t item);
/* The answer's label from antwoorden; the code with '_' as spaces and a
 * capital when antwoorden has none. "ontbrekend" is "Geen antwoord". */
const char *rd_answer(rdoc_t *d, wire_str_t item, wire_str_t code);
/* The distinct values of column "tranche" of t, ascending, into out (at most cap). */
size_t rd_tranches(const rtable_t *t, int64_t *out, size_t cap);
/* The small-cell threshold (instellingen), 5 when it did not arrive. */
int64_t rd_min_cell(const rdoc_t *d);
/* The counting responses of a tranche ("tranche-2" or "2") in a meting, -1
 * when respons does not say. */
int64_t rd_group_size(const rdoc_t *d, int64_t meting, wire_str_t group);
/* What a suppressed cell says: "onderdrukt (n < 5)" for a group below the
 * threshold, "onderdrukt*" for a group hidden to protect another one. Sets
 * *protect when it is the latter (the table's note explains the star). */
const char *rd_suppressed(rdoc_t *d, int64_t meting, wire_str_t group, int *protect);
extern const char rd_protect_note[];

/* ---- chapters ---- */

void rmodel_programme(rdoc_t *d);
void rmodel_survey(rdoc_t *d, int64_t meting);
void rmodel_comparisons(rdoc_t *d);
void rmodel_monitoring(rdoc_t *d);
void rmodel_rejects(rdoc_t *d);

#endif
