/* night.c - ingest's durable record of one night (see night.h). */
#include "night.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csvin.h"
#include "kinds.h"
#include "fsutil.h"
#include "kpm_err.h"
#include "log.h"
#include "stage.h"
#include "values.h"

#define STATE_MAGIC "kpm-ingest-night 3"
#define STATE_MAGIC_V2 "kpm-ingest-night 2" /* one worker; still read */

static int name_taken(const char *name)
{
    size_t len = strlen(name);
    if (name[0] == '.') return 0;
    if (len > 5 && strcmp(name + len - 5, ".part") == 0) return 0;
    if (len > 4 && strcmp(name + len - 4, ".tmp") == 0) return 0;
    return 1; /* names with odd bytes are taken too: ingest quarantines them */
}

/* Gives f its per-worker counts, zeroed. */
static int file_alloc(night_file_t *f, unsigned workers)
{
    f->n_msgs = calloc(workers, sizeof *f->n_msgs);
    f->by_kind = calloc((size_t)workers * INGEST_KIND_SLOTS, sizeof *f->by_kind);
    return f->n_msgs && f->by_kind ? KPM_OK : KPM_ENOMEM;
}

static void file_free(night_file_t *f)
{
    free(f->name);
    free(f->n_msgs);
    free(f->by_kind);
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const night_file_t *)a)->name, ((const night_file_t *)b)->name);
}

static int list_inbox(night_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(n->inbox);
    if (!d) {
        snprintf(err, errlen, "ingest: cannot open inbox '%s': %s", n->inbox, strerror(errno));
        return KPM_EIO;
    }
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        if (!name_taken(e->d_name)) continue;
        char *p = fs_join(n->inbox, e->d_name);
        struct stat st;
        int regular = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (!regular) continue;
        if (n->n_files == cap) {
            cap = cap ? cap * 2 : 16;
            night_file_t *f = realloc(n->files, cap * sizeof *f);
            if (!f) goto nomem;
            n->files = f;
        }
        night_file_t *f = &n->files[n->n_files];
        memset(f, 0, sizeof *f);
        n->n_files++;
        if (!(f->name = strdup(e->d_name)) || file_alloc(f, n->workers)) goto nomem;
    }
    closedir(d);
    if (n->n_files) qsort(n->files, n->n_files, sizeof *n->files, cmp_files);
    return KPM_OK;
nomem:
    closedir(d);
    snprintf(err, errlen, "ingest: out of memory");
    return KPM_ENOMEM;
}

/* File names go into the state file one per line: '%', control characters and
 * DEL are written as %XX. */
static size_t escape_name(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && o + 4 < cap; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '%')
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = '\0';
    return o;
}

