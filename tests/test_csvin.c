/* test_csvin.c - the CSV dialect of the data contract, line numbers and memory bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csvin.h"
#include "kpm_err.h"

static char tmpdir[] = "/tmp/kpm_test_csvin_XXXXXX";
static char path_in[sizeof(tmpdir) + 16];
static char path_big[sizeof(tmpdir) + 16];

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(path_in, sizeof(path_in), "%s/in.csv", tmpdir);
    snprintf(path_big, sizeof(path_big), "%s/big.csv", tmpdir);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(path_in);
    unlink(path_big);
    return rmdir(tmpdir);
}

static void write_file(const char *path, const char *bytes, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static csvin_t *open_bytes(const char *bytes, size_t len)
{
    char err[256] = "";
    csvin_t *r;

    write_file(path_in, bytes, len);
    r = csvin_open(path_in, err, sizeof(err));
    if (!r) fail_msg("csvin_open: %s", err);
    return r;
}

#define OPEN_LIT(lit) open_bytes((lit), sizeof(lit) - 1)

/* Reads the next row and checks its line and its fields (n C strings). */
static void expect_row(csvin_t *r, long line, size_t n, ...)
{
    csvin_row_t row;
    va_list ap;

    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, line);
    assert_int_equal(row.n, n);
    assert_false(row.too_wide);
    assert_false(row.field_too_long);
    assert_false(row.unterminated);
    assert_false(row.bad_quote);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);

        assert_int_equal(row.lens[i], strlen(want));
        assert_memory_equal(row.fields[i], want, row.lens[i] + 1);
    }
    va_end(ap);
}

static void expect_end(csvin_t *r)
{
    csvin_row_t row;

    assert_int_equal(csvin_next(r, &row), 0);
    assert_int_equal(csvin_next(r, &row), 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define KPM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KPM_UNDER_ASAN 1
#endif
#endif

/* AddressSanitizer and valgrind hold on to freed memory, so the peak resident size
 * says nothing about the reader there. */
static int memory_measurable(void)
{
#ifdef KPM_UNDER_ASAN
    return 0;
#else
    const char *preload = getenv("LD_PRELOAD");

    return !(preload && strstr(preload, "vgpreload"));
#endif
}

static long vm_hwm_kb(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    }
    fclose(fp);
    assert_true(kb > 0);
    return kb;
}

static void test_semicolon_header_first(void **state)
{
    csvin_t *r = OPEN_LIT("id;naam;tranche\nKL001;Utrecht;1\nKL002;Zwolle;2\n");

    (void)state;
    assert_int_equal(csvin_delim(r), ';');
    expect_row(r, 1, 3, "id", "naam", "tranche");
    expect_row(r, 2, 3, "KL001", "Utrecht", "1");
    expect_row(r, 3, 3, "KL002", "Zwolle", "2");
    expect_end(r);
    csvin_close(&r);
    assert_null(r);
    csvin_close(&r);
}

static void test_comma_detected(void **state)
{
    csvin_t *r = OPEN_LIT("id,naam,tranche\nKL001,\"Utrecht; stad\",1\n");

    (void)state;
    assert_int_equal(csvin_delim(r), ',');
    expect_row(r, 1, 3, "id", "naam", "tranche");
    expect_row(r, 2, 3, "KL001", "Utrecht; stad", "1");
    expect_end(r);
    csvin_close(&r);
}

static void test_tie_goes_to_semicolon(void **state)
{
    csvin_t *r = OPEN_LIT("a;b,c\n1;2,3\n");

    (void)state;
    assert_int_equal(csvin_delim(r), ';');
    expect_row(r, 1, 2, "a", "b,c");
    csvin_close(&r);

    r = OPEN_LIT("enkel\nwaarde\n");
    assert_int_equal(csvin_delim(r), ';');
    expect_row(r, 1, 1, "enkel");
    csvin_close(&r);
}

static void test_header_quoted_delimiters_ignored(void **state)
{
    /* Outside quotes: two ',' and no ';' (counting inside quotes would tie). */
    csvin_t *r = OPEN_LIT("\"a;b;c\",d,e\n1,2,3\n");

    (void)state;
    assert_int_equal(csvin_delim(r), ',');
    expect_row(r, 1, 3, "a;b;c", "d", "e");
    expect_row(r, 2, 3, "1", "2", "3");
    csvin_close(&r);

    r = OPEN_LIT("\"x,y,z\";\"p,q\";w\n");
    assert_int_equal(csvin_delim(r), ';');
    expect_row(r, 1, 3, "x,y,z", "p,q", "w");
    csvin_close(&r);
}

static void test_bom_stripped(void **state)
{
    csvin_t *r = OPEN_LIT("\xEF\xBB\xBF\"koploper_id\",naam\nKL1,A\n");

    (void)state;
    assert_int_equal(csvin_delim(r), ',');
    expect_row(r, 1, 2, "koploper_id", "naam");
    expect_row(r, 2, 2, "KL1", "A");
    expect_end(r);
    csvin_close(&r);
}

static void test_crlf(void **state)
{
    csvin_t *r = OPEN_LIT("a;b\r\n1;2\r\n3;\"x\r\ny\"\r\n5;6\r\n");

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "1", "2");
    expect_row(r, 3, 2, "3", "x\r\ny");
    expect_row(r, 5, 2, "5", "6");
    expect_end(r);
    csvin_close(&r);
}

