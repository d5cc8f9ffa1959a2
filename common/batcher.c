#include "batcher.h"

#include <stdio.h>
#include <stdlib.h>

#include "kpm_err.h"

struct batcher {
    wire_writer_t *w;
    char stream[WIRE_STREAM_MAX];
    uint32_t max_records;
    size_t max_bytes;
    batcher_emit_fn emit;
    void *ctx;
    uint64_t seq; /* seq of the message being filled */
    int open;     /* a DATA message has been begun */
    uint64_t records;
};

batcher_t *batcher_new(const char *stream, uint32_t max_records, size_t max_bytes,
                       batcher_emit_fn emit, void *ctx)
{
    batcher_t *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->w = wire_writer_new();
    if (!b->w) {
        free(b);
        return NULL;
    }
    snprintf(b->stream, sizeof b->stream, "%s", stream);
    b->max_records = max_records ? max_records : 1;
    b->max_bytes = max_bytes;
    b->emit = emit;
    b->ctx = ctx;
    return b;
}

void batcher_destroy(batcher_t **pb)
{
    if (!pb || !*pb) return;
    wire_writer_destroy(&(*pb)->w);
    free(*pb);
    *pb = NULL;
}

void batcher_seek(batcher_t *b, uint64_t seq)
{
    b->seq = seq;
    b->open = 0;
}

uint64_t batcher_seq(const batcher_t *b)
{
    return b->seq;
}

void batcher_reset(batcher_t *b)
{
    b->open = 0;
}

uint64_t batcher_records(const batcher_t *b)
{
    return b->records;
}

static int emit_current(batcher_t *b)
{
    size_t len;
    const char *buf = wire_writer_finish(b->w, &len);
    uint64_t seq = b->seq;
    b->open = 0;
    b->seq++;
    return b->emit(b->ctx, seq, buf, len);
}

int batcher_flush(batcher_t *b)
{
    if (!b->open || wire_writer_count(b->w) == 0) return KPM_OK;
    return emit_current(b);
}

int batcher_put(batcher_t *b, const wire_record_t *rec)
{
    if (!b->open) {
        wire_writer_begin(b->w, WIRE_MSG_DATA, b->stream, b->seq, 0);
        b->open = 1;
    }
    int rc = wire_writer_put(b->w, rec);
    if (rc) return rc;
    b->records++;
    if (wire_writer_count(b->w) >= b->max_records || wire_writer_size(b->w) >= b->max_bytes)
        return emit_current(b);
    return KPM_OK;
}

int batcher_emit_control(batcher_t *b, wire_msg_t type, uint64_t aux, const wire_record_t *recs,
                         size_t n)
{
    int rc = batcher_flush(b);
    if (rc) return rc;
    wire_writer_begin(b->w, type, b->stream, b->seq, aux);
    for (size_t i = 0; i < n; i++)
        if ((rc = wire_writer_put(b->w, &recs[i]))) return rc;
    b->open = 1;
    return emit_current(b);
}
