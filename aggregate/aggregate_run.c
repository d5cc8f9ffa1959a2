/* aggregate_run.c - the aggregate stage's loop (see aggregate_run.h). */
#include "aggregate_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "batcher.h"
#include "catalog.h"
#include "oproepen.h"
#include "checkpoint.h"
#include "datadir.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "stage.h"
#include "stage_net.h"
#include "state.h"
#include "tables.h"
#include "feed_ref.h"
#include "tables_cmp_config.h"

#define MSG_MAX_BYTES WIRE_MSG_BYTES /* wire.h: a bound of WIRE_MSG_CAP */
#define HANDSHAKE_MS 1000            /* how long the tables wait for report's word */

typedef struct {
    const aggregate_opts_t *o;
    catalog_t *cat;
    tables_cmp_config_t *cmp;
    feed_ref_t *ref;      /* the feed's gemeenten list and mergers */
    oproepen_t *oproepen; /* the calls for koplopers, beside the catalogue */
    agg_state_t *state;
    ckpt_meta_t meta;
    char ckpt_path[4200];
    char delivered_path[4200]; /* STATE/aggregate/delivered: the night report made durable */
    stage_net_t net;           /* the ZeroMQ context and keys (NULL curve without --keys) */
    link_in_t *in;
    link_out_t *out;
    batcher_t *batch;
    wire_reader_t *rd;
    int dirty;
    double last_ckpt;
    uint64_t records_in, tables, rows;
} agg_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int save(agg_t *a)
{
    int rc = checkpoint_write(a->ckpt_path, a->state, &a->meta);
    if (rc)
        return stage_fail(rc, "cannot write checkpoint '%s': %s", a->ckpt_path,
                          rc == KPM_EIO ? strerror(errno) : kpm_strerror(rc));
    a->dirty = 0;
    a->last_ckpt = now_s();
    return KPM_OK;
}

/* Compares the END's counts with what this night applied. */
static int check_counts(agg_t *a, const wire_counts_t *c, uint64_t total)
{
    uint64_t applied = 0;
    for (int k = 1; k < CKPT_KINDS; k++)
        applied += a->meta.applied[k];
    int ok = applied == total;
    for (uint32_t i = 0; i < c->n; i++) {
        int k;
        for (k = 1; k < CKPT_KINDS; k++)
            if (wire_str_eq(c->names[i], wire_rec_kind_name((wire_rec_kind_t)k))) break;
        uint64_t got = k < CKPT_KINDS ? a->meta.applied[k] : 0;
        if (got != c->counts[i]) {
            log_error("night %s: ingest sent %llu %.*s records, %llu arrived", a->meta.night,
                      (unsigned long long)c->counts[i], (int)c->names[i].len, c->names[i].ptr,
                      (unsigned long long)got);
            ok = 0;
        }
    }
    if (!ok)
        return stage_fail(KPM_EGAP,
                          "night %s: records went missing (%llu sent, %llu applied); no tables "
                          "written",
                          a->meta.night, (unsigned long long)total, (unsigned long long)applied);
    return KPM_OK;
}

/* A night's BEGIN says which worker of how many its stream is for: a stream
 * meant for another worker (endpoints swapped, --workers differing) is refused
 * before anything is applied. */
static int check_shard(agg_t *a, const wire_counts_t *c)
{
    char err[256];
    if (wire_shard_check(c, a->o->worker, a->o->workers, err, sizeof err) == KPM_OK) return KPM_OK;
    return stage_fail(KPM_ESTATE, "night %s: ingest's stream %s", a->meta.night, err);
}

/* The link to report, for the night being received. It is set up as soon as
 * the night is known, long before the tables go out: report's first control
 * messages (its RESUME from where it stands) then arrive while nothing was sent
 * yet, instead of making the first tables go out twice. */
