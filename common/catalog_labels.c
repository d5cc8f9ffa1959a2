/* catalog_labels.c - answer labels: the Dutch text of every answer code and the
 * other spellings an uitvraag file may use for it (the contract's "Answer
 * labels"; config/antwoorden-2021.csv).
 *
 * The file has the columns item;code;label;ook_geschreven_als (other spellings
 * separated by '|'). A row whose item is "*likert" holds for every likert and
 * likert_nvt item, "*likert_nvt" for every likert_nvt item, "*keuze" for every
 * keuze item that has the code. An unknown item, a code that is not an answer
 * of the item, or a spelling that two answers of one item share is an error. */
#include "catalog.h"
#include "catalog_int.h"

#include "csvin.h"
#include "kpm_err.h"
#include "values.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_MAX 512 /* longest spelling compared */

static const char *const likert_default[5] = {"Niet van toepassing", "Zeer ontevreden",
                                              "Ontevreden", "Tevreden", "Zeer tevreden"};

/* Base letters of the UTF-8 sequences C3 80..C3 BF (À..ÿ); 0: kept as it is. */
static const char fold_c3[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   0,
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y',
};

long catalog_fold(const char *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    int space = 0;

    if (outlen == 0) return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char put[2];
        size_t n = 1;
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            space = o > 0;
            continue;
        }
        if (ch == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) { /* no-break space */
            space = o > 0;
            i++;
            continue;
        }
        if (ch == 0xC3 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0xBF && fold_c3[(unsigned char)s[i + 1] - 0x80] != 0) {
            put[0] = fold_c3[(unsigned char)s[i + 1] - 0x80];
            i++;
        } else {
            put[0] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        if (o + n + (size_t)space >= outlen) return -1;
        if (space) out[o++] = ' ';
        space = 0;
        memcpy(out + o, put, n);
        o += n;
    }
    out[o] = '\0';
    return (long)o;
}

/* ---- the answers of an item ---- */

void catalog_answers_free(catalog_item_t *it)
{
    for (size_t a = 0; a < it->n_answers; a++) {
        catalog_answer_t *an = &it->answers[a];
        free(an->code);
        free(an->label);
        for (size_t k = 0; k < an->n_spellings; k++)
            free(an->spellings[k]);
        free(an->spellings);
    }
    free(it->answers);
    it->answers = NULL;
    it->n_answers = 0;
}

/* Adds s (len bytes), folded, to an's spellings unless it is there. */
static int add_spelling(catalog_answer_t *an, const char *s, size_t len)
{
    char buf[FOLD_MAX];
    long n = catalog_fold(s, len, buf, sizeof buf);
    char **ns;

    if (n <= 0) return n == 0 ? KPM_OK : KPM_EINVAL;
    for (size_t k = 0; k < an->n_spellings; k++)
        if (strcmp(an->spellings[k], buf) == 0) return KPM_OK;
    ns = realloc(an->spellings, (an->n_spellings + 1) * sizeof *ns);
    if (ns == NULL) return KPM_ENOMEM;
    an->spellings = ns;
    if ((ns[an->n_spellings] = strdup(buf)) == NULL) return KPM_ENOMEM;
    an->n_spellings++;
    return KPM_OK;
}

/* A label made from a code: "te_vroeg" -> "Te vroeg". */
static char *label_from_code(const char *code)
{
    char *l = strdup(code);

    if (l == NULL) return NULL;
    for (char *p = l; *p != '\0'; p++)
        if (*p == '_') *p = ' ';
    if (l[0] >= 'a' && l[0] <= 'z') l[0] = (char)(l[0] - 'a' + 'A');
    return l;
}

static int answer_set(catalog_answer_t *an, const char *code, const char *label)
{
    an->code = strdup(code);
    an->label = label != NULL ? strdup(label) : label_from_code(code);
    if (an->code == NULL || an->label == NULL) return KPM_ENOMEM;
    int rc = add_spelling(an, code, strlen(code));
    return rc == KPM_OK ? add_spelling(an, an->label, strlen(an->label)) : rc;
}

