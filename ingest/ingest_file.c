/* ingest_file.c - validation of one delivered file (see ingest_file.h). */
#include "ingest_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "kinds.h"
#include "kpm_err.h"
#include "reject_codes.h"
#include "strmap.h"
#include "values.h"

#define MAX_SPEC_COLS 16
#define MAX_TEXT_KEY 64
#define QUOTE_MAX 40

enum { COL_NONE = -1, COL_PII = -2 };

/* A validated fixed column of the current row. */
typedef struct {
    int present;
    int64_t i;
    const char *s; /* text, enum value or normalised date-time */
    size_t len;
    char buf[20];
} colval_t;

typedef struct {
    const catalog_t *cat;
    batcher_t *out;
    const char *name;
    const kind_spec_t *kind;
    ingest_result_t *res;
    size_t n_header;
    int spec_col[MAX_SPEC_COLS]; /* header index of each spec column, COL_NONE */
    int *item_of_col;            /* per header column: item index, COL_NONE, COL_PII */
    strmap_t *keys;              /* keys seen in this file -> line */
    colval_t vals[MAX_SPEC_COLS];
    char gm[WIRE_MAX_LIST][7];
    wire_record_t rec;
} file_ctx_t;

/* ---------------------------------------------------------------- emitting */

static int put(file_ctx_t *fc, const wire_record_t *rec)
{
    fc->res->by_kind[rec->kind]++;
    return batcher_put(fc->out, rec);
}

static int reject(file_ctx_t *fc, long line, const char *column, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int reject(file_ctx_t *fc, long line, const char *column, const char *code,
                  const char *fmt, ...)
{
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
    return put(fc, &r);
}

/* Writes a value for a message: trimmed, control characters blanked, cut at
 * QUOTE_MAX bytes on a character boundary. Never used for pii columns. */
static const char *quote(const char *s, size_t len, char *out, size_t outlen)
{
    s = val_trim(s, &len);
    int cut = len > QUOTE_MAX;
    if (cut) {
        len = QUOTE_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
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
        if (c >= 0xC2 && c <= 0xDF) *s = (u8_t){1, c & 0x1Fu, 0x80};
        else if (c >= 0xE0 && c <= 0xEF) *s = (u8_t){2, c & 0x0Fu, 0x800};
        else if (c >= 0xF0 && c <= 0xF4) *s = (u8_t){3, c & 0x07u, 0x10000};
        else return -1;
        return 0;
    }
    if ((c & 0xC0) != 0x80) return -1;
    s->cp = (s->cp << 6) | (c & 0x3Fu);
    if (--s->need == 0 &&
        (s->cp < s->min || s->cp > 0x10FFFF || (s->cp >= 0xD800 && s->cp <= 0xDFFF)))
        return -1;
    return 0;
}

/* Reads the whole file once: is it UTF-8 without NUL bytes? Returns KPM_OK,
 * KPM_EPARSE with *bad_line set, KPM_EEMPTY for a file without content, or
 * KPM_EIO. */
static int scan_bytes(const char *path, long *bad_line)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return KPM_EIO;
    static unsigned char buf[1 << 16];
    u8_t st = {0};
    long line = 1, seq_line = 1; /* seq_line: where the open multibyte sequence began */
    int prev_cr = 0, rc = KPM_OK;
    size_t total = 0, n;
    while (rc == KPM_OK && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            if (c == '\r' || (c == '\n' && !prev_cr)) line++; /* CR, LF or CRLF */
            prev_cr = c == '\r';
            int in_seq = st.need > 0;
            if (c == 0 || u8_feed(&st, c) != 0) {
                if (in_seq) line = seq_line; /* the sequence cut short is the bad byte */
                rc = KPM_EPARSE;
                break;
            }
            if (!in_seq) seq_line = line;
        }
        total += n;
    }
    if (rc == KPM_OK && ferror(fp)) rc = KPM_EIO;
    if (rc == KPM_OK && st.need) {
        line = seq_line;
        rc = KPM_EPARSE;
    }
    if (rc == KPM_OK && total == 0) rc = KPM_EEMPTY;
    fclose(fp);
    *bad_line = line;
    return rc;
}

