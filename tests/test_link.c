/* test_link.c - the reliable link between two stages: ordered exactly-once
 * delivery, flow control, restarts of either side, lost and duplicated messages,
 * streams, the resend timer, and the end of a stream (BYE, linger).
 *
 * Each side has its own ZeroMQ context and talks over ipc:// endpoints in a fresh
 * directory, so that a side can be "killed" (its link destroyed, its context
 * terminated) and started again on the same endpoint. Where the test must see or
 * change what travels, a raw socket stands in for one side, or a proxy between
 * the sender and the receiver drops or doubles chosen messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <msgpack.h>
#include <zmq.h>

#include "kpm_err.h"
#include "link.h"
#include "log.h"
#include "wire.h"

#define NIGHT_A "20261126T030000Z"
#define NIGHT_B "20261127T030000Z"
#define WAIT_MS 3000   /* bound of every single wait: a bug fails a test, never hangs it */
#define GUARD_MS 30000 /* bound of a receiver thread (generous: valgrind is slow) */
#define NO_DROP WIRE_NO_SEQ

static volatile sig_atomic_t stop_flag;

typedef struct {
    char dir[64];
    char data_ep[128], ack_ep[128], proxy_ep[128];
    void *zin, *zout; /* receiver side, sender side */
    link_out_t *out;
    link_in_t *in;
    void *raw_push, *raw_pull; /* stand-ins for one side, or the proxy (sender context) */
    wire_writer_t *w;
    wire_reader_t *rd;
} fx_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_link.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->data_ep, sizeof fx->data_ep, "ipc://%s/data", fx->dir);
    snprintf(fx->ack_ep, sizeof fx->ack_ep, "ipc://%s/ack", fx->dir);
    snprintf(fx->proxy_ep, sizeof fx->proxy_ep, "ipc://%s/proxy", fx->dir);
    fx->zin = zmq_ctx_new();
    fx->zout = zmq_ctx_new();
    fx->w = wire_writer_new();
    fx->rd = wire_reader_new();
    assert_true(fx->zin && fx->zout && fx->w && fx->rd);
    stop_flag = 0;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    static const char *const files[] = {"data", "ack", "proxy"};
    link_out_destroy(&fx->out);
    link_in_destroy(&fx->in);
    if (fx->raw_push) zmq_close(fx->raw_push);
    if (fx->raw_pull) zmq_close(fx->raw_pull);
    zmq_ctx_term(fx->zin);
    zmq_ctx_term(fx->zout);
    wire_writer_destroy(&fx->w);
    wire_reader_destroy(&fx->rd);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", fx->dir, files[i]);
        unlink(path);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static link_opts_t opts(const fx_t *fx, unsigned window, int resend_ms)
{
    return (link_opts_t){.data_endpoint = fx->data_ep,
                         .ack_endpoint = fx->ack_ep,
                         .window = window,
                         .resend_ms = resend_ms,
                         .stop = &stop_flag};
}

static void out_start(fx_t *fx, const link_opts_t *o, const char *stream)
{
    char err[256] = "";
    fx->out = link_out_new(fx->zout, o, stream, err, sizeof err);
    if (!fx->out) fail_msg("link_out_new: %s", err);
}

static void in_start(fx_t *fx, const link_opts_t *o)
{
    char err[256] = "";
    fx->in = link_in_new(fx->zin, o, err, sizeof err);
    if (!fx->in) fail_msg("link_in_new: %s", err);
}

/* A side dies: its link goes, and with its context everything it had queued. */
static void kill_sender(fx_t *fx)
{
    link_out_destroy(&fx->out);
    zmq_ctx_term(fx->zout);
    fx->zout = zmq_ctx_new();
    assert_non_null(fx->zout);
}

static void kill_receiver(fx_t *fx)
{
    link_in_destroy(&fx->in);
    zmq_ctx_term(fx->zin);
    fx->zin = zmq_ctx_new();
    assert_non_null(fx->zin);
}

/* Message `seq` of a stream whose END is `end`: BEGIN, DATA..., END, each with one
 * record that repeats the seq, so that a receiver can check what it got. */
static const char *msg_make(wire_writer_t *w, const char *stream, uint64_t seq, uint64_t end,
                            size_t *len)
{
    wire_msg_t type = seq == 0 ? WIRE_MSG_BEGIN : seq == end ? WIRE_MSG_END : WIRE_MSG_DATA;
    wire_writer_begin(w, type, stream, seq, 0);
    wire_record_t r = {.kind = WIRE_REC_FILE_END};
    r.u.file_end.file = wire_str("gebruik_2026-11.csv");
    r.u.file_end.rows = seq;
    if (wire_writer_put(w, &r) != KPM_OK) return NULL;
    return wire_writer_finish(w, len);
}

/* 1 when the message decodes and its record carries the header's seq. */
static int msg_ok(wire_reader_t *rd, const link_msg_t *m)
{
    wire_header_t h;
    wire_record_t r;
    if (wire_reader_open(rd, m->buf, m->len, &h) != KPM_OK) return 0;
    if (h.seq != m->hdr.seq || strcmp(h.stream, m->hdr.stream) != 0) return 0;
    if (wire_reader_next(rd, &r) != 1 || r.kind != WIRE_REC_FILE_END) return 0;
    return r.u.file_end.rows == h.seq && wire_reader_next(rd, &r) == 0;
}

