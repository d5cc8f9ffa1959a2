/* fuzz_ingest_file.c - the CSV-to-record path: one delivered file through
 * ingest_file() with the real catalogue.
 *
 * Input: one byte that picks the file's kind (byte % 10, in the order of
 * fuzz_kinds[]), then the file's bytes. Every message ingest emits must decode,
 * carry the seq the batcher gave it, and the file's records must run from
 * FILE_BEGIN to FILE_END. The file must also read the same through csvin's
 * fast path for plain lines as through libcsv alone (rows, fields, line numbers,
 * flags).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "catalog.h"
#include "csvin.h"
#include "fuzz_util.h"
#include "ingest_file.h"
#include "kpm_err.h"

typedef struct {
    uint64_t messages;
    uint64_t records;
    wire_rec_kind_t first, last;
    uint64_t file_ends;
} seen_t;

/* Any fixed key: the pseudonyms only have to be the same on every run. */
static const pseudonym_key_t fuzz_key = {{0}};

static int check_emit(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    seen_t *s = ctx;
    fuzz_msg_info_t mi;
    fuzz_check_message(buf, len, seq, &mi);
    if (mi.hdr.type != WIRE_MSG_DATA)
        fuzz_fail("ingest emitted a %s message", wire_msg_name(mi.hdr.type));
    if (mi.records == 0) fuzz_fail("ingest emitted an empty DATA message");
    if (s->messages++ == 0) s->first = mi.first;
    s->last = mi.last;
    s->records += mi.records;
    return KPM_OK;
}

static const catalog_t *catalogue(void)
{
    static catalog_t *cat;
    char err[512];
    if (!cat && !(cat = catalog_load(KPM_FUZZ_CATALOG, err, sizeof err)))
        fuzz_fail("cannot load the catalogue: %s", err);
    return cat;
}

static csvin_t *open_csv(const char *path, int fast)
{
    char err[512];
    csvin_t *r = csvin_open(path, err, sizeof err);
    if (!r) fuzz_fail("csvin_open: %s", err);
    csvin_set_fast_path(r, fast);
    return r;
}

/* The same rows with and without csvin's fast path. */
static void check_csv_paths(const char *path)
{
    csvin_t *a = open_csv(path, 1), *b = open_csv(path, 0);
    for (long row = 1;; row++) {
        csvin_row_t x, y;
        int ra = csvin_next(a, &x), rb = csvin_next(b, &y);
        if (ra != rb)
            fuzz_fail("row %ld: csvin returned %d with its fast path, %d without", row, ra, rb);
        if (ra != 1) break;
        if (x.n != y.n || x.line != y.line || x.too_wide != y.too_wide ||
            x.field_too_long != y.field_too_long || x.unterminated != y.unterminated ||
            x.bad_quote != y.bad_quote)
            fuzz_fail("row %ld: fields or flags differ with and without csvin's fast path", row);
        for (size_t f = 0; f < x.n; f++)
            if (x.lens[f] != y.lens[f] || memcmp(x.fields[f], y.fields[f], x.lens[f]) != 0)
                fuzz_fail("row %ld, field %zu differs with and without csvin's fast path", row,
                          f + 1);
    }
    csvin_close(&a);
    csvin_close(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const catalog_t *cat = catalogue();
    char name[64], path[1024];
    snprintf(name, sizeof name, "%s_x.csv", fuzz_kinds[data[0] % FUZZ_N_KINDS]);
    snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
    FILE *fp = fopen(path, "wb");
    if (!fp) fuzz_fail("cannot create %s", path);
    if (size > 1 && fwrite(data + 1, 1, size - 1, fp) != size - 1)
        fuzz_fail("cannot write %s", path);
    if (fclose(fp) != 0) fuzz_fail("cannot write %s", path);
    check_csv_paths(path);

    seen_t seen = {0};
    /* Small messages, so that boundaries inside a file are exercised too. */
    batcher_t *b = batcher_new("20261126T030000Z", 16, 4096, check_emit, &seen);
    if (!b) fuzz_fail("out of memory");
    ingest_result_t res;
    memset(&res, 0, sizeof res);
    int rc = ingest_file(cat, &fuzz_key, b, path, name, &res);
    if (rc == KPM_OK) rc = batcher_flush(b);
    if (rc == KPM_OK) {
        uint64_t put = batcher_records(b);
        if (seen.records != put)
            fuzz_fail("ingest put %llu records but the messages hold %llu", (unsigned long long)put,
                      (unsigned long long)seen.records);
        if (seen.first != WIRE_REC_FILE_BEGIN || seen.last != WIRE_REC_FILE_END)
            fuzz_fail("the file's records run from %s to %s, not file_begin to file_end",
                      wire_rec_kind_name(seen.first), wire_rec_kind_name(seen.last));
    } else if (rc != KPM_ENOMEM) {
        fuzz_fail("ingest_file returned %d (%s) for a readable file", rc, kpm_strerror(rc));
    }
    batcher_destroy(&b);
    remove(path);
    return 0;
}
