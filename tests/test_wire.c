/* test_wire.c - the wire format: round trips of every record kind and message
 * type, and the reader's refusal of malformed messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "kpm_err.h"
#include "wire.h"

/* A view of a string literal; keeps embedded NUL bytes. */
#define S(lit) wire_strn(lit, sizeof(lit) - 1)

#define MAX_SAMPLES 24

typedef struct {
    wire_writer_t *w;
    wire_reader_t *r;
    wire_record_t *want; /* MAX_SAMPLES records */
    wire_record_t *got;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->w = wire_writer_new();
    fx->r = wire_reader_new();
    fx->want = calloc(MAX_SAMPLES, sizeof(wire_record_t));
    fx->got = calloc(1, sizeof(wire_record_t));
    assert_true(fx->w && fx->r && fx->want && fx->got);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    wire_writer_destroy(&fx->w);
    wire_reader_destroy(&fx->r);
    assert_null(fx->w);
    assert_null(fx->r);
    free(fx->want);
    free(fx->got);
    free(fx);
    return 0;
}

static wire_value_t v_nil(void)
{
    return (wire_value_t){.type = WIRE_VAL_NIL};
}

static wire_value_t v_int(int64_t i)
{
    return (wire_value_t){.type = WIRE_VAL_INT, .i = i};
}

static wire_value_t v_real(double r)
{
    return (wire_value_t){.type = WIRE_VAL_REAL, .r = r};
}

static wire_value_t v_str(wire_str_t s)
{
    return (wire_value_t){.type = WIRE_VAL_STR, .s = s};
}

/* "GM0001" for i = 0, ... */
static wire_str_t gm(uint32_t i)
{
    static char codes[WIRE_MAX_LIST][8];
    i %= WIRE_MAX_LIST;
    snprintf(codes[i], sizeof(codes[i]), "GM%04u", (unsigned)(i + 1));
    return wire_strn(codes[i], 6);
}

static wire_record_t *add(wire_record_t *s, size_t *n, wire_rec_kind_t kind)
{
    assert_true(*n < MAX_SAMPLES);
    s[*n].kind = kind;
    return &s[(*n)++];
}

/* One or more records of every kind, edge values included. Returns how many. */
static size_t build_samples(wire_record_t *s)
{
    size_t n = 0;
    wire_record_t *r;

    r = add(s, &n, WIRE_REC_FILE_BEGIN);
    r->u.file_begin = (wire_file_begin_t){S("uitvraag_2021.csv"), S("uitvraag")};

    r = add(s, &n, WIRE_REC_FILE_END);
    r->u.file_end =
        (wire_file_end_t){S("uitvraag_2021.csv"), 1000, 990, 10,
                          S("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")};

    r = add(s, &n, WIRE_REC_FILE_END);
    r->u.file_end = (wire_file_end_t){S(""), UINT64_MAX, 0, UINT64_MAX - 1, S("")};

    r = add(s, &n, WIRE_REC_REJECT);
    r->u.reject = (wire_reject_t){S("uitvraag_2021.csv"), 17, S("meting"), S("INVALID_VALUE"),
                                  S("waarde \"drie\" is geen getal,\nzie regel 17")};

    r = add(s, &n, WIRE_REC_REJECT);
    r->u.reject = (wire_reject_t){S("koplopers.csv"), 0, S(""), S("MISSING_COLUMN"), S("")};

    r = add(s, &n, WIRE_REC_KOPLOPER);
    r->u.koploper = (wire_koploper_t){
        S("K012"), S("Gemeente 's-Hertogenbosch & Vught"), 2, 2021, S("actief"), 3};
    r->u.koploper.gemeenten[0] = S("GM0796");
    r->u.koploper.gemeenten[1] = S("GM0865");
    r->u.koploper.gemeenten[2] = S("GM0363");

    r = add(s, &n, WIRE_REC_KOPLOPER);
    r->u.koploper = (wire_koploper_t){
        S("K999"), S("Überregionaal – Fryslân"), INT32_MIN, INT32_MAX, S(""), WIRE_MAX_LIST};
    for (int i = 0; i < WIRE_MAX_LIST; i++)
        r->u.koploper.gemeenten[i] = gm((uint32_t)i);

    r = add(s, &n, WIRE_REC_KOPLOPER);
    r->u.koploper = (wire_koploper_t){S("K000"), S(""), 0, -1, S(""), 0};

    r = add(s, &n, WIRE_REC_DEELNEMER);
    r->u.deelnemer = (wire_deelnemer_t){1, S("K012"), S("kort"), S("deelnemers.csv"), 4};

    r = add(s, &n, WIRE_REC_DEELNEMER);
    r->u.deelnemer = (wire_deelnemer_t){-7, S("K013"), S(""), S("deelnemers.csv"), UINT32_MAX};

    r = add(s, &n, WIRE_REC_RESPONSE);
    wire_response_t *rs = &r->u.response;
    *rs = (wire_response_t){
        S("R-0001"), 2, S("K012"), S("2021-03-04T09:15:00"), S("uitvraag_2021.csv"), 42, 0};
    wire_answer_t answers[] = {
        {S("q_nil"), v_nil()},
        {S("q_likert"), v_int(4)},
        {S("q_zero"), v_int(0)},
        {S("q_neg"), v_int(-3)},
        {S("q_min"), v_int(INT64_MIN)},
        {S("q_max"), v_int(INT64_MAX)},
        {S("q_pct"), v_real(12.5)},
        {S("q_pct2"), v_real(33.333)},
        {S("q_negreal"), v_real(-0.1)},
        {S("q_keuze"), v_str(S("één of twee – \"beide\"\nnieuwe regel, 'quote'"))},
        {S("q_nul"), v_str(S("a\0b\0"))},
        {S("q_leeg"), v_str(S(""))},
        {S(""), v_int(1)},
    };
    rs->n_answers = sizeof(answers) / sizeof(answers[0]);
    memcpy(rs->answers, answers, sizeof(answers));

    r = add(s, &n, WIRE_REC_RESPONSE);
    r->u.response = (wire_response_t){S("R-full"), 1, S("K001"),       S("2021-01-01T00:00:00"),
                                      S("f.csv"),  2, WIRE_MAX_ANSWERS};
    for (uint32_t i = 0; i < WIRE_MAX_ANSWERS; i++)
        r->u.response.answers[i] = (wire_answer_t){gm(i), v_int((int64_t)i - 128)};

    r = add(s, &n, WIRE_REC_RESPONSE);
    r->u.response = (wire_response_t){S("R-none"), 1, S("K001"), S(""), S("f.csv"), 3, 0};

    r = add(s, &n, WIRE_REC_GEBRUIK);
    r->u.gebruik = (wire_gebruik_t){S("GM0363"), 202103, S("wijkteam"), 12, 340, 1200};

    r = add(s, &n, WIRE_REC_GEBRUIK);
    r->u.gebruik = (wire_gebruik_t){S("GM0001"), 202112, S(""), -1, -1, -1};

    r = add(s, &n, WIRE_REC_GEBRUIK);
    r->u.gebruik = (wire_gebruik_t){S("GM0002"), -202112, S("x"), INT64_MAX, INT64_MIN, 0};

    r = add(s, &n, WIRE_REC_TABLE_BEGIN);
    r->u.table_begin =
        (wire_table_begin_t){.name = S("respons"), .publish = 1, .merge = S("sum"), .n_cols = 3};
    r->u.table_begin.col_names[0] = S("meting");
    r->u.table_begin.col_names[1] = S("tranche");
    r->u.table_begin.col_names[2] = S("respons_pct");
    r->u.table_begin.col_formats[0] = S("int");
    r->u.table_begin.col_formats[1] = S("text");
    r->u.table_begin.col_formats[2] = S("pct1");
    r->u.table_begin.col_merge[0] = S("key");
    r->u.table_begin.col_merge[1] = S("key");
    r->u.table_begin.col_merge[2] = S("ratio a b 1000");

    r = add(s, &n, WIRE_REC_TABLE_BEGIN);
    r->u.table_begin =
        (wire_table_begin_t){.name = S("intern"), .merge = S("owner"), .n_cols = WIRE_MAX_COLS};
    for (int i = 0; i < WIRE_MAX_COLS; i++) {
        r->u.table_begin.col_names[i] = gm((uint32_t)i);
        r->u.table_begin.col_formats[i] = i % 2 ? S("dec2") : S("dec1");
        r->u.table_begin.col_merge[i] = S("");
    }

    r = add(s, &n, WIRE_REC_TABLE_ROW);
    r->u.table_row = (wire_table_row_t){5};
    r->u.table_row.cells[0] = v_int(1);
    r->u.table_row.cells[1] = v_str(S("tranche-2"));
    r->u.table_row.cells[2] = v_real(33.333);
    r->u.table_row.cells[3] = v_nil();
    r->u.table_row.cells[4] = v_int(-5);

    r = add(s, &n, WIRE_REC_TABLE_ROW);
    r->u.table_row = (wire_table_row_t){0};

    r = add(s, &n, WIRE_REC_TABLE_END);
    r->u.table_end = (wire_table_end_t){S("respons"), 7};

    r = add(s, &n, WIRE_REC_COUNTS);
    r->u.counts = (wire_counts_t){3};
    r->u.counts.names[0] = S("response");
    r->u.counts.names[1] = S("gebruik");
    r->u.counts.names[2] = S("reject");
    r->u.counts.counts[0] = 1234;
    r->u.counts.counts[1] = 0;
    r->u.counts.counts[2] = UINT64_MAX;

    r = add(s, &n, WIRE_REC_COUNTS);
    r->u.counts = (wire_counts_t){0};

    return n;
}

