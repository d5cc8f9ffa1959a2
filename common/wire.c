/* wire.c - kpm's wire format on msgpack-c: one table of record layouts drives both
 * the writer and the reader (docs/PROTOCOL-RECORDS.md renders the same table). */
#include "wire.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "kpm_err.h"

#define HEADER_FIELDS 6

/* Large enough for the object tree of the largest legal record (a response of
 * WIRE_MAX_ANSWERS items, about 12 KiB), so a warm reader allocates nothing. */
#define READER_ZONE_CHUNK (32 * 1024)

/* ---- record layouts ---- */

typedef enum {
    F_STR,     /* wire_str_t -> str */
    F_I32,     /* int32_t -> int */
    F_U32,     /* uint32_t -> uint */
    F_I64,     /* int64_t -> int */
    F_U64,     /* uint64_t -> uint */
    F_REAL,    /* double -> float64 */
    F_STRS,    /* wire_str_t[n] -> array of str */
    F_U64S,    /* uint64_t[n] -> array of uint */
    F_VALUES,  /* wire_value_t[n] -> array of nil / int / float / str */
    F_ANSWERS, /* wire_answer_t[n] -> map of str -> nil / int / float / str */
} field_type_t;

typedef struct {
    const char *name;
    field_type_t type;
    uint32_t off;   /* of the field in wire_record_t */
    uint32_t n_off; /* lists: of the uint32_t item count in wire_record_t */
    uint32_t max;   /* lists: items allowed */
    bool shares_n;  /* lists: the count was set by the list before (equal lengths) */
    uint32_t smax;  /* strings (the field, its items, its values): bytes allowed */
} field_t;

#define MAX_FIELDS 7

typedef struct {
    const char *name; /* as in wire_rec_kind_name() */
    uint32_t n_fields;
    field_t f[MAX_FIELDS];
    uint32_t n_older; /* fields of this kind in older state (checkpoints) when fewer: the
                         fields added since are trailing; 0: always n_fields */
} layout_t;

#define OFF(m) ((uint32_t)offsetof(wire_record_t, u.m))
/* clang-format off */
#define SCALAR(t, st, m) {#m, t, OFF(st.m), 0, 0, false, 0}
#define STR(st, m, smax) {#m, F_STR, OFF(st.m), 0, 0, false, smax}
#define LIST(t, st, m, n, max, shares, smax) {#m, t, OFF(st.m), OFF(st.n), max, shares, smax}
/* clang-format on */

static const layout_t layout_file_begin = {
    "file_begin", 2, {STR(file_begin, file, WIRE_NAME_MAX), STR(file_begin, kind, WIRE_ID_MAX)}};

static const layout_t layout_file_end = {
    "file_end",
    5,
    {STR(file_end, file, WIRE_NAME_MAX), SCALAR(F_U64, file_end, rows),
     SCALAR(F_U64, file_end, accepted), SCALAR(F_U64, file_end, rejected),
     STR(file_end, sha256, WIRE_ID_MAX)},
    4}; /* sha256 since kpm 1.2.0 */

static const layout_t layout_reject = {
    "reject",
    5,
    {STR(reject, file, WIRE_NAME_MAX), SCALAR(F_U32, reject, line),
     STR(reject, column, WIRE_NAME_MAX), STR(reject, code, WIRE_ID_MAX),
     STR(reject, message, WIRE_TEXT_MAX)}};

static const layout_t layout_koploper = {
    "koploper",
    6,
    {STR(koploper, id, WIRE_ID_MAX), STR(koploper, naam, WIRE_NAME_MAX),
     SCALAR(F_I32, koploper, tranche), SCALAR(F_I32, koploper, startjaar),
     STR(koploper, status, WIRE_ID_MAX),
     LIST(F_STRS, koploper, gemeenten, n_gemeenten, WIRE_MAX_LIST, false, WIRE_ID_MAX)}};

static const layout_t layout_deelnemer = {
    "deelnemer",
    5,
    {SCALAR(F_I32, deelnemer, meting), STR(deelnemer, koploper_id, WIRE_ID_MAX),
     STR(deelnemer, versie, WIRE_ID_MAX), STR(deelnemer, file, WIRE_NAME_MAX),
     SCALAR(F_U32, deelnemer, line)}};

static const layout_t layout_response = {
    "response",
    7,
    {STR(response, response_id, WIRE_ID_MAX), SCALAR(F_I32, response, meting),
     STR(response, koploper_id, WIRE_ID_MAX), STR(response, ingevuld_op, WIRE_ID_MAX),
     STR(response, file, WIRE_NAME_MAX), SCALAR(F_U32, response, line),
     LIST(F_ANSWERS, response, answers, n_answers, WIRE_MAX_ANSWERS, false, WIRE_TEXT_MAX)}};

static const layout_t layout_gebruik = {
    "gebruik",
    6,
    {STR(gebruik, gemeente, WIRE_ID_MAX), SCALAR(F_I32, gebruik, periode),
     STR(gebruik, aanbieder_type, WIRE_ID_MAX), SCALAR(F_I64, gebruik, nieuwe_vragen),
     SCALAR(F_I64, gebruik, lopende_trajecten), SCALAR(F_I64, gebruik, clienten_bereikt)}};

