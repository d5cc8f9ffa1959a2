/* test_ingest_rows.c - ingest_file() on small delivered files: the records and
 * rejects a data manager gets for every rule of docs/INPUT-RULES.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "ingest_harness.h"
#include "sha256.h"

static int batcher_put_fn(void *ctx, const wire_record_t *rec)
{
    return batcher_put(ctx, rec);
}

static const wire_response_t *resp(size_t i)
{
    return &nth(WIRE_REC_RESPONSE, i)->u.response;
}

/* The answer to `item` in a response, or NULL when the item was not asked. */
static const wire_value_t *ans(const wire_response_t *r, const char *item)
{
    for (uint32_t a = 0; a < r->n_answers; a++)
        if (wire_str_eq(r->answers[a].item, item)) return &r->answers[a].value;
    return NULL;
}

static void expect_int(const wire_response_t *r, const char *item, int64_t v)
{
    const wire_value_t *a = ans(r, item);
    assert_non_null(a);
    assert_int_equal(a->type, WIRE_VAL_INT);
    assert_int_equal(a->i, v);
}

static void expect_nil(const wire_response_t *r, const char *item)
{
    const wire_value_t *a = ans(r, item);
    assert_non_null(a);
    assert_int_equal(a->type, WIRE_VAL_NIL);
}

#define KL_HDR "koploper_id;naam;tranche;startjaar;gemeenten;status\n"
#define UV_HDR "response_id;meting;koploper_id;ingevuld_op"

/* ------------------------------------------------------------- whole file */

static void test_kind_from_name(void **state)
{
    (void)state;
    RUN("notities.txt", "koploper_id;naam\nKL001;Noord\n");
    expect_quarantine("notities.txt", 0, "", "UNKNOWN_KIND");

    RUN("koploper_2021.csv", KL_HDR "KL001;Noord;1;2017;GM0363;actief\n");
    expect_quarantine("koploper_2021.csv", 0, "", "UNKNOWN_KIND");

    /* Prefix up to '_', '-' or '.', case-insensitive. */
    RUN("Koplopers-2021.CSV", KL_HDR "KL001;Noord;1;2017;GM0363;actief\n");
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    expect_frame("Koplopers-2021.CSV", "koplopers", 1, 1, 0);
    RUN("deelnemers.csv", "meting;koploper_id;versie\n2021;KL001;kort\n");
    expect_frame("deelnemers.csv", "deelnemers", 1, 1, 0);
    RUN("UITVRAAG_2021.csv", UV_HDR "\nR1;2021;KL001;2021-03-02\n");
    expect_frame("UITVRAAG_2021.csv", "uitvraag", 1, 1, 0);

    /* The monitoring kinds too. */
    RUN("gebruik_2021-03.csv", "gemeente_code;periode;aanbieder_type;nieuwe_vragen;"
                               "lopende_trajecten;clienten_bereikt\n363;2021-03;vrijwillig;1;;3\n");
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    expect_frame("gebruik_2021-03.csv", "gebruik", 1, 1, 0);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 1);
}

static void test_not_utf8_line(void **state)
{
    (void)state;
    /* Latin-1 'e-acute' in the middle of line 3. */
    RUN("koplopers_a.csv",
        KL_HDR "KL001;Noord;1;2017;GM0363;actief\nKL002;Caf\xe9 Zuid;1;2017;GM0363;\n");
    expect_quarantine("koplopers_a.csv", 3, "", "NOT_UTF8");
    assert_int_equal(n_of(WIRE_REC_KOPLOPER), 0);
    assert_true(wstr_contains(rej(0)->message, "regel 3"));

    /* The bad byte ends line 2, just before its line break. */
    RUN("koplopers_b.csv",
        KL_HDR "KL001;Noord;1;2017;GM0363;actief\xe9\nKL002;Zuid;1;2017;GM0363;\n");
    expect_quarantine("koplopers_b.csv", 2, "", "NOT_UTF8");

    /* CRLF line ends count once, a lone CR ends a line too. */
    RUN("koplopers_c.csv", "koploper_id;naam;tranche;startjaar;gemeenten\r\n"
                           "KL001;Noord;1;2017;GM0363\r\nKL002;Zuid;1;2017;GM0363\r\n"
                           "KL003;Oost\xc0\xaf;1;2017;GM0363\r\n");
    expect_quarantine("koplopers_c.csv", 4, "", "NOT_UTF8");
    RUN("deelnemers_cr.csv", "meting;koploper_id\r2021;KL001\r2021;KL\xff"
                             "2\r");
    expect_quarantine("deelnemers_cr.csv", 3, "", "NOT_UTF8");

    /* A NUL byte anywhere, also inside a quoted field. */
    RUN("deelnemers_d.csv", "meting;koploper_id\n2021;\"KL\0001\"\n");
    expect_quarantine("deelnemers_d.csv", 2, "", "NOT_UTF8");

    /* A truncated sequence at the end of the file. */
    RUN("deelnemers_e.csv", "meting;koploper_id\n2021;KL001\n2021;KL\xc3");
    expect_quarantine("deelnemers_e.csv", 3, "", "NOT_UTF8");

    /* A byte-order mark is not a bad byte, and not part of the first column name. */
    RUN("deelnemers_f.csv", "\xef\xbb\xbfmeting;koploper_id\n2021;KL001\n");
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    expect_frame("deelnemers_f.csv", "deelnemers", 1, 1, 0);
    assert_int_equal(nth(WIRE_REC_DEELNEMER, 0)->u.deelnemer.meting, 2021);
}

