/* curve.c - CurveZMQ keys and the ZAP handler (see curve.h). */
#include "curve.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "log.h"

#define Z85_KEY 40 /* a 32-byte key in Z85 */
#define MAX_PEERS 16

typedef struct {
    char name[64];
    char public_z85[Z85_KEY + 1];
    unsigned char public_bin[32];
} peer_t;

struct curve {
    char public_z85[Z85_KEY + 1];
    char secret_z85[Z85_KEY + 1];
    peer_t peers[MAX_PEERS];
    size_t n_peers;
    void *zap; /* REP socket of the handler */
    pthread_t thread;
    int running;
    volatile int stop;
    volatile unsigned long refused;
};

/* Reads "key=value" of a small key file into out (Z85_KEY characters). */
static int read_key(const char *path, const char *key, char out[Z85_KEY + 1])
{
    char *buf;
    size_t len;
    if (fs_read_all(path, &buf, &len) != KPM_OK) return KPM_EIO;
    int rc = KPM_EPARSE;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != '=') continue;
        const char *v = line + klen + 1;
        size_t n = strcspn(v, "\r\n");
        if (n == Z85_KEY) {
            memcpy(out, v, Z85_KEY);
            out[Z85_KEY] = '\0';
            rc = KPM_OK;
        }
        break;
    }
    free(buf);
    return rc;
}

int curve_keygen(const char *dir, const char *stage, char *err, size_t errlen)
{
    char pub[Z85_KEY + 1], sec[Z85_KEY + 1], path[4200], text[256];
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen, "keygen: %s (libzmq without CURVE?)", zmq_strerror(zmq_errno()));
        return KPM_EZMQ;
    }
    if (fs_mkdirs(dir, 0700) != KPM_OK) {
        snprintf(err, errlen, "keygen: cannot create '%s': %s", dir, strerror(errno));
        return KPM_EIO;
    }
    mode_t old = umask(077);
    snprintf(path, sizeof path, "%s/%s.key", dir, stage);
    int n = snprintf(text, sizeof text,
                     "# kpm CURVE key pair of %s: keep secret, on %s's host only\npublic=%s\n"
                     "secret=%s\n",
                     stage, stage, pub, sec);
    int rc = fs_write_atomic(path, text, (size_t)n);
    if (rc == KPM_OK) {
        snprintf(path, sizeof path, "%s/%s.pub", dir, stage);
        n = snprintf(text, sizeof text, "# kpm CURVE public key of %s\npublic=%s\n", stage, pub);
        rc = fs_write_atomic(path, text, (size_t)n);
    }
    umask(old);
    if (rc) snprintf(err, errlen, "keygen: cannot write '%s': %s", path, strerror(errno));
    return rc;
}

curve_t *curve_load(const char *dir, const char *self, char *err, size_t errlen)
{
    curve_t *c = calloc(1, sizeof *c);
    char path[4200];
    if (!c) {
        snprintf(err, errlen, "curve: out of memory");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s.key", dir, self);
    int krc = read_key(path, "public", c->public_z85);
    if (krc == KPM_OK) krc = read_key(path, "secret", c->secret_z85);
    if (krc) {
        snprintf(err, errlen, "curve: cannot read a key pair from '%s': %s", path,
                 krc == KPM_EIO ? strerror(errno) : "no public= and secret= key of 40 characters");
        goto fail;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "curve: cannot open '%s': %s", dir, strerror(errno));
        goto fail;
    }
    struct dirent *e;
    while ((e = readdir(d)) && c->n_peers < MAX_PEERS) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len - 4 >= sizeof c->peers[0].name || strcmp(e->d_name + len - 4, ".pub"))
            continue;
        peer_t *p = &c->peers[c->n_peers];
        snprintf(p->name, sizeof p->name, "%.*s", (int)(len - 4), e->d_name);
        if (strcmp(p->name, self) == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (read_key(path, "public", p->public_z85) ||
            !zmq_z85_decode(p->public_bin, p->public_z85)) {
            snprintf(err, errlen, "curve: '%s' holds no public key", path);
            closedir(d);
            goto fail;
        }
        c->n_peers++;
    }
    closedir(d);
    return c;