static int file_begin(file_ctx_t *fc, const char *kind)
{
    wire_record_t r = {.kind = WIRE_REC_FILE_BEGIN};
    r.u.file_begin.file = wire_str(fc->name);
    r.u.file_begin.kind = wire_str(kind);
    return put(fc, &r);
}

static int file_end(file_ctx_t *fc)
{
    wire_record_t r = {.kind = WIRE_REC_FILE_END};
    r.u.file_end.file = wire_str(fc->name);
    r.u.file_end.rows = fc->res->rows;
    r.u.file_end.accepted = fc->res->accepted;
    r.u.file_end.rejected = fc->res->rejected;
    return put(fc, &r);
}

/* A whole-file problem: the file is set aside (or left) with one reject. */
static int whole_file(file_ctx_t *fc, ingest_dispo_t dispo, long line, const char *column,
                      const char *code, const char *sentence)
{
    fc->res->dispo = dispo;
    snprintf(fc->res->reason, sizeof fc->res->reason, "%s: %s", code, sentence);
    int rc = file_begin(fc, "");
    if (!rc) rc = reject(fc, line, column, code, "%s", sentence);
    if (!rc) rc = file_end(fc);
    return rc;
}

static const char QUARANTINED[] = "het bestand is niet verwerkt en staat in quarantaine.";

/* Maps the header's columns. Returns 1 when the file can be processed, 0 when it
 * was set aside (records already put), or a negative error. */
static int bind_header(file_ctx_t *fc, const csvin_row_t *hdr)
{
    char sentence[512], cols[512] = "";
    fc->n_header = hdr->n;
    fc->item_of_col = malloc(sizeof(int) * (hdr->n ? hdr->n : 1));
    if (!fc->item_of_col) return KPM_ENOMEM;
    for (size_t s = 0; s < MAX_SPEC_COLS; s++) fc->spec_col[s] = COL_NONE;
    strmap_t *seen = strmap_new();
    if (!seen) return KPM_ENOMEM;
    int rc = 1;
    for (size_t c = 0; c < hdr->n && rc == 1; c++) {
        size_t len = hdr->lens[c];
        const char *name = val_trim(hdr->fields[c], &len);
        char lower[128];
        size_t ll = len < sizeof lower - 1 ? len : sizeof lower - 1;
        for (size_t i = 0; i < ll; i++)
            lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        lower[ll] = '\0';
        fc->item_of_col[c] = COL_NONE;
        if (ll == 0) continue;
        if (strmap_get(seen, lower, ll)) {
            char q[64];
            snprintf(sentence, sizeof sentence,
                     "Kolom '%s' komt meer dan eens voor in de kopregel; %s",
                     quote(lower, ll, q, sizeof q), QUARANTINED);
            rc = whole_file(fc, DISPO_QUARANTINE, 1, lower, REJ_DUPLICATE_COLUMN, sentence);
            break;
        }
        strmap_put(seen, lower, ll, (void *)1, NULL);
        int matched = 0;
        for (size_t s = 0; s < fc->kind->n_cols; s++)
            if (strcmp(fc->kind->cols[s].name, lower) == 0) {
                fc->spec_col[s] = (int)c;
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
        if (!matched) {
            char q[64];
            size_t used = strlen(cols);
            snprintf(cols + used, sizeof cols - used, "%s%s", used ? ", " : "",
                     quote(lower, ll, q, sizeof q));
        }
    }
    strmap_destroy(&seen);
    if (rc != 1) return rc;
    for (size_t s = 0; s < fc->kind->n_cols; s++) {
        if (fc->kind->cols[s].required && fc->spec_col[s] == COL_NONE) {
            snprintf(sentence, sizeof sentence, "Verplichte kolom '%s' ontbreekt; %s",
                     fc->kind->cols[s].name, QUARANTINED);
            return whole_file(fc, DISPO_QUARANTINE, 1, fc->kind->cols[s].name,
                              REJ_MISSING_COLUMN, sentence);
        }
    }
    if ((rc = file_begin(fc, fc->kind->name))) return rc;
    if (cols[0] && (rc = reject(fc, 1, "", REJ_UNKNOWN_COLUMNS,
                                "Onbekende kolommen genegeerd: %s.", cols)))
        return rc;
    return 1;
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
    }
    return "?";
}

