/* test_aggregate_state.c - aggregate's state: the contract's replacement rules
 * (state_apply, seen through state_dump) and the checkpoint on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "agg_build.h"
#include "batcher.h"
#include "checkpoint.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "state.h"

typedef struct {
    catalog_t *cat;
    agg_state_t *s;
    ab_sink_t dump;
    char dir[64];
    char path[128];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char err[256];
    if (!fx) return -1;
    fx->cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    fx->s = fx->cat ? state_new(fx->cat) : NULL;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/kpm-state-test.XXXXXX");
    if (!fx->s || !mkdtemp(fx->dir)) return -1;
    snprintf(fx->path, sizeof fx->path, "%s/state.ckpt", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    ab_sink_clear(&fx->dump);
    state_destroy(&fx->s);
    catalog_destroy(&fx->cat);
    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Dumps a state into a sink (cleared first). */
static void dump(const agg_state_t *s, ab_sink_t *k)
{
    ab_sink_clear(k);
    batcher_t *b = batcher_new("dump", 5, 1 << 16, ab_sink_emit, k);
    assert_non_null(b);
    assert_int_equal(state_dump(s, b), KPM_OK);
    batcher_destroy(&b);
}

/* The i-th dumped record of a kind, or NULL. */
static const wire_record_t *dumped(const ab_sink_t *k, wire_rec_kind_t kind, size_t i)
{
    for (size_t r = 0; r < k->n_recs; r++)
        if (k->recs[r].kind == kind && i-- == 0) return &k->recs[r];
    return NULL;
}

static size_t n_dumped(const ab_sink_t *k, wire_rec_kind_t kind)
{
    size_t n = 0;
    for (size_t r = 0; r < k->n_recs; r++)
        n += k->recs[r].kind == kind;
    return n;
}

static const wire_value_t *answer(const wire_response_t *r, const char *item)
{
    for (uint32_t a = 0; a < r->n_answers; a++)
        if (wire_str_eq(r->answers[a].item, item)) return &r->answers[a].value;
    return NULL;
}

/* ------------------------------------------------------ replacement rules */

static void test_reexport_replaces_and_moves_last(void **state)
{
    fx_t *fx = *state;
    ab_response(fx->s, "R1", 2021, "KL001", "2021-03-01T00:00:00", "uitvraag_a.csv", 2,
                "tijd_adviseurs", "2", "toelichting_adviseurs", "eerst", NULL);
    ab_response(fx->s, "R2", 2021, "KL002", "2021-03-01T00:00:00", "uitvraag_a.csv", 3,
                "tijd_adviseurs", "3", NULL);
    ab_response(fx->s, "R1", 2021, "KL001", "2021-03-04T00:00:00", "uitvraag_b.csv", 7,
                "tijd_adviseurs", "4", NULL);
    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_RESPONSE), 2);
    const wire_response_t *r = &dumped(&fx->dump, WIRE_REC_RESPONSE, 0)->u.response;
    assert_wstr(r->response_id, "R2");
    r = &dumped(&fx->dump, WIRE_REC_RESPONSE, 1)->u.response;
    assert_wstr(r->response_id, "R1");
    assert_wstr(r->file, "uitvraag_b.csv");
    assert_int_equal(r->line, 7);
    assert_wstr(r->ingevuld_op, "2021-03-04T00:00:00");
    /* Replaced whole: the earlier copy's answers are gone. */
    assert_int_equal(r->n_answers, 1);
    assert_int_equal(answer(r, "tijd_adviseurs")->i, 4);
    assert_null(answer(r, "toelichting_adviseurs"));
}

