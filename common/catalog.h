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

/* One answer of a choice or Likert item: its code (what the machine tables
 * hold), the Dutch text a person reads, and every spelling accepted for it in
 * an uitvraag file (code, label and the other spellings, folded: catalog_fold). */
typedef struct {
    char *code;       /* "te_vroeg"; Likert: "1".."4", "0" for n.v.t. */
    char *label;      /* "Te vroeg om aan te geven" */
    char **spellings; /* folded */
    size_t n_spellings;
} catalog_answer_t;

typedef struct {
    char *name;       /* item id, lower case, e.g. "tijd_adviseurs" */
    int thema;        /* theme number */
    char *thema_naam; /* theme name, e.g. "Inzet adviseurs" */
    item_type_t type;
    char **values; /* keuze: allowed values in catalogue order; else NULL */
    size_t n_values;
    int versie;                /* CATALOG_VERSIE_* mask */
    char *vraag;               /* question text */
    int group;                 /* procent items: index of their sum group (0..), else -1 */
    char *category;            /* procent items: name after the group prefix ("scholing") */
    catalog_answer_t *answers; /* keuze: one per value, in values order; likert: 1..4
                                * (likert_nvt: then 0); other types: NULL */
    size_t n_answers;
} catalog_item_t;

typedef struct catalog catalog_t;

/* Loads a catalogue file and, when it exists, its answer labels: the file
 * beside it whose name has "antwoorden" where the catalogue's has "vragenlijst"
 * (config/antwoorden-2021.csv; columns item;code;label;ook_geschreven_als, see
 * catalog_labels.c). Without one, a label is made from the code. Returns NULL on failure with a
 * message naming file, line and cause in err. The caller owns the result (catalog_destroy). */
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

/* The answer of item `it` that s (len bytes) stands for: its code, its label or
 * one of its other spellings, compared folded (catalog_fold). Returns the index
 * into it->answers, or -1. */
int catalog_answer_match(const catalog_item_t *it, const char *s, size_t len);

/* The label of item it's answer code (len bytes), or NULL when it has none. */
const char *catalog_answer_label(const catalog_item_t *it, const char *code, size_t len);

/* s folded for comparison into out (outlen bytes, NUL-terminated): ASCII
 * letters in lower case, accents of Latin-1 letters dropped (é -> e), runs of
 * spaces, tabs and no-break spaces one space, none at either end. Returns the
 * folded length, or -1 when it does not fit. */
long catalog_fold(const char *s, size_t len, char *out, size_t outlen);

/* Reads answer labels from path into c (called by catalog_load; exposed for
 * tests). Returns KPM_OK or a KPM_E* code with a message naming file, line and
 * cause in err. */
int catalog_labels_load(catalog_t *c, const char *path, char *err, size_t errlen);

/* The type's name as written in the catalogue ("likert_nvt"), and back;
 * item_type_parse returns -1 for an unknown name. */
const char *item_type_name(item_type_t t);
int item_type_parse(const char *s, size_t len);

#endif