static void test_empty_file(void **state)
{
    (void)state;
    RUN("koplopers_leeg.csv", "");
    expect_quarantine("koplopers_leeg.csv", 0, "", "EMPTY_FILE");
    RUN("uitvraag_leeg.csv", "\xef\xbb\xbf\r\n\r\n");
    expect_quarantine("uitvraag_leeg.csv", 0, "", "EMPTY_FILE");
}

static void test_header_columns(void **state)
{
    (void)state;
    /* The same name twice after trimming and case folding. */
    RUN("koplopers_dup.csv", "koploper_id;naam;tranche;startjaar;gemeenten; NAAM \n"
                             "KL001;Noord;1;2017;GM0363;Noord\n");
    expect_quarantine("koplopers_dup.csv", 1, "naam", "DUPLICATE_COLUMN");
    assert_int_equal(n_of(WIRE_REC_KOPLOPER), 0);

    /* The first missing column in the kind's order, not the file's. */
    RUN("koplopers_mis.csv", "naam;koploper_id;status\nNoord;KL001;actief\n");
    expect_quarantine("koplopers_mis.csv", 1, "tranche", "MISSING_COLUMN");
    RUN("uitvraag_mis.csv",
        "response_id;koploper_id;ingevuld_op;tijd_adviseurs\nR1;KL001;2021-03-01;3\n");
    expect_quarantine("uitvraag_mis.csv", 1, "meting", "MISSING_COLUMN");

    /* An optional column may be missing; names match case-insensitively. */
    RUN("deelnemers_x.csv", " Meting ;KOPLOPER_ID\n2021;KL001\n");
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    assert_wstr(nth(WIRE_REC_DEELNEMER, 0)->u.deelnemer.versie, "");
}

static void test_unknown_columns(void **state)
{
    (void)state;
    RUN("uitvraag_u.csv", UV_HDR ";opmerking_intern;tijd_adviseurs;Extra\n"
                                 "R1;2021;KL001;2021-03-02;geheim;3;x\n"
                                 "R2;2021;KL002;2021-03-02;;4;\n");
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    expect_frame("uitvraag_u.csv", "uitvraag", 2, 2, 0);
    assert_int_equal(n_of(WIRE_REC_REJECT), 1);
    expect_reject(0, 1, "", "UNKNOWN_COLUMNS");
    assert_true(wstr_contains(rej(0)->message, "opmerking_intern"));
    assert_true(wstr_contains(rej(0)->message, "extra"));
    /* Unknown columns are not answers. */
    assert_int_equal(resp(0)->n_answers, 1);
    expect_int(resp(0), "tijd_adviseurs", 3);
}

/* ------------------------------------------------------------------- rows */

static void test_ragged_row(void **state)
{
    (void)state;
    RUN("koplopers_r.csv", KL_HDR "KL001;Noord;1;2017;GM0363;actief\n"
                                  "KL002;Zuid;99;2017\n"
                                  "KL003;Oost;1;2017;GM0363;actief;extra\n"
                                  "KL004;West;2;2018;GM0599;afgerond\n");
    expect_frame("koplopers_r.csv", "koplopers", 4, 2, 2);
    assert_int_equal(n_of(WIRE_REC_REJECT), 2);
    expect_reject(0, 3, "", "RAGGED_ROW"); /* the bad tranche is not looked at */
    expect_reject(1, 4, "", "RAGGED_ROW");
    assert_int_equal(n_of(WIRE_REC_KOPLOPER), 2);
    assert_wstr(nth(WIRE_REC_KOPLOPER, 1)->u.koploper.id, "KL004");
}

