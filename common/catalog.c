/* catalog.c - the questionnaire catalogue: loading, checks and look-ups. */
#include "catalog.h"
#include "catalog_int.h"

#include "csvin.h"
#include "kpm_err.h"
#include "values.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_ITEM, COL_THEMA, COL_THEMA_NAAM, COL_TYPE, COL_WAARDEN, COL_VERSIE, COL_VRAAG, COL_N };

static const struct {
    const char *name;
    int required;
} catalog_columns[COL_N] = {
    [COL_ITEM] = {"item", 1},
    [COL_THEMA] = {"thema", 1},
    [COL_THEMA_NAAM] = {"thema_naam", 0},
    [COL_TYPE] = {"type", 1},
    [COL_WAARDEN] = {"waarden", 0},
    [COL_VERSIE] = {"versie", 0},
    [COL_VRAAG] = {"vraag", 0},
};

static const char *const item_type_names[] = {
    [ITEM_LIKERT] = "likert",   [ITEM_LIKERT_NVT] = "likert_nvt", [ITEM_KEUZE] = "keuze",
    [ITEM_PROCENT] = "procent", [ITEM_AANTAL] = "aantal",         [ITEM_TEKST] = "tekst",
    [ITEM_PII] = "pii",
};

static const struct {
    const char *name;
    int mask;
} catalog_versies[] = {
    {"kort", CATALOG_VERSIE_KORT},
    {"volledig", CATALOG_VERSIE_VOLLEDIG},
    {"beide", CATALOG_VERSIE_BEIDE},
};

/* What the loader works on; `cols` maps each known column to its field index. */
typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    catalog_t *c;
    long *lines; /* line of each item, for messages of the checks after reading */
    int cols[COL_N];
} loader_t;

