/* fuzz_util.c - see fuzz_util.h. */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const fuzz_kinds[FUZZ_N_KINDS] = {
    "koplopers",     "deelnemers", "uitvraag", "gebruik",      "adviesinzet",
    "bijeenkomsten", "middelen",   "ervaring", "voordrachten", "gemeenten"};

static char tmpdir[512];

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void fuzz_clear_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) {
            fuzz_clear_dir(path);
            rmdir(path);
        }
    }
    closedir(d);
}

static void remove_tmpdir(void)
{
    if (!tmpdir[0]) return;
    fuzz_clear_dir(tmpdir);
    rmdir(tmpdir);
}

const char *fuzz_tmpdir(void)
{
    if (tmpdir[0]) return tmpdir;
    struct stat st;
    const char *base = getenv("KPM_FUZZ_TMPDIR");
    if (!base || !*base) {
        base = getenv("TMPDIR");
        if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
            base = "/dev/shm";
    }
    if (!base || !*base) base = "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/kpm-fuzz-XXXXXX", base);
    if (!mkdtemp(tmpdir)) fuzz_fail("cannot create a directory under %s", base);
    atexit(remove_tmpdir);
    return tmpdir;
}

void fuzz_check_message(const char *buf, size_t len, uint64_t seq, fuzz_msg_info_t *info)
{
    static wire_reader_t *rd;
    static wire_record_t rec;
    fuzz_msg_info_t mi = {0};
    if (!rd && !(rd = wire_reader_new())) fuzz_fail("out of memory");
    if (wire_reader_open(rd, buf, len, &mi.hdr) != 0)
        fuzz_fail("an emitted message does not decode: %s", wire_reader_error(rd));
    if (mi.hdr.seq != seq)
        fuzz_fail("message emitted as seq %llu has seq %llu in its header", (unsigned long long)seq,
                  (unsigned long long)mi.hdr.seq);
    int rc;
    while ((rc = wire_reader_next(rd, &rec)) == 1) {
        if (mi.records++ == 0) mi.first = rec.kind;
        mi.last = rec.kind;
    }
    if (rc != 0)
        fuzz_fail("record %u of an emitted message does not decode: %s", mi.records + 1,
                  wire_reader_error(rd));
    if (info) *info = mi;
}
