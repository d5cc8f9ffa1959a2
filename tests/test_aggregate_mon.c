/* test_aggregate_mon.c - the monitoring tables of tables_emit() on states built
 * with state_apply: the figures, orders, empty cells and notices a reader of
 * the dashboard sees (docs/MONITORING.md, "Output tables"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "agg_build.h"
#include "oproepen.h"
#include "batcher.h"
#include "kpm_err.h"
#include "state.h"
#include "tables.h"

static struct {
    catalog_t *cat;
    agg_state_t *s;
    ab_sink_t out;
} fx;

static int setup(void **state)
{
    (void)state;
    fx.s = state_new(fx.cat);
    return fx.s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ab_sink_clear(&fx.out);
    state_destroy(&fx.s);
    return 0;
}

static void emit_worker(const agg_state_t *s, ab_sink_t *out, double uren_per_dag,
                        int dagen_toegekend, unsigned worker, uint64_t want_tables)
{
    tables_opts_t o = {.min_cell = 5,
                       .uren_per_dag = uren_per_dag,
                       .dagen_toegekend = dagen_toegekend,
                       .worker = worker};
    ab_emit(s, &o, out, want_tables);
}

static void emit_with(const agg_state_t *s, ab_sink_t *out, double uren_per_dag,
                      int dagen_toegekend)
{
    emit_worker(s, out, uren_per_dag, dagen_toegekend, 0, AB_TABLES);
}

/* tables_emit with the default options. */
static void emit(void)
{
    emit_with(fx.s, &fx.out, TABLES_UREN_PER_DAG, TABLES_DAGEN_TOEGEKEND);
}

static const char *rows(const char *table)
{
    ab_table_t t = ab_table(&fx.out, table);
    return ab_rows_text(&t);
}

static void registr(const char *file)
{
    ab_file(fx.s, file, "koplopers");
}

/* ------------------------------------------------------ order and columns */

static void test_tables_and_columns(void **state)
{
    (void)state;
    emit();
    static const char *const order[] = {"respons",
                                        "respons_tranche",
                                        "likert",
                                        "keuze",
                                        "besteding",
                                        "open_antwoorden",
                                        "rejects",
                                        "gebruik",
                                        "gebruik_jaar",
                                        "adviesinzet",
                                        "bijeenkomsten",
                                        "middelen",
                                        "ervaring",
                                        "voordrachten",
                                        "gemeente",
                                        "gemeente_inwoners",
                                        "koploper",
                                        "koploper_gemeente",
                                        "gebruik_gemeente",
                                        "gebruik_koploper",
                                        "gebruik_gemeente_nu",
                                        "tevredenheid",
                                        "vergelijking",
                                        "vragen",
                                        "antwoorden",
                                        "instellingen",
                                        "programma",
                                        "programma_uitvraag",
                                        "oproepen",
                                        "aantallen",
                                        "middelen_jaar"};
    size_t n = 0;
    for (size_t i = 0; i < fx.out.n_recs; i++)
        if (fx.out.recs[i].kind == WIRE_REC_TABLE_BEGIN) {
            assert_true(n < AB_TABLES);
            assert_wstr(fx.out.recs[i].u.table_begin.name, order[n]);
            n++;
        }
    assert_int_equal(n, AB_TABLES);

    static const char *const cols[][2] = {
        {"gebruik", "gemeente_code:text,periode:month,aanbieder_type:text,nieuwe_vragen:int,"
                    "lopende_trajecten:int,clienten_bereikt:int"},
        {"gebruik_jaar", "jaar:int,eenheid:text,id:text,koploper:text,nieuwe_vragen:int,"
                         "clienten_bereikt:int,clienten_per_1000_inwoners:dec1,_inwoners:int"},
        {"adviesinzet", "koploper_id:text,tranche:int,uren:dec1,dagen:dec1,dagen_toegekend:dec1,"
                        "dagen_pct:pct1"},
        {"bijeenkomsten", "jaar:int,type:text,aantal_bijeenkomsten:int,deelnemers_koploper:int,"
                          "deelnemers_niet_koploper:int,gemeenten_niet_koploper:int"},
        {"middelen", "koploper_id:text,tranche:int,toegekend_eur:dec2,clienten_bereikt:int,"
                     "eur_per_client:dec2,adviesdagen:dec1"},
        {"ervaring", "jaar:int,groep:text,gemeenten:int,respondenten:int,bekend_pct:pct1,"
                     "tevreden_pct:pct1,verschil_bekend_pp:dec1,verschil_tevreden_pp:dec1"},
        {"voordrachten", "voordracht_id:text,criteria_ja:int,clientorganisatie_betrokken:jn,"
                         "geschikt:jn,reden:text,ingediend_op:text,oproep:text,tijdig:jn,"
                         "visie:jn,betrokkenheid:jn,innovatie:jn,ambitie:jn,"
                         "doelgroepen:jn,koploper_id:text"},
    };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        ab_table_t t = ab_table(&fx.out, cols[i][0]);
        assert_string_equal(ab_cols_text(&t), cols[i][1]);
        assert_int_equal(t.n, 0); /* nothing delivered: no rows */
        /* gebruik_jaar mixes two grains: a CSV file, not in the feed (docs/DATABASE.md) */
        assert_int_equal(t.begin->publish, strcmp(cols[i][0], "gebruik_jaar") == 0
                                               ? WIRE_PUBLISH | WIRE_PUBLISH_NO_FEED
                                               : WIRE_PUBLISH);
    }
}

