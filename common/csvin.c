/* csvin.c - streaming CSV reader: libcsv fed one physical line at a time.
 *
 * Feeding whole physical lines is what gives each row its starting line number:
 * libcsv reports no positions, but a row can only begin on a line that starts while
 * the parser is between rows. Since libcsv ends a row only at an unquoted CR or LF
 * and every chunk fed holds at most one line terminator, one chunk completes at most
 * one row; csvin_next therefore returns as soon as a row is complete and the reader
 * never holds more than one row.
 */
#include "csvin.h"

#include "kpm_err.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSVIN_BLOCK (64 * 1024)
#define CSVIN_ROW_INIT (64 * 1024)
#define CSVIN_FIELDS_INIT 64

/* libcsv's parser states (csv.c); only "between rows" and "after a quote inside a
 * quoted field" matter here. */
#define CSVIN_PSTATE_ROW_NOT_BEGUN 0
#define CSVIN_PSTATE_FIELD_BEGUN 2
#define CSVIN_PSTATE_MIGHT_HAVE_ENDED 3

/* libcsv grows its entry buffer to the size of the field being read. It may not
 * pass CSVIN_ENTRY_CAP: when it would, the field is cut back to CSVIN_MAX_FIELD
 * bytes (plus the short tail the parser state refers to) and parsing goes on, so an
 * unterminated quote in a big file costs about 1 MiB, not the file's size. */
#define CSVIN_ENTRY_BLK (64 * 1024)
#define CSVIN_ENTRY_CAP ((size_t)CSVIN_MAX_FIELD + CSVIN_ENTRY_BLK)
#define CSVIN_TAIL_MAX 64

struct csvin {
    FILE *fp;
    int own_fp;
    char *name;
    struct csv_parser parser;
    int parser_ready;
    char delim;
    char err[256];
    int failed; /* sticky error code, 0 when none */

    unsigned char *buf; /* current input block */
    size_t len;
    size_t pos;
    size_t next_lf; /* index of the next '\n' / '\r' at or after pos; SIZE_MAX: unknown */
    size_t next_cr;
    size_t block_start; /* file offset of buf[0] */
    size_t size;
    int eof;
    int pending_cr; /* the last chunk ended in '\r' at the end of a block */
    int at_line_start;
    long lineno; /* physical line of the next byte to feed */