static const layout_t layout_adviesinzet = {
    "adviesinzet",
    6,
    {STR(adviesinzet, koploper_id, WIRE_ID_MAX), SCALAR(F_I32, adviesinzet, datum),
     STR(adviesinzet, adviseur, WIRE_ID_MAX), SCALAR(F_REAL, adviesinzet, uren),
     STR(adviesinzet, file, WIRE_NAME_MAX), SCALAR(F_U32, adviesinzet, line)}};

static const layout_t layout_bijeenkomst = {
    "bijeenkomst",
    7,
    {STR(bijeenkomst, bijeenkomst_id, WIRE_ID_MAX), STR(bijeenkomst, type, WIRE_ID_MAX),
     SCALAR(F_I32, bijeenkomst, datum), STR(bijeenkomst, gemeente, WIRE_ID_MAX),
     SCALAR(F_I64, bijeenkomst, deelnemers), STR(bijeenkomst, file, WIRE_NAME_MAX),
     SCALAR(F_U32, bijeenkomst, line)}};

static const layout_t layout_middelen = {
    "middelen",
    6,
    {STR(middelen, koploper_id, WIRE_ID_MAX), SCALAR(F_I32, middelen, jaar),
     SCALAR(F_REAL, middelen, toegekend_eur), STR(middelen, circulaire, WIRE_ID_MAX),
     STR(middelen, file, WIRE_NAME_MAX), SCALAR(F_U32, middelen, line)}};

static const layout_t layout_ervaring = {
    "ervaring",
    7,
    {STR(ervaring, gemeente, WIRE_ID_MAX), SCALAR(F_I32, ervaring, jaar),
     SCALAR(F_I64, ervaring, respondenten), SCALAR(F_REAL, ervaring, bekend_pct),
     SCALAR(F_REAL, ervaring, tevreden_pct), STR(ervaring, file, WIRE_NAME_MAX),
     SCALAR(F_U32, ervaring, line)}};

static const layout_t layout_voordracht = {
    "voordracht",
    6,
    {STR(voordracht, voordracht_id, WIRE_ID_MAX), SCALAR(F_I32, voordracht, ingediend_op),
     LIST(F_STRS, voordracht, gemeenten, n_gemeenten, WIRE_MAX_LIST, false, WIRE_ID_MAX),
     SCALAR(F_U32, voordracht, criteria), SCALAR(F_U32, voordracht, clientorganisatie),
     STR(voordracht, file, WIRE_NAME_MAX)}};

static const layout_t layout_gemeente = {
    "gemeente",
    5,
    {STR(gemeente, gemeente, WIRE_ID_MAX), STR(gemeente, naam, WIRE_NAME_MAX),
     STR(gemeente, provincie, WIRE_NAME_MAX), SCALAR(F_I64, gemeente, inwoners),
     SCALAR(F_I32, gemeente, jaar)},
    4}; /* jaar since wire version 3 */

static const layout_t layout_table_begin = {
    "table_begin",
    6,
    {STR(table_begin, name, WIRE_ID_MAX), SCALAR(F_U32, table_begin, publish),
     STR(table_begin, merge, WIRE_ID_MAX),
     LIST(F_STRS, table_begin, col_names, n_cols, WIRE_MAX_COLS, false, WIRE_ID_MAX),
     LIST(F_STRS, table_begin, col_formats, n_cols, WIRE_MAX_COLS, true, WIRE_ID_MAX),
     LIST(F_STRS, table_begin, col_merge, n_cols, WIRE_MAX_COLS, true, WIRE_NAME_MAX)}};

static const layout_t layout_table_row = {
    "table_row",
    1,
    {LIST(F_VALUES, table_row, cells, n_cells, WIRE_MAX_COLS, false, WIRE_TEXT_MAX)}};

static const layout_t layout_table_end = {
    "table_end", 2, {STR(table_end, name, WIRE_ID_MAX), SCALAR(F_U64, table_end, rows)}};

static const layout_t layout_counts = {
    "counts",
    2,
    {LIST(F_STRS, counts, names, n, WIRE_MAX_COUNTS, false, WIRE_ID_MAX),
     LIST(F_U64S, counts, counts, n, WIRE_MAX_COUNTS, true, 0)}};

static const layout_t *layout_of(uint64_t kind)
{
    switch (kind) {
    case WIRE_REC_FILE_BEGIN:
        return &layout_file_begin;
    case WIRE_REC_FILE_END:
        return &layout_file_end;
    case WIRE_REC_REJECT:
        return &layout_reject;
    case WIRE_REC_KOPLOPER:
        return &layout_koploper;
    case WIRE_REC_DEELNEMER:
        return &layout_deelnemer;
    case WIRE_REC_RESPONSE:
        return &layout_response;
    case WIRE_REC_GEBRUIK:
        return &layout_gebruik;
    case WIRE_REC_ADVIESINZET:
        return &layout_adviesinzet;
    case WIRE_REC_BIJEENKOMST:
        return &layout_bijeenkomst;
    case WIRE_REC_MIDDELEN:
        return &layout_middelen;
    case WIRE_REC_ERVARING:
        return &layout_ervaring;
    case WIRE_REC_VOORDRACHT:
        return &layout_voordracht;
    case WIRE_REC_GEMEENTE:
        return &layout_gemeente;
    case WIRE_REC_TABLE_BEGIN:
        return &layout_table_begin;
    case WIRE_REC_TABLE_ROW:
        return &layout_table_row;
    case WIRE_REC_TABLE_END:
        return &layout_table_end;
    case WIRE_REC_COUNTS:
        return &layout_counts;
    }
    return NULL;
}

