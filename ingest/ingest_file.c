/* ingest_file.c - validation of one delivered file (see ingest_file.h). */
#define _GNU_SOURCE /* fopencookie */
#include "ingest_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpm_err.h"
#include "progress.h"
#include "reject_codes.h"
#include "rows.h"
#include "values.h"

/* ---------------------------------------------------------------- emitting */

int ingest_put(file_ctx_t *fc, const wire_record_t *rec)
{
    fc->res->by_kind[rec->kind]++;
    return fc->put(fc->put_ctx, rec);
}

static int put_batcher(void *ctx, const wire_record_t *rec)
{
    return batcher_put(ctx, rec);
}

int ingest_reject(file_ctx_t *fc, long line, const char *column, const char *code, const char *fmt,
                  ...)
{
    if (fc->rejects_put >= INGEST_REJECTS_PER_FILE) {
        size_t k = 0;
        while (k < fc->n_omitted && strcmp(fc->omitted[k].code, code) != 0)
            k++;
        if (k == fc->n_omitted && k < sizeof fc->omitted / sizeof fc->omitted[0]) {
            fc->omitted[k].code = code;
            fc->omitted[k].n = 0;
            fc->omitted[k].first = line;
            fc->n_omitted++;
        }
        if (k < fc->n_omitted) {
            fc->omitted[k].n++;
            fc->omitted[k].last = line;
        }
        return KPM_OK;
    }
    fc->rejects_put++;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wire_record_t r = {.kind = WIRE_REC_REJECT};
    r.u.reject.file = wire_str(fc->name);
    r.u.reject.line = line < 0 ? 0 : (uint32_t)line;
    r.u.reject.column = wire_str(column);
    r.u.reject.code = wire_str(code);
    r.u.reject.message = wire_str(msg);
    return ingest_put(fc, &r);
}

/* Writes a value for a message: trimmed, control characters blanked, cut at
 * QUOTE_MAX bytes on a character boundary. Never used for pii columns. */
