/* kpm-keygen: makes CurveZMQ key pairs for the stages (see common/curve.h).
 * usage: kpm-keygen DIR STAGE...   e.g. kpm-keygen /etc/kpm/keys ingest aggregate report
 * Writes DIR/<stage>.key (secret, mode 0600) and DIR/<stage>.pub per stage. */
#include <stdio.h>

#include "curve.h"
#include "kpm_err.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kpm-keygen DIR STAGE...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        char err[512];
        if (curve_keygen(argv[1], argv[i], err, sizeof err) != KPM_OK) {
            fprintf(stderr, "kpm-keygen: %s\n", err);
            return 1;
        }
        printf("%s/%s.key and %s/%s.pub written\n", argv[1], argv[i], argv[1], argv[i]);
    }
    return 0;
}