/* ---------------------------------------------------------------- gebruik */

static void build_usage(void)
{
    registr("koplopers.csv");
    ab_koploper_in(fx.s, "KL002", 2, 2018, "GM0003", "GM0009", NULL);
    ab_koploper_in(fx.s, "KL001", 1, 2017, "GM0002", "GM0001", "GM0002", NULL); /* listed twice */
    ab_gemeente(fx.s, "GM0001", 10000);
    ab_gemeente(fx.s, "GM0002", 20000);
    ab_gemeente(fx.s, "GM0003", 50000);
    ab_gemeente(fx.s, "GM0009", -1); /* inhabitants unknown */
    ab_gemeente(fx.s, "GM0500", 4000);
    /* Delivered out of order; GM0001 2021-02 professioneel twice. */
    ab_gebruik(fx.s, "GM0002", 202103, "informeel", 1, 2, 3);
    ab_gebruik(fx.s, "GM0001", 202102, "professioneel", 5, -1, 10);
    ab_gebruik(fx.s, "GM0001", 202101, "vrijwillig", 2, 1, 4);
    ab_gebruik(fx.s, "GM0001", 202101, "professioneel", 3, 0, 6);
    ab_gebruik(fx.s, "GM0500", 202101, "professioneel", 4, -1, -1);
    ab_gebruik(fx.s, "GM0500", 202012, "informeel", -1, -1, -1);
    ab_gebruik(fx.s, "GM0009", 202105, "professioneel", 1, 1, 2);
    ab_gebruik(fx.s, "GM0003", 202011, "vrijwillig", 6, -1, 5);
    ab_gebruik(fx.s, "GM0001", 202102, "professioneel", 7, 8, 12); /* replaces 5, -, 10 */
}

static void test_gebruik(void **state)
{
    (void)state;
    build_usage();
    emit();
    assert_string_equal(rows("gebruik"), "GM0001,2021-01,professioneel,3,0,6\n"
                                         "GM0001,2021-01,vrijwillig,2,1,4\n"
                                         "GM0001,2021-02,professioneel,7,8,12\n"
                                         "GM0002,2021-03,informeel,1,2,3\n"
                                         "GM0003,2020-11,vrijwillig,6,,5\n"
                                         "GM0009,2021-05,professioneel,1,1,2\n"
                                         "GM0500,2020-12,informeel,,,\n"
                                         "GM0500,2021-01,professioneel,4,,\n");

    /* The same rows delivered again (another night) change nothing. */
    ab_gebruik(fx.s, "GM0001", 202102, "professioneel", 7, 8, 12);
    ab_gebruik(fx.s, "GM0500", 202012, "informeel", -1, -1, -1);
    emit();
    assert_int_equal(ab_table(&fx.out, "gebruik").n, 8);
}

