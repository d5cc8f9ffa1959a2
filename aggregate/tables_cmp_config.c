/* tables_cmp_config.c - the comparisons' configuration files (see
 * tables_cmp_config.h and docs/COMPARISONS.md). */
#include "tables_cmp_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvin.h"
#include "kpm_err.h"
#include "values.h"

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    int cols[6];
} cfg_loader_t;

static void cfg_error(cfg_loader_t *ld, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_error(cfg_loader_t *ld, long line, const char *fmt, ...)
{
    if (!ld->err || ld->errlen == 0) return;
    int n = line > 0 ? snprintf(ld->err, ld->errlen, "'%s' line %ld: ", ld->path, line)
                     : snprintf(ld->err, ld->errlen, "'%s': ", ld->path);
    if (n < 0 || (size_t)n >= ld->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static char *dup_n(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d) return NULL;
    if (len) memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void tables_cmp_config_destroy(tables_cmp_config_t **pc)
{
    if (!pc || !*pc) return;
    tables_cmp_config_t *c = *pc;
    for (size_t i = 0; i < c->n_groups; i++) {
        free(c->groups[i].name);
        free(c->groups[i].tranches);
    }
    for (size_t i = 0; i < c->n_cmps; i++)
        free(c->cmps[i].name);
    free(c->groups);
    free(c->cmps);
    free(c);
    *pc = NULL;
}

size_t tables_cmp_config_count(const tables_cmp_config_t *c)
{
    return c ? c->n_cmps : 0;
}

/* The trimmed field of header column k, "" when the row is short. */
static const char *cfg_field(const cfg_loader_t *ld, const csvin_row_t *row, int k, size_t *len)
{
    int f = ld->cols[k];
    if (f < 0 || (size_t)f >= row->n) {
        *len = 0;
        return "";
    }
    *len = row->lens[f];
    return val_trim(row->fields[f], len);
}

static int cfg_header(cfg_loader_t *ld, const csvin_row_t *row, const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        ld->cols[k] = -1;
    for (size_t f = 0; f < row->n; f++) {
        size_t len = row->lens[f];
        const char *s = val_trim(row->fields[f], &len);
        for (int k = 0; k < n; k++)
            if (val_equals_ci(s, len, names[k])) {
                if (ld->cols[k] >= 0) {
                    cfg_error(ld, row->line, "column '%s' appears twice", names[k]);
                    return KPM_EPARSE;
                }
                ld->cols[k] = (int)f;
            }
    }
    for (int k = 0; k < n; k++)
        if (ld->cols[k] < 0) {
            cfg_error(ld, row->line, "required column '%s' is missing from the header", names[k]);
            return KPM_EPARSE;
        }
    return KPM_OK;
}

/* A group or comparison name: 1..128 bytes of UTF-8 without control characters. */
static int cfg_name_ok(const char *s, size_t len)
{
    size_t bad;
    if (len == 0 || len > TABLES_CMP_NAME_MAX || !val_utf8_valid(s, len, &bad)) return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    return 1;
}

/* "tranche-N" with N a whole number >= 0: 1 and *t set; else 0. */
static int parse_tranche_name(const char *s, size_t len, int *t)
{
    int64_t v;
    if (len <= 8 || !val_equals_ci(s, 8, "tranche-")) return 0;
    if (s[8] == '+' || s[8] == '-' || val_parse_int(s + 8, len - 8, 0, INT32_MAX, &v)) return 0;
    *t = (int)v;
    return 1;
}

static int cfg_add_group(tables_cmp_config_t *c, cfg_loader_t *ld, const csvin_row_t *row)
{
    size_t nlen, tlen;
    const char *name = cfg_field(ld, row, 0, &nlen), *tr = cfg_field(ld, row, 1, &tlen);
    int t;
    if (!cfg_name_ok(name, nlen)) {
        cfg_error(ld, row->line, "group name is empty, too long or holds control characters");
        return KPM_EPARSE;
    }
    if (val_equals_ci(name, nlen, "alle") || parse_tranche_name(name, nlen, &t)) {
        cfg_error(ld, row->line, "group name '%.*s' is reserved (alle, tranche-N)", (int)nlen,
                  name);
        return KPM_EPARSE;
    }
    for (size_t i = 0; i < c->n_groups; i++)
        if (val_equals_ci(name, nlen, c->groups[i].name)) {
            cfg_error(ld, row->line, "group '%.*s' is defined twice", (int)nlen, name);
            return KPM_EPARSE;
        }
    void *p = realloc(c->groups, (c->n_groups + 1) * sizeof *c->groups);
    if (!p) goto nomem;
    c->groups = p;
    tables_cmp_named_t *ng = &c->groups[c->n_groups++]; /* freed with c, also when incomplete */
    *ng = (tables_cmp_named_t){dup_n(name, nlen), calloc(tlen / 2 + 1, sizeof(int)), 0};
    if (!ng->name || !ng->tranches) goto nomem;
    for (size_t start = 0; start <= tlen;) {
        const char *bar = memchr(tr + start, '|', tlen - start);
        size_t end = bar ? (size_t)(bar - tr) : tlen;
        int64_t v;
        if (val_parse_int(tr + start, end - start, 0, INT32_MAX, &v)) {
            cfg_error(ld, row->line, "group '%s': tranches must be whole numbers separated by '|'",
                      ng->name);
            return KPM_EPARSE;
        }
        for (size_t i = 0; i < ng->n; i++)
            if (ng->tranches[i] == (int)v) {
                cfg_error(ld, row->line, "group '%s' lists tranche %d twice", ng->name, (int)v);
                return KPM_EPARSE;
            }
        ng->tranches[ng->n++] = (int)v;
        start = end + 1;
    }
    return KPM_OK;
nomem:
    cfg_error(ld, row->line, "out of memory");
    return KPM_ENOMEM;
}

static int cfg_group_ref(const tables_cmp_config_t *c, cfg_loader_t *ld, long line, const char *s,
                         size_t len, tables_cmp_grp_t *g)
{
    if (val_equals_ci(s, len, "alle")) {
        *g = (tables_cmp_grp_t){TABLES_CMP_ALLE, 0, 0};
        return KPM_OK;
    }
    if (parse_tranche_name(s, len, &g->tranche)) {
        g->kind = TABLES_CMP_TRANCHE;
        return KPM_OK;
    }
    for (size_t i = 0; i < c->n_groups; i++)
        if (val_equals_ci(s, len, c->groups[i].name)) {
            *g = (tables_cmp_grp_t){TABLES_CMP_NAMED, 0, i};
            return KPM_OK;
        }
    cfg_error(ld, line, "unknown group '%.*s' (alle, tranche-N or a group of the groups file)",
              (int)len, s);
    return KPM_EPARSE;
}

int tables_cmp_group_has(const tables_cmp_config_t *c, const tables_cmp_grp_t *g, int t)
{
    if (g->kind == TABLES_CMP_ALLE) return 1;
    if (g->kind == TABLES_CMP_TRANCHE) return g->tranche == t;
    for (size_t i = 0; i < c->groups[g->named].n; i++)
        if (c->groups[g->named].tranches[i] == t) return 1;
    return 0;
}

static int grp_overlap(const tables_cmp_config_t *c, const tables_cmp_grp_t *a,
                       const tables_cmp_grp_t *b)
{
    if (a->kind == TABLES_CMP_ALLE || b->kind == TABLES_CMP_ALLE) return 1;
    if (a->kind == TABLES_CMP_TRANCHE) return tables_cmp_group_has(c, b, a->tranche);
    for (size_t i = 0; i < c->groups[a->named].n; i++)
        if (tables_cmp_group_has(c, b, c->groups[a->named].tranches[i])) return 1;
    return 0;
}

static int grp_same(const tables_cmp_grp_t *a, const tables_cmp_grp_t *b)
{
    return a->kind == b->kind && (a->kind != TABLES_CMP_TRANCHE || a->tranche == b->tranche) &&
           (a->kind != TABLES_CMP_NAMED || a->named == b->named);
}

static int cfg_add_cmp(tables_cmp_config_t *c, cfg_loader_t *ld, const csvin_row_t *row)
{
    size_t len[6];
    const char *f[6];
    tables_cmp_cmp_t k = {0};
    int64_t v;
    for (int i = 0; i < 6; i++)
        f[i] = cfg_field(ld, row, i, &len[i]);
    if (!cfg_name_ok(f[0], len[0])) {
        cfg_error(ld, row->line, "comparison name is empty, too long or holds control characters");
        return KPM_EPARSE;
    }
    for (size_t i = 0; i < c->n_cmps; i++)
        if (val_equals_ci(f[0], len[0], c->cmps[i].name)) {
            cfg_error(ld, row->line, "comparison '%.*s' is defined twice", (int)len[0], f[0]);
            return KPM_EPARSE;
        }
    if (val_equals_ci(f[1], len[1], "gepaard"))
        k.paired = 1;
    else if (!val_equals_ci(f[1], len[1], "onafhankelijk")) {
        cfg_error(ld, row->line, "type must be 'onafhankelijk' or 'gepaard', not '%.*s'",
                  (int)len[1], f[1]);
        return KPM_EPARSE;
    }
    for (int s = 0; s < 2; s++) {
        if (val_parse_int(f[2 + 2 * s], len[2 + 2 * s], 0, INT32_MAX, &v)) {
            cfg_error(ld, row->line, "meting_%c must be a whole number (a year)", 'a' + s);
            return KPM_EPARSE;
        }
        k.meting[s] = (int32_t)v;
        int rc = cfg_group_ref(c, ld, row->line, f[3 + 2 * s], len[3 + 2 * s], &k.grp[s]);
        if (rc) return rc;
    }
    if (!k.paired && k.meting[0] == k.meting[1] && grp_overlap(c, &k.grp[0], &k.grp[1])) {
        cfg_error(ld, row->line,
                  "an independent comparison within one meting needs groups "
                  "without common tranches");
        return KPM_EPARSE;
    }
    if (k.paired && (k.meting[0] == k.meting[1] || !grp_same(&k.grp[0], &k.grp[1]))) {
        cfg_error(ld, row->line,
                  "a paired comparison needs two different metingen and the "
                  "same group on both sides");
        return KPM_EPARSE;
    }
    void *p = realloc(c->cmps, (c->n_cmps + 1) * sizeof *c->cmps);
    if (p) c->cmps = p;
    if (!p || !(k.name = dup_n(f[0], len[0]))) {
        cfg_error(ld, row->line, "out of memory");
        return KPM_ENOMEM;
    }
    c->cmps[c->n_cmps++] = k;
    return KPM_OK;
}

static int row_blank(const csvin_row_t *row)
{
    for (size_t i = 0; i < row->n; i++) {
        size_t len = row->lens[i];
        val_trim(row->fields[i], &len);
        if (len) return 0;
    }
    return 1;
}

typedef int (*cfg_row_fn)(tables_cmp_config_t *c, cfg_loader_t *ld, const csvin_row_t *row);

/* Reads one configuration file: header with the given columns, then a call per
 * row that is not blank. A missing optional file reads as empty. */
static int cfg_read(tables_cmp_config_t *c, const char *path, int optional, const char *const *cols,
                    int n_cols, cfg_row_fn fn, char *err, size_t errlen)
{
    cfg_loader_t ld = {.path = path, .err = err, .errlen = errlen};
    struct stat st;
    csvin_row_t row;
    char cerr[512];
    int rc;
    if (!path || (optional && stat(path, &st) != 0 && errno == ENOENT)) return KPM_OK;
    csvin_t *r = csvin_open(path, cerr, sizeof cerr);
    if (!r) {
        snprintf(err, errlen, "%s", cerr);
        return KPM_EIO;
    }
    if ((rc = csvin_next(r, &row)) <= 0) {
        if (rc == 0)
            cfg_error(&ld, 0, "the file is empty (a header row is needed)");
        else
            snprintf(err, errlen, "%s", csvin_error(r));
        rc = rc == 0 ? KPM_EPARSE : rc;
        goto out;
    }
    if ((rc = cfg_header(&ld, &row, cols, n_cols))) goto out;
    while ((rc = csvin_next(r, &row)) > 0) {
        if (row.unterminated || row.too_wide || row.field_too_long) {
            cfg_error(&ld, row.line, "the row is not valid CSV (open quote, too wide or too long)");
            rc = KPM_EPARSE;
            goto out;
        }
        if (row_blank(&row)) continue;
        if ((rc = fn(c, &ld, &row))) goto out;
    }
    if (rc < 0) snprintf(err, errlen, "%s", csvin_error(r));
out:
    csvin_close(&r);
    return rc < 0 ? rc : KPM_OK;
}

tables_cmp_config_t *tables_cmp_config_load(const char *cmp_path, int cmp_optional,
                                            const char *groups_path, int groups_optional, char *err,
                                            size_t errlen)
{
    static const char *const gcols[] = {"naam", "tranches"};
    static const char *const ccols[] = {"naam",    "type",     "meting_a",
                                        "groep_a", "meting_b", "groep_b"};
    tables_cmp_config_t *c = calloc(1, sizeof *c);
    if (err && errlen) err[0] = '\0';
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (cfg_read(c, groups_path, groups_optional, gcols, 2, cfg_add_group, err, errlen) ||
        cfg_read(c, cmp_path, cmp_optional, ccols, 6, cfg_add_cmp, err, errlen))
        tables_cmp_config_destroy(&c);
    return c;
}
