/* wire.h - kpm's wire format, version 3: the one definition of what travels
 * between the stages (see docs/PROTOCOL.md).
 *
 * A message (one ZeroMQ frame) is a msgpack stream: a header array
 *     [version, type, stream, seq, count, aux]
 * followed by exactly `count` record arrays [kind, field, ...]. `stream` names the
 * night (e.g. "20261126T030000Z"), `seq` numbers the messages of a stream from 0
 * without gaps. The meaning of `aux` depends on the type (ACK: durable seq; END:
 * number of records in the stream).
 *
 * Decoded strings are views into the message buffer: they are valid while that
 * buffer is, and are NOT NUL-terminated.
 */
#ifndef KPM_WIRE_H
#define KPM_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* 3: file_end's sha256 and gemeente's jaar. A reader refuses a message of
 * another version, naming both (docs/PROTOCOL.md, Versioning). */
#define WIRE_VERSION 3
/* The oldest version whose state (aggregate's checkpoint) this build still reads,
 * with wire_reader_accept_older: records of such state may lack the trailing
 * fields added since (docs/PROTOCOL-RECORDS.md, "Older state"). */
#define WIRE_VERSION_OLDEST_STATE 2
#define WIRE_STREAM_MAX 64   /* bytes of a stream id, NUL included */
#define WIRE_MAX_LIST 64     /* gemeenten of one koploper */
#define WIRE_MAX_ANSWERS 256 /* items of one response */
#define WIRE_MAX_COLS 32     /* columns of one result table */
#define WIRE_MAX_COUNTS 32   /* kinds counted in a COUNTS record */

/* Bytes a string field may have (docs/PROTOCOL-RECORDS.md names the bound of
 * each field). The writer and the reader refuse a longer string, so what a
 * receiver builds from a record is bounded by these, not by the sender. */
/* ids, codes, kinds, dates, gemeente codes, column names (ingest's rule) */
#define WIRE_ID_MAX 64
#define WIRE_NAME_MAX 256  /* file names, names of persons, bodies and catalogue items */
#define WIRE_TEXT_MAX 8192 /* free text: open answers, reject sentences, table cells */

/* The largest legal message, in bytes. A batcher closes a message as soon as it
 * holds WIRE_MSG_BYTES (or its record limit), so a message is at most that, less
 * one byte, plus its last record; the largest record is a response of
 * WIRE_MAX_ANSWERS answers, each an item name of WIRE_NAME_MAX bytes and a text
 * of WIRE_TEXT_MAX, plus its ids and file name (about 2.1 MiB). Every receiving
 * socket drops a larger frame (ZMQ_MAXMSGSIZE: WIRE_MSG_CAP), so a peer cannot
 * make a stage hold more than its high-water mark times this. */
#define WIRE_MSG_BYTES (256 * 1024)
#define WIRE_RECORD_MAX                                                                            \
    ((size_t)WIRE_MAX_ANSWERS * (WIRE_NAME_MAX + WIRE_TEXT_MAX + 10) + 4 * WIRE_NAME_MAX + 64)
#define WIRE_MSG_CAP (WIRE_MSG_BYTES + WIRE_RECORD_MAX + 64 * 1024) /* 64 KiB margin */

typedef enum {
    WIRE_MSG_BEGIN = 1,  /* first message of a stream (seq 0) */
    WIRE_MSG_DATA = 2,   /* records */
    WIRE_MSG_END = 3,    /* last message of a stream; aux = records in the stream */
    WIRE_MSG_ACK = 4,    /* receiver -> sender: seq = highest seq received in order,
                            aux = highest seq durably applied (UINT64_MAX: none yet) */
    WIRE_MSG_RESUME = 5, /* receiver -> sender: send again from seq */
    WIRE_MSG_BYE = 6,    /* sender -> receiver: the END was durably acknowledged */
} wire_msg_t;

typedef struct {
    uint32_t version;
    wire_msg_t type;
    char stream[WIRE_STREAM_MAX]; /* NUL-terminated */
    uint64_t seq;
    uint32_t count; /* records following the header */
    uint64_t aux;
} wire_header_t;

#define WIRE_NO_SEQ UINT64_MAX

typedef struct {
    const char *ptr;
    uint32_t len;
} wire_str_t;