static void test_later_register_replaces_whole(void **state)
{
    fx_t *fx = *state;
    ab_file(fx->s, "koplopers_2020.csv", "koplopers");
    ab_koploper(fx->s, "KL001", 1);
    ab_koploper(fx->s, "KL002", 1);
    ab_koploper(fx->s, "KL003", 2);
    /* Other kinds and a quarantined file (kind "") leave the register alone. */
    ab_file(fx->s, "uitvraag_2021.csv", "uitvraag");
    ab_file(fx->s, "koplopers_kapot.csv", "");
    assert_non_null(state_koploper(fx->s, "KL003"));

    ab_file(fx->s, "koplopers_2021.csv", "koplopers");
    ab_koploper(fx->s, "KL002", 3);
    ab_koploper(fx->s, "KL004", 4);
    assert_null(state_koploper(fx->s, "KL001"));
    assert_null(state_koploper(fx->s, "KL003"));
    assert_int_equal(state_koploper(fx->s, "KL002")->tranche, 3);
    assert_int_equal(state_koploper(fx->s, "KL004")->tranche, 4);
    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_KOPLOPER), 2);
    const wire_koploper_t *k = &dumped(&fx->dump, WIRE_REC_KOPLOPER, 0)->u.koploper;
    assert_wstr(k->id, "KL002");
    assert_wstr(k->naam, "Naam KL002");
    assert_int_equal(k->n_gemeenten, 1);
    assert_wstr(k->gemeenten[0], "GM0363");

    /* A register file with a header and no valid row keeps the register: its first
     * koploper would have replaced it, and there is none. */
    ab_file(fx->s, "koplopers_2022.csv", "koplopers");
    wire_record_t end = {.kind = WIRE_REC_FILE_END};
    end.u.file_end.file = wire_str("koplopers_2022.csv");
    ab_apply(fx->s, &end);
    assert_non_null(state_koploper(fx->s, "KL002"));
    ab_koploper(fx->s, "KL005", 5);
    assert_non_null(state_koploper(fx->s, "KL002")); /* no longer pending: KL005 adds */
}

/* A checkpoint taken between a register file's start and its first row keeps the
 * pending replacement: the rows after the restart still replace the register. */
static void test_pending_register_survives_dump(void **state)
{
    fx_t *fx = *state;
    ab_file(fx->s, "koplopers_2020.csv", "koplopers");
    ab_koploper(fx->s, "KL001", 1);
    ab_file(fx->s, "koplopers_2021.csv", "koplopers");
    ab_reject(fx->s, "koplopers_2021.csv", 2, "tranche", "INVALID_VALUE", "m");
    dump(fx->s, &fx->dump);
    agg_state_t *copy = state_new(fx->cat);
    assert_non_null(copy);
    for (size_t i = 0; i < fx->dump.n_recs; i++)
        ab_apply(copy, &fx->dump.recs[i]);
    ab_koploper(copy, "KL009", 2);
    assert_null(state_koploper(copy, "KL001"));
    assert_non_null(state_koploper(copy, "KL009"));
    const agg_reject_list_t *l = strmap_get(copy->rejects, "koplopers_2021.csv", 18);
    assert_non_null(l);
    assert_int_equal(l->n, 1);
    state_destroy(&copy);
}

static void test_deelnemer_replaced(void **state)
{
    fx_t *fx = *state;
    ab_deelnemer(fx->s, 2021, "KL001", "kort", "deelnemers_a.csv", 2);
    ab_deelnemer(fx->s, 2020, "KL001", "volledig", "deelnemers_a.csv", 3);
    ab_deelnemer(fx->s, 2021, "KL002", "kort", "deelnemers_a.csv", 4);
    ab_deelnemer(fx->s, 2021, "KL001", "volledig", "deelnemers_b.csv", 9);
    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_DEELNEMER), 3);
    const wire_deelnemer_t *d = &dumped(&fx->dump, WIRE_REC_DEELNEMER, 0)->u.deelnemer;
    assert_int_equal(d->meting, 2020);
    d = &dumped(&fx->dump, WIRE_REC_DEELNEMER, 2)->u.deelnemer;
    assert_int_equal(d->meting, 2021);
    assert_wstr(d->koploper_id, "KL001");
    assert_wstr(d->versie, "volledig");
    assert_wstr(d->file, "deelnemers_b.csv");
    assert_int_equal(d->line, 9);
}

