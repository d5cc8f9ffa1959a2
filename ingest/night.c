/* night.c - ingest's durable record of one night (see night.h). */
#include "night.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
    if (f->opened) ingest_entry_close(&f->entry);
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
        /* Every entry is taken, whatever it is: one that is no regular file is
         * listed with a reject and set aside when it is produced (night_entry). */
        if (!name_taken(e->d_name)) continue;
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
    for (size_t k = 0; k < n->n_files; k++) {
        if (!n->files[k].changed_before) continue;
        char esc[3 * 256 + 1];
        escape_name(n->files[k].name, esc, sizeof esc);
        o += (size_t)snprintf(buf + o, cap - o, "notice %s\n", esc);
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
        } else if (strncmp(line, "notice ", 7) == 0) {
            unescape_name(line + 7);
            for (size_t k = 0; k < n->n_files; k++)
                if (strcmp(n->files[k].name, line + 7) == 0) n->files[k].changed_before = 1;
        }
    }
    rc = n->id[0] ? KPM_OK : KPM_ESTATE;
out:
    free(buf);
    return rc;
}

static int lexists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
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
        if (f->status != NF_PENDING || !f->known || lexists(night_inbox_path(n, k)))
            continue; /* only a file produced whole before can have been moved */
        char path[4608], qname[NAME_MAX + 1];
        snprintf(path, sizeof path, "%s/archive/%s/%s", n->state_dir, n->id, f->name);
        if (lexists(path)) {
            f->status = NF_ARCHIVED;
        } else {
            night_quarantine_name(f->name, qname, sizeof qname);
            snprintf(path, sizeof path, "%s/quarantine/%s/%s", n->state_dir, n->id, qname);
            if (!lexists(path)) continue;
            f->status = NF_QUARANTINED;
        }
        log_info("file %s was moved before a restart: taken as disposed of", f->name);
        changed = 1;
    }
    return changed ? night_save(n) : KPM_OK;
}

night_t *night_open(const char *state_dir, const char *inbox, const char *new_id, unsigned workers,
                    uint32_t batch, char *err, size_t errlen)
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
    /* Files that changed while the last night read it: this night takes them
     * again whole, with a FILE_CHANGED notice (their names, kept meanwhile). */
    char **changed = calloc(n->n_files + 1, sizeof *changed);
    size_t n_changed = 0;
    if (!changed) goto fail;
    for (size_t k = 0; k < n->n_files; k++) {
        if (n->files[k].status == NF_CHANGED) {
            changed[n_changed++] = n->files[k].name;
            n->files[k].name = NULL;
        }
        file_free(&n->files[k]);
    }
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
    int listed = list_inbox(n, err, errlen);
    for (size_t k = 0; k < n->n_files; k++)
        for (size_t i = 0; i < n_changed; i++)
            if (strcmp(n->files[k].name, changed[i]) == 0) n->files[k].changed_before = 1;
    for (size_t i = 0; i < n_changed; i++)
        free(changed[i]);
    free(changed);
    if (listed != KPM_OK) goto fail;
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
    for (size_t k = 0; k < n->n_files; k++)
        file_free(&n->files[k]);
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
    for (size_t i = 0; i < k && i < n->n_files; i++)
        seq += n->files[i].n_msgs[w];
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

/* Whether the archive drops a column: pii items of the catalogue and a person's
 * name (COL_PERSON, e.g. adviseur). The archive keeps no pseudonym either: the
 * state holds what the replacement rule needs (docs/SECURITY.md). */
static int archive_drops(const catalog_t *cat, const kind_spec_t *kind, const char *name,
                         size_t len)
{
    int item = catalog_find(cat, name, len);
    if (item >= 0 && catalog_item(cat, (size_t)item)->type == ITEM_PII) return 1;
    for (size_t s = 0; kind && s < kind->n_cols; s++)
        if (kind->cols[s].type == COL_PERSON && strlen(kind->cols[s].name) == len &&
            strncasecmp(kind->cols[s].name, name, len) == 0)
            return 1;
    return 0;
}

/* Copies the open CSV file src_fd to dst without its personal data (see
 * archive_drops); dst may be the file src_fd reads (the copy replaces it). */
