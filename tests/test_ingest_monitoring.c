/* test_ingest_monitoring.c - ingest_file() on small files of the monitoring kinds:
 * the records and rejects a data manager gets for the rules of docs/MONITORING.md
 * ("Validation") and the columns of the data contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest_harness.h"

#define X10 "abcdefghij"
#define ID65 "K" X10 X10 X10 X10 X10 X10 "abcd" /* a text key is at most 64 bytes */
#define X200 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define NAME201 X200 "k" /* a name is at most 200 bytes */

/* The pseudonym of the adviser "Jan de Vries" under the tests' key ih_key
 * (common/pseudonym.h; computed apart, with Python's hashlib.blake2b). It is
 * what the state keeps from night to night: another pseudonym would count an
 * adviser's earlier hours as someone else's. FNV_JAN is the unkeyed hash an
 * older kpm kept instead, which a list of names reverses. */
#define HASH_JAN "530ddd2ff858cf7e"
#define HASH_PIET "413bf8bf65e9846f"
#define FNV_JAN "51ff633aa10b8d56"

/* ------------------------------------------------------ the kinds as data */

typedef enum {
    R_KEY,     /* empty or invalid: the row is rejected */
    R_OPT,     /* invalid: the value is dropped, the row kept */
    R_OPT_KEY, /* may be empty; invalid: the row is rejected (middelen circulaire) */
} role_t;

typedef enum {
    H_REQUIRED, /* a file without the column is quarantined */
    H_OPTIONAL, /* the contract marks the column optional: it may be left out */
    H_UNSPEC,   /* the contract does not say; not tested */
} header_t;

typedef struct {
    const char *name;
    role_t role;
    header_t header;
    const char *valid;   /* a valid cell, as written in the file */
    const char *invalid; /* an invalid cell, as written in the file */
} mcol_t;

typedef struct {
    const char *kind;
    wire_rec_kind_t rec;
    const mcol_t *cols; /* in the kind's order (the order of the checks) */
    size_t n;
} mkind_t;

static const mcol_t gebruik_cols[] = {
    {"gemeente_code", R_KEY, H_REQUIRED, "363", "Utrecht"},
    {"periode", R_KEY, H_REQUIRED, "2021-03", "2021-13"},
    {"aanbieder_type", R_KEY, H_REQUIRED, "vrijwillig", "commercieel"},
    {"nieuwe_vragen", R_OPT, H_UNSPEC, "12", "12,5"},
    {"lopende_trajecten", R_OPT, H_UNSPEC, "3", "veel"},
    {"clienten_bereikt", R_OPT, H_UNSPEC, "7", "-3"},
};

static const mcol_t adviesinzet_cols[] = {
    {"koploper_id", R_KEY, H_REQUIRED, "KL001", ID65},
    {"datum", R_KEY, H_REQUIRED, "2021-03-02", "2021-02-29"},
    {"adviseur", R_KEY, H_REQUIRED, "Jan de Vries", "\"Jan\nde Vries\""},
    {"uren", R_KEY, H_REQUIRED, "7,5", "25"},
};

static const mcol_t bijeenkomsten_cols[] = {
    {"bijeenkomst_id", R_KEY, H_REQUIRED, "B2021-01", "B2021\t01"},
    {"gemeente_code", R_KEY, H_REQUIRED, "363", "GM12345"},
    {"type", R_KEY, H_REQUIRED, "masterclass", "webinar"},
    {"datum", R_KEY, H_REQUIRED, "2021-11-30", "30-11-2021"},
    {"deelnemers", R_KEY, H_REQUIRED, "35", "-1"},
};

static const mcol_t middelen_cols[] = {
    {"koploper_id", R_KEY, H_REQUIRED, "KL001", "\"KL\n001\""},
    {"jaar", R_KEY, H_REQUIRED, "2021", "2014"},
    {"circulaire", R_OPT_KEY, H_OPTIONAL, "mei", "juni"},
    {"toegekend_eur", R_KEY, H_REQUIRED, "12500,50", "12.500,50"},
};

static const mcol_t ervaring_cols[] = {
    {"gemeente_code", R_KEY, H_REQUIRED, "GM0599", "0"},
    {"jaar", R_KEY, H_REQUIRED, "2021", "2101"},
    {"respondenten", R_KEY, H_REQUIRED, "120", "12,5"},
    {"bekend_pct", R_KEY, H_REQUIRED, "63,5", "101"},
    {"tevreden_pct", R_OPT, H_OPTIONAL, "71,2", "-5"},
};

static const mcol_t voordrachten_cols[] = {
    {"voordracht_id", R_KEY, H_REQUIRED, "V2019-07", ID65},
    {"ingediend_op", R_KEY, H_REQUIRED, "2019-09-30", "2019-09-31"},
    {"gemeenten", R_KEY, H_REQUIRED, "GM0363|344", "GM0363,GM0344"},
    {"visie", R_KEY, H_REQUIRED, "ja", "j"},
    {"betrokkenheid", R_KEY, H_REQUIRED, "nee", "misschien"},
    {"innovatie", R_KEY, H_REQUIRED, "ja", "1"},
    {"ambitie", R_KEY, H_REQUIRED, "ja", "yes"},
    {"doelgroepen", R_KEY, H_REQUIRED, "nee", "neen"},
    {"clientorganisatie_betrokken", R_KEY, H_REQUIRED, "ja", "onbekend"},
};