const char *ingest_quote(const char *s, size_t len, char *out, size_t outlen)
{
    s = val_trim(s, &len);
    int cut = len > QUOTE_MAX;
    if (cut) {
        len = QUOTE_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    if (cut && o + 4 < outlen) {
        memcpy(out + o, "\xe2\x80\xa6", 3); /* ellipsis */
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------ whole-file checks */

typedef struct {
    int need;
    uint32_t cp, min;
} u8_t;

static int u8_feed(u8_t *s, unsigned char c)
{
    if (s->need == 0) {
        if (c < 0x80) return 0;
        if (c >= 0xC2 && c <= 0xDF)
            *s = (u8_t){1, c & 0x1Fu, 0x80};
        else if (c >= 0xE0 && c <= 0xEF)
            *s = (u8_t){2, c & 0x0Fu, 0x800};
        else if (c >= 0xF0 && c <= 0xF4)
            *s = (u8_t){3, c & 0x07u, 0x10000};
        else
            return -1;
        return 0;
    }
    if ((c & 0xC0) != 0x80) return -1;
    s->cp = (s->cp << 6) | (c & 0x3Fu);
    if (--s->need == 0 &&
        (s->cp < s->min || s->cp > 0x10FFFF || (s->cp >= 0xD800 && s->cp <= 0xDFFF)))
        return -1;
    return 0;
}

/* The line (1-based; CR, LF and CRLF each end one) of byte `off` of the file. */
static long line_at(FILE *fp, size_t off)
{
    static unsigned char buf[1 << 16];
    long line = 1;
    int prev_cr = 0;
    size_t pos = 0, n;
    rewind(fp);
    while (pos < off && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        for (size_t i = 0; i < n && pos < off; i++, pos++) {
            if (buf[i] == '\r' || (buf[i] == '\n' && !prev_cr)) line++;
            prev_cr = buf[i] == '\r';
        }
    }
    return line;
}

/* True when none of the 8 bytes has the high bit set or is NUL. */
static int plain_ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t high = 0x8080808080808080ULL;
    return (w & high) == 0 && ((w - 0x0101010101010101ULL) & ~w & high) == 0;
}

/* Reads the whole file once: is it UTF-8 without NUL bytes? Returns KPM_OK,
 * KPM_EPARSE with *bad_line set (the line of the first bad byte, or of the start
 * of a sequence cut short), KPM_EEMPTY for a file without content, or KPM_EIO.
 * Plain ASCII is skipped eight bytes at a time; lines are counted only when a
 * bad byte was found. */
static int scan_bytes(FILE *fp, long *bad_line)
{
    static unsigned char buf[1 << 16];
    rewind(fp);
    u8_t st = {0};
    int rc = KPM_OK;
    size_t total = 0, n, seq_off = 0, bad_off = 0;
    while (rc == KPM_OK && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (st.need == 0) {
                while (i + 8 <= n && plain_ascii8(buf + i))
                    i += 8;
                if (i >= n) break;
                seq_off = total + i; /* a sequence may start here */
            }
            int in_seq = st.need > 0;
            if (buf[i] == 0 || u8_feed(&st, buf[i]) != 0) {
                bad_off = in_seq ? seq_off : total + i;
                rc = KPM_EPARSE;
                break;
            }
        }
        total += n;
    }
    if (rc == KPM_OK && ferror(fp)) rc = KPM_EIO;
    if (rc == KPM_OK && st.need) {
        bad_off = seq_off;
        rc = KPM_EPARSE;
    }
    if (rc == KPM_OK && total == 0) rc = KPM_EEMPTY;
    if (rc == KPM_EPARSE) *bad_line = line_at(fp, bad_off);
    return rc;
}

static int file_begin(file_ctx_t *fc, const char *kind)
{
    wire_record_t r = {.kind = WIRE_REC_FILE_BEGIN};
    r.u.file_begin.file = wire_str(fc->name);
    r.u.file_begin.kind = wire_str(kind);
    return ingest_put(fc, &r);
}

static int entry_notices(file_ctx_t *fc);

/* The file's sha256 (for run-manifest.json) is a read of its own through the
 * entry's descriptor (pread: the parse's offset does not move), of the bytes the
 * records are made of (capped_open). On a large file it runs on a thread beside
 * the parse: on one thread it was ~0.24 s of a 2M-row night, all of it on the
 * pipeline's head. */
#define HASH_THREAD_MIN ((off_t)1 << 20) /* smaller files are hashed in line */

struct file_hash {
    pthread_t thread;
    int fd;
    off_t size;
    int rc;
    char hex[SHA256_HEX_LEN + 1];
};

static void *hash_main(void *arg)
{
    struct file_hash *h = arg;
    h->rc = sha256_fd(h->fd, h->size, h->hex);
    return NULL;
}

/* Starts the hash of the entry; in line (fc->sha256 set at once) for a small
 * file or when no thread can be had. */
static void hash_start(file_ctx_t *fc, struct file_hash *h, const ingest_entry_t *ent)
{
    *h = (struct file_hash){.fd = ent->fd, .size = ent->st.st_size};
    if (ent->st.st_size >= HASH_THREAD_MIN && pthread_create(&h->thread, NULL, hash_main, h) == 0) {
        fc->hash = h;
        return;
    }
    if (sha256_fd(ent->fd, ent->st.st_size, fc->sha256) != KPM_OK) fc->sha256[0] = '\0';
}

/* Waits for a hash started on a thread (every path out of a file comes here). */
static void hash_join(file_ctx_t *fc)
{
    struct file_hash *h = fc->hash;
    if (!h) return;
    pthread_join(h->thread, NULL);
    memcpy(fc->sha256, h->rc == KPM_OK ? h->hex : "", h->rc == KPM_OK ? sizeof h->hex : 1);
    fc->hash = NULL;
}

static int file_end(file_ctx_t *fc)
{
    hash_join(fc);
    int rc = entry_notices(fc);
    if (rc) return rc;
    for (size_t k = 0; k < fc->n_omitted; k++) {
        fc->rejects_put = 0; /* the summary rows themselves are always listed */
        rc = ingest_reject(fc, fc->omitted[k].first, "", REJ_TOO_MANY_REJECTS,
                           "Nog %llu afwijzingen met code %s (regel %ld tot en met %ld) zijn "
                           "niet afzonderlijk opgenomen; herstel het bestand en lever het "
                           "opnieuw aan.",
                           (unsigned long long)fc->omitted[k].n, fc->omitted[k].code,
                           fc->omitted[k].first, fc->omitted[k].last);
        if (rc) return rc;
    }
    wire_record_t r = {.kind = WIRE_REC_FILE_END};
    r.u.file_end.file = wire_str(fc->name);
    r.u.file_end.rows = fc->res->rows;
    r.u.file_end.accepted = fc->res->accepted;
    r.u.file_end.rejected = fc->res->rejected;
    r.u.file_end.sha256 = wire_str(fc->sha256);
    return ingest_put(fc, &r);
}

/* A whole-file problem: the file is set aside (or left) with one reject. */
static int whole_file(file_ctx_t *fc, ingest_dispo_t dispo, long line, const char *column,
                      const char *code, const char *sentence)
{
    fc->res->dispo = dispo;
    snprintf(fc->res->reason, sizeof fc->res->reason, "%s: %s", code, sentence);
    int rc = file_begin(fc, "");
    if (!rc) rc = ingest_reject(fc, line, column, code, "%s", sentence);
    if (!rc) rc = file_end(fc);
    return rc;
}

static const char QUARANTINED[] = "het bestand is niet verwerkt en staat in quarantaine.";

static const char *cause_nl(int e);

/* Maps the header's columns. Returns 1 when the file can be processed, 0 when it
 * was set aside (records already put), or a negative error. */
/* The length of s cut to at most max bytes on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

#define COLUMN_NAME_MAX 200  /* bytes of a column name shown in rejects.csv */
#define UNKNOWN_LIST_MAX 400 /* bytes of the UNKNOWN_COLUMNS list */

/* Adds a column name to the UNKNOWN_COLUMNS list while whole names fit. */
static void list_unknown(char *list, size_t cap, size_t *omitted, const char *name, size_t len)
{
    char q[COLUMN_NAME_MAX + 8];
    size_t used = strlen(list), n = utf8_cut(name, len, COLUMN_NAME_MAX);
    if (*omitted || used + n + 3 > UNKNOWN_LIST_MAX || used + n + 3 > cap) {
        (*omitted)++;
        return;
    }
    memcpy(q, name, n);
    q[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)q[i] < 0x20) q[i] = ' ';
    snprintf(list + used, cap - used, "%s%s", used ? ", " : "", q);
}

