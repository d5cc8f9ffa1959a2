/* oproepen.h - the calls for koplopers as configuration (config/oproepen.csv):
 * per call its name, closing date, the minimum number of criteria answered
 * `ja`, and whether a client organisation must be involved. A nomination
 * (voordracht) belongs to the first call, by closing date, that had not closed
 * when it was sent; one sent after the last call closed belongs to that call
 * and is late.
 *
 * File: `oproep;sluit_op;min_criteria;clientorganisatie_vereist;omschrijving`
 * (`;` or `,`, header names case-insensitive, omschrijving optional), sluit_op an
 * ISO date, min_criteria 0..5, clientorganisatie_vereist `ja`/`nee`.
 */
#ifndef KPM_AGG_OPROEPEN_H
#define KPM_AGG_OPROEPEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char name[64];
    int32_t sluit_op; /* YYYYMMDD */
    int min_criteria;
    int client_required;
    char omschrijving[160];
} oproep_t;

typedef struct oproepen oproepen_t;

/* Loads path. A path that does not exist, with missing_ok, gives the call of
 * the data contract: 2019, closed on 7 October 2019, 3 criteria, client
 * organisation required. Returns NULL with file, line and cause in err. */
oproepen_t *oproepen_load(const char *path, int missing_ok, char *err, size_t errlen);
void oproepen_destroy(oproepen_t **o);

/* Number of calls and call i, by closing date (0 and NULL for o == NULL). */
size_t oproepen_count(const oproepen_t *o);
const oproep_t *oproepen_get(const oproepen_t *o, size_t i);

/* The call a nomination sent on yyyymmdd belongs to (NULL: no calls), and
 * whether it was late. */
const oproep_t *oproepen_for(const oproepen_t *o, int32_t yyyymmdd, int *late);

/* "7 oktober 2019" for 20191007, into buf. */
void oproepen_date_nl(int32_t yyyymmdd, char *buf, size_t len);

#endif