static const mcol_t gemeenten_cols[] = {
    {"gemeente_code", R_KEY, H_REQUIRED, "599", "GM05999"},
    {"naam", R_KEY, H_REQUIRED, "Rotterdam", "Rotter\tdam"},
    {"provincie", R_KEY, H_REQUIRED, "Zuid-Holland", NAME201},
    {"inwoners", R_OPT, H_OPTIONAL, "651446", "0"},
};

#define KIND(name, rec, cols)                                                                      \
    {                                                                                              \
        name, rec, cols, sizeof cols / sizeof cols[0]                                              \
    }

static const mkind_t kinds[] = {
    KIND("gebruik", WIRE_REC_GEBRUIK, gebruik_cols),
    KIND("adviesinzet", WIRE_REC_ADVIESINZET, adviesinzet_cols),
    KIND("bijeenkomsten", WIRE_REC_BIJEENKOMST, bijeenkomsten_cols),
    KIND("middelen", WIRE_REC_MIDDELEN, middelen_cols),
    KIND("ervaring", WIRE_REC_ERVARING, ervaring_cols),
    KIND("voordrachten", WIRE_REC_VOORDRACHT, voordrachten_cols),
    KIND("gemeenten", WIRE_REC_GEMEENTE, gemeenten_cols),
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])
#define MAX_COLS 9

/* ---------------------------------------------------------------- helpers */

/* Writes a header and one row of a kind's columns (reversed: in the opposite of
 * the kind's order), leaving out column `omit` (-1: none), as the file `name`
 * (<kind>_<what>_<column>.csv) and ingests it. */
static void run_case(const mkind_t *k, const char *what, size_t col, int reversed, int omit,
                     const char *const *cells, char *name, size_t name_cap)
{
    char buf[2048];
    size_t o = 0;
    snprintf(name, name_cap, "%s_%s_%s.csv", k->kind, what, k->cols[col].name);
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        for (size_t j = 0; j < k->n; j++) {
            size_t c = reversed ? k->n - 1 - j : j;
            if ((int)c == omit) continue;
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", first ? "" : ";",
                                  pass == 0 ? k->cols[c].name : cells[c]);
            first = 0;
        }
        o += (size_t)snprintf(buf + o, sizeof buf - o, "\n");
    }
    assert_true(o < sizeof buf);
    assert_int_equal(run(name, buf, o), KPM_OK);
}

/* "regel 2 periode INVALID_VALUE, ..." for failure messages. */
static const char *rejects_seen(void)
{
    static char out[2048];
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < fx.n_recs && o < sizeof out; i++) {
        const wire_reject_t *r = &fx.recs[i].u.reject;
        if (fx.recs[i].kind != WIRE_REC_REJECT) continue;
        o += (size_t)snprintf(out + o, sizeof out - o, "%sregel %u %.*s %.*s", o ? ", " : "",
                              (unsigned)r->line, (int)r->column.len, r->column.ptr,
                              (int)r->code.len, r->code.ptr);
    }
    return o ? out : "no reject";
}

/* The one-row file gave exactly one reject, `code` at `column` of line 2 with a
 * message holding `says`, and kept (1) or rejected (0) its row. */
static void expect_one_reject(const char *file, const mkind_t *k, int kept, const char *column,
                              const char *code, const char *says)
{
    if (fx.res.dispo != DISPO_ARCHIVE || n_of(WIRE_REC_REJECT) != 1 || rej(0)->line != 2 ||
        !wire_str_eq(rej(0)->code, code) || !wire_str_eq(rej(0)->column, column))
        fail_msg("%s: expected one %s at %s on regel 2, got: %s", file, code, column,
                 rejects_seen());
    if (n_of(k->rec) != (size_t)kept)
        fail_msg("%s: %zu %s records, expected %d", file, n_of(k->rec), wire_rec_kind_name(k->rec),
                 kept);
    if (says && !wstr_contains(rej(0)->message, says))
        fail_msg("%s: the message '%.*s' does not say '%s'", file, (int)rej(0)->message.len,
                 rej(0)->message.ptr, says);
    expect_frame(file, k->kind, 1, (uint64_t)kept, (uint64_t)!kept);
}

/* The one-row file gave its record and no reject. */
static void expect_clean(const char *file, const mkind_t *k)
{
    if (fx.res.dispo != DISPO_ARCHIVE || n_of(WIRE_REC_REJECT) != 0 || n_of(k->rec) != 1)
        fail_msg("%s: expected one %s record and no reject, got %zu records and: %s", file,
                 wire_rec_kind_name(k->rec), n_of(k->rec), rejects_seen());
    expect_frame(file, k->kind, 1, 1, 0);
}

static void expect_real(double got, double want)
{
    if (got != want) fail_msg("%.17g != %.17g", got, want);
}

/* A value a message may quote as written: short, one line, not a person's name. */
static int quotable(const mcol_t *c)
{
    return strlen(c->invalid) <= 40 && !strpbrk(c->invalid, "\"\t\n") &&
           strcmp(c->name, "adviseur") != 0;
}

static int is_hash(wire_str_t s)
{
    if (s.len != 16) return 0;
    for (size_t i = 0; i < 16; i++)
        if (!strchr("0123456789abcdef", s.ptr[i])) return 0;
    return 1;
}

/* ------------------------------------------------- every kind, every column */

/* A key column left empty rejects the row with MISSING_VALUE, one reject even when
 * later columns are bad too; an empty optional column keeps the row silently. */