/* Maps the header's columns. Returns 1 when the file can be processed, 0 when it
 * was set aside (records already put), or a negative error. */
static int bind_header(file_ctx_t *fc, const csvin_row_t *hdr)
{
    char sentence[768], cols[UNKNOWN_LIST_MAX + 64] = "";
    size_t omitted = 0;
    if (hdr->too_wide || hdr->bad_quote || hdr->unterminated) {
        snprintf(sentence, sizeof sentence, "%s; %s",
                 hdr->too_wide ? "De kopregel heeft te veel kolommen (meer dan 8192)"
                               : "De kopregel is geen geldige CSV (een aanhalingsteken staat op "
                                 "een verkeerde plaats of wordt niet gesloten)",
                 QUARANTINED);
        return whole_file(fc, DISPO_QUARANTINE, 1, "", REJ_NOT_CSV, sentence);
    }
    fc->n_header = hdr->n;
    fc->item_of_col = malloc(sizeof(int) * (hdr->n ? hdr->n : 1));
    if (!fc->item_of_col) return KPM_ENOMEM;
    for (size_t s = 0; s < MAX_SPEC_COLS; s++)
        fc->spec_col[s] = COL_NONE;
    strmap_t *seen = strmap_new();
    if (!seen) return KPM_ENOMEM;
    int rc = 1;
    for (size_t c = 0; c < hdr->n && rc == 1; c++) {
        size_t ll = hdr->lens[c];
        const char *name = val_trim(hdr->fields[c], &ll);
        fc->item_of_col[c] = COL_NONE;
        if (ll == 0) continue;
        char *lower = malloc(ll + 1);
        if (!lower) {
            rc = KPM_ENOMEM;
            break;
        }
        for (size_t i = 0; i < ll; i++)
            lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        lower[ll] = '\0';
        if (strmap_get(seen, lower, ll)) {
            char shown[COLUMN_NAME_MAX + 1];
            size_t n = utf8_cut(lower, ll, COLUMN_NAME_MAX);
            memcpy(shown, lower, n);
            shown[n] = '\0';
            snprintf(sentence, sizeof sentence,
                     "Kolom '%s' komt meer dan eens voor in de kopregel; %s", shown, QUARANTINED);
            rc = whole_file(fc, DISPO_QUARANTINE, 1, shown, REJ_DUPLICATE_COLUMN, sentence);
            free(lower);
            break;
        }
        if (strmap_put(seen, lower, ll, (void *)1, NULL)) rc = KPM_ENOMEM;
        int matched = 0;
        for (size_t s = 0; s < fc->kind->n_cols; s++)
            if (strcmp(fc->kind->cols[s].name, lower) == 0) {
                fc->spec_col[s] = (int)c;
                fc->res->has_pii |= fc->kind->cols[s].type == COL_PERSON;
                matched = 1;
            }
        if (!matched && fc->kind->has_items) {
            int item = catalog_find(fc->cat, lower, ll);
            if (item >= 0) {
                int pii = catalog_item(fc->cat, (size_t)item)->type == ITEM_PII;
                fc->item_of_col[c] = pii ? COL_PII : item;
                fc->res->has_pii |= pii;
                matched = 1;
            }
        }
        if (!matched) list_unknown(cols, sizeof cols, &omitted, lower, ll);
        free(lower);
    }
    strmap_destroy(&seen);
    if (rc != 1) return rc;
    for (size_t s = 0; s < fc->kind->n_cols; s++) {
        if (fc->kind->cols[s].required && fc->spec_col[s] == COL_NONE) {
            snprintf(sentence, sizeof sentence, "Verplichte kolom '%s' ontbreekt; %s",
                     fc->kind->cols[s].name, QUARANTINED);
            return whole_file(fc, DISPO_QUARANTINE, 1, fc->kind->cols[s].name, REJ_MISSING_COLUMN,
                              sentence);
        }
    }
    if ((rc = file_begin(fc, fc->kind->name))) return rc;
    if (cols[0] && omitted)
        rc = ingest_reject(fc, 1, "", REJ_UNKNOWN_COLUMNS,
                           "Onbekende kolommen genegeerd: %s en nog %zu andere.", cols, omitted);
    else if (cols[0])
        rc = ingest_reject(fc, 1, "", REJ_UNKNOWN_COLUMNS, "Onbekende kolommen genegeerd: %s.",
                           cols);
    return rc ? rc : 1;
}

