/* make_corpus.c - writes the fuzz targets' seed corpus from the end-to-end
 * fixtures and the sample inbox:
 *
 *   fuzz_make_corpus ROOT OUT
 *
 * OUT/fuzz_ingest_file: each fixture file (cut to CUT bytes at a line end)
 *   behind its kind byte;
 * OUT/fuzz_wire_decode: the first messages ingest emits for each file, and
 *   the control messages (BEGIN, END with COUNTS, ACK, RESUME, BYE);
 * OUT/fuzz_aggregate_apply: per fixture set, one message with all its records;
 * OUT/fuzz_report_tables: the tables aggregate computes from those, one
 *   message per table and one with all tables (the aux bits that pick
 *   rapport.html and kpm.sqlite vary).
 * Run by hand when the fixtures or the wire format change (docs/TESTING.md).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batcher.h"
#include "catalog.h"
#include "fuzz_util.h"
#include "ingest_file.h"
#include "kpm_err.h"
#include "state.h"
#include "tables.h"
#include "tables_cmp_config.h"

#define CUT 8192              /* bytes of a fixture file kept */
#define WIRE_PER_FILE 2       /* ingest messages kept per file */
#define MAX_SEED (160 * 1024) /* a message seed larger than this is left out */
#define STREAM "20261126T030000Z"

static const struct {
    const char *tag;
    const char *dirs[3];
} sets[] = {
    {"survey", {"tests/e2e/survey/inbox"}},
    {"mon1", {"tests/e2e/monitoring/night1"}},
    {"mon12", {"tests/e2e/monitoring/night1", "tests/e2e/monitoring/night2"}},
    {"sample", {"samples/inbox"}},
};

static const char *out_root;
static const catalog_t *cat;
static size_t written, bytes;
static const pseudonym_key_t corpus_key = {{0}}; /* fixed: the same corpus every time */

static void put_file(const char *target, const char *name, const void *buf, size_t len)
{
    char path[2048];
    if (len > MAX_SEED && strcmp(target, "fuzz_ingest_file") != 0) return;
    snprintf(path, sizeof path, "%s/%s", out_root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_root, target, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
        fuzz_fail("cannot write %s", path);
    written++;
    bytes += len;
}

/* Records of a set, gathered into one message. */
static wire_writer_t *all;

static int on_ingest_msg(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    static wire_reader_t *rd;
    static wire_record_t rec;
    const char *label = ctx;
    char name[600];
    wire_header_t h;
    if (label && seq < WIRE_PER_FILE) {
        snprintf(name, sizeof name, "%s-%llu", label, (unsigned long long)seq);
        put_file("fuzz_wire_decode", name, buf, len);
    }
    if (!rd && !(rd = wire_reader_new())) fuzz_fail("out of memory");
    if (wire_reader_open(rd, buf, len, &h) != KPM_OK) fuzz_fail("%s", wire_reader_error(rd));
    while (wire_reader_next(rd, &rec) == 1)
        if (wire_writer_put(all, &rec) != KPM_OK) fuzz_fail("cannot re-encode a record");
    return KPM_OK;
}

static int kind_of(const char *name)
{
    size_t len = strcspn(name, "_-.");
    for (size_t i = 0; i < FUZZ_N_KINDS; i++)
        if (strlen(fuzz_kinds[i]) == len && strncmp(fuzz_kinds[i], name, len) == 0) return (int)i;
    return -1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Has dir been ingested for an earlier set? Then its seeds are written already. */
static int seen_before(const char *dir)
{
    static const char *seen[16];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(seen[i], dir) == 0) return 1;
    if (n < 16) seen[n++] = dir;
    return 0;
}

static void ingest_dir(const char *root, const char *dir, const char *tag)
{
    char path[2048], label[600];
    int seeds = !seen_before(dir);
    static char buf[CUT + 1];
    snprintf(path, sizeof path, "%s/%s", root, dir);
    DIR *d = opendir(path);
    if (!d) fuzz_fail("cannot open %s", path);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256)
        if (kind_of(e->d_name) >= 0) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s/%s", root, dir, names[i]);
        FILE *fp = fopen(path, "rb");
        if (!fp) fuzz_fail("cannot open %s", path);
        buf[0] = (char)kind_of(names[i]);
        size_t len = fread(buf + 1, 1, CUT, fp);
        int more = fgetc(fp) != EOF;
        fclose(fp);
        if (more) /* cut at the last line end */
            while (len > 0 && buf[len] != '\n')
                len--;
        snprintf(label, sizeof label, "%s-%s", tag, names[i]);
        if (seeds) put_file("fuzz_ingest_file", label, buf, len + 1);

        snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), names[i]);
        if (!(fp = fopen(path, "wb")) || fwrite(buf + 1, 1, len, fp) != len || fclose(fp) != 0)
            fuzz_fail("cannot write %s", path);
        batcher_t *b = batcher_new(STREAM, 16, 4096, on_ingest_msg, seeds ? label : NULL);
        ingest_result_t res;
        memset(&res, 0, sizeof res);
        if (!b || ingest_file(cat, &corpus_key, b, path, names[i], &res) != KPM_OK ||
            batcher_flush(b) != KPM_OK)
            fuzz_fail("cannot ingest %s", names[i]);
        batcher_destroy(&b);
        remove(path);
        free(names[i]);
    }
}

