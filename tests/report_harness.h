/* report_harness.h - building result tables for the report's tests (report_out,
 * kpm.sqlite, PostgreSQL, the merger) and a scratch output directory.
 *
 *   rh_tdef(&d, "likert", 1, "owner", "meting:int:key,gemiddelde:dec2")
 *       a TABLE_BEGIN from "name:format[:role],..." (the role may hold spaces
 *       and may be empty or left out);
 *   rh_feed(o, "likert", 1, spec, rows, n)
 *       the table to report_out: begin, rows, end (fails the test on an error;
 *       rh_feed_rc returns the first error instead);
 *   rh_tmpdir_setup / rh_tmpdir_teardown, rh_dir(state), rh_slurp(state, name)
 *       a cmocka fixture holding a fresh directory, and a file of it.
 */
#ifndef KPM_TESTS_REPORT_HARNESS_H
#define KPM_TESTS_REPORT_HARNESS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "report_out.h"
#include "wire.h"

/* A TABLE_BEGIN whose strings all point into buf. */
typedef struct {
    char buf[1024];
    wire_table_begin_t tb;
} rh_tdef_t;

static inline void rh_tdef(rh_tdef_t *d, const char *name, int publish, const char *merge,
                           const char *spec)
{
    size_t nl = strlen(name), ml = strlen(merge);
    char *p;

    memset(d, 0, sizeof *d);
    snprintf(d->buf, sizeof d->buf, "%s%c%s%c%s", name, '\0', merge, '\0', spec);
    d->tb.name = (wire_str_t){d->buf, (uint32_t)nl};
    d->tb.merge = (wire_str_t){d->buf + nl + 1, (uint32_t)ml};
    d->tb.publish = (uint32_t)publish;
    p = d->buf + nl + 1 + ml + 1;
    while (*p != '\0') {
        char *end = strchr(p, ','), *c1 = strchr(p, ':'), *c2;
        uint32_t i = d->tb.n_cols;
        if (end == NULL) end = p + strlen(p);
        if (c1 == NULL || c1 > end) fail_msg("spec '%s': a column without a format", spec);
        c2 = strchr(c1 + 1, ':');
        if (c2 == NULL || c2 > end) c2 = end; /* no role */
        d->tb.col_names[i] = (wire_str_t){p, (uint32_t)(c1 - p)};
        d->tb.col_formats[i] = (wire_str_t){c1 + 1, (uint32_t)(c2 - c1 - 1)};
        d->tb.col_merge[i] =
            c2 < end ? (wire_str_t){c2 + 1, (uint32_t)(end - c2 - 1)} : (wire_str_t){"", 0};
        d->tb.n_cols++;
        p = *end == ',' ? end + 1 : end;
    }
}

/* TABLE_BEGIN, the rows and TABLE_END to report_out; returns the first error
 * (rows after it are not fed). */
static inline int rh_feed_rc(report_out_t *o, const char *name, int publish, const char *spec,
                             const wire_table_row_t *rows, size_t n)
{
    rh_tdef_t d;
    wire_table_end_t te = {{name, (uint32_t)strlen(name)}, n};
    int rc;

    rh_tdef(&d, name, publish, "owner", spec);
    if ((rc = report_out_table_begin(o, &d.tb)) != KPM_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        if ((rc = report_out_table_row(o, &rows[i])) != KPM_OK) return rc;
    }
    return report_out_table_end(o, &te);
}

static inline void rh_feed(report_out_t *o, const char *name, int publish, const char *spec,
                           const wire_table_row_t *rows, size_t n)
{
    if (rh_feed_rc(o, name, publish, spec, rows, n) != KPM_OK)
        fail_msg("%s: %s", name, report_out_error(o));
}

/* ---- a scratch directory per test ---- */

typedef struct {
    char dir[64];
} rh_tmpdir_t;

static inline int rh_tmpdir_setup(void **state)
{
    rh_tmpdir_t *t = calloc(1, sizeof *t);

    if (t == NULL) return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/kpm_test_report.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

/* Removes dir with its files and subdirectories (the report's dashboard/). */
static inline void rh_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char *p;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        p = fs_join(dir, e->d_name);
        if (p != NULL && unlink(p) != 0) rh_rmtree(p);
        free(p);
    }
    if (d != NULL) closedir(d);
    rmdir(dir);
}

static inline int rh_tmpdir_teardown(void **state)
{
    rh_tmpdir_t *t = *state;

    if (getenv("RH_KEEP") != NULL) { /* to look at what a test wrote */
        fprintf(stderr, "kept: %s\n", t->dir);
        free(t);
        return 0;
    }
    rh_rmtree(t->dir);
    free(t);
    return 0;
}

static inline const char *rh_dir(void **state)
{
    return ((rh_tmpdir_t *)*state)->dir;
}

/* The file's content (caller frees), or NULL when it does not exist. */
static inline char *rh_slurp(void **state, const char *name)
{
    char *path = fs_join(rh_dir(state), name);
    char *buf = NULL;
    int rc = fs_read_all(path, &buf, NULL);

    free(path);
    return rc == KPM_OK ? buf : NULL;
}

#endif
