/* catalog_int.h - the catalogue's inside, shared by catalog.c (items) and
 * catalog_labels.c (answer labels). Not for other modules. */
#ifndef KPM_CATALOG_INT_H
#define KPM_CATALOG_INT_H

#include "catalog.h"

struct catalog {
    catalog_item_t *items;
    size_t n_items;
    size_t cap_items;
    char **groups; /* sum group names, in order of first appearance */
    size_t n_groups;
    size_t cap_groups;
};

/* Gives every keuze and Likert item its answers with labels made from the codes
 * (a keuze code "te_vroeg" -> "Te vroeg", the Likert labels of the contract).
 * Returns KPM_OK or KPM_ENOMEM. */
int catalog_answers_init(catalog_t *c);

/* Frees an item's answers. */
void catalog_answers_free(catalog_item_t *it);

#endif
