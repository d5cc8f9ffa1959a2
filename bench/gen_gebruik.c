/* gen_gebruik - writes a deterministic `gebruik` file for benchmarks and tests.
 *
 * usage: gen_gebruik GEMEENTEN_CSV ROWS OUT_FILE [SEED] [MONTHS]
 *
 * Keys are (gemeente, periode, aanbieder_type) over the real gemeente codes of
 * GEMEENTEN_CSV, MONTHS months back from 2021-12 (default 120) and the three
 * provider types. The file first delivers every key once (in gemeente, month,
 * type order), then re-delivers random keys with corrected figures until ROWS
 * rows are written: the last delivery of a key is its value. Figures scale with
 * the gemeente's inhabitants. Semicolons, CRLF, a header row, as a Dutch export.
 * The same arguments always give the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GM 1000

static uint64_t rng_state;

static uint64_t rng(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_gebruik GEMEENTEN_CSV ROWS OUT_FILE [SEED] [MONTHS]\n");
        return 2;
    }
    uint64_t rows = strtoull(argv[2], NULL, 10);
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1 : 20211231;
    int months = argc > 5 ? atoi(argv[5]) : 120;
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    static char codes[MAX_GM][8];
    static long inhabitants[MAX_GM];
    int n = 0;
    char line[512];
    if (!fgets(line, sizeof line, in)) return 1; /* header */
    while (n < MAX_GM && fgets(line, sizeof line, in)) {
        char *last = strrchr(line, ';');
        if (strncmp(line, "GM", 2) != 0 || !last) continue;
        memcpy(codes[n], line, 6);
        codes[n][6] = '\0';
        inhabitants[n] = atol(last + 1);
        if (inhabitants[n] <= 0) inhabitants[n] = 20000;
        n++;
    }
    fclose(in);
    FILE *out = fopen(argv[3], "w");
    if (!out || n == 0 || months < 1) {
        fprintf(stderr, "gen_gebruik: cannot write %s or no gemeenten\n", argv[3]);
        return 1;
    }
    static const char *types[3] = {"professioneel", "vrijwillig", "informeel"};
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    fputs(
        "gemeente_code;periode;aanbieder_type;nieuwe_vragen;lopende_trajecten;clienten_bereikt\r\n",
        out);
    uint64_t keys = (uint64_t)n * (uint64_t)months * 3, written = 0;
    for (uint64_t k = 0; written < rows; k++, written++) {
        uint64_t key = k < keys ? k : rng() % keys;
        int g = (int)(key / ((uint64_t)months * 3));
        int m = (int)(key / 3 % (uint64_t)months);
        int t = (int)(key % 3);
        int month_index = 2021 * 12 + 11 - m; /* m months before 2021-12 */
        long scale = inhabitants[g] / 2000 + 1;
        long nieuw = (long)(rng() % (uint64_t)(scale * (3 - t) + 1));
        long lopend = nieuw + (long)(rng() % (uint64_t)(scale * 2 + 1));
        long bereikt = nieuw + lopend / 2;
        fprintf(out, "%s;%04d-%02d;%s;%ld;%ld;%ld\r\n", codes[g], month_index / 12,
                month_index % 12 + 1, types[t], nieuw, lopend, bereikt);
    }
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