typedef enum {
    WIRE_VAL_NIL = 0, /* asked, not answered / empty cell */
    WIRE_VAL_INT,
    WIRE_VAL_REAL,
    WIRE_VAL_STR,
} wire_val_type_t;

typedef struct {
    wire_val_type_t type;
    int64_t i;
    double r;
    wire_str_t s;
} wire_value_t;

typedef enum {
    /* ingest -> aggregate */
    WIRE_REC_FILE_BEGIN = 1,
    WIRE_REC_FILE_END = 2,
    WIRE_REC_REJECT = 3,
    WIRE_REC_KOPLOPER = 10,
    WIRE_REC_DEELNEMER = 11,
    WIRE_REC_RESPONSE = 12,
    WIRE_REC_GEBRUIK = 13,
    WIRE_REC_ADVIESINZET = 14,
    WIRE_REC_BIJEENKOMST = 15,
    WIRE_REC_MIDDELEN = 16,
    WIRE_REC_ERVARING = 17,
    WIRE_REC_VOORDRACHT = 18,
    WIRE_REC_GEMEENTE = 19,
    /* aggregate -> report */
    WIRE_REC_TABLE_BEGIN = 30,
    WIRE_REC_TABLE_ROW = 31,
    WIRE_REC_TABLE_END = 32,
    /* either link, in END messages */
    WIRE_REC_COUNTS = 40,
} wire_rec_kind_t;

/* A delivered file starts: the receiver forgets what an earlier file of the same
 * name contributed (rejects; the whole register for kind "koplopers"). */
typedef struct {
    wire_str_t file; /* delivered name, e.g. "uitvraag_2021.csv" */
    wire_str_t kind; /* "koplopers", "uitvraag", ... */
} wire_file_begin_t;

typedef struct {
    wire_str_t file;
    uint64_t rows;     /* data rows read (header excluded) */
    uint64_t accepted; /* rows passed on */
    uint64_t rejected; /* rows rejected whole */
    wire_str_t sha256; /* of the file as delivered: 64 lower-case hex digits */
} wire_file_end_t;

typedef struct {
    wire_str_t file;
    uint32_t line;     /* 0: whole file */
    wire_str_t column; /* empty: whole row or file */
    wire_str_t code;   /* stable upper-case code */
    wire_str_t message;
} wire_reject_t;

typedef struct {
    wire_str_t id;
    wire_str_t naam;
    int32_t tranche;
    int32_t startjaar;
    wire_str_t status; /* may be empty */
    uint32_t n_gemeenten;
    wire_str_t gemeenten[WIRE_MAX_LIST]; /* normalised "GM0363" */
} wire_koploper_t;

typedef struct {
    int32_t meting;
    wire_str_t koploper_id;
    wire_str_t versie; /* "kort", "volledig" or empty */
    wire_str_t file;
    uint32_t line;
} wire_deelnemer_t;

typedef struct {
    wire_str_t item;    /* catalogue item id */
    wire_value_t value; /* NIL: asked, not answered; INT: likert 0..4 or aantal;
                           REAL: procent; STR: keuze value or tekst */
} wire_answer_t;

typedef struct {
    wire_str_t response_id;
    int32_t meting;
    wire_str_t koploper_id;
    wire_str_t ingevuld_op; /* "YYYY-MM-DDTHH:MM:SS" */
    wire_str_t file;
    uint32_t line;
    uint32_t n_answers; /* only items that were asked (columns of the file) */
    wire_answer_t answers[WIRE_MAX_ANSWERS];
} wire_response_t;

typedef struct {
    wire_str_t gemeente; /* "GM0363" */
    int32_t periode;     /* YYYYMM */
    wire_str_t aanbieder_type;
    int64_t nieuwe_vragen; /* -1: empty */
    int64_t lopende_trajecten;
    int64_t clienten_bereikt;
} wire_gebruik_t;

/* Monitoring records (docs/MONITORING.md). Optional numbers are -1 when empty;
 * file and line locate the row for notices made later by aggregate. */
typedef struct {
    wire_str_t koploper_id;
    int32_t datum;       /* YYYYMMDD */
    wire_str_t adviseur; /* 16 hex digits: the keyed pseudonym (pseudonym.h), never the name */
    double uren;
    wire_str_t file;
    uint32_t line;
} wire_adviesinzet_t;

