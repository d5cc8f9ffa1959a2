/* csvin.h - streaming CSV reading on top of libcsv, in the contract's dialect.
 *
 * The dialect (DATA-CONTRACT.md section 1): RFC 4180, UTF-8 with an optional
 * byte-order mark, LF, CRLF or CR-only line ends, delimiter ';' or ',' decided by
 * the header line (the one of the two that occurs more often outside quotes
 * there; ';' on a tie), quoted fields with the delimiter, "" and line breaks.
 *
 * Memory does not grow with the file: the reader holds one input block and one
 * row, and a row is bounded (CSVIN_MAX_FIELDS fields, CSVIN_MAX_FIELD bytes per
 * field, CSVIN_MAX_ROW bytes in all). Each row carries the physical line number on
 * which it starts (the header is line 1), as rejects.csv needs.
 */
#ifndef KPM_CSVIN_H
#define KPM_CSVIN_H

#include <stddef.h>
#include <stdio.h>

typedef struct csvin csvin_t;

#define CSVIN_MAX_FIELDS 8192           /* a row with more fields is reported as too wide */
#define CSVIN_MAX_FIELD (1024 * 1024)   /* a longer field makes the row an error row */
#define CSVIN_MAX_ROW (8 * 1024 * 1024) /* so do fields of more bytes than this together */

/* One row. The field pointers stay valid until the next csvin_next() call.
 * Each field is NUL-terminated (fields[i][lens[i]] == '\0'); a field may itself
 * contain NUL bytes, so lens[] is the truth. */
typedef struct {
    const char *const *fields;
    const size_t *lens;
    size_t n;           /* number of fields */
    long line;          /* physical line (1-based) on which the row starts */
    int too_wide;       /* 1: the row had more than CSVIN_MAX_FIELDS fields (rest dropped) */
    int field_too_long; /* 1: a field was longer than CSVIN_MAX_FIELD (it is cut there), or
                           the fields passed CSVIN_MAX_ROW bytes (the rest are empty) */
    int unterminated;   /* 1: the file ended inside a quoted field of this row */
    int bad_quote;      /* 1: text after a closing quote ended the row; the rest of that
                           line was dropped (a quote inside an unquoted field is data) */
} csvin_row_t;

/* Opens `path` for reading. The first row (the header) is not consumed: it is
 * returned by the first csvin_next() like any other row; the delimiter is decided
 * from it at open time. Returns NULL on failure with a message in err. */
csvin_t *csvin_open(const char *path, char *err, size_t errlen);

/* As csvin_open, over an already open stream (not closed by csvin_close). */
csvin_t *csvin_open_stream(FILE *fp, const char *name, char *err, size_t errlen);

/* Reads the next row. Returns 1 with *row filled, 0 at end of file, or a
 * negative kpm_err_t code (KPM_EIO, KPM_ENOMEM) with a message in the reader
 * (csvin_error()). */
int csvin_next(csvin_t *r, csvin_row_t *row);

/* Plain lines (no quote character, within one read block) are split without
 * libcsv, with the same result (see fast_line in csvin.c). Off: every line goes
 * through libcsv, for tests that compare the two. On by default. */
void csvin_set_fast_path(csvin_t *r, int on);

/* The delimiter in use (';' or ','). */
char csvin_delim(const csvin_t *r);

/* Bytes of the file consumed so far and the file's size (0 when unknown): for
 * progress display. */
size_t csvin_offset(const csvin_t *r);
size_t csvin_size(const csvin_t *r);
/* Sets the size for a stream whose size csvin cannot find itself (one that is
 * not a plain file descriptor, such as ingest's stream capped at the size the
 * file had when it was opened). */
void csvin_set_size(csvin_t *r, size_t size);

/* The last error message, or "" when none. */
const char *csvin_error(const csvin_t *r);

/* Closes the reader and sets *r to NULL; accepts NULL and *r == NULL. */
void csvin_close(csvin_t **r);

#endif
