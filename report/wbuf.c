/* wbuf.c - a byte buffer in front of a FILE (see wbuf.h). */
#include "wbuf.h"

#include <stdlib.h>

#include "kpm_err.h"

int wbuf_init(wbuf_t *b, size_t cap)
{
    if (cap < 64) cap = 64;
    *b = (wbuf_t){.cap = cap};
    b->buf = malloc(cap);
    return b->buf ? KPM_OK : KPM_ENOMEM;
}

void wbuf_free(wbuf_t *b)
{
    free(b->buf);
    *b = (wbuf_t){0};
}

int wbuf_flush(wbuf_t *b)
{
    if (b->len > 0 && !b->err) {
        if (b->fp == NULL || fwrite(b->buf, 1, b->len, b->fp) != b->len) b->err = 1;
    }
    b->len = 0;
    return b->err ? KPM_EIO : KPM_OK;
}

int wbuf_target(wbuf_t *b, FILE *fp)
{
    int rc = wbuf_flush(b);
    b->fp = fp;
    return rc;
}

void wbuf_write_slow(wbuf_t *b, const void *p, size_t n)
{
    wbuf_flush(b);
    if (n <= b->cap) {
        memcpy(b->buf, p, n);
        b->len = n;
    } else if (!b->err && (b->fp == NULL || fwrite(p, 1, n, b->fp) != n)) {
        b->err = 1;
    }
}

size_t wbuf_fmt_u64(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}