    /* The row being built; handed out when `ready`. The field arrays grow up to
     * CSVIN_MAX_FIELDS entries, `data` up to CSVIN_MAX_ROW bytes plus one NUL per
     * field. */
    char *data;
    size_t data_len;
    size_t data_cap;
    size_t *offs;
    size_t *lens;
    const char **ptrs;
    size_t fields_cap;
    size_t n;
    long start_line;
    int too_wide;
    int field_too_long;
    int field_cut; /* the field being parsed was cut at the entry cap */
    int bad_quote; /* the row ended at a quote out of place */
    int ready;
    int oom;
    int no_fast;             /* csvin_set_fast_path(r, 0): every line through libcsv */
    unsigned char stop[256]; /* fast_line: 1 for the delimiter, CR, LF and '"' */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void *capped_realloc(void *p, size_t n)
{
    if (n > CSVIN_ENTRY_CAP) return NULL;
    return realloc(p, n);
}

/* Makes room for one more field in the field arrays. */
static int grow_fields(csvin_t *r)
{
    size_t cap = r->fields_cap ? r->fields_cap * 2 : CSVIN_FIELDS_INIT;
    size_t *offs, *lens;
    const char **ptrs;

    if (cap > CSVIN_MAX_FIELDS) cap = CSVIN_MAX_FIELDS;
    offs = realloc(r->offs, cap * sizeof(*offs));
    if (offs) r->offs = offs;
    lens = realloc(r->lens, cap * sizeof(*lens));
    if (lens) r->lens = lens;
    ptrs = realloc(r->ptrs, cap * sizeof(*ptrs));
    if (ptrs) r->ptrs = ptrs;
    if (!offs || !lens || !ptrs) return KPM_ENOMEM;
    r->fields_cap = cap;
    return KPM_OK;
}

static void on_field(void *s, size_t len, void *data)
{
    csvin_t *r = data;
    size_t need;

    if (r->oom) return;
    if (r->n == CSVIN_MAX_FIELDS) {
        r->too_wide = 1;
        r->field_cut = 0;
        return;
    }
    if (r->n == r->fields_cap && grow_fields(r) != KPM_OK) {
        r->oom = 1;
        return;
    }
    if (len > CSVIN_MAX_FIELD || r->field_cut) {
        r->field_too_long = 1;
        if (len > CSVIN_MAX_FIELD) len = CSVIN_MAX_FIELD;
    }
    r->field_cut = 0;
    if (r->data_len - r->n + len > CSVIN_MAX_ROW) { /* data_len counts one NUL per field */
        r->field_too_long = 1;
        len = 0;
    }
    need = r->data_len + len + 1;
    if (need > r->data_cap) {
        size_t cap = r->data_cap ? r->data_cap : CSVIN_ROW_INIT;
        char *d;

        while (cap < need)
            cap *= 2;
        d = realloc(r->data, cap);
        if (!d) {
            r->oom = 1;
            return;
        }
        r->data = d;
        r->data_cap = cap;
    }
    if (len) memcpy(r->data + r->data_len, s, len);
    r->data[r->data_len + len] = '\0';
    r->offs[r->n] = r->data_len;
    r->lens[r->n] = len;
    r->n++;
    r->data_len += len + 1;
}

static void on_row(int c, void *data)
{
    csvin_t *r = data;

    (void)c;
    for (size_t i = 0; i < r->n; i++)
        r->ptrs[i] = r->data + r->offs[i];
    r->ready = 1;
}

/* Called when libcsv refused to grow its entry buffer. At the cap the field is cut
 * back and parsing can go on; below it the allocation really failed. */
static int cut_entry(csvin_t *r)
{
    struct csv_parser *p = &r->parser;
    size_t sp = p->spaces < CSVIN_TAIL_MAX ? p->spaces : CSVIN_TAIL_MAX;
    size_t mh = p->pstate == CSVIN_PSTATE_MIGHT_HAVE_ENDED ? 1 : 0;

    if (p->status != CSV_ENOMEM || p->entry_pos < CSVIN_MAX_FIELD + CSVIN_TAIL_MAX + 1)
        return KPM_ENOMEM;
    /* Keep the field's first CSVIN_MAX_FIELD bytes, then the closing quote (if the
     * parser just saw one) and the trailing white space it will strip. */
    memmove(p->entry_buf + CSVIN_MAX_FIELD + mh, p->entry_buf + p->entry_pos - sp, sp);
    if (mh) p->entry_buf[CSVIN_MAX_FIELD] = p->quote_char;
    p->entry_pos = CSVIN_MAX_FIELD + mh + sp;
    p->spaces = sp;
    p->status = 0;
    r->field_cut = 1;
    return KPM_OK;
}

/* A fresh parser in the reader's dialect (strict: a quote out of place is an
 * error, see feed()). */
static int parser_init(csvin_t *r)
{
    if (r->parser_ready) csv_free(&r->parser);
    r->parser_ready = 0;
    if (csv_init(&r->parser, CSV_STRICT) != 0) return KPM_ENOMEM;
    r->parser_ready = 1;
    csv_set_realloc_func(&r->parser, capped_realloc);
    csv_set_blk_size(&r->parser, CSVIN_ENTRY_BLK);
    if (r->delim) csv_set_delim(&r->parser, (unsigned char)r->delim);
    return KPM_OK;
}

/* Feeds one chunk (the rest of a physical line). Text after a closing quote
 * ends the row there:
 * it is handed out flagged bad_quote, the rest of the line is dropped and the
 * next line starts a new row, so one stray quote cannot swallow the file. */
static int feed(csvin_t *r, const unsigned char *s, size_t len)
{
    while (len > 0) {
        size_t done = csv_parse(&r->parser, s, len, on_field, on_row, r);

        if (r->oom) return KPM_ENOMEM;
        if (done < len && csv_error(&r->parser) == CSV_EPARSE &&
            r->parser.pstate == CSVIN_PSTATE_FIELD_BEGUN && !r->parser.quoted) {
            /* A quote inside an unquoted field (Regio "Noord"): taken literally, as
             * spreadsheets do; strict parsing resumes after it. */
            r->parser.status = 0;
            csv_set_opts(&r->parser, 0);
            size_t one = csv_parse(&r->parser, s + done, 1, on_field, on_row, r);
            csv_set_opts(&r->parser, CSV_STRICT);
            s += done + one;
            len -= done + one;
            continue;
        }
        if (done < len && csv_error(&r->parser) == CSV_EPARSE) {
            on_row(-1, r);
            r->bad_quote = 1;
            return parser_init(r);
        }
        if (done < len && cut_entry(r) != KPM_OK) return KPM_ENOMEM;
        s += done;
        len -= done;
    }
    return KPM_OK;
}

static int read_block(csvin_t *r)
{
    size_t got;

    r->block_start += r->len;
    r->pos = 0;
    r->next_lf = SIZE_MAX;
    r->next_cr = SIZE_MAX;
    got = fread(r->buf, 1, CSVIN_BLOCK, r->fp);
    r->len = got;
    if (got < CSVIN_BLOCK) {
        if (ferror(r->fp)) {
            set_err(r->err, sizeof(r->err), "cannot read '%s': %s", r->name,
                    strerror(errno ? errno : EIO));
            return KPM_EIO;
        }
        if (got == 0) r->eof = 1;
    }
    return KPM_OK;
}

/* Counts ';' and ',' outside double quotes on the header's first physical line
 * (blank lines before it, which libcsv skips, are skipped here too). */
static char detect_delim(const unsigned char *s, size_t len)
{
    size_t semi = 0, comma = 0, i = 0;
    int quoted = 0;

    while (i < len && (s[i] == '\n' || s[i] == '\r'))
        i++;
    for (; i < len && s[i] != '\n' && s[i] != '\r'; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ';')
            semi++;
        else if (!quoted && s[i] == ',')
            comma++;
    }
    return comma > semi ? ',' : ';';
}