static void test_cr_only(void **state)
{
    csvin_t *r = OPEN_LIT("a;b\r1;2\r\r3;\"x\ry\"\r5;6");

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "1", "2");
    expect_row(r, 4, 2, "3", "x\ry");
    expect_row(r, 6, 2, "5", "6");
    expect_end(r);
    csvin_close(&r);
}

static void test_quoted_fields(void **state)
{
    csvin_t *r = OPEN_LIT("h1;h2;h3\n"
                          "\"a;b\";\"zei \"\"hoi\"\"\";\"\"\n"
                          "\"regel 1\nregel 2\nregel 3\";x;y\n"
                          "volgende;rij;hier\n"
                          " ruimte ; \" binnen \" ;\n");

    (void)state;
    expect_row(r, 1, 3, "h1", "h2", "h3");
    expect_row(r, 2, 3, "a;b", "zei \"hoi\"", "");
    expect_row(r, 3, 3, "regel 1\nregel 2\nregel 3", "x", "y");
    expect_row(r, 6, 3, "volgende", "rij", "hier");
    /* Spaces around unquoted fields are dropped, inside quotes kept. */
    expect_row(r, 7, 3, "ruimte", " binnen ", "");
    expect_end(r);
    csvin_close(&r);
}

static void test_multiline_row_then_next_line(void **state)
{
    csvin_t *r = OPEN_LIT("id;tekst\n1;\"een\ntwee\ndrie\"\n2;vier\n\"vijf\n\nzes\";3\n4;zeven\n");

    (void)state;
    expect_row(r, 1, 2, "id", "tekst");
    expect_row(r, 2, 2, "1", "een\ntwee\ndrie");
    expect_row(r, 5, 2, "2", "vier");
    /* A multi-line first field, with an empty line inside the quotes. */
    expect_row(r, 6, 2, "vijf\n\nzes", "3");
    expect_row(r, 9, 2, "4", "zeven");
    expect_end(r);
    csvin_close(&r);
}

static void test_blank_lines_skipped(void **state)
{
    csvin_t *r = OPEN_LIT("a;b\n\n1;2\n   \n\r\n3;4\n\n\n");

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 3, 2, "1", "2");
    expect_row(r, 6, 2, "3", "4");
    expect_end(r);
    csvin_close(&r);
}

