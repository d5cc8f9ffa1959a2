/* bench_floor - the bare floor of issue 4: one process, a libcsv streaming parse
 * of a `gebruik` file (';') and a hash group-by doing the job of the gemeente rows
 * of gebruik_jaar.csv: the last delivery of each (gemeente_code, periode,
 * aanbieder_type) wins, then nieuwe_vragen and clienten_bereikt are summed per
 * year (of periode) and gemeente, empty values skipped (a sum is empty when all
 * its values are).
 *
 * usage: bench_floor GEBRUIK_CSV [OUT]
 *
 * Prints "rows=N keys=K results=M checksum=X" (X: FNV-1a 64 of the result text);
 * with OUT, writes the result as "jaar,gemeente,nieuwe_vragen,clienten_bereikt"
 * lines sorted by jaar and gemeente. No validation beyond what parsing needs
 * (a number that is not all digits counts as empty), no locale calls.
 */
#include <csv.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { COL_GM, COL_PERIODE, COL_TYPE, COL_NIEUW, COL_BEREIKT, N_COLS };
static const char *const col_names[N_COLS] = {"gemeente_code", "periode", "aanbieder_type",
                                              "nieuwe_vragen", "clienten_bereikt"};

#define KEY_MAX 40 /* a slot is one 64-byte cache line */
#define NO_VALUE INT64_MIN

typedef struct {
    uint64_t hash;     /* 0: free slot */
    int64_t a, b;      /* nieuwe_vragen, clienten_bereikt; NO_VALUE when empty */
    char key[KEY_MAX]; /* zero-padded, compared whole */
} slot_t;

typedef struct {
    slot_t *slots;
    size_t cap, used;
} table_t;

typedef struct {
    table_t keys;
    int col_of_field[64];  /* field index -> COL_x, or -1 */
    char part[3][KEY_MAX]; /* gemeente, periode, type of the current row */
    uint8_t part_len[3];
    int64_t val[2];
    size_t field;
    int header_done, bad_row;
    uint64_t rows;
} floor_t;

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static int table_init(table_t *t, size_t cap)
{
    t->slots = calloc(cap, sizeof *t->slots);
    t->cap = cap;
    t->used = 0;
    return t->slots ? 0 : -1;
}

static slot_t *table_find(table_t *t, const char *key, uint64_t h);

static int table_grow(table_t *t)
{
    table_t bigger;
    if (table_init(&bigger, t->cap * 2) != 0) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        slot_t *s = &t->slots[i];
        if (!s->hash) continue;
        size_t j = s->hash & (bigger.cap - 1);
        while (bigger.slots[j].hash)
            j = (j + 1) & (bigger.cap - 1);
        bigger.slots[j] = *s;
    }
    bigger.used = t->used;
    free(t->slots);
    *t = bigger;
    return 0;
}

/* The slot of `key` (KEY_MAX bytes, zero-padded), created empty (both values
 * NO_VALUE) when new; NULL when out of memory. */
static slot_t *table_find(table_t *t, const char *key, uint64_t h)
{
    if (h == 0) h = 1;
    size_t i = h & (t->cap - 1);
    for (;;) {
        slot_t *s = &t->slots[i];
        if (!s->hash) break;
        if (s->hash == h && memcmp(s->key, key, KEY_MAX) == 0) return s;
        i = (i + 1) & (t->cap - 1);
    }
    if ((t->used + 1) * 2 > t->cap) {
        if (table_grow(t) != 0) return NULL;
        return table_find(t, key, h);
    }
    slot_t *s = &t->slots[i];
    s->hash = h;
    memcpy(s->key, key, KEY_MAX);
    s->a = s->b = NO_VALUE;
    t->used++;
    return s;
}

