/* test_statelock.c - the locks on a state directory: one holder, released by exit
 * or death, never inherited, and the holder's pid for messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kpm_err.h"
#include "statelock.h"
#include "tmpdir.h"

/* Forks a child that takes the lock and reports on a pipe; returns its pid after
 * it holds the lock. The child holds it until killed. */
static pid_t holder_child(const char *dir, const char *name)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        statelock_t l;
        char err[256];
        char rc = statelock_take(dir, name, 0, &l, NULL, err, sizeof err) == KPM_OK ? 'y' : 'n';
        if (write(p[1], &rc, 1) != 1) _exit(3);
        for (;;)
            pause();
    }
    close(p[1]);
    char rc = 0;
    assert_int_equal(read(p[0], &rc, 1), 1);
    close(p[0]);
    assert_int_equal(rc, 'y');
    return pid;
}

static void test_second_taker_is_refused_with_pid(void **state)
{
    const char *dir = *state;
    pid_t child = holder_child(dir, "night");
    statelock_t l;
    long holder = -1;
    char err[256];
    assert_int_equal(statelock_take(dir, "night", 0, &l, &holder, err, sizeof err), KPM_EBUSY);
    assert_int_equal(holder, child);
    assert_int_equal(l.fd, -1);
    assert_int_equal(statelock_holder(dir, "night"), child);
    /* Another lock of the same state is independent. */
    assert_int_equal(statelock_take(dir, "control", 0, &l, NULL, err, sizeof err), KPM_OK);
    statelock_release(&l);
    /* The holder dies: the lock is free at once, without any clean-up. */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(statelock_holder(dir, "night"), 0);
    assert_int_equal(statelock_take(dir, "night", 0, &l, &holder, err, sizeof err), KPM_OK);
    assert_int_equal(statelock_holder(dir, "night"), getpid());
    statelock_release(&l);
    assert_int_equal(l.fd, -1);
    assert_int_equal(statelock_holder(dir, "night"), 0);
}

static void test_wait_gets_a_lock_released_meanwhile(void **state)
{
    const char *dir = *state;
    pid_t child = holder_child(dir, "control");
    pid_t killer = fork();
    assert_true(killer >= 0);
    if (killer == 0) {
        usleep(100 * 1000);
        kill(child, SIGKILL);
        _exit(0);
    }
    statelock_t l;
    char err[256];
    assert_int_equal(statelock_take(dir, "control", 3000, &l, NULL, err, sizeof err), KPM_OK);
    statelock_release(&l);
    waitpid(killer, NULL, 0);
    waitpid(child, NULL, 0);
}

static void test_lock_is_not_inherited(void **state)
{
    const char *dir = *state;
    statelock_t l;
    char err[256];
    assert_int_equal(statelock_take(dir, "stage.ingest", 0, &l, NULL, err, sizeof err), KPM_OK);
    /* A child that execs (as a started stage does) must not keep the lock: after
     * the parent releases, the lock is free although the child still runs. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        execlp("sleep", "sleep", "5", (char *)NULL);
        _exit(127);
    }
    usleep(50 * 1000);
    statelock_release(&l);
    statelock_t again;
    assert_int_equal(statelock_take(dir, "stage.ingest", 0, &again, NULL, err, sizeof err), KPM_OK);
    statelock_release(&again);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

static void test_unusable_state_is_an_error_with_cause(void **state)
{
    (void)state;
    statelock_t l;
    char err[256] = "";
    /* /proc is not writable: the run directory cannot be made there. */
    assert_int_equal(
        statelock_take("/proc/kpm-no-such-state", "night", 0, &l, NULL, err, sizeof err), KPM_EIO);
    assert_non_null(strstr(err, "/proc/kpm-no-such-state/run"));
    assert_int_equal(l.fd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_taker_is_refused_with_pid, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_wait_gets_a_lock_released_meanwhile, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_lock_is_not_inherited, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_unusable_state_is_an_error_with_cause, dir_setup,
                                        dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