/* Splits a message of whole tables into one message per table. */
static void split_tables(const char *buf, size_t len, const char *tag)
{
    wire_reader_t *rd = wire_reader_new();
    wire_writer_t *w = wire_writer_new();
    static wire_record_t rec;
    wire_header_t h;
    char name[600], table[80] = "";
    uint64_t n_tables = 0;
    if (!rd || !w || wire_reader_open(rd, buf, len, &h) != KPM_OK) fuzz_fail("cannot split");
    while (wire_reader_next(rd, &rec) == 1) {
        if (rec.kind == WIRE_REC_TABLE_BEGIN) {
            wire_writer_begin(w, WIRE_MSG_DATA, STREAM, 1, n_tables++ % 4);
            snprintf(table, sizeof table, "%.*s", (int)rec.u.table_begin.name.len,
                     rec.u.table_begin.name.ptr);
        }
        if (wire_writer_put(w, &rec) != KPM_OK) fuzz_fail("cannot re-encode a table record");
        if (rec.kind == WIRE_REC_TABLE_END) {
            size_t n;
            const char *m = wire_writer_finish(w, &n);
            snprintf(name, sizeof name, "%s-%s", tag, table);
            put_file("fuzz_report_tables", name, m, n);
        }
    }
    wire_reader_destroy(&rd);
    wire_writer_destroy(&w);
}

static int gather(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    (void)ctx;
    (void)seq;
    return on_ingest_msg(NULL, 1000, buf, len);
}

