/* rapport_html_int.h - internals of rapport.html shared by rapport_html.c
 * (keeping the tables, the page, the metingen, monitoring and rejects) and
 * rapport_html_cmp.c (the satisfied shares and the Vergelijkingen section).
 * Not for other modules.
 */
#ifndef KPM_RAPPORT_HTML_INT_H
#define KPM_RAPPORT_HTML_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rapport_html.h"
#include "rtable.h"
#include "strmap.h"
#include "wire.h"

/* Tables kept in memory, indexed by kind; the others are read as they stream. */
enum {
    T_RESPONS,
    T_LIKERT,
    T_KEUZE,
    T_BESTEDING,
    T_VRAGEN,
    T_TEVREDENHEID,
    T_VERGELIJKING,
    T_KEPT
};

#define LABEL_MAX 80  /* size of a buffer for a group's label */
#define MAX_GROUPS 64 /* bars of one chart */

typedef struct {
    int64_t sum;
    int has; /* some row had a value */
} usage_t;

struct rapport_html {
    rtable_t *tables[T_KEPT];
    int cur;
    int col[3]; /* columns read from the streaming table (-1: absent) */
    int have_rejects;
    uint64_t n_rejects;
    strmap_t *codes;    /* reject code -> count + 1 */
    strmap_t *usage;    /* "periode\tgemeente" -> index + 1 into use[] */
    strmap_t *koploper; /* gemeente -> 1 koploper, 2 not */
    usage_t *use;
    size_t n_use, cap_use;
};


/* "Alle koplopers" for alle, "Tranche N" for tranche-N (written into buf, of
 * LABEL_MAX bytes), else the name itself. */
wire_str_t rapport_html_group_label(wire_str_t g, char *buf);

/* The question's text (from vragen) for a caption and the chart's label; the
 * item's name when vragen has no text for it. */
wire_str_t rapport_html_question(const rapport_html_t *h, wire_str_t item);

/* Writes the question's text, and the item's name when it differs. */
void rapport_html_question_text(FILE *fp, wire_str_t text, wire_str_t item);

/* The satisfied share per item and group of a meting, from tevredenheid
 * (rapport_html_cmp.c); nothing when the meting has no rows there. */
void rapport_html_write_tevredenheid(const rapport_html_t *h, FILE *fp, int64_t meting);

/* The Vergelijkingen section, from vergelijking (rapport_html_cmp.c); nothing
 * when that table did not arrive. Returns KPM_OK or KPM_ENOMEM. */
int rapport_html_write_vergelijkingen(const rapport_html_t *h, FILE *fp);

#endif
