/* fuzz_report_tables.c - report's message handling: decode arbitrary bytes as a
 * message, feed its TABLE records to the merger of the aggregate workers' parts
 * (report/merge.c) and the merged tables to report_out_* in a scratch
 * directory, as kpm-report does, then commit.
 *
 * The header's aux picks the extras: bit 0 rapport.html, bit 1 kpm.sqlite; bits
 * 2-3 the number of workers (1 + value mod 3), each of which sends the same
 * records (so with more than one, "owner" tables are refused and "sum" rows
 * meet their equals). Checks: a refusal by the merger comes with a sentence; a
 * night whose records were all accepted commits, one with a refused record does
 * not, and the dashboard.json and dashboard/<tabel>.json it writes are valid JSON.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "kpm_err.h"
#include "merge.h"
#include "report_out.h"

/* ---- a strict JSON syntax check (RFC 8259), enough to validate the file ---- */

typedef struct {
    const char *p, *end;
    int depth;
} json_t;

static void ws(json_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int lit(json_t *j, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n) != 0) return 0;
    j->p += n;
    return 1;
}

static int digits(json_t *j)
{
    const char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static int number(json_t *j)
{
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!digits(j)) return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!digits(j)) return 0;
    }
    return 1;
}

static int string(json_t *j)
{
    if (j->p >= j->end || *j->p != '"') return 0;
    for (j->p++; j->p < j->end; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c != '\\') continue;
        if (++j->p >= j->end) return 0;
        if (*j->p == 'u') {
            for (int i = 0; i < 4; i++)
                if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p)) return 0;
        } else if (!strchr("\"\\/bfnrt", *j->p)) {
            return 0;
        }
    }
    return 0;
}

static int value(json_t *j);

static int members(json_t *j, char close, int keyed)
{
    if (++j->depth > 64) return 0;
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        ws(j);
        if (keyed) {
            if (!string(j)) return 0;
            ws(j);
            if (j->p >= j->end || *j->p++ != ':') return 0;
        }
        if (!value(j)) return 0;
        ws(j);
        if (j->p >= j->end) return 0;
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p++ != close) return 0;
        j->depth--;
        return 1;
    }
}

static int value(json_t *j)
{
    ws(j);
    if (j->p >= j->end) return 0;
    switch (*j->p) {
    case '{':
        return members(j, '}', 1);
    case '[':
        return members(j, ']', 0);
    case '"':
        return string(j);
    case 't':
        return lit(j, "true");
    case 'f':
        return lit(j, "false");
    case 'n':
        return lit(j, "null");
    default:
        return number(j);
    }
}

static void check_json(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fuzz_fail("a committed night has no %s", path);
    static char buf[4 << 20];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    if (n == sizeof buf) return; /* too large to check here */
    json_t j = {buf, buf + n, 0};
    int ok = value(&j);
    ws(&j);
    if (!ok || j.p != j.end)
        fuzz_fail("%s is not valid JSON (at byte %zu of %zu)", path, (size_t)(j.p - buf), n);
}

/* Every dashboard/<tabel>.json of the night is valid JSON too. */
static void check_table_files(const char *out_dir)
{
    char dir[1024], path[1400];
    snprintf(dir, sizeof dir, "%s/dashboard", out_dir);
    DIR *d = opendir(dir);
    if (!d) fuzz_fail("a committed night has no %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        check_json(path);
    }
    closedir(d);
}

/* ---- the target ---- */

/* Feeds the message's TABLE records to the merger as worker w's stream. */
static int feed(merge_t *m, size_t w, wire_reader_t *rd, const uint8_t *data, size_t size)
{
    static wire_record_t rec;
    wire_header_t h;
    int rc = wire_reader_open(rd, (const char *)data, size, &h);
    while (rc == KPM_OK && wire_reader_next(rd, &rec) == 1) {
        switch (rec.kind) {
        case WIRE_REC_TABLE_BEGIN:
            rc = merge_table_begin(m, w, &rec.u.table_begin);
            break;
        case WIRE_REC_TABLE_ROW:
            rc = merge_table_row(m, w, &rec.u.table_row);
            break;
        case WIRE_REC_TABLE_END:
            rc = merge_table_end(m, w, &rec.u.table_end);
            break;
        default:
            break; /* kpm-report refuses other kinds; here they are skipped */
        }
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wire_reader_t *rd;
    char err[512], out_dir[600], json[700];
    if (!rd && !(rd = wire_reader_new())) fuzz_fail("out of memory");
    wire_header_t h;
    if (wire_reader_open(rd, (const char *)data, size, &h) != KPM_OK) return 0;
    char night[WIRE_STREAM_MAX];
    snprintf(night, sizeof night, "%s", h.stream);
    size_t workers = 1 + (size_t)((h.aux >> 2) % 3);
    merge_t *m = merge_new(workers);
    if (!m) fuzz_fail("out of memory");
    int rc = KPM_OK; /* the first refusal by the merger */
    for (size_t w = 0; rc == KPM_OK && w < workers; w++)
        rc = feed(m, w, rd, data, size);
    if (rc == KPM_ENOMEM) fuzz_fail("merge: out of memory");
    if (rc == KPM_EPROTO && !merge_error(m)[0]) fuzz_fail("the merger refused without a sentence");
    if (rc != KPM_OK) {
        merge_destroy(&m);
        return 0; /* kpm-report writes nothing for this night */
    }

    snprintf(out_dir, sizeof out_dir, "%s/out", fuzz_tmpdir());
    report_out_opts_t opts = {.night = night, .html = (h.aux & 1) != 0, .sqlite = (h.aux & 2) != 0};
    report_out_t *o = report_out_open(out_dir, &opts, err, sizeof err);
    if (!o) fuzz_fail("%s", err);
    rc = merge_emit(m, &report_out_sink, o); /* the merger's refusal or report_out's first */
    if (rc == KPM_EPROTO && !merge_error(m)[0] && !report_out_error(o)[0])
        fuzz_fail("a refusal without a sentence");
    if (rc == KPM_ENOMEM || rc == KPM_EIO) fuzz_fail("report_out: %s", report_out_error(o));
    if (rc == KPM_OK || report_out_error(o)[0]) { /* report_out saw the tables */
        int crc = report_out_commit(o);
        if (rc == KPM_OK && crc != KPM_OK && crc != KPM_EPROTO)
            fuzz_fail("a night of accepted tables does not commit: %s", report_out_error(o));
        if (rc != KPM_OK && crc == KPM_OK) fuzz_fail("a night with a refused record was committed");
        if (crc == KPM_OK) {
            snprintf(json, sizeof json, "%s/dashboard.json", out_dir);
            check_json(json);
            check_table_files(out_dir);
        }
    }
    report_out_destroy(&o);
    merge_destroy(&m);
    fuzz_clear_dir(out_dir);
    return 0;
}