static void make_set(const char *root, size_t i)
{
    char name[600];
    size_t len;
    wire_writer_begin(all, WIRE_MSG_DATA, STREAM, 1, 5); /* aux 5: the default min_cell */
    for (size_t k = 0; k < 3 && sets[i].dirs[k]; k++)
        ingest_dir(root, sets[i].dirs[k], sets[i].tag);
    const char *msg = wire_writer_finish(all, &len);
    snprintf(name, sizeof name, "%s-all", sets[i].tag);
    put_file("fuzz_aggregate_apply", name, msg, len);

    /* The tables of that state, as aggregate sends them. */
    wire_header_t h;
    static wire_record_t rec;
    wire_reader_t *rd = wire_reader_new();
    agg_state_t *s = state_new(cat);
    if (!rd || !s || wire_reader_open(rd, msg, len, &h) != KPM_OK) fuzz_fail("cannot read back");
    while (wire_reader_next(rd, &rec) == 1)
        if (state_apply(s, &rec) != KPM_OK)
            fuzz_fail("cannot apply a %s", wire_rec_kind_name(rec.kind));
    wire_reader_destroy(&rd);
    wire_writer_begin(all, WIRE_MSG_DATA, STREAM, 1, 3); /* html and sqlite */
    batcher_t *b = batcher_new(STREAM, UINT32_MAX, SIZE_MAX, gather, NULL);
    char err[512];
    tables_cmp_config_t *cmp =
        tables_cmp_config_load(KPM_FUZZ_CONFIG_DIR "/vergelijkingen.csv", 0,
                               KPM_FUZZ_CONFIG_DIR "/groepen.csv", 0, err, sizeof err);
    if (!cmp) fuzz_fail("cannot load the comparisons: %s", err);
    tables_opts_t o = {.min_cell = 5,
                       .uren_per_dag = TABLES_UREN_PER_DAG,
                       .dagen_toegekend = TABLES_DAGEN_TOEGEKEND,
                       .cmp = cmp};
    uint64_t tables, rows;
    if (!b || tables_emit(s, &o, b, &tables, &rows) != KPM_OK || batcher_flush(b) != KPM_OK)
        fuzz_fail("cannot compute the tables");
    batcher_destroy(&b);
    tables_cmp_config_destroy(&cmp);
    state_destroy(&s);
    msg = wire_writer_finish(all, &len);
    snprintf(name, sizeof name, "%s-tables", sets[i].tag);
    put_file("fuzz_report_tables", name, msg, len);
    split_tables(msg, len, sets[i].tag);
}

static void control_messages(void)
{
    wire_writer_t *w = wire_writer_new();
    size_t len;
    const char *m;
    if (!w) fuzz_fail("out of memory");
    static const struct {
        wire_msg_t type;
        uint64_t seq, aux;
        const char *name;
    } ctl[] = {{WIRE_MSG_BEGIN, 0, 6, "ctl-begin"},
               {WIRE_MSG_ACK, 12, 11, "ctl-ack"},
               {WIRE_MSG_ACK, 3, WIRE_NO_SEQ, "ctl-ack-none"},
               {WIRE_MSG_RESUME, 7, 6, "ctl-resume"},
               {WIRE_MSG_BYE, 40, 0, "ctl-bye"}};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        wire_writer_begin(w, ctl[i].type, STREAM, ctl[i].seq, ctl[i].aux);
        m = wire_writer_finish(w, &len);
        put_file("fuzz_wire_decode", ctl[i].name, m, len);
    }
    wire_record_t c = {.kind = WIRE_REC_COUNTS};
    static const char *const names[] = {"file_begin", "file_end",  "reject",
                                        "koploper",   "deelnemer", "response"};
    c.u.counts.n = 6;
    for (uint32_t i = 0; i < 6; i++) {
        c.u.counts.names[i] = wire_str(names[i]);
        c.u.counts.counts[i] = 3 + i * 7;
    }
    wire_writer_begin(w, WIRE_MSG_END, STREAM, 40, 120);
    if (wire_writer_put(w, &c) != KPM_OK) fuzz_fail("cannot encode COUNTS");
    m = wire_writer_finish(w, &len);
    put_file("fuzz_wire_decode", "ctl-end", m, len);
    wire_writer_destroy(&w);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc != 3) {
        fprintf(stderr, "usage: %s ROOT OUT\n", argv[0]);
        return 2;
    }
    out_root = argv[2];
    mkdir(out_root, 0755);
    catalog_t *c = catalog_load(KPM_FUZZ_CATALOG, err, sizeof err);
    if (!c || !(all = wire_writer_new())) fuzz_fail("cannot load the catalogue: %s", err);
    cat = c;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        make_set(argv[1], i);
    control_messages();
    wire_writer_destroy(&all);
    catalog_destroy(&c);
    printf("%zu files, %zu bytes in %s\n", written, bytes, out_root);
    return 0;
}
