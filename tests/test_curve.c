/* test_curve.c - CurveZMQ between two link ends: the right keys deliver, a peer
 * with a key that is not allowed is refused and gets nothing through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"
#include "kpm_err.h"
#include "link.h"
#include "wire.h"

static char dir[64], rogue_dir[64];
static volatile sig_atomic_t time_up;

static void on_alarm(int sig)
{
    (void)sig;
    time_up = 1;
}
static int port;

static int setup(void **state)
{
    (void)state;
    char err[256];
    snprintf(dir, sizeof dir, "/tmp/kpm-curve.XXXXXX");
    snprintf(rogue_dir, sizeof rogue_dir, "/tmp/kpm-rogue.XXXXXX");
    if (!mkdtemp(dir) || !mkdtemp(rogue_dir)) return -1;
    if (curve_keygen(dir, "sender", err, sizeof err) ||
        curve_keygen(dir, "receiver", err, sizeof err))
        return -1;
    /* A rogue sender: its own key pair, but it knows the receiver's public key. */
    char cmd[512];
    if (curve_keygen(rogue_dir, "sender", err, sizeof err)) return -1;
    snprintf(cmd, sizeof cmd, "cp %s/receiver.pub %s/", dir, rogue_dir);
    if (system(cmd) != 0) return -1;
    /* Below Linux's ephemeral range (32768-60999): a port in that range can be
     * taken by the receiver's own outgoing connect (a TCP self-connect while the
     * sender has not bound yet), and the bind then fails. */
    port = 20000 + (int)(getpid() % 12000);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, rogue_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_keygen_files(void **state)
{
    (void)state;
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/sender.key", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* the secret key is the owner's only */
    char err[256];
    curve_t *c = curve_load(dir, "sender", err, sizeof err);
    assert_non_null(c);
    curve_destroy(&c);
    assert_null(curve_load(dir, "nobody", err, sizeof err));
    assert_non_null(strstr(err, "nobody.key"));
}

/* Sends n messages from a sender keyed from `sdir` to a receiver keyed from
 * `dir`; returns how many the receiver got within the time given. */
static int deliver(const char *sdir, int n, int wait_ms, unsigned long *refused)
{
    char err[256], data_ep[64], ack_ep[64];
    snprintf(data_ep, sizeof data_ep, "tcp://127.0.0.1:%d", port);
    snprintf(ack_ep, sizeof ack_ep, "tcp://127.0.0.1:%d", port + 1);
    port += 2;
    void *rctx = zmq_ctx_new(), *sctx = zmq_ctx_new();
    curve_t *rc_keys = curve_load(dir, "receiver", err, sizeof err);
    curve_t *sc_keys = curve_load(sdir, "sender", err, sizeof err);
    assert_non_null(rc_keys);
    assert_non_null(sc_keys);
    assert_int_equal(curve_start(rc_keys, rctx, err, sizeof err), KPM_OK);
    assert_int_equal(curve_start(sc_keys, sctx, err, sizeof err), KPM_OK);
    link_opts_t ri = {.data_endpoint = data_ep,
                      .ack_endpoint = ack_ep,
                      .curve = rc_keys,
                      .peer = "sender",
                      .resend_ms = 300,
                      .stop = &time_up};
    /* A send to a refused peer blocks (nothing can be queued): the time limit ends
     * it through the link's stop flag. */
    time_up = 0;
    signal(SIGALRM, on_alarm);
    struct itimerval limit = {{0, 0}, {wait_ms / 1000, (wait_ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &limit, NULL);
    link_opts_t so = ri;
    so.curve = sc_keys;
    so.peer = "receiver";
    link_in_t *in = link_in_new(rctx, &ri, err, sizeof err);
    link_out_t *out = link_out_new(sctx, &so, "night", err, sizeof err);
    assert_non_null(in);
    assert_non_null(out);
    link_in_expect(in, "", 0, WIRE_NO_SEQ, 0);
    wire_writer_t *w = wire_writer_new();
    int got = 0, order_ok = 1;
    /* Send what the link lets through, receive, and go back where the link says
     * (a refused peer makes the sender rewind), until all arrived or time is up.
     * No assertion in the loop: the objects below must be freed either way. */
    for (int t = 0; t < wait_ms / 50 && got < n && !time_up; t++) {
        uint64_t i = link_out_next(out);
        if (i < (uint64_t)n) {
            size_t len;
            wire_writer_begin(w, WIRE_MSG_DATA, "night", i, 0);
            const char *buf = wire_writer_finish(w, &len);
            link_out_send(out, i, buf, len);
        }
        link_msg_t msg;
        if (link_in_recv(in, &msg, 50) == 1) {
            order_ok &= msg.hdr.seq == (uint64_t)got;
            got++;
        }
        link_out_poll(out);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    time_up = 0;
    *refused = curve_refused(rc_keys);
    wire_writer_destroy(&w);
    link_out_destroy(&out);
    link_in_destroy(&in);
    curve_destroy(&sc_keys);
    curve_destroy(&rc_keys);
    zmq_ctx_term(sctx);
    zmq_ctx_term(rctx);
    assert_true(order_ok); /* in order, each once */
    return got;
}

static void test_allowed_peer_delivers(void **state)
{
    (void)state;
    unsigned long refused;
    assert_int_equal(deliver(dir, 10, 5000, &refused), 10);
    assert_int_equal(refused, 0);
}

static void test_unknown_key_refused(void **state)
{
    (void)state;
    unsigned long refused;
    assert_int_equal(deliver(rogue_dir, 10, 1500, &refused), 0);
    assert_true(refused > 0); /* the receiver's ZAP handler said no */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_files),
        cmocka_unit_test(test_allowed_peer_delivers),
        cmocka_unit_test(test_unknown_key_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