static int copy_without_pii(const catalog_t *cat, int src_fd, const char *dst,
                            const char *file_name, char *err, size_t errlen)
{
    const kind_spec_t *kind = kind_from_filename(file_name);
    int in_fd = dup(src_fd), out_fd = -1, rc;
    FILE *in_fp = in_fd >= 0 ? fdopen(in_fd, "rb") : NULL;
    csvin_t *in = NULL;
    char *tmp = NULL, dir[4096];
    if (!in_fp) {
        snprintf(err, errlen, "cannot read '%s': %s", file_name, strerror(errno));
        if (in_fd >= 0) close(in_fd);
        return KPM_EIO;
    }
    rewind(in_fp);
    if (!(in = csvin_open_stream(in_fp, file_name, err, errlen))) {
        fclose(in_fp);
        return KPM_EIO;
    }
    snprintf(dir, sizeof dir, "%s", dst);
    *strrchr(dir, '/') = '\0';
    FILE *out = NULL;
    if ((rc = fs_tmp_open(dir, &out_fd, &tmp)) || !(out = fdopen(out_fd, "wb"))) {
        snprintf(err, errlen, "cannot create a file in '%s': %s", dir, strerror(errno));
        if (!rc) fs_tmp_abort(out_fd, tmp);
        csvin_close(&in);
        fclose(in_fp);
        return KPM_EIO;
    }
    char delim = csvin_delim(in);
    int drop[CSVIN_MAX_FIELDS];
    size_t n_header = 0;
    csvin_row_t row;
    int first = 1;
    while ((rc = csvin_next(in, &row)) == 1) {
        if (first) {
            n_header = row.n;
            for (size_t c = 0; c < row.n; c++) {
                size_t len = row.lens[c];
                const char *name = val_trim(row.fields[c], &len);
                drop[c] = archive_drops(cat, kind, name, len);
            }
            first = 0;
        } else if (row.n != n_header || row.too_wide || row.unterminated || row.bad_quote) {
            /* Its fields cannot be matched to columns, so neither can the pii
             * ones: the row is left out (it was rejected as a whole anyway). */
            continue;
        }
        int sep = 0;
        for (size_t c = 0; c < row.n; c++) {
            if (c < n_header && drop[c]) continue;
            if (sep) fputc(delim, out);
            put_field(out, row.fields[c], row.lens[c], delim);
            sep = 1;
        }
        fputc('\n', out);
    }
    int read_errno = errno;
    csvin_close(&in);
    fclose(in_fp);
    if (rc < 0) {
        fclose(out);
        fs_tmp_abort(-1, tmp);
        snprintf(err, errlen, "cannot read '%s': %s", file_name, strerror(read_errno));
        return KPM_EIO;
    }
    int fd = fflush(out) == 0 && !ferror(out) ? dup(fileno(out)) : -1;
    int saved = errno;
    fclose(out);
    if (fd < 0) {
        fs_tmp_abort(-1, tmp);
        snprintf(err, errlen, "cannot write '%s': %s", dst, strerror(saved));
        return KPM_EIO;
    }
    if ((rc = fs_tmp_commit(fd, tmp, dst, 0640)))
        snprintf(err, errlen, "cannot write '%s': %s", dst, strerror(errno));
    return rc;
}

/* 1 when the archived file at path still has a column the archive drops (a
 * file archived by an older kpm, which kept a hash of the adviser's name). */
static int archived_with_pii(const catalog_t *cat, const kind_spec_t *kind, const char *path)
{
    char err[256];
    csvin_t *in = csvin_open(path, err, sizeof err);
    if (!in) return 0;
    csvin_row_t row;
    int found = 0;
    if (csvin_next(in, &row) == 1)
        for (size_t c = 0; c < row.n && !found; c++) {
            size_t len = row.lens[c];
            const char *name = val_trim(row.fields[c], &len);
            found = archive_drops(cat, kind, name, len);
        }
    csvin_close(&in);
    return found;
}