static int64_t parse_count(const char *s, size_t n)
{
    if (n == 0 || n > 18) return NO_VALUE;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return NO_VALUE;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static void on_field(void *data, size_t len, void *arg)
{
    floor_t *f = arg;
    size_t k = f->field++;
    if (k >= sizeof f->col_of_field / sizeof f->col_of_field[0]) {
        f->bad_row = 1;
        return;
    }
    if (!f->header_done) {
        f->col_of_field[k] = -1;
        for (int c = 0; c < N_COLS; c++)
            if (len == strlen(col_names[c]) && memcmp(data, col_names[c], len) == 0)
                f->col_of_field[k] = c;
        return;
    }
    int c = f->col_of_field[k];
    if (c < 0) return;
    if (c <= COL_TYPE) {
        if (len >= KEY_MAX) {
            f->bad_row = 1;
            return;
        }
        memcpy(f->part[c], data, len);
        f->part_len[c] = (uint8_t)len;
    } else {
        f->val[c - COL_NIEUW] = parse_count(data, len);
    }
}

static void on_row(int term, void *arg)
{
    (void)term;
    floor_t *f = arg;
    size_t fields = f->field;
    f->field = 0;
    if (!f->header_done) {
        f->header_done = 1;
        for (size_t k = fields; k < sizeof f->col_of_field / sizeof f->col_of_field[0]; k++)
            f->col_of_field[k] = -1;
        return;
    }
    int bad = f->bad_row || f->part_len[0] == 0 || f->part_len[1] < 4 || f->part_len[2] == 0;
    f->bad_row = 0;
    if (bad) goto reset;
    char key[KEY_MAX] = {0};
    size_t n = 0;
    if (f->part_len[0] + f->part_len[1] + f->part_len[2] + 3u > KEY_MAX) goto reset;
    for (int c = 0; c < 3; c++) {
        memcpy(key + n, f->part[c], f->part_len[c]);
        n += f->part_len[c];
        key[n++] = '\x1f';
    }
    slot_t *s = table_find(&f->keys, key, fnv1a(key, n, 14695981039346656037ULL));
    if (!s) {
        fputs("bench_floor: out of memory\n", stderr);
        exit(1);
    }
    s->a = f->val[0];
    s->b = f->val[1];
    f->rows++;
reset:
    memset(f->part_len, 0, sizeof f->part_len);
    f->val[0] = f->val[1] = NO_VALUE;
}

static int by_key(const void *x, const void *y)
{
    const slot_t *a = x, *b = y;
    return strcmp(a->key, b->key);
}

static void add(int64_t *sum, int64_t v)
{
    if (v == NO_VALUE) return;
    *sum = *sum == NO_VALUE ? v : *sum + v;
}

static int put_value(char *out, size_t cap, int64_t v)
{
    return v == NO_VALUE ? 0 : snprintf(out, cap, "%lld", (long long)v);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: bench_floor GEBRUIK_CSV [OUT]\n", stderr);
        return 2;
    }
    static floor_t f;
    static char buf[1 << 20];
    struct csv_parser p;
    int rc = 1, fd = -1;
    FILE *out = NULL;
    table_t years = {0};
    if (table_init(&f.keys, 1 << 16) != 0 || table_init(&years, 1 << 12) != 0 ||
        csv_init(&p, 0) != 0) {
        fputs("bench_floor: out of memory\n", stderr);
        return 1;
    }
    csv_set_delim(&p, ';');
    f.val[0] = f.val[1] = NO_VALUE;
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        goto out;
    }
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (csv_parse(&p, buf, (size_t)n, on_field, on_row, &f) != (size_t)n) {
            fprintf(stderr, "bench_floor: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
            goto out;
        }
    }
    if (n < 0) {
        perror(argv[1]);
        goto out;
    }
    csv_fini(&p, on_field, on_row, &f);

    /* Key "GM\x1fYYYY-MM\x1ftype\x1f" -> year key "YYYY,GM". */
    for (size_t i = 0; i < f.keys.cap; i++) {
        slot_t *s = &f.keys.slots[i];
        if (!s->hash) continue;
        const char *gm_end = memchr(s->key, '\x1f', KEY_MAX);
        size_t gm_len = (size_t)(gm_end - s->key);
        char yk[KEY_MAX] = {0};
        memcpy(yk, gm_end + 1, 4);
        yk[4] = ',';
        memcpy(yk + 5, s->key, gm_len);
        size_t yl = 5 + gm_len;
        slot_t *y = table_find(&years, yk, fnv1a(yk, yl, 14695981039346656037ULL));
        if (!y) {
            fputs("bench_floor: out of memory\n", stderr);
            goto out;
        }
        add(&y->a, s->a);
        add(&y->b, s->b);
    }
    size_t m = 0;
    for (size_t i = 0; i < years.cap; i++)
        if (years.slots[i].hash) years.slots[m++] = years.slots[i];
    qsort(years.slots, m, sizeof *years.slots, by_key);

    if (argc == 3 && !(out = fopen(argv[2], "w"))) {
        perror(argv[2]);
        goto out;
    }
    uint64_t sum = 14695981039346656037ULL;
    for (size_t i = 0; i < m; i++) {
        char line[128];
        const slot_t *y = &years.slots[i];
        int len = snprintf(line, sizeof line, "%s,", y->key);
        len += put_value(line + len, sizeof line - (size_t)len, y->a);
        line[len++] = ',';
        len += put_value(line + len, sizeof line - (size_t)len, y->b);
        line[len++] = '\n';
        sum = fnv1a(line, (size_t)len, sum);
        if (out) fwrite(line, 1, (size_t)len, out);
    }
    if (out && fclose(out) != 0) {
        out = NULL;
        perror(argv[2]);
        goto out;
    }
    out = NULL;
    printf("rows=%llu keys=%zu results=%zu checksum=%016llx\n", (unsigned long long)f.rows,
           f.keys.used, m, (unsigned long long)sum);
    rc = 0;
out:
    if (out) fclose(out);
    if (fd >= 0) close(fd);
    csv_free(&p);
    free(f.keys.slots);
    free(years.slots);
    return rc;
}
