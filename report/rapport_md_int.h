/* rapport_md_int.h - internals of rapport.md shared by rapport_md.c (keeping
 * the tables, the metingen and the rejects) and rapport_md_cmp.c (the
 * Vergelijkingen section). Not for other modules.
 */
#ifndef KPM_RAPPORT_MD_INT_H
#define KPM_RAPPORT_MD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rapport_md.h"
#include "rtable.h"
#include "strmap.h"
#include "wire.h"

/* Tables kept in memory, indexed by kind. */
enum { T_RESPONS, T_LIKERT, T_KEUZE, T_BESTEDING, T_VRAGEN, T_VERGELIJKING, T_KEPT };

#define MD_NONE "–" /* shown for an empty cell */

struct rapport_md {
    rtable_t *tables[T_KEPT]; /* NULL when the table did not arrive */
    int cur;                    /* kind of the table being received */
    int rej_code, rej_file;     /* columns of the rejects table (-1: absent) */
    int have_rejects;
    uint64_t n_rejects;
    strmap_t *codes; /* code -> count + 1, stored in the pointer */
    strmap_t *files; /* bestand -> count + 1 */
};


/* The row of `vragen` describing item, or -1. */
long rapport_md_vraag_row(const rapport_md_t *m, wire_str_t item);

/* s as text in a table cell or heading: nothing that breaks the table or turns
 * into markup; line breaks become spaces. */
void rapport_md_text(FILE *fp, wire_str_t s);

/* A number as the CSV shows it, with a decimal comma and suffix; MD_NONE for
 * an empty cell. */
void rapport_md_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix);

/* The Vergelijkingen section (rapport_md_cmp.c); nothing when the vergelijking
 * table did not arrive. */
void rapport_md_write_vergelijkingen(const rapport_md_t *m, FILE *fp);

#endif