static void load_error(loader_t *ld, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void load_error(loader_t *ld, long line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (ld->err == NULL || ld->errlen == 0) return;
    if (line > 0)
        n = snprintf(ld->err, ld->errlen, "catalogue '%s' line %ld: ", ld->path, line);
    else
        n = snprintf(ld->err, ld->errlen, "catalogue '%s': ", ld->path);
    if (n < 0 || (size_t)n >= ld->errlen) return;
    va_start(ap, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A message of the CSV reader, which names the file already. */
static void csv_error(loader_t *ld, const char *msg)
{
    if (ld->err != NULL && ld->errlen > 0) snprintf(ld->err, ld->errlen, "catalogue: %s", msg);
}

static char *dup_n(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d == NULL) return NULL;
    if (len > 0) memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

const char *item_type_name(item_type_t t)
{
    if ((int)t < 0 || (size_t)t >= sizeof item_type_names / sizeof item_type_names[0]) return "?";
    return item_type_names[t];
}

int item_type_parse(const char *s, size_t len)
{
    s = val_trim(s, &len);
    for (size_t i = 0; i < sizeof item_type_names / sizeof item_type_names[0]; i++)
        if (val_equals_ci(s, len, item_type_names[i])) return (int)i;
    return -1;
}

static void item_free(catalog_item_t *it)
{
    free(it->name);
    free(it->thema_naam);
    for (size_t i = 0; i < it->n_values; i++)
        free(it->values[i]);
    free(it->values);
    free(it->vraag);
    free(it->category);
    catalog_answers_free(it);
}

void catalog_destroy(catalog_t **cp)
{
    catalog_t *c;

    if (cp == NULL || *cp == NULL) return;
    c = *cp;
    for (size_t i = 0; i < c->n_items; i++)
        item_free(&c->items[i]);
    free(c->items);
    for (size_t g = 0; g < c->n_groups; g++)
        free(c->groups[g]);
    free(c->groups);
    free(c);
    *cp = NULL;
}

size_t catalog_count(const catalog_t *c)
{
    return c->n_items;
}

const catalog_item_t *catalog_item(const catalog_t *c, size_t i)
{
    return i < c->n_items ? &c->items[i] : NULL;
}

int catalog_find(const catalog_t *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n_items; i++)
        if (val_equals_ci(name, len, c->items[i].name)) return (int)i;
    return -1;
}

size_t catalog_group_count(const catalog_t *c)
{
    return c->n_groups;
}

const char *catalog_group_name(const catalog_t *c, int g)
{
    if (g < 0 || (size_t)g >= c->n_groups) return NULL;
    return c->groups[g];
}

/* The trimmed field of column `col` in row, or "" when the column is absent or
 * the row is short. */
static const char *field(const loader_t *ld, const csvin_row_t *row, int col, size_t *len)
{
    int f = ld->cols[col];

    if (f < 0 || (size_t)f >= row->n) {
        *len = 0;
        return "";
    }
    *len = row->lens[f];
    return val_trim(row->fields[f], len);
}

static int read_header(loader_t *ld, const csvin_row_t *row)
{
    for (int k = 0; k < COL_N; k++)
        ld->cols[k] = -1;
    for (size_t f = 0; f < row->n && f < INT_MAX; f++) {
        size_t len = row->lens[f];
        const char *s = val_trim(row->fields[f], &len);
        for (int k = 0; k < COL_N; k++) {
            if (!val_equals_ci(s, len, catalog_columns[k].name)) continue;
            if (ld->cols[k] >= 0) {
                load_error(ld, row->line, "column '%s' appears twice", catalog_columns[k].name);
                return KPM_EPARSE;
            }
            ld->cols[k] = (int)f;
        }
    }
    for (int k = 0; k < COL_N; k++) {
        if (catalog_columns[k].required && ld->cols[k] < 0) {
            load_error(ld, row->line, "required column '%s' is missing from the header",
                       catalog_columns[k].name);
            return KPM_EPARSE;
        }
    }
    return KPM_OK;
}

/* Splits keuze values "ja|deels|nee" into it->values. */
static int parse_values(loader_t *ld, long line, catalog_item_t *it, const char *s, size_t len)
{
    size_t n = 1;

    for (size_t i = 0; i < len; i++)
        if (s[i] == '|') n++;
    it->values = calloc(n, sizeof *it->values);
    if (it->values == NULL) goto nomem;
    for (size_t start = 0; start <= len;) {
        const char *bar = memchr(s + start, '|', len - start);
        size_t end = bar != NULL ? (size_t)(bar - s) : len;
        size_t vlen = end - start;
        const char *v = val_trim(s + start, &vlen);
        if (vlen == 0) {
            load_error(ld, line, "item '%s' has an empty value in waarden", it->name);
            return KPM_EPARSE;
        }
        for (size_t k = 0; k < it->n_values; k++) {
            if (val_equals_ci(v, vlen, it->values[k])) {
                load_error(ld, line, "item '%s' lists value '%s' twice in waarden", it->name,
                           it->values[k]);
                return KPM_EPARSE;
            }
        }
        it->values[it->n_values] = dup_n(v, vlen);
        if (it->values[it->n_values] == NULL) goto nomem;
        it->n_values++;
        start = end + 1;
    }
    return KPM_OK;
nomem:
    load_error(ld, line, "out of memory");
    return KPM_ENOMEM;
}

/* Puts a procent item into its sum group: the part of the name before the first
 * '_' names the group, the rest is the category. */
static int assign_group(loader_t *ld, long line, catalog_item_t *it)
{
    catalog_t *c = ld->c;
    const char *us = strchr(it->name, '_');
    size_t glen = strlen(it->name);
    const char *cat = it->name;
    size_t g;

    if (us != NULL && us != it->name && us[1] != '\0') {
        glen = (size_t)(us - it->name);
        cat = us + 1;
    }
    it->category = strdup(cat);
    if (it->category == NULL) goto nomem;
    for (g = 0; g < c->n_groups; g++)
        if (strlen(c->groups[g]) == glen && memcmp(c->groups[g], it->name, glen) == 0) break;
    if (g == c->n_groups) {
        if (c->n_groups == c->cap_groups) {
            size_t ncap = c->cap_groups ? c->cap_groups * 2 : 4;
            char **ng = realloc(c->groups, ncap * sizeof *ng);
            if (ng == NULL) goto nomem;
            c->groups = ng;
            c->cap_groups = ncap;
        }
        c->groups[g] = dup_n(it->name, glen);
        if (c->groups[g] == NULL) goto nomem;
        c->n_groups++;
    }
    it->group = (int)g;
    return KPM_OK;
nomem:
    load_error(ld, line, "out of memory");
    return KPM_ENOMEM;
}

static int parse_item(loader_t *ld, const csvin_row_t *row, catalog_item_t *it)
{
    catalog_t *c = ld->c;
    long line = row->line;
    const char *s;
    size_t len;
    int64_t thema;
    int t, rc;

    s = field(ld, row, COL_ITEM, &len);
    if (len == 0) {
        load_error(ld, line, "item name is empty");
        return KPM_EPARSE;
    }
    if (memchr(s, '\0', len) != NULL) {
        load_error(ld, line, "item name contains a NUL byte");
        return KPM_EPARSE;
    }
    it->name = dup_n(s, len);
    if (it->name == NULL) goto nomem;
    for (char *p = it->name; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < c->n_items; i++) {
        if (strcmp(c->items[i].name, it->name) == 0) {
            load_error(ld, line, "item '%s' is listed twice (first on line %ld)", it->name,
                       ld->lines[i]);
            return KPM_EPARSE;
        }
    }

    s = field(ld, row, COL_THEMA, &len);
    rc = val_parse_int(s, len, 0, INT_MAX, &thema);
    if (rc != KPM_OK) {
        load_error(ld, line, "thema '%.*s' of item '%s' is not a whole number from 0 up",
                   (int)(len > 64 ? 64 : len), s, it->name);
        return KPM_EPARSE;
    }
    it->thema = (int)thema;

    s = field(ld, row, COL_TYPE, &len);
    t = item_type_parse(s, len);
    if (t < 0) {
        load_error(ld, line, "item '%s' has unknown type '%.*s'", it->name,
                   (int)(len > 64 ? 64 : len), s);
        return KPM_EPARSE;
    }
    it->type = (item_type_t)t;

    s = field(ld, row, COL_WAARDEN, &len);
    if (it->type == ITEM_KEUZE) {
        if (len == 0) {
            load_error(ld, line, "keuze item '%s' lists no values in waarden", it->name);
            return KPM_EPARSE;
        }
        rc = parse_values(ld, line, it, s, len);
        if (rc != KPM_OK) return rc;
    }

    s = field(ld, row, COL_VERSIE, &len);
    it->versie = len == 0 ? CATALOG_VERSIE_BEIDE : 0;
    for (size_t i = 0; len > 0 && i < sizeof catalog_versies / sizeof catalog_versies[0]; i++)
        if (val_equals_ci(s, len, catalog_versies[i].name)) it->versie = catalog_versies[i].mask;
    if (it->versie == 0) {
        load_error(ld, line, "item '%s' has versie '%.*s' (expected kort, volledig or beide)",
                   it->name, (int)(len > 64 ? 64 : len), s);
        return KPM_EPARSE;
    }

    s = field(ld, row, COL_THEMA_NAAM, &len);
    it->thema_naam = dup_n(s, len);
    s = field(ld, row, COL_VRAAG, &len);
    it->vraag = dup_n(s, len);
    if (it->thema_naam == NULL || it->vraag == NULL) goto nomem;

    it->group = -1;
    if (it->type == ITEM_PROCENT) return assign_group(ld, line, it);
    return KPM_OK;
nomem:
    load_error(ld, line, "out of memory");
    return KPM_ENOMEM;
}

static int row_is_blank(const csvin_row_t *row)
{
    for (size_t f = 0; f < row->n; f++) {
        size_t len = row->lens[f];
        val_trim(row->fields[f], &len);
        if (len > 0) return 0;
    }
    return 1;
}

static int add_item(loader_t *ld, const csvin_row_t *row)
{
    catalog_t *c = ld->c;
    int rc;

    if (c->n_items == c->cap_items) {
        size_t ncap = c->cap_items ? c->cap_items * 2 : 64;
        catalog_item_t *ni;
        long *nl;
        if (ncap > INT_MAX) goto nomem;
        ni = realloc(c->items, ncap * sizeof *ni);
        if (ni == NULL) goto nomem;
        c->items = ni;
        nl = realloc(ld->lines, ncap * sizeof *nl);
        if (nl == NULL) goto nomem;
        ld->lines = nl;
        c->cap_items = ncap;
    }
    memset(&c->items[c->n_items], 0, sizeof c->items[0]);
    rc = parse_item(ld, row, &c->items[c->n_items]);
    if (rc != KPM_OK) {
        item_free(&c->items[c->n_items]);
        return rc;
    }
    ld->lines[c->n_items] = row->line;
    c->n_items++;
    return KPM_OK;
nomem:
    load_error(ld, row->line, "out of memory");
    return KPM_ENOMEM;
}

/* A theme's name may be given on one of its items only; the others take it over.
 * Two different names for one theme are an error. */
static int settle_theme_names(loader_t *ld)
{
    catalog_t *c = ld->c;

    for (size_t i = 0; i < c->n_items; i++) {
        catalog_item_t *it = &c->items[i];
        size_t named = SIZE_MAX;
        if (it->thema_naam[0] != '\0') continue;
        for (size_t j = 0; j < c->n_items && named == SIZE_MAX; j++)
            if (c->items[j].thema == it->thema && c->items[j].thema_naam[0] != '\0') named = j;
        if (named != SIZE_MAX) {
            char *s = strdup(c->items[named].thema_naam);
            if (s == NULL) {
                load_error(ld, 0, "out of memory");
                return KPM_ENOMEM;
            }
            free(it->thema_naam);
            it->thema_naam = s;
        }
    }
    for (size_t i = 0; i < c->n_items; i++) {
        for (size_t j = 0; j < i; j++) {
            if (c->items[j].thema == c->items[i].thema &&
                strcmp(c->items[j].thema_naam, c->items[i].thema_naam) != 0) {
                load_error(ld, ld->lines[i], "thema %d is named '%s' here but '%s' on line %ld",
                           c->items[i].thema, c->items[i].thema_naam, c->items[j].thema_naam,
                           ld->lines[j]);
                return KPM_EPARSE;
            }
        }
    }
    return KPM_OK;
}

/* The answer labels beside the catalogue: "vragenlijst" in its file name
 * becomes "antwoorden". A catalogue named otherwise, or without such a file,
 * keeps the labels made from the codes. */
static int load_labels_beside(loader_t *ld)
{
    const char *base = strrchr(ld->path, '/');
    const char *at;
    char path[4096];
    FILE *probe;

    base = base != NULL ? base + 1 : ld->path;
    at = strstr(base, "vragenlijst");
    if (at == NULL) return KPM_OK;
    if (snprintf(path, sizeof path, "%.*santwoorden%s", (int)(at - ld->path), ld->path,
                 at + strlen("vragenlijst")) >= (int)sizeof path)
        return KPM_OK;
    probe = fopen(path, "r");
    if (probe == NULL) return KPM_OK;
    fclose(probe);
    return catalog_labels_load(ld->c, path, ld->err, ld->errlen);
}

catalog_t *catalog_load(const char *path, char *err, size_t errlen)
{
    loader_t ld = {.path = path, .err = err, .errlen = errlen};
    csvin_t *r = NULL;
    csvin_row_t row;
    char cerr[512] = "";
    int rc;

    if (err != NULL && errlen > 0) err[0] = '\0';
    ld.c = calloc(1, sizeof *ld.c);
    if (ld.c == NULL) {
        load_error(&ld, 0, "out of memory");
        goto fail;
    }
    r = csvin_open(path, cerr, sizeof cerr);
    if (r == NULL) {
        csv_error(&ld, cerr);
        goto fail;
    }
    rc = csvin_next(r, &row);
    if (rc == 0) {
        load_error(&ld, 0, "the file is empty");
        goto fail;
    }
    if (rc < 0) goto read_fail;
    if (read_header(&ld, &row) != KPM_OK) goto fail;

    while ((rc = csvin_next(r, &row)) > 0) {
        if (row.unterminated) {
            load_error(&ld, row.line, "a quoted field is not closed before the end of the file");
            goto fail;
        }
        if (row.too_wide || row.field_too_long) {
            load_error(&ld, row.line, "the row is too wide or has a field that is too long");
            goto fail;
        }
        if (row_is_blank(&row)) continue;
        if (add_item(&ld, &row) != KPM_OK) goto fail;
    }
    if (rc < 0) goto read_fail;
    if (ld.c->n_items == 0) {
        load_error(&ld, 0, "lists no items");
        goto fail;
    }
    if (settle_theme_names(&ld) != KPM_OK) goto fail;
    if (catalog_answers_init(ld.c) != KPM_OK) {
        load_error(&ld, 0, "out of memory");
        goto fail;
    }
    if (load_labels_beside(&ld) != KPM_OK) goto fail;
    free(ld.lines);
    csvin_close(&r);
    return ld.c;

read_fail:
    csv_error(&ld, csvin_error(r));
fail:
    free(ld.lines);
    csvin_close(&r);
    catalog_destroy(&ld.c);
    return NULL;
}
