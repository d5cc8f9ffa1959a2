/* pseudonym.c - keyed pseudonyms of names (see pseudonym.h). */
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "values.h"

static int read_key(const char *path, pseudonym_key_t *key, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return KPM_ENOTFOUND;
        snprintf(err, errlen, "cannot open the pseudonym key '%s': %s", path, strerror(errno));
        return errno == ELOOP ? KPM_EINVAL : KPM_EIO;
    }
    struct stat st;
    int rc = KPM_EINVAL;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat the pseudonym key '%s': %s", path, strerror(errno));
        rc = KPM_EIO;
    } else if (!S_ISREG(st.st_mode) || st.st_size != PSEUDONYM_KEY_BYTES) {
        snprintf(err, errlen, "the pseudonym key '%s' is not a file of %d bytes", path,
                 PSEUDONYM_KEY_BYTES);
    } else if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "the pseudonym key '%s' has mode %04o: group and others must have no access "
                 "(chmod 600)",
                 path, (unsigned)(st.st_mode & 07777));
    } else if (read(fd, key->k, sizeof key->k) != (ssize_t)sizeof key->k) {
        snprintf(err, errlen, "cannot read the pseudonym key '%s'", path);
        rc = KPM_EIO;
    } else {
        rc = KPM_OK;
    }
    close(fd);
    return rc;
}

/* Makes a new key at path unless another process was first: writes a
 * temporary file (O_EXCL), then link() publishes it whole or fails with EEXIST. */
static int create_key(const char *dir, const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.pseudonym.key.%ld.tmp", dir, (long)getpid());
    unlink(tmp); /* a leftover of a crashed process that had our pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        return KPM_EIO;
    }
    unsigned char k[PSEUDONYM_KEY_BYTES];
    randombytes_buf(k, sizeof k);
    int ok = write(fd, k, sizeof k) == (ssize_t)sizeof k && fsync(fd) == 0;
    sodium_memzero(k, sizeof k);
    ok &= close(fd) == 0;
    if (ok && link(tmp, path) != 0 && errno != EEXIST) ok = 0;
    int saved = errno;
    unlink(tmp);
    if (!ok) {
        snprintf(err, errlen, "cannot write the pseudonym key '%s': %s", path, strerror(saved));
        return KPM_EIO;
    }
    return fs_sync_dir(dir) == KPM_OK ? KPM_OK : KPM_EIO;
}

int pseudonym_key_open(const char *state_dir, int create, pseudonym_key_t *key, char *err,
                       size_t errlen)
{
    char dir[4100], path[4200];
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot be initialised");
        return KPM_EIO;
    }
    snprintf(dir, sizeof dir, "%s/keys", state_dir);
    snprintf(path, sizeof path, "%s/" PSEUDONYM_KEY_FILE, state_dir);
    int rc = read_key(path, key, err, errlen);
    if (rc != KPM_ENOTFOUND) return rc;
    if (!create) {
        snprintf(err, errlen, "no pseudonym key '%s'", path);
        return rc;
    }
    if (fs_mkdirs(dir, 0700) != KPM_OK) {
        snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
        return KPM_EIO;
    }
    if ((rc = create_key(dir, path, err, errlen)) != KPM_OK) return rc;
    return read_key(path, key, err, errlen);
}

void pseudonym_key_wipe(pseudonym_key_t *key)
{
    sodium_memzero(key->k, sizeof key->k);
}

static void keyed(const pseudonym_key_t *key, uint64_t fnv, char out[PSEUDONYM_HEX + 1])
{
    unsigned char in[8], h[crypto_generichash_BYTES_MIN];
    for (int i = 0; i < 8; i++)
        in[i] = (unsigned char)(fnv >> (56 - 8 * i));
    crypto_generichash(h, sizeof h, in, sizeof in, key->k, sizeof key->k);
    for (int i = 0; i < PSEUDONYM_HEX / 2; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void pseudonym_of_name(const pseudonym_key_t *key, const char *name, size_t len,
                       char out[PSEUDONYM_HEX + 1])
{
    name = val_trim(name, &len);
    uint64_t h = VAL_FNV1A64_SEED;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        h = val_fnv1a64(h, c);
    }
    keyed(key, h, out);
}

int pseudonym_of_legacy(const pseudonym_key_t *key, const char *hex, size_t len,
                        char out[PSEUDONYM_HEX + 1])
{
    if (len != PSEUDONYM_HEX) return KPM_EPARSE;
    uint64_t h = 0;
    for (size_t i = 0; i < len; i++) {
        char c = hex[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return KPM_EPARSE;
        h = h << 4 | (uint64_t)d;
    }
    keyed(key, h, out);
    return KPM_OK;
}