static void test_redelivered_file_drops_its_rejects(void **state)
{
    fx_t *fx = *state;
    ab_file(fx->s, "uitvraag_a.csv", "uitvraag");
    ab_reject(fx->s, "uitvraag_a.csv", 3, "tijd_adviseurs", "INVALID_VALUE", "oud 1");
    ab_reject(fx->s, "uitvraag_a.csv", 4, "", "RAGGED_ROW", "oud 2");
    ab_file(fx->s, "uitvraag_b.csv", "uitvraag");
    ab_reject(fx->s, "uitvraag_b.csv", 2, "meting", "MISSING_VALUE", "blijft");
    ab_file(fx->s, "uitvraag_a.csv", "uitvraag");
    ab_reject(fx->s, "uitvraag_a.csv", 5, "", "RAGGED_ROW", "nieuw");
    /* A file quarantined under the same name also replaces its rejects. */
    ab_file(fx->s, "notities.txt", "");
    ab_reject(fx->s, "notities.txt", 0, "", "UNKNOWN_KIND", "eerste keer");
    ab_file(fx->s, "notities.txt", "");
    ab_reject(fx->s, "notities.txt", 0, "", "UNKNOWN_KIND", "tweede keer");
    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_REJECT), 3);
    for (size_t i = 0; i < 3; i++) {
        const wire_reject_t *r = &dumped(&fx->dump, WIRE_REC_REJECT, i)->u.reject;
        if (wire_str_eq(r->file, "uitvraag_a.csv")) {
            assert_wstr(r->message, "nieuw");
            assert_int_equal(r->line, 5);
        } else if (wire_str_eq(r->file, "uitvraag_b.csv")) {
            assert_wstr(r->message, "blijft");
        } else {
            assert_wstr(r->file, "notities.txt");
            assert_wstr(r->message, "tweede keer");
        }
    }
}

static void test_foreign_record_refused(void **state)
{
    fx_t *fx = *state;
    wire_record_t r = {.kind = WIRE_REC_TABLE_END};
    r.u.table_end = (wire_table_end_t){wire_str("likert"), 3};
    assert_int_equal(state_apply(fx->s, &r), KPM_EPROTO);
}

/* -------------------------------------------------------------- checkpoint */

/* A state with every kind of content: register, invitations, responses with
 * every value type (text with line breaks, quotes and a NUL byte), rejects. */
static void build_rich(agg_state_t *s)
{
    ab_file(s, "koplopers_2021.csv", "koplopers");
    ab_koploper(s, "KL001", 1);
    ab_koploper(s, "KL002", 5);
    wire_record_t k = {.kind = WIRE_REC_KOPLOPER};
    k.u.koploper = (wire_koploper_t){.id = wire_str("KL003"),
                                     .naam = wire_str("Zuid-Limburg \"Oost\""),
                                     .tranche = 2,
                                     .startjaar = 2018,
                                     .status = wire_str(""),
                                     .n_gemeenten = 3};
    k.u.koploper.gemeenten[0] = wire_str("GM0935");
    k.u.koploper.gemeenten[1] = wire_str("GM0917");
    k.u.koploper.gemeenten[2] = wire_str("GM0888");
    ab_apply(s, &k);
    ab_deelnemer(s, 2021, "KL001", "kort", "deelnemers_2021.csv", 2);
    ab_deelnemer(s, 2021, "KL003", "", "deelnemers_2021.csv", 3);
    ab_deelnemer(s, 2020, "KL002", "volledig", "deelnemers_2020.csv", 2);
    ab_response(s, "R1", 2021, "KL001", "2021-03-02T00:00:00", "uitvraag_2021.csv", 2,
                "tijd_adviseurs", "3", "kennisdeling_koplopers", "0", "regiobijeenkomst", "gepland",
                "besteding_scholing", "12.5", "gebruik_aantal", "120", "toelichting_adviseurs",
                "twee\nregels; \"quote\" \xc3\xa9", "sterk", "", NULL);
    ab_response(s, "R2", 2020, "KL002", "2020-04-15T10:00:00", "uitvraag_2020.csv", 5, NULL);
    static wire_record_t r;
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_RESPONSE;
    r.u.response = (wire_response_t){.response_id = wire_str("R3"),
                                     .meting = 2021,
                                     .koploper_id = wire_str("KL003"),
                                     .ingevuld_op = wire_str("2021-03-05T08:00:00"),
                                     .file = wire_str("uitvraag_2021.csv"),
                                     .line = 9,
                                     .n_answers = 1};
    r.u.response.answers[0] =
        (wire_answer_t){wire_str("borging"), {.type = WIRE_VAL_STR, .s = wire_strn("a\0b", 3)}};
    ab_apply(s, &r);
    ab_reject(s, "uitvraag_2021.csv", 4, "tijd_adviseurs", "INVALID_VALUE",
              "Ongeldige waarde 'x'.");
    ab_reject(s, "notities.txt", 0, "", "UNKNOWN_KIND", "Onbekende bestandssoort.");
    ab_gemeente_in(s, "GM0935", 2022, 120000);
    ab_gemeente_in(s, "GM0935", 2021, 121000);
    ab_gemeente_in(s, "GM0917", 0, -1);
}

