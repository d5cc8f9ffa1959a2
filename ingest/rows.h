/* rows.h - ingest's internal interface between the file-level code
 * (ingest_file.c) and the row builders of each kind (rows_survey.c,
 * rows_monitoring.c). Not used outside ingest/. */
#ifndef KPM_INGEST_ROWS_H
#define KPM_INGEST_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "sha256.h"
#include "csvin.h"
#include "ingest_file.h"
#include "kinds.h"
#include "strmap.h"
#include "wire.h"

#define MAX_SPEC_COLS 16
#define MAX_TEXT_KEY 64
#define MAX_NAME 200
#define QUOTE_MAX 40
/* Rejects listed one by one per file; the rest are counted per code and listed
 * as one TOO_MANY_REJECTS row each at the file's end (memory and rejects.csv stay
 * bounded, nothing disappears silently). */
#define INGEST_REJECTS_PER_FILE 1000

enum { COL_NONE = -1, COL_PII = -2 };

/* A validated fixed column of the current row. */
typedef struct {
    int present;
    int64_t i;     /* COL_INT, COL_DATE (YYYYMMDD), COL_MONTH (YYYYMM), COL_GM_LIST (count) */
    double r;      /* COL_DECIMAL */
    const char *s; /* text, enum value, normalised date-time or gemeente code */
    size_t len;
    char buf[20];
} colval_t;

typedef struct {
    const catalog_t *cat;
    const pseudonym_key_t *pk; /* a person's name becomes its pseudonym with this key */
    ingest_put_fn put;         /* where the records go */
    void *put_ctx;
    const char *name;
    const kind_spec_t *kind;
    ingest_result_t *res;
    size_t n_header;
    int spec_col[MAX_SPEC_COLS]; /* header index of each spec column, COL_NONE */
    int *item_of_col;            /* per header column: item index, COL_NONE, COL_PII */
    strmap_t *keys;              /* keys seen in this file -> line */
    colval_t vals[MAX_SPEC_COLS];
    char gm[WIRE_MAX_LIST][7]; /* COL_GM_LIST codes of the current row */
    uint64_t rejects_put;      /* REJECT records of this file so far */
    struct {
        const char *code;
        uint64_t n;
        long first, last;
    } omitted[16]; /* rejects beyond INGEST_REJECTS_PER_FILE, per code */
    size_t n_omitted;
    ingest_entry_t *entry;           /* the entry read */
    char sha256[SHA256_HEX_LEN + 1]; /* of the file as delivered ("" unreadable) */
    struct file_hash *hash;          /* sha256 being computed beside the parse, or NULL */
    wire_record_t rec;
} file_ctx_t;

/* Puts a record and counts it. */
int ingest_put(file_ctx_t *fc, const wire_record_t *rec);

/* Puts a REJECT for this file. */
int ingest_reject(file_ctx_t *fc, long line, const char *column, const char *code, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* A value for a message: trimmed, control characters blanked, cut at QUOTE_MAX
 * bytes. Never used for pii columns. */
const char *ingest_quote(const char *s, size_t len, char *out, size_t outlen);

/* Rejects a second row with the same key in one file (the key of the row in
 * fc->vals). Returns 1 when the key is new, 0 when the row was rejected, or a
 * negative error. */
int ingest_check_duplicate(file_ctx_t *fc, long line, const char *key, size_t len);

/* A column's value as a view ("" when absent). */
wire_str_t ingest_vstr(const colval_t *v);

/* Row builders: the row's fixed columns are validated in fc->vals (in the
 * order of the kind's columns). Each puts its record and counts it accepted.
 * Return KPM_OK or a negative error. */
int row_koploper(file_ctx_t *fc, const csvin_row_t *row);
int row_deelnemer(file_ctx_t *fc, const csvin_row_t *row);
int row_response(file_ctx_t *fc, const csvin_row_t *row);
int row_monitoring(file_ctx_t *fc, const csvin_row_t *row);

#endif