static size_t find_next(csvin_t *r, size_t *cache, int c)
{
    if (*cache == SIZE_MAX || *cache < r->pos) {
        const unsigned char *q = memchr(r->buf + r->pos, c, r->len - r->pos);

        *cache = q ? (size_t)(q - r->buf) : r->len;
    }
    return *cache;
}

csvin_t *csvin_open_stream(FILE *fp, const char *name, char *err, size_t errlen)
{
    csvin_t *r = NULL;
    struct stat st;

    if (!fp) {
        set_err(err, errlen, "no input stream");
        return NULL;
    }
    if (!name) name = "(stream)";
    r = calloc(1, sizeof(*r));
    if (!r) goto oom;
    r->fp = fp;
    r->name = strdup(name);
    r->buf = malloc(CSVIN_BLOCK);
    if (!r->name || !r->buf) goto oom;
    if (parser_init(r) != KPM_OK) goto oom;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)) r->size = (size_t)st.st_size;
    r->lineno = 1;
    r->at_line_start = 1;
    if (read_block(r) != KPM_OK) {
        set_err(err, errlen, "%s", r->err);
        goto fail;
    }
    if (r->len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF) r->pos = 3;
    r->delim = detect_delim(r->buf + r->pos, r->len - r->pos);
    csv_set_delim(&r->parser, (unsigned char)r->delim);
    r->stop[(unsigned char)r->delim] = r->stop['\r'] = r->stop['\n'] = r->stop['"'] = 1;
    return r;

oom:
    set_err(err, errlen, "cannot read '%s': %s", name, kpm_strerror(KPM_ENOMEM));
fail:
    csvin_close(&r);
    return NULL;
}