/* A gemeente keeps one figure per year, sorted by year; a later delivery of
 * the same year replaces that year's figure only, and the name and province
 * come from the latest delivery. The dump has one record per year. */
static void test_gemeente_years(void **state)
{
    fx_t *fx = *state;
    ab_gemeente_in(fx->s, "GM0363", 2022, 900000);
    ab_gemeente_in(fx->s, "GM0363", 0, 800000);
    ab_gemeente_in(fx->s, "GM0363", 2021, 870000);
    wire_record_t r = {.kind = WIRE_REC_GEMEENTE};
    r.u.gemeente = (wire_gemeente_t){wire_str("GM0363"), wire_str("Amsterdam"),
                                     wire_str("Noord-Holland"), 910000, 2022};
    ab_apply(fx->s, &r);
    /* a year ingest never gives (a forged or damaged record) is refused */
    r.u.gemeente.jaar = 872524;
    assert_int_equal(state_apply(fx->s, &r), KPM_EPROTO);
    r.u.gemeente.jaar = 1899;
    assert_int_equal(state_apply(fx->s, &r), KPM_EPROTO);
    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_GEMEENTE), 3);
    static const struct {
        int32_t jaar;
        int64_t inwoners;
    } want[] = {{0, 800000}, {2021, 870000}, {2022, 910000}};
    for (size_t i = 0; i < 3; i++) {
        const wire_gemeente_t *g = &dumped(&fx->dump, WIRE_REC_GEMEENTE, i)->u.gemeente;
        assert_true(wire_str_eq(g->gemeente, "GM0363"));
        assert_true(wire_str_eq(g->naam, "Amsterdam"));
        assert_true(wire_str_eq(g->provincie, "Noord-Holland"));
        assert_int_equal(g->jaar, want[i].jaar);
        assert_int_equal(g->inwoners, want[i].inwoners);
    }
}