/* ---- encoding ---- */

typedef enum {
    W_IDLE,  /* no message begun */
    W_OPEN,  /* records may be appended */
    W_BAD,   /* begin got an invalid type or stream id */
    W_NOMEM, /* the header could not be written */
} writer_state_t;

struct wire_writer {
    msgpack_sbuffer buf;
    msgpack_packer pk;
    size_t count_off; /* offset of the header count's 4 big-endian bytes */
    uint32_t count;
    writer_state_t state;
};

wire_writer_t *wire_writer_new(void)
{
    wire_writer_t *w = calloc(1, sizeof(*w));
    if (w == NULL) return NULL;
    msgpack_sbuffer_init(&w->buf);
    msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
    w->state = W_IDLE;
    return w;
}

void wire_writer_destroy(wire_writer_t **w)
{
    if (w == NULL || *w == NULL) return;
    msgpack_sbuffer_destroy(&(*w)->buf);
    free(*w);
    *w = NULL;
}

void wire_writer_begin(wire_writer_t *w, wire_msg_t type, const char *stream, uint64_t seq,
                       uint64_t aux)
{
    msgpack_packer *pk = &w->pk;
    size_t slen;

    msgpack_sbuffer_clear(&w->buf);
    w->count = 0;
    w->state = W_BAD;
    if (stream == NULL || type < WIRE_MSG_BEGIN || type > WIRE_MSG_BYE) return;
    slen = strlen(stream);
    if (slen >= WIRE_STREAM_MAX) return;

    w->state = W_NOMEM;
    if (msgpack_pack_array(pk, HEADER_FIELDS) || msgpack_pack_uint32(pk, WIRE_VERSION) ||
        msgpack_pack_uint32(pk, (uint32_t)type) || msgpack_pack_str(pk, slen) ||
        (slen > 0 && msgpack_pack_str_body(pk, stream, slen)) || msgpack_pack_uint64(pk, seq))
        return;
    w->count_off = w->buf.size + 1; /* after the 0xce marker */
    if (msgpack_pack_fix_uint32(pk, 0) || msgpack_pack_uint64(pk, aux)) return;
    w->state = W_OPEN;
}

static int pack_str(msgpack_packer *pk, wire_str_t s, uint32_t max)
{
    if ((s.ptr == NULL && s.len > 0) || s.len > max) return KPM_EINVAL;
    if (msgpack_pack_str(pk, s.len) || (s.len > 0 && msgpack_pack_str_body(pk, s.ptr, s.len)))
        return KPM_ENOMEM;
    return KPM_OK;
}

static int pack_value(msgpack_packer *pk, const wire_value_t *v, uint32_t max)
{
    switch (v->type) {
    case WIRE_VAL_NIL:
        return msgpack_pack_nil(pk) ? KPM_ENOMEM : KPM_OK;
    case WIRE_VAL_INT:
        return msgpack_pack_int64(pk, v->i) ? KPM_ENOMEM : KPM_OK;
    case WIRE_VAL_REAL:
        return msgpack_pack_double(pk, v->r) ? KPM_ENOMEM : KPM_OK;
    case WIRE_VAL_STR:
        return pack_str(pk, v->s, max);
    }
    return KPM_EINVAL;
}

static int pack_field(msgpack_packer *pk, const wire_record_t *rec, const field_t *f)
{
    const char *p = (const char *)rec + f->off;
    uint32_t n = 0;
    int rc = KPM_OK;

    if (f->type >= F_STRS) {
        n = *(const uint32_t *)((const char *)rec + f->n_off);
        if (n > f->max) return KPM_EINVAL;
    }
    switch (f->type) {
    case F_STR:
        return pack_str(pk, *(const wire_str_t *)p, f->smax);
    case F_I32:
        return msgpack_pack_int32(pk, *(const int32_t *)p) ? KPM_ENOMEM : KPM_OK;
    case F_U32:
        return msgpack_pack_uint32(pk, *(const uint32_t *)p) ? KPM_ENOMEM : KPM_OK;
    case F_I64:
        return msgpack_pack_int64(pk, *(const int64_t *)p) ? KPM_ENOMEM : KPM_OK;
    case F_U64:
        return msgpack_pack_uint64(pk, *(const uint64_t *)p) ? KPM_ENOMEM : KPM_OK;
    case F_REAL:
        return msgpack_pack_double(pk, *(const double *)p) ? KPM_ENOMEM : KPM_OK;
    case F_STRS: {
        const wire_str_t *s = (const wire_str_t *)p;
        if (msgpack_pack_array(pk, n)) return KPM_ENOMEM;
        for (uint32_t i = 0; i < n && rc == KPM_OK; i++)
            rc = pack_str(pk, s[i], f->smax);
        return rc;
    }
    case F_U64S: {
        const uint64_t *u = (const uint64_t *)p;
        if (msgpack_pack_array(pk, n)) return KPM_ENOMEM;
        for (uint32_t i = 0; i < n; i++)
            if (msgpack_pack_uint64(pk, u[i])) return KPM_ENOMEM;
        return KPM_OK;
    }
    case F_VALUES: {
        const wire_value_t *v = (const wire_value_t *)p;
        if (msgpack_pack_array(pk, n)) return KPM_ENOMEM;
        for (uint32_t i = 0; i < n && rc == KPM_OK; i++)
            rc = pack_value(pk, &v[i], f->smax);
        return rc;
    }
    case F_ANSWERS: {
        const wire_answer_t *a = (const wire_answer_t *)p;
        if (msgpack_pack_map(pk, n)) return KPM_ENOMEM;
        for (uint32_t i = 0; i < n && rc == KPM_OK; i++) {
            rc = pack_str(pk, a[i].item, WIRE_NAME_MAX);
            if (rc == KPM_OK) rc = pack_value(pk, &a[i].value, f->smax);
        }
        return rc;
    }
    }
    return KPM_EINVAL;
}

