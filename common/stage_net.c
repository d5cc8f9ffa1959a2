/* stage_net.c - a stage's ZeroMQ context and keys (see stage_net.h). */
#include "stage_net.h"

#include <string.h>
#include <zmq.h>

#include "kpm_err.h"
#include "stage.h"

int stage_net_open(stage_net_t *n, const char *keys, const char *self)
{
    char err[1024];
    memset(n, 0, sizeof *n);
    if (!(n->zctx = zmq_ctx_new()))
        return stage_fail(KPM_EZMQ, "cannot create a ZeroMQ context: %s",
                          zmq_strerror(zmq_errno()));
    if (!keys) return KPM_OK;
    if (!(n->curve = curve_load(keys, self, err, sizeof err)) ||
        curve_start(n->curve, n->zctx, err, sizeof err) != KPM_OK)
        return stage_fail(KPM_EINVAL, "%s", err);
    return KPM_OK;
}

void stage_net_close(stage_net_t *n)
{
    curve_destroy(&n->curve);
    if (n->zctx) zmq_ctx_term(n->zctx);
    n->zctx = NULL;
}
