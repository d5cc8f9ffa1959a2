/* link.h - reliable, ordered delivery of one stream of messages from a sender
 * stage to a receiver stage over ZeroMQ PUSH/PULL (docs/PROTOCOL.md).
 *
 * ZeroMQ alone loses what sits in a dead peer's queues, and a closing PUSH socket
 * may drop its last messages. So the link never relies on close or linger:
 * - every message carries (stream, seq); the receiver takes only seq == next and
 *   acknowledges on a back channel twice over: `received` (flow control: the
 *   sender keeps at most `window` messages beyond it) and `durable` (the receiver
 *   has made everything up to it safe: checkpointed, or written out);
 * - a gap or a restarted receiver makes the receiver ask for a RESUME from the
 *   first seq it lacks; no progress for `resend_ms` makes the sender resend from
 *   the first unacknowledged seq. Duplicates are dropped and acknowledged again;
 * - the sender does not keep what it sent: it regenerates. link_out_send()
 *   returns KPM_EREWIND when the receiver needs an earlier seq; the caller then
 *   produces its messages again from any point at or before link_out_next() and
 *   calls link_out_send() for each in order: messages below link_out_next() are
 *   skipped without being sent. This works because every stage produces the same
 *   messages with the same numbers from the same inputs.
 * Sockets: the receiver binds the data endpoint (PULL), the sender binds the ack
 * endpoint (PULL); each connects a PUSH socket to the other's.
 */
#ifndef KPM_LINK_H
#define KPM_LINK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct {
    const char *data_endpoint;   /* e.g. "ipc:///var/lib/kpm/sock/aggregate.in" */
    const char *ack_endpoint;    /* e.g. "ipc:///var/lib/kpm/sock/ingest.ack" */
    unsigned window;             /* messages in flight beyond `received`; 0: 32 */
    int resend_ms;               /* resend after this long without progress; 0: 2000 */
    int hwm;                     /* ZeroMQ high-water mark in messages; 0: 16 */
    volatile sig_atomic_t *stop; /* set by a signal handler: calls return KPM_ESTOP */
    const struct curve *curve;   /* NULL, or CurveZMQ keys (curve.h) for both sockets */
    const char *peer;            /* with curve: the other stage's name ("aggregate") */
    const char *night;           /* receiver: NULL or "", any night; else the only stream
                                    it takes (--night): others are refused and logged */
} link_opts_t;

/* ---- sender ---- */

typedef struct link_out link_out_t;

/* Creates the sender half. zctx is a ZeroMQ context owned by the caller.
 * Returns NULL with a message in err. */
link_out_t *link_out_new(void *zctx, const link_opts_t *opts, const char *stream, char *err,
                         size_t errlen);
void link_out_destroy(link_out_t **out);

/* Sends message `seq` (bytes of a wire message with that seq in its header).
 * seq below link_out_next() is skipped (KPM_OK); above it is KPM_EINVAL. Blocks
 * while the window is full, handling acknowledgements. Returns KPM_OK,
 * KPM_EREWIND (produce again from link_out_next()), KPM_ESTOP, KPM_EZMQ. */
int link_out_send(link_out_t *out, uint64_t seq, const void *buf, size_t len);

/* Waits until the receiver has said where it stands (its RESUME or an
 * acknowledgement, of any stream), at most timeout_ms. A receiver sends a
 * RESUME when it starts; a sender that waits for it before its first message
 * does not send what the receiver then asks for again. Returns KPM_OK,
 * KPM_EEMPTY on timeout (send anyway: the protocol does not depend on it),
 * KPM_ESTOP, KPM_EZMQ. */
int link_out_handshake(link_out_t *out, int timeout_ms);

/* Waits until the receiver has made seq durable, handling acknowledgements.
 * timeout_ms < 0: no limit. Returns KPM_OK, KPM_EEMPTY on timeout,
 * KPM_EREWIND, KPM_ESTOP, KPM_EZMQ. */
int link_out_wait_durable(link_out_t *out, uint64_t seq, int timeout_ms);

/* Handles acknowledgements already waiting, without blocking. Returns KPM_OK,
 * KPM_EREWIND or KPM_EZMQ. */
int link_out_poll(link_out_t *out);

/* Tells the receiver that its durable acknowledgement of the END arrived, so that
 * it may stop waiting (BYE). Best effort: the receiver also stops after a quiet
 * period. */
void link_out_bye(link_out_t *out, uint64_t end_seq);

/* Makes the link carry another stream, from its seq 0: nothing of the previous
 * one is sent or waited for any more. */
void link_out_set_stream(link_out_t *out, const char *stream);

/* Starts sending at seq `next` instead of 0: for a restarted sender that knows
 * the receiver made everything below `next` durable (ingest's archived files). */
void link_out_seek(link_out_t *out, uint64_t next);

uint64_t link_out_next(const link_out_t *out);    /* next seq the link will send */
uint64_t link_out_durable(const link_out_t *out); /* WIRE_NO_SEQ: nothing durable yet */
uint64_t link_out_resends(const link_out_t *out); /* rewinds so far (for logs) */
/* Control messages refused so far: malformed, without a stream id, of another
 * stream, or acknowledging more than was sent (each logged, rate-limited). */
uint64_t link_out_refused(const link_out_t *out);

/* ---- receiver ---- */

typedef struct link_in link_in_t;

/* One in-order message; buf/len stay valid until the next link_in_recv. */
typedef struct {
    wire_header_t hdr;
    const char *buf;
    size_t len;
} link_msg_t;

link_in_t *link_in_new(void *zctx, const link_opts_t *opts, char *err, size_t errlen);
void link_in_destroy(link_in_t **in);

/* Sets where the stream stands (from a checkpoint): stream "" accepts any new
 * stream starting at seq 0. `durable` is the highest seq already safe
 * (WIRE_NO_SEQ: none). `complete` says the stream's END was applied: a new
 * stream may then start. From then on the receiver sends RESUME(next) on every
 * connection of its acknowledgement socket (now, if it is connected), so that
 * a sender resumes at once, also one that starts or restarts later. Connection
 * events are handled by link_in_recv and link_in_linger: a receiver has to
 * be in one of them to be heard. */
void link_in_expect(link_in_t *in, const char *stream, uint64_t next, uint64_t durable,
                    int complete);

/* Receives the next in-order message. Returns 1 with *msg filled, 0 on timeout,
 * KPM_ESTOP, or KPM_EZMQ. Duplicates, gaps and messages of another stream are
 * handled inside (acknowledged again, RESUME requested, or logged and dropped). */
int link_in_recv(link_in_t *in, link_msg_t *msg, int timeout_ms);

/* While held, a message that starts a new stream is dropped instead of being
 * taken (a stage that is still busy with the previous stream's results). */
void link_in_hold(link_in_t *in, int hold);

/* Declares everything up to seq durable and acknowledges it. Call with the END's
 * seq and complete = 1 once the END is applied. */
void link_in_set_durable(link_in_t *in, uint64_t seq, int complete);

/* After the END is durable: waits for the sender's BYE, answering resends, until
 * BYE arrives or nothing arrived for quiet_ms. Returns KPM_OK or KPM_ESTOP. */
int link_in_linger(link_in_t *in, int quiet_ms);

const char *link_in_stream(const link_in_t *in);
uint64_t link_in_next(const link_in_t *in);
/* Data messages refused so far: malformed, without a stream id, of a night other
 * than opts.night, a BYE that does not end the stream (each logged, rate-limited). */
uint64_t link_in_refused(const link_in_t *in);

#endif
