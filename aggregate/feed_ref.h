/* feed_ref.h - the reference data of the dashboard feed, loaded by aggregate
 * at start: the CBS list of gemeenten (config/gemeenten_2021.csv, in the
 * contract's `gemeenten` kind), so that every gemeente has a name without any
 * delivery, and the municipal mergers (config/herindelingen.csv) that fold old
 * codes into today's (docs/DATABASE.md, "Today's boundaries").
 */
#ifndef KPM_AGG_FEED_REF_H
#define KPM_AGG_FEED_REF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char code[7];
    char *naam, *provincie;
    int64_t inwoners; /* -1: unknown */
} feed_ref_gemeente_t;

typedef struct {
    char oud[7], nieuw[7];
    char *naam_oud, *naam_nieuw;
    int32_t ingang; /* YYYYMMDD: the old code is part of the new one from this day */
} feed_ref_merger_t;

typedef struct feed_ref {
    feed_ref_gemeente_t *gem; /* in file order */
    size_t n_gem;
    int32_t gem_jaar;       /* the year of the list's inhabitants, from its file name; 0: none */
    feed_ref_merger_t *mrg; /* in file order */
    size_t n_mrg;
} feed_ref_t;

/* Loads both files (';' or ','-separated, a header row; see the docs for the
 * columns). A path that is NULL, or missing while its *_optional is 1, gives
 * no rows. Returns NULL with "'path' line N: why" in err for a file that
 * cannot be read or holds an invalid row (a bad code, date or number, a code
 * twice, an old code merged twice or into itself). The caller owns the result. */
feed_ref_t *feed_ref_load(const char *gemeenten, int gemeenten_optional, const char *mergers,
                          int mergers_optional, char *err, size_t errlen);

void feed_ref_destroy(feed_ref_t **r);

#endif