/* Produces messages first..last as a stage does: on KPM_EREWIND it produces again
 * from link_out_next(). Returns the first other code; counts rewinds. */
static int produce(link_out_t *out, wire_writer_t *w, const char *stream, uint64_t first,
                   uint64_t last, uint64_t end, int *rewinds)
{
    int64_t deadline = now_ms() + GUARD_MS;
    for (uint64_t seq = first; seq <= last;) {
        size_t len = 0;
        const char *buf = msg_make(w, stream, seq, end, &len);
        if (!buf) return KPM_ENOMEM;
        int rc = link_out_send(out, seq, buf, len);
        if (rc == KPM_EREWIND) {
            if (rewinds) (*rewinds)++;
            if (now_ms() > deadline) return KPM_EREWIND;
            seq = link_out_next(out);
            continue;
        }
        if (rc) return rc;
        seq++;
    }
    return KPM_OK;
}

static void produce_ok(fx_t *fx, const char *stream, uint64_t first, uint64_t last, uint64_t end)
{
    int rc = produce(fx->out, fx->w, stream, first, last, end, NULL);
    assert_int_equal(rc, KPM_OK);
}

/* The receiver hands out exactly first..last, in order, each decoding. */
static void expect_seqs(fx_t *fx, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        link_msg_t m;
        int rc = link_in_recv(fx->in, &m, WAIT_MS);
        if (rc != 1) fail_msg("waiting for seq %llu: rc %d", (unsigned long long)seq, rc);
        assert_int_equal(m.hdr.seq, seq);
        assert_true(msg_ok(fx->rd, &m));
    }
}

/* The receiver hands out nothing for ms. */
static void expect_nothing(fx_t *fx, int ms)
{
    link_msg_t m;
    int rc = link_in_recv(fx->in, &m, ms);
    if (rc != 0) fail_msg("unexpected: rc %d, seq %llu", rc, (unsigned long long)m.hdr.seq);
}

/* Polls the sender until `cond` holds or it returns something other than KPM_OK;
 * returns that code (KPM_EEMPTY when WAIT_MS passed). */
typedef int (*out_cond_t)(const link_out_t *out, uint64_t arg);

static int poll_until(link_out_t *out, out_cond_t cond, uint64_t arg)
{
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        int rc = link_out_poll(out);
        if (rc) return rc;
        if (cond && cond(out, arg)) return KPM_OK;
        if (now_ms() > deadline) return KPM_EEMPTY;
        sleep_ms(5);
    }
}

static int durable_is(const link_out_t *out, uint64_t seq)
{
    return link_out_durable(out) == seq;
}

static int next_is(const link_out_t *out, uint64_t seq)
{
    return link_out_next(out) == seq;
}

/* ---- raw sockets: a proxy or a stand-in for one side ---- */

static void *raw_socket(void *zctx, int type, const char *endpoint, int bind)
{
    void *s = zmq_socket(zctx, type);
    assert_non_null(s);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(bind ? zmq_bind(s, endpoint) : zmq_connect(s, endpoint), 0);
    return s;
}

/* A proxy between sender and receiver: the sender's data endpoint is proxy_ep. */
static void proxy_open(fx_t *fx)
{
    fx->raw_pull = raw_socket(fx->zout, ZMQ_PULL, fx->proxy_ep, 1);
    fx->raw_push = raw_socket(fx->zout, ZMQ_PUSH, fx->data_ep, 0);
}

/* Forwards the next n messages of the sender, dropping seq `drop` and sending
 * seq `dup` twice. */
static void proxy_pump(fx_t *fx, int n, uint64_t drop, uint64_t dup)
{
    zmq_setsockopt(fx->raw_pull, ZMQ_RCVTIMEO, &(int){WAIT_MS}, sizeof(int));
    for (int i = 0; i < n; i++) {
        zmq_msg_t m;
        wire_header_t h;
        zmq_msg_init(&m);
        int got = zmq_msg_recv(&m, fx->raw_pull, 0);
        if (got < 0) {
            zmq_msg_close(&m);
            fail_msg("proxy: message %d of %d did not come", i + 1, n);
        }
        assert_int_equal(wire_reader_open(fx->rd, zmq_msg_data(&m), zmq_msg_size(&m), &h), KPM_OK);
        for (int copies = h.seq == drop ? 0 : h.seq == dup ? 2 : 1; copies > 0; copies--)
            assert_true(zmq_send(fx->raw_push, zmq_msg_data(&m), zmq_msg_size(&m), 0) >= 0);
        zmq_msg_close(&m);
    }
}

static void raw_send(fx_t *fx, const char *stream, uint64_t seq, uint64_t end)
{
    size_t len = 0;
    const char *buf = msg_make(fx->w, stream, seq, end, &len);
    assert_non_null(buf);
    assert_true(zmq_send(fx->raw_push, buf, len, 0) >= 0);
}

/* A receiver whose sender is a raw socket (raw_push; raw_pull gets its control
 * messages). */
static void receiver_with_raw_sender(fx_t *fx, const link_opts_t *o)
{
    fx->raw_pull = raw_socket(fx->zout, ZMQ_PULL, fx->ack_ep, 1);
    fx->raw_push = raw_socket(fx->zout, ZMQ_PUSH, fx->data_ep, 0);
    in_start(fx, o);
}

