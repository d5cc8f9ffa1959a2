/* fail_alloc.h - allocation failure injection for unit tests (include it once,
 * in the test's own file: it replaces malloc for the whole executable).
 *
 * When fail_at >= 0, the allocation with that number (counting from 0) fails.
 * glibc lets a program replace malloc; under AddressSanitizer (which owns
 * malloc) no failure is injected. */
#ifndef KPM_TEST_FAIL_ALLOC_H
#define KPM_TEST_FAIL_ALLOC_H

#include <errno.h>
#include <stddef.h>

static long fail_at = -1;
static long alloc_no;

#if defined(__SANITIZE_ADDRESS__)
#define KPM_FAIL_ALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KPM_FAIL_ALLOC 0
#endif
#endif
#ifndef KPM_FAIL_ALLOC
#define KPM_FAIL_ALLOC 1
#endif

#if KPM_FAIL_ALLOC
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int alloc_fails(void)
{
    if (fail_at < 0) return 0;
    return alloc_no++ == fail_at;
}

void *malloc(size_t n)
{
    if (alloc_fails()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (alloc_fails()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (alloc_fails()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

static void fail_alloc_number(long n)
{
    alloc_no = 0;
    fail_at = n;
}

/* Stops injecting; true when the injected failure was reached. */
static int fail_alloc_stop(void)
{
    int reached = fail_at >= 0 && alloc_no > fail_at;

    fail_at = -1;
    return reached;
}

#endif
