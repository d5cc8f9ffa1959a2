/* kpm-aggregate: applies ingest's records to the state and sends the night's
 * result tables to kpm-report. */
#include <stdio.h>

#include "aggregate_run.h"
#include "datadir.h"
#include "kpm_err.h"
#include "log.h"
#include "stage.h"
#include "tables.h"

int main(int argc, char **argv)
{
    static char data[3][4200], help[3][4400];
    aggregate_opts_t o = {
        .catalog = datadir_config_file("vragenlijst-2021.csv", data[0], sizeof data[0]),
        .uren_per_dag = TABLES_UREN_PER_DAG,
        .comparisons = datadir_config_file("vergelijkingen.csv", data[1], sizeof data[1]),
        .groups = datadir_config_file("groepen.csv", data[2], sizeof data[2])};
    snprintf(help[0], sizeof help[0], "questionnaire (default %s)", o.catalog);
    snprintf(help[1], sizeof help[1],
             "comparisons to make (default %s;\nwhen that default is missing: none)",
             o.comparisons);
    snprintf(help[2], sizeof help[2],
             "named groups of tranches (default %s;\nwhen that default is missing: none)",
             o.groups);
    stage_common_t sc;
    long min_cell = 5, checkpoint_ms = 2000, dagen = TABLES_DAGEN_TOEGEKEND, worker = 0,
         workers = 1;
    unsigned n_cmp = 0, n_groups = 0;
    const stage_opt_t opts[] = {
        {"catalog", STAGE_OPT_TEXT, &o.catalog, "FILE", help[0]},
        {"in", STAGE_OPT_ENDPOINT, &o.in_endpoint, "ENDPOINT",
         "bound here for records (default ipc://STATE/sock/aggregate.in)"},
        {"in-ack", STAGE_OPT_ENDPOINT, &o.in_ack, "ENDPOINT",
         "ingest's acknowledgement endpoint\n(default ipc://STATE/sock/ingest.ack)"},
        {"out", STAGE_OPT_ENDPOINT, &o.out_endpoint, "ENDPOINT",
         "report's input (default ipc://STATE/sock/report.in)"},
        {"out-ack", STAGE_OPT_ENDPOINT, &o.out_ack, "ENDPOINT",
         "bound here for report's acknowledgements\n(default ipc://STATE/sock/aggregate.ack)"},
        {"min-cell", STAGE_OPT_WHOLE, &min_cell, "N",
         "small-cell threshold: a tranche group with fewer responses\nis suppressed (default "
         "5; 0 switches suppression off, with a\nwarning in the log)",
         0, 1000},
        {"comparisons", STAGE_OPT_TEXT, &o.comparisons, "FILE", help[1], .given = &n_cmp},
        {"groups", STAGE_OPT_TEXT, &o.groups, "FILE", help[2], .given = &n_groups},
        {"uren-per-dag", STAGE_OPT_NUMBER, &o.uren_per_dag, "H",
         "adviser hours per day (default 8; a point for decimals)", 0.5, 24},
        {"dagen-toegekend", STAGE_OPT_WHOLE, &dagen, "N",
         "adviser days allotted per koploper (default 8)", 1, 365},
        {"checkpoint-ms", STAGE_OPT_WHOLE, &checkpoint_ms, "N",
         "checkpoint interval while receiving, in ms (default 2000)", 10, 600000},
        {"night", STAGE_OPT_TEXT, &o.night, "ID",
         "the night this run is for: if it is delivered already,\nanswer ingest briefly and "
         "exit"},
        {"workers", STAGE_OPT_WHOLE, &workers, "N",
         "aggregate runs as N workers (default 1; docs/SCALING.md)", 1, KPM_MAX_WORKERS},
        {"worker", STAGE_OPT_WHOLE, &worker, "K",
         "this is worker K (below N): state in STATE/aggregate.K,\ndefault endpoints "
         "ipc://STATE/sock/aggregate.K.in,\ningest.K.ack, report.K.in, aggregate.K.ack",
         0, KPM_MAX_WORKERS - 1},
        {0}};
    const stage_cli_t cli = {
        .stage = "aggregate",
        .synopsis = "--state DIR [options]",
        .opts = opts,
        .keys_files = "aggregate.key, ingest.pub, report.pub",
        .about = "Receives a night's records from kpm-ingest, applies them to the state\n"
                 "(STATE/aggregate/checkpoint), counts, and sends the result tables to\n"
                 "kpm-report. Restart it at any time: it resumes from its checkpoint."};
    int rc = stage_opts_parse(&cli, argc, argv, &sc);
    if (rc != STAGE_OPTS_GO) return rc;
    if (worker >= workers)
        return stage_usage_error(&cli,
                                 "--worker: %ld is out of range (allowed: 0 to %ld, below "
                                 "--workers %ld)",
                                 worker, workers - 1, workers);
    o.min_cell = (int)min_cell;
    o.checkpoint_ms = (int)checkpoint_ms;
    o.dagen_toegekend = (int)dagen;
    o.comparisons_optional = !n_cmp;
    o.groups_optional = !n_groups;
    o.worker = (unsigned)worker;
    o.workers = (unsigned)workers;
    o.state_dir = sc.state_dir;
    o.keys = sc.keys;
    char name[32], ep[4][4200];
    stage_worker_name("aggregate", o.worker, o.workers, name, sizeof name);
    o.name = name;
    log_init(name);
    if ((rc = stage_start(name, &sc)) != KPM_OK) return stage_exit(rc);
    if (!o.min_cell) log_warn("--min-cell 0: small-cell suppression is off");
    const char **slots[4] = {&o.in_endpoint, &o.in_ack, &o.out_endpoint, &o.out_ack};
    static const char *const names[4] = {"aggregate.in", "ingest.ack", "report.in",
                                         "aggregate.ack"};
    for (int i = 0; rc == KPM_OK && i < 4; i++)
        rc = stage_worker_endpoint(o.state_dir, names[i], o.worker, o.workers, slots[i], ep[i],
                                   sizeof ep[i]);
    return stage_exit(rc ? rc : aggregate_run(&o));
}