int wire_writer_put(wire_writer_t *w, const wire_record_t *rec)
{
    const layout_t *l;
    size_t mark;
    int rc = KPM_OK;

    if (w->state != W_OPEN) return w->state == W_NOMEM ? KPM_ENOMEM : KPM_EINVAL;
    l = layout_of((uint64_t)rec->kind);
    if (l == NULL || w->count == UINT32_MAX) return KPM_EINVAL;

    mark = w->buf.size;
    if (msgpack_pack_array(&w->pk, 1 + l->n_fields) ||
        msgpack_pack_uint32(&w->pk, (uint32_t)rec->kind))
        rc = KPM_ENOMEM;
    for (uint32_t i = 0; i < l->n_fields && rc == KPM_OK; i++)
        rc = pack_field(&w->pk, rec, &l->f[i]);
    if (rc != KPM_OK) {
        w->buf.size = mark; /* drop the partial record */
        return rc;
    }
    w->count++;
    return KPM_OK;
}

uint32_t wire_writer_count(const wire_writer_t *w)
{
    return w->count;
}

size_t wire_writer_size(const wire_writer_t *w)
{
    return w->buf.size;
}

const char *wire_writer_finish(wire_writer_t *w, size_t *len)
{
    unsigned char *c;

    if (w->state != W_OPEN) {
        if (len != NULL) *len = 0;
        return NULL;
    }
    c = (unsigned char *)w->buf.data + w->count_off;
    c[0] = (unsigned char)(w->count >> 24);
    c[1] = (unsigned char)(w->count >> 16);
    c[2] = (unsigned char)(w->count >> 8);
    c[3] = (unsigned char)w->count;
    if (len != NULL) *len = w->buf.size;
    return w->buf.data;
}

/* ---- decoding ---- */

typedef enum {
    R_IDLE,   /* no message opened */
    R_OPEN,   /* records to come */
    R_DONE,   /* all records read, buffer fully consumed */
    R_FAILED, /* malformed message: every further next fails */
} reader_state_t;

struct wire_reader {
    msgpack_zone zone; /* object trees of one header or record, cleared before the next */
    const char *buf;
    size_t len;
    size_t off;
    uint32_t count;   /* records announced by the header */
    uint32_t done;    /* records unpacked, including the current one */
    const char *what; /* kind name of the record being decoded, NULL for the header */
    reader_state_t state;
    bool older;        /* wire_reader_accept_older */
    int other_version; /* the last open refused the message for its version */
    char err[256];
};

wire_reader_t *wire_reader_new(void)
{
    wire_reader_t *r = calloc(1, sizeof(*r));
    if (r == NULL) return NULL;
    if (!msgpack_zone_init(&r->zone, READER_ZONE_CHUNK)) {
        free(r);
        return NULL;
    }
    r->state = R_IDLE;
    return r;
}

int wire_reader_other_version(const wire_reader_t *r)
{
    return r->other_version;
}

void wire_reader_destroy(wire_reader_t **r)
{
    if (r == NULL || *r == NULL) return;
    msgpack_zone_destroy(&(*r)->zone);
    free(*r);
    *r = NULL;
}

