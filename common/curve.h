/* curve.h - CurveZMQ between stages on different hosts (issue: who may talk to
 * the stages).
 *
 * Each stage has a key pair; a key directory holds the stage's own pair in
 * "<stage>.key" (mode 0600) and the public keys of its peers in "<peer>.pub".
 * With keys, every socket of a link uses CURVE: a binding socket is a CURVE
 * server that accepts only clients whose public key is one of the peers' (a ZAP
 * handler checks it and logs refusals); a connecting socket authenticates the
 * server by the peer's public key. Traffic is encrypted either way.
 */
#ifndef KPM_CURVE_H
#define KPM_CURVE_H

#include <stddef.h>

typedef struct curve curve_t;

/* Writes DIR/<stage>.key (public and secret, mode 0600) and DIR/<stage>.pub.
 * Returns KPM_OK or KPM_EIO/KPM_EZMQ with a message in err. */
int curve_keygen(const char *dir, const char *stage, char *err, size_t errlen);

/* Loads DIR/<self>.key and every other DIR/<name>.pub. Returns NULL with a
 * message in err. */
curve_t *curve_load(const char *dir, const char *self, char *err, size_t errlen);

/* Starts the ZAP handler in zctx (a thread answering "inproc://zeromq.zap.01"):
 * only the peers' public keys are let in. Call once, before any socket binds. */
int curve_start(curve_t *c, void *zctx, char *err, size_t errlen);

/* Makes a socket a CURVE server (for a socket that binds). */
int curve_server(const curve_t *c, void *sock);

/* Makes a socket a CURVE client of `peer` (for a socket that connects);
 * KPM_ENOTFOUND when there is no "<peer>.pub". */
int curve_client(const curve_t *c, void *sock, const char *peer);

/* Clients refused so far by the ZAP handler. */
unsigned long curve_refused(const curve_t *c);

/* Stops the ZAP handler (before zmq_ctx_term) and frees everything. */
void curve_destroy(curve_t **c);

#endif
