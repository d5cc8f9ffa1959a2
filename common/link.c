/* link.c - reliable stream delivery over ZeroMQ PUSH/PULL (see link.h). */
#include "link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "curve.h"
#include "kpm_err.h"
#include "log.h"

#define LINK_POLL_SLICE_MS 100
#define LINK_RESUME_EVERY_MS 300 /* at most one RESUME for the same seq per this */
/* A connecting socket whose peer has not bound yet retries after this long,
 * doubling up to the maximum. ZeroMQ's default (100 ms, constant) made every
 * night wait up to 100 ms per link at its start, while the peer's first
 * acknowledgements (and the window behind them) sat in the queue. */
#define LINK_RECONNECT_MS 5
#define LINK_RECONNECT_MAX_MS 100
#define LINK_WARN_EVERY_MS 5000 /* at most one warning a peer can provoke per this */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stopped(const link_opts_t *o)
{
    return o->stop && *o->stop;
}

/* Warnings that a peer can provoke at will (forged, foreign or malformed
 * messages) are written at most once per LINK_WARN_EVERY_MS per link end; the
 * next one says how many were left out, so that a flood cannot fill the disk. */
typedef struct {
    int64_t last;
    uint64_t left_out;
    uint64_t refused; /* messages refused so far (link_out_refused, link_in_refused) */
} warn_limit_t;

