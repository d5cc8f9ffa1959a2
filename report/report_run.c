/* report_run.c - the report stage's loop (see report_run.h). */
#include "report_run.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "filelist.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "merge.h"
#include "report_out.h"
#include "stage.h"
#include "stage_net.h"

/* What one aggregate worker sent of the current night. */
typedef struct {
    link_in_t *in;
    char night[WIRE_STREAM_MAX]; /* the stream its part belongs to ("" none yet) */
    uint64_t tables, rows;       /* received in that stream */
    uint64_t end_seq;            /* with complete: the END's seq */
    int complete;                /* END received and its counts checked */
    uint32_t n_counts;           /* the END's counts, for run-manifest.json */
    char count_names[WIRE_MAX_COUNTS][24];
    uint64_t counts[WIRE_MAX_COUNTS];
} part_t;

typedef struct {
    const report_opts_t *o;
    unsigned workers;
    char done_path[4200]; /* STATE/report/last-night: "<night> <end seq per worker>..." */
    part_t part[KPM_MAX_WORKERS];
    merge_t *merge;
    wire_reader_t *rd;
    char night[WIRE_STREAM_MAX]; /* the night last written */
    uint64_t tables, rows, records;
    int pg_rc;        /* the last night's PostgreSQL load */
    char why[1024];   /* why the outputs could not be written (for the status file) */
    char started[32]; /* when this process began to receive the night (UTC) */
    filelist_t files; /* the night's files (file_end records of worker 0) */
} rep_t;

static void utc_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The night's start from its id "YYYYMMDDTHHMMSSZ-N" (as ingest names a night)
 * as "YYYY-MM-DDTHH:MM:SSZ"; "" for an id given otherwise. */
static void night_start(const char *night, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < 15; i++)
        if (i == 8 ? night[i] != 'T' : (night[i] < '0' || night[i] > '9')) return;
    if (night[15] != 'Z') return;
    snprintf(buf, len, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", night, night + 4, night + 6, night + 9,
             night + 11, night + 13);
}

/* A worker's count of a name from its END, 0 when absent. */
static uint64_t part_count(const part_t *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_counts; i++)
        if (strcmp(p->count_names[i], name) == 0) return p->counts[i];
    return 0;
}

/* A growing text; after a failed allocation it stays short and oom is set. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} text_t;

/* Appends to t with printf. */
static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_t *t, const char *fmt, ...)
{
    va_list ap;
    for (int pass = 0; pass < 2 && !t->oom; pass++) {
        va_start(ap, fmt);
        int k = vsnprintf(t->p ? t->p + t->n : NULL, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k < 0) t->oom = 1;
        if (k < 0 || (size_t)k < t->cap - t->n) {
            t->n += k < 0 ? 0 : (size_t)k;
            return;
        }
        size_t cap = (t->cap ? t->cap : 4096) * 2 + (size_t)k;
        char *p = realloc(t->p, cap);
        if (!p)
            t->oom = 1;
        else
            t->p = p, t->cap = cap;
    }
}

/* A JSON string of a file name (UTF-8: ingest shows other bytes as U+FFFD). */
static void put_json_str(text_t *t, const char *s)
{
    put(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(t, "\\%c", c);
        else if (c < 0x20)
            put(t, "\\u%04x", c);
        else
            put(t, "%c", c);
    }
    put(t, "\"");
}

/* run-manifest.json (docs/OUTPUTS.md): the night, its times, and what each
 * stage passed on. ingest's records are those aggregate received (checked
 * against ingest's END, so equal to what ingest sent); with workers, the
 * broadcast kinds (file_begin, file_end, koploper, gemeente) reach every worker
 * and are counted once per worker in the aggregate section. */