static void unescape_name(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        unsigned v;
        if (r[0] == '%' && r[1] && r[2] && sscanf(r + 1, "%2x", &v) == 1) {
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int night_save(const night_t *n)
{
    size_t cap = 4096 + n->n_files * (1024 + (size_t)n->workers * 1024), o = 0;
    char *buf = malloc(cap);
    if (!buf) return KPM_ENOMEM;
    o += (size_t)snprintf(buf + o, cap - o,
                          "%s\nnight %s\nnumber %lu\ndone %d\nworkers %u\nbatch %lu\n", STATE_MAGIC,
                          n->id, n->number, n->done, n->workers, (unsigned long)n->batch);
    /* file STATUS KNOWN RECORDS ROWS, per worker MSGS/KIND:COUNT,... (or MSGS/-),
     * then the escaped name. */
    for (size_t k = 0; k < n->n_files; k++) {
        const night_file_t *f = &n->files[k];
        o += (size_t)snprintf(buf + o, cap - o, "file %d %d %llu %llu", (int)f->status, f->known,
                              (unsigned long long)f->records, (unsigned long long)f->rows);
        for (unsigned w = 0; w < n->workers; w++) {
            o += (size_t)snprintf(buf + o, cap - o, " %llu/", (unsigned long long)f->n_msgs[w]);
            int first = 1;
            for (int i = 0; i < INGEST_KIND_SLOTS; i++) {
                uint64_t c = night_kind_count(f, w, i);
                if (!c) continue;
                o += (size_t)snprintf(buf + o, cap - o, "%s%d:%llu", first ? "" : ",", i,
                                      (unsigned long long)c);
                first = 0;
            }
            if (first) o += (size_t)snprintf(buf + o, cap - o, "-");
        }
        char esc[3 * 256 + 1];
        escape_name(f->name, esc, sizeof esc);
        o += (size_t)snprintf(buf + o, cap - o, " %s\n", esc);
    }
    int rc = o < cap ? fs_write_atomic(n->path, buf, o) : KPM_ETOOBIG;
    free(buf);
    return rc;
}

/* Parses "KIND:COUNT,..." (or "-") into worker w's counts; returns the end or NULL. */
static char *parse_counts(night_file_t *f, unsigned w, char *c)
{
    if (*c == '-') return c + 1;
    for (;;) {
        int kind = (int)strtol(c, &c, 10);
        if (*c != ':' || kind < 0 || kind >= INGEST_KIND_SLOTS) return NULL;
        f->by_kind[(size_t)w * INGEST_KIND_SLOTS + (size_t)kind] = strtoull(c + 1, &c, 10);
        if (*c != ',') return c;
        c++;
    }
}

/* The name is the rest of the line after one space. */
static int take_name(night_file_t *f, const char *p)
{
    if (*p != ' ' || !p[1] || !(f->name = strdup(p + 1))) return KPM_ESTATE;
    unescape_name(f->name);
    return KPM_OK;
}

/* "STATUS KNOWN RECORDS ROWS MSGS/COUNTS... NAME" (see night_save). */
static int parse_file(const night_t *n, night_file_t *f, char *p)
{
    int status, known, used = 0;
    unsigned long long records, rows;
    if (sscanf(p, "%d %d %llu %llu%n", &status, &known, &records, &rows, &used) != 4 || !used)
        return KPM_ESTATE;
    f->status = (nf_status_t)status;
    f->known = known;
    f->records = records;
    f->rows = rows;
    p += used;
    for (unsigned w = 0; w < n->workers; w++) {
        if (*p != ' ') return KPM_ESTATE;
        f->n_msgs[w] = strtoull(p + 1, &p, 10);
        if (*p != '/' || !(p = parse_counts(f, w, p + 1))) return KPM_ESTATE;
    }
    return take_name(f, p);
}

/* Version 2, one worker: "STATUS MSGS+1 RECORDS ROWS COUNTS NAME". */
static int parse_file_v2(const night_t *n, night_file_t *f, char *p)
{
    (void)n;
    int status, used = 0;
    unsigned long long msgs, records, rows;
    if (sscanf(p, "%d %llu %llu %llu %n", &status, &msgs, &records, &rows, &used) != 4 || !used)
        return KPM_ESTATE;
    f->status = (nf_status_t)status;
    f->known = msgs > 0;
    f->n_msgs[0] = msgs ? msgs - 1 : 0;
    f->records = records;
    f->rows = rows;
    if (!(p = parse_counts(f, 0, p + used))) return KPM_ESTATE;
    return take_name(f, p);
}

/* Parses a state file. Returns KPM_OK, KPM_ENOTFOUND, or KPM_ESTATE. */
static int night_load(night_t *n)
{
    char *buf;
    size_t len;
    int rc = fs_read_all(n->path, &buf, &len);
    if (rc) return rc;
    rc = KPM_ESTATE;
    char *save, *line = strtok_r(buf, "\n", &save);
    int v2 = line && strcmp(line, STATE_MAGIC_V2) == 0;
    if (!line || (!v2 && strcmp(line, STATE_MAGIC) != 0)) goto out;
    n->workers = 1;
    n->batch = NIGHT_BATCH_BEFORE;
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (strncmp(line, "night ", 6) == 0) {
            snprintf(n->id, sizeof n->id, "%s", line + 6);
        } else if (strncmp(line, "number ", 7) == 0) {
            n->number = strtoul(line + 7, NULL, 10);
        } else if (strncmp(line, "done ", 5) == 0) {
            n->done = atoi(line + 5);
        } else if (strncmp(line, "batch ", 6) == 0) {
            unsigned long b = strtoul(line + 6, NULL, 10);
            if (b < 1 || b > UINT32_MAX) goto out;
            n->batch = (uint32_t)b;
        } else if (strncmp(line, "workers ", 8) == 0) {
            unsigned long w = strtoul(line + 8, NULL, 10);
            if (n->n_files || w < 1 || w > KPM_MAX_WORKERS) goto out;
            n->workers = (unsigned)w;
        } else if (strncmp(line, "file ", 5) == 0) {
            night_file_t *grown = realloc(n->files, (n->n_files + 1) * sizeof *grown);
            if (!grown) goto out;
            n->files = grown;
            night_file_t *f = &n->files[n->n_files++];
            memset(f, 0, sizeof *f);
            if (file_alloc(f, n->workers) || (v2 ? parse_file_v2 : parse_file)(n, f, line + 5))
                goto out;
        }
    }
    rc = n->id[0] ? KPM_OK : KPM_ESTATE;
out:
    free(buf);
    return rc;
}

/* A file is moved out of the inbox before night.state says so (see
 * night_dispose): after a crash between the two, a pending file that is gone from
 * the inbox but present in the archive or quarantine was disposed of. Moves happen
 * only after aggregate made the file durable, so this is safe. */
static int reconcile(night_t *n)
{
    int changed = 0;
    for (size_t k = 0; k < n->n_files; k++) {
        night_file_t *f = &n->files[k];
        if (f->status != NF_PENDING || !f->known || fs_exists(night_inbox_path(n, k)))
            continue; /* only a file produced whole before can have been moved */
        char path[4608];
        snprintf(path, sizeof path, "%s/archive/%s/%s", n->state_dir, n->id, f->name);
        if (fs_exists(path)) {
            f->status = NF_ARCHIVED;
        } else {
            snprintf(path, sizeof path, "%s/quarantine/%s/%s", n->state_dir, n->id, f->name);
            if (!fs_exists(path)) continue;
            f->status = NF_QUARANTINED;
        }
        log_info("file %s was moved before a restart: taken as disposed of", f->name);
        changed = 1;
    }
    return changed ? night_save(n) : KPM_OK;
}

night_t *night_open(const char *state_dir, const char *inbox, const char *new_id,
                    unsigned workers, uint32_t batch, char *err, size_t errlen)
{
    night_t *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->workers = workers;
    n->batch = batch;
    n->state_dir = strdup(state_dir);
    n->inbox = strdup(inbox);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ingest", state_dir);
    n->path = fs_join(dir, "night.state");
    if (!n->state_dir || !n->inbox || !n->path) goto fail;
    if (fs_mkdirs(dir, 0770) != KPM_OK) {
        snprintf(err, errlen, "ingest: cannot create '%s': %s", dir, strerror(errno));
        goto fail;
    }
    int rc = night_load(n);
    if (rc == KPM_OK && !n->done && reconcile(n) != KPM_OK) {
        snprintf(err, errlen, "ingest: cannot write '%s': %s", n->path, strerror(errno));
        goto fail;
    }
    if (rc == KPM_OK && !n->done && n->workers != workers) {
        snprintf(err, errlen,
                 "ingest: night %s was started with %u aggregate worker(s), not %u: finish it "
                 "with --workers %u (or remove '%s' and all stage states to start over)",
                 n->id, n->workers, workers, n->workers, n->path);
        goto fail;
    }
    if (rc == KPM_OK && !n->done) {
        if (new_id && strcmp(new_id, n->id) != 0)
            log_warn("night %s is unfinished: it is resumed before night %s", n->id, new_id);
        if (n->batch != batch)
            log_info("night %s keeps its %lu records per message (not %lu)", n->id,
                     (unsigned long)n->batch, (unsigned long)batch);
        return n;
    }
    if (rc == KPM_OK && new_id && strcmp(new_id, n->id) == 0)
        return n; /* that night is done: the caller has nothing to do */
    if (rc != KPM_OK && rc != KPM_ENOTFOUND) {
        snprintf(err, errlen, "ingest: '%s': %s", n->path, kpm_strerror(rc));
        goto fail;
    }
    for (size_t k = 0; k < n->n_files; k++) file_free(&n->files[k]);
    free(n->files);
    n->files = NULL;
    n->n_files = 0;
    n->done = 0;
    n->workers = workers;
    n->batch = batch;
    n->number++;
    if (new_id) {
        snprintf(n->id, sizeof n->id, "%s", new_id);
    } else {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(n->id, sizeof n->id, "%s-%lu", when, n->number);
    }
    if (list_inbox(n, err, errlen) != KPM_OK) goto fail;
    if (night_save(n) != KPM_OK) {
        snprintf(err, errlen, "ingest: cannot write '%s': %s", n->path, strerror(errno));
        goto fail;
    }
    return n;
fail:
    night_destroy(&n);
    return NULL;
}

void night_destroy(night_t **pn)
{
    if (!pn || !*pn) return;
    night_t *n = *pn;
    for (size_t k = 0; k < n->n_files; k++) file_free(&n->files[k]);
    free(n->files);
    free(n->state_dir);
    free(n->inbox);
    free(n->path);
    free(n);
    *pn = NULL;
}

uint64_t night_first_seq(const night_t *n, unsigned w, size_t k)
{
    uint64_t seq = 1;
    for (size_t i = 0; i < k && i < n->n_files; i++) seq += n->files[i].n_msgs[w];
    return seq;
}

size_t night_file_of_seq(const night_t *n, unsigned w, uint64_t seq)
{
    uint64_t first = 1;
    for (size_t k = 0; k < n->n_files; k++) {
        if (!n->files[k].known || seq < first + n->files[k].n_msgs[w]) return k;
        first += n->files[k].n_msgs[w];
    }
    return n->n_files;
}

const char *night_inbox_path(const night_t *n, size_t k)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", n->inbox, n->files[k].name);
    return path;
}

