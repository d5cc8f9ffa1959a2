/* state.h - aggregate's state: everything received so far, kept so that every
 * night's tables reflect all deliveries (docs/DESIGN.md, "State").
 *
 * The state is changed only by applying wire records (state_apply), and is
 * saved as wire records too (state_dump): a checkpoint is a compacted log that
 * state_apply replays. Replacement rules of the contract live here: a later
 * koplopers file replaces the register, a re-delivered response_id or
 * (meting, koploper_id) of deelnemers replaces the earlier one, and a file
 * delivered again under the same name replaces its earlier rejects.
 */
#ifndef KPM_AGG_STATE_H
#define KPM_AGG_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "batcher.h"
#include "catalog.h"
#include "strmap.h"
#include "wire.h"

typedef struct {
    const char *id; /* interned */
    char *naam;
    char *status;
    int32_t tranche;
    int32_t startjaar;
    size_t n_gemeenten;
    char (*gemeenten)[7];
} agg_koploper_t;

typedef struct {
    int32_t meting;
    const char *koploper_id; /* interned */
    char versie[16];
    const char *file; /* interned */
    uint32_t line;
} agg_deelnemer_t;

typedef struct {
    uint16_t item; /* catalogue index */
    uint8_t type;  /* wire_val_type_t */
    int64_t i;
    double r;
    char *s; /* owned; STR answers */
    uint32_t slen;
} agg_answer_t;

typedef struct {
    const char *response_id; /* interned */
    int32_t meting;
    const char *koploper_id; /* interned */
    char ingevuld_op[20];
    const char *file; /* interned */
    uint32_t line;
    uint32_t n_answers;
    agg_answer_t *answers;
} agg_response_t;

typedef struct {
    uint32_t line;
    char *column, *code, *message;
} agg_reject_t;

typedef struct {
    agg_reject_t *items;
    size_t n, cap;
} agg_reject_list_t;

/* Monitoring data (docs/MONITORING.md), one entry per key; later replaces. */
#define AGG_AANBIEDER_TYPES 3
extern const char *const agg_aanbieder_types[AGG_AANBIEDER_TYPES]; /* output order */

typedef struct {
    char gemeente[7];
    int32_t periode;                                            /* YYYYMM */
    uint8_t type;                                               /* index in agg_aanbieder_types */
    int64_t nieuwe_vragen, lopende_trajecten, clienten_bereikt; /* -1: empty */
} agg_gebruik_t;

typedef struct {
    const char *koploper_id; /* interned */
    int32_t datum;
    char adviseur[17]; /* keyed pseudonym of the name (pseudonym.h) */
    double uren;
    const char *file; /* interned */
    uint32_t line;
} agg_adviesinzet_t;

typedef struct {
    const char *id; /* interned */
    char type[16];
    int32_t datum;
    char gemeente[7];
    int64_t deelnemers;
    const char *file;
    uint32_t line;
} agg_bijeenkomst_t;

typedef struct {
    const char *koploper_id;
    int32_t jaar;
    double toegekend_eur;
    char circulaire[12];
    const char *file;
    uint32_t line;
} agg_middelen_t;

typedef struct {
    char gemeente[7];
    int32_t jaar;
    int64_t respondenten;
    double bekend_pct;
    double tevreden_pct; /* -1: empty */
    const char *file;
    uint32_t line;
} agg_ervaring_t;

typedef struct {
    const char *id;
    int32_t ingediend_op;
    uint32_t criteria; /* WIRE_CRIT_* bits */
    uint32_t clientorganisatie;
    size_t n_gemeenten;
    char (*gemeenten)[7];
    const char *file;
} agg_voordracht_t;

/* The inhabitants of a gemeente in one year, as delivered. */
typedef struct {
    int32_t jaar;     /* from the file's name; 0: the name gave none */
    int64_t inwoners; /* -1: the row left it empty */
} agg_inwoners_t;

/* A gemeente as the `gemeenten` files deliver it: its name and province from
 * the latest delivery, and one figure per year (a later delivery for the same
 * year replaces it), sorted by year. */
typedef struct {
    char code[7];
    char *naam;
    char *provincie;
    agg_inwoners_t *jaren;
    size_t n_jaren;
} agg_gemeente_t;

typedef struct {
    const catalog_t *cat;
    strmap_t *pool;               /* interned ids and file names */
    strmap_t *koplopers;          /* id -> agg_koploper_t*, register order */
    strmap_t *deelnemers;         /* "meting|id" -> agg_deelnemer_t*, arrival order */
    strmap_t *responses;          /* response_id -> agg_response_t*, arrival order */
    strmap_t *rejects;            /* file -> agg_reject_list_t* */
    const char *register_pending; /* koplopers file whose first row replaces the register */
    struct usage_map *gebruik;    /* (gemeente, periode, type) -> agg_gebruik_t (usage_map.h) */
    strmap_t *adviesinzet;        /* "koploper|datum|adviseur" -> agg_adviesinzet_t* */
    strmap_t *bijeenkomsten;      /* "id|gemeente" -> agg_bijeenkomst_t* */
    strmap_t *middelen;           /* "koploper|jaar|circulaire" -> agg_middelen_t* */
    strmap_t *ervaring;           /* "gemeente|jaar" -> agg_ervaring_t* */
    strmap_t *voordrachten;       /* id -> agg_voordracht_t* */
    strmap_t *gemeenten;          /* code -> agg_gemeente_t* */
    uint64_t unknown_items;       /* answers for items the catalogue lacks (dropped) */
} agg_state_t;

agg_state_t *state_new(const catalog_t *cat);
void state_destroy(agg_state_t **s);

/* Applies one record. Returns KPM_OK, KPM_ENOMEM, or KPM_EPROTO for a record
 * kind that does not belong on ingest's stream. */
int state_apply(agg_state_t *s, const wire_record_t *rec);

/* Builds a map key from received values (printf's format) into buf of cap
 * bytes. Returns its length, or -1 when it does not fit: the caller refuses the
 * record (KPM_ERANGE), since a key cut short would merge distinct rows and one
 * read at its printed length would overrun buf. The wire bounds (WIRE_ID_MAX)
 * keep every key of a valid record within AGG_KEY_MAX. */
#define AGG_KEY_MAX 192
int agg_key(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Puts the whole state as records (KOPLOPER, DEELNEMER, RESPONSE, REJECT) into
 * b; applying them to an empty state gives the same state. */
int state_dump(const agg_state_t *s, batcher_t *b);

/* Monitoring part of the state (state_mon.c): create, free, apply, dump. */
int state_mon_init(agg_state_t *s);
void state_mon_free(agg_state_t *s);
int state_mon_apply(agg_state_t *s, const wire_record_t *rec); /* KPM_ENOTFOUND: not mine */
int state_mon_dump(const agg_state_t *s, batcher_t *b);

/* Looks up a koploper of the register, or NULL. */
const agg_koploper_t *state_koploper(const agg_state_t *s, const char *id);

#endif
