/* ctl.h - the supervisor's control socket, STATE/run/kpm.sock (a Unix stream
 * socket; the directory is the service group's, mode 0770).
 *
 * While `kpm run` supervises a night it listens there; `kpm restart STAGE` and
 * `kpm stop` send one line ("restart STAGE", "stop") and read one line back:
 * "ok PID" / "ok" when done, or "err MESSAGE". The supervisor starts the new
 * process as its own child, so it waits on it like the others.
 */
#ifndef KPM_CLI_CTL_H
#define KPM_CLI_CTL_H

#include <stddef.h>

/* Binds and listens (non-blocking). Returns the descriptor or -1 (message in err). */
int ctl_listen(const char *state, char *err, size_t len);

/* Closes the listening socket and removes it. */
void ctl_close(int lfd, const char *state);

/* Accepts one client and reads its request line (up to 1 s). Returns the
 * client's descriptor, or -1 when there was none or it said nothing. */
int ctl_accept(int lfd, char *req, size_t len);

/* Sends one reply line and closes the client. */
void ctl_reply(int cfd, const char *line);

/* Client: sends req and waits up to timeout_ms for the reply line. Returns 1
 * with the reply, 0 when no supervisor listens, -1 when it went away without a
 * reply (reply holds why). */
int ctl_request(const char *state, const char *req, char *reply, size_t len, int timeout_ms);

#endif