const char *wire_reader_error(const wire_reader_t *r)
{
    return r->err;
}

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static int fail(wire_reader_t *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int field_fail(wire_reader_t *r, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Records the message in the error buffer; the message is rejected as a whole. */
static int fail(wire_reader_t *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    r->state = R_FAILED;
    return KPM_EPROTO;
}

/* As fail(), prefixed with "header: field 'x' " or "record N (kind): field 'x' ". */
static int field_fail(wire_reader_t *r, const char *field, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (r->what == NULL)
        n = snprintf(r->err, sizeof(r->err), "header: field '%s' ", field);
    else
        n = snprintf(r->err, sizeof(r->err), "record %" PRIu32 " (%s): field '%s' ", r->done,
                     r->what, field);
    if (n < 0 || (size_t)n >= sizeof(r->err)) n = 0;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    r->state = R_FAILED;
    return KPM_EPROTO;
}

typedef enum { UNPACK_OK, UNPACK_SHORT, UNPACK_BAD } unpack_rc_t;

static uint64_t be_uint(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Walks the msgpack object at off without building it, and checks that the
 * bytes hold every item its arrays and maps announce. msgpack_unpack allocates
 * an array's items before reading them, so five bytes announcing 2^32 items
 * would otherwise ask for ~100 GiB; after this check, what it allocates is
 * bounded by the message's size. */
static unpack_rc_t skim_object(const char *buf, size_t len, size_t off)
{
    const unsigned char *b = (const unsigned char *)buf;
    uint64_t pending = 1; /* objects still to read; each takes at least one byte */

    while (pending > 0) {
        uint64_t items = 0, skip = 0;
        unsigned lenbytes = 0;
        unsigned char c;

        if (off >= len) return UNPACK_SHORT;
        c = b[off++];
        pending--;
        if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
            /* fixint, nil, bool */
        } else if (c <= 0x8f) {
            items = 2u * (c & 0x0fu);
        } else if (c <= 0x9f) {
            items = c & 0x0fu;
        } else if (c <= 0xbf) {
            skip = c & 0x1fu;
        } else if (c == 0xc1) {
            return UNPACK_BAD; /* never used */
        } else if (c <= 0xc6) {
            lenbytes = 1u << (c - 0xc4); /* bin 8/16/32 */
        } else if (c <= 0xc9) {
            lenbytes = 1u << (c - 0xc7); /* ext 8/16/32, then a type byte */
            skip = 1;
        } else if (c <= 0xd3) {
            static const unsigned char size[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
            skip = size[c - 0xca]; /* float 32/64, uint 8..64, int 8..64 */
        } else if (c <= 0xd8) {
            skip = 1 + (1u << (c - 0xd4)); /* fixext 1..16 */
        } else if (c <= 0xdb) {
            lenbytes = 1u << (c - 0xd9); /* str 8/16/32 */
        } else {
            /* array 16/32 (0xdc, 0xdd), map 16/32 (0xde, 0xdf) */
            unsigned n = (c & 1u) ? 4 : 2;
            if (len - off < n) return UNPACK_SHORT;
            items = be_uint(b + off, n) * (c >= 0xde ? 2u : 1u);
            off += n;
        }
        if (lenbytes) {
            if (len - off < lenbytes) return UNPACK_SHORT;
            skip += be_uint(b + off, lenbytes);
            off += lenbytes;
        }
        if (skip > len - off) return UNPACK_SHORT;
        off += (size_t)skip;
        pending += items;
        if (pending > len - off) return UNPACK_SHORT;
    }
    return UNPACK_OK;
}

/* Unpacks the object at r->off into the reader's zone. msgpack_unpack (unlike
 * msgpack_unpack_next, which frees and allocates a zone on every call) lets the
 * zone be reused; str objects point into r->buf either way. */
static unpack_rc_t unpack_one(wire_reader_t *r, msgpack_object *o)
{
    size_t off = r->off;
    msgpack_unpack_return ret;
    unpack_rc_t skim = skim_object(r->buf, r->len, r->off);

    if (skim != UNPACK_OK) return skim;
    msgpack_zone_clear(&r->zone);
    ret = msgpack_unpack(r->buf, r->len, &off, &r->zone, o);
    if (ret == MSGPACK_UNPACK_SUCCESS || ret == MSGPACK_UNPACK_EXTRA_BYTES) {
        r->off = off;
        return UNPACK_OK;
    }
    return ret == MSGPACK_UNPACK_CONTINUE ? UNPACK_SHORT : UNPACK_BAD;
}

typedef enum { NUM_OK, NUM_TYPE, NUM_RANGE } num_rc_t;

static num_rc_t get_int(const msgpack_object *o, int64_t lo, int64_t hi, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)hi) return NUM_RANGE;
        *out = (int64_t)o->via.u64;
        return NUM_OK;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < lo) return NUM_RANGE;
        *out = o->via.i64;
        return NUM_OK;
    }
    return NUM_TYPE;
}

static num_rc_t get_uint(const msgpack_object *o, uint64_t hi, uint64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > hi) return NUM_RANGE;
        *out = o->via.u64;
        return NUM_OK;
    }
    return o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? NUM_RANGE : NUM_TYPE;
}

static int num_fail(wire_reader_t *r, const char *field, num_rc_t rc, const char *ctype)
{
    if (rc == NUM_TYPE) return field_fail(r, field, "is not an integer");
    return field_fail(r, field, "is out of range for %s", ctype);
}

/* msgpack-c gives an empty fixstr a NULL pointer; views never have one. */
static bool get_str(const msgpack_object *o, wire_str_t *out)
{
    if (o->type != MSGPACK_OBJECT_STR) return false;
    out->ptr = o->via.str.size > 0 ? o->via.str.ptr : "";
    out->len = o->via.str.size;
    return true;
}

/* Returns NUM_TYPE for an object that is no value, NUM_RANGE for an integer
 * beyond int64. */