csvin_t *csvin_open(const char *path, char *err, size_t errlen)
{
    FILE *fp;
    csvin_t *r;

    if (!path) {
        set_err(err, errlen, "no file name");
        return NULL;
    }
    fp = fopen(path, "rb");
    if (!fp) {
        set_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    r = csvin_open_stream(fp, path, err, errlen);
    if (!r) {
        fclose(fp);
        return NULL;
    }
    r->own_fp = 1;
    return r;
}

static void row_reset(csvin_t *r)
{
    r->n = 0;
    r->data_len = 0;
    r->too_wide = 0;
    r->field_too_long = 0;
    r->field_cut = 0;
    r->bad_quote = 0;
    r->ready = 0;
}

static void row_out(const csvin_t *r, csvin_row_t *row, int unterminated)
{
    row->fields = r->ptrs;
    row->lens = r->lens;
    row->n = r->n;
    row->line = r->start_line;
    row->too_wide = r->too_wide;
    row->field_too_long = r->field_too_long;
    row->unterminated = unterminated;
    row->bad_quote = r->bad_quote;
}

/* End of input: completes a last row that lacks its line end. */
static int finish(csvin_t *r, csvin_row_t *row)
{
    struct csv_parser *p = &r->parser;
    int unterminated;

    if (p->pstate == CSVIN_PSTATE_ROW_NOT_BEGUN) return 0;
    unterminated = p->pstate == CSVIN_PSTATE_FIELD_BEGUN && p->quoted;
    csv_fini(p, on_field, on_row, r);
    if (r->oom) return KPM_ENOMEM;
    if (!r->ready) return 0;
    row_out(r, row, unterminated);
    return 1;
}

/* Feeds the next chunk: the rest of the current physical line within the block,
 * up to and including its terminator. */
static int feed_chunk(csvin_t *r)
{
    size_t lf, cr, end, clen;
    int ends_line = 0;

    if (r->pending_cr) {
        r->pending_cr = 0;
        if (r->buf[r->pos] == '\n') {
            r->pos++;
            return feed(r, r->buf + r->pos - 1, 1);
        }
    }
    lf = find_next(r, &r->next_lf, '\n');
    cr = find_next(r, &r->next_cr, '\r');
    end = lf < cr ? lf : cr;
    if (end < r->len) {
        ends_line = 1;
        clen = end + 1 - r->pos;
        if (r->buf[end] == '\r') {
            if (end + 1 < r->len && r->buf[end + 1] == '\n')
                clen++;
            else if (end + 1 == r->len)
                r->pending_cr = 1;
        }
    } else {
        clen = r->len - r->pos;
    }
    if (r->at_line_start && r->parser.pstate == CSVIN_PSTATE_ROW_NOT_BEGUN && r->n == 0)
        r->start_line = r->lineno;
    r->at_line_start = ends_line;
    if (ends_line) r->lineno++;
    r->pos += clen;
    return feed(r, r->buf + r->pos - clen, clen);
}

/* The fast path for the common line: whole within the block, no quote
 * character, at most CSVIN_FIELDS_INIT fields. Such a line is split on the
 * delimiter right here, in the block (each field NUL-terminated in place), as
 * libcsv would split it: spaces and tabs around a field dropped, a line that
 * is empty or only white space is no row. Anything else (a quote, a line that
 * crosses the block's end, a CR as the block's last byte, more fields) goes to
 * libcsv. Returns 1 with a row ready, 0 for a blank line consumed, -1 when the
 * line is not for the fast path (nothing consumed). Measured: libcsv's
 * per-byte state machine and its callbacks were half of ingest's time. */
static int fast_line(csvin_t *r)
{
    const unsigned char *buf = r->buf, delim = (unsigned char)r->delim;
    size_t i = r->pos, a = r->pos, n = 0, next;
    int has_delim = 0;

    if (r->fields_cap < CSVIN_FIELDS_INIT && grow_fields(r) != KPM_OK) return -1;
    /* One pass over the line: field boundaries, its end, and no quote. Bytes
     * that matter are marked in r->stop (the delimiter, CR, LF, '"'). */
    for (;; i++) {
        while (i < r->len && !r->stop[buf[i]])
            i++;
        if (i == r->len) return -1; /* the line goes on in the next block */
        unsigned char c = buf[i];
        if (c == delim) {
            if (n == CSVIN_FIELDS_INIT - 1) return -1; /* wide rows: libcsv's path */
            r->offs[n] = a;
            r->lens[n++] = i - a;
            a = i + 1;
            has_delim = 1;
        } else if (c == '\n' || c == '\r') {
            break;
        } else if (c == '"') {
            return -1;
        }
    }
    if (buf[i] == '\r') {
        if (i + 1 == r->len) return -1; /* a LF may follow in the next block */
        next = i + 1 + (buf[i + 1] == '\n');
    } else {
        next = i + 1;
    }
    r->offs[n] = a;
    r->lens[n++] = i - a;
    /* spaces and tabs around each field go, as libcsv drops them */
    for (size_t f = 0; f < n; f++) {
        size_t fa = r->offs[f], fb = fa + r->lens[f];
        while (fa < fb && (buf[fa] == ' ' || buf[fa] == '\t'))
            fa++;
        while (fb > fa && (buf[fb - 1] == ' ' || buf[fb - 1] == '\t'))
            fb--;
        r->offs[f] = fa;
        r->lens[f] = fb - fa;
    }
    r->start_line = r->lineno;
    r->lineno++;
    r->pos = next;
    if (!has_delim && r->lens[0] == 0) return 0; /* blank line */
    for (size_t f = 0; f < n; f++) {
        r->buf[r->offs[f] + r->lens[f]] = '\0'; /* a delimiter, a space or the line end */
        r->ptrs[f] = (const char *)r->buf + r->offs[f];
    }
    r->n = n;
    r->ready = 1;
    return 1;
}

int csvin_next(csvin_t *r, csvin_row_t *row)
{
    int rc;

    if (!r || !row) return KPM_EINVAL;
    if (r->failed) return r->failed;
    row_reset(r);
    for (;;) {
        if (r->pos == r->len) {
            if (!r->eof) {
                rc = read_block(r);
                if (rc != KPM_OK) goto fail;
                continue;
            }
            rc = finish(r, row);
            if (rc < 0) goto fail;
            return rc;
        }
        if (!r->no_fast && r->at_line_start && !r->pending_cr && r->n == 0 &&
            r->parser.pstate == CSVIN_PSTATE_ROW_NOT_BEGUN) {
            int fast = fast_line(r);
            if (fast == 1) {
                row_out(r, row, 0);
                return 1;
            }
            if (fast == 0) continue;
        }
        rc = feed_chunk(r);
        if (rc != KPM_OK) goto fail;
        if (r->ready) {
            row_out(r, row, 0);
            return 1;
        }
    }

fail:
    if (rc == KPM_ENOMEM)
        set_err(r->err, sizeof(r->err), "cannot read '%s': %s", r->name, kpm_strerror(rc));
    r->failed = rc;
    return rc;
}

void csvin_set_fast_path(csvin_t *r, int on)
{
    if (r) r->no_fast = !on;
}

char csvin_delim(const csvin_t *r)
{
    return r ? r->delim : ';';
}

size_t csvin_offset(const csvin_t *r)
{
    return r ? r->block_start + r->pos : 0;
}

size_t csvin_size(const csvin_t *r)
{
    return r ? r->size : 0;
}

void csvin_set_size(csvin_t *r, size_t size)
{
    r->size = size;
}

const char *csvin_error(const csvin_t *r)
{
    return r ? r->err : "";
}

void csvin_close(csvin_t **rp)
{
    csvin_t *r;

    if (!rp || !*rp) return;
    r = *rp;
    if (r->parser_ready) csv_free(&r->parser);
    if (r->own_fp && r->fp) fclose(r->fp);
    free(r->data);
    free(r->offs);
    free(r->lens);
    free(r->ptrs);
    free(r->buf);
    free(r->name);
    free(r);
    *rp = NULL;
}