/* Reads control messages on the raw ack socket until one of `type` for `stream`
 * comes. Returns 1 with *h filled, 0 when none came in time. */
static int raw_control(fx_t *fx, wire_msg_t type, const char *stream, wire_header_t *h)
{
    zmq_setsockopt(fx->raw_pull, ZMQ_RCVTIMEO, &(int){WAIT_MS}, sizeof(int));
    for (;;) {
        char buf[512];
        int n = zmq_recv(fx->raw_pull, buf, sizeof buf, 0);
        if (n < 0) return 0;
        if (wire_reader_open(fx->rd, buf, (size_t)n, h) != KPM_OK) continue;
        if (h->type == type && strcmp(h->stream, stream) == 0) return 1;
    }
}

/* ---- a receiver on its own thread ---- */

typedef struct {
    link_in_t *in;
    uint64_t n;   /* messages to take, 0..n-1; 0: none, linger at once */
    uint64_t got; /* taken in order and decoding */
    uint64_t bad; /* out of order, twice, or not decoding */
    int quiet_ms; /* linger after making n-1 durable */
    int linger_rc;
    int64_t done_at; /* when linger returned */
} rx_t;

static void *rx_main(void *arg)
{
    rx_t *rx = arg;
    wire_reader_t *rd = wire_reader_new();
    int64_t deadline = now_ms() + GUARD_MS;
    rx->linger_rc = 1;
    while (rd && rx->got < rx->n && now_ms() < deadline) {
        link_msg_t m;
        int rc = link_in_recv(rx->in, &m, 100);
        if (rc < 0) break;
        if (rc == 0) continue;
        if (m.hdr.seq == rx->got && msg_ok(rd, &m))
            rx->got++;
        else
            rx->bad++;
    }
    if (rx->got == rx->n) {
        if (rx->n) link_in_set_durable(rx->in, rx->n - 1, 1);
        rx->linger_rc = link_in_linger(rx->in, rx->quiet_ms);
    }
    rx->done_at = now_ms();
    wire_reader_destroy(&rd);
    return NULL;
}

/* ---- cases ---- */

/* Sends 0..n-1 (n-1 the END) to a receiver thread that takes them, makes the
 * END durable and lingers; then the BYE. Asserts that everything arrived in
 * order, once, without a rewind, and that the BYE (not the quiet period) ended
 * the receiver's linger. */
static void deliver_whole_stream(fx_t *fx, uint64_t n)
{
    rx_t rx = {.in = fx->in, .n = n, .quiet_ms = WAIT_MS};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, rx_main, &rx), 0);

    int rewinds = 0;
    int rc = produce(fx->out, fx->w, NIGHT_A, 0, n - 1, n - 1, &rewinds);
    int durable_rc = rc ? rc : link_out_wait_durable(fx->out, n - 1, WAIT_MS);
    int64_t bye_at = now_ms();
    link_out_bye(fx->out, n - 1);
    pthread_join(th, NULL);

    assert_int_equal(rc, KPM_OK);
    assert_int_equal(durable_rc, KPM_OK);
    assert_int_equal(rx.bad, 0);
    assert_int_equal(rx.got, n);
    assert_int_equal(link_out_durable(fx->out), n - 1);
    assert_int_equal(link_out_next(fx->out), n);
    assert_int_equal(rewinds, 0);
    assert_int_equal(link_out_resends(fx->out), 0);
    assert_int_equal(rx.linger_rc, KPM_OK);
    assert_true(rx.done_at - bye_at < 1000);
}

/* 10,000 messages arrive in order, each once, and the sender learns that the
 * END is durable; the BYE then ends the receiver's linger. */
static void test_in_order_exactly_once(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    in_start(fx, &o);
    out_start(fx, &o, NIGHT_A);
    deliver_whole_stream(fx, 10000);
}

/* A receiver that starts first sends its RESUME into a link nobody has bound
 * yet; a sender that waits for it (link_out_handshake) before its first message
 * delivers everything without a rewind. Without the wait the RESUME(0) arrives
 * after the first messages went out and makes the sender produce them again. */
static void test_handshake_then_no_rewind(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    sleep_ms(50); /* the receiver's connects fail meanwhile: no ack endpoint yet */
    out_start(fx, &o, NIGHT_A);
    expect_nothing(fx, 200); /* the receiver waits, and hears its socket connect */
    int64_t t0 = now_ms();
    assert_int_equal(link_out_handshake(fx->out, WAIT_MS), KPM_OK);
    assert_true(now_ms() - t0 < 1000); /* the RESUME came on reconnect, soon */
    deliver_whole_stream(fx, 100);
}

/* RESUMEs on the raw acknowledgement socket for `stream` until none comes for ms. */
static int raw_resumes(fx_t *fx, const char *stream, int ms)
{
    int n = 0;
    zmq_setsockopt(fx->raw_pull, ZMQ_RCVTIMEO, &ms, sizeof ms);
    for (;;) {
        char buf[512];
        wire_header_t h;
        int len = zmq_recv(fx->raw_pull, buf, sizeof buf, 0);
        if (len < 0) return n;
        if (wire_reader_open(fx->rd, buf, (size_t)len, &h) == KPM_OK && h.type == WIRE_MSG_RESUME &&
            strcmp(h.stream, stream) == 0)
            n++;
    }
}