static void test_koplopers_keys(void **state)
{
    (void)state;
    /* startjaar before tranche in the file: the kind's order decides the column. */
    RUN("koplopers_k.csv", "koploper_id;naam;startjaar;tranche;gemeenten;status\n"
                           "KL001;Noord;2017;1;GM0233|0363| 599 ;actief\n"
                           "KL002;;2017;1;GM0363;actief\n"
                           "KL003;Oost;1999;0;GM0363;actief\n"
                           "KL004;West;2018;2;GM12345;actief\n"
                           "KL005;Zuid;2019;3;GM0363;bezig\n"
                           " ;Leeg;2019;3;GM0363;actief\n");
    expect_frame("koplopers_k.csv", "koplopers", 6, 2, 4);
    assert_int_equal(n_of(WIRE_REC_REJECT), 5);
    expect_reject(0, 3, "naam", "MISSING_VALUE");
    expect_reject(1, 4, "tranche", "INVALID_VALUE");
    expect_reject(2, 5, "gemeenten", "INVALID_VALUE");
    expect_reject(3, 6, "status", "INVALID_VALUE"); /* value dropped, row kept */
    expect_reject(4, 7, "koploper_id", "MISSING_VALUE");
    assert_true(wstr_contains(rej(1)->message, "'0'"));

    const wire_koploper_t *k = &nth(WIRE_REC_KOPLOPER, 0)->u.koploper;
    assert_wstr(k->id, "KL001");
    assert_wstr(k->naam, "Noord");
    assert_int_equal(k->tranche, 1);
    assert_int_equal(k->startjaar, 2017);
    assert_wstr(k->status, "actief");
    assert_int_equal(k->n_gemeenten, 3);
    assert_wstr(k->gemeenten[0], "GM0233");
    assert_wstr(k->gemeenten[1], "GM0363");
    assert_wstr(k->gemeenten[2], "GM0599");
    k = &nth(WIRE_REC_KOPLOPER, 1)->u.koploper;
    assert_wstr(k->id, "KL005");
    assert_wstr(k->status, "");
}

static void test_deelnemers_keys(void **state)
{
    (void)state;
    RUN("deelnemers_k.csv", "meting,koploper_id,versie\n"
                            "2021,KL001,Kort\n"
                            "21,KL002,kort\n"
                            ",KL003,kort\n"
                            "2021,KL004,lang\n"
                            "2021,\"KL\n005\",kort\n"
                            "2021,KL006,volledig\n");
    expect_frame("deelnemers_k.csv", "deelnemers", 6, 3, 3);
    assert_int_equal(fx.res.delim, ',');
    assert_int_equal(n_of(WIRE_REC_REJECT), 4);
    expect_reject(0, 3, "meting", "INVALID_VALUE");
    expect_reject(1, 4, "meting", "MISSING_VALUE");
    expect_reject(2, 5, "versie", "INVALID_VALUE");
    expect_reject(3, 6, "koploper_id", "INVALID_VALUE"); /* a control character */
    const wire_deelnemer_t *d = &nth(WIRE_REC_DEELNEMER, 0)->u.deelnemer;
    assert_int_equal(d->meting, 2021);
    assert_wstr(d->koploper_id, "KL001");
    assert_wstr(d->versie, "kort");
    assert_wstr(d->file, "deelnemers_k.csv");
    assert_int_equal(d->line, 2);
    d = &nth(WIRE_REC_DEELNEMER, 1)->u.deelnemer;
    assert_wstr(d->koploper_id, "KL004");
    assert_wstr(d->versie, "");
    assert_int_equal(nth(WIRE_REC_DEELNEMER, 2)->u.deelnemer.line, 8);
}

static void test_uitvraag_keys(void **state)
{
    (void)state;
    static const char long_id[] =
        "R0123456789012345678901234567890123456789012345678901234567890123";
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     UV_HDR ";tijd_adviseurs\n"
                            "R1;2021;KL001;2021-03-02T14:05+01:00;3\n"
                            "R2;2021;KL001;2021-02-30;3\n"
                            "R3;2021;;2021-03-02;3\n"
                            "%s;2021;KL001;2021-03-02;3\n"
                            "R5;2021;KL001;2021-03-02 09:30;nope\n",
                     long_id);
    assert_int_equal(run("uitvraag_k.csv", buf, (size_t)n), KPM_OK);
    expect_frame("uitvraag_k.csv", "uitvraag", 5, 2, 3);
    assert_int_equal(n_of(WIRE_REC_REJECT), 4);
    expect_reject(0, 3, "ingevuld_op", "INVALID_VALUE");
    expect_reject(1, 4, "koploper_id", "MISSING_VALUE");
    expect_reject(2, 5, "response_id", "INVALID_VALUE");
    expect_reject(3, 6, "tijd_adviseurs", "INVALID_VALUE");
    const wire_response_t *r = resp(0);
    assert_wstr(r->response_id, "R1");
    assert_int_equal(r->meting, 2021);
    assert_wstr(r->koploper_id, "KL001");
    assert_wstr(r->ingevuld_op, "2021-03-02T13:05:00"); /* in UTC */
    assert_wstr(r->file, "uitvraag_k.csv");
    assert_int_equal(r->line, 2);
    /* An invalid item value: the response goes on, the answer is NIL. */
    r = resp(1);
    assert_wstr(r->response_id, "R5");
    assert_wstr(r->ingevuld_op, "2021-03-02T09:30:00");
    expect_nil(r, "tijd_adviseurs");
    assert_true(wstr_contains(rej(3)->message, "'nope'"));
}

