/* ingest_run.c - the ingest stage's night loop (see ingest_run.h). */
#include "ingest_run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

#include "batcher.h"
#include "catalog.h"
#include "ingest_file.h"
#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "night.h"
#include "route.h"
#include "stage.h"
#include "stage_net.h"

#define MSG_MAX_BYTES WIRE_MSG_BYTES /* wire.h: a bound of WIRE_MSG_CAP */
#define HANDSHAKE_MS 1000            /* how long the first message waits for the workers' word */

typedef struct run run_t;

/* The emit context of worker w's batcher. */
typedef struct {
    run_t *r;
    unsigned w;
} lane_t;

struct run {
    const ingest_opts_t *o;
    catalog_t *cat;
    pseudonym_key_t pk; /* the installation's pseudonym key (STATE/keys) */
    night_t *night;
    unsigned workers;
    link_out_t *link[KPM_MAX_WORKERS];
    batcher_t *batch[KPM_MAX_WORKERS];
    lane_t lane[KPM_MAX_WORKERS];
    route_t *route;
    uint64_t records_out;
    char why[1024]; /* the cause of a failure, for the log and the status file */
};

/* Records (and logs) why the night fails; returns rc. */
static int failed(run_t *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    log_error("%s", r->why);
    return rc;
}

static int emit(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    lane_t *l = ctx;
    return link_out_send(l->r->link[l->w], seq, buf, len);
}

/* Worker w made all of file k durable (true when the file sent it nothing). */
static int file_durable(const run_t *r, unsigned w, size_t k)
{
    const night_file_t *f = &r->night->files[k];
    if (f->n_msgs[w] == 0) return 1;
    uint64_t durable = link_out_durable(r->link[w]);
    uint64_t last = night_first_seq(r->night, w, k) + f->n_msgs[w] - 1;
    return durable != WIRE_NO_SEQ && last <= durable;
}

/* Archives or quarantines, in order, the files every worker made durable. */
static int dispose_durable(run_t *r)
{
    for (size_t k = 0; k < r->night->n_files; k++) {
        night_file_t *f = &r->night->files[k];
        if (f->status != NF_PENDING) continue;
        if (!f->produced || !f->known) break;
        for (unsigned w = 0; w < r->workers; w++)
            if (!file_durable(r, w, k)) return KPM_OK;
        char err[768];
        int rc = night_dispose(r->night, k, r->cat, err, sizeof err);
        if (rc) return failed(r, rc, "file %s: %s", f->name, err);
    }
    return KPM_OK;
}

static void log_file(const night_file_t *f)
{
    static const char *dispo[] = {"archived", "quarantined", "left in the inbox"};
    log_info("file %s: %llu rows, %llu accepted, %llu rejected, %llu records; %s", f->name,
             (unsigned long long)f->res.rows, (unsigned long long)f->res.accepted,
             (unsigned long long)f->res.rejected, (unsigned long long)f->records,
             dispo[f->res.dispo]);
}