/* ---- comparison ---- */

static const char *g_buf; /* message being decoded: views must point into it */
static size_t g_len;

static void assert_view(wire_str_t got, wire_str_t want)
{
    assert_int_equal(got.len, want.len);
    assert_non_null(got.ptr);
    if (want.len > 0) {
        assert_true(got.ptr >= g_buf && got.ptr + got.len <= g_buf + g_len);
        assert_memory_equal(got.ptr, want.ptr, want.len);
    }
}

static void assert_value(const wire_value_t *got, const wire_value_t *want)
{
    assert_int_equal(got->type, want->type);
    switch (want->type) {
    case WIRE_VAL_NIL:
        break;
    case WIRE_VAL_INT:
        assert_true(got->i == want->i);
        break;
    case WIRE_VAL_REAL:
        assert_memory_equal(&got->r, &want->r, sizeof(double)); /* bit-exact */
        break;
    case WIRE_VAL_STR:
        assert_view(got->s, want->s);
        break;
    }
}

static void assert_record(const wire_record_t *got, const wire_record_t *want)
{
    assert_int_equal(got->kind, want->kind);
    switch (want->kind) {
    case WIRE_REC_FILE_BEGIN:
        assert_view(got->u.file_begin.file, want->u.file_begin.file);
        assert_view(got->u.file_begin.kind, want->u.file_begin.kind);
        break;
    case WIRE_REC_FILE_END:
        assert_view(got->u.file_end.file, want->u.file_end.file);
        assert_true(got->u.file_end.rows == want->u.file_end.rows);
        assert_true(got->u.file_end.accepted == want->u.file_end.accepted);
        assert_true(got->u.file_end.rejected == want->u.file_end.rejected);
        assert_view(got->u.file_end.sha256, want->u.file_end.sha256);
        break;
    case WIRE_REC_REJECT:
        assert_view(got->u.reject.file, want->u.reject.file);
        assert_int_equal(got->u.reject.line, want->u.reject.line);
        assert_view(got->u.reject.column, want->u.reject.column);
        assert_view(got->u.reject.code, want->u.reject.code);
        assert_view(got->u.reject.message, want->u.reject.message);
        break;
    case WIRE_REC_KOPLOPER:
        assert_view(got->u.koploper.id, want->u.koploper.id);
        assert_view(got->u.koploper.naam, want->u.koploper.naam);
        assert_int_equal(got->u.koploper.tranche, want->u.koploper.tranche);
        assert_int_equal(got->u.koploper.startjaar, want->u.koploper.startjaar);
        assert_view(got->u.koploper.status, want->u.koploper.status);
        assert_int_equal(got->u.koploper.n_gemeenten, want->u.koploper.n_gemeenten);
        for (uint32_t i = 0; i < want->u.koploper.n_gemeenten; i++)
            assert_view(got->u.koploper.gemeenten[i], want->u.koploper.gemeenten[i]);
        break;
    case WIRE_REC_DEELNEMER:
        assert_int_equal(got->u.deelnemer.meting, want->u.deelnemer.meting);
        assert_view(got->u.deelnemer.koploper_id, want->u.deelnemer.koploper_id);
        assert_view(got->u.deelnemer.versie, want->u.deelnemer.versie);
        assert_view(got->u.deelnemer.file, want->u.deelnemer.file);
        assert_int_equal(got->u.deelnemer.line, want->u.deelnemer.line);
        break;
    case WIRE_REC_RESPONSE:
        assert_view(got->u.response.response_id, want->u.response.response_id);
        assert_int_equal(got->u.response.meting, want->u.response.meting);
        assert_view(got->u.response.koploper_id, want->u.response.koploper_id);
        assert_view(got->u.response.ingevuld_op, want->u.response.ingevuld_op);
        assert_view(got->u.response.file, want->u.response.file);
        assert_int_equal(got->u.response.line, want->u.response.line);
        assert_int_equal(got->u.response.n_answers, want->u.response.n_answers);
        for (uint32_t i = 0; i < want->u.response.n_answers; i++) {
            assert_view(got->u.response.answers[i].item, want->u.response.answers[i].item);
            assert_value(&got->u.response.answers[i].value, &want->u.response.answers[i].value);
        }
        break;
    case WIRE_REC_GEBRUIK:
        assert_view(got->u.gebruik.gemeente, want->u.gebruik.gemeente);
        assert_int_equal(got->u.gebruik.periode, want->u.gebruik.periode);
        assert_view(got->u.gebruik.aanbieder_type, want->u.gebruik.aanbieder_type);
        assert_true(got->u.gebruik.nieuwe_vragen == want->u.gebruik.nieuwe_vragen);
        assert_true(got->u.gebruik.lopende_trajecten == want->u.gebruik.lopende_trajecten);
        assert_true(got->u.gebruik.clienten_bereikt == want->u.gebruik.clienten_bereikt);
        break;
    case WIRE_REC_TABLE_BEGIN:
        assert_view(got->u.table_begin.name, want->u.table_begin.name);
        assert_int_equal(got->u.table_begin.publish, want->u.table_begin.publish);
        assert_view(got->u.table_begin.merge, want->u.table_begin.merge);
        assert_int_equal(got->u.table_begin.n_cols, want->u.table_begin.n_cols);
        for (uint32_t i = 0; i < want->u.table_begin.n_cols; i++) {
            assert_view(got->u.table_begin.col_names[i], want->u.table_begin.col_names[i]);
            assert_view(got->u.table_begin.col_formats[i], want->u.table_begin.col_formats[i]);
            assert_view(got->u.table_begin.col_merge[i], want->u.table_begin.col_merge[i]);
        }
        break;
    case WIRE_REC_TABLE_ROW:
        assert_int_equal(got->u.table_row.n_cells, want->u.table_row.n_cells);
        for (uint32_t i = 0; i < want->u.table_row.n_cells; i++)
            assert_value(&got->u.table_row.cells[i], &want->u.table_row.cells[i]);
        break;
    case WIRE_REC_TABLE_END:
        assert_view(got->u.table_end.name, want->u.table_end.name);
        assert_true(got->u.table_end.rows == want->u.table_end.rows);
        break;
    case WIRE_REC_COUNTS:
        assert_int_equal(got->u.counts.n, want->u.counts.n);
        for (uint32_t i = 0; i < want->u.counts.n; i++) {
            assert_view(got->u.counts.names[i], want->u.counts.names[i]);
            assert_true(got->u.counts.counts[i] == want->u.counts.counts[i]);
        }
        break;
    default:
        fail_msg("unexpected kind %d", (int)want->kind);
    }
}

/* Encodes the records as one DATA message; returns a malloc'd copy of exactly
 * its size, so that valgrind sees any read beyond the end. */