static int open_out(agg_t *a)
{
    char err[512];
    if (a->out) {
        link_out_set_stream(a->out, a->meta.night);
        return KPM_OK;
    }
    link_opts_t lo = {.data_endpoint = a->o->out_endpoint,
                      .ack_endpoint = a->o->out_ack,
                      .stop = &stage_stop,
                      .curve = a->net.curve,
                      .peer = "report"};
    if (!(a->out = link_out_new(a->net.zctx, &lo, a->meta.night, err, sizeof err)))
        return stage_fail(KPM_EZMQ, "%s", err);
    return KPM_OK;
}

static int apply_message(agg_t *a, const link_msg_t *msg)
{
    static wire_record_t rec;
    if (strcmp(msg->hdr.stream, a->meta.night) != 0) {
        log_info("night %s starts", msg->hdr.stream);
        filelist_clear(&a->meta.files);
        memset(&a->meta, 0, sizeof a->meta);
        snprintf(a->meta.night, sizeof a->meta.night, "%s", msg->hdr.stream);
    }
    int rc = open_out(a);
    if (rc) return rc;
    wire_header_t h;
    rc = wire_reader_open(a->rd, msg->buf, msg->len, &h);
    while (rc == KPM_OK && (rc = wire_reader_next(a->rd, &rec)) == 1) {
        if (rec.kind == WIRE_REC_COUNTS && h.type == WIRE_MSG_END) {
            rc = check_counts(a, &rec.u.counts, h.aux);
            continue;
        }
        if (rec.kind == WIRE_REC_COUNTS && h.type == WIRE_MSG_BEGIN) {
            rc = check_shard(a, &rec.u.counts);
            continue;
        }
        if ((rc = state_apply(a->state, &rec)) != KPM_OK) break;
        if (rec.kind == WIRE_REC_FILE_END && (rc = filelist_put(&a->meta.files, &rec.u.file_end)))
            break;
        if (rec.kind < CKPT_KINDS) a->meta.applied[rec.kind]++;
        a->records_in++;
        rc = KPM_OK;
    }
    if (rc < 0)
        return stage_fail(rc, "night %s: message %llu: %s", a->meta.night,
                          (unsigned long long)h.seq,
                          rc == KPM_EPROTO ? wire_reader_error(a->rd) : kpm_strerror(rc));
    a->meta.next = h.seq + 1;
    a->dirty = 1;
    if (h.type == WIRE_MSG_END) {
        a->meta.complete = 1;
        if ((rc = save(a))) return rc;
        link_in_set_durable(a->in, h.seq, 1);
        log_debug("night %s: END %llu applied and checkpointed", a->meta.night,
                  (unsigned long long)h.seq);
    }
    return KPM_OK;
}

static int receive_night(agg_t *a)
{
    while (!a->meta.complete) {
        link_msg_t msg;
        int rc = link_in_recv(a->in, &msg, 200);
        if (rc == KPM_ESTOP) {
            if (a->dirty && save(a) == KPM_OK) link_in_set_durable(a->in, a->meta.next - 1, 0);
            return rc;
        }
        if (rc < 0) return rc;
        if (rc == 1 && (rc = apply_message(a, &msg))) return rc;
        if (a->dirty && now_s() - a->last_ckpt >= a->o->checkpoint_ms / 1000.0) {
            if ((rc = save(a))) return rc;
            link_in_set_durable(a->in, a->meta.next - 1, 0);
            stage_status("receiving", a->meta.night, a->records_in, 0, NULL);
        }
    }
    return KPM_OK;
}

/* Answers ingest (acknowledgements again, if it resends) while results go out. */
static void serve_ingest(agg_t *a)
{
    link_msg_t msg;
    if (link_in_recv(a->in, &msg, 0) == 1)
        log_warn("night %s: unexpected message %llu after the end", a->meta.night,
                 (unsigned long long)msg.hdr.seq);
}

static int emit(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    agg_t *a = ctx;
    serve_ingest(a);
    return link_out_send(a->out, seq, buf, len);
}

/* The day of a night id ("YYYYMMDDTHHMMSSZ-N"), or 0 when it has none. */
static int32_t night_date(const char *night)
{
    int32_t d = 0;
    for (int i = 0; i < 8; i++) {
        if (night[i] < '0' || night[i] > '9') return 0;
        d = d * 10 + (night[i] - '0');
    }
    return d;
}