/* A receiver says where it stands once per connection of its acknowledgement
 * socket, also when the connection was made before link_in_expect (the sender
 * was up first). It used to say it twice then; the second copy, arriving after
 * the sender had begun, made it produce its first messages again (e2e_survey's
 * "normal nights send nothing twice" failed about one run in six). */
static void test_one_resume_per_connection(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    receiver_with_raw_sender(fx, &o);
    sleep_ms(100); /* the acknowledgement socket connects to the waiting sender */
    link_in_expect(fx->in, NIGHT_A, 0, WIRE_NO_SEQ, 0);
    expect_nothing(fx, 200);
    assert_int_equal(raw_resumes(fx, NIGHT_A, 300), 1);

    /* a new connection (the sender restarted) is told again, once */
    zmq_close(fx->raw_pull);
    fx->raw_pull = NULL;
    sleep_ms(50);
    fx->raw_pull = raw_socket(fx->zout, ZMQ_PULL, fx->ack_ep, 1);
    expect_nothing(fx, 300);
    assert_int_equal(raw_resumes(fx, NIGHT_A, 300), 1);
}

/* No receiver: the handshake gives up after its timeout (the sender then sends
 * anyway), and a stop ends it at once. A RESUME of another stream (a receiver
 * done with the night before) counts as the receiver's word. */
static void test_handshake_timeout_and_other_stream(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    out_start(fx, &o, NIGHT_B);
    int64_t t0 = now_ms();
    assert_int_equal(link_out_handshake(fx->out, 250), KPM_EEMPTY);
    int64_t waited = now_ms() - t0;
    assert_true(waited >= 240 && waited < 2000);
    stop_flag = 1;
    assert_int_equal(link_out_handshake(fx->out, WAIT_MS), KPM_ESTOP);
    stop_flag = 0;

    in_start(fx, &o);
    link_in_expect(fx->in, NIGHT_A, 20, 19, 1);
    expect_nothing(fx, 200);
    assert_int_equal(link_out_handshake(fx->out, WAIT_MS), KPM_OK);
    assert_int_equal(link_out_next(fx->out), 0); /* NIGHT_A's position is not NIGHT_B's */
    produce_ok(fx, NIGHT_B, 0, 2, 2);
    expect_seqs(fx, 0, 2);
}

static void *stop_later(void *arg)
{
    sleep_ms(*(int *)arg);
    stop_flag = 1;
    return NULL;
}

/* A receiver that does not read holds the sender after `window` messages: what
 * is queued between them is the window, no more, and the sender goes on once the
 * receiver reads. */
static void test_backpressure(void **state)
{
    fx_t *fx = *state;
    const unsigned window = 8;
    link_opts_t o = opts(fx, window, 10000);
    in_start(fx, &o);
    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, window - 1, 100);
    assert_int_equal(link_out_next(fx->out), window);

    int delay = 300;
    pthread_t th;
    int64_t t0 = now_ms();
    assert_int_equal(pthread_create(&th, NULL, stop_later, &delay), 0);
    size_t len = 0;
    const char *buf = msg_make(fx->w, NIGHT_A, window, 100, &len);
    int rc = link_out_send(fx->out, window, buf, len);
    int64_t blocked = now_ms() - t0;
    pthread_join(th, NULL);
    assert_int_equal(rc, KPM_ESTOP);
    assert_true(blocked >= delay - 10);
    assert_int_equal(link_out_next(fx->out), window);

    stop_flag = 0;
    expect_seqs(fx, 0, window - 1);
    expect_nothing(fx, 200);
    t0 = now_ms();
    produce_ok(fx, NIGHT_A, window, window, 100);
    assert_true(now_ms() - t0 < 1000);
    expect_seqs(fx, window, window);
}

/* The receiver dies after taking 0..9 with 0..4 durable; the new one resumes
 * at 5: the sender rewinds to 5 at once and 5.. arrive once, without a gap. */
static void test_receiver_restart(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 32, 4000);
    in_start(fx, &o);
    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, 14, 19);
    expect_seqs(fx, 0, 9); /* 10..14 stay in its queue and die with it */
    link_in_set_durable(fx->in, 4, 0);
    assert_int_equal(poll_until(fx->out, durable_is, 4), KPM_OK);
    kill_receiver(fx);

    in_start(fx, &o);
    link_in_expect(fx->in, NIGHT_A, 5, 4, 0);
    expect_nothing(fx, 200); /* waiting, it hears its socket connect and speaks */
    int64_t t0 = now_ms();
    assert_int_equal(poll_until(fx->out, NULL, 0), KPM_EREWIND);
    assert_true(now_ms() - t0 < 2000); /* the RESUME, not the resend timer */
    assert_int_equal(link_out_next(fx->out), 5);
    assert_int_equal(link_out_durable(fx->out), 4);

    produce_ok(fx, NIGHT_A, link_out_next(fx->out), 19, 19);
    expect_seqs(fx, 5, 19);
    expect_nothing(fx, 200);
    link_in_set_durable(fx->in, 19, 1);
    assert_int_equal(link_out_wait_durable(fx->out, 19, WAIT_MS), KPM_OK);
}

/* The sender dies after 0..9 arrived (0..5 durable); the new one starts from 0:
 * the receiver's acknowledgements make it skip what is there, and delivery goes
 * on at 10 with nothing handed out twice. */