static char *encode(fx_t *fx, const wire_record_t *recs, size_t n, size_t *len)
{
    const char *msg;
    char *copy;

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "20261126T030000Z", 5, 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(wire_writer_put(fx->w, &recs[i]), KPM_OK);
    assert_int_equal(wire_writer_count(fx->w), n);
    msg = wire_writer_finish(fx->w, len);
    assert_non_null(msg);
    assert_int_equal(*len, wire_writer_size(fx->w));
    copy = malloc(*len);
    assert_non_null(copy);
    memcpy(copy, msg, *len);
    return copy;
}

/* ---- round trips ---- */

static void test_roundtrip_every_kind(void **state)
{
    fx_t *fx = *state;
    size_t n = build_samples(fx->want), len;
    wire_header_t h;
    char *msg = encode(fx, fx->want, n, &len);

    g_buf = msg;
    g_len = len;
    assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK);
    assert_int_equal(h.version, WIRE_VERSION);
    assert_int_equal(h.type, WIRE_MSG_DATA);
    assert_string_equal(h.stream, "20261126T030000Z");
    assert_true(h.seq == 5);
    assert_int_equal(h.count, n);
    assert_true(h.aux == 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
        assert_record(fx->got, &fx->want[i]);
    }
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
    free(msg);
}

static void test_roundtrip_message_types(void **state)
{
    fx_t *fx = *state;
    static const char stream63[] =
        "123456789012345678901234567890123456789012345678901234567890123";
    struct {
        wire_msg_t type;
        const char *stream;
        uint64_t seq, aux;
        int with_record;
    } cases[] = {
        {WIRE_MSG_BEGIN, "20261126T030000Z", 0, 0, 1},
        {WIRE_MSG_DATA, "20261126T030000Z", 1, 0, 1},
        {WIRE_MSG_END, "20261126T030000Z", 77, 123456, 1},
        {WIRE_MSG_ACK, "20261126T030000Z", 3, WIRE_NO_SEQ, 0},
        {WIRE_MSG_ACK, "20261126T030000Z", UINT64_MAX - 1, 2, 0},
        {WIRE_MSG_RESUME, "20261126T030000Z", 4, 0, 0},
        {WIRE_MSG_BYE, "20261126T030000Z", 78, 0, 0},
        {WIRE_MSG_DATA, stream63, 1, 0, 0},
        {WIRE_MSG_DATA, "", 0, 0, 0},
    };
    wire_record_t *rec = &fx->want[0];
    rec->kind = WIRE_REC_TABLE_END;
    rec->u.table_end = (wire_table_end_t){S("respons"), 3};

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        wire_header_t h;
        size_t len;
        const char *msg;

        wire_writer_begin(fx->w, cases[c].type, cases[c].stream, cases[c].seq, cases[c].aux);
        if (cases[c].with_record) assert_int_equal(wire_writer_put(fx->w, rec), KPM_OK);
        msg = wire_writer_finish(fx->w, &len);
        assert_non_null(msg);
        g_buf = msg;
        g_len = len;
        assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK);
        assert_int_equal(h.type, cases[c].type);
        assert_string_equal(h.stream, cases[c].stream);
        assert_true(h.seq == cases[c].seq);
        assert_true(h.aux == cases[c].aux);
        assert_int_equal(h.count, cases[c].with_record);
        if (cases[c].with_record) {
            assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
            assert_record(fx->got, rec);
        }
        assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
    }
}

/* Record i of a long message, varied and reproducible; strings live in `scratch`. */
static void make_record(uint32_t i, wire_record_t *r, char scratch[64])
{
    int n = snprintf(scratch, 64, "GM%04u", (unsigned)(i % 10000));
    wire_str_t id = wire_strn(scratch, (size_t)n);

    switch (i % 3) {
    case 0:
        r->kind = WIRE_REC_GEBRUIK;
        r->u.gebruik = (wire_gebruik_t){id,
                                        202100 + (int32_t)(i % 12) + 1,
                                        S("wijkteam"),
                                        i % 5 ? (int64_t)i : -1,
                                        (int64_t)i * 1000,
                                        -1};
        break;
    case 1:
        r->kind = WIRE_REC_DEELNEMER;
        r->u.deelnemer = (wire_deelnemer_t){(int32_t)(i % 4), id, S("volledig"), S("d.csv"), i};
        break;
    default:
        r->kind = WIRE_REC_RESPONSE;
        r->u.response =
            (wire_response_t){id, 1, S("K001"), S("2021-05-01T12:00:00"), S("u.csv"), i, i % 7};
        for (uint32_t k = 0; k < i % 7; k++)
            r->u.response.answers[k] =
                (wire_answer_t){gm(k), k % 2 ? v_real((double)i / 8.0) : v_int((int64_t)k - 2)};
    }
}

static void test_roundtrip_10000_records(void **state)
{
    fx_t *fx = *state;
    char s_want[64];
    const uint32_t total = 10000;
    wire_header_t h;
    const char *msg;
    size_t len;

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "20261126T030000Z", 9, 0);
    for (uint32_t i = 0; i < total; i++) {
        make_record(i, &fx->want[0], s_want);
        assert_int_equal(wire_writer_put(fx->w, &fx->want[0]), KPM_OK);
    }
    assert_int_equal(wire_writer_count(fx->w), total);
    msg = wire_writer_finish(fx->w, &len);
    assert_non_null(msg);
    g_buf = msg;
    g_len = len;

    assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK);
    assert_int_equal(h.count, total);
    for (uint32_t i = 0; i < total; i++) {
        make_record(i, &fx->want[0], s_want);
        assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
        assert_record(fx->got, &fx->want[0]);
    }
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
}

/* A new begin discards the previous message, finished or not. */
static void test_writer_reuse(void **state)
{
    fx_t *fx = *state;
    size_t n = build_samples(fx->want), len, header_len;
    wire_header_t h;
    const char *msg;

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "s", 0, 0);
    header_len = wire_writer_size(fx->w);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(wire_writer_put(fx->w, &fx->want[i]), KPM_OK);
    assert_true(wire_writer_size(fx->w) > header_len);
    assert_non_null(wire_writer_finish(fx->w, &len));

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "s", 1, 0);
    assert_int_equal(wire_writer_size(fx->w), header_len);
    assert_int_equal(wire_writer_count(fx->w), 0);
    assert_int_equal(wire_writer_put(fx->w, &fx->want[0]), KPM_OK);

    wire_writer_begin(fx->w, WIRE_MSG_END, "s", 2, 1);
    assert_int_equal(wire_writer_put(fx->w, &fx->want[1]), KPM_OK);
    msg = wire_writer_finish(fx->w, &len);
    g_buf = msg;
    g_len = len;
    assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK);
    assert_int_equal(h.type, WIRE_MSG_END);
    assert_true(h.seq == 2 && h.aux == 1 && h.count == 1);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
    assert_record(fx->got, &fx->want[1]);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
}

/* ---- writer refusals ---- */