int catalog_answers_init(catalog_t *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        catalog_item_t *it = &c->items[i];
        size_t n = it->type == ITEM_KEUZE        ? it->n_values
                   : it->type == ITEM_LIKERT     ? 4
                   : it->type == ITEM_LIKERT_NVT ? 5
                                                 : 0;
        if (n == 0) continue;
        it->answers = calloc(n, sizeof *it->answers);
        if (it->answers == NULL) return KPM_ENOMEM;
        it->n_answers = n;
        for (size_t a = 0; a < n; a++) {
            int rc;
            if (it->type == ITEM_KEUZE) {
                rc = answer_set(&it->answers[a], it->values[a], NULL);
            } else {
                int code = a < 4 ? (int)a + 1 : 0;
                char digits[2] = {(char)('0' + code), '\0'};
                rc = answer_set(&it->answers[a], digits, likert_default[code]);
            }
            if (rc != KPM_OK) return rc;
        }
    }
    return KPM_OK;
}

static int answer_index(const catalog_item_t *it, const char *code, size_t len)
{
    for (size_t a = 0; a < it->n_answers; a++)
        if (val_equals_ci(code, len, it->answers[a].code)) return (int)a;
    return -1;
}

int catalog_answer_match(const catalog_item_t *it, const char *s, size_t len)
{
    char buf[FOLD_MAX];

    if (catalog_fold(s, len, buf, sizeof buf) <= 0) return -1;
    for (size_t a = 0; a < it->n_answers; a++)
        for (size_t k = 0; k < it->answers[a].n_spellings; k++)
            if (strcmp(it->answers[a].spellings[k], buf) == 0) return (int)a;
    return -1;
}

const char *catalog_answer_label(const catalog_item_t *it, const char *code, size_t len)
{
    int a = answer_index(it, code, len);

    return a >= 0 ? it->answers[a].label : NULL;
}

/* ---- the labels file ---- */

enum { LC_ITEM, LC_CODE, LC_LABEL, LC_ALTS, LC_N };
static const char *const label_columns[LC_N] = {"item", "code", "label", "ook_geschreven_als"};

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    long line;
} lab_t;

static int lab_error(lab_t *l, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int lab_error(lab_t *l, int rc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->err == NULL || l->errlen == 0) return rc;
    n = l->line > 0 ? snprintf(l->err, l->errlen, "answer labels '%s' line %ld: ", l->path, l->line)
                    : snprintf(l->err, l->errlen, "answer labels '%s': ", l->path);
    if (n < 0 || (size_t)n >= l->errlen) return rc;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

/* Whether a row's item pattern applies to item it: its name, or "*type". */
static int row_applies(const char *pat, size_t len, const catalog_item_t *it)
{
    if (len > 0 && pat[0] == '*') {
        pat++, len--;
        if (val_equals_ci(pat, len, "likert"))
            return it->type == ITEM_LIKERT || it->type == ITEM_LIKERT_NVT;
        return val_equals_ci(pat, len, item_type_name(it->type));
    }
    return val_equals_ci(pat, len, it->name);
}

/* Sets the label and spellings of answer `code` of it from one row. */
static int apply_row(lab_t *l, catalog_item_t *it, const char *code, size_t clen, const char *label,
                     size_t llen, const char *alts, size_t alen)
{
    int a = answer_index(it, code, clen);
    catalog_answer_t *an;
    int rc;

    if (a < 0) return KPM_ENOTFOUND;
    an = &it->answers[a];
    if (llen > 0) {
        char *nl = malloc(llen + 1);
        if (nl == NULL) return lab_error(l, KPM_ENOMEM, "out of memory");
        memcpy(nl, label, llen);
        nl[llen] = '\0';
        free(an->label);
        an->label = nl;
        if ((rc = add_spelling(an, label, llen)) != KPM_OK)
            return lab_error(l, rc, "label of '%s' is too long", an->code);
    }
    for (size_t start = 0; start < alen;) {
        const char *bar = memchr(alts + start, '|', alen - start);
        size_t end = bar != NULL ? (size_t)(bar - alts) : alen;
        if ((rc = add_spelling(an, alts + start, end - start)) != KPM_OK)
            return lab_error(l, rc, "a spelling of '%s' is too long", an->code);
        start = end + 1;
    }
    return KPM_OK;
}

static int apply_line(lab_t *l, catalog_t *c, const csvin_row_t *row, const int cols[LC_N])
{
    const char *f[LC_N];
    size_t len[LC_N];
    int applied = 0, pattern;

    for (int k = 0; k < LC_N; k++) {
        f[k] = "";
        len[k] = 0;
        if (cols[k] >= 0 && (size_t)cols[k] < row->n) {
            len[k] = row->lens[cols[k]];
            f[k] = val_trim(row->fields[cols[k]], &len[k]);
        }
    }
    if (len[LC_ITEM] == 0 && len[LC_CODE] == 0 && len[LC_LABEL] == 0 && len[LC_ALTS] == 0)
        return KPM_OK;
    if (len[LC_ITEM] == 0 || len[LC_CODE] == 0)
        return lab_error(l, KPM_EPARSE, "item and code are required");
    pattern = f[LC_ITEM][0] == '*';
    for (size_t i = 0; i < c->n_items; i++) {
        catalog_item_t *it = &c->items[i];
        int rc;
        if (!row_applies(f[LC_ITEM], len[LC_ITEM], it)) continue;
        rc = apply_row(l, it, f[LC_CODE], len[LC_CODE], f[LC_LABEL], len[LC_LABEL], f[LC_ALTS],
                       len[LC_ALTS]);
        if (rc == KPM_ENOTFOUND && pattern) continue; /* "*keuze": items without the code */
        if (rc == KPM_ENOTFOUND)
            return lab_error(l, KPM_EPARSE, "'%.*s' is not an answer of item '%s'",
                             (int)(len[LC_CODE] > 64 ? 64 : len[LC_CODE]), f[LC_CODE], it->name);
        if (rc != KPM_OK) return rc;
        applied++;
    }
    if (applied == 0)
        return lab_error(l, KPM_EPARSE, "no item of the catalogue has '%.*s' with answer '%.*s'",
                         (int)(len[LC_ITEM] > 64 ? 64 : len[LC_ITEM]), f[LC_ITEM],
                         (int)(len[LC_CODE] > 64 ? 64 : len[LC_CODE]), f[LC_CODE]);
    return KPM_OK;
}

/* No spelling may stand for two answers of one item. */
static int check_ambiguity(lab_t *l, const catalog_t *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        const catalog_item_t *it = &c->items[i];
        for (size_t a = 0; a < it->n_answers; a++)
            for (size_t k = 0; k < it->answers[a].n_spellings; k++)
                for (size_t b = a + 1; b < it->n_answers; b++)
                    for (size_t m = 0; m < it->answers[b].n_spellings; m++)
                        if (strcmp(it->answers[a].spellings[k], it->answers[b].spellings[m]) == 0)
                            return lab_error(l, KPM_EPARSE,
                                             "'%s' stands for both '%s' and '%s' of item '%s'",
                                             it->answers[a].spellings[k], it->answers[a].code,
                                             it->answers[b].code, it->name);
    }
    return KPM_OK;
}