/* Writes one CSV field, quoted when needed. */
static void put_field(FILE *fp, const char *s, size_t len, char delim)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, fp);
        return;
    }
    fputc('"', fp);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

enum { ARCHIVE_KEEP, ARCHIVE_DROP, ARCHIVE_HASH };

/* What the archive keeps of a column: pii items of the catalogue are dropped, a
 * person's name (COL_PERSON, e.g. adviseur) is replaced by its hash. */
static int archive_action(const catalog_t *cat, const kind_spec_t *kind, const char *name,
                          size_t len)
{
    int item = catalog_find(cat, name, len);
    if (item >= 0 && catalog_item(cat, (size_t)item)->type == ITEM_PII) return ARCHIVE_DROP;
    for (size_t s = 0; kind && s < kind->n_cols; s++)
        if (kind->cols[s].type == COL_PERSON && strlen(kind->cols[s].name) == len &&
            strncasecmp(kind->cols[s].name, name, len) == 0)
            return ARCHIVE_HASH;
    return ARCHIVE_KEEP;
}

/* Copies a CSV file without its personal data (see archive_action). */
static int copy_without_pii(const catalog_t *cat, const char *src, const char *dst,
                            const char *file_name, char *err, size_t errlen)
{
    const kind_spec_t *kind = kind_from_filename(file_name);
    csvin_t *in = csvin_open(src, err, errlen);
    if (!in) return KPM_EIO;
    fs_atomic_t out;
    int rc = fs_atomic_open(&out, dst);
    if (rc) {
        csvin_close(&in);
        snprintf(err, errlen, "cannot create '%s': %s", dst, strerror(errno));
        return rc;
    }
    char delim = csvin_delim(in);
    int keep[CSVIN_MAX_FIELDS];
    size_t n_header = 0;
    csvin_row_t row;
    int first = 1;
    while ((rc = csvin_next(in, &row)) == 1) {
        int is_header = first;
        if (first) {
            n_header = row.n;
            for (size_t c = 0; c < row.n; c++) {
                size_t len = row.lens[c];
                const char *name = val_trim(row.fields[c], &len);
                keep[c] = archive_action(cat, kind, name, len);
            }
            first = 0;
        } else if (row.n != n_header || row.too_wide || row.unterminated || row.bad_quote) {
            /* Its fields cannot be matched to columns, so neither can the pii
             * ones: the row is left out (it was rejected as a whole anyway). */
            continue;
        }
        int sep = 0;
        for (size_t c = 0; c < row.n; c++) {
            int action = c < n_header ? keep[c] : ARCHIVE_KEEP;
            if (action == ARCHIVE_DROP) continue;
            if (sep) fputc(delim, out.fp);
            if (action == ARCHIVE_HASH && !is_header) {
                char hash[17];
                ingest_person_hash(row.fields[c], row.lens[c], hash);
                put_field(out.fp, hash, 16, delim);
            } else {
                put_field(out.fp, row.fields[c], row.lens[c], delim);
            }
            sep = 1;
        }
        fputc('\n', out.fp);
    }
    csvin_close(&in);
    if (rc < 0) {
        fs_atomic_abort(&out);
        snprintf(err, errlen, "cannot read '%s'", src);
        return KPM_EIO;
    }
    return fs_atomic_commit(&out);
}

