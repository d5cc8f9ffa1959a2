/* stage_net.h - a stage's ZeroMQ context and, with --keys, its CurveZMQ keys and
 * ZAP handler (curve.h), set up and torn down in one place for the three stages.
 */
#ifndef KPM_STAGE_NET_H
#define KPM_STAGE_NET_H

#include "curve.h"

typedef struct {
    void *zctx;     /* the process's ZeroMQ context */
    curve_t *curve; /* NULL without keys; else for every link's link_opts_t.curve */
} stage_net_t;

/* Creates the context and, when keys is not NULL, loads KEYS/<self>.key and the
 * peers' .pub files and starts the ZAP handler. Returns KPM_OK, or an error
 * reported with stage_fail (the cause with the path); stage_net_close frees
 * what was made either way. */
int stage_net_open(stage_net_t *n, const char *keys, const char *self);

/* Stops the ZAP handler and terminates the context (after every socket is
 * closed). A net never opened (all zero) is fine. */
void stage_net_close(stage_net_t *n);

#endif