static void test_likert_values(void **state)
{
    (void)state;
    static const struct {
        const char *cell;
        int nvt_item; /* kennisdeling_koplopers (likert_nvt); -1: invalid */
        int plain;    /* tijd_adviseurs (likert); -1: invalid */
    } cases[] = {
        {"1", 1, 1},
        {"Zeer ontevreden", 1, 1},
        {" ONTEVREDEN ", 2, 2},
        {"tevreden", 3, 3},
        {"3", 3, 3},
        {"Zeer Tevreden", 4, 4},
        {"0", 0, -1},
        {"nvt", 0, -1},
        {"N.v.t.", 0, -1},
        {"niet van toepassing", 0, -1},
        {"(nog) niet aan deelgenomen", 0, -1},
        {"5", -1, -1},
        {"goed", -1, -1},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char buf[4096];
    size_t o = (size_t)snprintf(buf, sizeof buf, UV_HDR ";kennisdeling_koplopers;tijd_adviseurs\n");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "R%zu;2021;KL%03zu;2021-03-02;%s;%s\n", i, i,
                              cases[i].cell, cases[i].cell);
    assert_int_equal(run("uitvraag_l.csv", buf, o), KPM_OK);
    expect_frame("uitvraag_l.csv", "uitvraag", n, n, 0);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        const wire_response_t *r = resp(i);
        if (cases[i].nvt_item < 0)
            expect_nil(r, "kennisdeling_koplopers");
        else
            expect_int(r, "kennisdeling_koplopers", cases[i].nvt_item);
        if (cases[i].plain < 0)
            expect_nil(r, "tijd_adviseurs");
        else
            expect_int(r, "tijd_adviseurs", cases[i].plain);
        bad += (cases[i].nvt_item < 0) + (cases[i].plain < 0);
    }
    assert_int_equal(n_of(WIRE_REC_REJECT), bad);
    expect_reject(0, 8, "tijd_adviseurs", "INVALID_VALUE"); /* "0" on a plain likert item */
}

static void test_keuze_and_other_items(void **state)
{
    (void)state;
    RUN("uitvraag_c.csv", UV_HDR ";verwachtingen_uitgekomen;gebruik_aantal;toelichting_adviseurs\n"
                                 "R1;2021;KL001;2021-03-02; Te_Vroeg ;120;\"Hij zei: "
                                 "\"\"prima\"\"; \xc3\xa9\xc3\xa9n keer\"\n"
                                 "R2;2021;KL002;2021-03-02;JA;0;   \n"
                                 "R3;2021;KL003;2021-03-02;misschien;-3;x\n"
                                 "R4;2021;KL004;2021-03-02;;2,5;\n");
    expect_frame("uitvraag_c.csv", "uitvraag", 4, 4, 0);
    const wire_value_t *v = ans(resp(0), "verwachtingen_uitgekomen");
    assert_int_equal(v->type, WIRE_VAL_STR);
    assert_wstr(v->s, "te_vroeg");
    v = ans(resp(1), "verwachtingen_uitgekomen");
    assert_wstr(v->s, "ja");
    expect_int(resp(0), "gebruik_aantal", 120);
    expect_int(resp(1), "gebruik_aantal", 0);
    /* tekst: kept as written; blank counts as not answered. */
    v = ans(resp(0), "toelichting_adviseurs");
    assert_int_equal(v->type, WIRE_VAL_STR);
    assert_wstr(v->s, "Hij zei: \"prima\"; \xc3\xa9\xc3\xa9n keer");
    expect_nil(resp(1), "toelichting_adviseurs");
    expect_nil(resp(2), "verwachtingen_uitgekomen");
    expect_nil(resp(2), "gebruik_aantal");
    expect_nil(resp(3), "verwachtingen_uitgekomen"); /* empty: asked, not answered */
    expect_nil(resp(3), "gebruik_aantal");
    assert_int_equal(n_of(WIRE_REC_REJECT), 3);
    expect_reject(0, 4, "verwachtingen_uitgekomen", "INVALID_VALUE");
    expect_reject(1, 4, "gebruik_aantal", "INVALID_VALUE");
    expect_reject(2, 5, "gebruik_aantal", "INVALID_VALUE");
    /* Only the item columns of the file are answers, in header order. */
    assert_int_equal(resp(0)->n_answers, 3);
    assert_wstr(resp(0)->answers[0].item, "verwachtingen_uitgekomen");
    assert_null(ans(resp(0), "tijd_adviseurs"));
}

