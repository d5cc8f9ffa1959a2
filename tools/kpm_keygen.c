/* kpm-keygen: makes CurveZMQ key pairs for the stages (see common/curve.h).
 * usage: kpm-keygen DIR STAGE...   e.g. kpm-keygen /etc/kpm/keys ingest aggregate report
 * Writes DIR/<stage>.key (secret, mode 0600) and DIR/<stage>.pub per stage. It
 * has no numeric options; its arguments are checked before anything is written. */
#include <stdio.h>
#include <string.h>

#include "curve.h"
#include "kpm_err.h"
#include "kpm_exit.h"

static const char usage_text[] =
    "usage: kpm-keygen DIR STAGE...\n"
    "Writes DIR/<STAGE>.key (the key pair, mode 0600: keep it on that stage's host)\n"
    "and DIR/<STAGE>.pub (the public key, for its peers) for each STAGE, e.g.\n"
    "  kpm-keygen /secure/kpm-keys ingest aggregate report\n"
    "A STAGE is a name of letters, digits, '.', '_' and '-'. Exit status: 0 written,\n"
    "1 failed, 2 usage error.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "kpm-keygen: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'kpm-keygen --help'.\n");
    return KPM_EXIT_USAGE;
}

/* A stage name becomes a file name in DIR: nothing that leaves DIR or hides. */
static int plain_name(const char *s)
{
    return s[0] && s[0] != '.' && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
               strlen(s);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return KPM_EXIT_OK;
        }
        if (argv[i][0] == '-') return usage_error("unknown option '%s'", argv[i]);
        if (i == 1 && !argv[i][0]) return usage_error("DIR is empty%s", "");
        if (i >= 2 && !plain_name(argv[i]))
            return usage_error("'%s' is not a stage name (letters, digits, '.', '_', '-')",
                               argv[i]);
    }
    if (argc < 3) return usage_error("needs DIR and at least one STAGE%s", "");
    for (int i = 2; i < argc; i++) {
        char err[512];
        if (curve_keygen(argv[1], argv[i], err, sizeof err) != KPM_OK) {
            fprintf(stderr, "kpm-keygen: %s\n", err);
            return KPM_EXIT_FAILED;
        }
        printf("%s/%s.key and %s/%s.pub written\n", argv[1], argv[i], argv[1], argv[i]);
    }
    return KPM_EXIT_OK;
}