static void test_writer_limits(void **state)
{
    fx_t *fx = *state;
    wire_record_t *r = &fx->want[0];
    size_t before, len;

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "s", 0, 0);
    before = wire_writer_size(fx->w);

    r->kind = WIRE_REC_KOPLOPER;
    r->u.koploper = (wire_koploper_t){S("K1"), S("n"), 1, 2021, S(""), WIRE_MAX_LIST + 1};
    for (int i = 0; i <= WIRE_MAX_LIST; i++)
        r->u.koploper.gemeenten[i % WIRE_MAX_LIST] = S("GM0001");
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    r->kind = WIRE_REC_RESPONSE;
    r->u.response = (wire_response_t){S("R"), 1, S("K"), S(""), S("f"), 1, WIRE_MAX_ANSWERS + 1};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    r->kind = WIRE_REC_TABLE_BEGIN;
    r->u.table_begin = (wire_table_begin_t){
        .name = S("t"), .publish = 1, .merge = S("owner"), .n_cols = WIRE_MAX_COLS + 1};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    r->kind = WIRE_REC_TABLE_ROW;
    r->u.table_row = (wire_table_row_t){WIRE_MAX_COLS + 1};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    r->kind = WIRE_REC_COUNTS;
    r->u.counts = (wire_counts_t){WIRE_MAX_COUNTS + 1};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    /* a bad value type and a NULL string with a length, after good fields */
    r->kind = WIRE_REC_TABLE_ROW;
    r->u.table_row = (wire_table_row_t){2};
    r->u.table_row.cells[0] = v_int(1);
    r->u.table_row.cells[1] = (wire_value_t){.type = (wire_val_type_t)42};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);
    r->kind = WIRE_REC_FILE_BEGIN;
    r->u.file_begin = (wire_file_begin_t){S("f"), {NULL, 3}};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);
    r->kind = (wire_rec_kind_t)99;
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    /* nothing of the refused records was left behind */
    assert_int_equal(wire_writer_count(fx->w), 0);
    assert_int_equal(wire_writer_size(fx->w), before);
    r->kind = WIRE_REC_TABLE_END;
    r->u.table_end = (wire_table_end_t){S("t"), 1};
    assert_int_equal(wire_writer_put(fx->w, r), KPM_OK);
    const char *msg = wire_writer_finish(fx->w, &len);
    wire_header_t h;
    g_buf = msg;
    g_len = len;
    assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK);
    assert_int_equal(h.count, 1);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
    assert_record(fx->got, r);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
}

static void test_writer_bad_header(void **state)
{
    fx_t *fx = *state;
    static const char stream64[] =
        "1234567890123456789012345678901234567890123456789012345678901234";
    wire_record_t *r = &fx->want[0];
    size_t len = 99;

    r->kind = WIRE_REC_TABLE_END;
    r->u.table_end = (wire_table_end_t){S("t"), 1};

    assert_null(wire_writer_finish(fx->w, &len)); /* nothing begun */
    assert_int_equal(len, 0);
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);

    wire_writer_begin(fx->w, WIRE_MSG_DATA, stream64, 0, 0);
    assert_int_equal(wire_writer_put(fx->w, r), KPM_EINVAL);
    len = 99;
    assert_null(wire_writer_finish(fx->w, &len));
    assert_int_equal(len, 0);

    wire_writer_begin(fx->w, WIRE_MSG_DATA, NULL, 0, 0);
    assert_null(wire_writer_finish(fx->w, &len));
    wire_writer_begin(fx->w, (wire_msg_t)0, "s", 0, 0);
    assert_null(wire_writer_finish(fx->w, &len));
    wire_writer_begin(fx->w, (wire_msg_t)7, "s", 0, 0);
    assert_null(wire_writer_finish(fx->w, &len));

    wire_writer_begin(fx->w, WIRE_MSG_DATA, "s", 0, 0); /* recovers */
    assert_int_equal(wire_writer_put(fx->w, r), KPM_OK);
    assert_non_null(wire_writer_finish(fx->w, &len));
}

/* ---- reader refusals ---- */

/* Opens and reads the message to its end; expects KPM_EPROTO and, when given,
 * an error message containing `needle`. */
static void expect_refused(wire_reader_t *r, const char *buf, size_t len, const char *needle)
{
    char *copy = malloc(len > 0 ? len : 1);
    wire_record_t *rec = malloc(sizeof(*rec));
    wire_header_t h = {0};
    int rc;

    assert_non_null(copy);
    assert_non_null(rec);
    if (len > 0) memcpy(copy, buf, len);
    rc = wire_reader_open(r, copy, len, &h);
    if (rc == KPM_OK) {
        do
            rc = wire_reader_next(r, rec);
        while (rc == 1);
    }
    assert_int_equal(rc, KPM_EPROTO);
    assert_true(wire_reader_error(r)[0] != '\0');
    if (needle != NULL && strstr(wire_reader_error(r), needle) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", wire_reader_error(r), needle);
    if (wire_reader_next(r, rec) != KPM_EPROTO) fail_msg("reader forgot its failure");
    free(rec);
    free(copy);
}

/* The message holds exactly one well-formed record. */
static void expect_accepted(fx_t *fx, const char *buf, size_t len)
{
    wire_header_t h;
    assert_int_equal(wire_reader_open(fx->r, buf, len, &h), KPM_OK);
    if (wire_reader_next(fx->r, fx->got) != 1) fail_msg("refused: %s", wire_reader_error(fx->r));
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
}

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} hb_t;

/* A hand-built message: starts it with a header of the given fields. */
static void hb_begin(hb_t *b, uint64_t version, uint64_t type, const char *stream, uint64_t count)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
    msgpack_pack_array(&b->pk, 6);
    msgpack_pack_uint64(&b->pk, version);
    msgpack_pack_uint64(&b->pk, type);
    msgpack_pack_str_with_body(&b->pk, stream, strlen(stream));
    msgpack_pack_uint64(&b->pk, 0);
    msgpack_pack_uint64(&b->pk, count);
    msgpack_pack_uint64(&b->pk, WIRE_NO_SEQ);
}

static void hb_str(hb_t *b, const char *s)
{
    msgpack_pack_str_with_body(&b->pk, s, strlen(s));
}

/* A response record up to its answers, with `meting` left to the caller. */
static void hb_response_head(hb_t *b)
{
    msgpack_pack_array(&b->pk, 8);
    msgpack_pack_uint32(&b->pk, WIRE_REC_RESPONSE);
    hb_str(b, "R1");
}

static void hb_response_tail(hb_t *b)
{
    hb_str(b, "K001");
    hb_str(b, "2021-01-01T00:00:00");
    hb_str(b, "f.csv");
    msgpack_pack_uint32(&b->pk, 9);
    msgpack_pack_map(&b->pk, 0);
}

/* A message of one file_end as a stage of another release sends it: version 2
 * (file_end without its sha256), or a later version with a field more. */