/* Scrubs the archived files of one night directory (see night_scrub_archive). */
static int scrub_night_dir(const catalog_t *cat, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) return KPM_OK; /* not a directory */
    struct dirent *e;
    int rc = KPM_OK;
    while (rc == KPM_OK && (e = readdir(d)) != NULL) {
        const kind_spec_t *kind = name_taken(e->d_name) ? kind_from_filename(e->d_name) : NULL;
        int has_person = 0;
        for (size_t s = 0; kind && s < kind->n_cols; s++)
            has_person |= kind->cols[s].type == COL_PERSON;
        if (!has_person) continue;
        char path[4608];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!archived_with_pii(cat, kind, path)) continue;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
            rc = KPM_EIO;
            break;
        }
        rc = copy_without_pii(cat, fd, path, e->d_name, err, errlen);
        close(fd);
        if (rc == KPM_OK) log_info("archive: removed the adviser hashes from '%s'", path);
    }
    closedir(d);
    return rc;
}

int night_scrub_archive(const char *state_dir, const catalog_t *cat, char *err, size_t errlen)
{
    char top[4200];
    snprintf(top, sizeof top, "%s/archive", state_dir);
    DIR *d = opendir(top);
    if (!d) return KPM_OK; /* nothing archived yet */
    struct dirent *e;
    int rc = KPM_OK;
    while (rc == KPM_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char dir[4608];
        snprintf(dir, sizeof dir, "%s/%s", top, e->d_name);
        rc = scrub_night_dir(cat, dir, err, errlen);
    }
    closedir(d);
    return rc;
}

int night_quarantine_name(const char *name, char *out, size_t cap)
{
    if (strlen(name) + sizeof ".reason.tmp" - 1 <= NAME_MAX) {
        snprintf(out, cap, "%s", name);
        return 0;
    }
    uint64_t h = VAL_FNV1A64_SEED;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = val_fnv1a64(h, *p);
    snprintf(out, cap, "lange-naam-%016llx", (unsigned long long)h);
    return 1;
}

ingest_entry_t *night_entry(night_t *n, size_t k)
{
    night_file_t *f = &n->files[k];
    if (f->opened) return &f->entry;
    if (ingest_entry_open(night_inbox_path(n, k), &f->entry) != KPM_OK) return NULL;
    f->opened = 1;
    struct stat state;
    /* The quarantine is in the state directory: a rename reaches it only from the
     * same file system (a regular file is copied through its descriptor). */
    f->entry.movable =
        f->entry.fd >= 0 || (stat(n->state_dir, &state) == 0 && state.st_dev == f->entry.st.st_dev);
    f->entry.changed_before = f->changed_before;
    return &f->entry;
}

/* Is the entry still the one that was looked at (an entry without a descriptor)
 * or unchanged since it was opened (a regular file)? */
static int entry_unchanged(const ingest_entry_t *e)
{
    if (e->fd >= 0) return !ingest_entry_changed(e);
    struct stat st;
    return lstat(e->path, &st) == 0 && st.st_ino == e->st.st_ino && st.st_dev == e->st.st_dev;
}

/* Moves the entry to dst: a regular file through its descriptor (fs_move_fd),
 * anything else by a rename of the entry itself (a link is never followed, and
 * nothing is re-moded). Returns KPM_OK or KPM_EIO (errno kept). */
static int move_entry(const ingest_entry_t *e, const char *dst, unsigned mode)
{
    if (e->fd >= 0) return fs_move_fd(e->fd, e->path, dst, mode, e->st.st_nlink > 1);
    if (rename(e->path, dst) != 0) return KPM_EIO;
    char dir[4608];
    snprintf(dir, sizeof dir, "%s", dst);
    *strrchr(dir, '/') = '\0';
    return fs_sync_dir(dir);
}

static int make_dir(const char *dir, unsigned mode, char *err, size_t errlen)
{
    if (fs_mkdirs(dir, mode) == KPM_OK) return KPM_OK;
    snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
    return KPM_EIO;
}