static int produce_results(agg_t *a, uint64_t *end_seq)
{
    tables_opts_t to = {.min_cell = a->o->min_cell,
                        .uren_per_dag = a->o->uren_per_dag,
                        .dagen_toegekend = a->o->dagen_toegekend,
                        .cmp = a->cmp,
                        .oproepen = a->oproepen,
                        .ref = a->ref,
                        .as_of = night_date(a->meta.night),
                        .worker = a->o->worker};
    wire_record_t shard;
    wire_shard_record(&shard, a->o->worker, a->o->workers);
    batcher_seek(a->batch, 0);
    int rc = batcher_emit_control(a->batch, WIRE_MSG_BEGIN, 0, &shard, 1);
    if (!rc) rc = tables_emit(a->state, &to, a->batch, &a->tables, &a->rows);
    /* The night's files with their hashes, for report's run-manifest.json: from
     * worker 0 only (every worker receives every file_end). */
    uint64_t files = a->o->worker == 0 ? a->meta.files.n : 0;
    for (size_t i = 0; !rc && i < files; i++) {
        wire_record_t fe;
        filelist_record(&a->meta.files, i, &fe);
        rc = batcher_put(a->batch, &fe);
    }
    if (!rc) rc = batcher_flush(a->batch);
    if (rc) return rc;
    wire_record_t c = {.kind = WIRE_REC_COUNTS};
    c.u.counts.n = 2;
    c.u.counts.names[0] = wire_str("tables");
    c.u.counts.counts[0] = a->tables;
    c.u.counts.names[1] = wire_str("rows");
    c.u.counts.counts[1] = a->rows;
    /* And what this night received, by record kind: report writes it into
     * run-manifest.json (a receiver checks only "tables" and "rows"). */
    for (int k = 1; k < CKPT_KINDS && c.u.counts.n < WIRE_MAX_COUNTS; k++) {
        if (!a->meta.applied[k]) continue;
        c.u.counts.names[c.u.counts.n] = wire_str(wire_rec_kind_name((wire_rec_kind_t)k));
        c.u.counts.counts[c.u.counts.n++] = a->meta.applied[k];
    }
    *end_seq = batcher_seq(a->batch);
    return batcher_emit_control(a->batch, WIRE_MSG_END, a->tables * 2 + a->rows + files, &c, 1);
}

/* Records that report made the night's tables durable: a small file beside the
 * checkpoint (whose own flag is not rewritten for it: rewriting the whole
 * state took ~20 ms at the end of every night). */