/* A tekst answer longer than the wire's bound on free text (WIRE_TEXT_MAX) is
 * refused as INVALID_VALUE and counts as not answered; one at the bound is kept
 * whole. Without the check the record could not be sent at all. */
static void test_tekst_bound(void **state)
{
    (void)state;
    static const char head[] = UV_HDR ";toelichting_adviseurs\n";
    size_t cap = sizeof head + 2 * (WIRE_TEXT_MAX + 64);
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t n = (size_t)snprintf(csv, cap, "%s", head);
    for (int row = 0; row < 2; row++) {
        n += (size_t)snprintf(csv + n, cap - n, "R%d;2021;KL00%d;2021-03-02;", row + 1, row + 1);
        size_t len = WIRE_TEXT_MAX + (size_t)row;
        memset(csv + n, 'a', len);
        n += len;
        csv[n++] = '\n';
    }
    assert_int_equal(run("uitvraag_t.csv", csv, n), KPM_OK);
    free(csv);
    expect_frame("uitvraag_t.csv", "uitvraag", 2, 2, 0);
    const wire_value_t *v = ans(resp(0), "toelichting_adviseurs");
    assert_int_equal(v->type, WIRE_VAL_STR);
    assert_int_equal(v->s.len, WIRE_TEXT_MAX);
    expect_nil(resp(1), "toelichting_adviseurs");
    assert_int_equal(n_of(WIRE_REC_REJECT), 1);
    expect_reject(0, 3, "toelichting_adviseurs", "INVALID_VALUE");
}

#define BST_HDR                                                                                    \
    UV_HDR ";besteding_interne_projectleiding;besteding_externe_projectleiding;"                   \
           "besteding_scholing;besteding_clientondersteuners;besteding_communicatie;"              \
           "besteding_anders\n"

static const char *const BST[] = {
    "besteding_interne_projectleiding", "besteding_externe_projectleiding", "besteding_scholing",
    "besteding_clientondersteuners",    "besteding_communicatie",           "besteding_anders"};