static void test_checkpoint_round_trip(void **state)
{
    fx_t *fx = *state;
    build_rich(fx->s);
    ckpt_meta_t m = {.next = 42, .complete = 1, .delivered = 0};
    snprintf(m.night, sizeof m.night, "20210301T030000Z");
    m.applied[WIRE_REC_RESPONSE] = 3;
    m.applied[WIRE_REC_REJECT] = 2;
    /* The night's files (for run-manifest.json) are kept too, not applied. */
    wire_file_end_t fe = {wire_str("uitvraag_2021.csv"), 9, 8, 1, wire_str("ab12")};
    assert_int_equal(filelist_put(&m.files, &fe), KPM_OK);
    fe = (wire_file_end_t){wire_str("notities.txt"), 0, 0, 0, wire_str("")};
    assert_int_equal(filelist_put(&m.files, &fe), KPM_OK);
    assert_int_equal(checkpoint_write(fx->path, fx->s, &m), KPM_OK);
    filelist_clear(&m.files);

    agg_state_t *t = state_new(fx->cat);
    ckpt_meta_t got;
    char err[256] = "";
    assert_int_equal(checkpoint_load(fx->path, t, &got, NULL, err, sizeof err), KPM_OK);
    assert_string_equal(got.night, "20210301T030000Z");
    assert_int_equal(got.next, 42);
    assert_int_equal(got.complete, 1);
    assert_int_equal(got.delivered, 0);
    assert_int_equal(got.applied[WIRE_REC_RESPONSE], 3);
    assert_int_equal(got.applied[WIRE_REC_REJECT], 2);
    assert_int_equal(got.applied[WIRE_REC_KOPLOPER], 0);
    assert_int_equal(got.files.n, 2);
    assert_string_equal(got.files.v[0].file, "uitvraag_2021.csv");
    assert_int_equal(got.files.v[0].rows, 9);
    assert_int_equal(got.files.v[0].rejected, 1);
    assert_string_equal(got.files.v[0].sha256, "ab12");
    assert_string_equal(got.files.v[1].file, "notities.txt");
    assert_string_equal(got.files.v[1].sha256, "");

    ab_sink_t again = {0};
    dump(fx->s, &fx->dump);
    dump(t, &again);
    assert_int_equal(n_dumped(&again, WIRE_REC_RESPONSE), 3);
    ab_sink_assert_same(&fx->dump, &again);
    const wire_value_t *v = answer(&dumped(&again, WIRE_REC_RESPONSE, 2)->u.response, "borging");
    assert_int_equal(v->s.len, 3);
    assert_memory_equal(v->s.ptr, "a\0b", 3);

    /* A second write of the loaded state gives the same file. */
    char path2[160], *b1, *b2;
    size_t l1, l2;
    snprintf(path2, sizeof path2, "%s/again.ckpt", fx->dir);
    assert_int_equal(checkpoint_write(path2, t, &got), KPM_OK);
    assert_int_equal(fs_read_all(fx->path, &b1, &l1), KPM_OK);
    assert_int_equal(fs_read_all(path2, &b2, &l2), KPM_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    free(b1);
    free(b2);
    unlink(path2);
    ab_sink_clear(&again);
    state_destroy(&t);
    filelist_clear(&got.files);

    /* An empty state round-trips too, and no file is "not found", not damaged. */
    agg_state_t *e = state_new(fx->cat);
    assert_int_equal(checkpoint_write(fx->path, e, &(ckpt_meta_t){0}), KPM_OK);
    assert_int_equal(checkpoint_load(fx->path, e, &got, NULL, err, sizeof err), KPM_OK);
    assert_string_equal(got.night, "");
    assert_int_equal(checkpoint_load(path2, e, &got, NULL, err, sizeof err), KPM_ENOTFOUND);
    state_destroy(&e);
}

/* Writes bytes as the checkpoint and loads it into a fresh state. */
static int load_bytes(fx_t *fx, const char *buf, size_t len)
{
    FILE *fp = fopen(fx->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    agg_state_t *t = state_new(fx->cat);
    ckpt_meta_t m;
    char err[256] = "";
    int rc = checkpoint_load(fx->path, t, &m, NULL, err, sizeof err);
    if (rc == KPM_ESTATE) assert_true(strlen(err) > 0);
    state_destroy(&t);
    return rc;
}

static void test_checkpoint_damaged(void **state)
{
    fx_t *fx = *state;
    build_rich(fx->s);
    ckpt_meta_t m = {.next = 7};
    assert_int_equal(checkpoint_write(fx->path, fx->s, &m), KPM_OK);
    char *good;
    size_t len;
    assert_int_equal(fs_read_all(fx->path, &good, &len), KPM_OK);
    assert_true(len > 8);
    assert_memory_equal(good, "KPMCKPT2", 8);
    assert_int_equal(load_bytes(fx, good, len), KPM_OK);

    char *bad = malloc(len + 1);
    assert_non_null(bad);
    /* Cut anywhere. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(load_bytes(fx, good, cut), KPM_ESTATE);
    /* One extra byte at the end. */
    memcpy(bad, good, len);
    bad[len] = 0;
    assert_int_equal(load_bytes(fx, bad, len + 1), KPM_ESTATE);
    /* Any bit of any frame length flipped. */
    size_t frames = 0;
    for (size_t off = 8; off + 4 <= len; frames++) {
        const unsigned char *p = (const unsigned char *)good + off;
        size_t flen = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        for (size_t byte = 0; byte < 4; byte++)
            for (int bit = 0; bit < 8; bit++) {
                memcpy(bad, good, len);
                bad[off + byte] = (char)(bad[off + byte] ^ (1 << bit));
                assert_int_equal(load_bytes(fx, bad, len), KPM_ESTATE);
            }
        off += 4 + flen;
    }
    assert_true(frames >= 3); /* BEGIN, DATA..., END */
    /* Wrong magic. */
    memcpy(bad, good, len);
    bad[7] = '9';
    assert_int_equal(load_bytes(fx, bad, len), KPM_ESTATE);
    /* A version 1 checkpoint without the pseudonym key to convert it. */
    bad[7] = '1';
    assert_int_equal(load_bytes(fx, bad, len), KPM_ESTATE);
    assert_int_equal(load_bytes(fx, "KPMCKPT", 7), KPM_ESTATE);
    free(bad);
    free(good);
}

/* A checkpoint of a later wire version than this build's (the state of a newer
 * release) is refused with both versions named, not as "damaged". */
static void test_checkpoint_of_later_wire_version(void **state)
{
    fx_t *fx = *state;
    build_rich(fx->s);
    ckpt_meta_t m = {.next = 7};
    assert_int_equal(checkpoint_write(fx->path, fx->s, &m), KPM_OK);
    char *buf, err[512] = "", want[128];
    size_t len;
    assert_int_equal(fs_read_all(fx->path, &buf, &len), KPM_OK);
    for (size_t off = 8; off + 6 <= len;) { /* each frame: length, then [version, ...] */
        const unsigned char *p = (const unsigned char *)buf + off;
        size_t flen = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        assert_int_equal(p[4], 0x96);
        assert_int_equal(p[5], WIRE_VERSION);
        buf[off + 5] = WIRE_VERSION + 1;
        off += 4 + flen;
    }
    assert_int_equal(load_bytes(fx, buf, len), KPM_ESTATE);
    agg_state_t *t = state_new(fx->cat);
    ckpt_meta_t got;
    assert_int_equal(checkpoint_load(fx->path, t, &got, NULL, err, sizeof err), KPM_ESTATE);
    snprintf(want, sizeof want, "wire version %d refused: this build speaks wire version %d",
             WIRE_VERSION + 1, WIRE_VERSION);
    if (!strstr(err, want)) fail_msg("not the version message: %s", err);
    state_destroy(&t);
    free(buf);
}

/* ---- keys built from received values are checked (a 299-byte koploper_id
 * once overran key[96] in state.c, key[160] in state_mon.c, key[32] for
 * ervaring) ---- */

static char long_id[300];

static wire_str_t long_str(void)
{
    memset(long_id, 'k', sizeof long_id);
    return wire_strn(long_id, 299);
}

/* Applied straight to the state (past the wire's bounds, as a checkpoint of an
 * older build or a bug would), every keyed record with a 299-byte value is
 * refused, and nothing of it is kept. */
static void test_overlong_key_refused(void **state)
{
    fx_t *fx = *state;
    wire_record_t r;
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_DEELNEMER;
    r.u.deelnemer = (wire_deelnemer_t){2021, long_str(), wire_str("kort"), wire_str("f.csv"), 2};
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);

    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_ADVIESINZET;
    r.u.adviesinzet = (wire_adviesinzet_t){
        long_str(), 20210101, wire_str("0123456789abcdef"), 1.5, wire_str("f.csv"), 2};
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);
    r.u.adviesinzet.koploper_id = wire_str("K1");
    r.u.adviesinzet.adviseur = long_str();
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);

    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_BIJEENKOMST;
    r.u.bijeenkomst = (wire_bijeenkomst_t){
        long_str(), wire_str("netwerk"), 20210101, wire_str("GM0363"), 5, wire_str("f.csv"), 2};
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);

    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_MIDDELEN;
    r.u.middelen =
        (wire_middelen_t){long_str(), 2021, 1000.0, wire_str("mei"), wire_str("f.csv"), 2};
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);

    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_ERVARING;
    r.u.ervaring = (wire_ervaring_t){long_str(), 2021, 10, 50.0, 60.0, wire_str("f.csv"), 2};
    assert_int_equal(state_apply(fx->s, &r), KPM_ERANGE);

    dump(fx->s, &fx->dump);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_DEELNEMER), 0);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_ADVIESINZET), 0);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_BIJEENKOMST), 0);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_MIDDELEN), 0);
    assert_int_equal(n_dumped(&fx->dump, WIRE_REC_ERVARING), 0);
}

