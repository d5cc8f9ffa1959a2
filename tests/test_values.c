/* test_values.c - cell value parsers of the data contract. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kpm_err.h"
#include "values.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_trim_and_empty(void **state)
{
    size_t len = strlen(" \t a b \r\n");
    const char *t = val_trim(" \t a b \r\n", &len);

    (void)state;
    assert_int_equal(len, 3);
    assert_memory_equal(t, "a b", 3);
    assert_true(val_is_empty(S(" \t\r\n ")));
    assert_true(val_is_empty(NULL, 0));
    assert_false(val_is_empty(S(" x ")));
}

/* A no-break space (U+00A0) around or instead of a value is trimmed like a space,
 * but other characters whose UTF-8 holds the byte 0xA0 are kept whole. */
static void test_trim_no_break_space(void **state)
{
    size_t len = strlen("\xc2\xa0 GM0363\xc2\xa0");
    const char *t = val_trim("\xc2\xa0 GM0363\xc2\xa0", &len);
    char gm[7];

    (void)state;
    assert_int_equal(len, 6);
    assert_memory_equal(t, "GM0363", 6);
    assert_true(val_is_empty(S("\xc2\xa0")));
    assert_true(val_is_empty(S(" \xc2\xa0\xc2\xa0\t")));
    len = strlen("\xc3\xa0");
    t = val_trim("\xc3\xa0", &len); /* "à" ends in 0xA0 too */
    assert_int_equal(len, 2);
    assert_int_equal(val_parse_gemeente(S("\xc2\xa0GM0363\xc2\xa0"), gm), KPM_OK);
    assert_string_equal(gm, "GM0363");
}

static void test_equals_ci(void **state)
{
    (void)state;
    assert_true(val_equals_ci(S("Zeer Tevreden"), "zeer tevreden"));
    assert_false(val_equals_ci(S("tevreden"), "tevredenheid"));
    assert_false(val_equals_ci(S("tevredenheid"), "tevreden"));
    assert_false(val_equals_ci(S(" tevreden"), "tevreden"));
}