static void test_last_row_without_newline(void **state)
{
    csvin_t *r = OPEN_LIT("a;b\n1;2\n3;");

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "1", "2");
    expect_row(r, 3, 2, "3", "");
    expect_end(r);
    csvin_close(&r);

    r = OPEN_LIT("a;b\n\"x\";\"y\"");
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "x", "y");
    expect_end(r);
    csvin_close(&r);
}

static void test_unterminated_quote(void **state)
{
    csvin_t *r = OPEN_LIT("a;b\n1;2\n3;\"open\nnog;meer\n");
    csvin_row_t row;

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "1", "2");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 3);
    assert_true(row.unterminated);
    assert_int_equal(row.n, 2);
    assert_string_equal(row.fields[1], "open\nnog;meer\n");
    expect_end(r);
    csvin_close(&r);
}

/* Text after a closing quote ends its row there, flagged; the next line is a row
 * of its own, so one bad quote cannot swallow the rest of the file (also when the
 * field started quoted on an earlier line). A quote inside an unquoted field is
 * data, as in spreadsheets. */
static void test_misplaced_quote_ends_row(void **state)
{
    csvin_t *r = OPEN_LIT("id;naam\n\"KL002\"x;Noord\nKL003;\"Zuid\"\nKL004;a\"b\n"
                          "KL005;\"twee\nregels\"!;x\nKL006;Oost\n");
    csvin_row_t row;

    (void)state;
    expect_row(r, 1, 2, "id", "naam");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_true(row.bad_quote);
    expect_row(r, 3, 2, "KL003", "Zuid");
    expect_row(r, 4, 2, "KL004", "a\"b"); /* a quote inside an unquoted field is data */
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 5);
    assert_true(row.bad_quote);
    expect_row(r, 7, 2, "KL006", "Oost");
    expect_end(r);
    csvin_close(&r);
}

static void test_nul_bytes_in_fields(void **state)
{
    static const char in[] = "a;b\nx\0y;z\n";
    csvin_t *r = open_bytes(in, sizeof(in) - 1);
    csvin_row_t row;

    (void)state;
    expect_row(r, 1, 2, "a", "b");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.lens[0], 3);
    assert_memory_equal(row.fields[0], "x\0y", 4);
    assert_string_equal(row.fields[1], "z");
    csvin_close(&r);
}