static void test_gebruik_jaar(void **state)
{
    (void)state;
    build_usage();
    emit();
    assert_string_equal(rows("gebruik_jaar"),
                        /* KL002 in 2020: only GM0003 has usage, but GM0009's inhabitants
                           are unknown, so the koploper's rate is too. */
                        "2020,gemeente,GM0003,ja,6,5,0.1,50000\n"
                        "2020,gemeente,GM0500,nee,,,,4000\n"
                        "2020,koploper,KL002,ja,6,5,,\n"
                        /* GM0001: the replaced month counts once (7 and 12). */
                        "2021,gemeente,GM0001,ja,12,22,2.2,10000\n"
                        "2021,gemeente,GM0002,ja,1,3,0.15,20000\n"
                        "2021,gemeente,GM0009,ja,1,2,,\n"
                        "2021,gemeente,GM0500,nee,4,,,4000\n"
                        /* GM0002 listed twice still counts once: 25 per 30000. */
                        "2021,koploper,KL001,ja,13,25,0.8333333333,30000\n"
                        "2021,koploper,KL002,ja,1,2,,\n");

    /* Inhabitants become known; GM0500 joins a koploper in a new register. */
    ab_gemeente(fx.s, "GM0009", 30000);
    registr("koplopers_2.csv");
    ab_koploper_in(fx.s, "KL002", 2, 2018, "GM0003", "GM0009", NULL);
    ab_koploper_in(fx.s, "KL003", 3, 2019, "GM0500", NULL);
    emit();
    assert_string_equal(rows("gebruik_jaar"), "2020,gemeente,GM0003,ja,6,5,0.1,50000\n"
                                              "2020,gemeente,GM0500,ja,,,,4000\n"
                                              "2020,koploper,KL002,ja,6,5,0.0625,80000\n"
                                              "2020,koploper,KL003,ja,,,,4000\n"
                                              "2021,gemeente,GM0001,nee,12,22,2.2,10000\n"
                                              "2021,gemeente,GM0002,nee,1,3,0.15,20000\n"
                                              "2021,gemeente,GM0009,ja,1,2,0.06666666667,30000\n"
                                              "2021,gemeente,GM0500,ja,4,,,4000\n"
                                              "2021,koploper,KL002,ja,1,2,0.025,80000\n"
                                              "2021,koploper,KL003,ja,4,,,4000\n");
}

/* A worker other than 0 sends only its parts of the tables merged from parts,
 * each with how the report merges it; worker 0 marks the rest "owner". */
static void test_worker_parts(void **state)
{
    (void)state;
    build_usage();
    emit_worker(fx.s, &fx.out, TABLES_UREN_PER_DAG, TABLES_DAGEN_TOEGEKEND, 1, 6);
    static const char *const merged[][3] = {
        {"gebruik", "union", "key,,,,,"},
        {"gebruik_jaar", "sum",
         "key,key,key,key,sum,sum,ratio clienten_bereikt _inwoners 1000,same"},
        {"middelen", "sum", "key,key,sum,sum,ratio toegekend_eur clienten_bereikt 1,sum"},
        {"gebruik_gemeente", "union", "key,key,,,,,"},
        {"gebruik_koploper", "sum", "key,key,sum,sum,same,ratio clienten_bereikt inwoners 1000"},
        {"gebruik_gemeente_nu", "sum",
         "key,key,same,sum,sum,same,ratio clienten_bereikt inwoners 1000"},
    };
    size_t n = 0;
    for (size_t i = 0; i < fx.out.n_recs; i++) {
        const wire_record_t *r = &fx.out.recs[i];
        if (r->kind != WIRE_REC_TABLE_BEGIN) continue;
        assert_true(n < 6);
        const wire_table_begin_t *tb = &r->u.table_begin;
        assert_wstr(tb->name, merged[n][0]);
        assert_wstr(tb->merge, merged[n][1]);
        char roles[256] = "";
        for (uint32_t c = 0; c < tb->n_cols; c++)
            snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s%.*s", c ? "," : "",
                     (int)tb->col_merge[c].len, tb->col_merge[c].ptr);
        assert_string_equal(roles, merged[n][2]);
        n++;
    }
    assert_int_equal(n, 6);
    /* The same usage rows as worker 0 would send: this state holds them all. */
    assert_int_equal(ab_table(&fx.out, "gebruik").n, 8);

    emit(); /* worker 0: every other table is its own */
    ab_table_t t = ab_table(&fx.out, "adviesinzet");
    assert_wstr(t.begin->merge, "owner");
    t = ab_table(&fx.out, "rejects");
    assert_wstr(t.begin->merge, "owner");
}

/* -------------------------------------------------- adviesinzet, middelen */