/* ------------------------------------------------------------ row checks */

static int row_is_blank(const csvin_row_t *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (!val_is_empty(row->fields[i], row->lens[i])) return 0;
    return 1;
}

/* Describes what a column accepts, for messages. */
static const char *expectation(const col_spec_t *cs, char *buf, size_t len)
{
    switch (cs->type) {
    case COL_TEXT:
        return "een tekst van hoogstens 64 tekens zonder stuurtekens";
    case COL_INT:
        snprintf(buf, len, "een geheel getal van %lld tot en met %lld", (long long)cs->min,
                 (long long)cs->max);
        return buf;
    case COL_ENUM: {
        size_t o = (size_t)snprintf(buf, len, "een van: ");
        for (size_t i = 0; cs->values[i] && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", cs->values[i]);
        return buf;
    }
    case COL_GM_LIST:
        return "gemeentecodes als GM0363, gescheiden door |";
    case COL_DATETIME:
        return "een bestaande datum als JJJJ-MM-DD, eventueel met tijd (JJJJ-MM-DDTUU:MM)";
    case COL_DATE:
        return "een bestaande datum als JJJJ-MM-DD";
    case COL_MONTH:
        return "een maand als JJJJ-MM";
    case COL_GEMEENTE:
        return "een gemeentecode als GM0363";
    case COL_PERSON:
        return "een naam van hoogstens 64 tekens zonder stuurtekens";
    case COL_NAME:
        return "een naam van hoogstens 200 tekens zonder stuurtekens";
    case COL_DECIMAL:
        snprintf(buf, len, "een getal %s %lld tot en met %lld", cs->min_exclusive ? "boven" : "van",
                 (long long)cs->min, (long long)cs->max);
        return buf;
    }
    return "?";
}

static int parse_text(const char *s, size_t len, size_t max, colval_t *v)
{
    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len > max) return KPM_EPARSE;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return KPM_EPARSE;
    v->s = s;
    v->len = len;
    return KPM_OK;
}

/* A person's name is personal data: it is replaced at once by its keyed
 * pseudonym (common/pseudonym.h), enough to tell one person's rows from
 * another's. The name itself goes nowhere. */
static int parse_person(const file_ctx_t *fc, const char *s, size_t len, colval_t *v)
{
    int rc = parse_text(s, len, MAX_TEXT_KEY, v);
    if (rc != KPM_OK) return rc;
    pseudonym_of_name(fc->pk, v->s, v->len, v->buf);
    v->s = v->buf;
    v->len = PSEUDONYM_HEX;
    return KPM_OK;
}

static int parse_gm_list(file_ctx_t *fc, const char *s, size_t len, colval_t *v)
{
    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '|') continue;
        if (n == WIRE_MAX_LIST) return KPM_ERANGE;
        if (val_parse_gemeente(s + start, i - start, fc->gm[n]) != KPM_OK) return KPM_EPARSE;
        n++;
        start = i + 1;
    }
    v->i = (int64_t)n;
    return KPM_OK;
}

static int parse_col(file_ctx_t *fc, const col_spec_t *cs, const char *s, size_t len, colval_t *v)
{
    switch (cs->type) {
    case COL_TEXT:
        return parse_text(s, len, MAX_TEXT_KEY, v);
    case COL_NAME:
        return parse_text(s, len, MAX_NAME, v);
    case COL_INT:
        return val_parse_int(s, len, cs->min, cs->max, &v->i);
    case COL_ENUM: {
        size_t n = 0, idx;
        while (cs->values[n])
            n++;
        int rc = val_parse_choice(s, len, cs->values, n, &idx);
        if (rc == KPM_OK) {
            v->s = cs->values[idx];
            v->len = strlen(v->s);
        }
        return rc;
    }
    case COL_GM_LIST:
        return parse_gm_list(fc, s, len, v);
    case COL_DATETIME: {
        int rc = val_parse_datetime(s, len, v->buf);
        if (rc == KPM_OK) {
            v->s = v->buf;
            v->len = strlen(v->buf);
        }
        return rc;
    }
    case COL_DATE: {
        int32_t d;
        int rc = val_parse_date(s, len, &d);
        v->i = d;
        return rc;
    }
    case COL_MONTH: {
        int32_t m;
        int rc = val_parse_month(s, len, &m);
        v->i = m;
        return rc;
    }
    case COL_GEMEENTE: {
        int rc = val_parse_gemeente(s, len, v->buf);
        v->s = v->buf;
        v->len = 6;
        return rc;
    }
    case COL_DECIMAL: {
        int rc = val_parse_decimal(s, len, (double)cs->min, (double)cs->max, &v->r);
        if (rc == KPM_OK && cs->min_exclusive && v->r <= (double)cs->min) rc = KPM_ERANGE;
        return rc;
    }
    case COL_PERSON:
        return parse_person(fc, s, len, v);
    }
    return KPM_EINVAL;
}