/* Produces file k's messages on every worker's stream, routing each record. */
static int produce_file(run_t *r, size_t k)
{
    night_file_t *f = &r->night->files[k];
    uint64_t first[KPM_MAX_WORKERS];
    for (unsigned w = 0; w < r->workers; w++) {
        first[w] = night_first_seq(r->night, w, k);
        batcher_seek(r->batch[w], first[w]);
    }
    route_clear(r->route);
    ingest_entry_t *e = night_entry(r->night, k);
    if (!e) return failed(r, KPM_ENOMEM, "file %s: out of memory", f->name);
    int rc = ingest_entry_to(r->cat, &r->pk, route_put, r->route, e, f->name, &f->res);
    for (unsigned w = 0; rc == KPM_OK && w < r->workers; w++)
        rc = batcher_flush(r->batch[w]);
    if (rc == KPM_ENOMEM) return failed(r, rc, "file %s: out of memory (or descriptors)", f->name);
    if (rc) return rc;
    if (!f->produced &&
        (strncmp(f->res.reason, "FILE_", 5) == 0 || strncmp(f->res.reason, "NOT_A_FILE", 10) == 0))
        log_warn("file %s: %s", f->name, f->res.reason);
    else if (!f->produced && f->res.dispo == DISPO_LEAVE)
        log_warn("file %s changed while it was read: it stays in the inbox and the next night "
                 "takes it again whole (FILE_CHANGED)",
                 f->name);
    int changed = !f->known;
    for (unsigned w = 0; w < r->workers; w++) {
        uint64_t msgs = batcher_seq(r->batch[w]) - first[w];
        changed |= f->n_msgs[w] != msgs;
        f->n_msgs[w] = msgs;
        memcpy(&f->by_kind[(size_t)w * INGEST_KIND_SLOTS], route_counts(r->route, w),
               INGEST_KIND_SLOTS * sizeof *f->by_kind);
    }
    uint64_t records = 0;
    for (int i = 0; i < INGEST_KIND_SLOTS; i++)
        records += f->res.by_kind[i];
    f->known = 1;
    f->records = records;
    f->rows = f->res.rows;
    if (!f->produced) log_file(f);
    f->produced = 1;
    if (changed && (rc = night_save(r->night)))
        return failed(r, rc, "cannot write '%s': %s", r->night->path, strerror(errno));
    return dispose_durable(r);
}

/* The END of worker w's stream: the records it was sent, per kind. */
static int emit_end(run_t *r, unsigned w, uint64_t *end_seq)
{
    uint64_t by_kind[INGEST_KIND_SLOTS] = {0}, total = 0;
    for (size_t k = 0; k < r->night->n_files; k++)
        for (int i = 0; i < INGEST_KIND_SLOTS; i++)
            by_kind[i] += night_kind_count(&r->night->files[k], w, i);
    wire_record_t c = {.kind = WIRE_REC_COUNTS};
    for (int i = 1; i < INGEST_KIND_SLOTS && c.u.counts.n < WIRE_MAX_COUNTS; i++) {
        if (!by_kind[i]) continue;
        c.u.counts.names[c.u.counts.n] = wire_str(wire_rec_kind_name((wire_rec_kind_t)i));
        c.u.counts.counts[c.u.counts.n++] = by_kind[i];
        total += by_kind[i];
    }
    r->records_out += total;
    batcher_seek(r->batch[w], night_first_seq(r->night, w, r->night->n_files));
    *end_seq = batcher_seq(r->batch[w]);
    return batcher_emit_control(r->batch[w], WIRE_MSG_END, total, &c, 1);
}

/* Produces the night's messages from file `from` on (n_files: only the ENDs). */
static int produce_from(run_t *r, size_t from, uint64_t *end_seq)
{
    int rc;
    for (unsigned w = 0; from == 0 && w < r->workers; w++) {
        wire_record_t shard;
        wire_shard_record(&shard, w, r->workers);
        batcher_seek(r->batch[w], 0);
        if ((rc = batcher_emit_control(r->batch[w], WIRE_MSG_BEGIN, r->night->n_files, &shard, 1)))
            return rc;
    }
    for (size_t k = from; k < r->night->n_files; k++) {
        if (r->night->files[k].status != NF_PENDING) continue;
        stage_status("sending", r->night->id, 0, r->records_out, NULL);
        if ((rc = produce_file(r, k))) return rc;
    }
    r->records_out = 0;
    for (unsigned w = 0; w < r->workers; w++)
        if ((rc = emit_end(r, w, &end_seq[w]))) return rc;
    return KPM_OK;
}

static size_t first_pending(const night_t *n)
{
    size_t k = 0;
    while (k < n->n_files && n->files[k].status != NF_PENDING)
        k++;
    return k;
}