static void build_koplopers(void)
{
    registr("koplopers.csv");
    ab_koploper_in(fx.s, "KL003", 3, 2019, "GM0003", NULL);
    ab_koploper_in(fx.s, "KL001", 1, 2017, "GM0001", NULL);
    ab_koploper_in(fx.s, "KL002", 2, 2018, "GM0002", NULL);
}

#define AI "adviesinzet_2021.csv"

static void test_adviesinzet(void **state)
{
    (void)state;
    build_koplopers();
    ab_adviesinzet(fx.s, "KL001", 20210105, "00000000000000aa", 4.0, AI, 2);
    ab_adviesinzet(fx.s, "KL001", 20210106, "00000000000000aa", 8.5, AI, 3);
    ab_adviesinzet(fx.s, "KL002", 20210301, "00000000000000bb", 2.0, AI, 4);
    ab_adviesinzet(fx.s, "KL099", 20210101, "00000000000000cc", 3.0, AI, 5);
    ab_adviesinzet(fx.s, "KL001", 20210105, "00000000000000aa", 6.0, "adviesinzet_b.csv", 2);
    emit();
    /* KL001: 6 replaced 4, so 14.5 hours; KL003 has none; KL099 is not shown. */
    assert_string_equal(rows("adviesinzet"), "KL001,1,14.5,1.8125,8,22.65625\n"
                                             "KL002,2,2,0.25,8,3.125\n"
                                             "KL003,3,0,0,8,0\n");
    ab_table_t t = ab_table(&fx.out, "rejects");
    assert_string_equal(ab_rows_text(&t),
                        AI ",5,koploper_id,UNKNOWN_KOPLOPER,Koploper KL099 staat niet in het "
                           "register; deze adviesuren tellen niet mee.\n");

    /* Six hours a day, ten days allotted. */
    emit_with(fx.s, &fx.out, 6, 10);
    assert_string_equal(rows("adviesinzet"), "KL001,1,14.5,2.416666667,10,24.16666667\n"
                                             "KL002,2,2,0.3333333333,10,3.333333333\n"
                                             "KL003,3,0,0,10,0\n");
    assert_string_equal(rows("middelen"), "KL001,1,0,,,2.416666667\n"
                                          "KL002,2,0,,,0.3333333333\n"
                                          "KL003,3,0,,,0\n");
    /* No days allotted: no percentage rather than a division by zero. */
    emit_with(fx.s, &fx.out, 8, 0);
    assert_string_equal(rows("adviesinzet"), "KL001,1,14.5,1.8125,0,\n"
                                             "KL002,2,2,0.25,0,\n"
                                             "KL003,3,0,0,0,\n");

    /* A register that knows KL099 (and no longer KL002) resolves that notice, counts
       KL099's hours and reports KL002's. */
    registr("koplopers_2.csv");
    ab_koploper_in(fx.s, "KL099", 4, 2020, "GM0099", NULL);
    ab_koploper_in(fx.s, "KL001", 1, 2017, "GM0001", NULL);
    ab_koploper_in(fx.s, "KL003", 3, 2019, "GM0003", NULL);
    emit();
    assert_string_equal(rows("adviesinzet"), "KL001,1,14.5,1.8125,8,22.65625\n"
                                             "KL003,3,0,0,8,0\n"
                                             "KL099,4,3,0.375,8,4.6875\n");
    assert_string_equal(rows("rejects"), AI ",4,koploper_id,UNKNOWN_KOPLOPER,Koploper KL002 staat "
                                            "niet in het register; deze adviesuren tellen niet "
                                            "mee.\n");
}