/* Moves a file and gives it `mode`: a delivered file keeps no permissions of
 * its delivery (it may have been world-readable in the inbox). */
static int move_file(const char *src, const char *dst, unsigned mode, char *err, size_t errlen)
{
    if (rename(src, dst) == 0 && chmod(dst, (mode_t)mode) == 0) return KPM_OK;
    snprintf(err, errlen, "cannot move '%s' to '%s': %s", src, dst, strerror(errno));
    return KPM_EIO;
}

int night_dispose(night_t *n, size_t k, const catalog_t *cat, char *err, size_t errlen)
{
    night_file_t *f = &n->files[k];
    if (f->status != NF_PENDING) return KPM_OK;
    char dir[4096], dst[4608], src[4608];
    snprintf(src, sizeof src, "%s", night_inbox_path(n, k));
    int rc = KPM_OK;
    switch (f->res.dispo) {
    case DISPO_QUARANTINE:
        snprintf(dir, sizeof dir, "%s/quarantine/%s", n->state_dir, n->id);
        if (fs_mkdirs(dir, 0700) != KPM_OK) goto mkdir_failed;
        snprintf(dst, sizeof dst, "%s/%s.reason", dir, f->name);
        char reason[1024];
        int len = snprintf(reason, sizeof reason, "%s\n", f->res.reason);
        if ((rc = fs_write_atomic(dst, reason, (size_t)len))) {
            snprintf(err, errlen, "cannot write '%s': %s", dst, strerror(errno));
            return rc;
        }
        snprintf(dst, sizeof dst, "%s/%s", dir, f->name);
        if ((rc = move_file(src, dst, 0600, err, errlen))) return rc;
        f->status = NF_QUARANTINED;
        break;
    case DISPO_ARCHIVE:
        snprintf(dir, sizeof dir, "%s/archive/%s", n->state_dir, n->id);
        if (fs_mkdirs(dir, 0750) != KPM_OK) goto mkdir_failed;
        snprintf(dst, sizeof dst, "%s/%s", dir, f->name);
        if (f->res.has_pii) {
            if ((rc = copy_without_pii(cat, src, dst, f->name, err, errlen))) return rc;
            chmod(dst, 0640);
            if (unlink(src) != 0) {
                snprintf(err, errlen, "cannot remove '%s': %s", src, strerror(errno));
                return KPM_EIO;
            }
        } else if ((rc = move_file(src, dst, 0640, err, errlen))) {
            return rc;
        }
        f->status = NF_ARCHIVED;
        break;
    }
    fs_sync_dir(n->inbox);
    return night_save(n);
mkdir_failed:
    snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
    return KPM_EIO;
}