static void test_besteding_group(void **state)
{
    (void)state;
    RUN("uitvraag_b.csv", BST_HDR "R1;2021;KL001;2021-03-02;12,5;37.5;20;10;10;10\n"
                                  "R2;2021;KL002;2021-03-02;20;20;20;20;10;10,8\n"
                                  "R3;2021;KL003;2021-03-02;50;20;10;5;3;2\n"
                                  "R4;2021;KL004;2021-03-02;50;20;10;;;\n"
                                  "R5;2021;KL005;2021-03-02;50;20;10;10;5;veel\n"
                                  "R6;2021;KL006;2021-03-02;;;;;;\n"
                                  "R7;2021;KL007;2021-03-02;20;20;20;20;10;8,9\n");
    expect_frame("uitvraag_b.csv", "uitvraag", 7, 7, 0);
    static const double r1[] = {12.5, 37.5, 20, 10, 10, 10};
    for (size_t i = 0; i < 6; i++) {
        const wire_value_t *v = ans(resp(0), BST[i]);
        assert_int_equal(v->type, WIRE_VAL_REAL);
        assert_true(v->r == r1[i]);
        assert_int_equal(ans(resp(1), BST[i])->type, WIRE_VAL_REAL); /* 100.8: within 1 */
    }
    for (size_t k = 2; k < 7; k++)
        for (size_t i = 0; i < 6; i++)
            expect_nil(resp(k), BST[i]);
    assert_int_equal(n_of(WIRE_REC_REJECT), 5);
    expect_reject(0, 4, "besteding_*", "GROUP_SUM");
    assert_true(wstr_contains(rej(0)->message, "90"));
    expect_reject(1, 5, "besteding_*", "GROUP_INCOMPLETE");
    expect_reject(2, 6, "besteding_anders", "INVALID_VALUE");
    expect_reject(3, 6, "besteding_*", "GROUP_INCOMPLETE");
    expect_reject(4, 8, "besteding_*", "GROUP_SUM"); /* 98.9 */
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    RUN("koplopers_d.csv", KL_HDR "KL001;Noord;1;2017;GM0363;actief\n"
                                  "KL002;Zuid;2;2018;GM0599;\n"
                                  "KL001;Noord bis;3;2019;GM0344;actief\n");
    expect_frame("koplopers_d.csv", "koplopers", 3, 2, 1);
    assert_int_equal(n_of(WIRE_REC_REJECT), 1);
    expect_reject(0, 4, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    assert_wstr(nth(WIRE_REC_KOPLOPER, 0)->u.koploper.naam, "Noord");

    RUN("deelnemers_d.csv", "meting;koploper_id;versie\n2021;KL001;kort\n2020;KL001;kort\n"
                            "2021;KL002;kort\n2021;KL001;volledig\n");
    expect_frame("deelnemers_d.csv", "deelnemers", 4, 3, 1);
    expect_reject(0, 5, "", "DUPLICATE_KEY");
    assert_wstr(nth(WIRE_REC_DEELNEMER, 0)->u.deelnemer.versie, "kort");

    /* In uitvraag the same response_id twice is a re-export: two records, no reject. */
    RUN("uitvraag_d.csv",
        UV_HDR ";tijd_adviseurs\nR1;2021;KL001;2021-03-02;2\nR1;2021;KL001;2021-03-03;4\n");
    expect_frame("uitvraag_d.csv", "uitvraag", 2, 2, 0);
    assert_int_equal(n_of(WIRE_REC_REJECT), 0);
    assert_int_equal(n_of(WIRE_REC_RESPONSE), 2);
    expect_int(resp(0), "tijd_adviseurs", 2);
    expect_int(resp(1), "tijd_adviseurs", 4);
}

/* ------------------------------------------------------------------- pii */

#define CANARY "CANARY-7f3a9"

static int any_record_holds(const char *needle)
{
    for (size_t i = 0; i < fx.n_recs; i++) {
        const wire_record_t *r = &fx.recs[i];
        switch (r->kind) {
        case WIRE_REC_REJECT:
            if (wstr_contains(r->u.reject.column, needle) ||
                wstr_contains(r->u.reject.message, needle) ||
                wstr_contains(r->u.reject.code, needle) || wstr_contains(r->u.reject.file, needle))
                return 1;
            break;
        case WIRE_REC_RESPONSE:
            for (uint32_t a = 0; a < r->u.response.n_answers; a++) {
                const wire_answer_t *x = &r->u.response.answers[a];
                if (wstr_contains(x->item, needle) ||
                    (x->value.type == WIRE_VAL_STR && wstr_contains(x->value.s, needle)))
                    return 1;
            }
            if (wstr_contains(r->u.response.response_id, needle) ||
                wstr_contains(r->u.response.koploper_id, needle) ||
                wstr_contains(r->u.response.ingevuld_op, needle) ||
                wstr_contains(r->u.response.file, needle))
                return 1;
            break;
        case WIRE_REC_FILE_BEGIN:
            if (wstr_contains(r->u.file_begin.file, needle) ||
                wstr_contains(r->u.file_begin.kind, needle))
                return 1;
            break;
        default:
            break;
        }
    }
    return msgs_contain(needle); /* and no byte of any message */
}

static void test_pii_never_passed_on(void **state)
{
    (void)state;
    RUN("uitvraag_p.csv",
        UV_HDR ";Contact_Naam;tijd_adviseurs;contact_telefoon;besteding_scholing;contact_email\n"
               "R1;2021;KL001;2021-03-02;" CANARY "-naam;3;" CANARY "-tel;;" CANARY "@example.nl\n"
               "R2;2021;KL001;2021-03-02;" CANARY "-naam;vijf;nope " CANARY ";x;\n"
               "R3;2021;;2021-03-02;" CANARY ";3;" CANARY ";;" CANARY "\n"
               "R4;2021;KL001;2021-03-02;" CANARY ";3;" CANARY "\n"
               "R5;2021;KL001;2021-13-02;\"" CANARY "\n" CANARY "\";3;;;\n");
    assert_int_equal(fx.res.has_pii, 1);
    expect_frame("uitvraag_p.csv", "uitvraag", 5, 2, 3);
    assert_false(any_record_holds(CANARY));
    assert_false(any_record_holds("contact_"));
    assert_int_equal(resp(0)->n_answers, 2);

    RUN("uitvraag_q.csv", UV_HDR ";tijd_adviseurs\nR1;2021;KL001;2021-03-02;3\n");
    assert_int_equal(fx.res.has_pii, 0);
}

/* ------------------------------------------------------ lines and frames */

static void test_lines_after_multiline_field(void **state)
{
    (void)state;
    RUN("uitvraag_m.csv",
        UV_HDR ";toelichting_adviseurs;tijd_adviseurs\r\n"
               "R1;2021;KL001;2021-03-02;\"eerste regel\r\ntweede; regel\r\n\r\nvierde\";3\r\n"
               "R2;2021;KL002;2021-03-02;kort;9\r\n"
               "\r\n"
               "R3;2021;KL003;2021-03-02;\"a\nb\";2\r\n"
               "R4;2021;;2021-03-02;x;1\r\n");
    expect_frame("uitvraag_m.csv", "uitvraag", 4, 3, 1);
    assert_int_equal(resp(0)->line, 2);
    assert_wstr(ans(resp(0), "toelichting_adviseurs")->s,
                "eerste regel\r\ntweede; regel\r\n\r\nvierde");
    assert_int_equal(resp(1)->line, 6);
    assert_int_equal(resp(2)->line, 8);
    expect_reject(0, 6, "tijd_adviseurs", "INVALID_VALUE");
    expect_reject(1, 10, "koploper_id", "MISSING_VALUE");
}

static void test_header_only(void **state)
{
    (void)state;
    /* A register without a valid row says that the register stays as it was. */
    RUN("koplopers_h.csv", KL_HDR);
    assert_int_equal(fx.res.dispo, DISPO_ARCHIVE);
    assert_int_equal(fx.n_recs, 3);
    expect_frame("koplopers_h.csv", "koplopers", 0, 0, 0);
    expect_reject(0, 0, "", "EMPTY_REGISTER");
    RUN("uitvraag_h.csv", UV_HDR ";tijd_adviseurs\r\n\r\n");
    assert_int_equal(fx.n_recs, 2);
    expect_frame("uitvraag_h.csv", "uitvraag", 0, 0, 0);
    assert_int_equal(fx.res.rows, 0);
}

/* Takes the last run's messages out of the harness (kept[] owns them). */
static size_t keep_msgs(char *kept[MAX_MSGS], size_t lens[MAX_MSGS])
{
    size_t n = fx.n_msgs;
    for (size_t i = 0; i < n; i++) {
        kept[i] = fx.msgs[i];
        lens[i] = fx.lens[i];
        fx.msgs[i] = NULL;
    }
    fx.n_msgs = 0;
    return n;
}

/* The last run gave exactly the kept messages, byte for byte (frees them). */
static void expect_same_msgs(char *kept[MAX_MSGS], const size_t lens[MAX_MSGS], size_t n)
{
    assert_int_equal(fx.n_msgs, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fx.lens[i], lens[i]);
        assert_memory_equal(fx.msgs[i], kept[i], lens[i]);
        free(kept[i]);
    }
}

