/* status.c - `kpm status` (see status.h). */
#include "status.h"

#include <string.h>

#include "kpm_exit.h"
#include "kvfile.h"
#include "progress.h"
#include "stages.h"
#include "statelock.h"

typedef struct {
    const char *name;
    long pid;
    kvfile_t st;
} stage_view_t;

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(fp, "\\u%04x", *p);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

/* A number of a key=value file as JSON (null when absent). */
static void json_num(FILE *fp, const kvfile_t *kv, const char *key)
{
    const char *v = kvfile_get(kv, key);
    double d = kvfile_num(kv, key, -1);
    if (*v && d >= 0)
        fprintf(fp, "%.15g", d);
    else
        fputs("null", fp);
}

static void json_fig(FILE *fp, const char *key, double v, const char *sep)
{
    fprintf(fp, "\"%s\": ", key);
    if (v >= 0)
        fprintf(fp, "%.1f", v);
    else
        fputs("null", fp);
    fputs(sep, fp);
}

static void print_json(FILE *fp, const char *state, long sup, stage_view_t *v, int n,
                       const progress_fig_t *fig, int have_fig, const kvfile_t *last, int have_last,
                       int ok)
{
    fputs("{\"state\": ", fp);
    json_str(fp, state);
    fprintf(fp, ", \"running\": %s, \"supervisor_pid\": ", sup ? "true" : "false");
    if (sup)
        fprintf(fp, "%ld", sup);
    else
        fputs("null", fp);
    fprintf(fp, ", \"ok\": %s, \"stages\": [", ok ? "true" : "false");
    for (int i = 0; i < n; i++) {
        fprintf(fp, "%s{\"stage\": ", i ? ", " : "");
        json_str(fp, v[i].name);
        fprintf(fp, ", \"running\": %s, \"pid\": ", v[i].pid ? "true" : "false");
        if (v[i].pid)
            fprintf(fp, "%ld", v[i].pid);
        else
            fputs("null", fp);
        static const char *const text[] = {"phase", "night", "updated", "last_error"};
        for (size_t k = 0; k < sizeof text / sizeof *text; k++) {
            fprintf(fp, ", \"%s\": ", text[k]);
            json_str(fp, kvfile_get(&v[i].st, text[k]));
        }
        fputs(", \"records_in\": ", fp);
        json_num(fp, &v[i].st, "records_in");
        fputs(", \"records_out\": ", fp);
        json_num(fp, &v[i].st, "records_out");
        fputc('}', fp);
    }
    fputs("], \"progress\": ", fp);
    if (have_fig) {
        fputs("{\"file\": ", fp);
        json_str(fp, fig->file);
        fprintf(fp, ", \"rows\": %.0f, ", fig->rows);
        json_fig(fp, "percent", fig->percent, ", ");
        json_fig(fp, "rows_per_second", fig->rate, ", ");
        json_fig(fp, "eta_seconds", fig->eta, "}");
    } else {
        fputs("null", fp);
    }
    fputs(", \"last_night\": ", fp);
    if (have_last) {
        static const char *const text[] = {"result", "night", "started", "ended", "stage", "error"};
        for (size_t k = 0; k < sizeof text / sizeof *text; k++) {
            fprintf(fp, "%s\"%s\": ", k ? ", " : "{", text[k]);
            json_str(fp, kvfile_get(last, text[k]));
        }
        fputs(", \"duration_seconds\": ", fp);
        json_num(fp, last, "duration_seconds");
        fputc('}', fp);
    } else {
        fputs("null", fp);
    }
    fputs("}\n", fp);
}

static void print_table(FILE *fp, const char *state, long sup, stage_view_t *v, int n,
                        const progress_fig_t *fig, int have_fig, const kvfile_t *last,
                        int have_last)
{
    if (sup)
        fprintf(fp, "kpm run (pid %ld) supervises a night in %s\n", sup, state);
    else
        fprintf(fp, "no kpm run supervises %s\n", state);
    fprintf(fp, "%-12s %-8s %-8s %-11s %-18s %10s %10s  %s\n", "STAGE", "STATE", "PID", "PHASE",
            "NIGHT", "IN", "OUT", "LAST_ERROR");
    for (int i = 0; i < n; i++) {
        char pid[24];
        snprintf(pid, sizeof pid, "%ld", v[i].pid);
        fprintf(fp, "%-12s %-8s %-8s %-11s %-18s %10s %10s  %s\n", v[i].name,
                v[i].pid ? "running" : "stopped", v[i].pid ? pid : "-",
                kvfile_get(&v[i].st, "phase"), kvfile_get(&v[i].st, "night"),
                kvfile_get(&v[i].st, "records_in"), kvfile_get(&v[i].st, "records_out"),
                kvfile_get(&v[i].st, "last_error"));
        if (strcmp(v[i].name, "ingest") == 0 && have_fig) {
            char line[512];
            progress_format_fig(fig, line, sizeof line);
            fprintf(fp, "  %s\n", line);
        }
    }
    if (have_last) {
        const char *res = kvfile_get(last, "result");
        fprintf(fp, "last night: %s %s, ended %s after %.1f s", kvfile_get(last, "night"),
                strcmp(res, "ok") == 0 ? "completed" : res, kvfile_get(last, "ended"),
                kvfile_num(last, "duration_seconds", 0));
        if (*kvfile_get(last, "error")) fprintf(fp, ": %s", kvfile_get(last, "error"));
        fputc('\n', fp);
    } else {
        fprintf(fp, "last night: none recorded\n");
    }
}

int status_print(const char *state, int json, FILE *fp)
{
    stage_list_t l;
    stage_view_t v[STAGES_MAX];
    char path[4200];
    stages_of_state(state, &l);
    int failed = 0, n = 0;
    /* upstream first, as the records flow: ingest, aggregate(s), report */
    for (int i = l.n - 1; i >= 0; i--, n++) {
        v[n].name = l.name[i];
        v[n].pid = stages_running(state, l.name[i]);
        snprintf(path, sizeof path, "%s/run/%s.status", state, l.name[i]);
        kvfile_load(&v[n].st, path);
        failed |= strcmp(kvfile_get(&v[n].st, "phase"), "failed") == 0;
    }
    long sup = statelock_holder(state, "night");
    kvfile_t last;
    snprintf(path, sizeof path, "%s/run/kpm.result", state);
    int have_last = kvfile_load(&last, path) && *kvfile_get(&last, "result");
    if (!sup && have_last && strcmp(kvfile_get(&last, "result"), "ok") != 0) failed = 1;
    progress_fig_t fig;
    int have_fig = sup && progress_read(state, &fig);
    if (json)
        print_json(fp, state, sup, v, n, &fig, have_fig, &last, have_last, !failed);
    else
        print_table(fp, state, sup, v, n, &fig, have_fig, &last, have_last);
    return failed ? KPM_EXIT_FAILED : KPM_EXIT_OK;
}