static void test_too_many_fields(void **state)
{
    size_t n = CSVIN_MAX_FIELDS + 88, len = 0;
    char *buf = malloc(n * 8 + 64), last[16];
    csvin_t *r;
    csvin_row_t row;

    (void)state;
    assert_non_null(buf);
    len += (size_t)sprintf(buf, "h\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(buf + len, "%zu%c", i, i + 1 < n ? ';' : '\n');
    len += (size_t)sprintf(buf + len, "na;rij\n");
    r = open_bytes(buf, len);
    free(buf);

    expect_row(r, 1, 1, "h");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_true(row.too_wide);
    assert_int_equal(row.n, CSVIN_MAX_FIELDS);
    assert_string_equal(row.fields[0], "0");
    snprintf(last, sizeof(last), "%d", CSVIN_MAX_FIELDS - 1);
    assert_string_equal(row.fields[CSVIN_MAX_FIELDS - 1], last);
    expect_row(r, 3, 2, "na", "rij");
    csvin_close(&r);
}

/* A survey export with thousands of columns is read whole, header and rows. */
static void test_wide_header_read_whole(void **state)
{
    const size_t n = 5000;
    char *buf = malloc(n * 16 + 64);
    size_t len = 0;
    csvin_t *r;
    csvin_row_t row;

    (void)state;
    assert_non_null(buf);
    for (int line = 0; line < 2; line++)
        for (size_t i = 0; i < n; i++)
            len +=
                (size_t)sprintf(buf + len, "%c%zu%c", line ? 'v' : 'k', i, i + 1 < n ? ',' : '\n');
    r = open_bytes(buf, len);
    free(buf);
    for (int line = 1; line <= 2; line++) {
        assert_int_equal(csvin_next(r, &row), 1);
        assert_int_equal(row.line, line);
        assert_int_equal(row.n, n);
        assert_false(row.too_wide);
        assert_string_equal(row.fields[n - 1], line == 1 ? "k4999" : "v4999");
    }
    expect_end(r);
    csvin_close(&r);
}

/* Many fields of almost 1 MiB each: the row is cut at CSVIN_MAX_ROW bytes (later
 * fields empty, the count kept) and flagged, and the next row reads normally. */
static void test_row_bytes_bounded(void **state)
{
    const size_t n = 12, field = 1000 * 1000;
    FILE *fp = fopen(path_big, "wb");
    char *chunk = malloc(field);
    char err[256];
    csvin_t *r;
    csvin_row_t row;
    size_t total = 0;
    long before;

    (void)state;
    assert_non_null(fp);
    assert_non_null(chunk);
    memset(chunk, 'q', field);
    fputs("a;b\n", fp);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fwrite(chunk, 1, field, fp), field);
        fputc(i + 1 < n ? ';' : '\n', fp);
    }
    fputs("1;2\n", fp);
    assert_int_equal(fclose(fp), 0);
    free(chunk);

    before = vm_hwm_kb();
    r = csvin_open(path_big, err, sizeof(err));
    assert_non_null(r);
    expect_row(r, 1, 2, "a", "b");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_true(row.field_too_long);
    assert_int_equal(row.n, n);
    for (size_t i = 0; i < n; i++)
        total += row.lens[i];
    assert_true(total <= CSVIN_MAX_ROW);
    assert_int_equal(row.lens[0], field);
    assert_int_equal(row.lens[n - 1], 0);
    expect_row(r, 3, 2, "1", "2");
    expect_end(r);
    csvin_close(&r);
    if (memory_measurable()) assert_true(vm_hwm_kb() - before < 2 * CSVIN_MAX_ROW / 1024 + 4096);
}

static void test_field_too_long(void **state)
{
    size_t big = CSVIN_MAX_FIELD + 1000, len = 0;
    char *buf = malloc(big + 64);
    csvin_t *r;
    csvin_row_t row;

    (void)state;
    assert_non_null(buf);
    len += (size_t)sprintf(buf, "a;b;c\n1;\"");
    for (size_t i = 0; i < big; i++)
        buf[len++] = (char)('a' + i % 26);
    len += (size_t)sprintf(buf + len, "\";3\n4;5;6\n");
    r = open_bytes(buf, len);
    free(buf);

    expect_row(r, 1, 3, "a", "b", "c");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_true(row.field_too_long);
    assert_int_equal(row.n, 3);
    assert_int_equal(row.lens[1], CSVIN_MAX_FIELD);
    assert_int_equal(row.fields[1][CSVIN_MAX_FIELD], '\0');
    assert_memory_equal(row.fields[1], "abcdefghij", 10);
    assert_int_equal(row.fields[1][CSVIN_MAX_FIELD - 1], 'a' + (CSVIN_MAX_FIELD - 1) % 26);
    assert_string_equal(row.fields[2], "3");
    expect_row(r, 3, 3, "4", "5", "6");
    expect_end(r);
    csvin_close(&r);
}

/* Long quoted fields whose closing quote (and trailing spaces) fall around the
 * point where the reader cuts its parse buffer must still close properly. */
static void test_long_field_cut_keeps_quote_state(void **state)
{
    size_t base = CSVIN_MAX_FIELD + 64 * 1024;

    (void)state;
    for (size_t big = base - 4; big <= base + 2; big++) {
        FILE *fp = fopen(path_in, "wb");
        char err[256];
        csvin_t *r;
        csvin_row_t row;

        assert_non_null(fp);
        fputs("a;b\n\"", fp);
        for (size_t i = 0; i < big; i++)
            fputc('x', fp);
        fputs(big % 2 ? "\"  ;z\nn;m\n" : "\";z\nn;m\n", fp);
        assert_int_equal(fclose(fp), 0);
        r = csvin_open(path_in, err, sizeof(err));
        assert_non_null(r);
        expect_row(r, 1, 2, "a", "b");
        assert_int_equal(csvin_next(r, &row), 1);
        assert_true(row.field_too_long);
        assert_false(row.unterminated);
        assert_int_equal(row.n, 2);
        assert_int_equal(row.lens[0], CSVIN_MAX_FIELD);
        assert_string_equal(row.fields[1], "z");
        expect_row(r, 3, 2, "n", "m");
        expect_end(r);
        csvin_close(&r);
    }
}