int catalog_labels_load(catalog_t *c, const char *path, char *err, size_t errlen)
{
    lab_t l = {path, err, errlen, 0};
    char cerr[512] = "";
    csvin_t *r = csvin_open(path, cerr, sizeof cerr);
    csvin_row_t row;
    int cols[LC_N] = {-1, -1, -1, -1};
    int rc;

    if (r == NULL) return lab_error(&l, KPM_EIO, "%s", cerr);
    rc = csvin_next(r, &row);
    if (rc <= 0) {
        rc = lab_error(&l, KPM_EPARSE, "%s", rc == 0 ? "the file is empty" : csvin_error(r));
        goto out;
    }
    for (size_t f = 0; f < row.n; f++) {
        size_t len = row.lens[f];
        const char *s = val_trim(row.fields[f], &len);
        for (int k = 0; k < LC_N; k++)
            if (val_equals_ci(s, len, label_columns[k])) cols[k] = (int)f;
    }
    if (cols[LC_ITEM] < 0 || cols[LC_CODE] < 0 || cols[LC_LABEL] < 0) {
        l.line = row.line;
        rc = lab_error(&l, KPM_EPARSE, "the header needs the columns item, code and label");
        goto out;
    }
    while ((rc = csvin_next(r, &row)) > 0) {
        l.line = row.line;
        if (row.unterminated || row.too_wide || row.field_too_long) {
            rc =
                lab_error(&l, KPM_EPARSE, "the row cannot be read (quote not closed, or too wide)");
            goto out;
        }
        if ((rc = apply_line(&l, c, &row, cols)) != KPM_OK) goto out;
        if ((rc = check_ambiguity(&l, c)) != KPM_OK) goto out;
    }
    if (rc < 0) {
        rc = lab_error(&l, KPM_EPARSE, "%s", csvin_error(r));
        goto out;
    }
    rc = KPM_OK;
out:
    csvin_close(&r);
    return rc;
}