static void put_frame(msgpack_sbuffer *file, const char *buf, size_t len)
{
    unsigned char hdr[4] = {(unsigned char)len, (unsigned char)(len >> 8),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
    msgpack_sbuffer_write(file, (const char *)hdr, 4);
    msgpack_sbuffer_write(file, buf, len);
}

/* A checkpoint whose one record is a DEELNEMER with a 299-byte koploper_id:
 * its replay is refused as a damaged checkpoint, and reads nothing beyond
 * what it holds (AddressSanitizer, scripts/test --sanitize). */
static void test_overlong_key_in_checkpoint(void **state)
{
    fx_t *fx = *state;
    msgpack_sbuffer file;
    msgpack_sbuffer_init(&file);
    msgpack_sbuffer_write(&file, "KPMCKPT2", 8); /* the current version: refused for its key */
    wire_writer_t *w = wire_writer_new();
    assert_non_null(w);
    size_t len;
    wire_record_t counts = {.kind = WIRE_REC_COUNTS};
    wire_writer_begin(w, WIRE_MSG_BEGIN, "20261126T030000Z-1", 2, 1);
    assert_int_equal(wire_writer_put(w, &counts), KPM_OK);
    const char *buf = wire_writer_finish(w, &len);
    put_frame(&file, buf, len);

    msgpack_sbuffer data;
    msgpack_packer pk;
    msgpack_sbuffer_init(&data);
    msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 6); /* [version, type, stream, seq, count, aux] */
    msgpack_pack_uint32(&pk, WIRE_VERSION);
    msgpack_pack_uint32(&pk, WIRE_MSG_DATA);
    msgpack_pack_str_with_body(&pk, "checkpoint", 10);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint64(&pk, 0);
    msgpack_pack_array(&pk, 6); /* [11, meting, koploper_id, versie, file, line] */
    msgpack_pack_uint32(&pk, WIRE_REC_DEELNEMER);
    msgpack_pack_int32(&pk, 2021);
    wire_str_t id = long_str();
    msgpack_pack_str_with_body(&pk, id.ptr, id.len);
    msgpack_pack_str_with_body(&pk, "kort", 4);
    msgpack_pack_str_with_body(&pk, "f.csv", 5);
    msgpack_pack_uint32(&pk, 2);
    put_frame(&file, data.data, data.size);
    msgpack_sbuffer_destroy(&data);

    wire_writer_begin(w, WIRE_MSG_END, "checkpoint", 2, 1);
    buf = wire_writer_finish(w, &len);
    put_frame(&file, buf, len);
    wire_writer_destroy(&w);

    assert_int_equal(load_bytes(fx, file.data, file.size), KPM_ESTATE);
    msgpack_sbuffer_destroy(&file);
}