static int write_manifest(rep_t *r, double secs)
{
    char path[4200], when[32], start[32];
    text_t t = {0};
    uint64_t rejects = 0, agg_in = 0;
    utc_now(when, sizeof when);
    night_start(r->night, start, sizeof start);
    snprintf(path, sizeof path, "%s/run-manifest.json", r->o->out_dir);
    for (unsigned w = 0; w < r->workers; w++)
        rejects += part_count(&r->part[w], "reject");
    put(&t, "{\n  \"schema_version\": 2,\n  \"nacht\": \"%s\",\n", r->night);
    if (start[0])
        put(&t, "  \"gestart_op\": \"%s\",\n", start);
    else
        put(&t, "  \"gestart_op\": null,\n");
    put(&t,
        "  \"report_gestart_op\": \"%s\",\n  \"geschreven_op\": \"%s\",\n"
        "  \"tabellen\": %llu,\n  \"rijen\": %llu,\n  \"records_ontvangen\": %llu,\n"
        "  \"aggregate_workers\": %u,\n  \"seconden_report\": %.3f,\n  \"stages\": {\n",
        r->started, when, (unsigned long long)r->tables, (unsigned long long)r->rows,
        (unsigned long long)r->records, r->workers, secs);
    put(&t, "    \"ingest\": {\"bestanden\": %llu, \"afwijzingen\": %llu},\n    \"aggregate\": [",
        (unsigned long long)part_count(&r->part[0], "file_end"), (unsigned long long)rejects);
    for (unsigned w = 0; w < r->workers; w++) {
        const part_t *p = &r->part[w];
        agg_in = 0;
        put(&t, "%s\n      {\"worker\": %u, \"records_in\": {", w ? "," : "", w);
        for (uint32_t i = 0, first = 1; i < p->n_counts; i++) {
            if (!strcmp(p->count_names[i], "tables") || !strcmp(p->count_names[i], "rows"))
                continue;
            put(&t, "%s\"%s\": %llu", first ? "" : ", ", p->count_names[i],
                (unsigned long long)p->counts[i]);
            agg_in += p->counts[i];
            first = 0;
        }
        put(&t, "}, \"records_in_totaal\": %llu, \"tabellen\": %llu, \"rijen\": %llu}",
            (unsigned long long)agg_in, (unsigned long long)part_count(p, "tables"),
            (unsigned long long)part_count(p, "rows"));
    }
    put(&t,
        "\n    ],\n    \"report\": {\"records_in\": %llu, \"tabellen\": %llu, \"rijen\": %llu}\n"
        "  },\n  \"bestanden\": [",
        (unsigned long long)r->records, (unsigned long long)r->tables, (unsigned long long)r->rows);
    for (size_t i = 0; i < r->files.n; i++) {
        const filelist_entry_t *e = &r->files.v[i];
        put(&t, "%s\n    {\"bestand\": ", i ? "," : "");
        put_json_str(&t, e->file);
        put(&t, ", \"regels\": %llu, \"geaccepteerd\": %llu, \"afgewezen\": %llu, \"sha256\": ",
            (unsigned long long)e->rows, (unsigned long long)e->accepted,
            (unsigned long long)e->rejected);
        if (e->sha256[0])
            put(&t, "\"%s\"}", e->sha256);
        else
            put(&t, "null}");
    }
    put(&t, "%s]\n}\n", r->files.n ? "\n  " : "");
    int rc = t.oom ? KPM_ENOMEM : fs_write_atomic(path, t.p, t.n);
    free(t.p);
    return rc;
}

/* The file kinds of the data contract, for the per-kind metrics: a file counts
 * under the kind its name starts with ("gebruik_2021.csv"), anything else under
 * "overig" (a fixed set of label values, whatever names arrive). */
static const char *const metric_kinds[] = {"koplopers",   "deelnemers",    "uitvraag", "gebruik",
                                           "adviesinzet", "bijeenkomsten", "middelen", "ervaring",
                                           "gemeenten",   "voordrachten",  "overig"};
#define N_METRIC_KINDS (sizeof metric_kinds / sizeof metric_kinds[0])

