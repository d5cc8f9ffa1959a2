/* checkpoint.c - aggregate's state on disk (see checkpoint.h). */
#include "checkpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "fsutil.h"
#include "kpm_err.h"

#define CKPT_MAGIC "KPMCKPT2"
#define CKPT_MAGIC_V1 "KPMCKPT1" /* adviser hashes without a key: converted on load */
#define CKPT_STREAM "checkpoint"

static int write_frame(FILE *fp, const char *buf, size_t len)
{
    unsigned char hdr[4] = {(unsigned char)len, (unsigned char)(len >> 8),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
    if (fwrite(hdr, 1, 4, fp) != 4 || fwrite(buf, 1, len, fp) != len) return KPM_EIO;
    return KPM_OK;
}

static int emit_frame(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    (void)seq;
    return write_frame(ctx, buf, len);
}

static void counts_record(const ckpt_meta_t *m, wire_record_t *rec)
{
    rec->kind = WIRE_REC_COUNTS;
    rec->u.counts.n = 0;
    for (int k = 1; k < CKPT_KINDS && rec->u.counts.n < WIRE_MAX_COUNTS; k++) {
        if (!m->applied[k]) continue;
        rec->u.counts.names[rec->u.counts.n] = wire_str(wire_rec_kind_name((wire_rec_kind_t)k));
        rec->u.counts.counts[rec->u.counts.n++] = m->applied[k];
    }
}

int checkpoint_write(const char *path, const agg_state_t *s, const ckpt_meta_t *m)
{
    fs_atomic_t out;
    int rc = fs_atomic_open(&out, path);
    if (rc) return rc;
    batcher_t *b = batcher_new(CKPT_STREAM, 4096, 1 << 20, emit_frame, out.fp);
    if (!b) {
        fs_atomic_abort(&out);
        return KPM_ENOMEM;
    }
    static wire_record_t rec;
    counts_record(m, &rec);
    uint64_t flags = (uint64_t)(m->complete ? 1 : 0) | (uint64_t)(m->delivered ? 2 : 0);
    fwrite(CKPT_MAGIC, 1, 8, out.fp);
    /* The header uses the night as its stream and the expected seq as its seq. */
    wire_writer_t *w = wire_writer_new();
    if (!w) {
        rc = KPM_ENOMEM;
        goto fail;
    }
    wire_writer_begin(w, WIRE_MSG_BEGIN, m->night, m->next, flags);
    size_t len;
    if ((rc = wire_writer_put(w, &rec))) goto fail;
    for (size_t i = 0; i < m->files.n; i++) { /* the night's files, for the manifest */
        filelist_record(&m->files, i, &rec);
        if ((rc = wire_writer_put(w, &rec))) goto fail;
    }
    const char *buf = wire_writer_finish(w, &len);
    if ((rc = write_frame(out.fp, buf, len))) goto fail;
    batcher_seek(b, 1);
    if ((rc = state_dump(s, b))) goto fail;
    if ((rc = batcher_emit_control(b, WIRE_MSG_END, batcher_records(b), NULL, 0))) goto fail;
    wire_writer_destroy(&w);
    batcher_destroy(&b);
    return fs_atomic_commit(&out);
fail:
    wire_writer_destroy(&w);
    batcher_destroy(&b);
    fs_atomic_abort(&out);
    return rc ? rc : KPM_EIO;
}

/* Every run of 16 hex digits after a '|' in s (an adviesinzet key quoted in a
 * DUPLICATE_KEY reject) replaced by its keyed pseudonym, into buf. */
static wire_str_t convert_text(const pseudonym_key_t *key, wire_str_t s, char *buf, size_t cap)
{
    if (s.len >= cap) return s;
    memcpy(buf, s.ptr, s.len);
    for (size_t i = 1; i + PSEUDONYM_HEX <= s.len; i++) {
        if (buf[i - 1] != '|') continue;
        size_t end = i + PSEUDONYM_HEX;
        int hex = end == s.len || !isxdigit((unsigned char)buf[end]);
        char out[PSEUDONYM_HEX + 1];
        if (hex && pseudonym_of_legacy(key, buf + i, PSEUDONYM_HEX, out) == KPM_OK)
            memcpy(buf + i, out, PSEUDONYM_HEX);
    }
    return wire_strn(buf, s.len);
}

/* A record of a version 1 checkpoint with its unkeyed adviser hashes replaced
 * by the keyed pseudonyms of the same names (common/pseudonym.h). The views
 * point into bufs. */
static int convert_v1(const pseudonym_key_t *key, wire_record_t *rec, char *bufs, size_t cap)
{
    if (rec->kind == WIRE_REC_ADVIESINZET) {
        wire_str_t *a = &rec->u.adviesinzet.adviseur;
        if (pseudonym_of_legacy(key, a->ptr, a->len, bufs) != KPM_OK) return KPM_EPROTO;
        *a = wire_strn(bufs, PSEUDONYM_HEX);
    } else if (rec->kind == WIRE_REC_REJECT) {
        rec->u.reject.message = convert_text(key, rec->u.reject.message, bufs, cap);
    }
    return KPM_OK;
}

int checkpoint_load(const char *path, agg_state_t *s, ckpt_meta_t *m, const pseudonym_key_t *key,
                    char *err, size_t errlen)
{
    char *buf;
    size_t len;
    memset(m, 0, sizeof *m);
    int rc = fs_read_all(path, &buf, &len);
    if (rc == KPM_ENOTFOUND) return rc;
    if (rc) {
        snprintf(err, errlen, "cannot read checkpoint '%s': %s", path, strerror(errno));
        return rc;
    }
    wire_reader_t *rd = wire_reader_new();
    if (rd) wire_reader_accept_older(rd, 1); /* a checkpoint of an older kpm */
    static wire_record_t rec;
    uint64_t records = 0;
    static char conv[4096]; /* a converted text (reject messages are shorter) */
    int frame = 0, ended = 0;
    size_t off = 8;
    rc = KPM_ESTATE;
    int v1 = rd && len >= 8 && memcmp(buf, CKPT_MAGIC_V1, 8) == 0;
    if (!rd || len < 8 || (!v1 && memcmp(buf, CKPT_MAGIC, 8) != 0)) {
        snprintf(err, errlen, "'%s' is not a kpm checkpoint", path);
        goto out;
    }
    if (v1 && !key) {
        snprintf(err, errlen,
                 "checkpoint '%s' holds the unkeyed adviser hashes of an older kpm; converting "
                 "them needs the pseudonym key STATE/" PSEUDONYM_KEY_FILE
                 ", which kpm-ingest makes on its first start (on another host: copy it here, "
                 "docs/SECURITY.md)",
                 path);
        goto out;
    }
    m->converted = v1;
    while (off < len) {
        if (len - off < 4) goto damaged;
        const unsigned char *p = (const unsigned char *)buf + off;
        size_t flen = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        off += 4;
        if (flen > len - off || ended) goto damaged;
        wire_header_t h;
        if (wire_reader_open(rd, buf + off, flen, &h) != KPM_OK) {
            if (!wire_reader_other_version(rd)) goto damaged;
            snprintf(err, errlen, "checkpoint '%s': %s", path, wire_reader_error(rd));
            rc = KPM_ESTATE;
            goto out;
        }
        if (frame == 0) {
            if (h.type != WIRE_MSG_BEGIN) goto damaged;
            snprintf(m->night, sizeof m->night, "%s", h.stream);
            m->next = h.seq;
            m->complete = (h.aux & 1) != 0;
            m->delivered = (h.aux & 2) != 0;
        } else if (h.type == WIRE_MSG_END) {
            if (h.aux != records) goto damaged;
            ended = 1;
        }
        int r;
        while ((r = wire_reader_next(rd, &rec)) == 1) {
            if (frame == 0 && rec.kind == WIRE_REC_COUNTS) {
                for (uint32_t i = 0; i < rec.u.counts.n; i++)
                    for (int k = 1; k < CKPT_KINDS; k++)
                        if (wire_str_eq(rec.u.counts.names[i],
                                        wire_rec_kind_name((wire_rec_kind_t)k)))
                            m->applied[k] = rec.u.counts.counts[i];
                continue;
            }
            if (frame == 0 && rec.kind == WIRE_REC_FILE_END) {
                if ((rc = filelist_put(&m->files, &rec.u.file_end)) != KPM_OK) goto out;
                continue;
            }
            if ((v1 && (rc = convert_v1(key, &rec, conv, sizeof conv)) != KPM_OK) ||
                (rc = state_apply(s, &rec)) != KPM_OK) {
                snprintf(err, errlen, "checkpoint '%s': %s", path, kpm_strerror(rc));
                rc = KPM_ESTATE;
                goto out;
            }
            records++;
        }
        if (r < 0) goto damaged;
        off += flen;
        frame++;
    }
    if (!ended) goto damaged;
    rc = KPM_OK;
    goto out;
damaged:
    snprintf(err, errlen, "checkpoint '%s' is damaged (frame %d)", path, frame);
    rc = KPM_ESTATE;
out:
    wire_reader_destroy(&rd);
    free(buf);
    return rc;
}