typedef struct {
    wire_str_t bijeenkomst_id;
    wire_str_t type;
    int32_t datum; /* YYYYMMDD */
    wire_str_t gemeente;
    int64_t deelnemers;
    wire_str_t file;
    uint32_t line;
} wire_bijeenkomst_t;

typedef struct {
    wire_str_t koploper_id;
    int32_t jaar;
    double toegekend_eur;
    wire_str_t circulaire; /* may be empty */
    wire_str_t file;
    uint32_t line;
} wire_middelen_t;

typedef struct {
    wire_str_t gemeente;
    int32_t jaar;
    int64_t respondenten;
    double bekend_pct;
    double tevreden_pct; /* -1: empty */
    wire_str_t file;
    uint32_t line;
} wire_ervaring_t;

#define WIRE_CRIT_VISIE 1u
#define WIRE_CRIT_BETROKKENHEID 2u
#define WIRE_CRIT_INNOVATIE 4u
#define WIRE_CRIT_AMBITIE 8u
#define WIRE_CRIT_DOELGROEPEN 16u

typedef struct {
    wire_str_t voordracht_id;
    int32_t ingediend_op; /* YYYYMMDD */
    uint32_t n_gemeenten;
    wire_str_t gemeenten[WIRE_MAX_LIST];
    uint32_t criteria;          /* WIRE_CRIT_* bits of the criteria answered ja */
    uint32_t clientorganisatie; /* 1: ja */
    wire_str_t file;
} wire_voordracht_t;

typedef struct {
    wire_str_t gemeente;
    wire_str_t naam;
    wire_str_t provincie;
    int64_t inwoners; /* -1: empty */
    int32_t jaar;     /* of the figures: from the file's name (values.h); 0: none */
} wire_gemeente_t;

/* Result tables: BEGIN names the table and its columns with a format each
 * ("int", "pct1", "dec1", "dec2", "text"); ROWs follow; END repeats the name and
 * the number of rows. `publish` 0 marks a table that is input for the report
 * only (not written as a CSV file).
 *
 * With several aggregate workers each sends its part of a table, and the report
 * merges them by `merge` and the columns' `col_merge` roles
 * (docs/PROTOCOL-RECORDS.md, "Merging the workers' tables"):
 *   merge "owner": the table comes whole from worker 0;
 *         "union": rows of all workers, merged in the order of the key columns;
 *         "sum":   rows with equal keys are one row, their cells combined.
 *   col_merge "key", "sum", "same" (equal in every part), "ratio NUM DEN SCALE"
 *   (recomputed after merging as SCALE * NUM / DEN, empty unless DEN > 0), or ""
 *   (owner and union tables). Columns whose name starts with '_' are helpers
 *   for the merge and are not written out.
 * `publish` is a set of bits: WIRE_PUBLISH alone puts a table in its CSV file
 * and in the feed (kpm.sqlite, PostgreSQL, dashboard/); with NO_FEED it is a
 * CSV file only, with NO_CSV the feed only (docs/DATABASE.md). */
#define WIRE_PUBLISH 1u
#define WIRE_PUBLISH_NO_FEED 2u
#define WIRE_PUBLISH_NO_CSV 4u
typedef struct {
    wire_str_t name;
    uint32_t publish;
    wire_str_t merge;
    uint32_t n_cols;
    wire_str_t col_names[WIRE_MAX_COLS];
    wire_str_t col_formats[WIRE_MAX_COLS];
    wire_str_t col_merge[WIRE_MAX_COLS];
} wire_table_begin_t;

typedef struct {
    uint32_t n_cells;
    wire_value_t cells[WIRE_MAX_COLS];
} wire_table_row_t;

typedef struct {
    wire_str_t name;
    uint64_t rows;
} wire_table_end_t;

/* Counts per record kind name, carried by END messages so that a receiver can
 * check what it applied. */
typedef struct {
    uint32_t n;
    wire_str_t names[WIRE_MAX_COUNTS];
    uint64_t counts[WIRE_MAX_COUNTS];
} wire_counts_t;

