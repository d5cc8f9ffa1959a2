/* catalog.h - the questionnaire as data.
 *
 * The item catalogue is a CSV file in the contract's dialect with the columns
 * item;thema;thema_naam;type;waarden;versie;vraag (see config/vragenlijst-2021.csv).
 * A new round's questionnaire is a new file, not new code.
 *
 * Types: likert, likert_nvt, keuze (waarden: allowed values separated by '|'),
 * procent, aantal, tekst, pii. `procent` items whose names share the part before
 * the first '_' form one sum group (e.g. the six besteding_* items): either all
 * empty or all filled and summing to 100.
 */
#ifndef KPM_CATALOG_H
#define KPM_CATALOG_H

#include <stddef.h>

typedef enum {
    ITEM_LIKERT = 0,
    ITEM_LIKERT_NVT,
    ITEM_KEUZE,
    ITEM_PROCENT,
    ITEM_AANTAL,
    ITEM_TEKST,
    ITEM_PII,
} item_type_t;

enum { CATALOG_VERSIE_KORT = 1, CATALOG_VERSIE_VOLLEDIG = 2, CATALOG_VERSIE_BEIDE = 3 };

typedef struct {
    char *name;             /* item id, lower case, e.g. "tijd_adviseurs" */
    int thema;              /* theme number */
    char *thema_naam;       /* theme name, e.g. "Inzet adviseurs" */
    item_type_t type;
    char **values;          /* keuze: allowed values in catalogue order; else NULL */
    size_t n_values;
    int versie;             /* CATALOG_VERSIE_* mask */
    char *vraag;            /* question text */
    int group;              /* procent items: index of their sum group (0..), else -1 */
    char *category;         /* procent items: name after the group prefix ("scholing") */
} catalog_item_t;

typedef struct catalog catalog_t;

/* Loads a catalogue file. Returns NULL on failure with a message naming file,
 * line and cause in err. The caller owns the result (catalog_destroy). */
catalog_t *catalog_load(const char *path, char *err, size_t errlen);

void catalog_destroy(catalog_t **c);

/* Number of items and item i (catalogue order, 0-based). */
size_t catalog_count(const catalog_t *c);
const catalog_item_t *catalog_item(const catalog_t *c, size_t i);

/* Index of the item named `name` (case-insensitive, len bytes), or -1. */
int catalog_find(const catalog_t *c, const char *name, size_t len);

/* Number of procent sum groups and the name of group g (e.g. "besteding"). */
size_t catalog_group_count(const catalog_t *c);
const char *catalog_group_name(const catalog_t *c, int g);

/* The type's name as written in the catalogue ("likert_nvt"), and back;
 * item_type_parse returns -1 for an unknown name. */
const char *item_type_name(item_type_t t);
int item_type_parse(const char *s, size_t len);

#endif