static num_rc_t get_value(const msgpack_object *o, wire_value_t *v)
{
    *v = (wire_value_t){.type = WIRE_VAL_NIL};
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return NUM_OK;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        v->type = WIRE_VAL_INT;
        return get_int(o, INT64_MIN, INT64_MAX, &v->i);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        v->type = WIRE_VAL_REAL;
        v->r = o->via.f64;
        return NUM_OK;
    case MSGPACK_OBJECT_STR:
        v->type = WIRE_VAL_STR;
        get_str(o, &v->s);
        return NUM_OK;
    default:
        return NUM_TYPE;
    }
}

/* A string within its bound; `part` names an item of a list ("item 3"), or is
 * NULL for the field itself. */
static int str_bound(wire_reader_t *r, const field_t *f, wire_str_t s, uint32_t max,
                     const char *part, uint32_t item)
{
    if (s.len <= max) return KPM_OK;
    if (part == NULL)
        return field_fail(r, f->name, "has %" PRIu32 " bytes, at most %" PRIu32 " allowed", s.len,
                          max);
    return field_fail(r, f->name,
                      "%s %" PRIu32 " has %" PRIu32 " bytes, at most %" PRIu32 " allowed", part,
                      item, s.len, max);
}

/* "field 'cells' item 3 is not nil, ..." ("value 3" for the values of a map). */
static int value_fail(wire_reader_t *r, const char *field, num_rc_t rc, const char *part,
                      uint32_t item)
{
    if (rc == NUM_TYPE)
        return field_fail(r, field, "%s %" PRIu32 " is not nil, an integer, a float or a string",
                          part, item);
    return field_fail(r, field, "%s %" PRIu32 " is out of range for int64", part, item);
}

/* Checks a list's size against the limit and against the list it shares its
 * count with, and stores the count. */
static int list_size(wire_reader_t *r, const field_t *f, uint32_t size, wire_record_t *rec)
{
    uint32_t *n = (uint32_t *)((char *)rec + f->n_off);

    if (size > f->max)
        return field_fail(r, f->name, "has %" PRIu32 " items, at most %" PRIu32 " allowed", size,
                          f->max);
    if (f->shares_n && size != *n)
        return field_fail(r, f->name, "has %" PRIu32 " items, '%s' has %" PRIu32, size,
                          (f - 1)->name, *n);
    *n = size;
    return KPM_OK;
}

/* A field an older writer did not write: empty, 0, or a list of 0 items. */
static void clear_field(const field_t *f, wire_record_t *rec)
{
    char *p = (char *)rec + f->off;
    switch (f->type) {
    case F_STR:
        *(wire_str_t *)p = wire_strn("", 0);
        break;
    case F_I32:
        *(int32_t *)p = 0;
        break;
    case F_U32:
        *(uint32_t *)p = 0;
        break;
    case F_I64:
        *(int64_t *)p = 0;
        break;
    case F_U64:
        *(uint64_t *)p = 0;
        break;
    case F_REAL:
        *(double *)p = 0.0;
        break;
    case F_STRS:
    case F_U64S:
    case F_VALUES:
    case F_ANSWERS:
        *(uint32_t *)((char *)rec + f->n_off) = 0;
        break;
    }
}

static int decode_field(wire_reader_t *r, const field_t *f, const msgpack_object *o,
                        wire_record_t *rec)
{
    char *p = (char *)rec + f->off;
    int64_t i;
    uint64_t u;
    num_rc_t rc;
    int err;

    switch (f->type) {
    case F_STR:
        if (!get_str(o, (wire_str_t *)p)) return field_fail(r, f->name, "is not a string");
        return str_bound(r, f, *(wire_str_t *)p, f->smax, NULL, 0);
    case F_I32:
        if ((rc = get_int(o, INT32_MIN, INT32_MAX, &i)) != NUM_OK)
            return num_fail(r, f->name, rc, "int32");
        *(int32_t *)p = (int32_t)i;
        return KPM_OK;
    case F_U32:
        if ((rc = get_uint(o, UINT32_MAX, &u)) != NUM_OK) return num_fail(r, f->name, rc, "uint32");
        *(uint32_t *)p = (uint32_t)u;
        return KPM_OK;
    case F_I64:
        if ((rc = get_int(o, INT64_MIN, INT64_MAX, (int64_t *)p)) != NUM_OK)
            return num_fail(r, f->name, rc, "int64");
        return KPM_OK;
    case F_U64:
        if ((rc = get_uint(o, UINT64_MAX, (uint64_t *)p)) != NUM_OK)
            return num_fail(r, f->name, rc, "uint64");
        return KPM_OK;
    case F_REAL:
        if (o->type != MSGPACK_OBJECT_FLOAT32 && o->type != MSGPACK_OBJECT_FLOAT64)
            return field_fail(r, f->name, "is not a float");
        *(double *)p = o->via.f64;
        return KPM_OK;
    case F_STRS:
    case F_U64S:
    case F_VALUES:
        break;
    case F_ANSWERS: {
        wire_answer_t *a = (wire_answer_t *)p;
        const msgpack_object_kv *kv;
        if (o->type != MSGPACK_OBJECT_MAP) return field_fail(r, f->name, "is not a map");
        kv = o->via.map.ptr;
        if ((err = list_size(r, f, o->via.map.size, rec)) != KPM_OK) return err;
        for (uint32_t k = 0; k < o->via.map.size; k++) {
            if (!get_str(&kv[k].key, &a[k].item))
                return field_fail(r, f->name, "key %" PRIu32 " is not a string", k + 1);
            if ((err = str_bound(r, f, a[k].item, WIRE_NAME_MAX, "key", k + 1)) != KPM_OK)
                return err;
            if ((rc = get_value(&kv[k].val, &a[k].value)) != NUM_OK)
                return value_fail(r, f->name, rc, "value", k + 1);
            if (a[k].value.type == WIRE_VAL_STR &&
                (err = str_bound(r, f, a[k].value.s, f->smax, "value", k + 1)) != KPM_OK)
                return err;
        }
        return KPM_OK;
    }
    }

    /* arrays */
    if (o->type != MSGPACK_OBJECT_ARRAY) return field_fail(r, f->name, "is not an array");
    if ((err = list_size(r, f, o->via.array.size, rec)) != KPM_OK) return err;
    for (uint32_t k = 0; k < o->via.array.size; k++) {
        const msgpack_object *e = &o->via.array.ptr[k];
        if (f->type == F_STRS) {
            if (!get_str(e, &((wire_str_t *)p)[k]))
                return field_fail(r, f->name, "item %" PRIu32 " is not a string", k + 1);
            if ((err = str_bound(r, f, ((wire_str_t *)p)[k], f->smax, "item", k + 1)) != KPM_OK)
                return err;
        } else if (f->type == F_U64S) {
            if ((rc = get_uint(e, UINT64_MAX, &((uint64_t *)p)[k])) != NUM_OK)
                return field_fail(r, f->name, "item %" PRIu32 " is %s", k + 1,
                                  rc == NUM_TYPE ? "not an integer" : "out of range for uint64");
        } else {
            const wire_value_t *v = &((wire_value_t *)p)[k];
            if ((rc = get_value(e, (wire_value_t *)v)) != NUM_OK)
                return value_fail(r, f->name, rc, "item", k + 1);
            if (v->type == WIRE_VAL_STR && (err = str_bound(r, f, v->s, f->smax, "item", k + 1)))
                return err;
        }
    }
    return KPM_OK;
}