static void hb_file_end(hb_t *b, uint64_t version, int fields)
{
    hb_begin(b, version, WIRE_MSG_DATA, "20261126T030000Z", 1);
    msgpack_pack_array(&b->pk, 1 + (size_t)fields);
    msgpack_pack_uint32(&b->pk, WIRE_REC_FILE_END);
    hb_str(b, "gebruik_2026-11.csv");
    msgpack_pack_uint64(&b->pk, 10);
    msgpack_pack_uint64(&b->pk, 9);
    msgpack_pack_uint64(&b->pk, 1);
    for (int i = 4; i < fields; i++)
        hb_str(b, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* A message of another wire version is refused in its header, with both
 * versions named, not with a "fields" error on its first record that changed:
 * version 2's file_end has 4 fields, version 3's 5. (A checkpoint's reader
 * takes older state: test_older_state.) */
static void expect_other_version_refused(fx_t *fx)
{
    hb_t b;
    char want[128];

    hb_file_end(&b, 2, 4);
    snprintf(want, sizeof want, "wire version 2 refused: this build speaks wire version %d",
             WIRE_VERSION);
    expect_refused(fx->r, b.sb.data, b.sb.size, want);
    assert_true(wire_reader_other_version(fx->r));
    msgpack_sbuffer_destroy(&b.sb);

    hb_file_end(&b, WIRE_VERSION + 1, 6);
    snprintf(want, sizeof want, "wire version %d refused: this build speaks wire version %d",
             WIRE_VERSION + 1, WIRE_VERSION);
    expect_refused(fx->r, b.sb.data, b.sb.size, want);
    assert_true(wire_reader_other_version(fx->r));
    msgpack_sbuffer_destroy(&b.sb);

    /* a message of this version with version 2's file_end: a "fields" error */
    hb_file_end(&b, WIRE_VERSION, 4);
    expect_refused(fx->r, b.sb.data, b.sb.size, "(file_end): 4 fields, expected 5");
    assert_false(wire_reader_other_version(fx->r));
    msgpack_sbuffer_destroy(&b.sb);

    hb_file_end(&b, WIRE_VERSION, 5);
    expect_accepted(fx, b.sb.data, b.sb.size);
    assert_false(wire_reader_other_version(fx->r));
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_reject_header(void **state)
{
    fx_t *fx = *state;
    hb_t b;
    static const char stream64[] =
        "1234567890123456789012345678901234567890123456789012345678901234";

    hb_begin(&b, 1, WIRE_MSG_ACK, "s", 0);
    expect_refused(fx->r, b.sb.data, b.sb.size, "version 1");
    msgpack_sbuffer_destroy(&b.sb);
    expect_other_version_refused(fx);

    hb_begin(&b, WIRE_VERSION, 9, "s", 0);
    expect_refused(fx->r, b.sb.data, b.sb.size, "message type 9");
    msgpack_sbuffer_destroy(&b.sb);

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_ACK, stream64, 0);
    expect_refused(fx->r, b.sb.data, b.sb.size, "field 'stream' has 64 bytes");
    msgpack_sbuffer_destroy(&b.sb);

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", (uint64_t)UINT32_MAX + 1);
    expect_refused(fx->r, b.sb.data, b.sb.size, "header: field 'count' is out of range");
    msgpack_sbuffer_destroy(&b.sb);

    /* five fields; a stream with a NUL byte; not an array */
    static const char five[] = "\x95\x02\x04\xa1s\x00\x00";
    expect_refused(fx->r, five, sizeof(five) - 1, "header: not an array of 6");
    static const char nul[] = "\x96\x03\x04\xa3s\0x\x00\x00\x00";
    expect_refused(fx->r, nul, sizeof(nul) - 1, "NUL");
    expect_refused(fx->r, "\x01", 1, "header");
    expect_refused(fx->r, "", 0, "empty");
    expect_refused(fx->r, "\xc1", 1, "not valid msgpack");
}

static void test_reject_truncated(void **state)
{
    fx_t *fx = *state;
    size_t n = build_samples(fx->want), len;
    char *msg = encode(fx, fx->want, n, &len);

    for (size_t cut = 0; cut < len; cut++)
        expect_refused(fx->r, msg, cut, NULL);
    free(msg);
}

static void test_reject_trailing_and_count(void **state)
{
    fx_t *fx = *state;
    size_t n = build_samples(fx->want), len;
    char *msg = encode(fx, fx->want, n, &len);
    char *more = malloc(len + 1);
    hb_t b;

    assert_non_null(more);
    memcpy(more, msg, len);
    more[len] = '\0'; /* one stray byte, itself a valid msgpack object */
    expect_refused(fx->r, more, len + 1, "1 trailing bytes after the");

    /* a header with 0 records followed by a record */
    hb_begin(&b, WIRE_VERSION, WIRE_MSG_ACK, "s", 0);
    msgpack_pack_array(&b.pk, 3);
    msgpack_pack_uint32(&b.pk, WIRE_REC_TABLE_END);
    hb_str(&b, "t");
    msgpack_pack_uint32(&b.pk, 1);
    expect_refused(fx->r, b.sb.data, b.sb.size, "trailing");
    wire_header_t h;
    assert_int_equal(wire_reader_open(fx->r, b.sb.data, b.sb.size, &h), KPM_EPROTO);
    msgpack_sbuffer_destroy(&b.sb);

    /* count says 3, two records follow */
    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 3);
    for (int i = 0; i < 2; i++) {
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, WIRE_REC_TABLE_END);
        hb_str(&b, "t");
        msgpack_pack_uint32(&b.pk, 1);
    }
    expect_refused(fx->r, b.sb.data, b.sb.size, "ends after 2 of 3");
    msgpack_sbuffer_destroy(&b.sb);
    free(more);
    free(msg);
}

static void test_reject_records(void **state)
{
    fx_t *fx = *state;
    hb_t b;

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    msgpack_pack_array(&b.pk, 2);
    msgpack_pack_uint32(&b.pk, 99);
    hb_str(&b, "x");
    expect_refused(fx->r, b.sb.data, b.sb.size, "record 1: unknown kind 99");
    msgpack_sbuffer_destroy(&b.sb);

    /* exact message for a field of the wrong type */
    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    hb_response_head(&b);
    hb_str(&b, "2");
    hb_response_tail(&b);
    expect_refused(fx->r, b.sb.data, b.sb.size, NULL);
    assert_string_equal(wire_reader_error(fx->r),
                        "record 1 (response): field 'meting' is not an integer");
    msgpack_sbuffer_destroy(&b.sb);

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    hb_response_head(&b);
    msgpack_pack_double(&b.pk, 2.0);
    hb_response_tail(&b);
    expect_refused(fx->r, b.sb.data, b.sb.size, "'meting' is not an integer");
    msgpack_sbuffer_destroy(&b.sb);

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    hb_response_head(&b);
    msgpack_pack_int64(&b.pk, (int64_t)INT32_MAX + 1);
    hb_response_tail(&b);
    expect_refused(fx->r, b.sb.data, b.sb.size, "'meting' is out of range for int32");
    msgpack_sbuffer_destroy(&b.sb);

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    hb_response_head(&b);
    msgpack_pack_int64(&b.pk, (int64_t)INT32_MIN - 1);
    hb_response_tail(&b);
    expect_refused(fx->r, b.sb.data, b.sb.size, "'meting' is out of range for int32");
    msgpack_sbuffer_destroy(&b.sb);

    /* the third record is bad: numbering counts from 1 */
    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 3);
    for (int i = 0; i < 3; i++) {
        msgpack_pack_array(&b.pk, 6);
        msgpack_pack_uint32(&b.pk, WIRE_REC_DEELNEMER);
        msgpack_pack_int32(&b.pk, 1);
        hb_str(&b, "K1");
        hb_str(&b, "kort");
        hb_str(&b, "d.csv");
        msgpack_pack_int64(&b.pk, i < 2 ? 5 : -1);
    }
    expect_refused(fx->r, b.sb.data, b.sb.size,
                   "record 3 (deelnemer): field 'line' is out of range for uint32");
    msgpack_sbuffer_destroy(&b.sb);

    struct {
        const char *bytes; /* one record, msgpack */
        size_t len;
        const char *needle;
    } bad[] = {
#define RAW(lit) lit, sizeof(lit) - 1
        /* string where an integer goes, integer where a string goes, bin for str */
        {RAW("\x96\x02\xa1g\xa1x\x01\x01\xa0"), "field 'rows' is not an integer"},
        {RAW("\x96\x02\xa1g\x01\x01\x01\x01"), "field 'sha256' is not a string"},
        {RAW("\x93\x01\x05\xa1k"), "(file_begin): field 'file' is not a string"},
        {RAW("\x93\x01\xc4\x01g\xa1k"), "field 'file' is not a string"},
        {RAW("\x93\x20\xa1t\xff"), "field 'rows' is out of range for uint64"},
        {RAW("\x93\x20\xa1t\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), NULL}, /* UINT64_MAX */
        /* wrong field count, not an array, kind not an integer */
        {RAW("\x92\x20\xa1t"), "(table_end): 1 fields, expected 2"},
        {RAW("\x81\x20\xa1t"), "record 1: not a non-empty array"},
        {RAW("\x90"), "not a non-empty array"},
        {RAW("\x93\xa1x\xa1t\x01"), "kind is not an unsigned integer"},
        /* lists: not an array, item of the wrong type, bool as a value */
        {RAW("\x92\x1f\x81\x01\x01"), "field 'cells' is not an array"},
        {RAW("\x92\x1f\x92\x01\xc3"), "field 'cells' item 2 is not nil, an integer"},
        {RAW("\x92\x1f\x91\xcf\x80\0\0\0\0\0\0\0"), "item 1 is out of range for int64"},
        {RAW("\x93\x28\x91\xa1x\x91\xa1y"), "field 'counts' item 1 is not an integer"},
        {RAW("\x93\x28\x92\xa1x\xa1y\x91\x01"), "field 'counts' has 1 items, 'names' has 2"},
        {RAW("\x97\x1e\xa1t\x01\xa1s\x91\xa1z\x90\x91\xa1k"),
         "'col_formats' has 0 items, 'col_names' has 1"},
        {RAW("\x97\x1e\xa1t\x01\xa1s\x91\x01\x91\xa1z\x91\xa1k"),
         "field 'col_names' item 1 is not a"},
#undef RAW
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
        msgpack_sbuffer_write(&b.sb, bad[i].bytes, bad[i].len);
        if (bad[i].needle != NULL) {
            expect_refused(fx->r, b.sb.data, b.sb.size, bad[i].needle);
        } else {
            expect_accepted(fx, b.sb.data, b.sb.size);
            assert_true(fx->got->u.table_end.rows == UINT64_MAX);
        }
        msgpack_sbuffer_destroy(&b.sb);
    }

    /* answers: an array instead of a map, a key that is no string */
    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    hb_response_head(&b);
    msgpack_pack_int32(&b.pk, 1);
    hb_str(&b, "K001");
    hb_str(&b, "2021-01-01T00:00:00");
    hb_str(&b, "f.csv");
    msgpack_pack_uint32(&b.pk, 9);
    msgpack_pack_array(&b.pk, 0);
    expect_refused(fx->r, b.sb.data, b.sb.size, "field 'answers' is not a map");
    msgpack_sbuffer_destroy(&b.sb);
}

/* Lists at each limit pass; one item more, as another implementation might send
 * them, is refused. */
static void test_reject_over_limits(void **state)
{
    fx_t *fx = *state;
#define RAW(lit) lit, sizeof(lit) - 1
    static const struct {
        const char *head; /* the record up to the list */
        size_t head_len;
        uint32_t max;
        int is_map;
        const char *item;    /* one item (a key and a value for a map) */
        const char *paired;  /* item of a second list of the same length, or NULL */
        const char *paired2; /* item of a third list of the same length, or NULL */
        const char *needle;
    } c[] = {
        {RAW("\x97\x0a\xa2K1\xa1n\x01\xcd\x07\xe5\xa0"), WIRE_MAX_LIST, 0, "\xa6GM0001", NULL, NULL,
         "record 1 (koploper): field 'gemeenten' has 65 items, at most 64 allowed"},
        {RAW("\x98\x0c\xa2R1\x01\xa4K001\xa0\xa1g\x09"), WIRE_MAX_ANSWERS, 1, "\xa1q\xc0", NULL,
         NULL, "field 'answers' has 257 items, at most 256 allowed"},
        {RAW("\x97\x1e\xa1t\x01\xa3sum"), WIRE_MAX_COLS, 0, "\xa1z", "\xa4text", "\xa3key",
         "field 'col_names' has 33 items, at most 32 allowed"},
        {RAW("\x92\x1f"), WIRE_MAX_COLS, 0, "\xc0", NULL, NULL, "field 'cells' has 33 items"},
        {RAW("\x93\x28"), WIRE_MAX_COUNTS, 0, "\xa1x", "\x07", NULL, "field 'names' has 33 items"},
    };
#undef RAW
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        for (uint32_t n = c[i].max; n <= c[i].max + 1; n++) {
            hb_t b;
            hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
            msgpack_sbuffer_write(&b.sb, c[i].head, c[i].head_len);
            if (c[i].is_map)
                msgpack_pack_map(&b.pk, n);
            else
                msgpack_pack_array(&b.pk, n);
            for (uint32_t k = 0; k < n; k++)
                msgpack_sbuffer_write(&b.sb, c[i].item, strlen(c[i].item));
            if (c[i].paired != NULL) {
                msgpack_pack_array(&b.pk, n);
                for (uint32_t k = 0; k < n; k++)
                    msgpack_sbuffer_write(&b.sb, c[i].paired, strlen(c[i].paired));
            }
            if (c[i].paired2 != NULL) {
                msgpack_pack_array(&b.pk, n);
                for (uint32_t k = 0; k < n; k++)
                    msgpack_sbuffer_write(&b.sb, c[i].paired2, strlen(c[i].paired2));
            }
            if (n == c[i].max)
                expect_accepted(fx, b.sb.data, b.sb.size);
            else
                expect_refused(fx->r, b.sb.data, b.sb.size, c[i].needle);
            msgpack_sbuffer_destroy(&b.sb);
        }
    }
}