/* Validates the kind's fixed columns of a row into fc->vals. Returns 1 when the
 * row goes on, 0 when it was rejected (reject put), or a negative error. */
static int check_columns(file_ctx_t *fc, const csvin_row_t *row)
{
    for (size_t s = 0; s < fc->kind->n_cols; s++) {
        const col_spec_t *cs = &fc->kind->cols[s];
        colval_t *v = &fc->vals[s];
        memset(v, 0, sizeof *v);
        if (fc->spec_col[s] == COL_NONE) continue;
        const char *f = row->fields[fc->spec_col[s]];
        size_t len = row->lens[fc->spec_col[s]];
        int rc = parse_col(fc, cs, f, len, v);
        if (rc == KPM_OK) {
            v->present = 1;
            continue;
        }
        char exp[160], q[64];
        if (rc == KPM_EEMPTY && cs->key != COL_KEY) continue;
        if (rc == KPM_EEMPTY) {
            fc->res->rejected++;
            rc = ingest_reject(fc, row->line, cs->name, REJ_MISSING_VALUE,
                               "Verplichte waarde ontbreekt; de regel is niet verwerkt.");
            return rc ? rc : 0;
        }
        if (cs->key) fc->res->rejected++;
        rc = ingest_reject(fc, row->line, cs->name, REJ_INVALID_VALUE,
                           "Ongeldige waarde '%s': verwacht %s; %s",
                           cs->type == COL_PERSON ? "(naam)" : ingest_quote(f, len, q, sizeof q),
                           expectation(cs, exp, sizeof exp),
                           cs->key ? "de regel is niet verwerkt." : "de waarde is weggelaten.");
        if (rc) return rc;
        if (cs->key) return 0;
    }
    return 1;
}

/* The row's key (its first key_cols columns joined by '|') into buf; `shown`:
 * as a reject quotes it, a person's pseudonym as "(naam)" (it tells a reader
 * nothing, and it differs per installation). */
static size_t row_key(const file_ctx_t *fc, int shown, char *buf, size_t cap)
{
    size_t o = 0;
    for (int k = 0; k < fc->kind->key_cols && o < cap; k++) {
        const colval_t *v = &fc->vals[k];
        const char *sep = k ? "|" : "";
        if (!v->present)
            o += (size_t)snprintf(buf + o, cap - o, "%s", sep);
        else if (shown && fc->kind->cols[k].type == COL_PERSON)
            o += (size_t)snprintf(buf + o, cap - o, "%s(naam)", sep);
        else if (v->s)
            o += (size_t)snprintf(buf + o, cap - o, "%s%.*s", sep, (int)v->len, v->s);
        else
            o += (size_t)snprintf(buf + o, cap - o, "%s%lld", sep, (long long)v->i);
    }
    return o < cap ? o : cap - 1;
}

/* Rejects a second row with the same key in one file. Returns 1 when the key is
 * new, 0 when the row was rejected, or a negative error. */
int ingest_check_duplicate(file_ctx_t *fc, long line, const char *key, size_t len)
{
    void *prev = strmap_get(fc->keys, key, len);
    if (!prev) return strmap_put(fc->keys, key, len, (void *)(intptr_t)line, NULL) ? KPM_ENOMEM : 1;
    char q[64], shown[512];
    size_t shown_len = row_key(fc, 1, shown, sizeof shown);
    fc->res->rejected++;
    int rc =
        ingest_reject(fc, line, "", REJ_DUPLICATE_KEY,
                      "De sleutel %s komt al voor op regel %ld van dit bestand; de regel is niet "
                      "verwerkt.",
                      ingest_quote(shown, shown_len, q, sizeof q), (long)(intptr_t)prev);
    return rc ? rc : 0;
}

wire_str_t ingest_vstr(const colval_t *v)
{
    return v->present ? wire_strn(v->s, v->len) : wire_str("");
}

static int build_row(file_ctx_t *fc, const csvin_row_t *row)
{
    if (fc->kind->key_cols) {
        char key[512];
        size_t kl = row_key(fc, 0, key, sizeof key);
        int rc = ingest_check_duplicate(fc, row->line, key, kl);
        if (rc != 1) return rc;
    }
    switch (fc->kind->id) {
    case KIND_KOPLOPERS:
        return row_koploper(fc, row);
    case KIND_DEELNEMERS:
        return row_deelnemer(fc, row);
    case KIND_UITVRAAG:
        return row_response(fc, row);
    default:
        return row_monitoring(fc, row);
    }
}