void wire_reader_accept_older(wire_reader_t *r, int on)
{
    r->older = on != 0;
}

int wire_reader_open(wire_reader_t *r, const char *buf, size_t len, wire_header_t *hdr)
{
    msgpack_object o;
    const msgpack_object *a;
    wire_header_t h;
    wire_str_t stream;
    uint64_t u;
    num_rc_t rc;

    r->buf = buf;
    r->len = buf != NULL ? len : 0;
    r->off = 0;
    r->count = 0;
    r->done = 0;
    r->what = NULL;
    r->other_version = 0;
    r->err[0] = '\0';

    switch (unpack_one(r, &o)) {
    case UNPACK_OK:
        break;
    case UNPACK_SHORT:
        return fail(r, r->len == 0 ? "header: empty message" : "header: message ends early");
    case UNPACK_BAD:
        return fail(r, "header: not valid msgpack");
    }
    if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size != HEADER_FIELDS)
        return fail(r, "header: not an array of %d items", HEADER_FIELDS);
    a = o.via.array.ptr;

    if ((rc = get_uint(&a[0], UINT32_MAX, &u)) != NUM_OK)
        return num_fail(r, "version", rc, "uint32");
    if (u != WIRE_VERSION && !(r->older && u >= WIRE_VERSION_OLDEST_STATE && u < WIRE_VERSION)) {
        /* Both versions named: a stage of another release is not "malformed". */
        r->other_version = 1;
        return fail(r,
                    "wire version %" PRIu64 " refused: this build speaks wire version %d (the "
                    "stages are of different kpm releases; upgrade all three together)",
                    u, WIRE_VERSION);
    }
    h.version = (uint32_t)u;

    if ((rc = get_uint(&a[1], UINT32_MAX, &u)) != NUM_OK) return num_fail(r, "type", rc, "uint32");
    if (u < WIRE_MSG_BEGIN || u > WIRE_MSG_BYE)
        return fail(r, "header: unknown message type %" PRIu64, u);
    h.type = (wire_msg_t)u;

    if (!get_str(&a[2], &stream)) return field_fail(r, "stream", "is not a string");
    if (stream.len >= WIRE_STREAM_MAX)
        return field_fail(r, "stream", "has %" PRIu32 " bytes, at most %d allowed", stream.len,
                          WIRE_STREAM_MAX - 1);
    if (stream.len > 0 && memchr(stream.ptr, '\0', stream.len) != NULL)
        return field_fail(r, "stream", "contains a NUL byte");
    memcpy(h.stream, stream.ptr, stream.len);
    h.stream[stream.len] = '\0';

    if ((rc = get_uint(&a[3], UINT64_MAX, &h.seq)) != NUM_OK)
        return num_fail(r, "seq", rc, "uint64");
    if ((rc = get_uint(&a[4], UINT32_MAX, &u)) != NUM_OK) return num_fail(r, "count", rc, "uint32");
    h.count = (uint32_t)u;
    if ((rc = get_uint(&a[5], UINT64_MAX, &h.aux)) != NUM_OK)
        return num_fail(r, "aux", rc, "uint64");

    if (h.count == 0 && r->off != r->len)
        return fail(r, "%zu trailing bytes after a message of 0 records", r->len - r->off);
    r->count = h.count;
    r->state = R_OPEN;
    *hdr = h;
    return KPM_OK;
}