/* A few bytes that announce billions of items (a found-by-fuzzing case) are
 * refused as a message that ends early, not as one the reader ran out of
 * memory for (which under AddressSanitizer is a crash). */
static void test_reject_absent_items(void **state)
{
    fx_t *fx = *state;
#define RAW(lit) lit, sizeof(lit) - 1
    static const struct {
        const char *bytes;
        size_t len;
    } rec[] = {
        {RAW("\xdd\xff\xff\xff\xff\x0a")},               /* a record of 2^32-1 fields */
        {RAW("\x98\x0c\xa2R1\x01\xdf\xff\xff\xff\xff")}, /* answers: a map of 2^32-1 */
        {RAW("\x94\x1e\xdb\xff\xff\xff\xf0")},           /* a name of 4 GiB */
        {RAW("\x92\x1f\x9f\xdd\x7f\xff\xff\xff")},       /* nested: 2^31-1 cells in a cell */
    };
    expect_refused(fx->r, RAW("\xdd\xff\xff\xff\xff\x01\x02"), "header: message ends early");
#undef RAW
    for (size_t i = 0; i < sizeof(rec) / sizeof(rec[0]); i++) {
        hb_t b;
        hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
        msgpack_sbuffer_write(&b.sb, rec[i].bytes, rec[i].len);
        expect_refused(fx->r, b.sb.data, b.sb.size, "record 1: message ends inside the record");
        msgpack_sbuffer_destroy(&b.sb);
    }
}

/* Other encoders may use signed encodings for positive numbers and float32. */
static void test_accepts_other_encodings(void **state)
{
    fx_t *fx = *state;
    wire_header_t h;
    hb_t b;

    hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
    msgpack_pack_array(&b.pk, 2);
    msgpack_pack_uint32(&b.pk, WIRE_REC_TABLE_ROW);
    msgpack_pack_array(&b.pk, 3);
    msgpack_pack_float(&b.pk, 12.5f);
    msgpack_sbuffer_write(&b.sb, "\xd2\x00\x00\x01\x00", 5); /* int32 256 */
    msgpack_sbuffer_write(&b.sb, "\xd0\xfe", 2);             /* int8 -2 */
    assert_int_equal(wire_reader_open(fx->r, b.sb.data, b.sb.size, &h), KPM_OK);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 1);
    assert_int_equal(fx->got->u.table_row.n_cells, 3);
    assert_int_equal(fx->got->u.table_row.cells[0].type, WIRE_VAL_REAL);
    assert_true(fx->got->u.table_row.cells[0].r == 12.5);
    assert_int_equal(fx->got->u.table_row.cells[1].type, WIRE_VAL_INT);
    assert_true(fx->got->u.table_row.cells[1].i == 256);
    assert_true(fx->got->u.table_row.cells[2].i == -2);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_reader_states(void **state)
{
    fx_t *fx = *state;
    wire_header_t h;
    size_t len;
    const char *msg;

    assert_int_equal(wire_reader_next(fx->r, fx->got), KPM_EINVAL); /* nothing opened */

    expect_refused(fx->r, "\x96", 1, NULL);
    wire_writer_begin(fx->w, WIRE_MSG_BYE, "s", 4, 0);
    msg = wire_writer_finish(fx->w, &len);
    assert_int_equal(wire_reader_open(fx->r, msg, len, &h), KPM_OK); /* recovers */
    assert_int_equal(h.type, WIRE_MSG_BYE);
    assert_int_equal(wire_reader_next(fx->r, fx->got), 0);
}

static void test_helpers(void **state)
{
    (void)state;
    wire_str_t e = wire_str(NULL);
    assert_int_equal(e.len, 0);
    assert_true(wire_str_eq(e, ""));
    assert_true(wire_str_eq(wire_str("GM0363"), "GM0363"));
    assert_false(wire_str_eq(wire_str("GM0363"), "GM036"));
    assert_false(wire_str_eq(wire_str("GM036"), "GM0363"));
    assert_false(wire_str_eq(S("a\0b"), "a"));
    assert_true(wire_str_eq(wire_strn("kortweg", 4), "kort"));
    assert_string_equal(wire_rec_kind_name(WIRE_REC_RESPONSE), "response");
    assert_string_equal(wire_rec_kind_name(WIRE_REC_GEBRUIK), "gebruik");
    assert_string_equal(wire_rec_kind_name(WIRE_REC_TABLE_BEGIN), "table_begin");
    assert_string_equal(wire_rec_kind_name(WIRE_REC_COUNTS), "counts");
    assert_string_equal(wire_rec_kind_name((wire_rec_kind_t)4), "?");
    assert_string_equal(wire_msg_name(WIRE_MSG_BEGIN), "BEGIN");
    assert_string_equal(wire_msg_name(WIRE_MSG_RESUME), "RESUME");
    assert_string_equal(wire_msg_name(WIRE_MSG_BYE), "BYE");
    assert_string_equal(wire_msg_name((wire_msg_t)0), "?");
}