static int mark_delivered(agg_t *a)
{
    char line[WIRE_STREAM_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", a->meta.night);
    if (fs_write_atomic(a->delivered_path, line, (size_t)n) != KPM_OK)
        return stage_fail(KPM_EIO, "cannot write '%s': %s", a->delivered_path, strerror(errno));
    return KPM_OK;
}

/* After loading the checkpoint: the night is delivered if the checkpoint says
 * so (state written before this file existed) or the file names it. */
static void load_delivered(agg_t *a)
{
    char *buf;
    size_t len;
    if (!a->meta.complete || a->meta.delivered) return;
    if (fs_read_all(a->delivered_path, &buf, &len) != KPM_OK) return;
    size_t n = strlen(a->meta.night);
    a->meta.delivered = len == n + 1 && memcmp(buf, a->meta.night, n) == 0 && buf[n] == '\n';
    free(buf);
}

static int deliver_night(agg_t *a)
{
    link_in_hold(a->in, 1);
    int rc = open_out(a);
    if (rc) return rc;
    batcher_destroy(&a->batch);
    if (!(a->batch = batcher_new(a->meta.night, 1024, MSG_MAX_BYTES, emit, a))) return KPM_ENOMEM;
    stage_status("sending", a->meta.night, a->records_in, 0, NULL);
    /* report's word first (see link_out_handshake); if it is down, send anyway */
    rc = link_out_handshake(a->out, HANDSHAKE_MS);
    if (rc == KPM_EEMPTY)
        log_info("report has not answered yet; sending anyway");
    else if (rc)
        return rc;
    uint64_t end_seq = 0;
    do {
        batcher_reset(a->batch);
        rc = produce_results(a, &end_seq);
        if (rc == KPM_OK)
            log_debug("night %s: tables sent (END %llu)", a->meta.night,
                      (unsigned long long)end_seq);
        while (rc == KPM_OK) {
            rc = link_out_wait_durable(a->out, end_seq, 200);
            if (rc != KPM_EEMPTY) break;
            serve_ingest(a);
            rc = KPM_OK;
        }
    } while (rc == KPM_EREWIND);
    if (rc) return rc;
    log_debug("night %s: report made the tables durable", a->meta.night);
    a->meta.delivered = 1;
    if ((rc = mark_delivered(a))) return rc;
    link_out_bye(a->out, end_seq);
    return KPM_OK;
}

int aggregate_run(const aggregate_opts_t *o)
{
    char err[1024], dir[4200];
    agg_t a = {.o = o};
    int rc = KPM_EIO;
    double t0 = now_s();

    snprintf(dir, sizeof dir, "%s/%s", o->state_dir, o->name ? o->name : "aggregate");
    snprintf(a.ckpt_path, sizeof a.ckpt_path, "%s/checkpoint", dir);
    snprintf(a.delivered_path, sizeof a.delivered_path, "%s/delivered", dir);
    if (fs_mkdirs(dir, 0770) != KPM_OK) {
        stage_fail(rc, "cannot create '%s': %s", dir, strerror(errno));
        goto out;
    }
    if (!(a.cat = catalog_load(o->catalog, err, sizeof err))) {
        stage_fail(rc, "%s", err);
        goto out;
    }
    if (!(a.cmp = tables_cmp_config_load(o->comparisons, o->comparisons_optional, o->groups,
                                         o->groups_optional, err, sizeof err))) {
        stage_fail(rc, "comparisons: %s", err);
        goto out;
    }
    {
        /* config/oproepen.csv beside the catalogue; without one, the contract's call */
        const char *slash = strrchr(o->catalog, '/');
        char path[4200];
        snprintf(path, sizeof path, "%.*soproepen.csv", slash ? (int)(slash - o->catalog + 1) : 0,
                 o->catalog);
        if (!(a.oproepen = oproepen_load(path, 1, err, sizeof err))) {
            log_error("%s", err);
            goto out;
        }
    }
    char gem_path[4200], mrg_path[4200]; /* the defaults: in the data directory (datadir.h) */
    if (!(a.ref = feed_ref_load(o->gemeenten_ref ? o->gemeenten_ref
                                                 : datadir_config_file("gemeenten_2021.csv",
                                                                       gem_path, sizeof gem_path),
                                o->gemeenten_ref == NULL,
                                o->herindelingen ? o->herindelingen
                                                 : datadir_config_file("herindelingen.csv",
                                                                       mrg_path, sizeof mrg_path),
                                o->herindelingen == NULL, err, sizeof err))) {
        log_error("gemeenten and mergers: %s", err);
        goto out;
    }
    a.state = state_new(a.cat);
    a.rd = wire_reader_new();
    if (!a.state || !a.rd) {
        rc = KPM_ENOMEM;
        goto out;
    }
    /* The pseudonym key is needed only to convert a checkpoint of an older kpm;
     * aggregate never makes one (ingest does: docs/SECURITY.md). */
    pseudonym_key_t pk;
    int have_key = pseudonym_key_open(o->state_dir, 0, &pk, err, sizeof err) == KPM_OK;
    rc = checkpoint_load(a.ckpt_path, a.state, &a.meta, have_key ? &pk : NULL, err, sizeof err);
    pseudonym_key_wipe(&pk);
    if (rc != KPM_OK && rc != KPM_ENOTFOUND) {
        stage_fail(rc, "%s", err);
        goto out;
    }
    if (rc == KPM_OK && a.meta.converted) {
        if ((rc = save(&a))) goto out;
        log_info("checkpoint converted: the adviser hashes of an older kpm are keyed "
                 "pseudonyms now");
    }
    if (rc == KPM_OK) load_delivered(&a);
    if (rc == KPM_OK)
        log_info("state loaded: night %s at seq %llu%s%s", a.meta.night[0] ? a.meta.night : "-",
                 (unsigned long long)a.meta.next, a.meta.complete ? ", complete" : "",
                 a.meta.delivered ? ", delivered" : "");
    a.last_ckpt = now_s();
    if ((rc = stage_net_open(&a.net, o->keys, "aggregate"))) goto out;
    link_opts_t li = {.data_endpoint = o->in_endpoint,
                      .ack_endpoint = o->in_ack,
                      .stop = &stage_stop,
                      .curve = a.net.curve,
                      .peer = "ingest",
                      .night = o->night};
    if (!(a.in = link_in_new(a.net.zctx, &li, err, sizeof err))) {
        rc = stage_fail(KPM_EZMQ, "%s", err);
        goto out;
    }
    int fresh = a.meta.delivered || !a.meta.night[0];
    if (!fresh && a.meta.complete && o->night && strcmp(o->night, a.meta.night) != 0) {
        /* An earlier night whose tables report never made durable (its outputs
         * failed) is not sent again: report, started for this night, takes no
         * other night's tables (the link refuses them). The state holds the
         * earlier night's records, so this night's tables include them. */
        log_warn("night %s: its tables never reached report; night %s's tables include its "
                 "records",
                 a.meta.night, o->night);
        fresh = 1;
    }
    link_in_expect(a.in, a.meta.night, a.meta.next, a.meta.next ? a.meta.next - 1 : WIRE_NO_SEQ,
                   a.meta.complete);
    if (a.meta.delivered && o->night && strcmp(o->night, a.meta.night) == 0) {
        /* Restarted after its part of this night was done. */
        log_info("night %s is delivered already: nothing to do", a.meta.night);
        link_in_hold(a.in, 1);
        rc = link_in_linger(a.in, 3000);
        rc = rc == KPM_ESTOP ? KPM_OK : rc;
        stage_status("done", a.meta.night, 0, 0, NULL);
        goto out_quiet;
    }
    if (fresh) {
        /* The last night is delivered (or there was none): wait for a new one. */
        a.meta.complete = 0;
        a.meta.delivered = 0;
    }
    stage_status("receiving", a.meta.night, 0, 0, NULL);
    if ((rc = receive_night(&a))) goto out;
    if ((rc = deliver_night(&a))) goto out;
    link_in_linger(a.in, 3000);
    stage_status("done", a.meta.night, a.records_in, a.rows, NULL);
out:
    if (rc != KPM_ESTOP && a.meta.night[0]) {
        stage_batch_t bd = {.night = a.meta.night,
                            .records_out = a.rows,
                            .rejected = a.meta.applied[WIRE_REC_REJECT],
                            .resends = a.out ? link_out_resends(a.out) : 0,
                            .seconds = now_s() - t0,
                            .ok = rc == KPM_OK};
        for (int k = 1; k < CKPT_KINDS; k++)
            bd.records_in += a.meta.applied[k];
        stage_batch_done(&bd);
    }
out_quiet:
    if (rc == KPM_ESTOP) {
        log_info("stopped; state checkpointed at seq %llu", (unsigned long long)a.meta.next);
        stage_status("stopped", a.meta.night, a.records_in, a.rows, NULL);
    } else if (rc) {
        stage_status("failed", a.meta.night, a.records_in, a.rows, kpm_strerror(rc));
    }
    batcher_destroy(&a.batch);
    link_out_destroy(&a.out);
    link_in_destroy(&a.in);
    stage_net_close(&a.net);
    wire_reader_destroy(&a.rd);
    state_destroy(&a.state);
    filelist_clear(&a.meta.files);
    tables_cmp_config_destroy(&a.cmp);
    feed_ref_destroy(&a.ref);
    oproepen_destroy(&a.oproepen);
    catalog_destroy(&a.cat);
    return rc;
}