/* Waits until every worker made its END durable, disposing of files meanwhile. */
static int wait_all_durable(run_t *r, const uint64_t *end_seq)
{
    for (;;) {
        int all = 1;
        for (unsigned w = 0; w < r->workers; w++) {
            uint64_t d = link_out_durable(r->link[w]);
            if (d != WIRE_NO_SEQ && d >= end_seq[w]) continue;
            all = 0;
            int rc = link_out_wait_durable(r->link[w], end_seq[w], 500 / (int)r->workers);
            if (rc != KPM_OK && rc != KPM_EEMPTY) return rc;
        }
        if (all) return KPM_OK;
        int rc = dispose_durable(r);
        if (rc) return rc;
    }
}

/* Where production starts again after a rewind: the earliest file any worker
 * needs. Returns KPM_OK or KPM_ESTATE when a worker lost what it made durable. */
static int rewind_point(run_t *r, size_t *from)
{
    size_t pending = first_pending(r->night), k = r->night->n_files;
    for (unsigned w = 0; w < r->workers; w++) {
        uint64_t want = link_out_next(r->link[w]);
        if (want == 0 && pending > 0) {
            log_error("aggregate%s asks for the whole night again, but files are archived "
                      "already: its state was lost; restore it or start a new night",
                      r->workers > 1 ? " worker" : "");
            return KPM_ESTATE;
        }
        size_t kw = want == 0 ? 0 : night_file_of_seq(r->night, w, want);
        if (kw < pending && want != 0) kw = pending;
        if (kw < k) k = kw;
    }
    *from = k;
    return KPM_OK;
}

/* Gives every worker up to HANDSHAKE_MS in all to say where it stands before
 * the first message goes out (link_out_handshake): a worker that is not up by
 * then gets the messages when it comes, as always. */
static int handshake_all(run_t *r)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned w = 0; w < r->workers; w++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        int rc =
            link_out_handshake(r->link[w], spent < HANDSHAKE_MS ? HANDSHAKE_MS - (int)spent : 0);
        if (rc == KPM_EEMPTY && r->workers > 1)
            log_info("aggregate worker %u has not answered yet; sending anyway", w);
        else if (rc == KPM_EEMPTY)
            log_info("aggregate has not answered yet; sending anyway");
        else if (rc)
            return rc;
    }
    return KPM_OK;
}

static int run_night(run_t *r)
{
    size_t from = first_pending(r->night);
    uint64_t end_seq[KPM_MAX_WORKERS] = {0};
    int rc;
    /* files before it are archived: the workers hold their messages durably */
    for (unsigned w = 0; from > 0 && w < r->workers; w++)
        link_out_seek(r->link[w], night_first_seq(r->night, w, from));
    if ((rc = handshake_all(r))) return rc;
    for (;;) {
        rc = produce_from(r, from, end_seq);
        if (rc == KPM_OK) log_debug("night %s: ENDs sent", r->night->id);
        if (rc == KPM_OK) rc = wait_all_durable(r, end_seq);
        if (rc != KPM_EREWIND) break;
        if ((rc = rewind_point(r, &from))) return rc;
        for (unsigned w = 0; w < r->workers; w++)
            batcher_reset(r->batch[w]);
    }
    if (rc) return rc;
    log_debug("night %s: durable at every worker", r->night->id);
    if ((rc = dispose_durable(r))) return rc;
    r->night->done = 1;
    if ((rc = night_save(r->night)))
        return failed(r, rc, "cannot write '%s': %s", r->night->path, strerror(errno));
    for (unsigned w = 0; w < r->workers; w++)
        link_out_bye(r->link[w], end_seq[w]);
    return KPM_OK;
}

static uint64_t total_resends(const run_t *r)
{
    uint64_t n = 0;
    for (unsigned w = 0; w < r->workers; w++)
        if (r->link[w]) n += link_out_resends(r->link[w]);
    return n;
}