static void test_sender_restart(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 32, 4000);
    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, 9, 19);
    expect_seqs(fx, 0, 9);
    link_in_set_durable(fx->in, 5, 0);
    kill_sender(fx);

    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, 0, 19);
    expect_nothing(fx, 200); /* seq 0 again: dropped, acknowledged */
    /* The first sender may have died before the receiver's connection to it was
     * up; the new one then also gets the receiver's first RESUME (from 0), and
     * rewinds once before the acknowledgements behind it move it on. */
    int rc, rewinds = 0;
    while ((rc = poll_until(fx->out, next_is, 10)) == KPM_EREWIND && rewinds < 2)
        rewinds++;
    assert_int_equal(rc, KPM_OK);
    assert_int_equal(link_out_durable(fx->out), 5);

    produce_ok(fx, NIGHT_A, 0, 19, 19);
    assert_int_equal(link_out_next(fx->out), 20);
    expect_seqs(fx, 10, 19);
    expect_nothing(fx, 200);
    link_in_set_durable(fx->in, 19, 1);
    assert_int_equal(link_out_wait_durable(fx->out, 19, WAIT_MS), KPM_OK);
}

/* Seq 3 is lost on the way: the receiver holds 4.. back and asks for 3; the
 * sender rewinds at once and the gap is filled. A doubled message is handed out
 * once. */
static void test_gap_filled_duplicate_dropped(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 32, 4000);
    in_start(fx, &o);
    link_opts_t so = o;
    so.data_endpoint = fx->proxy_ep;
    proxy_open(fx);
    out_start(fx, &so, NIGHT_A);

    produce_ok(fx, NIGHT_A, 0, 9, 9);
    proxy_pump(fx, 10, 3, NO_DROP);
    expect_seqs(fx, 0, 2);
    expect_nothing(fx, 200);
    int64_t t0 = now_ms();
    assert_int_equal(poll_until(fx->out, NULL, 0), KPM_EREWIND);
    assert_true(now_ms() - t0 < 2000);
    assert_int_equal(link_out_next(fx->out), 3);

    produce_ok(fx, NIGHT_A, 3, 9, 9);
    proxy_pump(fx, 7, NO_DROP, 6);
    expect_seqs(fx, 3, 9);
    expect_nothing(fx, 200);
    assert_int_equal(link_in_next(fx->in), 10);
    link_in_set_durable(fx->in, 9, 1);
    assert_int_equal(link_out_wait_durable(fx->out, 9, WAIT_MS), KPM_OK);
    assert_int_equal(link_out_resends(fx->out), 1);
}

/* Streams: another night's message while the current one is incomplete, or
 * while held, is dropped; after the END a new night starting at 0 is taken. A
 * new night that starts in the middle is asked for from 0, without claiming
 * anything of it durable. */
static void test_streams(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    receiver_with_raw_sender(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);

    raw_send(fx, NIGHT_A, 0, 2);
    raw_send(fx, NIGHT_A, 1, 2);
    expect_seqs(fx, 0, 1);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);
    raw_send(fx, NIGHT_B, 0, 5);
    expect_nothing(fx, 200);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);
    assert_int_equal(link_in_next(fx->in), 2);

    raw_send(fx, NIGHT_A, 2, 2);
    expect_seqs(fx, 2, 2);
    link_in_set_durable(fx->in, 2, 1);
    link_in_hold(fx->in, 1);
    raw_send(fx, NIGHT_B, 0, 5);
    expect_nothing(fx, 200);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);

    link_in_hold(fx->in, 0);
    raw_send(fx, NIGHT_B, 1, 5);
    expect_nothing(fx, 200);
    wire_header_t h;
    assert_true(raw_control(fx, WIRE_MSG_RESUME, NIGHT_B, &h));
    assert_int_equal(h.seq, 0);
    assert_true(h.aux == WIRE_NO_SEQ); /* not night A's durable seq 2 */

    raw_send(fx, NIGHT_B, 0, 5);
    raw_send(fx, NIGHT_B, 1, 5);
    link_msg_t m;
    assert_int_equal(link_in_recv(fx->in, &m, WAIT_MS), 1);
    assert_string_equal(m.hdr.stream, NIGHT_B);
    assert_int_equal(m.hdr.seq, 0);
    assert_int_equal(m.hdr.type, WIRE_MSG_BEGIN);
    expect_seqs(fx, 1, 1);
    assert_string_equal(link_in_stream(fx->in), NIGHT_B);
    assert_true(raw_control(fx, WIRE_MSG_ACK, NIGHT_B, &h));
    assert_true(h.aux == WIRE_NO_SEQ);
}

/* The last message is lost and nothing follows it: with resend_ms 200 the
 * sender resends it on its own. */
static void test_resend_timer(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 32, 200);
    in_start(fx, &o);
    link_opts_t so = o;
    so.data_endpoint = fx->proxy_ep;
    proxy_open(fx);
    out_start(fx, &so, NIGHT_A);

    produce_ok(fx, NIGHT_A, 0, 4, 4);
    proxy_pump(fx, 5, 4, NO_DROP);
    expect_seqs(fx, 0, 3);
    int64_t t0 = now_ms();
    assert_int_equal(poll_until(fx->out, NULL, 0), KPM_EREWIND);
    int64_t waited = now_ms() - t0;
    assert_true(waited >= 190 && waited < 1500);
    assert_int_equal(link_out_next(fx->out), 4);

    produce_ok(fx, NIGHT_A, 4, 4, 4);
    proxy_pump(fx, 1, NO_DROP, NO_DROP);
    expect_seqs(fx, 4, 4);
    link_in_set_durable(fx->in, 4, 1);
    assert_int_equal(link_out_wait_durable(fx->out, 4, WAIT_MS), KPM_OK);
}

