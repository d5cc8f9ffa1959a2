/* ingest_harness.h - helpers of the ingest tests: write a small delivered file,
 * run ingest_file() on it with a batcher whose emit decodes every message, and
 * look at the records and rejects that came out (in the fixture `fx`).
 * Include after <cmocka.h>; every helper asserts its own success. Use
 * ih_setup/ih_teardown as the group setup and teardown. */
#ifndef KPM_TEST_INGEST_HARNESS_H
#define KPM_TEST_INGEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batcher.h"
#include "catalog.h"
#include "ingest_file.h"
#include "kpm_err.h"
#include "wire.h"

#define STREAM "20210301T030000Z"

/* The pseudonym key of the tests: fixed, so the expected pseudonyms are too. */
static const pseudonym_key_t ih_key = {{'k', 'p', 'm', '-', 't', 'e', 's', 't'}};
#define MAX_MSGS 256
#define MAX_RECS 512

/* Everything one ingest_file() call put: the raw messages and their records
 * decoded by the wire reader (views into msgs[]). */
static struct {
    catalog_t *cat;
    char dir[64];
    ingest_result_t res;
    char *msgs[MAX_MSGS];
    size_t lens[MAX_MSGS];
    size_t n_msgs;
    wire_record_t *recs;
    size_t n_recs;
    wire_reader_t *rd;
} fx;

static inline int collect(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    (void)ctx;
    if (fx.n_msgs == MAX_MSGS || seq != fx.n_msgs) return KPM_EPROTO;
    char *copy = malloc(len);
    if (!copy) return KPM_ENOMEM;
    memcpy(copy, buf, len);
    fx.msgs[fx.n_msgs] = copy;
    fx.lens[fx.n_msgs++] = len;
    wire_header_t h;
    if (wire_reader_open(fx.rd, copy, len, &h) != KPM_OK || h.type != WIRE_MSG_DATA)
        return KPM_EPROTO;
    int r;
    while (fx.n_recs < MAX_RECS && (r = wire_reader_next(fx.rd, &fx.recs[fx.n_recs])) == 1)
        fx.n_recs++;
    return fx.n_recs < MAX_RECS && r == 0 ? KPM_OK : KPM_EPROTO;
}

static inline void clear(void)
{
    for (size_t i = 0; i < fx.n_msgs; i++)
        free(fx.msgs[i]);
    fx.n_msgs = 0;
    fx.n_recs = 0;
}

/* Writes `len` bytes as the file `name`, ingests it and decodes what came out. */
static inline int run(const char *name, const char *bytes, size_t len)
{
    char path[256];
    clear();
    snprintf(path, sizeof path, "%s/%s", fx.dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    batcher_t *b = batcher_new(STREAM, 3, 1 << 16, collect, NULL);
    assert_non_null(b);
    int rc = ingest_file(fx.cat, &ih_key, b, path, name, &fx.res);
    if (rc == KPM_OK) rc = batcher_flush(b);
    batcher_destroy(&b);
    unlink(path);
    return rc;
}

#define RUN(name, lit) assert_int_equal(run(name, lit, sizeof(lit) - 1), KPM_OK)

#define assert_wstr(w, lit)                                                                        \
    do {                                                                                           \
        char b_[2048];                                                                             \
        snprintf(b_, sizeof b_, "%.*s", (int)(w).len, (w).ptr);                                    \
        assert_string_equal(b_, lit);                                                              \
    } while (0)

static inline int bytes_contain(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(p + i, needle, n) == 0) return 1;
    return 0;
}

static inline int wstr_contains(wire_str_t w, const char *needle)
{
    return bytes_contain(w.ptr, w.len, needle);
}

/* True when any byte sequence of any message of the last run is `needle`. */
static inline int msgs_contain(const char *needle)
{
    for (size_t m = 0; m < fx.n_msgs; m++)
        if (bytes_contain(fx.msgs[m], fx.lens[m], needle)) return 1;
    return 0;
}

static inline size_t n_of(wire_rec_kind_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < fx.n_recs; i++)
        n += fx.recs[i].kind == kind;
    return n;
}

/* The i-th record of a kind. */
static inline const wire_record_t *nth(wire_rec_kind_t kind, size_t i)
{
    for (size_t k = 0; k < fx.n_recs; k++)
        if (fx.recs[k].kind == kind && i-- == 0) return &fx.recs[k];
    fail_msg("no %s record #%zu", wire_rec_kind_name(kind), i);
    return NULL;
}

static inline const wire_reject_t *rej(size_t i)
{
    return &nth(WIRE_REC_REJECT, i)->u.reject;
}

static inline void expect_reject(size_t i, uint32_t line, const char *column, const char *code)
{
    const wire_reject_t *r = rej(i);
    assert_wstr(r->code, code);
    assert_int_equal(r->line, line);
    assert_wstr(r->column, column);
    assert_int_equal(r->file.len, nth(WIRE_REC_FILE_BEGIN, 0)->u.file_begin.file.len);
    assert_memory_equal(r->file.ptr, nth(WIRE_REC_FILE_BEGIN, 0)->u.file_begin.file.ptr,
                        r->file.len);
}

/* FILE_BEGIN first, FILE_END last, with the counts of the result. */
static inline void expect_frame(const char *file, const char *kind, uint64_t rows,
                                uint64_t accepted, uint64_t rejected)
{
    assert_true(fx.n_recs >= 2);
    assert_int_equal(fx.recs[0].kind, WIRE_REC_FILE_BEGIN);
    assert_wstr(fx.recs[0].u.file_begin.file, file);
    assert_wstr(fx.recs[0].u.file_begin.kind, kind);
    const wire_record_t *e = &fx.recs[fx.n_recs - 1];
    assert_int_equal(e->kind, WIRE_REC_FILE_END);
    assert_wstr(e->u.file_end.file, file);
    assert_int_equal(e->u.file_end.rows, rows);
    assert_int_equal(e->u.file_end.accepted, accepted);
    assert_int_equal(e->u.file_end.rejected, rejected);
    assert_int_equal(n_of(WIRE_REC_FILE_BEGIN), 1);
    assert_int_equal(n_of(WIRE_REC_FILE_END), 1);
}

/* A whole-file problem: quarantined with exactly one reject and nothing else. */
static inline void expect_quarantine(const char *file, uint32_t line, const char *column,
                                     const char *code)
{
    assert_int_equal(fx.res.dispo, DISPO_QUARANTINE);
    assert_int_equal(fx.n_recs, 3);
    expect_frame(file, "", 0, 0, 0);
    expect_reject(0, line, column, code);
    assert_wstr(rej(0)->file, file);
    assert_int_equal(strncmp(fx.res.reason, code, strlen(code)), 0);
}

static inline int ih_setup(void **state)
{
    (void)state;
    char err[256];
    fx.cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    fx.rd = wire_reader_new();
    fx.recs = calloc(MAX_RECS, sizeof *fx.recs);
    snprintf(fx.dir, sizeof fx.dir, "/tmp/kpm-ingest-test.XXXXXX");
    if (!fx.cat || !fx.rd || !fx.recs || !mkdtemp(fx.dir)) return -1;
    return 0;
}

static inline int ih_teardown(void **state)
{
    (void)state;
    clear();
    rmdir(fx.dir);
    catalog_destroy(&fx.cat);
    wire_reader_destroy(&fx.rd);
    free(fx.recs);
    return 0;
}

#endif