static void test_same_file_same_messages(void **state)
{
    (void)state;
    static const char file[] =
        UV_HDR ";opmerking;tijd_adviseurs;verwachtingen_uitgekomen;toelichting_adviseurs\n"
               "R1;2021;KL001;2021-03-02;x;3;ja;\"twee\nregels\"\n"
               "R2;2021;KL002;2021-03-02;x;8;nee;\n"
               "R3;2021;;2021-03-02;x;3;ja;\n"
               "R4;2021;KL004;2021-03-02;x;1;ja\n"
               "R5;2021;KL005;2021-03-02T08:00:00Z;x;2;deels;tekst\n";
    RUN("uitvraag_2021.csv", file);
    assert_true(fx.n_msgs > 1); /* several messages, so boundaries are compared too */
    char *first[MAX_MSGS];
    size_t lens[MAX_MSGS];
    size_t n = keep_msgs(first, lens);
    RUN("uitvraag_2021.csv", file);
    expect_same_msgs(first, lens, n);
}

/* Ingests the entry at fx.dir/name as it is (no file written); decodes what came out. */
static void run_entry(const char *name, ingest_entry_t *e)
{
    clear();
    batcher_t *b = batcher_new(STREAM, 3, 1 << 16, collect, NULL);
    assert_non_null(b);
    assert_int_equal(ingest_entry_to(fx.cat, &ih_key, batcher_put_fn, b, e, name, &fx.res), KPM_OK);
    assert_int_equal(batcher_flush(b), KPM_OK);
    batcher_destroy(&b);
}

static void open_entry(const char *name, ingest_entry_t *e)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fx.dir, name);
    assert_int_equal(ingest_entry_open(path, e), KPM_OK);
}

#define GEBRUIK_HEADER                                                                             \
    "gemeente_code;periode;aanbieder_type;nieuwe_vragen;lopende_trajecten;clienten_bereikt\n"