/* The checkpoint kpm 1.2.0 (commit 67366aa, wire version 2) left after a night
 * on tests/e2e/monitoring/night1 (tests/data/state-1.2.0/aggregate/checkpoint): its
 * gemeente records have no year and load as undated figures, and the state
 * written again loads the same. An upgraded installation keeps its state. */
static void test_checkpoint_1_2_0_loads(void **state)
{
    fx_t *fx = *state;
    agg_state_t *t = state_new(fx->cat);
    ckpt_meta_t got;
    char err[512] = "";
    if (checkpoint_load(KPM_TEST_DATA "/state-1.2.0/aggregate/checkpoint", t, &got, NULL, err,
                        sizeof err) != KPM_OK)
        fail_msg("%s", err);
    assert_int_equal(got.complete, 1);
    assert_int_equal(got.files.n, 9);
    assert_string_equal(got.files.v[5].file, "gemeenten_2021.csv");
    assert_int_equal(strlen(got.files.v[5].sha256), 64);
    ab_sink_t a = {0}, b = {0};
    dump(t, &a);
    assert_int_equal(n_dumped(&a, WIRE_REC_GEMEENTE), 8);
    int groningen = 0;
    for (size_t i = 0; i < 8; i++) {
        const wire_gemeente_t *g = &dumped(&a, WIRE_REC_GEMEENTE, i)->u.gemeente;
        assert_int_equal(g->jaar, 0);
        if (wire_str_eq(g->gemeente, "GM0014")) {
            groningen = 1;
            assert_true(wire_str_eq(g->naam, "Groningen"));
            assert_int_equal(g->inwoners, 233071);
        }
    }
    assert_true(groningen);
    assert_true(n_dumped(&a, WIRE_REC_GEBRUIK) > 0 && n_dumped(&a, WIRE_REC_ADVIESINZET) > 0);

    assert_int_equal(checkpoint_write(fx->path, t, &got), KPM_OK);
    agg_state_t *u = state_new(fx->cat);
    ckpt_meta_t again;
    assert_int_equal(checkpoint_load(fx->path, u, &again, NULL, err, sizeof err), KPM_OK);
    dump(u, &b);
    ab_sink_assert_same(&a, &b);
    ab_sink_clear(&a);
    ab_sink_clear(&b);
    filelist_clear(&got.files);
    filelist_clear(&again.files);
    state_destroy(&t);
    state_destroy(&u);
}