static void test_middelen(void **state)
{
    (void)state;
    build_koplopers();
    ab_reject(fx.s, "middelen.csv", 4, "toegekend_eur", "INVALID_VALUE", "m4");
    ab_reject(fx.s, "middelen.csv", 2, "jaar", "MISSING_VALUE", "m2");
    ab_middelen(fx.s, "KL001", 2020, 10000, "mei", "middelen.csv", 3);
    ab_middelen(fx.s, "KL001", 2020, 5000.5, "september", "middelen.csv", 5);
    ab_middelen(fx.s, "KL001", 2021, 2000, "", "middelen.csv", 6);
    ab_middelen(fx.s, "KL002", 2021, 3000, "mei", "middelen.csv", 7);
    ab_middelen(fx.s, "KL098", 2021, 100, "mei", "middelen.csv", 4);
    ab_middelen(fx.s, "KL001", 2020, 12000, "mei", "middelen_b.csv", 2); /* replaces 10000 */
    ab_adviesinzet(fx.s, "KL001", 20210105, "00000000000000aa", 12, AI, 2);
    ab_gebruik(fx.s, "GM0001", 202101, "professioneel", 1, 1, 6);
    ab_gebruik(fx.s, "GM0001", 202012, "informeel", 1, 1, 4);
    ab_gebruik(fx.s, "GM0001", 202102, "vrijwillig", 1, 1, -1);
    ab_gebruik(fx.s, "GM0002", 202101, "professioneel", 3, -1, -1); /* clients unknown */
    ab_gebruik(fx.s, "GM0003", 202101, "professioneel", 3, -1, 0);  /* no clients */
    emit();
    assert_string_equal(rows("middelen"), "KL001,1,19000.5,10,1900.05,1.5\n"
                                          "KL002,2,3000,,,0\n"
                                          "KL003,3,0,0,,0\n");
    /* The notice sits between the ingest rejects of its file, by line. */
    assert_string_equal(rows("rejects"),
                        "middelen.csv,2,jaar,MISSING_VALUE,m2\n"
                        "middelen.csv,4,toegekend_eur,INVALID_VALUE,m4\n"
                        "middelen.csv,4,koploper_id,UNKNOWN_KOPLOPER,Koploper KL098 staat niet in "
                        "het register; dit budget telt niet mee.\n");
}

/* ---------------------------------------------------------- bijeenkomsten */

static void test_bijeenkomsten(void **state)
{
    (void)state;
    registr("koplopers.csv");
    ab_koploper_in(fx.s, "KL001", 1, 2017, "GM0001", "GM0002", NULL);
    ab_bijeenkomst(fx.s, "B5", "congres", 20211101, "GM0500", 20);
    ab_bijeenkomst(fx.s, "B1", "masterclass", 20210310, "GM0001", 5);
    ab_bijeenkomst(fx.s, "B2", "masterclass", 20210520, "GM0500", 4);
    ab_bijeenkomst(fx.s, "B1", "masterclass", 20210310, "GM0500", 3);
    ab_bijeenkomst(fx.s, "B3", "regio", 20210115, "GM0600", 7);
    ab_bijeenkomst(fx.s, "B2", "masterclass", 20210520, "GM0002", 1);
    ab_bijeenkomst(fx.s, "B1", "masterclass", 20210310, "GM0600", 2);
    ab_bijeenkomst(fx.s, "B4", "thema", 20200901, "GM0001", 10);
    ab_bijeenkomst(fx.s, "B1", "masterclass", 20210310, "GM0600", 6); /* replaces 2 */
    emit();
    /* 2021 masterclass: B1 and B2 (two meetings, not five rows); 5 + 1 from the
       koploper's gemeenten, 3 + 6 + 4 from GM0500 and GM0600 (two gemeenten). */
    assert_string_equal(rows("bijeenkomsten"), "2020,thema,1,10,0,0\n"
                                               "2021,masterclass,2,6,13,2\n"
                                               "2021,congres,1,0,20,1\n"
                                               "2021,regio,1,0,7,1\n");
}

/* --------------------------------------------------------------- ervaring */

static void test_ervaring(void **state)
{
    (void)state;
    registr("koplopers.csv");
    ab_koploper_in(fx.s, "KL001", 1, 2018, "GM0001", "GM0002", "GM0003", NULL);
    ab_koploper_in(fx.s, "KL002", 2, 2020, "GM0004", NULL);
    /* GM0001 in a second, later koploper: its start year stays the earliest, 2018. */
    ab_koploper_in(fx.s, "KL000", 5, 2021, "GM0001", NULL);
    ab_ervaring(fx.s, "GM0001", 2021, 100, 60, 70);
    ab_ervaring(fx.s, "GM0600", 2021, 10, 70, 40);
    ab_ervaring(fx.s, "GM0001", 2018, 100, 40, 50);
    ab_ervaring(fx.s, "GM0002", 2018, 50, 20, -1);
    ab_ervaring(fx.s, "GM0002", 2021, 150, 40, 80);
    ab_ervaring(fx.s, "GM0003", 2021, 50, 80, 60); /* no row in its start year */
    ab_ervaring(fx.s, "GM0004", 2020, 10, 10, 10); /* its start year itself */
    ab_ervaring(fx.s, "GM0500", 2021, 30, 30, -1);
    ab_ervaring(fx.s, "GM0500", 2018, 0, 50, 50);
    emit();
    assert_string_equal(rows("ervaring"),
                        /* (40*100 + 20*50) / 150; tevreden only from GM0001. */
                        "2018,koploper,2,150,33.33333333,50,,\n"
                        "2018,niet_koploper,1,0,,,,\n"
                        "2020,koploper,1,10,10,10,,\n"
                        /* All three gemeenten: 16000/300 and 22000/300. The change over
                           GM0001 and GM0002: 12000/250 - 5000/150 = 48 - 33.33; tevreden
                           only over GM0001 (GM0002 had none in 2018): 70 - 50. */
                        "2021,koploper,3,300,53.33333333,73.33333333,14.66666667,20\n"
                        "2021,niet_koploper,2,40,40,40,,\n");
}

