/* db_bg.c - kpm.sqlite filled on a thread of its own (see db_bg.h).
 *
 * The queue is a list of blocks. The caller appends events to its current
 * block and hands the block over when the next event does not fit (or at
 * db_bg_finish). An event is a tag byte and its data:
 *   BEGIN   a db_table_t
 *   ROW     u32 cell count, then per cell u32 length (DB_BG_NULL: empty cell)
 *           and its bytes
 *   END     -
 *   FINISH  the loaded_at text, NUL-terminated (at most 63 bytes)
 * Integers are copied with memcpy, in the machine's order (the queue never
 * leaves the process). */
#include "db_bg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"

#define DB_BG_NULL UINT32_MAX

enum { EV_BEGIN = 1, EV_ROW, EV_END, EV_FINISH };

typedef struct block {
    struct block *next;
    size_t len, cap;
    char data[];
} block_t;

struct db_bg {
    db_sqlite_t *sq;
    pthread_t thread;
    int running; /* started and not joined */
    pthread_mutex_t mu;
    pthread_cond_t work; /* a block was queued, or closing */
    pthread_cond_t room; /* a block was taken */
    block_t *head, *tail;
    unsigned queued;
    int closing;      /* no block comes after the queued ones */
    int cancel;       /* drop what is queued */
    int rc;           /* the first error, KPM_OK while none */
    block_t *cur;     /* the caller's block being filled; NULL: none yet */
    db_table_t table; /* the thread's copy of the open table (db_sqlite keeps a pointer) */
};

/* ------------------------------------------------------------ the thread */

static void set_rc(db_bg_t *b, int rc)
{
    pthread_mutex_lock(&b->mu);
    if (b->rc == KPM_OK) b->rc = rc;
    pthread_mutex_unlock(&b->mu);
}

/* Carries out the events of one block. Returns KPM_OK or the first error. */
static int run_block(db_bg_t *b, const block_t *blk)
{
    db_cell_t cells[WIRE_MAX_COLS];
    size_t pos = 0;

    while (pos < blk->len) {
        const char *p = blk->data + pos;
        int rc = KPM_OK;
        pos++;
        switch (p[0]) {
        case EV_BEGIN:
            memcpy(&b->table, p + 1, sizeof b->table);
            pos += sizeof b->table;
            rc = db_sqlite_table_begin(b->sq, &b->table);
            break;
        case EV_ROW: {
            uint32_t n;
            memcpy(&n, p + 1, 4);
            pos += 4;
            for (uint32_t c = 0; c < n; c++) {
                uint32_t len;
                memcpy(&len, blk->data + pos, 4);
                pos += 4;
                if (len == DB_BG_NULL) {
                    cells[c] = (db_cell_t){NULL, 0};
                } else {
                    cells[c] = (db_cell_t){blk->data + pos, len};
                    pos += len;
                }
            }
            rc = db_sqlite_table_row(b->sq, cells);
            break;
        }
        case EV_END:
            rc = db_sqlite_table_end(b->sq);
            break;
        case EV_FINISH:
            rc = db_sqlite_finish(b->sq, p + 1);
            pos += strlen(p + 1) + 1;
            break;
        default:
            rc = KPM_EPROTO; /* cannot happen: only this file writes blocks */
        }
        if (rc != KPM_OK) return rc;
    }
    return KPM_OK;
}

static void *thread_main(void *arg)
{
    db_bg_t *b = arg;
    int failed = 0;

    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->head == NULL && !b->closing)
            pthread_cond_wait(&b->work, &b->mu);
        block_t *blk = b->head;
        if (blk != NULL) {
            b->head = blk->next;
            if (b->head == NULL) b->tail = NULL;
            b->queued--;
            pthread_cond_signal(&b->room);
        }
        int skip = b->cancel || failed;
        pthread_mutex_unlock(&b->mu);
        if (blk == NULL) break; /* closing, and nothing left */
        if (!skip) {
            int rc = run_block(b, blk);
            if (rc != KPM_OK) {
                set_rc(b, rc);
                failed = 1;
            }
        }
        free(blk);
    }
    return NULL;
}

/* ------------------------------------------------------------ the caller */

db_bg_t *db_bg_start(db_sqlite_t *sq, char *err, size_t errlen)
{
    db_bg_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errlen, "report: out of memory");
        return NULL;
    }
    b->sq = sq;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->room, NULL);
    if (pthread_create(&b->thread, NULL, thread_main, b) != 0) {
        snprintf(err, errlen, "report: cannot start the kpm.sqlite thread");
        db_bg_destroy(&b);
        return NULL;
    }
    b->running = 1;
    return b;
}

