/* pseudonym.h - the adviser pseudonyms: a keyed hash of a person's name, so that
 * rows of one person can be told from another's without the name, and without a
 * way back to the name for anyone who lacks the installation's secret key.
 *
 * The key is 32 random bytes in STATE/keys/pseudonym.key (mode 0600, in a 0700
 * directory), made once per installation by the first stage that needs it.
 * A pseudonym is 16 hex digits: the first 8 bytes of keyed BLAKE2b (libsodium's
 * crypto_generichash with the key) of the 8 bytes of the name's 64-bit FNV-1a
 * (trimmed, ASCII lower case). The FNV-1a step is what kpm before keyed
 * pseudonyms stored; keying it lets a state of that time be converted exactly
 * (pseudonym_of_legacy) without the names. See docs/SECURITY.md.
 */
#ifndef KPM_PSEUDONYM_H
#define KPM_PSEUDONYM_H

#include <stddef.h>

#define PSEUDONYM_KEY_BYTES 32
#define PSEUDONYM_HEX 16 /* digits of a pseudonym (and of a legacy value) */

typedef struct {
    unsigned char k[PSEUDONYM_KEY_BYTES];
} pseudonym_key_t;

/* Path of the key below a state directory: STATE/keys/pseudonym.key. */
#define PSEUDONYM_KEY_FILE "keys/pseudonym.key"

/* Reads the key of state_dir into *key. When it is absent and `create` is set,
 * makes it first: 32 bytes from randombytes_buf written to a temporary file
 * opened with O_EXCL, fsynced and published with link(), which fails if another
 * process was first (its key is then read), so two stages starting at once
 * never use two keys. A key file that is not a regular file of exactly 32
 * bytes, or that group or others may read, is refused. Returns KPM_OK,
 * KPM_ENOTFOUND (absent, `create` not set), KPM_EINVAL (refused) or KPM_EIO,
 * with a message in err. */
int pseudonym_key_open(const char *state_dir, int create, pseudonym_key_t *key, char *err,
                       size_t errlen);

/* Overwrites the key in memory (when it is no longer needed). */
void pseudonym_key_wipe(pseudonym_key_t *key);

/* The pseudonym of a name (trimmed, ASCII lower case first) into out, as 16
 * lower-case hex digits and a NUL. */
void pseudonym_of_name(const pseudonym_key_t *key, const char *name, size_t len,
                       char out[PSEUDONYM_HEX + 1]);

/* The pseudonym of a value an older kpm stored instead (16 hex digits of the
 * unkeyed FNV-1a): the same as pseudonym_of_name of the name it came from.
 * Returns KPM_OK, or KPM_EPARSE when hex is not 16 hex digits (out untouched). */
int pseudonym_of_legacy(const pseudonym_key_t *key, const char *hex, size_t len,
                        char out[PSEUDONYM_HEX + 1]);

#endif
