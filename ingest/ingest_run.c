/* ingest_run.c - the ingest stage's night loop (see ingest_run.h). */
#include "ingest_run.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "batcher.h"
#include "catalog.h"
#include "curve.h"
#include "ingest_file.h"
#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "night.h"
#include "stage.h"

#define MSG_MAX_BYTES (256 * 1024)

typedef struct {
    const ingest_opts_t *o;
    catalog_t *cat;
    night_t *night;
    link_out_t *link;
    batcher_t *batch;
    uint64_t records_out;
} run_t;

static int emit(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    run_t *r = ctx;
    return link_out_send(r->link, seq, buf, len);
}

static uint64_t last_seq(const run_t *r, size_t k)
{
    return night_first_seq(r->night, k) + r->night->files[k].n_msgs - 1;
}

/* Archives or quarantines, in order, the files aggregate made durable. */
static int dispose_durable(run_t *r)
{
    uint64_t durable = link_out_durable(r->link);
    if (durable == WIRE_NO_SEQ) return KPM_OK;
    for (size_t k = 0; k < r->night->n_files; k++) {
        night_file_t *f = &r->night->files[k];
        if (f->status != NF_PENDING) continue;
        if (!f->produced || f->n_msgs == UINT64_MAX || last_seq(r, k) > durable) break;
        char err[512];
        int rc = night_dispose(r->night, k, r->cat, err, sizeof err);
        if (rc) {
            log_error("%s: %s", f->name, err);
            return rc;
        }
    }
    return KPM_OK;
}

static void log_file(const night_file_t *f)
{
    static const char *dispo[] = {"archived", "quarantined"};
    log_info("file %s: %llu rows, %llu accepted, %llu rejected, %llu records; %s", f->name,
             (unsigned long long)f->res.rows, (unsigned long long)f->res.accepted,
             (unsigned long long)f->res.rejected, (unsigned long long)f->records,
             dispo[f->res.dispo]);
}

static int produce_file(run_t *r, size_t k)
{
    night_file_t *f = &r->night->files[k];
    uint64_t first = night_first_seq(r->night, k);
    batcher_seek(r->batch, first);
    int rc = ingest_file(r->cat, r->batch, night_inbox_path(r->night, k), f->name, &f->res);
    if (rc == KPM_OK) rc = batcher_flush(r->batch);
    if (rc == KPM_EIO) log_error("file %s: cannot be read", f->name);
    if (rc) return rc;
    uint64_t msgs = batcher_seq(r->batch) - first, records = 0;
    for (int i = 0; i < INGEST_KIND_SLOTS; i++) records += f->res.by_kind[i];
    int changed = f->n_msgs != msgs;
    f->n_msgs = msgs;
    f->records = records;
    f->rows = f->res.rows;
    memcpy(f->by_kind, f->res.by_kind, sizeof f->by_kind);
    if (!f->produced) log_file(f);
    f->produced = 1;
    if (changed && (rc = night_save(r->night))) return rc;
    return dispose_durable(r);
}

static int emit_end(run_t *r, uint64_t *end_seq)
{
    uint64_t by_kind[INGEST_KIND_SLOTS] = {0}, total = 0;
    for (size_t k = 0; k < r->night->n_files; k++)
        for (int i = 0; i < INGEST_KIND_SLOTS; i++) by_kind[i] += r->night->files[k].by_kind[i];
    wire_record_t c = {.kind = WIRE_REC_COUNTS};
    for (int i = 1; i < INGEST_KIND_SLOTS && c.u.counts.n < WIRE_MAX_COUNTS; i++) {
        if (!by_kind[i]) continue;
        c.u.counts.names[c.u.counts.n] = wire_str(wire_rec_kind_name((wire_rec_kind_t)i));
        c.u.counts.counts[c.u.counts.n++] = by_kind[i];
        total += by_kind[i];
    }
    r->records_out = total;
    batcher_seek(r->batch, night_first_seq(r->night, r->night->n_files));
    *end_seq = batcher_seq(r->batch);
    return batcher_emit_control(r->batch, WIRE_MSG_END, total, &c, 1);
}

/* Produces the night's messages from file `from` on (n_files: only the END). */
static int produce_from(run_t *r, size_t from, uint64_t *end_seq)
{
    int rc;
    if (from == 0) {
        batcher_seek(r->batch, 0);
        if ((rc = batcher_emit_control(r->batch, WIRE_MSG_BEGIN, r->night->n_files, NULL, 0)))
            return rc;
    }
    for (size_t k = from; k < r->night->n_files; k++) {
        if (r->night->files[k].status != NF_PENDING) continue;
        stage_status("sending", r->night->id, 0, r->records_out, NULL);
        if ((rc = produce_file(r, k))) return rc;
    }
    return emit_end(r, end_seq);
}