int ingest_run(const ingest_opts_t *o)
{
    char err[1024];
    run_t r = {.o = o};
    stage_net_t net = {0};
    int rc = KPM_EIO, reported = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* Each file of the night is held open from its production to its disposal. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (!(r.cat = catalog_load(o->catalog, err, sizeof err)) ||
        pseudonym_key_open(o->state_dir, 1, &r.pk, err, sizeof err) != KPM_OK ||
        night_scrub_archive(o->state_dir, r.cat, err, sizeof err) != KPM_OK) {
        failed(&r, KPM_EIO, "%s", err);
        goto out;
    }
    r.workers = o->workers ? o->workers : 1;
    uint32_t batch = o->batch_records ? o->batch_records : INGEST_BATCH_DEFAULT;
    if (!(r.night =
              night_open(o->state_dir, o->inbox, o->night_id, r.workers, batch, err, sizeof err))) {
        failed(&r, KPM_EIO, "%s", err);
        goto out;
    }
    if (o->prepare) {
        printf("%s\n", r.night->id);
        rc = fflush(stdout) == 0 ? KPM_OK : KPM_EIO;
        goto out;
    }
    if (r.night->done) {
        log_info("night %s is done already: nothing to do", r.night->id);
        stage_status("done", r.night->id, 0, 0, NULL);
        rc = KPM_OK;
        reported = 1;
        goto out;
    }
    log_info("night %s: %zu files in '%s'", r.night->id, r.night->n_files, o->inbox);
    if ((rc = stage_net_open(&net, o->keys, "ingest"))) goto out;
    link_opts_t lo = {.stop = &stage_stop, .peer = "aggregate", .curve = net.curve};
    for (unsigned w = 0; w < r.workers; w++) {
        lo.data_endpoint = o->data_endpoint[w];
        lo.ack_endpoint = o->ack_endpoint[w];
        if (!(r.link[w] = link_out_new(net.zctx, &lo, r.night->id, err, sizeof err))) {
            rc = failed(&r, KPM_EZMQ, "%s", err);
            goto out;
        }
        r.lane[w] = (lane_t){&r, w};
        r.batch[w] = batcher_new(r.night->id, r.night->batch, MSG_MAX_BYTES, emit, &r.lane[w]);
        if (!r.batch[w]) {
            rc = KPM_ENOMEM;
            goto out;
        }
    }
    if (!(r.route = route_new(r.workers, r.batch))) {
        rc = KPM_ENOMEM;
        goto out;
    }
    rc = run_night(&r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc != KPM_ESTOP) {
        stage_batch_t bd = {.night = r.night->id,
                            .records_out = r.records_out,
                            .resends = total_resends(&r),
                            .seconds = secs,
                            .ok = rc == KPM_OK};
        for (size_t k = 0; k < r.night->n_files; k++) {
            bd.records_in += r.night->files[k].rows;
            bd.rejected += night_kind_count(&r.night->files[k], 0, WIRE_REC_REJECT);
        }
        stage_batch_done(&bd);
    }
    if (rc == KPM_OK) {
        stage_status("done", r.night->id, 0, r.records_out, NULL);
    } else if (rc == KPM_ESTOP) {
        log_info("stopped; night %s resumes on the next start", r.night->id);
        stage_status("stopped", r.night->id, 0, r.records_out, NULL);
    } else {
        log_error("night %s failed: %s", r.night->id, r.why[0] ? r.why : kpm_strerror(rc));
        stage_status("failed", r.night->id, 0, r.records_out, r.why[0] ? r.why : kpm_strerror(rc));
    }
    reported = 1;
out:
    /* A failure while setting up says so too (kpm run reads the status file). */
    if (!reported && !o->prepare && rc != KPM_OK && rc != KPM_ESTOP)
        stage_status("failed",
                     r.night       ? r.night->id
                     : o->night_id ? o->night_id
                                   : "",
                     0, 0, r.why[0] ? r.why : kpm_strerror(rc));
    route_destroy(&r.route);
    for (unsigned w = 0; w < KPM_MAX_WORKERS; w++) {
        batcher_destroy(&r.batch[w]);
        link_out_destroy(&r.link[w]);
    }
    stage_net_close(&net);
    night_destroy(&r.night);
    catalog_destroy(&r.cat);
    pseudonym_key_wipe(&r.pk);
    return rc;
}
