/* statelock.h - exclusive locks on the parts of a state directory.
 *
 * A lock is flock(2) on STATE/run/<name>.lock, held as long as its descriptor is
 * open: the kernel drops it when the holder exits or dies, so a crash never leaves
 * a stale lock behind and nothing has to clean up. The descriptor is close-on-exec,
 * so a child never inherits its parent's lock. While held, the file names the
 * holder's pid; that is for messages only ("a night is running in STATE (pid N)"),
 * the flock is the lock.
 *
 * The locks of kpm (docs/RELIABILITY.md, "Locks"):
 *   night            the operator's `kpm run`, for the whole night
 *   control          `kpm run`, `restart`, `stop` while they start or stop stages
 *   stage.<stage>    each stage process for its lifetime ("stage.aggregate.2"),
 *                    so that a second copy of a stage cannot start
 */
#ifndef KPM_STATELOCK_H
#define KPM_STATELOCK_H

#include <stddef.h>

typedef struct {
    int fd; /* -1: not held */
} statelock_t;

#define STATELOCK_INIT                                                                             \
    {                                                                                              \
        -1                                                                                         \
    }

/* Takes STATE/run/<name>.lock (creating STATE/run), waiting up to wait_ms
 * milliseconds (0: try once). Returns KPM_OK (held), KPM_EBUSY (another process
 * holds it: *holder, when not NULL, gets its pid, or 0 when not known) or KPM_EIO
 * with the cause and path in err. */
int statelock_take(const char *state_dir, const char *name, int wait_ms, statelock_t *l,
                   long *holder, char *err, size_t errlen);

/* Releases the lock (closing its descriptor); a lock not held is fine. */
void statelock_release(statelock_t *l);

/* The pid written in STATE/run/<name>.lock when that process is alive, else 0. It
 * does not touch the lock (so it can never make a taker fail); use it for messages
 * and status, never as the lock itself. */
long statelock_holder(const char *state_dir, const char *name);

#endif