static int process_rows(file_ctx_t *fc, csvin_t *in)
{
    csvin_row_t row;
    int rc;
    while ((rc = csvin_next(in, &row)) == 1) {
        if (!row.bad_quote && !row.unterminated && row_is_blank(&row)) continue;
        fc->res->rows++;
        progress_rows(fc->name, fc->res->rows, csvin_offset(in), csvin_size(in));
        const char *code = NULL;
        char sentence[256];
        if (row.unterminated) {
            code = REJ_QUOTE_UNTERMINATED;
            snprintf(sentence, sizeof sentence,
                     "Een aanhalingsteken wordt niet gesloten; de rest van het bestand vanaf "
                     "deze regel is niet verwerkt.");
        } else if (row.bad_quote) {
            code = REJ_QUOTE_MISPLACED;
            snprintf(sentence, sizeof sentence,
                     "Een aanhalingsteken staat op een verkeerde plaats (tekst direct na een "
                     "afsluitend aanhalingsteken); de regel is niet verwerkt.");
        } else if (row.field_too_long) {
            code = REJ_FIELD_TOO_LONG;
            snprintf(sentence, sizeof sentence,
                     "Een veld is langer dan 1 MiB of de regel langer dan 8 MiB; de regel is "
                     "niet verwerkt.");
        } else if (row.too_wide || row.n != fc->n_header) {
            code = REJ_RAGGED_ROW;
            snprintf(sentence, sizeof sentence,
                     "De regel heeft %s%zu %s, de kopregel %zu; de regel is niet verwerkt.",
                     row.too_wide ? "meer dan " : "", row.n, row.n == 1 ? "veld" : "velden",
                     fc->n_header);
        }
        if (code) {
            fc->res->rejected++;
            if ((rc = ingest_reject(fc, row.line, "", code, "%s", sentence))) return rc;
            continue;
        }
        if ((rc = check_columns(fc, &row)) != 1) {
            if (rc < 0) return rc;
            continue;
        }
        rc = build_row(fc, &row);
        if (rc < 0) return rc;
    }
    progress_end(fc->name, fc->res->rows, csvin_size(in));
    if (rc == KPM_EIO) {
        /* Read before without error (scan_bytes): the rows before it count, the
         * file is set aside. */
        char sentence[256];
        snprintf(sentence, sizeof sentence,
                 "Het bestand kan vanaf hier niet worden gelezen (%s); de rest is niet "
                 "verwerkt; %s",
                 cause_nl(errno ? errno : EIO), QUARANTINED);
        fc->res->dispo = DISPO_QUARANTINE;
        snprintf(fc->res->reason, sizeof fc->res->reason, "%s: %s", REJ_FILE_UNREADABLE, sentence);
        fc->rejects_put = 0;
        return ingest_reject(fc, 0, "", REJ_FILE_UNREADABLE, "%s", sentence);
    }
    return rc < 0 ? rc : KPM_OK;
}

/* A file name as rejects.csv can show it: bytes that are not UTF-8 and control
 * characters become U+FFFD. Returns 1 when the name had to be changed. */
static int display_name(const char *name, char *out, size_t cap)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    size_t o = 0, start = 0;
    int changed = 0;
    u8_t st = {0};
    for (size_t i = 0; name[i] && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        if (st.need == 0) start = i;
        if (c < 0x20 || c == 0x7f || u8_feed(&st, c) != 0) {
            memcpy(out + o, fffd, 3);
            o += 3;
            changed = 1;
            st = (u8_t){0};
            continue;
        }
        if (st.need == 0) { /* a whole character ended here */
            memcpy(out + o, name + start, i + 1 - start);
            o += i + 1 - start;
        }
    }
    if (st.need) {
        memcpy(out + o, fffd, 3);
        o += 3;
        changed = 1;
    }
    out[o] = '\0';
    return changed;
}

/* ------------------------------------------------------------ the entry */

int ingest_entry_open(const char *path, ingest_entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->fd = -1;
    e->verdict = -1;
    e->movable = 1;
    if (!(e->path = strdup(path))) return KPM_ENOMEM;
    /* A name replaced between the look and the open is looked at again. */
    for (int attempt = 0; attempt < 3; attempt++) {
        if (lstat(path, &e->st) != 0) {
            e->open_errno = errno;
            e->type = 0;
            return KPM_OK;
        }
        e->type = (unsigned)(e->st.st_mode & S_IFMT);
        if (!S_ISREG(e->st.st_mode)) return KPM_OK; /* never opened: a device may act on open */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 && errno != ELOOP && errno != ENOENT) {
            e->open_errno = errno;
            return KPM_OK;
        }
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == e->st.st_ino &&
            st.st_dev == e->st.st_dev) {
            e->st = st;
            e->fd = fd;
            return KPM_OK;
        }
        if (fd >= 0) close(fd);
    }
    e->open_errno = EAGAIN;
    return KPM_OK;
}

void ingest_entry_close(ingest_entry_t *e)
{
    if (e->fd >= 0) close(e->fd);
    e->fd = -1;
    free(e->path);
    e->path = NULL;
}

int ingest_entry_changed(const ingest_entry_t *e)
{
    struct stat now, named;
    if (e->fd < 0 || fstat(e->fd, &now) != 0) return 1;
    if (now.st_size != e->st.st_size || now.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec || now.st_ino != e->st.st_ino)
        return 1;
    return lstat(e->path, &named) != 0 || named.st_ino != now.st_ino || named.st_dev != now.st_dev;
}

