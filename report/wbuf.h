/* wbuf.h - a plain byte buffer in front of a FILE, for writers that emit many
 * small pieces (a CSV field, a JSON quote, a comma).
 *
 * stdio takes the stream's lock and checks its state on every fputc/fputs/
 * fwrite; in kpm-report (which has ZeroMQ's threads, so the locks are real)
 * those calls were a third of the time spent writing a night's outputs
 * (docs/PERFORMANCE.md). Here the pieces go into a buffer of the caller's size
 * with inline appends, and the FILE gets one fwrite per full buffer.
 *
 * Errors are sticky: after a failed fwrite every later write is dropped and
 * wbuf_flush() returns KPM_EIO. The buffer does not own the FILE. */
#ifndef KPM_WBUF_H
#define KPM_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    FILE *fp;   /* where full buffers go; NULL: none yet */
    char *buf;  /* cap bytes */
    size_t len; /* bytes buffered */
    size_t cap;
    int err; /* a write to fp failed */
} wbuf_t;

/* Allocates cap bytes (at least 64). Returns KPM_OK or KPM_ENOMEM. */
int wbuf_init(wbuf_t *b, size_t cap);

/* Frees the buffer (not the FILE); what is still buffered is dropped. */
void wbuf_free(wbuf_t *b);

/* Writes out what is buffered and directs later writes to fp (which may be
 * the same FILE). Returns KPM_OK or KPM_EIO. */
int wbuf_target(wbuf_t *b, FILE *fp);

/* Writes out what is buffered (not fflush: the FILE keeps its own buffer).
 * Returns KPM_OK, or KPM_EIO when this or an earlier write failed. */
int wbuf_flush(wbuf_t *b);

/* Appends n bytes; a piece larger than the buffer goes to the FILE directly. */
void wbuf_write_slow(wbuf_t *b, const void *p, size_t n);

static inline void wbuf_write(wbuf_t *b, const void *p, size_t n)
{
    if (n <= b->cap - b->len) {
        memcpy(b->buf + b->len, p, n);
        b->len += n;
        return;
    }
    wbuf_write_slow(b, p, n);
}

static inline void wbuf_putc(wbuf_t *b, char c)
{
    if (b->len == b->cap) wbuf_flush(b);
    b->buf[b->len++] = c;
}

static inline void wbuf_puts(wbuf_t *b, const char *s)
{
    wbuf_write(b, s, strlen(s));
}

/* A string literal, its length known at compile time. */
#define wbuf_lit(b, lit) wbuf_write((b), "" lit, sizeof(lit) - 1)

/* Writes the decimal digits of v into buf (at least 21 bytes), NUL-terminated;
 * returns their count. No locale, no printf. */
size_t wbuf_fmt_u64(char *buf, uint64_t v);

#endif
