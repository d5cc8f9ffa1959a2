/* fuzz_aggregate_apply.c - aggregate's message handling: decode arbitrary bytes
 * as a message, apply every record to a state (state_apply) as aggregate does,
 * then compute the tables (tables_emit).
 *
 * Checks: every message tables_emit produces decodes; and a checkpoint keeps
 * what counts: the state dumped (state_dump) and applied to an empty state
 * gives byte-identical tables. The header's aux picks the options: aux % 10
 * is the small-cell threshold, and the comparisons of config/ (as kpm-aggregate
 * loads them by default) are made unless (aux / 10) is odd.
 */
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "catalog.h"
#include "fuzz_util.h"
#include "kpm_err.h"
#include "state.h"
#include "tables.h"
#include "tables_cmp_config.h"

#define STREAM "20261126T030000Z"

typedef struct {
    char *buf;
    size_t len, cap;
} bytes_t;

static const catalog_t *catalogue(void)
{
    static catalog_t *cat;
    char err[512];
    if (!cat && !(cat = catalog_load(KPM_FUZZ_CATALOG, err, sizeof err)))
        fuzz_fail("cannot load the catalogue: %s", err);
    return cat;
}

static const tables_cmp_config_t *comparisons(void)
{
    static tables_cmp_config_t *cmp;
    char err[512];
    if (!cmp &&
        !(cmp = tables_cmp_config_load(KPM_FUZZ_CONFIG_DIR "/vergelijkingen.csv", 0,
                                       KPM_FUZZ_CONFIG_DIR "/groepen.csv", 0, err, sizeof err)))
        fuzz_fail("cannot load the comparisons: %s", err);
    return cmp;
}

/* Emit for tables_emit: checks the message and appends it to a bytes_t. */
static int collect(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    bytes_t *b = ctx;
    fuzz_check_message(buf, len, seq, NULL);
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2;
        char *p = realloc(b->buf, cap);
        if (!p) fuzz_fail("out of memory");
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, buf, len);
    b->len += len;
    return KPM_OK;
}

/* Emit for state_dump: applies the dumped records to the state in ctx. */
static int restore(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    static wire_reader_t *rd;
    static wire_record_t rec;
    wire_header_t h;
    (void)seq;
    if (!rd && !(rd = wire_reader_new())) fuzz_fail("out of memory");
    if (wire_reader_open(rd, buf, len, &h) != KPM_OK)
        fuzz_fail("a checkpoint message does not decode: %s", wire_reader_error(rd));
    int rc;
    while ((rc = wire_reader_next(rd, &rec)) == 1) {
        int arc = state_apply(ctx, &rec);
        if (arc != KPM_OK)
            fuzz_fail("a dumped %s record does not apply: %s", wire_rec_kind_name(rec.kind),
                      kpm_strerror(arc));
    }
    if (rc != 0) fuzz_fail("a checkpoint record does not decode: %s", wire_reader_error(rd));
    return KPM_OK;
}

static void emit_tables(const agg_state_t *s, const tables_opts_t *o, bytes_t *out)
{
    batcher_t *b = batcher_new(STREAM, 1024, 256 * 1024, collect, out);
    if (!b) fuzz_fail("out of memory");
    uint64_t tables = 0, rows = 0;
    int rc = tables_emit(s, o, b, &tables, &rows);
    if (rc == KPM_OK) rc = batcher_flush(b);
    if (rc != KPM_OK) fuzz_fail("tables_emit failed: %s", kpm_strerror(rc));
    batcher_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wire_reader_t *rd;
    static wire_record_t rec;
    const catalog_t *cat = catalogue();
    if (!rd && !(rd = wire_reader_new())) fuzz_fail("out of memory");
    wire_header_t h;
    if (wire_reader_open(rd, (const char *)data, size, &h) != KPM_OK) return 0;

    agg_state_t *s = state_new(cat), *s2 = state_new(cat);
    if (!s || !s2) fuzz_fail("out of memory");
    uint64_t applied = 0;
    while (wire_reader_next(rd, &rec) == 1) {
        if (rec.kind == WIRE_REC_COUNTS) continue; /* checked by aggregate_run, not applied */
        int rc = state_apply(s, &rec);
        if (rc == KPM_ENOMEM) fuzz_fail("state_apply: out of memory");
        if (rc != KPM_OK) break;
        applied++;
    }

    tables_opts_t o = {.min_cell = (int)(h.aux % 10),
                       .uren_per_dag = TABLES_UREN_PER_DAG,
                       .dagen_toegekend = TABLES_DAGEN_TOEGEKEND,
                       .cmp = (h.aux / 10) % 2 ? NULL : comparisons()};
    bytes_t t1 = {0}, t2 = {0};
    emit_tables(s, &o, &t1);

    batcher_t *b = batcher_new(STREAM, 1024, 256 * 1024, restore, s2);
    if (!b) fuzz_fail("out of memory");
    int rc = state_dump(s, b);
    if (rc != KPM_OK) fuzz_fail("state_dump failed: %s", kpm_strerror(rc));
    batcher_destroy(&b);
    emit_tables(s2, &o, &t2);
    if (t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len) != 0)
        fuzz_fail("the tables of a state restored from its checkpoint differ (%zu vs %zu bytes, "
                  "%llu records applied)",
                  t1.len, t2.len, (unsigned long long)applied);

    free(t1.buf);
    free(t2.buf);
    state_destroy(&s);
    state_destroy(&s2);
    return 0;
}