/* A BEGIN names the worker its stream is for; a stream for another worker, or
 * from a pipeline with another number of workers, is refused. */
static void test_shard_check(void **state)
{
    (void)state;
    wire_record_t rec;
    char err[128];
    wire_shard_record(&rec, 1, 3);
    assert_int_equal(rec.kind, WIRE_REC_COUNTS);
    assert_int_equal(wire_shard_check(&rec.u.counts, 1, 3, err, sizeof err), KPM_OK);
    assert_int_equal(wire_shard_check(&rec.u.counts, 0, 3, err, sizeof err), KPM_EINVAL);
    assert_string_equal(err, "is for worker 1 of 3, this is worker 0 of 3");
    assert_int_equal(wire_shard_check(&rec.u.counts, 1, 2, err, sizeof err), KPM_EINVAL);
    wire_counts_t none = {0};
    assert_int_equal(wire_shard_check(&none, 0, 1, err, sizeof err), KPM_OK);
    assert_int_equal(wire_shard_check(&none, 0, 2, err, sizeof err), KPM_EINVAL);
}

/* ---- bounded strings ---- */

static void pack_n(msgpack_packer *pk, const char *bytes, size_t n)
{
    msgpack_pack_str_with_body(pk, bytes, n);
}

/* One record with the string under test (n bytes of `bytes`) in field `which`
 * of case `c`, hand-built as another implementation might send it. */
enum { B_DEELNEMER_ID, B_FILE, B_GEMEENTE_ITEM, B_ANSWER_KEY, B_ANSWER_TEXT, B_CELL, B_MESSAGE };

static void pack_bound_case(msgpack_packer *pk, int c, const char *bytes, size_t n)
{
    switch (c) {
    case B_DEELNEMER_ID: /* [11, meting, koploper_id, versie, file, line] */
    case B_FILE:
        msgpack_pack_array(pk, 6);
        msgpack_pack_uint32(pk, WIRE_REC_DEELNEMER);
        msgpack_pack_int32(pk, 2021);
        if (c == B_DEELNEMER_ID)
            pack_n(pk, bytes, n);
        else
            pack_n(pk, "K1", 2);
        pack_n(pk, "kort", 4);
        if (c == B_FILE)
            pack_n(pk, bytes, n);
        else
            pack_n(pk, "f.csv", 5);
        msgpack_pack_uint32(pk, 2);
        return;
    case B_GEMEENTE_ITEM: /* [10, id, naam, tranche, startjaar, status, [gemeenten]] */
        msgpack_pack_array(pk, 7);
        msgpack_pack_uint32(pk, WIRE_REC_KOPLOPER);
        pack_n(pk, "K1", 2);
        pack_n(pk, "n", 1);
        msgpack_pack_int32(pk, 1);
        msgpack_pack_int32(pk, 2021);
        pack_n(pk, "", 0);
        msgpack_pack_array(pk, 2);
        pack_n(pk, "GM0363", 6);
        pack_n(pk, bytes, n);
        return;
    case B_ANSWER_KEY: /* [12, response_id, meting, koploper_id, ingevuld_op, file, line, {}] */
    case B_ANSWER_TEXT:
        msgpack_pack_array(pk, 8);
        msgpack_pack_uint32(pk, WIRE_REC_RESPONSE);
        pack_n(pk, "R1", 2);
        msgpack_pack_int32(pk, 2021);
        pack_n(pk, "K1", 2);
        pack_n(pk, "", 0);
        pack_n(pk, "f.csv", 5);
        msgpack_pack_uint32(pk, 2);
        msgpack_pack_map(pk, 2);
        pack_n(pk, "q1", 2);
        msgpack_pack_nil(pk);
        if (c == B_ANSWER_KEY)
            pack_n(pk, bytes, n);
        else
            pack_n(pk, "q2", 2);
        if (c == B_ANSWER_TEXT)
            pack_n(pk, bytes, n);
        else
            msgpack_pack_int64(pk, 3);
        return;
    case B_CELL: /* [31, [cells]] */
        msgpack_pack_array(pk, 2);
        msgpack_pack_uint32(pk, WIRE_REC_TABLE_ROW);
        msgpack_pack_array(pk, 2);
        msgpack_pack_int64(pk, 1);
        pack_n(pk, bytes, n);
        return;
    case B_MESSAGE: /* [3, file, line, column, code, message] */
        msgpack_pack_array(pk, 6);
        msgpack_pack_uint32(pk, WIRE_REC_REJECT);
        pack_n(pk, "f.csv", 5);
        msgpack_pack_uint32(pk, 2);
        pack_n(pk, "", 0);
        pack_n(pk, "X", 1);
        pack_n(pk, bytes, n);
        return;
    }
}

/* The same record for the writer. */
static void bound_case_record(wire_record_t *rec, int c, wire_str_t v)
{
    memset(rec, 0, sizeof *rec);
    switch (c) {
    case B_DEELNEMER_ID:
    case B_FILE:
        rec->kind = WIRE_REC_DEELNEMER;
        rec->u.deelnemer = (wire_deelnemer_t){2021, c == B_DEELNEMER_ID ? v : S("K1"), S("kort"),
                                              c == B_FILE ? v : S("f.csv"), 2};
        return;
    case B_GEMEENTE_ITEM:
        rec->kind = WIRE_REC_KOPLOPER;
        rec->u.koploper.id = S("K1");
        rec->u.koploper.naam = S("n");
        rec->u.koploper.status = S("");
        rec->u.koploper.n_gemeenten = 2;
        rec->u.koploper.gemeenten[0] = S("GM0363");
        rec->u.koploper.gemeenten[1] = v;
        return;
    case B_ANSWER_KEY:
    case B_ANSWER_TEXT:
        rec->kind = WIRE_REC_RESPONSE;
        rec->u.response.response_id = S("R1");
        rec->u.response.koploper_id = S("K1");
        rec->u.response.ingevuld_op = S("");
        rec->u.response.file = S("f.csv");
        rec->u.response.n_answers = 2;
        rec->u.response.answers[0] = (wire_answer_t){S("q1"), v_nil()};
        rec->u.response.answers[1] = (wire_answer_t){c == B_ANSWER_KEY ? v : S("q2"),
                                                     c == B_ANSWER_TEXT ? v_str(v) : v_int(3)};
        return;
    case B_CELL:
        rec->kind = WIRE_REC_TABLE_ROW;
        rec->u.table_row.n_cells = 2;
        rec->u.table_row.cells[0] = v_int(1);
        rec->u.table_row.cells[1] = v_str(v);
        return;
    case B_MESSAGE:
        rec->kind = WIRE_REC_REJECT;
        rec->u.reject = (wire_reject_t){S("f.csv"), 2, S(""), S("X"), v};
        return;
    }
}

/* Every bounded string passes at its bound and is refused one byte beyond it,
 * by the writer (KPM_EINVAL, nothing written) and by the reader (a protocol
 * error naming field and bound). A 299-byte koploper_id once overran a key
 * buffer in aggregate; now it never gets past the reader. */