/* A checkpoint of kpm before keyed pseudonyms ("KPMCKPT1") holds the unkeyed
 * FNV-1a of each adviser's name, which a list of names reverses. Loaded with the
 * key, every such hash (in the adviesinzet entries and in a DUPLICATE_KEY
 * reject that quotes a key) becomes the pseudonym a new delivery of the same
 * name gets, so a re-delivered old row still replaces its entry. */
static void test_checkpoint_v1_converted(void **state)
{
    fx_t *fx = *state;
    static const pseudonym_key_t key = {{'v', '1'}};
    const char *fnv_jan = "51ff633aa10b8d56"; /* FNV-1a 64 of "jan de vries" */
    char jan[PSEUDONYM_HEX + 1], msg[128], want_msg[128];
    pseudonym_of_name(&key, " Jan de Vries ", 14, jan);
    ab_adviesinzet(fx->s, "KL001", 20210301, fnv_jan, 3.5, "adviesinzet_2021.csv", 2);
    snprintf(msg, sizeof msg, "De sleutel KL001|20210301|%s komt al voor op regel 2.", fnv_jan);
    ab_reject(fx->s, "adviesinzet_2021.csv", 3, "", "DUPLICATE_KEY", msg);
    ckpt_meta_t m = {.next = 3};
    assert_int_equal(checkpoint_write(fx->path, fx->s, &m), KPM_OK);
    char *buf;
    size_t len;
    assert_int_equal(fs_read_all(fx->path, &buf, &len), KPM_OK);
    buf[7] = '1';
    FILE *fp = fopen(fx->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    free(buf);

    agg_state_t *t = state_new(fx->cat);
    ckpt_meta_t got;
    char err[512] = "";
    assert_int_equal(checkpoint_load(fx->path, t, &got, NULL, err, sizeof err), KPM_ESTATE);
    assert_non_null(strstr(err, "pseudonym key"));
    state_destroy(&t);
    t = state_new(fx->cat);
    assert_int_equal(checkpoint_load(fx->path, t, &got, &key, err, sizeof err), KPM_OK);
    assert_int_equal(got.converted, 1);
    ab_sink_t out = {0};
    dump(t, &out);
    assert_int_equal(n_dumped(&out, WIRE_REC_ADVIESINZET), 1);
    assert_wstr(dumped(&out, WIRE_REC_ADVIESINZET, 0)->u.adviesinzet.adviseur, jan);
    snprintf(want_msg, sizeof want_msg, "De sleutel KL001|20210301|%s komt al voor op regel 2.",
             jan);
    assert_wstr(dumped(&out, WIRE_REC_REJECT, 0)->u.reject.message, want_msg);
    /* A new delivery of the same row replaces the converted entry. */
    ab_adviesinzet(t, "KL001", 20210301, jan, 4.0, "adviesinzet_2021.csv", 2);
    ab_sink_clear(&out);
    dump(t, &out);
    assert_int_equal(n_dumped(&out, WIRE_REC_ADVIESINZET), 1);
    ab_sink_clear(&out);
    state_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reexport_replaces_and_moves_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_register_replaces_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_register_survives_dump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deelnemer_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redelivered_file_drops_its_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_record_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gemeente_years, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_1_2_0_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_of_later_wire_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_key_in_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_v1_converted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
