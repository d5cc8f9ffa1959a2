/* sha256.h - SHA-256 (FIPS 180-4), for the hashes of delivered files in
 * run-manifest.json. Streaming: init, update any number of times, final. */
#ifndef KPM_SHA256_H
#define KPM_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHA256_HEX_LEN 64 /* lower-case hex digits, without the NUL */

typedef struct {
    uint32_t h[8];
    uint64_t bytes;    /* message length so far */
    uint8_t block[64]; /* the unfinished block */
    size_t used;       /* bytes in block */
} sha256_t;

void sha256_init(sha256_t *c);
void sha256_update(sha256_t *c, const void *data, size_t len);
/* Finishes the hash into out (32 bytes); c must be initialised again to reuse. */
void sha256_final(sha256_t *c, uint8_t out[32]);

/* The digest of len bytes as 64 hex digits and a NUL into hex. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

/* The digest of a whole file as hex, read in blocks (never all in memory).
 * Returns KPM_OK, or KPM_EIO with errno set (hex is then ""). */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1]);

/* The same for the first `limit` bytes of an open file (limit < 0: all of it),
 * read from its start with pread: the descriptor's offset (shared with its dups)
 * does not move. */
int sha256_fd(int fd, off_t limit, char hex[SHA256_HEX_LEN + 1]);

#endif
