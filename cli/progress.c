/* progress.c - ingest's progress and kpm run's line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvfile.h"
#include "stages.h"

static int drawn;

int progress_read(const char *state, progress_fig_t *f)
{
    char path[4200];
    kvfile_t kv;
    snprintf(path, sizeof path, "%s/run/ingest.progress", state);
    memset(f, 0, sizeof *f);
    if (!kvfile_load(&kv, path) || !*kvfile_get(&kv, "file")) return 0;
    snprintf(f->file, sizeof f->file, "%s", kvfile_get(&kv, "file"));
    f->rows = kvfile_num(&kv, "rows", 0);
    double off = kvfile_num(&kv, "offset", 0), size = kvfile_num(&kv, "size", 0);
    double secs = kvfile_num(&kv, "elapsed", 0);
    f->percent = size > 0 ? (off >= size ? 100 : off * 100 / size) : -1;
    f->rate = secs >= 0.05 ? f->rows / secs : -1;
    f->eta = size > 0 && off > 0 && secs > 0 ? secs * (size - off) / off : -1;
    if (f->eta >= 0 && off >= size) f->eta = 0;
    return 1;
}

void progress_format_fig(const progress_fig_t *f, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s: %.0f rows", f->file, f->rows);
    if (f->percent >= 0 && n < len) n += (size_t)snprintf(buf + n, len - n, ", %.0f%%", f->percent);
    if (f->rate >= 0 && n < len) n += (size_t)snprintf(buf + n, len - n, ", %.0f rows/s", f->rate);
    if (f->eta >= 0 && n < len) snprintf(buf + n, len - n, ", ETA %.0fs", f->eta);
}

void progress_draw(const char *state)
{
    char line[512] = "", path[4200];
    progress_fig_t f;
    kvfile_t kv;
    snprintf(path, sizeof path, "%s/run/ingest.status", state);
    kvfile_load(&kv, path);
    int ingest_done = strcmp(kvfile_get(&kv, "phase"), "done") == 0;
    if (!ingest_done && progress_read(state, &f)) {
        progress_format_fig(&f, line, sizeof line);
    } else {
        /* ingest has read its files: what the others do */
        stage_list_t l;
        stages_of_state(state, &l);
        size_t n = 0;
        for (int i = l.n - 1; i >= 0 && n < sizeof line; i--) {
            snprintf(path, sizeof path, "%s/run/%s.status", state, l.name[i]);
            kvfile_load(&kv, path);
            const char *ph = kvfile_get(&kv, "phase");
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %s", n ? ", " : "", l.name[i],
                                  *ph ? ph : "starting");
        }
    }
    fprintf(stderr, "\rkpm: %s\033[K", line);
    fflush(stderr);
    drawn = 1;
}

void progress_clear(void)
{
    if (!drawn) return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    drawn = 0;
}

int progress_on_terminal(void)
{
    const char *ci = getenv("CI");
    if (ci && *ci && strcmp(ci, "0") != 0 && strcmp(ci, "false") != 0) return 0;
    return isatty(STDERR_FILENO) == 1;
}