static void test_empty_key_rejects_row(void **state)
{
    (void)state;
    char file[128];
    for (size_t ki = 0; ki < N_KINDS; ki++) {
        const mkind_t *k = &kinds[ki];
        for (size_t c = 0; c < k->n; c++) {
            const char *cells[MAX_COLS];
            for (size_t j = 0; j < k->n; j++)
                cells[j] =
                    j > c && k->cols[c].role == R_KEY ? k->cols[j].invalid : k->cols[j].valid;
            cells[c] = "";
            run_case(k, "leeg", c, 1, -1, cells, file, sizeof file);
            if (k->cols[c].role == R_KEY)
                expect_one_reject(file, k, 0, k->cols[c].name, "MISSING_VALUE",
                                  "de regel is niet verwerkt");
            else
                expect_clean(file, k);
            cells[c] = " \t ";
            run_case(k, "spaties", c, 1, -1, cells, file, sizeof file);
            if (k->cols[c].role == R_KEY)
                expect_one_reject(file, k, 0, k->cols[c].name, "MISSING_VALUE", NULL);
            else
                expect_clean(file, k);
        }
    }
}

/* A row whose key columns from column c on are all invalid (and the optional ones
 * too) gets one INVALID_VALUE, at column c: the first failing column in the kind's
 * order, although the file has its columns the other way round. */
static void test_invalid_key_rejects_row_at_first_column(void **state)
{
    (void)state;
    char file[128], quoted[128];
    for (size_t ki = 0; ki < N_KINDS; ki++) {
        const mkind_t *k = &kinds[ki];
        for (size_t c = 0; c < k->n; c++) {
            if (k->cols[c].role == R_OPT) continue;
            const char *cells[MAX_COLS];
            for (size_t j = 0; j < k->n; j++)
                cells[j] = j < c ? k->cols[j].valid : k->cols[j].invalid;
            run_case(k, "ongeldig", c, 1, -1, cells, file, sizeof file);
            expect_one_reject(file, k, 0, k->cols[c].name, "INVALID_VALUE",
                              "de regel is niet verwerkt");
            if (quotable(&k->cols[c])) { /* the data manager sees what was wrong */
                snprintf(quoted, sizeof quoted, "'%s'", k->cols[c].invalid);
                if (!wstr_contains(rej(0)->message, quoted))
                    fail_msg("%s: the message '%.*s' does not quote %s", file,
                             (int)rej(0)->message.len, rej(0)->message.ptr, quoted);
            }
        }
    }
}

/* An invalid optional value is dropped with a reject; the row goes on. */
static void test_invalid_optional_value_dropped(void **state)
{
    (void)state;
    char file[128];
    size_t tested = 0;
    for (size_t ki = 0; ki < N_KINDS; ki++) {
        const mkind_t *k = &kinds[ki];
        for (size_t c = 0; c < k->n; c++) {
            if (k->cols[c].role != R_OPT) continue;
            const char *cells[MAX_COLS];
            for (size_t j = 0; j < k->n; j++)
                cells[j] = k->cols[j].valid;
            cells[c] = k->cols[c].invalid;
            run_case(k, "optioneel", c, 1, -1, cells, file, sizeof file);
            expect_one_reject(file, k, 1, k->cols[c].name, "INVALID_VALUE",
                              "de waarde is weggelaten");
            tested++;
        }
    }
    assert_int_equal(tested, 5); /* gebruik's three counts, tevreden_pct, inwoners */
}

/* A file without a required column is quarantined, naming the column. */
static void test_missing_required_column(void **state)
{
    (void)state;
    char file[128];
    for (size_t ki = 0; ki < N_KINDS; ki++) {
        const mkind_t *k = &kinds[ki];
        const char *cells[MAX_COLS];
        for (size_t j = 0; j < k->n; j++)
            cells[j] = k->cols[j].valid;
        for (size_t c = 0; c < k->n; c++) {
            if (k->cols[c].header != H_REQUIRED) continue;
            run_case(k, "zonder", c, 0, (int)c, cells, file, sizeof file);
            if (fx.res.dispo != DISPO_QUARANTINE)
                fail_msg("%s: not quarantined (%s)", file, rejects_seen());
            expect_quarantine(file, 1, k->cols[c].name, "MISSING_COLUMN");
        }
    }
    /* Two missing: the first in the kind's order is named. */
    RUN("adviesinzet_twee.csv", "uren;koploper_id\n8;KL001\n");
    expect_quarantine("adviesinzet_twee.csv", 1, "datum", "MISSING_COLUMN");
    RUN("voordrachten_twee.csv", "voordracht_id;gemeenten;ingediend_op;visie;betrokkenheid;"
                                 "ambitie\nV1;363;2019-09-30;ja;ja;ja\n");
    expect_quarantine("voordrachten_twee.csv", 1, "innovatie", "MISSING_COLUMN");
}

/* A column the contract marks optional (middelen circulaire, ervaring tevreden_pct,
 * gemeenten inwoners) may be left out of the file: its rows go on without it. */
static void test_optional_column_may_be_left_out(void **state)
{
    (void)state;
    char file[128];
    size_t tested = 0;
    for (size_t ki = 0; ki < N_KINDS; ki++) {
        const mkind_t *k = &kinds[ki];
        const char *cells[MAX_COLS];
        for (size_t j = 0; j < k->n; j++)
            cells[j] = k->cols[j].valid;
        for (size_t c = 0; c < k->n; c++) {
            if (k->cols[c].header != H_OPTIONAL) continue;
            run_case(k, "zonder", c, 0, (int)c, cells, file, sizeof file);
            expect_clean(file, k);
            tested++;
        }
    }
    assert_int_equal(tested, 3);
}