static void test_string_bounds(void **state)
{
    fx_t *fx = *state;
    static const struct {
        int c;
        size_t max;
        const char *needle;
    } cases[] = {
        {B_DEELNEMER_ID, WIRE_ID_MAX,
         "record 1 (deelnemer): field 'koploper_id' has 65 bytes, "
         "at most 64 allowed"},
        {B_FILE, WIRE_NAME_MAX, "field 'file' has 257 bytes, at most 256 allowed"},
        {B_GEMEENTE_ITEM, WIRE_ID_MAX, "field 'gemeenten' item 2 has 65 bytes, at most 64"},
        {B_ANSWER_KEY, WIRE_NAME_MAX, "field 'answers' key 2 has 257 bytes, at most 256"},
        {B_ANSWER_TEXT, WIRE_TEXT_MAX, "field 'answers' value 2 has 8193 bytes, at most 8192"},
        {B_CELL, WIRE_TEXT_MAX, "field 'cells' item 2 has 8193 bytes, at most 8192"},
        {B_MESSAGE, WIRE_TEXT_MAX, "field 'message' has 8193 bytes, at most 8192"},
    };
    char *bytes = malloc(WIRE_TEXT_MAX + 1);
    assert_non_null(bytes);
    memset(bytes, 'x', WIRE_TEXT_MAX + 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t n = cases[i].max; n <= cases[i].max + 1; n++) {
            hb_t b;
            hb_begin(&b, WIRE_VERSION, WIRE_MSG_DATA, "s", 1);
            pack_bound_case(&b.pk, cases[i].c, bytes, n);
            wire_record_t *rec = &fx->want[0];
            bound_case_record(rec, cases[i].c, wire_strn(bytes, n));
            wire_writer_begin(fx->w, WIRE_MSG_DATA, "s", 0, 0);
            int put = wire_writer_put(fx->w, rec);
            if (n == cases[i].max) {
                expect_accepted(fx, b.sb.data, b.sb.size);
                assert_int_equal(put, KPM_OK);
            } else {
                expect_refused(fx->r, b.sb.data, b.sb.size, cases[i].needle);
                assert_int_equal(put, KPM_EINVAL);
                assert_int_equal(wire_writer_count(fx->w), 0);
            }
            msgpack_sbuffer_destroy(&b.sb);
        }
    }
    free(bytes);
}

/* The message cap is above the largest legal message: a batch closed at
 * WIRE_MSG_BYTES less one byte, plus the largest record there is. */
static void test_largest_message_fits_cap(void **state)
{
    fx_t *fx = *state;
    char *text = malloc(WIRE_TEXT_MAX);
    char(*keys)[WIRE_NAME_MAX] = malloc((size_t)WIRE_MAX_ANSWERS * WIRE_NAME_MAX);
    assert_true(text && keys);
    memset(text, 't', WIRE_TEXT_MAX);
    wire_record_t *rec = &fx->want[0];
    bound_case_record(rec, B_ANSWER_TEXT, wire_strn(text, WIRE_TEXT_MAX));
    wire_response_t *r = &rec->u.response;
    r->response_id = r->koploper_id = r->ingevuld_op = wire_strn(text, WIRE_ID_MAX);
    r->file = wire_strn(text, WIRE_NAME_MAX);
    r->n_answers = WIRE_MAX_ANSWERS;
    for (uint32_t a = 0; a < WIRE_MAX_ANSWERS; a++) {
        memset(keys[a], 'k', WIRE_NAME_MAX);
        snprintf(keys[a], 8, "%05u", a); /* distinct keys */
        keys[a][5] = 'k';
        r->answers[a] = (wire_answer_t){wire_strn(keys[a], WIRE_NAME_MAX),
                                        v_str(wire_strn(text, WIRE_TEXT_MAX))};
    }
    wire_writer_begin(fx->w, WIRE_MSG_DATA, "20261126T030000Z-1", WIRE_NO_SEQ - 1, WIRE_NO_SEQ);
    assert_int_equal(wire_writer_put(fx->w, rec), KPM_OK);
    size_t one = wire_writer_size(fx->w);
    assert_true(one - 64 <= WIRE_RECORD_MAX); /* the header is under 64 bytes */
    assert_true((size_t)WIRE_MSG_BYTES - 1 + WIRE_RECORD_MAX + 64 < (size_t)WIRE_MSG_CAP);
    free(keys);
    free(text);
}

/* A `gemeente` record of nf fields (4: as kpm 1.2.0 wrote it, without jaar). */
static void hb_gemeente(hb_t *b, uint64_t version, int nf)
{
    hb_begin(b, version, WIRE_MSG_DATA, "checkpoint", 1);
    msgpack_pack_array(&b->pk, 1 + (size_t)nf);
    msgpack_pack_uint32(&b->pk, WIRE_REC_GEMEENTE);
    const char *const s[] = {"GM0363", "Amsterdam", "Noord-Holland"};
    for (int i = 0; i < nf && i < 3; i++)
        hb_str(b, s[i]);
    if (nf > 3) msgpack_pack_int64(&b->pk, 872524);
    if (nf > 4) msgpack_pack_int32(&b->pk, 2021);
}

/* State of an older kpm (aggregate's checkpoint): refused by a link's reader;
 * with wire_reader_accept_older, records without the fields added since are
 * read with those empty, and versions outside OLDEST_STATE..VERSION still
 * refused. */
static void test_older_state(void **state)
{
    fx_t *fx = *state;
    hb_t b;

    hb_gemeente(&b, WIRE_VERSION_OLDEST_STATE, 4);
    if (WIRE_VERSION_OLDEST_STATE < WIRE_VERSION)
        expect_refused(fx->r, b.sb.data, b.sb.size, "wire version");
    else
        expect_refused(fx->r, b.sb.data, b.sb.size, "(gemeente): 4 fields, expected 5");
    wire_reader_accept_older(fx->r, 1);
    expect_accepted(fx, b.sb.data, b.sb.size);
    const wire_gemeente_t *g = &fx->got->u.gemeente;
    assert_true(wire_str_eq(g->gemeente, "GM0363") && wire_str_eq(g->provincie, "Noord-Holland"));
    assert_int_equal(g->inwoners, 872524);
    assert_int_equal(g->jaar, 0);
    msgpack_sbuffer_destroy(&b.sb);

    hb_gemeente(&b, WIRE_VERSION, 5); /* a current record reads as ever */
    expect_accepted(fx, b.sb.data, b.sb.size);
    assert_int_equal(fx->got->u.gemeente.jaar, 2021);
    msgpack_sbuffer_destroy(&b.sb);

    hb_gemeente(&b, WIRE_VERSION, 3); /* fewer than any writer wrote */
    expect_refused(fx->r, b.sb.data, b.sb.size, "(gemeente): 3 fields, expected 5");
    msgpack_sbuffer_destroy(&b.sb);
    hb_gemeente(&b, WIRE_VERSION_OLDEST_STATE - 1, 4);
    expect_refused(fx->r, b.sb.data, b.sb.size, "wire version");
    msgpack_sbuffer_destroy(&b.sb);
    hb_gemeente(&b, WIRE_VERSION + 1, 5);
    expect_refused(fx->r, b.sb.data, b.sb.size, "wire version");
    msgpack_sbuffer_destroy(&b.sb);

    /* file_end before its sha256 */
    hb_begin(&b, WIRE_VERSION_OLDEST_STATE, WIRE_MSG_DATA, "checkpoint", 1);
    msgpack_pack_array(&b.pk, 5);
    msgpack_pack_uint32(&b.pk, WIRE_REC_FILE_END);
    hb_str(&b, "gebruik_2021.csv");
    msgpack_pack_uint64(&b.pk, 10);
    msgpack_pack_uint64(&b.pk, 9);
    msgpack_pack_uint64(&b.pk, 1);
    expect_accepted(fx, b.sb.data, b.sb.size);
    assert_true(wire_str_eq(fx->got->u.file_end.file, "gebruik_2021.csv"));
    assert_int_equal(fx->got->u.file_end.rejected, 1);
    assert_int_equal(fx->got->u.file_end.sha256.len, 0);
    wire_reader_accept_older(fx->r, 0);
    expect_refused(fx->r, b.sb.data, b.sb.size, NULL);
    msgpack_sbuffer_destroy(&b.sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_roundtrip_every_kind),
        T(test_roundtrip_message_types),
        T(test_roundtrip_10000_records),
        T(test_writer_reuse),
        T(test_writer_limits),
        T(test_writer_bad_header),
        T(test_reject_header),
        T(test_reject_truncated),
        T(test_reject_trailing_and_count),
        T(test_reject_records),
        T(test_older_state),
        T(test_reject_over_limits),
        cmocka_unit_test(test_shard_check),
        T(test_string_bounds),
        T(test_largest_message_fits_cap),
        T(test_reject_absent_items),
        T(test_accepts_other_encodings),
        T(test_reader_states),
        T(test_helpers),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
