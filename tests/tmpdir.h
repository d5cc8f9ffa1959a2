/* tmpdir.h - a fresh directory under /tmp per cmocka test (setup/teardown):
 * *state is its path (malloc'ed), removed with everything in it afterwards. */
#ifndef KPM_TEST_TMPDIR_H
#define KPM_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dir_setup(void **state)
{
    char *dir = strdup("/tmp/kpm-test.XXXXXX");
    if (!dir || !mkdtemp(dir)) return -1;
    *state = dir;
    return 0;
}

static int dir_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

#endif