static size_t metric_kind_of(const char *file)
{
    for (size_t k = 0; k + 1 < N_METRIC_KINDS; k++) {
        size_t len = strlen(metric_kinds[k]);
        if (!strncmp(file, metric_kinds[k], len) && (file[len] == '_' || file[len] == '.'))
            return k;
    }
    return N_METRIC_KINDS - 1;
}

/* The night's rows and rejected rows per file kind, from the files' FILE_END
 * figures (docs/METRICS.md), as metric families for report.prom. */
static char *kind_metrics(const rep_t *r)
{
    uint64_t rows[N_METRIC_KINDS] = {0}, rejected[N_METRIC_KINDS] = {0};
    for (size_t i = 0; i < r->files.n; i++) {
        size_t k = metric_kind_of(r->files.v[i].file);
        rows[k] += r->files.v[i].rows;
        rejected[k] += r->files.v[i].rejected;
    }
    text_t t = {0};
    put(&t, "# HELP kpm_night_rows Data rows read in the last night, per file kind.\n"
            "# TYPE kpm_night_rows gauge\n");
    for (size_t k = 0; k < N_METRIC_KINDS; k++)
        put(&t, "kpm_night_rows{stage=\"report\",kind=\"%s\"} %llu\n", metric_kinds[k],
            (unsigned long long)rows[k]);
    put(&t, "# HELP kpm_night_rows_rejected Rows rejected in the last night, per file kind.\n"
            "# TYPE kpm_night_rows_rejected gauge\n");
    for (size_t k = 0; k < N_METRIC_KINDS; k++)
        put(&t, "kpm_night_rows_rejected{stage=\"report\",kind=\"%s\"} %llu\n", metric_kinds[k],
            (unsigned long long)rejected[k]);
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

/* Reads STATE/report/last-night: the night written last and the END seq of each
 * worker's stream. Returns 1 when present and for this many workers. */
static int load_done(rep_t *r, uint64_t *end_seq)
{
    char *buf;
    size_t len;
    if (fs_read_all(r->done_path, &buf, &len) != KPM_OK) return 0;
    int used = 0, ok = sscanf(buf, "%63s%n", r->night, &used) == 1;
    const char *p = buf + used;
    for (unsigned w = 0; ok && w < r->workers; w++) {
        char *end;
        end_seq[w] = strtoull(p, &end, 10);
        ok = end != p;
        p = end;
    }
    while (ok && (*p == ' ' || *p == '\n'))
        p++;
    ok = ok && *p == '\0'; /* written for as many workers as there are now */
    free(buf);
    if (!ok) r->night[0] = '\0';
    return ok;
}

static int save_done(rep_t *r)
{
    char done[64 + WIRE_STREAM_MAX + KPM_MAX_WORKERS * 24];
    size_t n = (size_t)snprintf(done, sizeof done, "%s", r->night);
    for (unsigned w = 0; w < r->workers; w++)
        n += (size_t)snprintf(done + n, sizeof done - n, " %llu",
                              (unsigned long long)r->part[w].end_seq);
    n += (size_t)snprintf(done + n, sizeof done - n, "\n");
    return fs_write_atomic(r->done_path, done, n);
}

static const char *worker_label(const rep_t *r, unsigned w)
{
    static char label[48];
    if (r->workers == 1) return "aggregate";
    snprintf(label, sizeof label, "aggregate worker %u", w);
    return label;
}

/* A count's name fit for run-manifest.json: 1 to 23 of [a-z0-9_.]. */
static int is_count_name(wire_str_t s)
{
    if (s.len == 0 || s.len >= sizeof((part_t *)0)->count_names[0]) return 0;
    for (uint32_t i = 0; i < s.len; i++)
        if (!((s.ptr[i] >= 'a' && s.ptr[i] <= 'z') || (s.ptr[i] >= '0' && s.ptr[i] <= '9') ||
              s.ptr[i] == '_' || s.ptr[i] == '.'))
            return 0;
    return 1;
}

static int check_end(rep_t *r, unsigned w, const wire_counts_t *c)
{
    part_t *p = &r->part[w];
    p->n_counts = 0;
    for (uint32_t i = 0; i < c->n && i < WIRE_MAX_COUNTS; i++) {
        if (!is_count_name(c->names[i])) continue; /* never into the JSON as it came */
        snprintf(p->count_names[p->n_counts], sizeof p->count_names[0], "%.*s",
                 (int)c->names[i].len, c->names[i].ptr);
        p->counts[p->n_counts++] = c->counts[i];
    }
    for (uint32_t i = 0; i < c->n; i++) {
        uint64_t got = wire_str_eq(c->names[i], "tables") ? p->tables
                       : wire_str_eq(c->names[i], "rows") ? p->rows
                                                          : c->counts[i];
        if (got != c->counts[i]) {
            log_error("night %s: %s sent %llu %.*s, %llu arrived; outputs not written", p->night,
                      worker_label(r, w), (unsigned long long)c->counts[i], (int)c->names[i].len,
                      c->names[i].ptr, (unsigned long long)got);
            return KPM_EGAP;
        }
    }
    return KPM_OK;
}

static int check_shard(rep_t *r, unsigned w, const wire_counts_t *c)
{
    char err[256];
    if (wire_shard_check(c, w, r->workers, err, sizeof err) == KPM_OK) return KPM_OK;
    log_error("night %s: the stream on the endpoint of %s %s", r->part[w].night, worker_label(r, w),
              err);
    return KPM_ESTATE;
}

/* Adds one message of worker w to its part. */
static int take(rep_t *r, unsigned w, const link_msg_t *msg)
{
    static wire_record_t rec;
    part_t *p = &r->part[w];
    if (msg->hdr.type == WIRE_MSG_BEGIN || strcmp(p->night, msg->hdr.stream) != 0) {
        merge_reset(r->merge, w);
        if (w == 0) filelist_clear(&r->files);
        snprintf(p->night, sizeof p->night, "%s", msg->hdr.stream);
        p->tables = p->rows = 0;
        p->complete = 0;
        stage_status("receiving", p->night, 0, 0, NULL);
    }
    wire_header_t h;
    int rc = wire_reader_open(r->rd, msg->buf, msg->len, &h);
    while (rc == KPM_OK && (rc = wire_reader_next(r->rd, &rec)) == 1) {
        rc = KPM_OK;
        switch (rec.kind) {
        case WIRE_REC_TABLE_BEGIN:
            rc = merge_table_begin(r->merge, w, &rec.u.table_begin);
            p->tables++;
            break;
        case WIRE_REC_TABLE_ROW:
            rc = merge_table_row(r->merge, w, &rec.u.table_row);
            p->rows++;
            break;
        case WIRE_REC_TABLE_END:
            rc = merge_table_end(r->merge, w, &rec.u.table_end);
            break;
        case WIRE_REC_FILE_END: /* the night's files, for run-manifest.json */
            rc = filelist_put(&r->files, &rec.u.file_end);
            break;
        case WIRE_REC_COUNTS:
            if (h.type == WIRE_MSG_END) rc = check_end(r, w, &rec.u.counts);
            if (h.type == WIRE_MSG_BEGIN) rc = check_shard(r, w, &rec.u.counts);
            break;
        default:
            log_error("night %s: unexpected %s record", p->night, wire_rec_kind_name(rec.kind));
            rc = KPM_EPROTO;
        }
        r->records++;
    }
    if (rc < 0) {
        log_error("night %s: %s, message %llu: %s", p->night, worker_label(r, w),
                  (unsigned long long)h.seq,
                  rc == KPM_EPROTO && merge_error(r->merge)[0] ? merge_error(r->merge)
                  : rc == KPM_EPROTO                           ? wire_reader_error(r->rd)
                                                               : kpm_strerror(rc));
        return rc;
    }
    if (h.type == WIRE_MSG_END) {
        log_debug("night %s: END %llu of %s", p->night, (unsigned long long)h.seq,
                  worker_label(r, w));
        p->complete = 1;
        p->end_seq = h.seq;
    }
    return KPM_OK;
}

/* Every worker's part of the same night is complete. */
static int night_complete(const rep_t *r)
{
    for (unsigned w = 0; w < r->workers; w++)
        if (!r->part[w].complete || strcmp(r->part[w].night, r->part[0].night) != 0) return 0;
    return 1;
}

/* Merges the parts and writes every output; then tells the workers. */
static int commit(rep_t *r)
{
    char err[1024];
    snprintf(r->night, sizeof r->night, "%s", r->part[0].night);
    report_out_opts_t oo = {.night = r->night, .html = 1, .sqlite = 1, .pg_conninfo = r->o->pg};
    report_out_t *out = report_out_open(r->o->out_dir, &oo, err, sizeof err);
    if (!out) {
        snprintf(r->why, sizeof r->why, "%s", err);
        log_error("%s", err);
        return KPM_EIO;
    }
    int rc = merge_emit(r->merge, &report_out_sink, out);
    if (rc) {
        snprintf(r->why, sizeof r->why, "%s",
                 rc == KPM_EPROTO && merge_error(r->merge)[0] ? merge_error(r->merge)
                 : report_out_error(out)[0]                   ? report_out_error(out)
                                                              : kpm_strerror(rc));
        log_error("night %s: cannot merge the workers' tables: %s; outputs not written", r->night,
                  r->why);
        goto out;
    }
    r->tables = merge_tables(r->merge);
    r->rows = merge_rows(r->merge);
    log_debug("night %s: tables merged and written; committing", r->night);
    if ((rc = report_out_commit(out)) != KPM_OK) {
        snprintf(r->why, sizeof r->why, "%s", report_out_error(out));
        log_error("night %s: cannot write the outputs: %s", r->night, r->why);
        goto out;
    }
    /* A failed PostgreSQL load does not hold the night back: the files are
     * complete, and every night loads all tables, so the next one catches up.
     * It fails the stage after the night is acknowledged (docs/DATABASE.md). */
    if ((r->pg_rc = report_out_commit_pg(out)) != KPM_OK)
        log_error("night %s: the output files are written, but the PostgreSQL load failed: %s; "
                  "the database keeps the night loaded before, and the next night loads every "
                  "table again",
                  r->night, report_out_error(out));
    log_debug("night %s: outputs committed", r->night);
    if ((rc = save_done(r))) goto out;
    for (unsigned w = 0; w < r->workers; w++)
        link_in_set_durable(r->part[w].in, r->part[w].end_seq, 1);
out:
    report_out_destroy(&out);
    return rc;
}

/* Receives from every worker until a night is complete and written. Returns
 * KPM_OK, KPM_ESTOP or an error. */
static int receive_night(rep_t *r)
{
    unsigned turn = 0;
    for (;;) {
        int got = 0, rc;
        for (unsigned w = 0; w < r->workers; w++) {
            link_msg_t msg;
            /* one blocking wait per round, on each worker in turn */
            int wait = w == turn ? (r->workers == 1 ? 200 : 20) : 0;
            rc = link_in_recv(r->part[w].in, &msg, wait);
            if (rc < 0) return rc;
            if (rc == 1) {
                got = 1;
                if ((rc = take(r, w, &msg))) return rc;
            }
        }
        if (!got) turn = (turn + 1) % r->workers;
        if (!night_complete(r)) continue;
        /* With --night, the links take that night's tables only (link_opts_t). */
        return commit(r);
    }
}

/* After the outputs are durable: lets each worker finish (its BYE). */
static int linger_all(rep_t *r)
{
    int rc = KPM_OK;
    for (unsigned w = 0; w < r->workers; w++) {
        int one = link_in_linger(r->part[w].in, 3000);
        if (one && !rc) rc = one;
    }
    return rc;
}

int report_run(const report_opts_t *o)
{
    char err[1024], dir[4200];
    rep_t r = {.o = o, .workers = o->workers ? o->workers : 1};
    stage_net_t net = {0};
    int rc = KPM_EIO;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    snprintf(dir, sizeof dir, "%s/report", o->state_dir);
    snprintf(r.done_path, sizeof r.done_path, "%s/last-night", dir);
    if (fs_mkdirs(dir, 0770) != KPM_OK || fs_mkdirs(o->out_dir, 0750) != KPM_OK) {
        stage_fail(rc, "cannot create '%s' or '%s': %s", dir, o->out_dir, strerror(errno));
        goto out;
    }
    if (!(r.rd = wire_reader_new()) || !(r.merge = merge_new(r.workers))) {
        rc = KPM_ENOMEM;
        goto out;
    }
    if ((rc = stage_net_open(&net, o->keys, "report"))) goto out;
    for (unsigned w = 0; w < r.workers; w++) {
        link_opts_t li = {.data_endpoint = o->in_endpoint[w],
                          .ack_endpoint = o->in_ack[w],
                          .stop = &stage_stop,
                          .curve = net.curve,
                          .peer = "aggregate",
                          .night = o->night};
        if (!(r.part[w].in = link_in_new(net.zctx, &li, err, sizeof err))) {
            rc = stage_fail(KPM_EZMQ, "%s", err);
            goto out;
        }
    }
    uint64_t end_seq[KPM_MAX_WORKERS];
    if (load_done(&r, end_seq)) {
        for (unsigned w = 0; w < r.workers; w++)
            link_in_expect(r.part[w].in, r.night, end_seq[w] + 1, end_seq[w], 1);
        if (o->night && strcmp(o->night, r.night) == 0) {
            /* Written before a restart: confirm it to the workers, then go. */
            log_info("night %s: outputs are written already", r.night);
            stage_status("done", r.night, 0, 0, NULL);
            rc = linger_all(&r);
            rc = rc == KPM_ESTOP ? KPM_OK : rc;
            goto out;
        }
    } else {
        for (unsigned w = 0; w < r.workers; w++)
            link_in_expect(r.part[w].in, "", 0, WIRE_NO_SEQ, 0);
    }
    stage_status("waiting", r.night, 0, 0, NULL);
    utc_now(r.started, sizeof r.started);
    if ((rc = receive_night(&r)) < 0) goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (write_manifest(&r, secs) != KPM_OK) log_warn("cannot write run-manifest.json");
    log_info("night %s: %llu tables, %llu rows written to '%s'", r.night,
             (unsigned long long)r.tables, (unsigned long long)r.rows, o->out_dir);
    char *kinds = kind_metrics(&r);
    stage_batch_done(&(stage_batch_t){.night = r.night,
                                      .records_in = r.records,
                                      .records_out = r.rows,
                                      .seconds = secs,
                                      .ok = !r.pg_rc,
                                      .extra = kinds});
    free(kinds);
    if (!r.pg_rc) stage_status("done", r.night, r.rows, r.rows, NULL);
    rc = linger_all(&r);
    if (rc == KPM_ESTOP) rc = KPM_OK; /* the outputs are complete */
    if (rc == KPM_OK) rc = r.pg_rc;
out:
    if (rc == KPM_ESTOP)
        stage_status("stopped", r.night, r.rows, 0, NULL);
    else if (rc)
        stage_status("failed", r.night, r.rows, 0,
                     r.pg_rc    ? "PostgreSQL load failed (files written)"
                     : r.why[0] ? r.why
                                : kpm_strerror(rc));
    for (unsigned w = 0; w < r.workers; w++)
        link_in_destroy(&r.part[w].in);
    merge_destroy(&r.merge);
    filelist_clear(&r.files);
    stage_net_close(&net);
    wire_reader_destroy(&r.rd);
    return rc;
}