static void write_huge_field_file(const char *path, int terminated)
{
    FILE *fp = fopen(path, "wb");
    char line[101];

    assert_non_null(fp);
    memset(line, 'q', 99);
    line[99] = '\n';
    line[100] = '\0';
    fputs("id;tekst;eind\n1;\"", fp);
    for (int i = 0; i < 100000; i++) /* 10 MB over 100000 lines */
        fputs(line, fp);
    if (terminated) fputs("\";x\n2;kort;y\n", fp);
    assert_int_equal(fclose(fp), 0);
}

static void test_huge_field_bounded_memory(void **state)
{
    char err[256];
    csvin_t *r;
    csvin_row_t row;
    long before;

    (void)state;
    write_huge_field_file(path_in, 1);
    before = vm_hwm_kb();
    r = csvin_open(path_in, err, sizeof(err));
    assert_non_null(r);
    expect_row(r, 1, 3, "id", "tekst", "eind");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_true(row.field_too_long);
    assert_int_equal(row.lens[1], CSVIN_MAX_FIELD);
    assert_int_equal(row.n, 3);
    assert_string_equal(row.fields[2], "x");
    expect_row(r, 100003, 3, "2", "kort", "y");
    expect_end(r);
    csvin_close(&r);

    /* A quote that never closes swallows the rest of the file into one field. */
    write_huge_field_file(path_in, 0);
    r = csvin_open(path_in, err, sizeof(err));
    assert_non_null(r);
    expect_row(r, 1, 3, "id", "tekst", "eind");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_true(row.unterminated);
    assert_true(row.field_too_long);
    assert_int_equal(row.lens[1], CSVIN_MAX_FIELD);
    expect_end(r);
    csvin_close(&r);
    /* The field is 10 MB; the reader may hold a few copies of 1 MiB at most. */
    if (memory_measurable()) assert_true(vm_hwm_kb() - before < 6 * 1024);
}

static void test_crlf_split_across_blocks(void **state)
{
    const size_t block = 64 * 1024;
    size_t len = 0;
    char *buf = malloc(2 * block + 64);
    csvin_t *r;
    csvin_row_t row;

    (void)state;
    assert_non_null(buf);
    /* Row 2 ends with "\r" as the last byte of the first 64 KiB block. */
    len += (size_t)sprintf(buf, "a;b\r\nx;");
    while (len < block - 1)
        buf[len++] = 'y';
    len += (size_t)sprintf(buf + len, "\r\n3;\"p");
    /* A CRLF inside a quoted field, split the same way at the next block. */
    while (len < 2 * block - 1)
        buf[len++] = 'p';
    len += (size_t)sprintf(buf + len, "\r\nq\";4\r\n5;6\r\n");
    r = open_bytes(buf, len);
    free(buf);

    expect_row(r, 1, 2, "a", "b");
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.lens[1], block - 1 - 7);
    assert_int_equal(row.fields[1][row.lens[1] - 1], 'y');
    assert_int_equal(csvin_next(r, &row), 1);
    assert_int_equal(row.line, 3);
    assert_int_equal(row.n, 3);
    assert_string_equal(row.fields[1] + row.lens[1] - 4, "p\r\nq");
    assert_string_equal(row.fields[2], "4");
    expect_row(r, 5, 2, "5", "6");
    expect_end(r);
    csvin_close(&r);
}

