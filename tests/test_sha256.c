/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST test vectors, fed whole
 * and in pieces, and of a file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kpm_err.h"
#include "sha256.h"

static const struct {
    const char *msg;
    const char *hex;
} vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
     "q"
     "rsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

static void test_vectors_whole(void **state)
{
    (void)state;
    char hex[SHA256_HEX_LEN + 1];
    for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
        sha256_hex(vectors[i].msg, strlen(vectors[i].msg), hex);
        assert_string_equal(hex, vectors[i].hex);
    }
}

/* Every split of a message into two updates gives the same digest. */
static void test_vectors_in_pieces(void **state)
{
    (void)state;
    const char *msg = vectors[3].msg;
    size_t len = strlen(msg);
    for (size_t cut = 0; cut <= len; cut++) {
        sha256_t c;
        uint8_t d[32];
        char hex[SHA256_HEX_LEN + 1];
        sha256_init(&c);
        sha256_update(&c, msg, cut);
        sha256_update(&c, msg + cut, len - cut);
        sha256_final(&c, d);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        assert_string_equal(hex, vectors[3].hex);
    }
}

/* One million 'a' (the long NIST vector), through a file. */
static void test_file_of_a_million_a(void **state)
{
    (void)state;
    char path[] = "/tmp/kpm_test_sha256.XXXXXX", hex[SHA256_HEX_LEN + 1];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    assert_int_equal(write(fd, a, 1000000), 1000000);
    close(fd);
    assert_int_equal(sha256_file(path, hex), KPM_OK);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    sha256_hex(a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* The first bytes only (a file that grew after it was opened), across a block
     * boundary of the reader. */
    char want[SHA256_HEX_LEN + 1];
    sha256_hex(a, 70000, want);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(sha256_fd(fd, 70000, hex), KPM_OK);
    assert_string_equal(hex, want);
    assert_int_equal(sha256_fd(fd, -1, hex), KPM_OK);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    close(fd);
    free(a);
    unlink(path);
    assert_int_equal(sha256_file(path, hex), KPM_EIO);
    assert_string_equal(hex, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_whole),
        cmocka_unit_test(test_vectors_in_pieces),
        cmocka_unit_test(test_file_of_a_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