int wire_reader_next(wire_reader_t *r, wire_record_t *rec)
{
    msgpack_object o;
    const msgpack_object *a;
    const layout_t *l;
    uint64_t kind;
    int rc;

    switch (r->state) {
    case R_OPEN:
        break;
    case R_DONE:
        return 0;
    case R_FAILED:
        return KPM_EPROTO;
    case R_IDLE:
        snprintf(r->err, sizeof(r->err), "no message opened");
        return KPM_EINVAL;
    }

    if (r->done == r->count) {
        if (r->off != r->len)
            return fail(r, "%zu trailing bytes after the %" PRIu32 " announced records",
                        r->len - r->off, r->count);
        r->state = R_DONE;
        return 0;
    }

    r->done++;
    r->what = NULL;
    switch (unpack_one(r, &o)) {
    case UNPACK_OK:
        break;
    case UNPACK_SHORT:
        if (r->off == r->len)
            return fail(r, "message ends after %" PRIu32 " of %" PRIu32 " announced records",
                        r->done - 1, r->count);
        return fail(r, "record %" PRIu32 ": message ends inside the record", r->done);
    case UNPACK_BAD:
        return fail(r, "record %" PRIu32 ": not valid msgpack", r->done);
    }

    if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size == 0)
        return fail(r, "record %" PRIu32 ": not a non-empty array", r->done);
    a = o.via.array.ptr;
    if (get_uint(&a[0], UINT64_MAX, &kind) != NUM_OK)
        return fail(r, "record %" PRIu32 ": kind is not an unsigned integer", r->done);
    if ((l = layout_of(kind)) == NULL)
        return fail(r, "record %" PRIu32 ": unknown kind %" PRIu64, r->done, kind);
    uint32_t n = o.via.array.size - 1;
    if (n != l->n_fields && !(r->older && l->n_older != 0 && n >= l->n_older && n < l->n_fields))
        return fail(r, "record %" PRIu32 " (%s): %" PRIu32 " fields, expected %" PRIu32, r->done,
                    l->name, n, l->n_fields);

    r->what = l->name;
    rec->kind = (wire_rec_kind_t)kind;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = decode_field(r, &l->f[i], &a[i + 1], rec)) != KPM_OK) return rc;
    for (uint32_t i = n; i < l->n_fields; i++) /* added since the state was written */
        clear_field(&l->f[i], rec);
    return 1;
}

/* ---- helpers ---- */

wire_str_t wire_str(const char *s)
{
    return s == NULL ? wire_strn("", 0) : wire_strn(s, strlen(s));
}

wire_str_t wire_strn(const char *s, size_t len)
{
    assert(len <= UINT32_MAX);
    return (wire_str_t){s, (uint32_t)len};
}

int wire_str_eq(wire_str_t a, const char *lit)
{
    size_t n = lit != NULL ? strlen(lit) : 0;
    return a.len == n && (n == 0 || memcmp(a.ptr, lit, n) == 0);
}

int wire_str_same(wire_str_t a, wire_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int wire_table_col(const wire_table_begin_t *tb, const char *name)
{
    for (uint32_t c = 0; c < tb->n_cols; c++) {
        if (wire_str_eq(tb->col_names[c], name)) return (int)c;
    }
    return -1;
}

const char *wire_rec_kind_name(wire_rec_kind_t k)
{
    const layout_t *l = layout_of((uint64_t)k);
    return l != NULL ? l->name : "?";
}

const char *wire_msg_name(wire_msg_t t)
{
    switch (t) {
    case WIRE_MSG_BEGIN:
        return "BEGIN";
    case WIRE_MSG_DATA:
        return "DATA";
    case WIRE_MSG_END:
        return "END";
    case WIRE_MSG_ACK:
        return "ACK";
    case WIRE_MSG_RESUME:
        return "RESUME";
    case WIRE_MSG_BYE:
        return "BYE";
    }
    return "?";
}

void wire_shard_record(wire_record_t *rec, unsigned worker, unsigned workers)
{
    memset(rec, 0, sizeof *rec);
    rec->kind = WIRE_REC_COUNTS;
    rec->u.counts.n = 2;
    rec->u.counts.names[0] = wire_str("worker");
    rec->u.counts.counts[0] = worker;
    rec->u.counts.names[1] = wire_str("workers");
    rec->u.counts.counts[1] = workers;
}

int wire_shard_check(const wire_counts_t *c, unsigned worker, unsigned workers, char *err,
                     size_t errlen)
{
    uint64_t got_worker = 0, got_workers = 1;
    for (uint32_t i = 0; i < c->n; i++) {
        if (wire_str_eq(c->names[i], "worker")) got_worker = c->counts[i];
        if (wire_str_eq(c->names[i], "workers")) got_workers = c->counts[i];
    }
    if (got_worker == worker && got_workers == workers) return KPM_OK;
    snprintf(err, errlen, "is for worker %llu of %llu, this is worker %u of %u",
             (unsigned long long)got_worker, (unsigned long long)got_workers, worker, workers);
    return KPM_EINVAL;
}