/* Without a BYE, linger ends after the quiet period. A sender that restarts
 * after the END (it never saw it durable) gets it acknowledged again by the
 * lingering receiver, and its BYE ends the linger at once. */
static void test_bye_and_linger(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    in_start(fx, &o);
    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, 1, 1);
    expect_seqs(fx, 0, 1);
    link_in_set_durable(fx->in, 1, 1);
    assert_int_equal(link_out_wait_durable(fx->out, 1, WAIT_MS), KPM_OK);
    int64_t t0 = now_ms();
    assert_int_equal(link_in_linger(fx->in, 300), KPM_OK);
    int64_t took = now_ms() - t0;
    assert_true(took >= 300 && took < 1000);
    kill_sender(fx);

    rx_t rx = {.in = fx->in, .n = 0, .quiet_ms = WAIT_MS};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, rx_main, &rx), 0);
    out_start(fx, &o, NIGHT_A);
    int rc = produce(fx->out, fx->w, NIGHT_A, 0, 1, 1, NULL);
    int durable_rc = rc ? rc : link_out_wait_durable(fx->out, 1, WAIT_MS);
    uint64_t durable = link_out_durable(fx->out);
    int64_t bye_at = now_ms();
    link_out_bye(fx->out, 1);
    kill_sender(fx); /* as a stage does: it exits right after its BYE */
    pthread_join(th, NULL);

    assert_int_equal(rc, KPM_OK);
    assert_int_equal(durable_rc, KPM_OK);
    assert_int_equal(durable, 1);
    assert_int_equal(rx.linger_rc, KPM_OK);
    assert_true(rx.done_at - bye_at < 1000);
}

/* The sender dies after its END was made durable, before it saved that
 * (aggregate killed just then, seen in e2e_faults). Its restart hears from the receiver,
 * which only lingers, as soon as it connects: everything is durable, nothing is
 * sent again, and the BYE ends the linger. Without the receiver's word on
 * connecting, the restarted sender's handshake waited its full timeout while
 * the receiver's quiet period ran out. */
static void test_lingering_receiver_tells_restarted_sender(void **state)
{
    fx_t *fx = *state;
    const uint64_t n = 20;
    link_opts_t o = opts(fx, 0, 0);
    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    out_start(fx, &o, NIGHT_A);
    expect_nothing(fx, 200);
    assert_int_equal(link_out_handshake(fx->out, WAIT_MS), KPM_OK);
    produce_ok(fx, NIGHT_A, 0, n - 1, n - 1);
    expect_seqs(fx, 0, n - 1);
    link_in_set_durable(fx->in, n - 1, 1);
    /* it learns, but dies before it has saved that it did */
    assert_int_equal(link_out_wait_durable(fx->out, n - 1, WAIT_MS), KPM_OK);
    kill_sender(fx);

    rx_t rx = {.in = fx->in, .n = 0, .quiet_ms = WAIT_MS};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, rx_main, &rx), 0);
    out_start(fx, &o, NIGHT_A);
    int64_t t0 = now_ms();
    int hs = link_out_handshake(fx->out, WAIT_MS);
    int64_t heard_after = now_ms() - t0;
    uint64_t next = link_out_next(fx->out), durable = link_out_durable(fx->out);
    int rc = produce(fx->out, fx->w, NIGHT_A, 0, n - 1, n - 1, NULL);
    int durable_rc = rc ? rc : link_out_wait_durable(fx->out, n - 1, 0);
    int64_t bye_at = now_ms();
    link_out_bye(fx->out, n - 1);
    pthread_join(th, NULL);

    assert_int_equal(hs, KPM_OK);
    assert_true(heard_after < 1000);
    assert_int_equal(next, n);        /* the receiver has it all */
    assert_int_equal(durable, n - 1); /* ... durably */
    assert_int_equal(rc, KPM_OK);     /* every message skipped, none sent */
    assert_int_equal(durable_rc, KPM_OK);
    assert_int_equal(rx.linger_rc, KPM_OK);
    assert_true(rx.done_at - bye_at < 1000);
}

/* A new night's first message that comes while the receiver lingers after the
 * last night is left alone, not acknowledged and lost: the sender resends it and
 * it is delivered once the receiver takes new nights again. */
static void test_linger_leaves_new_stream(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 300);
    in_start(fx, &o);
    link_in_expect(fx->in, NIGHT_A, 3, 2, 1); /* night A's END (seq 2) was durable */
    out_start(fx, &o, NIGHT_B);
    produce_ok(fx, NIGHT_B, 0, 0, 1);
    assert_int_equal(link_in_linger(fx->in, 200), KPM_OK);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);
    assert_int_equal(link_in_next(fx->in), 3);

    assert_int_equal(poll_until(fx->out, NULL, 0), KPM_EREWIND);
    assert_int_equal(link_out_next(fx->out), 0);
    produce_ok(fx, NIGHT_B, 0, 1, 1);
    expect_seqs(fx, 0, 1);
    assert_string_equal(link_in_stream(fx->in), NIGHT_B);
}