static int parse_text_key(const char *s, size_t len, colval_t *v)
{
    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len > MAX_TEXT_KEY) return KPM_EPARSE;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return KPM_EPARSE;
    v->s = s;
    v->len = len;
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

static int parse_col(file_ctx_t *fc, const col_spec_t *cs, const char *s, size_t len,
                     colval_t *v)
{
    switch (cs->type) {
    case COL_TEXT:
        return parse_text_key(s, len, v);
    case COL_INT:
        return val_parse_int(s, len, cs->min, cs->max, &v->i);
    case COL_ENUM: {
        size_t n = 0, idx;
        while (cs->values[n]) n++;
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
        if (rc == KPM_EEMPTY && !cs->key) continue;
        if (rc == KPM_EEMPTY) {
            fc->res->rejected++;
            rc = reject(fc, row->line, cs->name, REJ_MISSING_VALUE,
                        "Verplichte waarde ontbreekt; de regel is niet verwerkt.");
            return rc ? rc : 0;
        }
        if (cs->key) fc->res->rejected++;
        rc = reject(fc, row->line, cs->name, REJ_INVALID_VALUE,
                    "Ongeldige waarde '%s': verwacht %s; %s", quote(f, len, q, sizeof q),
                    expectation(cs, exp, sizeof exp),
                    cs->key ? "de regel is niet verwerkt." : "de waarde is weggelaten.");
        if (rc) return rc;
        if (cs->key) return 0;
    }
    return 1;
}

/* Rejects a second row with the same key in one file. Returns 1 when the key is
 * new, 0 when the row was rejected, or a negative error. */
static int check_duplicate(file_ctx_t *fc, long line, const char *key, size_t len)
{
    void *prev = strmap_get(fc->keys, key, len);
    if (!prev) return strmap_put(fc->keys, key, len, (void *)(intptr_t)line, NULL) ? KPM_ENOMEM : 1;
    char q[64];
    fc->res->rejected++;
    int rc = reject(fc, line, "", REJ_DUPLICATE_KEY,
                    "De sleutel %s komt al voor op regel %ld van dit bestand; de regel is niet "
                    "verwerkt.",
                    quote(key, len, q, sizeof q), (long)(intptr_t)prev);
    return rc ? rc : 0;
}

static wire_str_t vstr(const colval_t *v)
{
    return v->present ? wire_strn(v->s, v->len) : wire_str("");
}

static int row_koploper(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* koploper_id naam tranche startjaar gemeenten status */
    int rc = check_duplicate(fc, row->line, v[0].s, v[0].len);
    if (rc != 1) return rc;
    wire_koploper_t *k = &fc->rec.u.koploper;
    fc->rec.kind = WIRE_REC_KOPLOPER;
    k->id = vstr(&v[0]);
    k->naam = vstr(&v[1]);
    k->tranche = (int32_t)v[2].i;
    k->startjaar = (int32_t)v[3].i;
    k->n_gemeenten = (uint32_t)v[4].i;
    for (uint32_t i = 0; i < k->n_gemeenten; i++) k->gemeenten[i] = wire_strn(fc->gm[i], 6);
    k->status = vstr(&v[5]);
    fc->res->accepted++;
    return put(fc, &fc->rec);
}

static int row_deelnemer(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* meting koploper_id versie */
    char key[96];
    int kl = snprintf(key, sizeof key, "%lld|%.*s", (long long)v[0].i, (int)v[1].len, v[1].s);
    int rc = check_duplicate(fc, row->line, key, (size_t)kl);
    if (rc != 1) return rc;
    wire_deelnemer_t *d = &fc->rec.u.deelnemer;
    fc->rec.kind = WIRE_REC_DEELNEMER;
    d->meting = (int32_t)v[0].i;
    d->koploper_id = vstr(&v[1]);
    d->versie = vstr(&v[2]);
    d->file = wire_str(fc->name);
    d->line = (uint32_t)row->line;
    fc->res->accepted++;
    return put(fc, &fc->rec);
}

static const char *item_expectation(const catalog_item_t *it, char *buf, size_t len)
{
    switch (it->type) {
    case ITEM_LIKERT:
        return "1-4 of zeer ontevreden, ontevreden, tevreden, zeer tevreden";
    case ITEM_LIKERT_NVT:
        return "0-4 of zeer ontevreden, ontevreden, tevreden, zeer tevreden, n.v.t.";
    case ITEM_KEUZE: {
        size_t o = (size_t)snprintf(buf, len, "een van: ");
        for (size_t i = 0; i < it->n_values && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", it->values[i]);
        return buf;
    }
    case ITEM_PROCENT:
        return "een getal van 0 tot en met 100";
    case ITEM_AANTAL:
        return "een geheel getal van 0 of meer";
    default:
        return "?";
    }
}

/* Parses one questionnaire answer into *a. Returns KPM_OK (value or NIL) or the
 * parse error (the answer is then NIL). */
static int parse_answer(const catalog_item_t *it, const char *f, size_t len, wire_answer_t *a)
{
    a->value.type = WIRE_VAL_NIL;
    if (val_is_empty(f, len)) return KPM_OK;
    int rc = KPM_EINVAL, code;
    size_t idx;
    switch (it->type) {
    case ITEM_LIKERT:
    case ITEM_LIKERT_NVT:
        rc = val_parse_likert(f, len, it->type == ITEM_LIKERT_NVT, &code);
        if (rc == KPM_OK) a->value = (wire_value_t){.type = WIRE_VAL_INT, .i = code};
        break;
    case ITEM_KEUZE:
        rc = val_parse_choice(f, len, (const char *const *)it->values, it->n_values, &idx);
        if (rc == KPM_OK)
            a->value = (wire_value_t){.type = WIRE_VAL_STR, .s = wire_str(it->values[idx])};
        break;
    case ITEM_PROCENT:
        rc = val_parse_decimal(f, len, 0, 100, &a->value.r);
        if (rc == KPM_OK) a->value.type = WIRE_VAL_REAL;
        break;
    case ITEM_AANTAL:
        rc = val_parse_int(f, len, 0, INT64_C(1000000000000), &a->value.i);
        if (rc == KPM_OK) a->value.type = WIRE_VAL_INT;
        break;
    case ITEM_TEKST:
        a->value = (wire_value_t){.type = WIRE_VAL_STR, .s = wire_strn(f, len)};
        rc = KPM_OK;
        break;
    case ITEM_PII:
        break;
    }
    return rc;
}

static void format_sum(double sum, char *buf, size_t len)
{
    long tenths = (long)(sum * 10.0 + (sum >= 0 ? 0.5 : -0.5));
    if (tenths % 10 == 0)
        snprintf(buf, len, "%ld", tenths / 10);
    else
        snprintf(buf, len, "%ld,%ld", tenths / 10, labs(tenths % 10));
}

/* Applies the sum-group rule to the answers of one response. */
static int check_groups(file_ctx_t *fc, const csvin_row_t *row, wire_response_t *r)
{
    size_t ng = catalog_group_count(fc->cat);
    for (size_t g = 0; g < ng; g++) {
        size_t members = 0, filled = 0, asked = 0;
        double sum = 0;
        for (size_t i = 0; i < catalog_count(fc->cat); i++)
            if (catalog_item(fc->cat, i)->group == (int)g) members++;
        for (uint32_t a = 0; a < r->n_answers; a++) {
            int item = catalog_find(fc->cat, r->answers[a].item.ptr, r->answers[a].item.len);
            if (catalog_item(fc->cat, (size_t)item)->group != (int)g) continue;
            asked++;
            if (r->answers[a].value.type == WIRE_VAL_REAL) {
                filled++;
                sum += r->answers[a].value.r;
            }
        }
        if (filled == 0) continue;
        char column[96], s[32];
        snprintf(column, sizeof column, "%s_*", catalog_group_name(fc->cat, (int)g));
        int rc;
        if (filled < members) {
            rc = reject(fc, row->line, column, REJ_GROUP_INCOMPLETE,
                        "De groep %s is maar deels ingevuld (%zu van de %zu); de hele groep telt "
                        "als niet beantwoord.",
                        column, filled, members);
        } else if (sum < 99.0 - 1e-9 || sum > 101.0 + 1e-9) {
            format_sum(sum, s, sizeof s);
            rc = reject(fc, row->line, column, REJ_GROUP_SUM,
                        "De groep %s telt op tot %s in plaats van 100; de hele groep telt als "
                        "niet beantwoord.",
                        column, s);
        } else {
            continue;
        }
        if (rc) return rc;
        (void)asked;
        for (uint32_t a = 0; a < r->n_answers; a++) {
            int item = catalog_find(fc->cat, r->answers[a].item.ptr, r->answers[a].item.len);
            if (catalog_item(fc->cat, (size_t)item)->group == (int)g)
                r->answers[a].value.type = WIRE_VAL_NIL;
        }
    }
    return KPM_OK;
}

static int row_response(file_ctx_t *fc, const csvin_row_t *row)
{
    colval_t *v = fc->vals; /* response_id meting koploper_id ingevuld_op */
    wire_response_t *r = &fc->rec.u.response;
    fc->rec.kind = WIRE_REC_RESPONSE;
    r->response_id = vstr(&v[0]);
    r->meting = (int32_t)v[1].i;
    r->koploper_id = vstr(&v[2]);
    r->ingevuld_op = vstr(&v[3]);
    r->file = wire_str(fc->name);
    r->line = (uint32_t)row->line;
    r->n_answers = 0;
    for (size_t c = 0; c < fc->n_header; c++) {
        int item = fc->item_of_col[c];
        if (item < 0) continue; /* not an item, or pii: never read further */
        const catalog_item_t *it = catalog_item(fc->cat, (size_t)item);
        wire_answer_t *a = &r->answers[r->n_answers++];
        a->item = wire_str(it->name);
        if (parse_answer(it, row->fields[c], row->lens[c], a) != KPM_OK) {
            char exp[160], q[64];
            int rc = reject(fc, row->line, it->name, REJ_INVALID_VALUE,
                            "Ongeldige waarde '%s': verwacht %s; telt als niet beantwoord.",
                            quote(row->fields[c], row->lens[c], q, sizeof q),
                            item_expectation(it, exp, sizeof exp));
            if (rc) return rc;
        }
    }
    int rc = check_groups(fc, row, r);
    if (rc) return rc;
    fc->res->accepted++;
    return put(fc, &fc->rec);
}

static int process_rows(file_ctx_t *fc, csvin_t *in)
{
    csvin_row_t row;
    int rc;
    while ((rc = csvin_next(in, &row)) == 1) {
        if (row_is_blank(&row)) continue;
        fc->res->rows++;
        const char *code = NULL;
        char sentence[256];
        if (row.unterminated) {
            code = REJ_QUOTE_UNTERMINATED;
            snprintf(sentence, sizeof sentence,
                     "Een aanhalingsteken wordt niet gesloten; de rest van het bestand vanaf "
                     "deze regel is niet verwerkt.");
        } else if (row.field_too_long) {
            code = REJ_FIELD_TOO_LONG;
            snprintf(sentence, sizeof sentence,
                     "Een veld is langer dan %d bytes; de regel is niet verwerkt.", CSVIN_MAX_FIELD);
        } else if (row.too_wide || row.n != fc->n_header) {
            code = REJ_RAGGED_ROW;
            snprintf(sentence, sizeof sentence,
                     "De regel heeft %s%zu velden, de kopregel %zu; de regel is niet verwerkt.",
                     row.too_wide ? "meer dan " : "", row.n, fc->n_header);
        }
        if (code) {
            fc->res->rejected++;
            if ((rc = reject(fc, row.line, "", code, "%s", sentence))) return rc;
            continue;
        }
        if ((rc = check_columns(fc, &row)) != 1) {
            if (rc < 0) return rc;
            continue;
        }
        switch (fc->kind->id) {
        case KIND_KOPLOPERS:
            rc = row_koploper(fc, &row);
            break;
        case KIND_DEELNEMERS:
            rc = row_deelnemer(fc, &row);
            break;
        case KIND_UITVRAAG:
            rc = row_response(fc, &row);
            break;
        case KIND_NOT_YET:
            rc = KPM_EINVAL;
            break;
        }
        if (rc < 0) return rc;
    }
    return rc < 0 ? KPM_EIO : KPM_OK;
}

int ingest_file(const catalog_t *cat, batcher_t *out, const char *path, const char *name,
                ingest_result_t *res)
{
    memset(res, 0, sizeof *res);
    file_ctx_t fc = {.cat = cat, .out = out, .name = name, .res = res};
    csvin_t *in = NULL;
    char sentence[512], err[256];
    int rc;

    fc.kind = kind_from_filename(name);
    if (!fc.kind) {
        snprintf(sentence, sizeof sentence,
                 "Onbekende bestandssoort: de naam begint niet met %s; %s", kind_names(),
                 QUARANTINED);
        return whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_UNKNOWN_KIND, sentence);
    }
    if (fc.kind->id == KIND_NOT_YET) {
        snprintf(sentence, sizeof sentence,
                 "Bestanden van de soort %s worden door deze versie nog niet verwerkt; het "
                 "bestand blijft in de inbox.",
                 fc.kind->name);
        return whole_file(&fc, DISPO_LEAVE, 0, "", REJ_NOT_PROCESSED, sentence);
    }
    long bad_line = 0;
    rc = scan_bytes(path, &bad_line);
    if (rc == KPM_EIO) return KPM_EIO;
    if (rc == KPM_EEMPTY) {
        snprintf(sentence, sizeof sentence, "Het bestand is leeg; %s", QUARANTINED);
        return whole_file(&fc, DISPO_QUARANTINE, 0, "", REJ_EMPTY_FILE, sentence);
    }
    if (rc == KPM_EPARSE) {
        snprintf(sentence, sizeof sentence,
                 "Het bestand is geen geldige UTF-8-tekst of bevat NUL-tekens (eerste fout op "
                 "regel %ld); sla het op als CSV UTF-8; %s",
                 bad_line, QUARANTINED);
        return whole_file(&fc, DISPO_QUARANTINE, bad_line, "", REJ_NOT_UTF8, sentence);
    }
    in = csvin_open(path, err, sizeof err);
    if (!in) return KPM_EIO;
    res->delim = csvin_delim(in);
    csvin_row_t hdr;
    rc = csvin_next(in, &hdr);
    if (rc <= 0) {
        if (rc < 0) {
            rc = KPM_EIO;
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
    res->dispo = DISPO_ARCHIVE;
    rc = file_end(&fc);
out:
    strmap_destroy(&fc.keys);
    free(fc.item_of_col);
    csvin_close(&in);
    return rc;
}