/* Quarantine: the .reason file first, then the entry. */
static int quarantine(night_t *n, night_file_t *f, nf_status_t *to, char *err, size_t errlen)
{
    char dir[4096], dst[4608], qname[NAME_MAX + 1], reason[1536];
    snprintf(dir, sizeof dir, "%s/quarantine/%s", n->state_dir, n->id);
    if (make_dir(dir, 0700, err, errlen)) return KPM_EIO;
    int generated = night_quarantine_name(f->name, qname, sizeof qname);
    int len = snprintf(reason, sizeof reason, "%s%s%s%s\n", generated ? "bestand: " : "",
                       generated ? f->name : "", generated ? "\n" : "", f->res.reason);
    if (len >= (int)sizeof reason) len = (int)sizeof reason - 1;
    snprintf(dst, sizeof dst, "%s/%s.reason", dir, qname);
    if (fs_write_atomic(dst, reason, (size_t)len)) {
        snprintf(err, errlen, "cannot write '%s': %s", dst, strerror(errno));
        return KPM_EIO;
    }
    snprintf(dst, sizeof dst, "%s/%s", dir, qname);
    if (move_entry(&f->entry, dst, 0600)) {
        log_error("file %s cannot be moved to '%s': %s; it stays in the inbox", f->name, dst,
                  strerror(errno));
        *to = NF_LEFT;
        return KPM_OK;
    }
    if (generated) log_info("file %s is quarantined as %s", f->name, qname);
    *to = NF_QUARANTINED;
    return KPM_OK;
}

static int archive(night_t *n, night_file_t *f, const catalog_t *cat, nf_status_t *to, char *err,
                   size_t errlen)
{
    char dir[4096], dst[4608];
    snprintf(dir, sizeof dir, "%s/archive/%s", n->state_dir, n->id);
    if (make_dir(dir, 0750, err, errlen)) return KPM_EIO;
    snprintf(dst, sizeof dst, "%s/%s", dir, f->name);
    const ingest_entry_t *e = &f->entry;
    if (f->res.has_pii) {
        int rc = copy_without_pii(cat, e->fd, dst, f->name, err, errlen);
        if (rc) return rc;
        if (unlink(e->path) != 0 || fs_sync_dir(n->inbox) != KPM_OK) {
            log_error("file %s is archived, but cannot be removed from the inbox: %s; it stays",
                      f->name, strerror(errno));
            *to = NF_LEFT;
            return KPM_OK;
        }
    } else if (move_entry(e, dst, 0640)) {
        if (errno == ENOSPC || errno == EDQUOT || errno == EROFS) {
            snprintf(err, errlen, "cannot archive '%s' to '%s': %s", e->path, dst, strerror(errno));
            return KPM_EIO;
        }
        log_error("file %s cannot be moved to '%s': %s; it stays in the inbox", f->name, dst,
                  strerror(errno));
        *to = NF_LEFT;
        return KPM_OK;
    }
    *to = NF_ARCHIVED;
    return KPM_OK;
}

int night_dispose(night_t *n, size_t k, const catalog_t *cat, char *err, size_t errlen)
{
    night_file_t *f = &n->files[k];
    if (f->status != NF_PENDING) return KPM_OK;
    ingest_entry_t *e = night_entry(n, k);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return KPM_ENOMEM;
    }
    nf_status_t to = NF_LEFT;
    int rc = KPM_OK;
    if (f->res.dispo == DISPO_LEAVE) {
        to = e->verdict == 1 ? NF_CHANGED : NF_LEFT;
    } else if (!entry_unchanged(e)) {
        log_warn("file %s changed after it was read: it stays in the inbox and the next night "
                 "takes it again whole (FILE_CHANGED)",
                 f->name);
        to = e->fd >= 0 ? NF_CHANGED : NF_LEFT;
    } else if (f->res.dispo == DISPO_QUARANTINE) {
        rc = quarantine(n, f, &to, err, errlen);
    } else {
        rc = archive(n, f, cat, &to, err, errlen);
    }
    if (rc) return rc;
    f->status = to;
    ingest_entry_close(e);
    f->opened = 0;
    fs_sync_dir(n->inbox);
    if ((rc = night_save(n)))
        snprintf(err, errlen, "cannot write '%s': %s", n->path, strerror(errno));
    return rc;
}
