/* standalone.c - main() for a fuzz target built without libFuzzer
 * (FUZZ_STANDALONE): feeds every file named on the command line, or every
 * regular file in a directory named there, to LLVMFuzzerTestOneInput once.
 * A failing check aborts, so the exit status tells whether all inputs passed;
 * each input's name is printed first, so the last name is the culprit.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

/* Under AddressSanitizer, an allocation as large as libFuzzer's default limit
 * (-malloc_limit_mb=2048) is a failure here too, so that the replay of an
 * input that asked for an absurd amount of memory fails as the fuzzer did. */
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "max_allocation_size_mb=2048:allocator_may_return_null=0";
}
#endif

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: cannot open '%s'\n", path);
        return 1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            char *p = realloc(buf, cap);
            if (!p) {
                fclose(fp);
                free(buf);
                fprintf(stderr, "replay: out of memory reading '%s'\n", path);
                return 1;
            }
            buf = p;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        fprintf(stderr, "replay: cannot read '%s'\n", path);
        return 1;
    }
    /* A copy of exactly len bytes, so that reads past the input are caught. */
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        free(buf);
        return 1;
    }
    if (len) memcpy(data, buf, len);
    free(buf);
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the regular files of dir in name order; returns the number of failures
 * to open, and adds the files run to *count. */
static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open directory '%s'\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* also .gitkeep */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *names);
            if (!p) break;
            names = p;
        }
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            bad += run_file(path);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            bad += run_dir(argv[i], &count);
        } else {
            bad += run_file(argv[i]);
            count++;
        }
    }
    printf("%s: %zu inputs replayed, %d unreadable\n", argv[0], count, bad);
    return bad ? 1 : 0;
}