/* ----------------------------------------------------------- voordrachten */

#define ALL5                                                                                       \
    (WIRE_CRIT_VISIE | WIRE_CRIT_BETROKKENHEID | WIRE_CRIT_INNOVATIE | WIRE_CRIT_AMBITIE |         \
     WIRE_CRIT_DOELGROEPEN)

static void test_voordrachten(void **state)
{
    (void)state;
    ab_voordracht(fx.s, "V05", 0, 0);
    ab_voordracht(fx.s, "V02", WIRE_CRIT_VISIE | WIRE_CRIT_AMBITIE | WIRE_CRIT_DOELGROEPEN, 1);
    ab_voordracht(fx.s, "V01", ALL5, 1);
    ab_voordracht(fx.s, "V04", ALL5 & ~WIRE_CRIT_INNOVATIE, 0);
    ab_voordracht(fx.s, "V03", WIRE_CRIT_INNOVATIE | WIRE_CRIT_BETROKKENHEID, 1);
    ab_voordracht(fx.s, "V06", WIRE_CRIT_VISIE | WIRE_CRIT_AMBITIE, 0);
    emit();
    /* without calls configured: the contract's rule; no call, no koploper (GM0001) */
    assert_string_equal(
        rows("voordrachten"),
        "V01,5,ja,ja,,2019-09-30,,,ja,ja,ja,ja,ja,\n"
        "V02,3,ja,ja,,2019-09-30,,,ja,nee,nee,ja,ja,\n"
        "V03,2,ja,nee,Minder dan 3 criteria met ja (2 van 5).,2019-09-30,,,"
        "nee,ja,ja,nee,nee,\n"
        "V04,4,nee,nee,Cli\xc3\xabntorganisatie niet betrokken.,2019-09-30,,,"
        "ja,ja,nee,ja,ja,\n"
        "V05,0,nee,nee,Minder dan 3 criteria met ja (0 van 5). "
        "Cli\xc3\xabntorganisatie niet betrokken.,2019-09-30,,,nee,nee,nee,nee,nee,\n"
        "V06,2,nee,nee,Minder dan 3 criteria met ja (2 van 5). "
        "Cli\xc3\xabntorganisatie niet betrokken.,2019-09-30,,,ja,nee,nee,ja,nee,\n");

    /* V03 delivered again with a third criterion. */
    ab_voordracht(fx.s, "V03", WIRE_CRIT_INNOVATIE | WIRE_CRIT_BETROKKENHEID | WIRE_CRIT_VISIE, 1);
    emit();
    ab_table_t t = ab_table(&fx.out, "voordrachten");
    assert_int_equal(t.n, 6);
    assert_non_null(strstr(ab_rows_text(&t), "\nV03,3,ja,ja,,2019-09-30,,,ja,ja,ja,nee,nee,\n"));
}

/* Calls as configuration: a nomination sent after the last call closed is late
 * and not suitable, whatever its criteria; each call has its own rules; the
 * nomination links to the koploper of its gemeente. */