/* ---------------------------------------------------------------- gebruik */

#define GEBRUIK_HDR                                                                                \
    "gemeente_code;periode;aanbieder_type;nieuwe_vragen;lopende_trajecten;"                        \
    "clienten_bereikt\n"

static void expect_gebruik(size_t i, const char *gm, int32_t periode, const char *type,
                           int64_t nieuw, int64_t lopend, int64_t bereikt)
{
    const wire_gebruik_t *g = &nth(WIRE_REC_GEBRUIK, i)->u.gebruik;
    assert_wstr(g->gemeente, gm);
    assert_int_equal(g->periode, periode);
    assert_wstr(g->aanbieder_type, type);
    assert_int_equal(g->nieuwe_vragen, nieuw);
    assert_int_equal(g->lopende_trajecten, lopend);
    assert_int_equal(g->clienten_bereikt, bereikt);
}

static void test_gebruik_records(void **state)
{
    (void)state;
    RUN("gebruik_2021.csv", GEBRUIK_HDR "363;2021-03;Vrijwillig;12;;7\n"
                                        "gm14;2020-12; professioneel ;0;3;0\n"
                                        "GM0599;2021-01;informeel;;;\n"
                                        "0344;2021-02;vrijwillig;12,5;veel;-3\n"
                                        "363;1899-12;vrijwillig;1;1;1\n"
                                        "363;2100-12;vrijwillig;1;1;1\n");
    expect_frame("gebruik_2021.csv", "gebruik", 6, 5, 1);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 5);
    expect_gebruik(0, "GM0363", 202103, "vrijwillig", 12, -1, 7);
    expect_gebruik(1, "GM0014", 202012, "professioneel", 0, 3, 0); /* 0 is not empty */
    expect_gebruik(2, "GM0599", 202101, "informeel", -1, -1, -1);
    expect_gebruik(3, "GM0344", 202102, "vrijwillig", -1, -1, -1); /* dropped, row kept */
    expect_gebruik(4, "GM0363", 210012, "vrijwillig", 1, 1, 1);
    assert_int_equal(n_of(WIRE_REC_REJECT), 4);
    expect_reject(0, 5, "nieuwe_vragen", "INVALID_VALUE");
    expect_reject(1, 5, "lopende_trajecten", "INVALID_VALUE");
    expect_reject(2, 5, "clienten_bereikt", "INVALID_VALUE");
    expect_reject(3, 6, "periode", "INVALID_VALUE"); /* before 1900 */
    assert_true(wstr_contains(rej(3)->message, "'1899-12'"));
}

/* A provider correcting a month in the same file: both rows go on, the later one
 * last, so that it replaces the earlier; no DUPLICATE_KEY. */
static void test_gebruik_repeated_key_later_row_wins(void **state)
{
    (void)state;
    RUN("gebruik_2021-03.csv", GEBRUIK_HDR "363;2021-03;vrijwillig;10;2;5\n"
                                           "GM0363;2021-03;Vrijwillig;11;;6\n");
    expect_frame("gebruik_2021-03.csv", "gebruik", 2, 2, 0);
    assert_int_equal(n_of(WIRE_REC_REJECT), 0);
    assert_int_equal(n_of(WIRE_REC_GEBRUIK), 2);
    expect_gebruik(0, "GM0363", 202103, "vrijwillig", 10, 2, 5);
    expect_gebruik(1, "GM0363", 202103, "vrijwillig", 11, -1, 6);
}

/* ------------------------------------------------------------ adviesinzet */

#define ADVIES_HDR "koploper_id;datum;adviseur;uren\n"

static void test_adviesinzet_records(void **state)
{
    (void)state;
    RUN("adviesinzet_2021.csv", ADVIES_HDR "KL001;2021-03-02;Jan de Vries;7,5\n"
                                           "KL001;2021-03-02;Piet Bakker;0.5\n"
                                           "KL002;2020-02-29; jan de vries ;24\n");
    expect_frame("adviesinzet_2021.csv", "adviesinzet", 3, 3, 0);
    assert_int_equal(n_of(WIRE_REC_ADVIESINZET), 3);
    static const struct {
        const char *kl;
        int32_t datum;
        const char *hash;
        double uren;
    } want[] = {{"KL001", 20210302, HASH_JAN, 7.5},
                {"KL001", 20210302, HASH_PIET, 0.5},
                {"KL002", 20200229, HASH_JAN, 24}};
    for (size_t i = 0; i < 3; i++) {
        const wire_adviesinzet_t *a = &nth(WIRE_REC_ADVIESINZET, i)->u.adviesinzet;
        assert_wstr(a->koploper_id, want[i].kl);
        assert_int_equal(a->datum, want[i].datum);
        assert_wstr(a->adviseur, want[i].hash);
        expect_real(a->uren, want[i].uren);
        assert_wstr(a->file, "adviesinzet_2021.csv");
        assert_int_equal(a->line, i + 2);
    }
    assert_int_equal(fx.res.has_pii, 1);
}

