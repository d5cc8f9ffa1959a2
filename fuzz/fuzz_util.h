/* fuzz_util.h - helpers shared by the fuzz targets: a scratch directory, and
 * the check that a message a stage produced decodes as the wire format says.
 *
 * A check that fails prints what broke and calls abort(), which libFuzzer (and
 * the replay driver) report as a crash with the input that caused it.
 */
#ifndef KPM_FUZZ_UTIL_H
#define KPM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* libFuzzer's entry point, implemented by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file kinds fuzz_ingest_file picks from with its first input byte
 * (byte % FUZZ_N_KINDS). */
#define FUZZ_N_KINDS 10
extern const char *const fuzz_kinds[FUZZ_N_KINDS];

/* A private directory for the process's scratch files (under $KPM_FUZZ_TMPDIR,
 * else /dev/shm when it exists, else $TMPDIR or /tmp), created on the first
 * call and removed at a normal exit (not after a crash). Never NULL: aborts when
 * it cannot be made. */
const char *fuzz_tmpdir(void);

/* Removes every entry of dir (files only; dir itself stays). */
void fuzz_clear_dir(const char *dir);

/* Prints "fuzz: <what>" and aborts. */
void fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* What fuzz_check_message saw of one message. */
typedef struct {
    wire_header_t hdr;
    uint32_t records;
    wire_rec_kind_t first, last; /* kinds of the first and last record (0: none) */
} fuzz_msg_info_t;

/* Decodes a message a stage emitted under `seq`; aborts unless the header and
 * every record decode and the header's seq is `seq`. `info` may be NULL. */
void fuzz_check_message(const char *buf, size_t len, uint64_t seq, fuzz_msg_info_t *info);

#endif
