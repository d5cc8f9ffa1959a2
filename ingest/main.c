/* kpm-ingest: reads a night's inbox files, validates them and sends records to
 * kpm-aggregate. */
#include <stdio.h>
#include <sys/stat.h>

#include "datadir.h"
#include "ingest_run.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "log.h"
#include "stage.h"

int main(int argc, char **argv)
{
    static char catalog[4200], catalog_help[4400];
    ingest_opts_t o = {.catalog =
                           datadir_config_file("vragenlijst-2021.csv", catalog, sizeof catalog)};
    snprintf(catalog_help, sizeof catalog_help, "questionnaire (default %s)", o.catalog);
    stage_common_t sc;
    static char ep[2 * KPM_MAX_WORKERS][STAGE_ENDPOINT_MAX];
    unsigned n_out = 0, n_ack = 0, n_workers = 0;
    long workers = 1, batch = INGEST_BATCH_DEFAULT;
    const stage_opt_t opts[] = {
        {"inbox", STAGE_OPT_TEXT, &o.inbox, "DIR", "where delivered files arrive", .required = 1},
        {"catalog", STAGE_OPT_TEXT, &o.catalog, "FILE", catalog_help},
        {"out", STAGE_OPT_ENDPOINT, o.data_endpoint, "ENDPOINT",
         "aggregate's input (default ipc://STATE/sock/aggregate.in)", .many = KPM_MAX_WORKERS,
         .given = &n_out},
        {"ack", STAGE_OPT_ENDPOINT, o.ack_endpoint, "ENDPOINT",
         "bound here for acknowledgements\n(default ipc://STATE/sock/ingest.ack)",
         .many = KPM_MAX_WORKERS, .given = &n_ack},
        {"workers", STAGE_OPT_WHOLE, &workers, "N",
         "aggregate runs as N workers (default 1, or the number of\n--out given): give --out "
         "and --ack once per worker, in\nworker order, or none for "
         "ipc://STATE/sock/aggregate.K.in\nand ingest.K.ack (docs/SCALING.md)",
         1, KPM_MAX_WORKERS, .given = &n_workers},
        {"night", STAGE_OPT_TEXT, &o.night_id, "ID",
         "the night to take: resumed if unfinished, nothing to do if\ndone, else started "
         "(default: UTC time and a number)"},
        {"prepare", STAGE_OPT_FLAG, &o.prepare, NULL,
         "open or create the night, print its id and exit; while\ningest runs on the state, "
         "it exits 75"},
        {"batch", STAGE_OPT_WHOLE, &batch, "N",
         "records per message of a new night (default 8192; an\nunfinished night keeps its own)", 1,
         65536},
        {0}};
    const stage_cli_t cli = {
        .stage = "ingest",
        .synopsis = "--inbox DIR --state DIR [options]",
        .opts = opts,
        .keys_files = "ingest.key, aggregate.pub",
        .about = "Takes the files in the inbox (one night), validates them by the data contract\n"
                 "and sends them to kpm-aggregate; archives or quarantines each file once\n"
                 "aggregate has made its records durable. Restart it at any time: it resumes."};
    int rc = stage_opts_parse(&cli, argc, argv, &sc);
    if (rc != STAGE_OPTS_GO) return rc;
    rc = stage_opts_workers(&cli, n_workers, &workers, "out", n_out, "ack", n_ack);
    if (rc != STAGE_OPTS_GO) return rc;
    o.workers = (unsigned)workers;
    o.batch_records = (uint32_t)batch;
    o.state_dir = sc.state_dir;
    o.keys = sc.keys;
    log_init("ingest");
    if (o.prepare) {
        /* It only opens the night and prints its id: it is not the running
         * stage, so it leaves STATE/run/ingest.pid alone (a kill or restart of
         * ingest must never hit it), but holds ingest's lock meanwhile: a night
         * is never opened under a running ingest. The state's files get the
         * stages' umask. */
        umask(007);
        if ((rc = stage_lock("ingest", o.state_dir)) == KPM_OK) rc = ingest_run(&o);
        return stage_exit(rc);
    }
    if ((rc = stage_start("ingest", &sc)) != KPM_OK) return stage_exit(rc);
    rc = stage_worker_endpoints(o.state_dir, o.workers, o.data_endpoint, "aggregate.in",
                                o.ack_endpoint, "ingest.ack", ep);
    return stage_exit(rc ? rc : ingest_run(&o));
}