/* ---- closed by default: what a forger on the network may send ---- */

/* Sends a header-only control message on a raw socket. */
static void raw_control_send(fx_t *fx, wire_msg_t type, const char *stream, uint64_t seq,
                             uint64_t aux)
{
    size_t len = 0;
    wire_writer_begin(fx->w, type, stream, seq, aux);
    const char *buf = wire_writer_finish(fx->w, &len);
    assert_non_null(buf);
    assert_true(zmq_send(fx->raw_push, buf, len, 0) >= 0);
}

static int refused_is(const link_out_t *out, uint64_t n)
{
    return link_out_refused(out) == n;
}

/* A sender whose receiver is a raw socket: it sent 0..2 of NIGHT_A. The raw
 * push socket reaches its acknowledgement endpoint. */
static void sender_with_raw_receiver(fx_t *fx)
{
    link_opts_t o = opts(fx, 0, 60000);
    fx->raw_pull = raw_socket(fx->zin, ZMQ_PULL, fx->data_ep, 1);
    out_start(fx, &o, NIGHT_A);
    fx->raw_push = raw_socket(fx->zin, ZMQ_PUSH, fx->ack_ep, 0);
    produce_ok(fx, NIGHT_A, 0, 2, 9);
}

/* Acknowledgements without a stream id, or of another stream, move nothing:
 * the forged 27-byte ACK (empty stream id, everything "durable") once made
 * ingest archive a whole night it had not sent. */
static void test_forged_ack_unnamed_or_foreign(void **state)
{
    fx_t *fx = *state;
    sender_with_raw_receiver(fx);
    raw_control_send(fx, WIRE_MSG_ACK, "", 2, 2);
    raw_control_send(fx, WIRE_MSG_ACK, "", WIRE_NO_SEQ - 1, WIRE_NO_SEQ - 1);
    assert_int_equal(poll_until(fx->out, refused_is, 2), KPM_OK);
    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_B, 2, 2);
    raw_control_send(fx, WIRE_MSG_RESUME, NIGHT_B, 0, WIRE_NO_SEQ);
    raw_control_send(fx, WIRE_MSG_RESUME, NIGHT_B, 100, 99);
    assert_int_equal(poll_until(fx->out, refused_is, 5), KPM_OK);
    assert_true(link_out_durable(fx->out) == WIRE_NO_SEQ);
    assert_int_equal(link_out_next(fx->out), 3);
    assert_int_equal(link_out_resends(fx->out), 0);

    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, 1, 1); /* the real one still counts */
    assert_int_equal(poll_until(fx->out, durable_is, 1), KPM_OK);
    assert_int_equal(link_out_refused(fx->out), 5);
}

/* An acknowledgement of more than was sent is refused, never taken as "all
 * delivered"; so is a durable seq beyond the received one. */
static void test_ack_beyond_sent(void **state)
{
    fx_t *fx = *state;
    sender_with_raw_receiver(fx);
    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, 3, 3);
    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, 1000, 1000);
    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, 1, 2);
    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, WIRE_NO_SEQ, 0);
    raw_control_send(fx, WIRE_MSG_RESUME, NIGHT_A, 5, 5);
    assert_int_equal(poll_until(fx->out, refused_is, 5), KPM_OK);
    assert_true(link_out_durable(fx->out) == WIRE_NO_SEQ);
    assert_int_equal(link_out_next(fx->out), 3);
    assert_int_equal(link_out_wait_durable(fx->out, 2, 100), KPM_EEMPTY);

    raw_control_send(fx, WIRE_MSG_ACK, NIGHT_A, 2, 2);
    assert_int_equal(link_out_wait_durable(fx->out, 2, WAIT_MS), KPM_OK);
    assert_int_equal(link_out_refused(fx->out), 5);
}

/* A BYE without a stream id, of another stream, or of another seq does not end
 * a receiver's linger; the sender's own BYE does. */
static void test_forged_bye(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    receiver_with_raw_sender(fx, &o);
    link_in_expect(fx->in, NIGHT_A, 3, 2, 1); /* night A's END (seq 2) is durable */
    raw_control_send(fx, WIRE_MSG_BYE, "", 2, WIRE_NO_SEQ);
    raw_control_send(fx, WIRE_MSG_BYE, NIGHT_B, 2, WIRE_NO_SEQ);
    raw_control_send(fx, WIRE_MSG_BYE, NIGHT_A, 7, WIRE_NO_SEQ);
    int64_t t0 = now_ms();
    assert_int_equal(link_in_linger(fx->in, 400), KPM_OK);
    assert_true(now_ms() - t0 >= 390);
    assert_int_equal(link_in_refused(fx->in), 3);

    raw_control_send(fx, WIRE_MSG_BYE, NIGHT_A, 2, WIRE_NO_SEQ);
    t0 = now_ms();
    assert_int_equal(link_in_linger(fx->in, WAIT_MS), KPM_OK);
    assert_true(now_ms() - t0 < 1000);
}

/* A receiver started for a night takes no other: a forged night's BEGIN is
 * refused, also before the real sender came; it says where it stands under its
 * night's name, and the real night is taken. */