/* Writes (mode "w") or appends ("a") text to the file at path. */
static void put_text(const char *path, const char *mode, const char *text)
{
    FILE *fp = fopen(path, mode);
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* Entries that are no regular file are never followed or opened: one
 * NOT_A_FILE reject, quarantined (or left when they cannot be moved); a file
 * gone is FILE_GONE; a file that grew between its opening and the end of its
 * reading gets FILE_CHANGED and is left in the inbox. */
static void test_entries_refused(void **state)
{
    (void)state;
    char target[256], link_path[256];
    snprintf(target, sizeof target, "%s/outside.csv", fx.dir);
    put_text(target, "w", GEBRUIK_HEADER "GM0363;2021-01;professioneel;1;2;3\n");
    snprintf(link_path, sizeof link_path, "%s/gebruik_link.csv", fx.dir);
    assert_int_equal(symlink(target, link_path), 0);
    ingest_entry_t e;
    open_entry("gebruik_link.csv", &e);
    assert_int_equal(e.fd, -1);
    run_entry("gebruik_link.csv", &e);
    expect_reject(0, 0, "", "NOT_A_FILE");
    assert_true(wstr_contains(rej(0)->message, "symbolische koppeling"));
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 0); /* the target was not read */
    assert_int_equal(fx.res.dispo, DISPO_QUARANTINE);
    e.movable = 0; /* on another file system: stays, and says so */
    run_entry("gebruik_link.csv", &e);
    assert_int_equal(fx.res.dispo, DISPO_LEAVE);
    assert_true(wstr_contains(rej(0)->message, "blijft in de inbox"));
    ingest_entry_close(&e);
    unlink(link_path);

    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/gebruik_fifo.csv", fx.dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    open_entry("gebruik_fifo.csv", &e); /* returns: a FIFO without writer is not opened */
    run_entry("gebruik_fifo.csv", &e);
    expect_reject(0, 0, "", "NOT_A_FILE");
    ingest_entry_close(&e);
    unlink(fifo);

    open_entry("gebruik_weg.csv", &e);
    run_entry("gebruik_weg.csv", &e);
    expect_reject(0, 0, "", "FILE_GONE");
    assert_int_equal(fx.res.dispo, DISPO_LEAVE);
    ingest_entry_close(&e);

    assert_int_equal(rename(target, link_path), 0);
    open_entry("gebruik_link.csv", &e);
    assert_true(e.fd >= 0);
    put_text(link_path, "a", "GM0363;2021-02;professioneel;1;2;3\n");
    run_entry("gebruik_link.csv", &e);
    assert_int_equal(fx.res.dispo, DISPO_LEAVE);
    assert_int_equal(e.verdict, 1);
    expect_reject(0, 0, "", "FILE_CHANGED");
    ingest_entry_close(&e);
    unlink(link_path);
}

/* A file that grows after its first reading is produced again (after a rewind)
 * from the bytes it had when it was opened: the same messages, so the receiver's
 * counts hold; the growth is caught when it is archived. */
static void test_grown_file_produced_again_the_same(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/gebruik_groei.csv", fx.dir);
    put_text(path, "w",
             GEBRUIK_HEADER "GM0363;2021-01;professioneel;1;2;3\n"
                            "GM0363;2021-02;professioneel;4;5;6\n");
    ingest_entry_t e;
    open_entry("gebruik_groei.csv", &e);
    run_entry("gebruik_groei.csv", &e);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 2);
    assert_int_equal(e.verdict, 0);
    char *first[MAX_MSGS];
    size_t lens[MAX_MSGS];
    size_t n = keep_msgs(first, lens);
    put_text(path, "a", "GM0363;2021-03;professioneel;7;8;9\n");
    run_entry("gebruik_groei.csv", &e);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 2);
    expect_same_msgs(first, lens, n);
    assert_int_equal(ingest_entry_changed(&e), 1); /* left in the inbox when archived */
    ingest_entry_close(&e);
    unlink(path);
}

/* The sha256 in FILE_END is the file's, also when a large file is hashed on a
 * thread beside the parse (from 1 MiB on). */
static void test_sha256_of_large_file(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/gebruik_groot.csv", fx.dir);
    put_text(path, "w", GEBRUIK_HEADER "GM0363;2021-01;professioneel;1;2;3\n");
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    for (int i = 0; i < 300000; i++) /* all-empty rows: skipped, no records */
        fputs(";;;;;\n", fp);
    assert_int_equal(fclose(fp), 0);
    char want[SHA256_HEX_LEN + 1];
    assert_int_equal(sha256_file(path, want), KPM_OK);
    ingest_entry_t e;
    open_entry("gebruik_groot.csv", &e);
    assert_true(e.st.st_size > (1 << 20));
    run_entry("gebruik_groot.csv", &e);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 1);
    const wire_file_end_t *fe = &nth(WIRE_REC_FILE_END, 0)->u.file_end;
    assert_int_equal(fe->sha256.len, SHA256_HEX_LEN);
    assert_memory_equal(fe->sha256.ptr, want, SHA256_HEX_LEN);
    ingest_entry_close(&e);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_from_name),
        cmocka_unit_test(test_not_utf8_line),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_header_columns),
        cmocka_unit_test(test_unknown_columns),
        cmocka_unit_test(test_ragged_row),
        cmocka_unit_test(test_koplopers_keys),
        cmocka_unit_test(test_deelnemers_keys),
        cmocka_unit_test(test_uitvraag_keys),
        cmocka_unit_test(test_likert_values),
        cmocka_unit_test(test_keuze_and_other_items),
        cmocka_unit_test(test_tekst_bound),
        cmocka_unit_test(test_besteding_group),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_pii_never_passed_on),
        cmocka_unit_test(test_lines_after_multiline_field),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_same_file_same_messages),
        cmocka_unit_test(test_entries_refused),
        cmocka_unit_test(test_grown_file_produced_again_the_same),
        cmocka_unit_test(test_sha256_of_large_file),
    };
    return cmocka_run_group_tests(tests, ih_setup, ih_teardown);
}