/* Hands the current block to the thread, waiting while the queue is full.
 * Returns KPM_OK or the thread's error. */
static int publish(db_bg_t *b)
{
    block_t *blk = b->cur;
    int rc;

    b->cur = NULL;
    pthread_mutex_lock(&b->mu);
    while (b->queued >= DB_BG_MAX_QUEUED && b->rc == KPM_OK)
        pthread_cond_wait(&b->room, &b->mu);
    rc = b->rc;
    if (blk != NULL && blk->len > 0 && rc == KPM_OK) {
        blk->next = NULL;
        if (b->tail)
            b->tail->next = blk;
        else
            b->head = blk;
        b->tail = blk;
        b->queued++;
        blk = NULL;
        pthread_cond_signal(&b->work);
    }
    pthread_mutex_unlock(&b->mu);
    free(blk); /* empty, or not wanted after an error */
    return rc;
}

/* Room for `need` more bytes in the current block. */
static int reserve(db_bg_t *b, size_t need)
{
    if (b->cur != NULL && b->cur->cap - b->cur->len >= need) return KPM_OK;
    if (b->cur != NULL) {
        int rc = publish(b);
        if (rc != KPM_OK) return rc;
    }
    size_t cap = need > DB_BG_BLOCK ? need : DB_BG_BLOCK;
    if ((b->cur = malloc(sizeof *b->cur + cap)) == NULL) return KPM_ENOMEM;
    b->cur->next = NULL;
    b->cur->len = 0;
    b->cur->cap = cap;
    return KPM_OK;
}

static void put(db_bg_t *b, const void *p, size_t n)
{
    memcpy(b->cur->data + b->cur->len, p, n);
    b->cur->len += n;
}

static void put_tag(db_bg_t *b, char tag)
{
    put(b, &tag, 1);
}

int db_bg_table_begin(db_bg_t *b, const db_table_t *t)
{
    int rc = reserve(b, 1 + sizeof *t);
    if (rc != KPM_OK) return rc;
    put_tag(b, EV_BEGIN);
    put(b, t, sizeof *t);
    return KPM_OK;
}

int db_bg_table_row(db_bg_t *b, const db_cell_t *cells, uint32_t n_cells)
{
    size_t need = 1 + 4;
    if (n_cells > WIRE_MAX_COLS) return KPM_EINVAL;
    for (uint32_t c = 0; c < n_cells; c++) {
        if (cells[c].s && cells[c].len >= DB_BG_NULL) return KPM_ETOOBIG;
        need += 4 + (cells[c].s ? cells[c].len : 0);
    }
    int rc = reserve(b, need);
    if (rc != KPM_OK) return rc;
    put_tag(b, EV_ROW);
    put(b, &n_cells, 4);
    for (uint32_t c = 0; c < n_cells; c++) {
        uint32_t len = cells[c].s ? (uint32_t)cells[c].len : DB_BG_NULL;
        put(b, &len, 4);
        if (cells[c].s) put(b, cells[c].s, cells[c].len);
    }
    return KPM_OK;
}

int db_bg_table_end(db_bg_t *b)
{
    int rc = reserve(b, 1);
    if (rc != KPM_OK) return rc;
    put_tag(b, EV_END);
    return KPM_OK;
}

int db_bg_finish(db_bg_t *b, const char *loaded_at)
{
    size_t n = strlen(loaded_at);
    if (n > 63) return KPM_EINVAL;
    int rc = reserve(b, 1 + n + 1);
    if (rc != KPM_OK) return rc;
    put_tag(b, EV_FINISH);
    put(b, loaded_at, n + 1);
    rc = publish(b);
    pthread_mutex_lock(&b->mu);
    b->closing = 1;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

int db_bg_wait(db_bg_t *b)
{
    if (b->running) {
        pthread_mutex_lock(&b->mu);
        b->closing = 1; /* db_bg_finish normally did; without it nothing more comes */
        pthread_cond_signal(&b->work);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
        b->running = 0;
    }
    return b->rc;
}

void db_bg_destroy(db_bg_t **pb)
{
    if (pb == NULL || *pb == NULL) return;
    db_bg_t *b = *pb;
    if (b->running) {
        pthread_mutex_lock(&b->mu);
        b->cancel = 1;
        b->closing = 1;
        pthread_cond_signal(&b->work);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
    }
    while (b->head != NULL) {
        block_t *next = b->head->next;
        free(b->head);
        b->head = next;
    }
    free(b->cur);
    pthread_cond_destroy(&b->room);
    pthread_cond_destroy(&b->work);
    pthread_mutex_destroy(&b->mu);
    free(b);
    *pb = NULL;
}