/* uren: above 0, at most 24. */
static void test_adviesinzet_uren(void **state)
{
    (void)state;
    RUN("adviesinzet_uren.csv", ADVIES_HDR "KL001;2021-03-01;Jan;0\n"
                                           "KL001;2021-03-02;Jan;25\n"
                                           "KL001;2021-03-03;Jan;0,5\n"
                                           "KL001;2021-03-04;Jan;24\n"
                                           "KL001;2021-03-05;Jan;24,01\n"
                                           "KL001;2021-03-06;Jan;-2\n"
                                           "KL001;2021-03-07;Jan;acht\n"
                                           "KL001;2021-03-08;Jan;\n"
                                           "KL001;2021-03-09;Jan;1.25\n");
    expect_frame("adviesinzet_uren.csv", "adviesinzet", 9, 3, 6);
    assert_int_equal(n_of(WIRE_REC_ADVIESINZET), 3);
    expect_real(nth(WIRE_REC_ADVIESINZET, 0)->u.adviesinzet.uren, 0.5);
    assert_int_equal(nth(WIRE_REC_ADVIESINZET, 0)->u.adviesinzet.datum, 20210303);
    expect_real(nth(WIRE_REC_ADVIESINZET, 1)->u.adviesinzet.uren, 24);
    expect_real(nth(WIRE_REC_ADVIESINZET, 2)->u.adviesinzet.uren, 1.25);
    assert_int_equal(n_of(WIRE_REC_REJECT), 6);
    expect_reject(0, 2, "uren", "INVALID_VALUE");
    assert_true(wstr_contains(rej(0)->message, "'0'"));
    expect_reject(1, 3, "uren", "INVALID_VALUE");
    assert_true(wstr_contains(rej(1)->message, "'25'"));
    expect_reject(2, 6, "uren", "INVALID_VALUE");
    expect_reject(3, 7, "uren", "INVALID_VALUE");
    expect_reject(4, 8, "uren", "INVALID_VALUE");
    expect_reject(5, 9, "uren", "MISSING_VALUE");
}

/* The adviser's name is replaced by its pseudonym: the same for any case and spacing,
 * and no byte of any message (record or reject) holds the name. */
