/* batcher.h - packs records into numbered wire messages of bounded size.
 *
 * Message boundaries depend only on the records put in (at most max_records
 * records or about max_bytes bytes per message, and a new message at each
 * batcher_flush()), so the same input always gives the same messages with the
 * same sequence numbers: the property that lets a stage regenerate what a
 * receiver lost (see link.h).
 */
#ifndef KPM_BATCHER_H
#define KPM_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Called with each completed message; returns KPM_OK or an error that the
 * batcher passes back to its caller (e.g. KPM_EREWIND from link_out_send). */
typedef int (*batcher_emit_fn)(void *ctx, uint64_t seq, const char *buf, size_t len);

typedef struct batcher batcher_t;

batcher_t *batcher_new(const char *stream, uint32_t max_records, size_t max_bytes,
                       batcher_emit_fn emit, void *ctx);
void batcher_destroy(batcher_t **b);

/* Sets the seq of the next message. */
void batcher_seek(batcher_t *b, uint64_t seq);
uint64_t batcher_seq(const batcher_t *b);

/* Adds a record to the current DATA message, emitting it first when full. */
int batcher_put(batcher_t *b, const wire_record_t *rec);

/* Emits the current DATA message if it holds records. */
int batcher_flush(batcher_t *b);

/* Emits a message of its own type (BEGIN or END) with the given records. */
int batcher_emit_control(batcher_t *b, wire_msg_t type, uint64_t aux, const wire_record_t *recs,
                         size_t n);

/* Drops an unfinished message (after an error or a rewind). */
void batcher_reset(batcher_t *b);

/* Records put since creation (not counting control messages). */
uint64_t batcher_records(const batcher_t *b);

#endif
