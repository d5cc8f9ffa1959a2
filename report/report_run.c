/* report_run.c - the report stage's loop (see report_run.h). */
#include "report_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "curve.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "report_out.h"
#include "stage.h"

typedef struct {
    const report_opts_t *o;
    char done_path[4200]; /* STATE/report/last-night: "<night> <end seq>" */
    link_in_t *in;
    wire_reader_t *rd;
    report_out_t *out;
    char night[WIRE_STREAM_MAX];
    uint64_t tables, rows, records;
    int pg_rc; /* the last night's PostgreSQL load */
} rep_t;

static int write_manifest(rep_t *r, double secs)
{
    char path[4200], when[32], buf[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(path, sizeof path, "%s/run-manifest.json", r->o->out_dir);
    int n = snprintf(buf, sizeof buf,
                     "{\n  \"schema_version\": 1,\n  \"nacht\": \"%s\",\n  \"geschreven_op\": \"%s\",\n"
                     "  \"tabellen\": %llu,\n  \"rijen\": %llu,\n  \"records_ontvangen\": %llu,\n"
                     "  \"seconden_report\": %.3f\n}\n",
                     r->night, when, (unsigned long long)r->tables, (unsigned long long)r->rows,
                     (unsigned long long)r->records, secs);
    return fs_write_atomic(path, buf, (size_t)n);
}

static int load_done(rep_t *r, uint64_t *end_seq)
{
    char *buf;
    size_t len;
    if (fs_read_all(r->done_path, &buf, &len) != KPM_OK) return 0;
    unsigned long long seq;
    int ok = sscanf(buf, "%63s %llu", r->night, &seq) == 2;
    free(buf);
    *end_seq = seq;
    return ok;
}

static int check_end(rep_t *r, const wire_counts_t *c)
{
    for (uint32_t i = 0; i < c->n; i++) {
        uint64_t got = wire_str_eq(c->names[i], "tables") ? r->tables
                       : wire_str_eq(c->names[i], "rows") ? r->rows
                                                          : c->counts[i];
        if (got != c->counts[i]) {
            log_error("night %s: aggregate sent %llu %.*s, %llu arrived; outputs not written",
                      r->night, (unsigned long long)c->counts[i], (int)c->names[i].len,
                      c->names[i].ptr, (unsigned long long)got);
            return KPM_EGAP;
        }
    }
    return KPM_OK;
}

/* Applies one message. Returns 1 when the night's END was committed. */
static int handle(rep_t *r, const link_msg_t *msg)
{
    static wire_record_t rec;
    char err[1024];
    if (msg->hdr.type == WIRE_MSG_BEGIN || !r->out) {
        report_out_destroy(&r->out);
        snprintf(r->night, sizeof r->night, "%s", msg->hdr.stream);
        r->tables = r->rows = r->records = 0;
        report_out_opts_t oo = {.night = r->night, .html = 1, .sqlite = 1, .pg_conninfo = r->o->pg};
        if (!(r->out = report_out_open(r->o->out_dir, &oo, err, sizeof err))) {
            log_error("%s", err);
            return KPM_EIO;
        }
        stage_status("receiving", r->night, 0, 0, NULL);
    }
    wire_header_t h;
    int rc = wire_reader_open(r->rd, msg->buf, msg->len, &h);
    while (rc == KPM_OK && (rc = wire_reader_next(r->rd, &rec)) == 1) {
        rc = KPM_OK;
        switch (rec.kind) {
        case WIRE_REC_TABLE_BEGIN:
            rc = report_out_table_begin(r->out, &rec.u.table_begin);
            r->tables++;
            break;
        case WIRE_REC_TABLE_ROW:
            rc = report_out_table_row(r->out, &rec.u.table_row);
            r->rows++;
            break;
        case WIRE_REC_TABLE_END:
            rc = report_out_table_end(r->out, &rec.u.table_end);
            break;
        case WIRE_REC_COUNTS:
            if (h.type == WIRE_MSG_END) rc = check_end(r, &rec.u.counts);
            break;
        default:
            log_error("night %s: unexpected %s record", r->night, wire_rec_kind_name(rec.kind));
            rc = KPM_EPROTO;
        }
        r->records++;
    }
    if (rc < 0) {
        log_error("night %s: message %llu: %s", r->night, (unsigned long long)h.seq,
                  rc == KPM_EPROTO && r->out && report_out_error(r->out)[0]
                      ? report_out_error(r->out)
                      : rc == KPM_EPROTO ? wire_reader_error(r->rd) : kpm_strerror(rc));
        return rc;
    }
    if (h.type != WIRE_MSG_END) return 0;
    if ((rc = report_out_commit(r->out)) != KPM_OK) {
        log_error("night %s: cannot write the outputs: %s", r->night, report_out_error(r->out));
        return rc;
    }
    /* A failed PostgreSQL load does not hold the night back: the files are
     * complete, and every night loads all tables, so the next one catches up.
     * It fails the stage after the night is acknowledged (docs/DATABASE.md). */
    if ((r->pg_rc = report_out_commit_pg(r->out)) != KPM_OK)
        log_error("night %s: the output files are written, but the PostgreSQL load failed: %s; "
                  "the database keeps the night loaded before, and the next night loads every "
                  "table again",
                  r->night, report_out_error(r->out));
    char done[128];
    int n = snprintf(done, sizeof done, "%s %llu\n", r->night, (unsigned long long)h.seq);
    if ((rc = fs_write_atomic(r->done_path, done, (size_t)n))) return rc;
    link_in_set_durable(r->in, h.seq, 1);
    return 1;
}

int report_run(const report_opts_t *o)
{
    char err[1024], dir[4200];
    rep_t r = {.o = o};
    void *zctx = NULL;
    curve_t *curve = NULL;
    int rc = KPM_EIO;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    snprintf(dir, sizeof dir, "%s/report", o->state_dir);
    snprintf(r.done_path, sizeof r.done_path, "%s/last-night", dir);
    if (fs_mkdirs(dir, 0770) != KPM_OK || fs_mkdirs(o->out_dir, 0750) != KPM_OK) {
        log_error("cannot create '%s' or '%s'", dir, o->out_dir);
        goto out;
    }
    if (!(r.rd = wire_reader_new())) {
        rc = KPM_ENOMEM;
        goto out;
    }
    zctx = zmq_ctx_new();
    if (zctx && o->keys) {
        if (!(curve = curve_load(o->keys, "report", err, sizeof err)) ||
            curve_start(curve, zctx, err, sizeof err) != KPM_OK) {
            log_error("%s", err);
            rc = KPM_EINVAL;
            goto out;
        }
    }
    link_opts_t li = {.data_endpoint = o->in_endpoint, .ack_endpoint = o->in_ack,
                      .stop = &stage_stop, .curve = curve, .peer = "aggregate"};
    if (!zctx || !(r.in = link_in_new(zctx, &li, err, sizeof err))) {
        log_error("%s", zctx ? err : "cannot create a ZeroMQ context");
        rc = KPM_EZMQ;
        goto out;
    }
    uint64_t end_seq;
    if (load_done(&r, &end_seq)) {
        link_in_expect(r.in, r.night, end_seq + 1, end_seq, 1);
        if (o->night && strcmp(o->night, r.night) == 0) {
            /* Written before a restart: confirm it to aggregate, then go. */
            log_info("night %s: outputs are written already", r.night);
            stage_status("done", r.night, 0, 0, NULL);
            rc = link_in_linger(r.in, 3000);
            rc = rc == KPM_ESTOP ? KPM_OK : rc;
            goto out;
        }
    } else {
        link_in_expect(r.in, "", 0, WIRE_NO_SEQ, 0);
    }
    stage_status("waiting", r.night, 0, 0, NULL);
    for (;;) {
        link_msg_t msg;
        rc = link_in_recv(r.in, &msg, 200);
        if (rc < 0) goto out;
        if (rc == 1 && (rc = handle(&r, &msg)) != 0) {
            /* An earlier night that was not acknowledged (its outputs failed)
             * comes first: written now, on to ours. */
            if (rc == 1 && o->night && strcmp(r.night, o->night) != 0) {
                log_info("night %s: outputs of this earlier night written; waiting for night %s",
                         r.night, o->night);
                report_out_destroy(&r.out);
                continue;
            }
            break;
        }
    }
    if (rc < 0) goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (write_manifest(&r, secs) != KPM_OK) log_warn("cannot write run-manifest.json");
    log_info("night %s: %llu tables, %llu rows written to '%s'", r.night,
             (unsigned long long)r.tables, (unsigned long long)r.rows, o->out_dir);
    stage_batch_done(&(stage_batch_t){.night = r.night, .records_in = r.records,
                                      .records_out = r.rows, .seconds = secs, .ok = !r.pg_rc});
    if (!r.pg_rc) stage_status("done", r.night, r.rows, r.rows, NULL);
    rc = link_in_linger(r.in, 3000);
    if (rc == KPM_ESTOP) rc = KPM_OK; /* the outputs are complete */
    if (rc == KPM_OK) rc = r.pg_rc;
out:
    if (rc == KPM_ESTOP) stage_status("stopped", r.night, r.rows, 0, NULL);
    else if (rc)
        stage_status("failed", r.night, r.rows, 0,
                     r.pg_rc ? "PostgreSQL load failed (files written)" : kpm_strerror(rc));
    report_out_destroy(&r.out);
    link_in_destroy(&r.in);
    curve_destroy(&curve);
    if (zctx) zmq_ctx_term(zctx);
    wire_reader_destroy(&r.rd);
    return rc;
}