/* Why a file could not be read, for a person. */
static const char *cause_nl(int e)
{
    switch (e) {
    case EACCES:
    case EPERM:
        return "geen leesrecht";
    case EIO:
        return "leesfout van de opslag";
    case ENAMETOOLONG:
        return "de naam is te lang";
    case EAGAIN:
        return "het werd steeds vervangen terwijl het werd geopend";
    default:
        return strerror(e);
    }
}

static const char *entry_kind_nl(unsigned type)
{
    switch (type) {
    case S_IFLNK:
        return "een symbolische koppeling (die is niet gevolgd)";
    case S_IFDIR:
        return "een map";
    case S_IFIFO:
        return "een FIFO (named pipe)";
    case S_IFSOCK:
        return "een socket";
    case S_IFCHR:
    case S_IFBLK:
        return "een apparaatbestand";
    default:
        return "geen gewoon bestand";
    }
}

/* A stream over the entry's descriptor that ends at the size the file had when it
 * was opened. Rows appended while the night runs are not read, so a file produced
 * again after a rewind gives the same records under the same numbers (link.h);
 * the change itself is caught at the file's end or at its archiving
 * (ingest_entry_changed), which leaves the file for the next night. */
typedef struct {
    int fd;
    off_t pos, end;
} capped_t;

static ssize_t capped_read(void *cookie, char *buf, size_t len)
{
    capped_t *c = cookie;
    if (c->pos >= c->end) return 0;
    if ((off_t)len > c->end - c->pos) len = (size_t)(c->end - c->pos);
    ssize_t n = pread(c->fd, buf, len, c->pos);
    if (n > 0) c->pos += n;
    return n;
}

static int capped_seek(void *cookie, off64_t *off, int whence)
{
    capped_t *c = cookie;
    off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? c->pos : c->end;
    if (*off + base < 0) {
        errno = EINVAL;
        return -1;
    }
    c->pos = *off += base;
    return 0;
}

static int capped_close(void *cookie)
{
    free(cookie);
    return 0;
}

/* NULL with errno set when it cannot be made. */
static FILE *capped_open(const ingest_entry_t *ent)
{
    capped_t *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = (capped_t){.fd = ent->fd, .pos = 0, .end = ent->st.st_size};
    FILE *fp = fopencookie(
        c, "rb",
        (cookie_io_functions_t){.read = capped_read, .seek = capped_seek, .close = capped_close});
    if (!fp) free(c);
    return fp;
}

/* An entry that is not a regular file, or cannot be opened or read (e = errno). */
static int refuse_entry(file_ctx_t *fc, const ingest_entry_t *ent, int e)
{
    char sentence[512];
    int movable = ent->movable;
    const char *fate = movable ? "staat in quarantaine"
                               : "kan niet naar de quarantaine (ander bestandssysteem): het "
                                 "blijft in de inbox staan en wordt overgeslagen";
    ingest_dispo_t dispo = movable ? DISPO_QUARANTINE : DISPO_LEAVE;
    if (ent->type && ent->type != S_IFREG) {
        snprintf(sentence, sizeof sentence,
                 "Dit is geen gewoon bestand maar %s; het is niet gelezen en %s.",
                 entry_kind_nl(ent->type), fate);
        return whole_file(fc, dispo, 0, "", REJ_NOT_A_FILE, sentence);
    }
    if (e == ENOENT)
        return whole_file(fc, DISPO_LEAVE, 0, "", REJ_FILE_GONE,
                          "Het bestand is uit de inbox verdwenen voordat het gelezen kon worden; "
                          "het is niet verwerkt.");
    snprintf(sentence, sizeof sentence, "Het bestand kan niet worden gelezen (%s); het %s.",
             cause_nl(e), fate);
    return whole_file(fc, dispo, 0, "", REJ_FILE_UNREADABLE, sentence);
}

/* At a file's end: was it changed while read (then it is left in the inbox for
 * the next night), or did it change while an earlier night read it? */
static int entry_notices(file_ctx_t *fc)
{
    ingest_entry_t *e = fc->entry;
    int rc = KPM_OK;
    if (!e) return KPM_OK;
    if (e->fd >= 0 && e->verdict < 0) e->verdict = ingest_entry_changed(e);
    fc->rejects_put = 0; /* notices are always listed */
    if (e->fd >= 0 && e->verdict == 1) {
        fc->res->dispo = DISPO_LEAVE;
        rc = ingest_reject(fc, 0, "", REJ_FILE_CHANGED,
                           "Het bestand veranderde terwijl het werd gelezen (grootte, tijd of "
                           "inode); het blijft in de inbox staan en wordt de volgende nacht "
                           "opnieuw geheel gelezen, waarna het deze versie vervangt.");
    }
    if (!rc && e->changed_before)
        rc = ingest_reject(fc, 0, "", REJ_FILE_CHANGED,
                           "Het bestand veranderde terwijl een eerdere nacht het las; het is "
                           "daarom opnieuw geheel gelezen en vervangt de eerdere versie.");
    return rc;
}

