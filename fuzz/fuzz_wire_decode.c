/* fuzz_wire_decode.c - message decoding, shared by aggregate and report:
 * wire_reader_open/next on arbitrary bytes.
 *
 * What decodes must also encode: the records are written again with the wire
 * writer, and that message must decode to the same header and records and
 * encode again to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "kpm_err.h"

typedef struct {
    wire_reader_t *rd;
    wire_writer_t *w;
    char *copy; /* the first re-encoding, compared with the second */
    size_t cap;
} ctx_t;

static ctx_t *ctx(void)
{
    static ctx_t c;
    if (!c.rd) {
        c.rd = wire_reader_new();
        c.w = wire_writer_new();
        if (!c.rd || !c.w) fuzz_fail("out of memory");
    }
    return &c;
}

/* Decodes buf and writes its records again; returns 1 when buf decoded, with
 * the re-encoding in *out (owned by the writer). */
static int recode(ctx_t *c, const char *buf, size_t len, wire_header_t *hdr, const char **out,
                  size_t *outlen)
{
    static wire_record_t rec;
    if (wire_reader_open(c->rd, buf, len, hdr) != KPM_OK) return 0;
    wire_writer_begin(c->w, hdr->type, hdr->stream, hdr->seq, hdr->aux);
    int rc;
    while ((rc = wire_reader_next(c->rd, &rec)) == 1) {
        int prc = wire_writer_put(c->w, &rec);
        if (prc != KPM_OK)
            fuzz_fail("a decoded %s record does not encode: %s", wire_rec_kind_name(rec.kind),
                      kpm_strerror(prc));
    }
    if (rc != 0) return 0;
    if (wire_writer_count(c->w) != hdr->count)
        fuzz_fail("decoded %u records of %u announced", wire_writer_count(c->w), hdr->count);
    *out = wire_writer_finish(c->w, outlen);
    if (!*out) fuzz_fail("the writer cannot finish a decoded message");
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx_t *c = ctx();
    wire_header_t h1, h2;
    const char *e1, *e2;
    size_t n1, n2;
    if (!recode(c, (const char *)data, size, &h1, &e1, &n1)) return 0;
    if (n1 > c->cap) {
        free(c->copy);
        if (!(c->copy = malloc(n1))) fuzz_fail("out of memory");
        c->cap = n1;
    }
    memcpy(c->copy, e1, n1);
    if (!recode(c, c->copy, n1, &h2, &e2, &n2))
        fuzz_fail("a re-encoded message does not decode: %s", wire_reader_error(c->rd));
    if (h1.type != h2.type || h1.seq != h2.seq || h1.aux != h2.aux || h1.count != h2.count ||
        strcmp(h1.stream, h2.stream) != 0)
        fuzz_fail("the header changed in a decode-encode round trip");
    if (n1 != n2 || memcmp(c->copy, e2, n1) != 0)
        fuzz_fail("a decode-encode round trip changed the bytes of the records");
    return 0;
}