static void refuse(warn_limit_t *wl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(warn_limit_t *wl, const char *fmt, ...)
{
    int64_t now = now_ms();
    wl->refused++;
    if (wl->last && now - wl->last < LINK_WARN_EVERY_MS) {
        wl->left_out++;
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (wl->left_out)
        log_warn("%s (and %llu such messages in the last %d s, not logged)", msg,
                 (unsigned long long)wl->left_out, LINK_WARN_EVERY_MS / 1000);
    else
        log_warn("%s", msg);
    wl->last = now;
    wl->left_out = 0;
}

/* What a message that did not decode is called in the warning: one of another
 * kpm release (its wire version; the reader's error names both) is not malformed. */
static const char *undecodable(const wire_reader_t *rd, int control)
{
    if (wire_reader_other_version(rd)) return control ? "control message" : "message";
    return control ? "malformed control message" : "malformed message";
}

static void *socket_new(void *zctx, int type, int hwm, int linger_ms)
{
    void *s = zmq_socket(zctx, type);
    if (!s) return NULL;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    /* A frame beyond the largest legal message is dropped by ZeroMQ (and the
     * connection that sent it closed) before it takes memory (wire.h). */
    int64_t cap = (int64_t)WIRE_MSG_CAP;
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap);
    int ivl = LINK_RECONNECT_MS, ivl_max = LINK_RECONNECT_MAX_MS;
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    return s;
}

/* Sends a header-only control message (ACK, RESUME, BYE) without blocking: a
 * control message that cannot be queued is dropped; the next one, or the
 * peer's resend timer, makes up for it. */
static void send_control(void *sock, wire_writer_t *w, wire_msg_t type, const char *stream,
                         uint64_t seq, uint64_t aux)
{
    size_t len;
    wire_writer_begin(w, type, stream, seq, aux);
    const char *buf = wire_writer_finish(w, &len);
    if (buf) zmq_send(sock, buf, len, ZMQ_DONTWAIT);
}

static void opts_defaults(link_opts_t *dst, const link_opts_t *src)
{
    *dst = *src;
    if (!dst->window) dst->window = 32;
    if (!dst->resend_ms) dst->resend_ms = 2000;
    if (!dst->hwm) dst->hwm = 16;
}

/* ------------------------------------------------------------------ sender */

struct link_out {
    link_opts_t opts;
    void *data; /* PUSH, connected to the receiver's data endpoint */
    void *ack;  /* PULL, bound: ACK and RESUME from the receiver */
    char stream[WIRE_STREAM_MAX];
    uint64_t next;     /* next seq to send */
    uint64_t high;     /* one past the highest seq sent or skipped: acknowledgeable */
    uint64_t received; /* highest seq the receiver has in order, WIRE_NO_SEQ: none */
    uint64_t durable;  /* highest seq the receiver made durable, WIRE_NO_SEQ: none */
    int rewind_pending;
    int heard; /* the receiver has sent something since the link was set up */
    int64_t last_progress;
    uint64_t last_rewind_to;
    int64_t last_rewind_at;
    uint64_t rewinds;
    warn_limit_t warn;
    wire_writer_t *ctl;
    wire_reader_t *rd;
};

/* The sender's position for a stream that starts now, at seq 0. */
static void out_start_stream(link_out_t *out, const char *stream)
{
    snprintf(out->stream, sizeof out->stream, "%s", stream);
    out->next = out->high = 0;
    out->received = out->durable = WIRE_NO_SEQ;
    out->rewind_pending = 0;
    out->last_rewind_to = WIRE_NO_SEQ;
    out->last_progress = now_ms();
}

static uint64_t seq_after(uint64_t acked)
{
    return acked == WIRE_NO_SEQ ? 0 : acked + 1;
}

link_out_t *link_out_new(void *zctx, const link_opts_t *opts, const char *stream, char *err,
                         size_t errlen)
{
    link_out_t *out = calloc(1, sizeof *out);
    if (!out) {
        snprintf(err, errlen, "link: out of memory");
        return NULL;
    }
    opts_defaults(&out->opts, opts);
    out_start_stream(out, stream);
    out->ctl = wire_writer_new();
    out->rd = wire_reader_new();
    out->data = socket_new(zctx, ZMQ_PUSH, out->opts.hwm, 0);
    out->ack = socket_new(zctx, ZMQ_PULL, 1000, 0);
    if (!out->ctl || !out->rd || !out->data || !out->ack) {
        snprintf(err, errlen, "link: cannot create sockets: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (out->opts.curve && (curve_server(out->opts.curve, out->ack) != KPM_OK ||
                            curve_client(out->opts.curve, out->data, out->opts.peer) != KPM_OK)) {
        snprintf(err, errlen, "link: cannot set up CURVE towards '%s' (is there a %s.pub?)",
                 out->opts.peer ? out->opts.peer : "?", out->opts.peer ? out->opts.peer : "?");
        goto fail;
    }
    if (zmq_bind(out->ack, out->opts.ack_endpoint) != 0) {
        snprintf(err, errlen, "link: cannot bind '%s': %s", out->opts.ack_endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq_connect(out->data, out->opts.data_endpoint) != 0) {
        snprintf(err, errlen, "link: cannot connect '%s': %s", out->opts.data_endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    return out;
fail:
    link_out_destroy(&out);
    return NULL;
}

void link_out_destroy(link_out_t **pout)
{
    if (!pout || !*pout) return;
    link_out_t *out = *pout;
    if (out->data) zmq_close(out->data);
    if (out->ack) zmq_close(out->ack);
    wire_writer_destroy(&out->ctl);
    wire_reader_destroy(&out->rd);
    free(out);
    *pout = NULL;
}

static void out_rewind(link_out_t *out, uint64_t to, const char *why)
{
    int64_t now = now_ms();
    if (to == out->last_rewind_to && now - out->last_rewind_at < out->opts.resend_ms / 2)
        return; /* the same request again before the resend could arrive */
    log_info("link %s: resending from seq %llu (%s)", out->stream, (unsigned long long)to, why);
    out->next = to;
    out->rewind_pending = 1;
    out->rewinds++;
    out->last_rewind_to = to;
    out->last_rewind_at = now;
    out->last_progress = now;
}

static void out_skip_to(link_out_t *out, uint64_t next)
{
    out->next = next;
    if (out->high < next) out->high = next;
}

/* A control message without a stream id: ignored, but for one case. A
 * receiver that lost everything and knows no night (no --night, no state)
 * says RESUME(0) without a stream. If the sender has sent all and waits for
 * its END to become durable, it sends its last message again: a receiver that
 * does not know the stream asks for it from 0, under its name. Nothing is
 * taken as received or durable from such a message. */
static void out_unnamed(link_out_t *out, const wire_header_t *h)
{
    refuse(&out->warn, "link %s: %s without a stream id ignored", out->stream,
           wire_msg_name(h->type));
    if (h->type == WIRE_MSG_RESUME && h->seq == 0 && h->aux == WIRE_NO_SEQ && out->next > 0 &&
        seq_after(out->received) == out->next &&
        (out->durable == WIRE_NO_SEQ || out->durable + 1 < out->next)) {
        out_rewind(out, out->next - 1, "a receiver without a stream asked");
        out->received = out->next ? out->next - 1 : WIRE_NO_SEQ; /* room for the END */
    }
}

/* An acknowledgement of more than was sent, or a durable seq beyond what was
 * received, is a forgery or a bug: taking it would make the sender count as
 * delivered what never arrived. A RESUME beyond what was sent is the word of
 * a receiver that holds more than a restarted sender sent (PROTOCOL.md rule
 * 4), but what it calls durable must lie below where it resumes. */
static int out_ack_plausible(const link_out_t *out, const wire_header_t *h)
{
    if (h->type == WIRE_MSG_ACK) {
        if (h->seq != WIRE_NO_SEQ && h->seq >= out->high) return 0;
        if (h->aux != WIRE_NO_SEQ && (h->seq == WIRE_NO_SEQ || h->aux > h->seq)) return 0;
        return 1;
    }
    return h->aux == WIRE_NO_SEQ || h->aux < h->seq;
}

static void out_handle(link_out_t *out, const char *buf, size_t len)
{
    wire_header_t h;
    if (wire_reader_open(out->rd, buf, len, &h) != KPM_OK) {
        refuse(&out->warn, "link %s: %s dropped: %s", out->stream, undecodable(out->rd, 1),
               wire_reader_error(out->rd));
        return;
    }
    /* The receiver's word for the handshake, of whatever stream: at worst the
     * sender starts before a receiver that then asks for a resend. */
    out->heard = 1;
    if (h.type != WIRE_MSG_ACK && h.type != WIRE_MSG_RESUME) {
        refuse(&out->warn, "link %s: unexpected %s on the acknowledgement channel dropped",
               out->stream, wire_msg_name(h.type));
        return;
    }
    if (!h.stream[0]) {
        out_unnamed(out, &h);
        return;
    }
    if (strcmp(h.stream, out->stream) != 0) {
        /* Also a receiver that still speaks of the night before: harmless. */
        refuse(&out->warn, "link %s: %s of stream %s ignored", out->stream, wire_msg_name(h.type),
               h.stream);
        return;
    }
    if (!out_ack_plausible(out, &h)) {
        refuse(&out->warn,
               "link %s: %s of seq %llu (durable %lld) refused: only %llu messages were sent",
               out->stream, wire_msg_name(h.type), (unsigned long long)h.seq,
               h.aux == WIRE_NO_SEQ ? -1LL : (long long)h.aux, (unsigned long long)out->high);
        return;
    }
    {
        uint64_t rcv = h.type == WIRE_MSG_ACK ? h.seq : (h.seq ? h.seq - 1 : WIRE_NO_SEQ);
        int ahead = rcv != WIRE_NO_SEQ && (out->received == WIRE_NO_SEQ || rcv > out->received);
        if (ahead) out->last_progress = now_ms();
        /* A RESUME says where the receiver stands, also below what it acknowledged
         * before: a restarted receiver holds only what it made durable. */
        if (ahead || h.type == WIRE_MSG_RESUME) out->received = rcv;
        if (h.aux != WIRE_NO_SEQ && (out->durable == WIRE_NO_SEQ || h.aux > out->durable))
            out->durable = h.aux;
    }
    if (h.type == WIRE_MSG_RESUME) {
        if (h.seq < out->next)
            out_rewind(out, h.seq, "receiver asked");
        else if (h.seq > out->next)
            out_skip_to(out, h.seq); /* the receiver has more than we sent: it was durable */
    }
    /* What the receiver holds need not be sent again. */
    if (out->received != WIRE_NO_SEQ && out->received + 1 > out->next)
        out_skip_to(out, out->received + 1);
}

static int out_drain(link_out_t *out)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        int n = zmq_msg_recv(&m, out->ack, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_msg_close(&m);
            if (zmq_errno() == EAGAIN) return KPM_OK;
            if (zmq_errno() == EINTR) continue;
            log_error("link %s: receiving acknowledgements: %s", out->stream,
                      zmq_strerror(zmq_errno()));
            return KPM_EZMQ;
        }
        out_handle(out, zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
    }
}

/* Checks the resend timer: messages sent but not received for too long. */
static void out_check_timer(link_out_t *out)
{
    uint64_t base = seq_after(out->received);
    if (base < out->next && now_ms() - out->last_progress > out->opts.resend_ms)
        out_rewind(out, base, "no acknowledgement in time");
}

/* Waits up to LINK_POLL_SLICE_MS for an acknowledgement (and, if want_send, for
 * room on the data socket). */
static int out_wait(link_out_t *out, int want_send)
{
    zmq_pollitem_t items[2] = {{out->ack, 0, ZMQ_POLLIN, 0}, {out->data, 0, ZMQ_POLLOUT, 0}};
    int rc = zmq_poll(items, want_send ? 2 : 1, LINK_POLL_SLICE_MS);
    if (rc < 0 && zmq_errno() != EINTR) {
        log_error("link %s: poll: %s", out->stream, zmq_strerror(zmq_errno()));
        return KPM_EZMQ;
    }
    return out_drain(out);
}

static int out_take_rewind(link_out_t *out)
{
    if (!out->rewind_pending) return KPM_OK;
    out->rewind_pending = 0;
    return KPM_EREWIND;
}

int link_out_poll(link_out_t *out)
{
    int rc = out_drain(out);
    if (rc) return rc;
    out_check_timer(out);
    return out_take_rewind(out);
}

int link_out_send(link_out_t *out, uint64_t seq, const void *buf, size_t len)
{
    if (seq < out->next) return KPM_OK;
    if (seq > out->next) return KPM_EINVAL;
    for (;;) {
        int rc = out_drain(out);
        if (rc) return rc;
        out_check_timer(out);
        if ((rc = out_take_rewind(out))) return rc;
        if (seq < out->next) return KPM_OK; /* an ack showed the receiver has it */
        if (stopped(&out->opts)) return KPM_ESTOP;
        uint64_t base = seq_after(out->received);
        if (out->next - base < out->opts.window) {
            if (zmq_send(out->data, buf, len, ZMQ_DONTWAIT) >= 0) {
                if (base == out->next) out->last_progress = now_ms();
                out_skip_to(out, out->next + 1);
                return KPM_OK;
            }
            if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
                log_error("link %s: send: %s", out->stream, zmq_strerror(zmq_errno()));
                return KPM_EZMQ;
            }
        }
        if ((rc = out_wait(out, out->next - base < out->opts.window))) return rc;
    }
}

int link_out_handshake(link_out_t *out, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int rc = out_drain(out);
        if (rc) return rc;
        if (out->heard) return KPM_OK;
        if (stopped(&out->opts)) return KPM_ESTOP;
        if (now_ms() >= deadline) return KPM_EEMPTY;
        if ((rc = out_wait(out, 0))) return rc;
    }
}

int link_out_wait_durable(link_out_t *out, uint64_t seq, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
    for (;;) {
        int rc = out_drain(out);
        if (rc) return rc;
        out_check_timer(out);
        if ((rc = out_take_rewind(out))) return rc;
        if (out->durable != WIRE_NO_SEQ && out->durable >= seq) return KPM_OK;
        if (stopped(&out->opts)) return KPM_ESTOP;
        if (now_ms() >= deadline) return KPM_EEMPTY;
        if ((rc = out_wait(out, 0))) return rc;
    }
}

void link_out_bye(link_out_t *out, uint64_t end_seq)
{
    /* The receiver has taken everything, but the data socket may not have heard
     * yet that its queue drained: wait for room a moment rather than drop the BYE. */
    zmq_pollitem_t item = {out->data, 0, ZMQ_POLLOUT, 0};
    zmq_poll(&item, 1, LINK_POLL_SLICE_MS);
    send_control(out->data, out->ctl, WIRE_MSG_BYE, out->stream, end_seq, WIRE_NO_SEQ);
}

void link_out_set_stream(link_out_t *out, const char *stream)
{
    if (strcmp(out->stream, stream) != 0) out_start_stream(out, stream);
}

void link_out_seek(link_out_t *out, uint64_t next)
{
    if (next <= out->next) return;
    out_skip_to(out, next);
    out->received = out->durable = next - 1;
    out->last_progress = now_ms();
}

uint64_t link_out_next(const link_out_t *out)
{
    return out->next;
}

uint64_t link_out_durable(const link_out_t *out)
{
    return out->durable;
}

uint64_t link_out_resends(const link_out_t *out)
{
    return out->rewinds;
}

uint64_t link_out_refused(const link_out_t *out)
{
    return out->warn.refused;
}

/* ---------------------------------------------------------------- receiver */

struct link_in {
    link_opts_t opts;
    void *data;    /* PULL, bound */
    void *ack;     /* PUSH, connected to the sender's ack endpoint */
    void *mon;     /* PAIR: the ack socket's connection events (zmq_socket_monitor) */
    int connected; /* the ack socket has a connection to the sender */
    int expected;  /* link_in_expect was called: the receiver knows where it stands */
    char stream[WIRE_STREAM_MAX]; /* "" until a stream starts */
    uint64_t next;
    uint64_t durable;
    int complete;
    int got_bye;
    int hold;      /* do not take a new stream */
    uint64_t seen; /* data-channel messages received, in order or not */
    uint64_t last_resume_seq;
    int64_t last_resume_at;
    char last_resume_stream[WIRE_STREAM_MAX]; /* a RESUME of another stream is not held back */
    warn_limit_t warn;
    zmq_msg_t cur; /* the message handed out last */
    wire_writer_t *ctl;
    wire_reader_t *rd;
};

link_in_t *link_in_new(void *zctx, const link_opts_t *opts, char *err, size_t errlen)
{
    link_in_t *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "link: out of memory");
        return NULL;
    }
    opts_defaults(&in->opts, opts);
    in->durable = WIRE_NO_SEQ;
    in->last_resume_seq = WIRE_NO_SEQ;
    zmq_msg_init(&in->cur);
    in->ctl = wire_writer_new();
    in->rd = wire_reader_new();
    in->data = socket_new(zctx, ZMQ_PULL, in->opts.hwm, 0);
    in->ack = socket_new(zctx, ZMQ_PUSH, 1000, 200);
    if (!in->ctl || !in->rd || !in->data || !in->ack) {
        snprintf(err, errlen, "link: cannot create sockets: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    /* Every time the ack socket (re)connects, the receiver says where it stands
     * (in_events): a sender that (re)started finds out at once, also from a
     * receiver that only lingers after its END. */
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://kpm-link-in-%p", (void *)in);
    if (zmq_socket_monitor(in->ack, mon_ep, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
        !(in->mon = zmq_socket(zctx, ZMQ_PAIR)) || zmq_connect(in->mon, mon_ep) != 0) {
        snprintf(err, errlen, "link: cannot monitor the acknowledgement socket: %s",
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (in->opts.curve && (curve_server(in->opts.curve, in->data) != KPM_OK ||
                           curve_client(in->opts.curve, in->ack, in->opts.peer) != KPM_OK)) {
        snprintf(err, errlen, "link: cannot set up CURVE towards '%s' (is there a %s.pub?)",
                 in->opts.peer ? in->opts.peer : "?", in->opts.peer ? in->opts.peer : "?");
        goto fail;
    }
    if (zmq_bind(in->data, in->opts.data_endpoint) != 0) {
        snprintf(err, errlen, "link: cannot bind '%s': %s", in->opts.data_endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq_connect(in->ack, in->opts.ack_endpoint) != 0) {
        snprintf(err, errlen, "link: cannot connect '%s': %s", in->opts.ack_endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    return in;
fail:
    link_in_destroy(&in);
    return NULL;
}

void link_in_destroy(link_in_t **pin)
{
    if (!pin || !*pin) return;
    link_in_t *in = *pin;
    zmq_msg_close(&in->cur);
    if (in->data) zmq_close(in->data);
    if (in->mon) {
        if (in->ack) zmq_socket_monitor(in->ack, NULL, 0);
        zmq_close(in->mon);
    }
    if (in->ack) {
        /* After the BYE the sender has everything it waits for; what is still
         * queued (acknowledgements of the BYE's stream) need not hold the exit. */
        int linger_ms = 0;
        if (in->got_bye) zmq_setsockopt(in->ack, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
        zmq_close(in->ack);
    }
    wire_writer_destroy(&in->ctl);
    wire_reader_destroy(&in->rd);
    free(in);
    *pin = NULL;
}

static void in_ack(link_in_t *in)
{
    uint64_t rcv = in->next ? in->next - 1 : WIRE_NO_SEQ;
    send_control(in->ack, in->ctl, WIRE_MSG_ACK, in->stream, rcv, in->durable);
}

static void in_resume(link_in_t *in, const char *stream, uint64_t from, int force)
{
    int64_t now = now_ms();
    if (!force && from == in->last_resume_seq && strcmp(stream, in->last_resume_stream) == 0 &&
        now - in->last_resume_at < LINK_RESUME_EVERY_MS)
        return;
    snprintf(in->last_resume_stream, sizeof in->last_resume_stream, "%s", stream);
    in->last_resume_seq = from;
    in->last_resume_at = now;
    uint64_t durable = strcmp(stream, in->stream) == 0 ? in->durable : WIRE_NO_SEQ;
    send_control(in->ack, in->ctl, WIRE_MSG_RESUME, stream, from, durable);
}

/* Handles the ack socket's connection events: on each connection a receiver
 * that knows where it stands (link_in_expect) sends RESUME(next), forced. Also
 * a fresh receiver asks: it may be a restarted one that lost what was in flight,
 * and a sender that sent everything would otherwise wait forever for a durable
 * END (seen in fault injection). */
static void in_events(link_in_t *in)
{
    for (;;) {
        zmq_msg_t ev, addr;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, in->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&ev) >= 2) memcpy(&event, zmq_msg_data(&ev), 2);
        int more = zmq_msg_more(&ev);
        zmq_msg_close(&ev);
        if (more) { /* the second frame: the endpoint */
            zmq_msg_init(&addr);
            zmq_msg_recv(&addr, in->mon, 0);
            zmq_msg_close(&addr);
        }
        if (event == ZMQ_EVENT_DISCONNECTED) in->connected = 0;
        if (event == ZMQ_EVENT_CONNECTED) {
            in->connected = 1;
            if (in->expected) in_resume(in, in->stream, in->next, 1);
        }
    }
}

/* The night this receiver is for (opts.night), or NULL: any. */
static const char *in_night(const link_in_t *in)
{
    return in->opts.night && in->opts.night[0] ? in->opts.night : NULL;
}

void link_in_expect(link_in_t *in, const char *stream, uint64_t next, uint64_t durable,
                    int complete)
{
    const char *night = in_night(in);
    /* One RESUME per connection, so that a second copy cannot arrive after the
     * sender has begun and make it send its first messages again: a connection
     * made before now is noted here without a word (in_events speaks only for a
     * receiver that knows where it stands) and told below, once. */
    in->expected = 0;
    in_events(in);
    if (!stream) stream = "";
    if (night && strcmp(stream, night) != 0 && (!stream[0] || complete)) {
        /* Nothing of its night yet: it says so under the night's name. */
        stream = night;
        next = 0;
        durable = WIRE_NO_SEQ;
        complete = 0;
    }
    snprintf(in->stream, sizeof in->stream, "%s", stream);
    in->next = next;
    in->durable = durable;
    in->complete = complete;
    in->expected = 1;
    /* Said now if the ack socket is connected, else when it connects. */
    if (in->connected) in_resume(in, in->stream, next, 1);
}

/* Decides what to do with one data message. Returns 1 when it is the next one
 * in order (to be handed out), 0 when it was handled here. */
static int in_handle(link_in_t *in, const wire_header_t *h)
{
    if (!h->stream[0]) {
        refuse(&in->warn, "link: %s without a stream id dropped", wire_msg_name(h->type));
        return 0;
    }
    const char *night = in_night(in);
    if (night && strcmp(h->stream, night) != 0) {
        refuse(&in->warn, "link: %s of night %s refused: this receiver is for night %s",
               wire_msg_name(h->type), h->stream, night);
        return 0;
    }
    if (h->type == WIRE_MSG_BYE) {
        if (strcmp(h->stream, in->stream) == 0 && in->complete && h->seq + 1 == in->next)
            in->got_bye = 1;
        else
            refuse(&in->warn, "link: BYE of stream %s seq %llu ignored (stream %s at seq %llu%s)",
                   h->stream, (unsigned long long)h->seq, in->stream[0] ? in->stream : "-",
                   (unsigned long long)in->next, in->complete ? ", complete" : "");
        return 0;
    }
    if (h->type != WIRE_MSG_BEGIN && h->type != WIRE_MSG_DATA && h->type != WIRE_MSG_END) {
        refuse(&in->warn, "link: unexpected %s message on the data channel dropped",
               wire_msg_name(h->type));
        return 0;
    }
    int same = strcmp(h->stream, in->stream) == 0;
    if (!same && !in->hold && (in->stream[0] == '\0' || in->complete)) {
        if (h->seq != 0) {
            in_resume(in, h->stream, 0, 0); /* a new stream: from its start */
            return 0;
        }
        snprintf(in->stream, sizeof in->stream, "%s", h->stream);
        in->next = 0;
        in->durable = WIRE_NO_SEQ;
        in->complete = 0;
        same = 1;
    }
    if (!same) {
        refuse(&in->warn, "link: message of stream %s dropped: stream %s is %s", h->stream,
               in->stream, in->hold ? "held" : "not complete");
        return 0;
    }
    if (h->seq == in->next) {
        in->next++;
        in_ack(in);
        return 1;
    }
    if (h->seq < in->next)
        in_ack(in); /* a duplicate: tell the sender again what we have */
    else
        in_resume(in, in->stream, in->next, 0);
    return 0;
}

int link_in_recv(link_in_t *in, link_msg_t *msg, int timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        if (stopped(&in->opts)) return KPM_ESTOP;
        in_events(in);
        zmq_msg_close(&in->cur);
        zmq_msg_init(&in->cur);
        if (zmq_msg_recv(&in->cur, in->data, ZMQ_DONTWAIT) >= 0) {
            const char *buf = zmq_msg_data(&in->cur);
            size_t len = zmq_msg_size(&in->cur);
            in->seen++;
            if (wire_reader_open(in->rd, buf, len, &msg->hdr) != KPM_OK) {
                refuse(&in->warn, "link: %s dropped: %s", undecodable(in->rd, 0),
                       wire_reader_error(in->rd));
                continue;
            }
            if (!in_handle(in, &msg->hdr)) {
                if (in->got_bye) return 0; /* nothing more will come: do not wait */
                continue;
            }
            msg->buf = buf;
            msg->len = len;
            return 1;
        }
        if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
            log_error("link: receive: %s", zmq_strerror(zmq_errno()));
            return KPM_EZMQ;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0) return 0;
        zmq_pollitem_t items[2] = {{in->data, 0, ZMQ_POLLIN, 0}, {in->mon, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, left < LINK_POLL_SLICE_MS ? left : LINK_POLL_SLICE_MS) < 0 &&
            zmq_errno() != EINTR) {
            log_error("link: poll: %s", zmq_strerror(zmq_errno()));
            return KPM_EZMQ;
        }
    }
}

void link_in_hold(link_in_t *in, int hold)
{
    in->hold = hold;
}

void link_in_set_durable(link_in_t *in, uint64_t seq, int complete)
{
    in->durable = seq;
    in->complete = complete;
    in_ack(in);
}

int link_in_linger(link_in_t *in, int quiet_ms)
{
    int64_t quiet_since = now_ms();
    int hold = in->hold, rc = KPM_OK;
    in->hold = 1; /* a new stream's message is not ours to take (and acknowledge) now */
    while (!in->got_bye) {
        link_msg_t msg;
        uint64_t before = in->seen;
        rc = link_in_recv(in, &msg, LINK_POLL_SLICE_MS);
        if (rc < 0) break;
        if (in->seen != before) quiet_since = now_ms();
        if (rc > 0)
            log_warn("link %s: message %llu after the end of the stream ignored", in->stream,
                     (unsigned long long)msg.hdr.seq);
        rc = KPM_OK;
        if (now_ms() - quiet_since >= quiet_ms) break;
    }
    in->hold = hold;
    return rc;
}

const char *link_in_stream(const link_in_t *in)
{
    return in->stream;
}

uint64_t link_in_next(const link_in_t *in)
{
    return in->next;
}

uint64_t link_in_refused(const link_in_t *in)
{
    return in->warn.refused;
}