static size_t first_pending(const night_t *n)
{
    size_t k = 0;
    while (k < n->n_files && n->files[k].status != NF_PENDING) k++;
    return k;
}

static int run_night(run_t *r)
{
    size_t from = first_pending(r->night);
    uint64_t end_seq = 0;
    int rc;
    if (from > 0) /* files before it are archived: aggregate holds their messages durably */
        link_out_seek(r->link, night_first_seq(r->night, from));
    for (;;) {
        rc = produce_from(r, from, &end_seq);
        while (rc == KPM_OK) {
            rc = link_out_wait_durable(r->link, end_seq, 500);
            if (rc == KPM_EEMPTY) rc = dispose_durable(r);
            else break;
        }
        if (rc != KPM_EREWIND) break;
        uint64_t want = link_out_next(r->link);
        size_t k = want == 0 ? 0 : night_file_of_seq(r->night, want);
        if (k < first_pending(r->night) && want != 0) k = first_pending(r->night);
        if (want == 0 && first_pending(r->night) > 0) {
            log_error("aggregate asks for the whole night again, but files are archived already: "
                      "its state was lost; restore it or start a new night");
            return KPM_ESTATE;
        }
        from = k;
        batcher_reset(r->batch);
    }
    if (rc) return rc;
    if ((rc = dispose_durable(r))) return rc;
    r->night->done = 1;
    if ((rc = night_save(r->night))) return rc;
    link_out_bye(r->link, end_seq);
    return KPM_OK;
}

int ingest_run(const ingest_opts_t *o)
{
    char err[1024];
    run_t r = {.o = o};
    void *zctx = NULL;
    curve_t *curve = NULL;
    int rc = KPM_EIO;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    if (!(r.cat = catalog_load(o->catalog, err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    if (!(r.night = night_open(o->state_dir, o->inbox, o->night_id, err, sizeof err))) {
        log_error("%s", err);
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
        goto out;
    }
    log_info("night %s: %zu files in '%s'", r.night->id, r.night->n_files, o->inbox);
    zctx = zmq_ctx_new();
    link_opts_t lo = {.data_endpoint = o->data_endpoint, .ack_endpoint = o->ack_endpoint,
                      .stop = &stage_stop, .peer = "aggregate"};
    if (zctx && o->keys) {
        if (!(curve = curve_load(o->keys, "ingest", err, sizeof err)) ||
            curve_start(curve, zctx, err, sizeof err) != KPM_OK) {
            log_error("%s", err);
            rc = KPM_EINVAL;
            goto out;
        }
        lo.curve = curve;
    }
    if (!zctx || !(r.link = link_out_new(zctx, &lo, r.night->id, err, sizeof err))) {
        log_error("%s", zctx ? err : "cannot create a ZeroMQ context");
        goto out;
    }
    r.batch = batcher_new(r.night->id, o->batch_records ? o->batch_records : 2048, MSG_MAX_BYTES,
                          emit, &r);
    if (!r.batch) {
        rc = KPM_ENOMEM;
        goto out;
    }
    rc = run_night(&r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc != KPM_ESTOP) {
        stage_batch_t bd = {.night = r.night->id, .records_out = r.records_out,
                            .resends = link_out_resends(r.link), .seconds = secs,
                            .ok = rc == KPM_OK};
        for (size_t k = 0; k < r.night->n_files; k++) {
            bd.records_in += r.night->files[k].rows;
            bd.rejected += r.night->files[k].by_kind[WIRE_REC_REJECT];
        }
        stage_batch_done(&bd);
    }
    if (rc == KPM_OK) {
        stage_status("done", r.night->id, 0, r.records_out, NULL);
    } else if (rc == KPM_ESTOP) {
        log_info("stopped; night %s resumes on the next start", r.night->id);
        stage_status("stopped", r.night->id, 0, r.records_out, NULL);
    } else {
        log_error("night %s failed: %s", r.night->id, kpm_strerror(rc));
        stage_status("failed", r.night->id, 0, r.records_out, kpm_strerror(rc));
    }
out:
    batcher_destroy(&r.batch);
    link_out_destroy(&r.link);
    curve_destroy(&curve);
    if (zctx) zmq_ctx_term(zctx);
    night_destroy(&r.night);
    catalog_destroy(&r.cat);
    return rc;
}