static void test_foreign_night_refused(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    o.night = NIGHT_A;
    receiver_with_raw_sender(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    expect_nothing(fx, 200); /* it hears its socket connect, and speaks */
    wire_header_t h;
    assert_true(raw_control(fx, WIRE_MSG_RESUME, NIGHT_A, &h));
    assert_int_equal(h.seq, 0);

    raw_send(fx, NIGHT_B, 0, 2);
    raw_send(fx, NIGHT_B, 1, 2);
    raw_send(fx, "", 0, 2);
    expect_nothing(fx, 200);
    assert_int_equal(link_in_refused(fx->in), 3);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);
    assert_int_equal(link_in_next(fx->in), 0);

    raw_send(fx, NIGHT_A, 0, 2);
    raw_send(fx, NIGHT_A, 1, 2);
    raw_send(fx, NIGHT_A, 2, 2);
    expect_seqs(fx, 0, 2);
    link_in_set_durable(fx->in, 2, 1); /* complete: a new stream could start now */
    raw_send(fx, NIGHT_B, 0, 2);
    expect_nothing(fx, 200);
    assert_int_equal(link_in_refused(fx->in), 4);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);

    /* The night before, complete in its state, makes way for its night. */
    kill_receiver(fx);
    in_start(fx, &o);
    link_in_expect(fx->in, NIGHT_B, 3, 2, 1);
    assert_string_equal(link_in_stream(fx->in), NIGHT_A);
    assert_int_equal(link_in_next(fx->in), 0);
}

/* A message of WIRE_MSG_CAP + 1 bytes (a valid header, then padding) is dropped
 * by ZeroMQ before it takes memory, on the data socket and on the
 * acknowledgement socket; the link then still works. */
static void test_oversized_frame_dropped(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 0);
    o.night = NIGHT_A; /* so that its RESUME names the stream: nothing else is refused */
    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    out_start(fx, &o, NIGHT_A);

    size_t big = (size_t)WIRE_MSG_CAP + 1;
    char *buf = calloc(1, big);
    assert_non_null(buf);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint32(&pk, WIRE_VERSION);
    msgpack_pack_uint32(&pk, WIRE_MSG_BEGIN);
    msgpack_pack_str_with_body(&pk, NIGHT_A, strlen(NIGHT_A));
    msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint64(&pk, 0);
    memcpy(buf, sb.data, sb.size); /* the rest: one "record" of zero bytes (nil) */
    msgpack_sbuffer_destroy(&sb);

    /* (in the fixture's slots, so that teardown closes them also after a failure) */
    void *to_in = fx->raw_push = raw_socket(fx->zout, ZMQ_PUSH, fx->data_ep, 0);
    void *to_out = fx->raw_pull = raw_socket(fx->zin, ZMQ_PUSH, fx->ack_ep, 0);
    assert_true(zmq_send(to_in, buf, big, 0) >= 0);
    assert_true(zmq_send(to_out, buf, big, 0) >= 0);
    free(buf);
    expect_nothing(fx, 300);
    assert_int_equal(link_in_refused(fx->in), 0); /* never even got to the decoder */
    assert_int_equal(link_out_poll(fx->out), KPM_OK);
    assert_int_equal(link_out_refused(fx->out), 0);
    zmq_close(to_in);
    zmq_close(to_out);
    fx->raw_push = fx->raw_pull = NULL;

    assert_int_equal(link_out_handshake(fx->out, WAIT_MS), KPM_OK);
    deliver_whole_stream(fx, 50);
}

/* A receiver that took the whole stream dies before making it durable, and
 * comes back knowing no night (no --night, no state): its RESUME(0) carries no
 * stream id and moves nothing, but the sender, waiting for its END to become
 * durable, sends the END again; the receiver asks for the stream from 0 under
 * its name, and the night completes. */
static void test_unnamed_resume_resends_end(void **state)
{
    fx_t *fx = *state;
    link_opts_t o = opts(fx, 0, 60000); /* no resend timer: only the probe can help */
    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    out_start(fx, &o, NIGHT_A);
    produce_ok(fx, NIGHT_A, 0, 4, 4);
    expect_seqs(fx, 0, 4);
    sleep_ms(200);
    assert_int_equal(link_out_poll(fx->out), KPM_OK); /* the acknowledgements: all received */
    kill_receiver(fx);

    in_start(fx, &o);
    link_in_expect(fx->in, "", 0, WIRE_NO_SEQ, 0);
    expect_nothing(fx, 200); /* it connects and says RESUME(0) without a stream */
    int rc, rewinds = 0;
    while ((rc = link_out_wait_durable(fx->out, 4, 200)) == KPM_EREWIND && rewinds < 4) {
        rewinds++;
        produce_ok(fx, NIGHT_A, link_out_next(fx->out), 4, 4);
        link_msg_t m;
        while (link_in_recv(fx->in, &m, 100) == 1)
            if (m.hdr.seq == 4) link_in_set_durable(fx->in, 4, 1);
    }
    assert_int_equal(rc, KPM_OK);
    assert_int_equal(rewinds, 2); /* the END again, then the stream from 0 */
    assert_true(link_out_refused(fx->out) >= 1);
}

int main(void)
{
    setenv("KPM_LOG_LEVEL", "error", 0); /* resends and drops are expected here */
    log_init("test_link");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_then_no_rewind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_timeout_and_other_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_resume_per_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_filled_duplicate_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bye_and_linger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lingering_receiver_tells_restarted_sender, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_linger_leaves_new_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_ack_unnamed_or_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_beyond_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_bye, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_night_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_frame_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unnamed_resume_resends_end, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
