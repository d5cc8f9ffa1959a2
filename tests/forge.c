/* forge.c - an attacker on the network, for e2e_forged (tests/e2e/run_forged.sh).
 * It knows the protocol but holds no keys: it connects a plain PUSH socket to a
 * stage's endpoint and sends what a stage must refuse.
 *
 *   kpm-forge ack ENDPOINT NIGHT      acknowledgements to a sender's ack endpoint:
 *                                     without a stream id, of other streams, and of
 *                                     NIGHT beyond anything sent (all "durable")
 *   kpm-forge night ENDPOINT NIGHT    a whole stream of another night to a
 *                                     receiver: BEGIN, a register of 2 koplopers,
 *                                     END with matching counts
 *   kpm-forge big ENDPOINT MIB N      N frames of MIB MiB each (a valid header of
 *                                     NIGHT "x", then padding)
 *   kpm-forge unknown ENDPOINT        messages of a stream nobody started: DATA
 *                                     and END in the middle, a BYE, a RESUME
 *
 * Each message is sent without blocking: towards a CURVE server the handshake
 * fails and nothing arrives, which is the point. Prints what it queued; exit
 * status 0, or 2 on a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "kpm_err.h"
#include "wire.h"

static void *sock;
static wire_writer_t *w;
static unsigned queued, refused_locally;

static void send_bytes(const char *buf, size_t len)
{
    if (buf && zmq_send(sock, buf, len, ZMQ_DONTWAIT) >= 0)
        queued++;
    else
        refused_locally++;
}

static void control(wire_msg_t type, const char *stream, uint64_t seq, uint64_t aux)
{
    size_t len = 0;
    wire_writer_begin(w, type, stream, seq, aux);
    const char *buf = wire_writer_finish(w, &len);
    send_bytes(buf, len);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* For two seconds, every 50 ms: what made ingest archive a night it never sent. */
static void forge_ack(const char *night)
{
    for (int round = 0; round < 40; round++) {
        control(WIRE_MSG_ACK, "", WIRE_NO_SEQ - 1, WIRE_NO_SEQ - 1);
        control(WIRE_MSG_ACK, "", 0, 0);
        control(WIRE_MSG_RESUME, "", 1u << 30, (1u << 30) - 1);
        control(WIRE_MSG_ACK, "19990101T000000Z-1", 1u << 20, 1u << 20);
        control(WIRE_MSG_RESUME, "19990101T000000Z-1", 0, WIRE_NO_SEQ);
        control(WIRE_MSG_ACK, night, UINT64_C(1) << 40, UINT64_C(1) << 40);
        control(WIRE_MSG_ACK, night, 3, 1000);
        sleep_ms(50);
    }
}

static void put(const wire_record_t *r)
{
    if (wire_writer_put(w, r) != KPM_OK) {
        fprintf(stderr, "forge: cannot write a record\n");
        exit(1);
    }
}

static void finish(void)
{
    size_t len = 0;
    const char *buf = wire_writer_finish(w, &len);
    send_bytes(buf, len);
}

/* A night of its own: two koplopers replace the register, if taken. */
static void forge_night(const char *night)
{
    static wire_record_t r;
    memset(&r, 0, sizeof r);
    wire_shard_record(&r, 0, 1);
    wire_writer_begin(w, WIRE_MSG_BEGIN, night, 0, 1);
    put(&r);
    finish();

    wire_writer_begin(w, WIRE_MSG_DATA, night, 1, 0);
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_FILE_BEGIN;
    r.u.file_begin = (wire_file_begin_t){wire_str("koplopers_forged.csv"), wire_str("koplopers")};
    put(&r);
    for (int k = 1; k <= 2; k++) {
        char id[16];
        snprintf(id, sizeof id, "KPX%03d", k);
        memset(&r, 0, sizeof r);
        r.kind = WIRE_REC_KOPLOPER;
        r.u.koploper.id = wire_str(id);
        r.u.koploper.naam = wire_str("Vervalst");
        r.u.koploper.tranche = 1;
        r.u.koploper.startjaar = 2020;
        r.u.koploper.status = wire_str("");
        r.u.koploper.n_gemeenten = 1;
        r.u.koploper.gemeenten[0] = wire_str("GM0363");
        put(&r);
    }
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_FILE_END;
    r.u.file_end = (wire_file_end_t){wire_str("koplopers_forged.csv"), 2, 2, 0};
    put(&r);
    finish();

    static const char *const kinds[] = {"file_begin", "koploper", "file_end"};
    static const uint64_t counts[] = {1, 2, 1};
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_COUNTS;
    r.u.counts.n = 3;
    for (int i = 0; i < 3; i++) {
        r.u.counts.names[i] = wire_str(kinds[i]);
        r.u.counts.counts[i] = counts[i];
    }
    wire_writer_begin(w, WIRE_MSG_END, night, 2, 4);
    put(&r);
    finish();
}

static char *big; /* sent without copies; freed after the socket is closed */

static void forge_big(long mib, long n)
{
    size_t len = (size_t)mib << 20;
    if (mib < 1 || !(big = calloc(1, len))) {
        fprintf(stderr, "forge: cannot make a frame of %ld MiB\n", mib);
        exit(1);
    }
    size_t hl = 0;
    wire_writer_begin(w, WIRE_MSG_BEGIN, "x", 0, 0);
    const char *h = wire_writer_finish(w, &hl);
    memcpy(big, h, hl);
    for (long i = 0; i < n; i++) {
        zmq_msg_t m;
        zmq_msg_init_data(&m, big, len, NULL, NULL);
        if (zmq_msg_send(&m, sock, ZMQ_DONTWAIT) >= 0) {
            queued++;
        } else {
            zmq_msg_close(&m);
            refused_locally++;
        }
    }
}

static void forge_unknown(void)
{
    static wire_record_t r;
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_FILE_END;
    r.u.file_end = (wire_file_end_t){wire_str("gebruik_2026-11.csv"), 9, 9, 0};
    for (uint64_t seq = 3; seq <= 4; seq++) {
        wire_writer_begin(w, seq == 4 ? WIRE_MSG_END : WIRE_MSG_DATA, "unknown-stream", seq, 1);
        put(&r);
        finish();
    }
    control(WIRE_MSG_BYE, "unknown-stream", 4, WIRE_NO_SEQ);
    control(WIRE_MSG_RESUME, "unknown-stream", 0, WIRE_NO_SEQ);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kpm-forge ack|night|big|unknown ENDPOINT [ARGS]\n");
        return 2;
    }
    const char *what = argv[1];
    void *ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_PUSH);
    w = wire_writer_new();
    int hwm = 100000, linger = 2000;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (!w || zmq_connect(sock, argv[2]) != 0) {
        fprintf(stderr, "forge: cannot connect '%s'\n", argv[2]);
        return 2;
    }
    sleep_ms(200); /* the connection (or its failing handshake) */
    if (strcmp(what, "ack") == 0 && argc == 4)
        forge_ack(argv[3]);
    else if (strcmp(what, "night") == 0 && argc == 4)
        forge_night(argv[3]);
    else if (strcmp(what, "big") == 0 && argc == 5)
        forge_big(strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
    else if (strcmp(what, "unknown") == 0 && argc == 3)
        forge_unknown();
    else {
        fprintf(stderr, "forge: bad arguments for '%s'\n", what);
        return 2;
    }
    printf("forge %s: %u messages queued, %u not\n", what, queued, refused_locally);
    zmq_close(sock); /* lingers up to 2 s for what is queued */
    zmq_ctx_term(ctx);
    free(big);
    wire_writer_destroy(&w);
    return 0;
}