static void test_voordrachten_calls(void **state)
{
    (void)state;
    char path[] = "/tmp/kpm_oproepen.XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *csv = "oproep;sluit_op;min_criteria;clientorganisatie_vereist\n"
                      "2019;2019-09-29;4;nee\n2018;2018-10-01;3;ja\n";
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    oproepen_t *calls = oproepen_load(path, 0, err, sizeof err);
    unlink(path);
    if (!calls) fail_msg("%s", err);
    int late;
    assert_string_equal(oproepen_for(calls, 20180915, &late)->name, "2018");
    assert_int_equal(late, 0);
    assert_string_equal(oproepen_for(calls, 20181002, &late)->name, "2019");
    assert_int_equal(late, 0);
    assert_string_equal(oproepen_for(calls, 20190929, &late)->name, "2019");
    assert_int_equal(late, 0);
    assert_string_equal(oproepen_for(calls, 20190930, &late)->name, "2019");
    assert_int_equal(late, 1);

    registr("koplopers.csv");
    ab_koploper_in(fx.s, "KL9", 2, 2019, "GM0001", (const char *)NULL);
    ab_voordracht(fx.s, "V01", ALL5, 1);                        /* sent 2019-09-30: late */
    ab_voordracht(fx.s, "V04", ALL5 & ~WIRE_CRIT_INNOVATIE, 0); /* late as well */
    tables_opts_t o = {.min_cell = 5, .uren_per_dag = 8, .dagen_toegekend = 8, .oproepen = calls};
    ab_emit(fx.s, &o, &fx.out, AB_TABLES);
    assert_string_equal(rows("voordrachten"),
                        "V01,5,ja,nee,Ingediend na de sluiting van de oproep (29 september 2019).,"
                        "2019-09-30,2019,nee,ja,ja,ja,ja,ja,KL9\n"
                        "V04,4,nee,nee,Ingediend na de sluiting van de oproep (29 september 2019).,"
                        "2019-09-30,2019,nee,ja,ja,nee,ja,ja,KL9\n");
    oproepen_destroy(&calls);

    /* a bad calls file names file, line and cause */
    assert_null(oproepen_load(KPM_TEST_DATA "/../e2e/survey/EXPECTED.md", 0, err, sizeof err));
    assert_non_null(strstr(err, "required column"));
}

/* ------------------------------------------------------------- checkpoint */

static int put_into(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    (void)seq;
    agg_state_t *s = ctx;
    wire_reader_t *rd = wire_reader_new();
    wire_header_t h;
    wire_record_t *rec = malloc(sizeof *rec);
    int rc = rd && rec ? wire_reader_open(rd, buf, len, &h) : KPM_ENOMEM;
    while (rc == KPM_OK && (rc = wire_reader_next(rd, rec)) == 1)
        rc = state_apply(s, rec);
    free(rec);
    wire_reader_destroy(&rd);
    return rc;
}

/* Every monitoring table survives a checkpoint: a state rebuilt from its dump
 * gives the same bytes. */
static void test_after_checkpoint(void **state)
{
    (void)state;
    build_usage();
    ab_adviesinzet(fx.s, "KL001", 20210105, "00000000000000aa", 4.0, AI, 2);
    ab_adviesinzet(fx.s, "KL077", 20210105, "00000000000000aa", 4.0, AI, 3);
    ab_middelen(fx.s, "KL002", 2021, 3000, "mei", "middelen.csv", 7);
    ab_bijeenkomst(fx.s, "B1", "masterclass", 20210310, "GM0001", 5);
    ab_ervaring(fx.s, "GM0001", 2017, 100, 40, 50);
    ab_ervaring(fx.s, "GM0001", 2021, 100, 60, 70);
    ab_voordracht(fx.s, "V01", ALL5, 1);
    emit();

    agg_state_t *copy = state_new(fx.cat);
    assert_non_null(copy);
    batcher_t *b = batcher_new("ckpt", 64, 1 << 16, put_into, copy);
    assert_non_null(b);
    assert_int_equal(state_dump(fx.s, b), KPM_OK);
    assert_int_equal(batcher_flush(b), KPM_OK);
    batcher_destroy(&b);
    ab_sink_t again = {0};
    emit_with(copy, &again, TABLES_UREN_PER_DAG, TABLES_DAGEN_TOEGEKEND);
    ab_sink_assert_same(&fx.out, &again);
    ab_table_t t = ab_table(&again, "ervaring");
    assert_string_equal(ab_rows_text(&t), "2017,koploper,1,100,40,50,,\n"
                                          "2021,koploper,1,100,60,70,20,20\n");
    ab_sink_clear(&again);
    state_destroy(&copy);
}

int main(void)
{
    char err[256];
    fx.cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    if (!fx.cat) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_worker_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gebruik, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gebruik_jaar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adviesinzet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_middelen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bijeenkomsten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ervaring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_voordrachten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_voordrachten_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_checkpoint, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    catalog_destroy(&fx.cat);
    return rc;
}