typedef struct {
    wire_rec_kind_t kind;
    union {
        wire_file_begin_t file_begin;
        wire_file_end_t file_end;
        wire_reject_t reject;
        wire_koploper_t koploper;
        wire_deelnemer_t deelnemer;
        wire_response_t response;
        wire_gebruik_t gebruik;
        wire_adviesinzet_t adviesinzet;
        wire_bijeenkomst_t bijeenkomst;
        wire_middelen_t middelen;
        wire_ervaring_t ervaring;
        wire_voordracht_t voordracht;
        wire_gemeente_t gemeente;
        wire_table_begin_t table_begin;
        wire_table_row_t table_row;
        wire_table_end_t table_end;
        wire_counts_t counts;
    } u;
} wire_record_t;

/* ---- encoding ---- */

/* The COUNTS record of a BEGIN that names the worker a stream is for:
 * {"worker": K, "workers": N} (docs/PROTOCOL.md). */
void wire_shard_record(wire_record_t *rec, unsigned worker, unsigned workers);

/* Checks a BEGIN's COUNTS against this worker; without shard counts (an older
 * sender) worker 0 of 1 is assumed. Returns KPM_OK or KPM_EINVAL with a
 * sentence in err ("is for worker 1 of 2, this is worker 0 of 2"). */
int wire_shard_check(const wire_counts_t *c, unsigned worker, unsigned workers, char *err,
                     size_t errlen);

typedef struct wire_writer wire_writer_t;

/* A reusable message builder. Returns NULL when out of memory. */
wire_writer_t *wire_writer_new(void);
void wire_writer_destroy(wire_writer_t **w);

/* Starts a new message (discarding any unfinished one). */
void wire_writer_begin(wire_writer_t *w, wire_msg_t type, const char *stream, uint64_t seq,
                       uint64_t aux);

/* Appends one record. Returns KPM_OK, KPM_EINVAL for a record that breaks the
 * limits above, or KPM_ENOMEM. */
int wire_writer_put(wire_writer_t *w, const wire_record_t *rec);

/* Records appended and bytes used so far in the current message. */
uint32_t wire_writer_count(const wire_writer_t *w);
size_t wire_writer_size(const wire_writer_t *w);

/* Completes the message (fills in the record count) and returns its bytes, owned
 * by the writer and valid until the next begin. */
const char *wire_writer_finish(wire_writer_t *w, size_t *len);

/* ---- decoding ---- */

typedef struct wire_reader wire_reader_t;

/* A reader holds no reference to a message between wire_reader_open calls. */
wire_reader_t *wire_reader_new(void);
void wire_reader_destroy(wire_reader_t **r);

/* Lets the reader take state written by an older kpm (aggregate's checkpoint,
 * never a link): headers of versions WIRE_VERSION_OLDEST_STATE..WIRE_VERSION,
 * and records without the trailing fields added since (those read as empty, 0,
 * or no items; wire.c's layouts say which). Off by default. */
void wire_reader_accept_older(wire_reader_t *r, int on);

/* Starts reading a message and decodes its header. Returns KPM_OK, KPM_EPROTO
 * for a malformed header or a version the reader does not take (other than
 * WIRE_VERSION, or an older one that wire_reader_accept_older allows); the
 * error then names the message's version and this build's, and
 * wire_reader_other_version() is 1. */
int wire_reader_open(wire_reader_t *r, const char *buf, size_t len, wire_header_t *hdr);

/* 1 when the last wire_reader_open refused the message for its version. */
int wire_reader_other_version(const wire_reader_t *r);

/* Decodes the next record. Returns 1 with *rec filled, 0 after the last of the
 * header's `count` records, or KPM_EPROTO for anything malformed (wrong type,
 * missing field, more records than announced or fewer, trailing bytes, a list
 * beyond the limits); wire_reader_error() then says what. Views in *rec point
 * into the buffer given to wire_reader_open. */
int wire_reader_next(wire_reader_t *r, wire_record_t *rec);

const char *wire_reader_error(const wire_reader_t *r);

/* Helpers. */
wire_str_t wire_str(const char *s); /* view of a C string (NULL -> empty) */
wire_str_t wire_strn(const char *s, size_t len);
int wire_str_eq(wire_str_t a, const char *lit); /* exact comparison with a C string */
int wire_str_same(wire_str_t a, wire_str_t b);  /* the same bytes */
int wire_table_col(const wire_table_begin_t *tb, const char *name); /* column index, or -1 */
const char *wire_rec_kind_name(wire_rec_kind_t k); /* "response", ...; "?" when unknown */
const char *wire_msg_name(wire_msg_t t);           /* "BEGIN", ... */

#endif
