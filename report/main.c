/* kpm-report: writes the night's result tables from kpm-aggregate as the
 * output directory's CSV files, dashboard.json, rapport.md, rapport.html and
 * kpm.sqlite, and loads them into PostgreSQL when asked. */
#include <stdio.h>

#include "db_pg.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "log.h"
#include "report_run.h"
#include "stage.h"

int main(int argc, char **argv)
{
    report_opts_t o = {0};
    const char *pg_passfile = NULL;
    stage_common_t sc;
    static char ep[2 * KPM_MAX_WORKERS][STAGE_ENDPOINT_MAX];
    unsigned n_in = 0, n_ack = 0, n_workers = 0;
    long workers = 1;
    const stage_opt_t opts[] = {
        {"out", STAGE_OPT_TEXT, &o.out_dir, "DIR", "output directory", .required = 1},
        {"in", STAGE_OPT_ENDPOINT, o.in_endpoint, "ENDPOINT",
         "bound here for tables (default ipc://STATE/sock/report.in)", .many = KPM_MAX_WORKERS,
         .given = &n_in},
        {"in-ack", STAGE_OPT_ENDPOINT, o.in_ack, "ENDPOINT",
         "aggregate's acknowledgement endpoint\n(default ipc://STATE/sock/aggregate.ack)",
         .many = KPM_MAX_WORKERS, .given = &n_ack},
        {"workers", STAGE_OPT_WHOLE, &workers, "N",
         "merge the tables of N aggregate workers (default 1, or the\nnumber of --in given): "
         "give --in and --in-ack once per\nworker, in worker order, or none for\n"
         "ipc://STATE/sock/report.K.in and aggregate.K.ack",
         1, KPM_MAX_WORKERS, .given = &n_workers},
        {"night", STAGE_OPT_TEXT, &o.night, "ID",
         "the night this run is for: if its outputs are written\nalready, confirm that to "
         "aggregate and exit"},
        {"pg", STAGE_OPT_TEXT, &o.pg, "CONNINFO",
         "also load the tables into PostgreSQL, in one transaction\nper night (a libpq "
         "connection string or URI; PG*\nenvironment variables and ~/.pgpass apply). If the "
         "load\nfails, the files are written and the exit status is 1;\nthe next night loads "
         "every table again. Without a password: one in it is\nrefused (docs/SECURITY.md)"},
        {"pg-passfile", STAGE_OPT_TEXT, &pg_passfile, "FILE",
         "the PostgreSQL passfile (mode 0600; else PGPASSFILE,\n~/.pgpass or PGPASSWORD)"},
        {0}};
    const stage_cli_t cli = {
        .stage = "report",
        .synopsis = "--state DIR --out DIR [options]",
        .opts = opts,
        .keys_files = "report.key, aggregate.pub",
        .about = "Receives the night's result tables from kpm-aggregate and writes them to the\n"
                 "output directory (CSV files, dashboard.json, rapport.md, rapport.html,\n"
                 "kpm.sqlite, run-manifest.json), each file replaced atomically. Restart it at\n"
                 "any time: aggregate sends again."};
    int rc = stage_opts_parse(&cli, argc, argv, &sc);
    if (rc != STAGE_OPTS_GO) return rc;
    rc = stage_opts_workers(&cli, n_workers, &workers, "in", n_in, "in-ack", n_ack);
    if (rc != STAGE_OPTS_GO) return rc;
    char err[512];
    if ((o.pg || pg_passfile) &&
        db_pg_check_secrets(o.pg ? o.pg : "", pg_passfile, err, sizeof err) != KPM_OK) {
        fprintf(stderr, "kpm-report: %s\n", err);
        return KPM_EXIT_USAGE;
    }
    o.workers = (unsigned)workers;
    o.state_dir = sc.state_dir;
    o.keys = sc.keys;
    log_init("report");
    if ((rc = stage_start("report", &sc)) != KPM_OK) return stage_exit(rc);
    rc = stage_worker_endpoints(o.state_dir, o.workers, o.in_endpoint, "report.in", o.in_ack,
                                "aggregate.ack", ep);
    return stage_exit(rc ? rc : report_run(&o));
}