static size_t write_big_file(const char *path, long rows)
{
    FILE *fp = fopen(path, "wb");
    long size;

    assert_non_null(fp);
    fputs("gemeente_code;periode;aanbieder_type;nieuwe_vragen\r\n", fp);
    for (long i = 0; i < rows; i++)
        fprintf(fp, "GM%04ld;2021-%02ld;\"pro;fessioneel\";%ld\r\n", i % 2000, i % 12 + 1, i);
    size = ftell(fp);
    assert_int_equal(fclose(fp), 0);
    return (size_t)size;
}

static void read_big_file(const char *path, long rows, size_t size)
{
    char err[256];
    csvin_t *r = csvin_open(path, err, sizeof(err));
    csvin_row_t row;
    long count = 0, last_line = 0;
    char last[32] = "";
    int rc;

    assert_non_null(r);
    assert_int_equal(csvin_size(r), size);
    while ((rc = csvin_next(r, &row)) == 1) {
        if (row.n != 4 || (row.line > 1 && row.lens[2] != 14))
            fail_msg("row at line %ld has %zu fields", row.line, row.n);
        count++;
        last_line = row.line;
        if (row.lens[3] < sizeof(last)) memcpy(last, row.fields[3], row.lens[3] + 1);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(count, rows + 1);
    assert_int_equal(last_line, rows + 1);
    assert_int_equal(strtol(last, NULL, 10), rows - 1);
    assert_int_equal(csvin_offset(r), size);
    csvin_close(&r);
}

static void test_big_file_bounded_memory(void **state)
{
    const char *path = path_big;
    const long rows = 200000;
    size_t size;
    long hwm_small, hwm_large;

    (void)state;
    size = write_big_file(path, rows);
    read_big_file(path, rows, size);
    hwm_small = vm_hwm_kb();
    size = write_big_file(path, 4 * rows);
    read_big_file(path, 4 * rows, size);
    hwm_large = vm_hwm_kb();
    unlink(path);
    /* The second file is ~25 MB larger; memory must not follow it. */
    if (memory_measurable()) assert_true(hwm_large - hwm_small < 4 * 1024);
}

static void test_empty_file(void **state)
{
    csvin_t *r = open_bytes("", 0);

    (void)state;
    assert_int_equal(csvin_delim(r), ';');
    expect_end(r);
    assert_int_equal(csvin_size(r), 0);
    csvin_close(&r);

    r = OPEN_LIT("\xEF\xBB\xBF\r\n\n");
    expect_end(r);
    csvin_close(&r);
}

static void test_open_missing_file(void **state)
{
    char err[256] = "";

    (void)state;
    assert_null(csvin_open("/nonexistent/gebruik_2021-03.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "gebruik_2021-03.csv"));
    assert_non_null(strstr(err, "No such file"));
}

static void test_open_stream_not_closed(void **state)
{
    static const char in[] = "a,b\n1,2\n";
    char err[256];
    csvin_t *r;
    FILE *fp;

    (void)state;
    write_file(path_in, in, sizeof(in) - 1);
    fp = fopen(path_in, "rb");
    assert_non_null(fp);
    r = csvin_open_stream(fp, "in.csv", err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(csvin_delim(r), ',');
    assert_int_equal(csvin_size(r), sizeof(in) - 1);
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 2, 2, "1", "2");
    expect_end(r);
    csvin_close(&r);
    /* Still open: it can be rewound and read again. */
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    assert_int_equal(fgetc(fp), 'a');
    assert_int_equal(fclose(fp), 0);
}

/* ---- the fast path reads as libcsv does ---- */

static uint64_t rng_state;

static unsigned rng(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng_state >> 33) % n;
}

/* Random CSV-ish bytes: mostly short plain lines of a few fields, with spaces,
 * tabs, both delimiters, quotes, CR, LF, CRLF, NUL, UTF-8, blank lines, wide
 * rows and lines longer than a read block now and then. */
static size_t random_csv(char *buf, size_t cap)
{
    static const char *const pieces[] = {
        "GM0363", "202101", "wmo",  "12", "-3", " ",    "\t",  ";",        ";", ";", ",",
        "\"",     "\"\"",   "\r\n", "\n", "\r", "\n\n", " \n", "\xc3\xa9", "x", "",  "1,5"};
    size_t len = 0, target = rng(8) == 0 ? 150000 + rng(100000) : rng(3000);
    if (target > cap - 64) target = cap - 64;
    while (len < target) {
        unsigned k = rng(40);
        if (k == 0) { /* a wide row: more fields than the fast path takes */
            for (unsigned i = 0, m = 60 + rng(20); i < m && len < cap - 8; i++)
                buf[len++] = ';';
        } else if (k == 1) { /* a NUL byte */
            buf[len++] = '\0';
        } else if (k == 2 && rng(4) == 0) { /* a long line */
            for (unsigned i = 0, m = 70000; i < m && len < cap - 8; i++)
                buf[len++] = 'a';
        } else {
            const char *p = pieces[rng(sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n >= cap - 8) break;
            memcpy(buf + len, p, n);
            len += n;
        }
    }
    return len;
}

static csvin_t *open_mode(const char *path, int fast)
{
    char err[256] = "";
    csvin_t *r = csvin_open(path, err, sizeof(err));
    if (!r) fail_msg("csvin_open: %s", err);
    csvin_set_fast_path(r, fast);
    return r;
}

/* 400 random files read with and without the fast path: the same rows, fields,
 * line numbers and flags, the same end. */
static void test_fast_path_equals_libcsv(void **state)
{
    size_t cap = 300000;
    char *buf = malloc(cap);
    (void)state;
    assert_non_null(buf);
    rng_state = 20261126;
    for (int file = 0; file < 400; file++) {
        size_t len = random_csv(buf, cap);
        write_file(path_in, buf, len);
        csvin_t *a = open_mode(path_in, 1), *b = open_mode(path_in, 0);
        for (long row = 0;; row++) {
            csvin_row_t x, y;
            int ra = csvin_next(a, &x), rb = csvin_next(b, &y);
            if (ra != rb) fail_msg("file %d, row %ld: fast %d, libcsv %d", file, row, ra, rb);
            if (ra != 1) break;
            if (x.n != y.n || x.line != y.line || x.too_wide != y.too_wide ||
                x.field_too_long != y.field_too_long || x.unterminated != y.unterminated ||
                x.bad_quote != y.bad_quote)
                fail_msg("file %d, row %ld (line %ld / %ld): %zu / %zu fields or flags differ",
                         file, row, x.line, y.line, x.n, y.n);
            for (size_t f = 0; f < x.n; f++) {
                if (x.lens[f] != y.lens[f] || memcmp(x.fields[f], y.fields[f], x.lens[f]) != 0 ||
                    x.fields[f][x.lens[f]] != '\0')
                    fail_msg("file %d, row %ld, field %zu differs", file, row, f + 1);
            }
        }
        assert_int_equal(csvin_offset(a), csvin_offset(b));
        csvin_close(&a);
        csvin_close(&b);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semicolon_header_first),
        cmocka_unit_test(test_fast_path_equals_libcsv),
        cmocka_unit_test(test_comma_detected),
        cmocka_unit_test(test_tie_goes_to_semicolon),
        cmocka_unit_test(test_header_quoted_delimiters_ignored),
        cmocka_unit_test(test_bom_stripped),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_cr_only),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_multiline_row_then_next_line),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_last_row_without_newline),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_misplaced_quote_ends_row),
        cmocka_unit_test(test_nul_bytes_in_fields),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_wide_header_read_whole),
        cmocka_unit_test(test_row_bytes_bounded),
        cmocka_unit_test(test_huge_field_bounded_memory),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_long_field_cut_keeps_quote_state),
        cmocka_unit_test(test_crlf_split_across_blocks),
        cmocka_unit_test(test_big_file_bounded_memory),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_open_stream_not_closed),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