static void test_adviser_name_never_passed_on(void **state)
{
    (void)state;
    RUN("adviesinzet_namen.csv", ADVIES_HDR "KL001;2021-03-02;Jan de Vries;4\n"
                                            "KL001;2021-03-03; jan de vries ;3\n"
                                            "KL001;2021-03-04;JAN DE VRIES;2\n"
                                            "KL001;2021-03-02;Piet Bakker;1\n"
                                            "KL001;2021-03-02;\"Jan de Vries\nkamer 3\";1\n"
                                            "KL001;2021-03-02;jan de vries;5\n"
                                            "KL001;2021-03-05;Jan de Vries;0\n");
    expect_frame("adviesinzet_namen.csv", "adviesinzet", 7, 4, 3);
    assert_int_equal(fx.res.has_pii, 1);
    for (size_t i = 0; i < 4; i++)
        assert_true(is_hash(nth(WIRE_REC_ADVIESINZET, i)->u.adviesinzet.adviseur));
    for (size_t i = 0; i < 3; i++)
        assert_wstr(nth(WIRE_REC_ADVIESINZET, i)->u.adviesinzet.adviseur, HASH_JAN);
    assert_wstr(nth(WIRE_REC_ADVIESINZET, 3)->u.adviesinzet.adviseur, HASH_PIET);
    assert_int_equal(n_of(WIRE_REC_REJECT), 3);
    expect_reject(0, 6, "adviseur", "INVALID_VALUE");
    assert_true(wstr_contains(rej(0)->message, "'(naam)'"));
    expect_reject(1, 8, "", "DUPLICATE_KEY"); /* the same adviser, day and koploper */
    assert_true(wstr_contains(rej(1)->message, "regel 2"));
    /* the key is quoted with "(naam)" for the adviser: no pseudonym in rejects.csv */
    assert_true(wstr_contains(rej(1)->message, "sleutel KL001|20210302|(naam) komt"));
    assert_false(wstr_contains(rej(1)->message, HASH_JAN));
    expect_reject(2, 9, "uren", "INVALID_VALUE");
    static const char *const parts[] = {"Jan de Vries", "jan de vries", "JAN DE VRIES",
                                        "Vries",        "vries",        "VRIES",
                                        "Piet",         "Bakker",       "kamer 3"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (msgs_contain(parts[i])) fail_msg("'%s' was passed on", parts[i]);
    assert_false(msgs_contain(FNV_JAN));

    /* Under another column order, and in a quarantined file, too. */
    RUN("adviesinzet_b.csv", "adviseur;uren;datum;koploper_id\nJan de Vries;3;2021-13-01;KL001\n");
    expect_frame("adviesinzet_b.csv", "adviesinzet", 1, 0, 1);
    expect_reject(0, 2, "datum", "INVALID_VALUE");
    assert_false(msgs_contain("Vries"));
    RUN("adviesinzet_c.csv", "adviseur;datum;koploper_id\nJan de Vries;2021-03-01;KL001\n");
    expect_quarantine("adviesinzet_c.csv", 1, "uren", "MISSING_COLUMN");
    assert_false(msgs_contain("Vries"));
}

/* ---------------------------------------------------------- bijeenkomsten */

static void test_bijeenkomsten_records(void **state)
{
    (void)state;
    RUN("bijeenkomsten_2021.csv", "bijeenkomst_id;gemeente_code;type;datum;deelnemers\n"
                                  "B2021-01;363;Masterclass;2021-11-30;35\n"
                                  "B2021-01;0344;masterclass;2021-11-30;0\n"
                                  "B2021-02;GM0599; REGIO ;2020-02-29;12\n");
    expect_frame("bijeenkomsten_2021.csv", "bijeenkomsten", 3, 3, 0);
    assert_int_equal(n_of(WIRE_REC_BIJEENKOMST), 3);
    static const struct {
        const char *id, *gm, *type;
        int32_t datum;
        int64_t deelnemers;
    } want[] = {{"B2021-01", "GM0363", "masterclass", 20211130, 35},
                {"B2021-01", "GM0344", "masterclass", 20211130, 0},
                {"B2021-02", "GM0599", "regio", 20200229, 12}};
    for (size_t i = 0; i < 3; i++) {
        const wire_bijeenkomst_t *b = &nth(WIRE_REC_BIJEENKOMST, i)->u.bijeenkomst;
        assert_wstr(b->bijeenkomst_id, want[i].id);
        assert_wstr(b->gemeente, want[i].gm);
        assert_wstr(b->type, want[i].type);
        assert_int_equal(b->datum, want[i].datum);
        assert_int_equal(b->deelnemers, want[i].deelnemers);
        assert_wstr(b->file, "bijeenkomsten_2021.csv");
        assert_int_equal(b->line, i + 2);
    }
    /* Every type of the list, and none other. */
    RUN("bijeenkomsten_typen.csv",
        "bijeenkomst_id;gemeente_code;type;datum;deelnemers\n"
        "B1;363;masterclass;2021-01-01;1\nB2;363;thema;2021-01-01;1\n"
        "B3;363;congres;2021-01-01;1\nB4;363;projectleiders;2021-01-01;1\n"
        "B5;363;intervisie;2021-01-01;1\nB6;363;regio;2021-01-01;1\n"
        "B7;363;webinar;2021-01-01;1\n");
    expect_frame("bijeenkomsten_typen.csv", "bijeenkomsten", 7, 6, 1);
    expect_reject(0, 8, "type", "INVALID_VALUE");
}

/* --------------------------------------------------------------- middelen */

static void test_middelen_records(void **state)
{
    (void)state;
    RUN("middelen_2021.csv", "koploper_id;jaar;toegekend_eur;circulaire\n"
                             "KL001;2021;12500,50;Mei\n"
                             "KL001;2021;7500;september\n"
                             "KL002;2020;0;\n"
                             "KL003;2021;100;juni\n"
                             "KL003;2021;-1;mei\n"
                             "KL004;2015;1000000000000;mei\n");
    expect_frame("middelen_2021.csv", "middelen", 6, 4, 2);
    assert_int_equal(n_of(WIRE_REC_MIDDELEN), 4);
    static const struct {
        const char *kl;
        int32_t jaar;
        double eur;
        const char *circulaire;
        uint32_t line;
    } want[] = {{"KL001", 2021, 12500.5, "mei", 2},
                {"KL001", 2021, 7500, "september", 3},
                {"KL002", 2020, 0, "", 4},
                {"KL004", 2015, 1e12, "mei", 7}};
    for (size_t i = 0; i < 4; i++) {
        const wire_middelen_t *m = &nth(WIRE_REC_MIDDELEN, i)->u.middelen;
        assert_wstr(m->koploper_id, want[i].kl);
        assert_int_equal(m->jaar, want[i].jaar);
        expect_real(m->toegekend_eur, want[i].eur);
        assert_wstr(m->circulaire, want[i].circulaire);
        assert_wstr(m->file, "middelen_2021.csv");
        assert_int_equal(m->line, want[i].line);
    }
    /* circulaire is part of the key: an invalid one rejects the row instead of
     * merging it into the budget without circulaire. */
    assert_int_equal(n_of(WIRE_REC_REJECT), 2);
    expect_reject(0, 5, "circulaire", "INVALID_VALUE");
    assert_true(wstr_contains(rej(0)->message, "'juni'"));
    assert_true(wstr_contains(rej(0)->message, "de regel is niet verwerkt"));
    expect_reject(1, 6, "toegekend_eur", "INVALID_VALUE");
}

/* --------------------------------------------------------------- ervaring */

static void test_ervaring_records(void **state)
{
    (void)state;
    RUN("ervaring_2021.csv", "gemeente_code;jaar;respondenten;bekend_pct;tevreden_pct\n"
                             "363;2021;120;63,5;71.2\n"
                             "GM0599;2015;0;0;\n"
                             "344;2022;80;100;101\n"
                             "14;2021;80;100,5;50\n");
    expect_frame("ervaring_2021.csv", "ervaring", 4, 3, 1);
    assert_int_equal(n_of(WIRE_REC_ERVARING), 3);
    static const struct {
        const char *gm;
        int32_t jaar;
        int64_t resp;
        double bekend, tevreden;
    } want[] = {{"GM0363", 2021, 120, 63.5, 71.2},
                {"GM0599", 2015, 0, 0, -1},
                {"GM0344", 2022, 80, 100, -1}};
    for (size_t i = 0; i < 3; i++) {
        const wire_ervaring_t *e = &nth(WIRE_REC_ERVARING, i)->u.ervaring;
        assert_wstr(e->gemeente, want[i].gm);
        assert_int_equal(e->jaar, want[i].jaar);
        assert_int_equal(e->respondenten, want[i].resp);
        expect_real(e->bekend_pct, want[i].bekend);
        expect_real(e->tevreden_pct, want[i].tevreden);
        assert_wstr(e->file, "ervaring_2021.csv");
        assert_int_equal(e->line, i + 2);
    }
    assert_int_equal(n_of(WIRE_REC_REJECT), 2);
    expect_reject(0, 4, "tevreden_pct", "INVALID_VALUE"); /* dropped, row kept */
    assert_true(wstr_contains(rej(0)->message, "de waarde is weggelaten"));
    expect_reject(1, 5, "bekend_pct", "INVALID_VALUE");
}

/* ----------------------------------------------------------- voordrachten */

#define VD_HDR                                                                                     \
    "voordracht_id;ingediend_op;gemeenten;visie;betrokkenheid;innovatie;ambitie;"                  \
    "doelgroepen;clientorganisatie_betrokken\n"

static void test_voordrachten_records(void **state)
{
    (void)state;
    RUN("voordrachten_2019.csv",
        VD_HDR "V2019-07;2019-09-30;GM0363|344| gm0599 ;ja;nee;JA;ja;nee;ja\n"
               "V2019-08;2019-10-01;363;nee;nee;nee;nee;nee;nee\n"
               "V2019-09;2019-10-01;363;ja;ja;ja;ja;ja; Nee \n"
               "V2019-10;2019-10-01;363||344;ja;ja;ja;ja;ja;ja\n");
    expect_frame("voordrachten_2019.csv", "voordrachten", 4, 3, 1);
    assert_int_equal(n_of(WIRE_REC_VOORDRACHT), 3);
    const wire_voordracht_t *v = &nth(WIRE_REC_VOORDRACHT, 0)->u.voordracht;
    assert_wstr(v->voordracht_id, "V2019-07");
    assert_int_equal(v->ingediend_op, 20190930);
    assert_int_equal(v->n_gemeenten, 3);
    assert_wstr(v->gemeenten[0], "GM0363");
    assert_wstr(v->gemeenten[1], "GM0344");
    assert_wstr(v->gemeenten[2], "GM0599");
    assert_int_equal(v->criteria, WIRE_CRIT_VISIE | WIRE_CRIT_INNOVATIE | WIRE_CRIT_AMBITIE);
    assert_int_equal(v->clientorganisatie, 1);
    assert_wstr(v->file, "voordrachten_2019.csv");
    v = &nth(WIRE_REC_VOORDRACHT, 1)->u.voordracht;
    assert_int_equal(v->n_gemeenten, 1);
    assert_wstr(v->gemeenten[0], "GM0363");
    assert_int_equal(v->criteria, 0);
    assert_int_equal(v->clientorganisatie, 0);
    v = &nth(WIRE_REC_VOORDRACHT, 2)->u.voordracht;
    assert_int_equal(v->criteria, 31);
    assert_int_equal(v->clientorganisatie, 0);
    expect_reject(0, 5, "gemeenten", "INVALID_VALUE"); /* an empty code in the list */
}

/* Each criterion column sets its own bit (and only that one). */
static void test_voordrachten_criteria_bits(void **state)
{
    (void)state;
    RUN("voordrachten_bits.csv", VD_HDR "V1;2019-10-01;363;ja;nee;nee;nee;nee;ja\n"
                                        "V2;2019-10-01;363;nee;Ja;nee;nee;nee;nee\n"
                                        "V3;2019-10-01;363;nee;nee;ja;nee;nee;ja\n"
                                        "V4;2019-10-01;363;nee;nee;nee;JA;nee;nee\n"
                                        "V5;2019-10-01;363;nee;nee;nee;nee; ja ;ja\n");
    expect_frame("voordrachten_bits.csv", "voordrachten", 5, 5, 0);
    static const uint32_t bit[] = {WIRE_CRIT_VISIE, WIRE_CRIT_BETROKKENHEID, WIRE_CRIT_INNOVATIE,
                                   WIRE_CRIT_AMBITIE, WIRE_CRIT_DOELGROEPEN};
    for (size_t i = 0; i < 5; i++) {
        const wire_voordracht_t *v = &nth(WIRE_REC_VOORDRACHT, i)->u.voordracht;
        assert_int_equal(v->criteria, bit[i]);
        assert_int_equal(v->clientorganisatie, i % 2 == 0);
    }
}

/* -------------------------------------------------------------- gemeenten */

static void test_gemeenten_records(void **state)
{
    (void)state;
    RUN("gemeenten_2021.csv", "gemeente_code;naam;provincie;inwoners\n"
                              "599;Rotterdam;Zuid-Holland;651446\n"
                              "GM0014;Groningen;Groningen;\n"
                              "1900;S\xc3\xba"
                              "dwest-Frysl\xc3\xa2n;Frysl\xc3\xa2n;90000\n"
                              "344;Utrecht;Utrecht;0\n"
                              "363;" NAME201 ";Noord-Holland;1\n");
    expect_frame("gemeenten_2021.csv", "gemeenten", 5, 4, 1);
    assert_int_equal(n_of(WIRE_REC_GEMEENTE), 4);
    static const struct {
        const char *gm, *naam, *provincie;
        int64_t inwoners;
    } want[] = {{"GM0599", "Rotterdam", "Zuid-Holland", 651446},
                {"GM0014", "Groningen", "Groningen", -1},
                {"GM1900",
                 "S\xc3\xba"
                 "dwest-Frysl\xc3\xa2n",
                 "Frysl\xc3\xa2n", 90000},
                {"GM0344", "Utrecht", "Utrecht", -1}};
    for (size_t i = 0; i < 4; i++) {
        const wire_gemeente_t *g = &nth(WIRE_REC_GEMEENTE, i)->u.gemeente;
        assert_wstr(g->gemeente, want[i].gm);
        assert_wstr(g->naam, want[i].naam);
        assert_wstr(g->provincie, want[i].provincie);
        assert_int_equal(g->inwoners, want[i].inwoners);
        assert_int_equal(g->jaar, 2021); /* from the file's name */
    }
    assert_int_equal(n_of(WIRE_REC_REJECT), 2);
    expect_reject(0, 5, "inwoners", "INVALID_VALUE"); /* 0 inhabitants: dropped */
    expect_reject(1, 6, "naam", "INVALID_VALUE");     /* 201 bytes */
}

/* ---------------------------------------------------------- repeated keys */

/* A second row with the same key (after normalisation) in one file is rejected
 * as DUPLICATE_KEY pointing at the first; the first row's values stay. */
static void test_duplicate_key(void **state)
{
    (void)state;
    RUN("adviesinzet_d.csv", ADVIES_HDR "KL001;2021-03-02;Jan de Vries;4\n"
                                        "KL001;2021-03-02;Piet Bakker;4\n"
                                        "KL001;2021-03-03;Jan de Vries;2\n"
                                        "KL002;2021-03-02;Jan de Vries;1\n"
                                        "KL001;2021-03-02; JAN DE VRIES ;3\n");
    expect_frame("adviesinzet_d.csv", "adviesinzet", 5, 4, 1);
    expect_reject(0, 6, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    expect_real(nth(WIRE_REC_ADVIESINZET, 0)->u.adviesinzet.uren, 4);

    RUN("bijeenkomsten_d.csv", "bijeenkomst_id;gemeente_code;type;datum;deelnemers\n"
                               "B1;363;thema;2021-05-01;10\n"
                               "B1;344;thema;2021-05-01;8\n"
                               "B2;363;thema;2021-05-01;3\n"
                               "B1;GM0363;regio;2021-06-01;12\n");
    expect_frame("bijeenkomsten_d.csv", "bijeenkomsten", 4, 3, 1);
    expect_reject(0, 5, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    assert_int_equal(nth(WIRE_REC_BIJEENKOMST, 0)->u.bijeenkomst.deelnemers, 10);

    RUN("middelen_d.csv", "koploper_id;jaar;circulaire;toegekend_eur\n"
                          "KL001;2021;mei;1000\n"
                          "KL001;2021;september;500\n"
                          "KL001;2021;;250\n"
                          "KL001;2022;mei;100\n"
                          "KL001;2021;Mei;999\n"
                          "KL001;2021; ;1\n");
    expect_frame("middelen_d.csv", "middelen", 6, 4, 2);
    expect_reject(0, 6, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    expect_reject(1, 7, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(1)->message, "regel 4"));
    expect_real(nth(WIRE_REC_MIDDELEN, 0)->u.middelen.toegekend_eur, 1000);
    expect_real(nth(WIRE_REC_MIDDELEN, 2)->u.middelen.toegekend_eur, 250);

    RUN("ervaring_d.csv", "gemeente_code;jaar;respondenten;bekend_pct\n"
                          "363;2021;10;50\n"
                          "363;2022;10;60\n"
                          "344;2021;10;70\n"
                          "GM0363;2021;20;80\n");
    expect_frame("ervaring_d.csv", "ervaring", 4, 3, 1);
    expect_reject(0, 5, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    expect_real(nth(WIRE_REC_ERVARING, 0)->u.ervaring.bekend_pct, 50);

    RUN("voordrachten_d.csv", VD_HDR "V1;2019-10-01;363;ja;ja;ja;nee;nee;ja\n"
                                     "V2;2019-10-01;363;ja;ja;ja;nee;nee;ja\n"
                                     " V1 ;2019-10-02;344;nee;nee;nee;nee;nee;nee\n");
    expect_frame("voordrachten_d.csv", "voordrachten", 3, 2, 1);
    expect_reject(0, 4, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    assert_int_equal(nth(WIRE_REC_VOORDRACHT, 0)->u.voordracht.criteria, 7);

    RUN("gemeenten_d.csv", "gemeente_code;naam;provincie;inwoners\n"
                           "363;Amsterdam;Noord-Holland;921402\n"
                           "344;Utrecht;Utrecht;361924\n"
                           "0363;Amsterdam;Noord-Holland;1\n");
    expect_frame("gemeenten_d.csv", "gemeenten", 3, 2, 1);
    expect_reject(0, 4, "", "DUPLICATE_KEY");
    assert_true(wstr_contains(rej(0)->message, "regel 2"));
    assert_int_equal(nth(WIRE_REC_GEMEENTE, 0)->u.gemeente.inwoners, 921402);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_key_rejects_row),
        cmocka_unit_test(test_invalid_key_rejects_row_at_first_column),
        cmocka_unit_test(test_invalid_optional_value_dropped),
        cmocka_unit_test(test_missing_required_column),
        cmocka_unit_test(test_optional_column_may_be_left_out),
        cmocka_unit_test(test_gebruik_records),
        cmocka_unit_test(test_gebruik_repeated_key_later_row_wins),
        cmocka_unit_test(test_adviesinzet_records),
        cmocka_unit_test(test_adviesinzet_uren),
        cmocka_unit_test(test_adviser_name_never_passed_on),
        cmocka_unit_test(test_bijeenkomsten_records),
        cmocka_unit_test(test_middelen_records),
        cmocka_unit_test(test_ervaring_records),
        cmocka_unit_test(test_voordrachten_records),
        cmocka_unit_test(test_voordrachten_criteria_bits),
        cmocka_unit_test(test_gemeenten_records),
        cmocka_unit_test(test_duplicate_key),
    };
    return cmocka_run_group_tests(tests, ih_setup, ih_teardown);
}