fail:
    free(c);
    return NULL;
}

/* One ZAP request (RFC 27): version, request id, domain, address, identity,
 * mechanism, credentials... Replies 200 for a peer's key, 400 otherwise. */
static void zap_serve(curve_t *c)
{
    zmq_msg_t part[8];
    int n = 0, more = 1;
    while (more && n < 8) {
        zmq_msg_init(&part[n]);
        if (zmq_msg_recv(&part[n], c->zap, 0) < 0) {
            zmq_msg_close(&part[n]);
            break;
        }
        more = zmq_msg_more(&part[n]);
        n++;
    }
    while (more) { /* drain anything beyond what we read */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        if (zmq_msg_recv(&extra, c->zap, 0) < 0)
            more = 0;
        else
            more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    int ok = 0;
    if (n >= 7 && zmq_msg_size(&part[5]) == 5 && memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0 &&
        zmq_msg_size(&part[6]) == 32) {
        for (size_t i = 0; i < c->n_peers && !ok; i++)
            ok = memcmp(zmq_msg_data(&part[6]), c->peers[i].public_bin, 32) == 0;
        if (!ok) {
            char z85[Z85_KEY + 1];
            zmq_z85_encode(z85, zmq_msg_data(&part[6]), 32);
            c->refused++;
            log_warn("curve: refused a peer with key %s from %.*s", z85,
                     (int)zmq_msg_size(&part[3]), (const char *)zmq_msg_data(&part[3]));
        }
    }
    if (n >= 2) {
        const char *status = ok ? "200" : "400", *text = ok ? "OK" : "key not allowed";
        zmq_send(c->zap, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(c->zap, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), ZMQ_SNDMORE);
        zmq_send(c->zap, status, 3, ZMQ_SNDMORE);
        zmq_send(c->zap, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(c->zap, "", 0, ZMQ_SNDMORE);
        zmq_send(c->zap, "", 0, 0);
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&part[i]);
}

static void *zap_thread(void *arg)
{
    curve_t *c = arg;
    while (!c->stop) {
        zmq_pollitem_t item = {c->zap, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 100) > 0) zap_serve(c);
    }
    return NULL;
}

int curve_start(curve_t *c, void *zctx, char *err, size_t errlen)
{
    int linger = 0;
    c->zap = zmq_socket(zctx, ZMQ_REP);
    if (!c->zap || zmq_setsockopt(c->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(c->zap, "inproc://zeromq.zap.01") != 0) {
        snprintf(err, errlen, "curve: cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return KPM_EZMQ;
    }
    if (pthread_create(&c->thread, NULL, zap_thread, c) != 0) {
        snprintf(err, errlen, "curve: cannot start the ZAP thread");
        return KPM_EZMQ;
    }
    c->running = 1;
    return KPM_OK;
}

int curve_server(const curve_t *c, void *sock)
{
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "kpm", 3) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->secret_z85, Z85_KEY + 1))
        return KPM_EZMQ;
    return KPM_OK;
}

int curve_client(const curve_t *c, void *sock, const char *peer)
{
    for (size_t i = 0; i < c->n_peers; i++) {
        if (strcmp(c->peers[i].name, peer) != 0) continue;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, c->peers[i].public_z85, Z85_KEY + 1) ||
            zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, c->public_z85, Z85_KEY + 1) ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->secret_z85, Z85_KEY + 1))
            return KPM_EZMQ;
        return KPM_OK;
    }
    return KPM_ENOTFOUND;
}

unsigned long curve_refused(const curve_t *c)
{
    return c->refused;
}

void curve_destroy(curve_t **pc)
{
    if (!pc || !*pc) return;
    curve_t *c = *pc;
    if (c->running) {
        c->stop = 1;
        pthread_join(c->thread, NULL);
    }
    if (c->zap) zmq_close(c->zap);
    memset(c->secret_z85, 0, sizeof c->secret_z85);
    free(c);
    *pc = NULL;
}
