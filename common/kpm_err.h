/* kpm_err.h - the project's one error enum and its messages.
 *
 * Every library function of kpm returns 0 (KPM_OK) on success or one of the
 * negative codes below. The codes and their messages come from one table, so
 * they cannot drift apart.
 */
#ifndef KPM_ERR_H
#define KPM_ERR_H

#define KPM_ERR_MAP(X)                                                                             \
    X(KPM_OK, 0, "success")                                                                        \
    X(KPM_ENOMEM, -1, "out of memory")                                                             \
    X(KPM_EIO, -2, "input/output error")                                                           \
    X(KPM_EPARSE, -3, "malformed input")                                                           \
    X(KPM_ERANGE, -4, "value out of range")                                                        \
    X(KPM_EINVAL, -5, "invalid argument")                                                          \
    X(KPM_ENOTFOUND, -6, "not found")                                                              \
    X(KPM_EPROTO, -7, "protocol violation")                                                        \
    X(KPM_EZMQ, -8, "messaging error")                                                             \
    X(KPM_EGAP, -9, "records went missing")                                                        \
    X(KPM_ESTOP, -10, "stopped by signal")                                                         \
    X(KPM_EREWIND, -11, "receiver asked to resend from an earlier sequence number")                \
    X(KPM_ETOOBIG, -12, "value too large")                                                         \
    X(KPM_EEMPTY, -13, "no value")                                                                 \
    X(KPM_ESTATE, -14, "state file is damaged or from another version")                            \
    X(KPM_EBUSY, -15, "held by another process")

typedef enum {
#define KPM_ERR_ENUM(name, value, text) name = value,
    KPM_ERR_MAP(KPM_ERR_ENUM)
#undef KPM_ERR_ENUM
} kpm_err_t;

/* Returns a static English message for an error code (never NULL). */
const char *kpm_strerror(int code);

#endif
