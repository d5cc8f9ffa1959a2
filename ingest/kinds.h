/* kinds.h - the file kinds of the data contract and their columns, as a table. */
#ifndef KPM_INGEST_KINDS_H
#define KPM_INGEST_KINDS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    COL_TEXT,     /* trimmed text key: at most 64 bytes, no control characters */
    COL_INT,      /* whole number in [min, max] */
    COL_ENUM,     /* one of values[] */
    COL_GM_LIST,  /* gemeente codes separated by '|' */
    COL_DATETIME, /* ISO date or date-time */
    COL_DATE,     /* ISO date that exists */
    COL_MONTH,    /* YYYY-MM */
    COL_GEMEENTE, /* one gemeente code */
    COL_DECIMAL,  /* number in [min, max] (',' or '.'); above min when min_exclusive */
    COL_PERSON,   /* a person's name: only its keyed pseudonym is kept (pseudonym.h) */
    COL_NAME,     /* a name (of a koploper, gemeente, province): trimmed text of at most 200
                     bytes without control characters */
} col_type_t;

enum {
    COL_VALUE = 0,   /* invalid: the value is dropped, the row kept */
    COL_KEY = 1,     /* empty or invalid: the row is rejected */
    COL_OPT_KEY = 2, /* may be empty; invalid: the row is rejected */
};

typedef struct {
    const char *name;
    col_type_t type;
    int key;                   /* COL_VALUE, COL_KEY or COL_OPT_KEY */
    int required;              /* the column must be in the header */
    int64_t min, max;          /* COL_INT and COL_DECIMAL bounds */
    int min_exclusive;         /* COL_DECIMAL: the value must be above min */
    const char *const *values; /* COL_ENUM values, NULL-terminated */
} col_spec_t;

typedef enum {
    KIND_KOPLOPERS,
    KIND_DEELNEMERS,
    KIND_UITVRAAG,
    KIND_GEBRUIK,
    KIND_ADVIESINZET,
    KIND_BIJEENKOMSTEN,
    KIND_MIDDELEN,
    KIND_ERVARING,
    KIND_VOORDRACHTEN,
    KIND_GEMEENTEN,
} kind_id_t;

typedef struct {
    const char *name;
    kind_id_t id;
    const col_spec_t *cols;
    size_t n_cols;
    int has_items; /* other columns are questionnaire items */
    int key_cols;  /* the first key_cols columns form the key a file may not repeat
                      (DUPLICATE_KEY); 0: no such check */
} kind_spec_t;

/* The kind of a delivered file from its name (prefix up to the first '_', '-' or
 * '.', case-insensitive), or NULL. */
const kind_spec_t *kind_from_filename(const char *name);

/* "koplopers, deelnemers, ..." for messages. */
const char *kind_names(void);

#endif