int ingest_file(const catalog_t *cat, const pseudonym_key_t *pk, batcher_t *out, const char *path,
                const char *name, ingest_result_t *res)
{
    return ingest_file_to(cat, pk, put_batcher, out, path, name, res);
}

int ingest_file_to(const catalog_t *cat, const pseudonym_key_t *pk, ingest_put_fn put,
                   void *put_ctx, const char *path, const char *name, ingest_result_t *res)
{
    ingest_entry_t e;
    int rc = ingest_entry_open(path, &e);
    if (rc == KPM_OK) rc = ingest_entry_to(cat, pk, put, put_ctx, &e, name, res);
    ingest_entry_close(&e);
    return rc;
}

int ingest_entry_to(const catalog_t *cat, const pseudonym_key_t *pk, ingest_put_fn put,
                    void *put_ctx, ingest_entry_t *ent, const char *name, ingest_result_t *res)
{
    memset(res, 0, sizeof *res);
    file_ctx_t fc = {.cat = cat,
                     .pk = pk,
                     .put = put,
                     .put_ctx = put_ctx,
                     .name = name,
                     .res = res,
                     .entry = ent};
    csvin_t *in = NULL;
    FILE *fp = NULL;
    char sentence[512], err[256];
    int rc;

    char shown[1024];
    int bad_name = display_name(name, shown, sizeof shown);
    if (bad_name) fc.name = shown;
    if (ent->fd < 0) return refuse_entry(&fc, ent, ent->open_errno);
    if (!(fp = capped_open(ent))) {
        int e = errno;
        return e == EMFILE || e == ENFILE || e == ENOMEM ? KPM_ENOMEM : refuse_entry(&fc, ent, e);
    }
    struct file_hash hash;
    hash_start(&fc, &hash, ent); /* joined at file_end, or at out */
    if (bad_name) {
        snprintf(sentence, sizeof sentence,
                 "De bestandsnaam bevat tekens die geen UTF-8 zijn of stuurtekens; %s",
                 QUARANTINED);
        rc = whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_BAD_FILE_NAME, sentence);
        goto out;
    }
    fc.kind = kind_from_filename(name);
    if (!fc.kind) {
        snprintf(sentence, sizeof sentence,
                 "Onbekende bestandssoort: de naam begint niet met %s; %s", kind_names(),
                 QUARANTINED);
        rc = whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_UNKNOWN_KIND, sentence);
        goto out;
    }
    long bad_line = 0;
    errno = 0;
    rc = scan_bytes(fp, &bad_line);
    if (rc == KPM_EIO) {
        rc = refuse_entry(&fc, ent, errno ? errno : EIO);
        goto out;
    }
    if (rc == KPM_EEMPTY) {
        snprintf(sentence, sizeof sentence, "Het bestand is leeg; %s", QUARANTINED);
        rc = whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_EMPTY_FILE, sentence);
        goto out;
    }
    if (rc == KPM_EPARSE) {
        snprintf(sentence, sizeof sentence,
                 "Het bestand is geen geldige UTF-8-tekst of bevat NUL-tekens (eerste fout op "
                 "regel %ld); sla het op als CSV UTF-8; %s",
                 bad_line, QUARANTINED);
        rc = whole_file(&fc, DISPO_QUARANTINE, bad_line, "", REJ_NOT_UTF8, sentence);
        goto out;
    }
    rewind(fp);
    errno = 0;
    if (!(in = csvin_open_stream(fp, name, err, sizeof err))) {
        rc = errno == ENOMEM ? KPM_ENOMEM : refuse_entry(&fc, ent, errno ? errno : EIO);
        goto out;
    }
    csvin_set_size(in, (size_t)ent->st.st_size); /* capped_open: no descriptor to fstat */
    res->delim = csvin_delim(in);
    csvin_row_t hdr;
    rc = csvin_next(in, &hdr);
    if (rc <= 0) {
        if (rc < 0) {
            rc = rc == KPM_ENOMEM ? rc : refuse_entry(&fc, ent, errno ? errno : EIO);
            goto out;
        }
        snprintf(sentence, sizeof sentence, "Het bestand is leeg; %s", QUARANTINED);
        rc = whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_EMPTY_FILE, sentence);
        goto out;
    }
    if ((rc = bind_header(&fc, &hdr)) != 1) goto out;
    fc.keys = strmap_new();
    if (!fc.keys) {
        rc = KPM_ENOMEM;
        goto out;
    }
    if ((rc = process_rows(&fc, in))) goto out;
    if (fc.kind->id == KIND_KOPLOPERS && res->accepted == 0 &&
        (rc =
             ingest_reject(&fc, 0, "", REJ_EMPTY_REGISTER,
                           "Het bestand bevat geen geldige koploper; het bestaande register blijft "
                           "gelden.")))
        goto out;
    rc = file_end(&fc); /* res->dispo: DISPO_ARCHIVE, unless a read error set it aside */
out:
    hash_join(&fc);
    strmap_destroy(&fc.keys);
    free(fc.item_of_col);
    csvin_close(&in);
    if (fp) fclose(fp);
    return rc;
}