static void test_int(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_int_equal(val_parse_int(S(" 42 "), 0, 100, &v), KPM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(val_parse_int(S("-7"), -10, 10, &v), KPM_OK);
    assert_int_equal(v, -7);
    assert_int_equal(val_parse_int(S("+3"), 0, 10, &v), KPM_OK);
    assert_int_equal(v, 3);
    assert_int_equal(val_parse_int(S("007"), 0, 10, &v), KPM_OK);
    assert_int_equal(v, 7);
    /* Not NUL-terminated: only len bytes count. */
    assert_int_equal(val_parse_int("123456", 3, 0, 1000, &v), KPM_OK);
    assert_int_equal(v, 123);

    assert_int_equal(val_parse_int(S(""), 0, 10, &v), KPM_EEMPTY);
    assert_int_equal(val_parse_int(S("   "), 0, 10, &v), KPM_EEMPTY);
    assert_int_equal(val_parse_int(S("4.0"), 0, 10, &v), KPM_EPARSE);
    assert_int_equal(val_parse_int(S("1 2"), 0, 100, &v), KPM_EPARSE);
    assert_int_equal(val_parse_int(S("abc"), 0, 10, &v), KPM_EPARSE);
    assert_int_equal(val_parse_int(S("-"), 0, 10, &v), KPM_EPARSE);
    assert_int_equal(val_parse_int(S("2015"), 2015, 2100, &v), KPM_OK);
    assert_int_equal(val_parse_int(S("2014"), 2015, 2100, &v), KPM_ERANGE);
    assert_int_equal(val_parse_int(S("-1"), 0, 10, &v), KPM_ERANGE);

    assert_int_equal(val_parse_int(S("9223372036854775807"), INT64_MIN, INT64_MAX, &v), KPM_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(val_parse_int(S("-9223372036854775808"), INT64_MIN, INT64_MAX, &v), KPM_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(val_parse_int(S("9223372036854775808"), INT64_MIN, INT64_MAX, &v), KPM_ERANGE);
    assert_int_equal(val_parse_int(S("123456789012345678901234"), 0, INT64_MAX, &v), KPM_ERANGE);
}

static void test_decimal(void **state)
{
    static const struct {
        const char *text;
        double value;
    } ok[] = {
        {"12,5", 12.5},
        {"12.5", 12.5},
        {"0.1", 0.1},
        {"33,3", 33.3},
        {"-0,5", -0.5},
        {".5", 0.5},
        {"5.", 5.0},
        {"+7", 7.0},
        {"100", 100.0},
        {"0,01", 0.01},
        {"16.67", 16.67},
        {"99.99", 99.99},
        {"123.456", 123.456},
        {"0.000001", 0.000001},
        {"1234567.891", 1234567.891},
    };
    double v = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(val_parse_decimal(ok[i].text, strlen(ok[i].text), -1e9, 1e9, &v), KPM_OK);
        /* Exact: the same double the compiler makes of the literal. */
        assert_true(v == ok[i].value);
    }
    assert_int_equal(val_parse_decimal(S("-0"), -1, 1, &v), KPM_OK);
    assert_true(v == 0 && !signbit(v));

    assert_int_equal(val_parse_decimal(S("100"), 0, 100, &v), KPM_OK);
    assert_int_equal(val_parse_decimal(S("100,01"), 0, 100, &v), KPM_ERANGE);
    assert_int_equal(val_parse_decimal(S("-0.1"), 0, 100, &v), KPM_ERANGE);
    assert_int_equal(val_parse_decimal(S("  "), 0, 100, &v), KPM_EEMPTY);
    assert_int_equal(val_parse_decimal(S("1.234,5"), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("1e5"), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("1 000"), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S(","), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("-"), -1, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("nan"), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("inf"), 0, 1e6, &v), KPM_EPARSE);
    assert_int_equal(val_parse_decimal(S("12%"), 0, 100, &v), KPM_EPARSE);
    /* More digits than a double holds: still parsed, and out of a small range. */
    assert_int_equal(val_parse_decimal(S("123456789012345678901234567890"), 0, 100, &v),
                     KPM_ERANGE);
    assert_int_equal(val_parse_decimal(S("123456789012345678901234567890"), 0, 1e30, &v), KPM_OK);
    assert_true(v > 1.2345678901e29 && v < 1.2345678902e29);
}

static void test_likert(void **state)
{
    int v = -1;

    (void)state;
    assert_int_equal(val_parse_likert(S(" Zeer Tevreden "), false, &v), KPM_OK);
    assert_int_equal(v, 4);
    assert_int_equal(val_parse_likert(S("TEVREDEN"), false, &v), KPM_OK);
    assert_int_equal(v, 3);
    assert_int_equal(val_parse_likert(S("ontevreden"), false, &v), KPM_OK);
    assert_int_equal(v, 2);
    assert_int_equal(val_parse_likert(S("zeer ontevreden"), false, &v), KPM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(val_parse_likert(S(" 2 "), false, &v), KPM_OK);
    assert_int_equal(v, 2);

    assert_int_equal(val_parse_likert(S("N.V.T."), true, &v), KPM_OK);
    assert_int_equal(v, 0);
    v = -1;
    assert_int_equal(val_parse_likert(S("nvt"), true, &v), KPM_OK);
    assert_int_equal(v, 0);
    v = -1;
    assert_int_equal(val_parse_likert(S("Niet van toepassing"), true, &v), KPM_OK);
    assert_int_equal(v, 0);
    v = -1;
    assert_int_equal(val_parse_likert(S("(nog) niet aan deelgenomen"), true, &v), KPM_OK);
    assert_int_equal(v, 0);
    v = -1;
    assert_int_equal(val_parse_likert(S("0"), true, &v), KPM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(val_parse_likert(S("4"), true, &v), KPM_OK);
    assert_int_equal(v, 4);

    assert_int_equal(val_parse_likert(S("nvt"), false, &v), KPM_EPARSE);
    assert_int_equal(val_parse_likert(S("n.v.t."), false, &v), KPM_EPARSE);
    assert_int_equal(val_parse_likert(S("0"), false, &v), KPM_ERANGE);
    assert_int_equal(val_parse_likert(S("5"), true, &v), KPM_ERANGE);
    assert_int_equal(val_parse_likert(S("goed"), true, &v), KPM_EPARSE);
    assert_int_equal(val_parse_likert(S("2.5"), true, &v), KPM_EPARSE);
    assert_int_equal(val_parse_likert(S(""), true, &v), KPM_EEMPTY);
}

static void test_choice(void **state)
{
    const char *const allowed[] = {"professioneel", "vrijwillig", "informeel"};
    size_t idx = 99;

    (void)state;
    assert_int_equal(val_parse_choice(S(" Vrijwillig "), allowed, 3, &idx), KPM_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(val_parse_choice(S("INFORMEEL"), allowed, 3, &idx), KPM_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(val_parse_choice(S("vrij"), allowed, 3, &idx), KPM_EPARSE);
    assert_int_equal(val_parse_choice(S("onbekend"), allowed, 3, &idx), KPM_EPARSE);
    assert_int_equal(val_parse_choice(S(" "), allowed, 3, &idx), KPM_EEMPTY);
}

static void test_gemeente(void **state)
{
    static const char *const same[] = {"GM0363", "gm0363", "Gm363", "0363", "363", " GM0363 "};
    char out[7];

    (void)state;
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        memset(out, 'x', sizeof(out));
        assert_int_equal(val_parse_gemeente(same[i], strlen(same[i]), out), KPM_OK);
        assert_string_equal(out, "GM0363");
    }
    assert_int_equal(val_parse_gemeente(S("3"), out), KPM_OK);
    assert_string_equal(out, "GM0003");
    assert_int_equal(val_parse_gemeente(S("GM1680"), out), KPM_OK);
    assert_string_equal(out, "GM1680");

    assert_int_equal(val_parse_gemeente(S("GM03630"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("12345"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("GM"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("GX0363"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("GM 0363"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("GM-363"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("Amsterdam"), out), KPM_EPARSE);
    assert_int_equal(val_parse_gemeente(S("0"), out), KPM_ERANGE);
    assert_int_equal(val_parse_gemeente(S("GM0000"), out), KPM_ERANGE);
    assert_int_equal(val_parse_gemeente(S(""), out), KPM_EEMPTY);
}

static void test_month(void **state)
{
    int32_t v = 0;

    (void)state;
    assert_int_equal(val_parse_month(S(" 2021-03 "), &v), KPM_OK);
    assert_int_equal(v, 202103);
    assert_int_equal(val_parse_month(S("1900-01"), &v), KPM_OK);
    assert_int_equal(val_parse_month(S("2100-12"), &v), KPM_OK);
    assert_int_equal(v, 210012);
    assert_int_equal(val_parse_month(S("1899-12"), &v), KPM_ERANGE);
    assert_int_equal(val_parse_month(S("2101-01"), &v), KPM_ERANGE);
    assert_int_equal(val_parse_month(S("2021-13"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S("2021-00"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S("2021-3"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S("202103"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S("2021/03"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S("2021-03-01"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_month(S(""), &v), KPM_EEMPTY);
}

static void test_date(void **state)
{
    int32_t v = 0;

    (void)state;
    assert_int_equal(val_parse_date(S("2020-02-29"), &v), KPM_OK);
    assert_int_equal(v, 20200229);
    assert_int_equal(val_parse_date(S("2000-02-29"), &v), KPM_OK);
    assert_int_equal(val_parse_date(S(" 2021-12-31 "), &v), KPM_OK);
    assert_int_equal(v, 20211231);
    assert_int_equal(val_parse_date(S("2021-02-29"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2100-02-29"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-02-31"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-04-31"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-13-01"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-00-10"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-01-00"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-4-01"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("04-03-2021"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S("2021-03-04T10:00"), &v), KPM_EPARSE);
    assert_int_equal(val_parse_date(S(""), &v), KPM_EEMPTY);
}

static void expect_datetime(const char *in, const char *want)
{
    char out[20];

    memset(out, 'x', sizeof(out));
    assert_int_equal(val_parse_datetime(in, strlen(in), out), KPM_OK);
    assert_string_equal(out, want);
}

static void test_datetime(void **state)
{
    static const char *const bad[] = {
        "2021-03-04T25:00",      "2021-03-04T24:00",    "2021-03-04T10:60",
        "2021-03-04T10",         "2021-03-04T",         "2021-03-04T10:20+01",
        "2021-03-04T10:20:30.",  "2021-03-04  10:20",   "2021-03-04X10:20",
        "2021-02-30T10:00",      "2021-03-04T10:20:61", "2021-03-04T10:20Z+01:00",
        "2021-03-04T10:20+1:00", "2021-03-04Z",         "2021-03-04T10:20:30+01:00:00",
    };
    char out[20];

    (void)state;
    expect_datetime("2021-03-04", "2021-03-04T00:00:00");
    expect_datetime("2021-03-04 10:20", "2021-03-04T10:20:00");
    expect_datetime(" 2021-03-04T10:20:30 ", "2021-03-04T10:20:30");
    expect_datetime("2021-03-04T23:30:00+01:00", "2021-03-04T22:30:00");
    expect_datetime("2021-03-04T23:30:00-02:00", "2021-03-05T01:30:00");
    expect_datetime("2021-03-04T10:20:30.123Z", "2021-03-04T10:20:30");
    expect_datetime("2021-03-04t10:20z", "2021-03-04T10:20:00");
    expect_datetime("2021-03-01T00:30+0100", "2021-02-28T23:30:00");
    expect_datetime("2020-03-01T00:30+01:00", "2020-02-29T23:30:00");
    expect_datetime("2021-01-01T00:30:00+01:00", "2020-12-31T23:30:00");
    expect_datetime("2021-12-31T23:30:00-01:00", "2022-01-01T00:30:00");
    expect_datetime("2021-04-30T22:00-05:30", "2021-05-01T03:30:00");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (val_parse_datetime(bad[i], strlen(bad[i]), out) != KPM_EPARSE)
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_int_equal(val_parse_datetime(S("  "), out), KPM_EEMPTY);
}

static void test_datetime_orders_instants(void **state)
{
    char a[20], b[20];

    (void)state;
    /* 23:30 at +01:00 is 22:30 UTC: earlier than 22:45 UTC. */
    assert_int_equal(val_parse_datetime(S("2021-03-04T23:30:00+01:00"), a), KPM_OK);
    assert_int_equal(val_parse_datetime(S("2021-03-04T22:45:00Z"), b), KPM_OK);
    assert_true(strcmp(a, b) < 0);
    assert_int_equal(val_parse_datetime(S("2021-03-04"), a), KPM_OK);
    assert_int_equal(val_parse_datetime(S("2021-03-04T00:00:01"), b), KPM_OK);
    assert_true(strcmp(a, b) < 0);
}

static void test_sum_group(void **state)
{
    const bool all[6] = {true, true, true, true, true, true};
    const bool none[6] = {false, false, false, false, false, false};
    const bool some[6] = {true, true, false, true, true, true};
    const double exact[6] = {50, 20, 10, 10, 5, 5};
    const double over1[6] = {50, 20, 10, 10, 5, 6};
    const double under1[6] = {50, 20, 10, 10, 5, 4};
    const double over15[6] = {50, 20, 10, 10, 5, 6.5};
    const double under11[6] = {50, 20, 10, 10, 5, 3.9};
    const double thirds[6] = {33.3, 33.3, 33.4, 0, 0, 0};
    const double fifths[6] = {20.2, 20.2, 20.2, 20.2, 20.2, 0};

    (void)state;
    assert_int_equal(val_check_sum_group(exact, all, 6, 100, 1), KPM_OK);
    assert_int_equal(val_check_sum_group(over1, all, 6, 100, 1), KPM_OK);
    assert_int_equal(val_check_sum_group(under1, all, 6, 100, 1), KPM_OK);
    assert_int_equal(val_check_sum_group(fifths, all, 6, 100, 1), KPM_OK);
    assert_int_equal(val_check_sum_group(thirds, all, 6, 100, 0), KPM_OK);
    assert_int_equal(val_check_sum_group(over15, all, 6, 100, 1), KPM_ERANGE);
    assert_int_equal(val_check_sum_group(under11, all, 6, 100, 1), KPM_ERANGE);
    assert_int_equal(val_check_sum_group(exact, none, 6, 100, 1), KPM_EEMPTY);
    assert_int_equal(val_check_sum_group(exact, some, 6, 100, 1), KPM_EPARSE);
}

static void expect_utf8_bad(const char *s, size_t len, size_t want)
{
    size_t off = 12345;

    assert_false(val_utf8_valid(s, len, &off));
    assert_int_equal(off, want);
}

/* One character at a time, as the report's CSV and JSON writers use it: an
 * invalid byte (a Latin-1 export) is a 0 so it can be replaced, not copied. */
static void test_utf8_seq(void **state)
{
    (void)state;
    assert_int_equal(val_utf8_seq("a", 1), 1);
    assert_int_equal(val_utf8_seq("\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(val_utf8_seq("\xe2\x82\xac", 3), 3);     /* € */
    assert_int_equal(val_utf8_seq("\xf0\x9f\x98\x80", 4), 4); /* emoji */
    assert_int_equal(val_utf8_seq("\xe9t", 2), 0);            /* Latin-1 é */
    assert_int_equal(val_utf8_seq("\xc3", 1), 0);             /* cut short */
    assert_int_equal(val_utf8_seq("\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(val_utf8_seq("\xc0\x80", 2), 0);         /* overlong */
    assert_int_equal(val_utf8_seq("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
}

static void test_utf8(void **state)
{
    char long_ascii[200];

    (void)state;
    assert_true(val_utf8_valid(S("plain ascii"), NULL));
    assert_true(val_utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac Frysl\xc3\xa2n"), NULL));
    assert_true(val_utf8_valid(S("\xf0\x9f\x98\x80"), NULL)); /* U+1F600 */
    assert_true(val_utf8_valid(S("\xf4\x8f\xbf\xbf"), NULL)); /* U+10FFFF */
    assert_true(val_utf8_valid(S("\xed\x9f\xbf"), NULL));     /* U+D7FF */
    assert_true(val_utf8_valid(S("a\0b"), NULL));
    assert_true(val_utf8_valid(S(""), NULL));

    expect_utf8_bad(S("caf\xe9"), 3); /* Latin-1 */
    expect_utf8_bad(S("caf\xe9 ok"), 3);
    expect_utf8_bad(S("\xc0\x80"), 0);         /* overlong NUL */
    expect_utf8_bad(S("ab\xc1\xbf"), 2);       /* overlong */
    expect_utf8_bad(S("x\xe0\x80\x80"), 1);    /* overlong 3-byte */
    expect_utf8_bad(S("\xf0\x80\x80\x80"), 0); /* overlong 4-byte */
    expect_utf8_bad(S("ab\xed\xa0\x80"), 2);   /* surrogate U+D800 */
    expect_utf8_bad(S("\xf4\x90\x80\x80"), 0); /* U+110000 */
    expect_utf8_bad(S("\xf5\x80\x80\x80"), 0);
    expect_utf8_bad(S("ok\xe2\x82"), 2);  /* truncated at end */
    expect_utf8_bad(S("ok\xe2\x82x"), 2); /* truncated before ASCII */
    expect_utf8_bad(S("a\x80"), 1);       /* stray continuation */
    expect_utf8_bad(S("\xff"), 0);

    memset(long_ascii, 'a', sizeof(long_ascii));
    long_ascii[137] = (char)0xe9;
    expect_utf8_bad(long_ascii, sizeof(long_ascii), 137);
    long_ascii[137] = 'a';
    assert_true(val_utf8_valid(long_ascii, sizeof(long_ascii), NULL));
}

static void test_year_in_name(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int32_t want;
    } cases[] = {
        {"gemeenten_2021.csv", 2021},
        {"gemeenten-20230101.csv", 2023},
        {"gemeenten_202206.csv", 2022},
        {"gemeenten_cbs_2022-01-01.csv", 2022},
        {"gemeenten.csv", 0},
        {"gemeenten_v2_2024.csv", 2024},
        {"gemeenten_12345_2020.csv", 2020},
        {"gemeenten_1899.csv", 0},
        {"gemeenten_2101.csv", 0},
        {"gemeenten_2100.csv", 2100},
        {"gemeenten_2019-2021.csv", 2019},
        {"gemeenten_123.csv", 0},
        {"gemeenten_2021x2022.csv", 2021},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (val_year_in_name(cases[i].name) != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].name, (int)val_year_in_name(cases[i].name),
                     (int)cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_and_empty), cmocka_unit_test(test_trim_no_break_space),
        cmocka_unit_test(test_equals_ci),      cmocka_unit_test(test_int),
        cmocka_unit_test(test_decimal),        cmocka_unit_test(test_likert),
        cmocka_unit_test(test_choice),         cmocka_unit_test(test_gemeente),
        cmocka_unit_test(test_month),          cmocka_unit_test(test_date),
        cmocka_unit_test(test_datetime),       cmocka_unit_test(test_datetime_orders_instants),
        cmocka_unit_test(test_sum_group),      cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_utf8_seq),       cmocka_unit_test(test_year_in_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
