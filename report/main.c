/* kpm-report: writes the night's result tables from kpm-aggregate as the
 * output directory's CSV files, dashboard.json, rapport.md, rapport.html and
 * kpm.sqlite, and loads them into PostgreSQL when asked. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_pg.h"
#include "kpm_err.h"
#include "log.h"
#include "report_run.h"
#include "stage.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: kpm-report --state DIR --out DIR [options]\n"
            "Receives the night's result tables from kpm-aggregate and writes them to the\n"
            "output directory (CSV files, dashboard.json, rapport.md, rapport.html,\n"
            "kpm.sqlite, run-manifest.json), each file replaced atomically. Restart it at\n"
            "any time: aggregate sends again.\n\n"
            "  --state DIR        kpm's state directory\n"
            "  --out DIR          output directory\n"
            "  --in ENDPOINT      bound here for tables (default ipc://STATE/sock/report.in)\n"
            "  --in-ack ENDPOINT  aggregate's acknowledgement endpoint\n"
            "                     (default ipc://STATE/sock/aggregate.ack)\n"
            "  --workers N        merge the tables of N aggregate workers (default 1, or the\n"
            "                     number of --in given): give --in and --in-ack once per\n"
            "                     worker, in worker order, or none for\n"
            "                     ipc://STATE/sock/report.K.in and aggregate.K.ack\n"
            "  --night ID         the night this run is for: if its outputs are written\n"
            "                     already, confirm that to aggregate and exit\n"
            "  --pg CONNINFO      also load the tables into PostgreSQL, in one transaction\n"
            "                     per night (a libpq connection string or URI; PG*\n"
            "                     environment variables and ~/.pgpass apply). If the load\n"
            "                     fails, the files are written and the exit status is 1;\n"
            "                     the next night loads every table again. Without a password:\n"
            "                     one in it is refused (docs/SECURITY.md)\n"
            "  --pg-passfile FILE the PostgreSQL passfile (mode 0600; else PGPASSFILE, ~/.pgpass\n"
            "                     or PGPASSWORD)\n"
            "  --keys DIR         use CurveZMQ with the keys in DIR (report.key, aggregate.pub;\n"
            "                     see kpm-keygen): for tcp:// between hosts\n"
            "  --help             this text\n"
            "Exit status: 0 outputs written or stopped by SIGTERM/SIGINT, 1 failure, 2 usage.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"state", 1, 0, 's'}, {"out", 1, 0, 'o'},
                                              {"in", 1, 0, 'i'},    {"in-ack", 1, 0, 'I'},
                                              {"night", 1, 0, 'n'}, {"pg", 1, 0, 'p'},
                                              {"keys", 1, 0, 'K'},  {"help", 0, 0, 'h'},
                                              {"workers", 1, 0, 'W'}, {"pg-passfile", 1, 0, 'P'},
                                              {0, 0, 0, 0}};
    report_opts_t o = {0};
    const char *pg_passfile = NULL;
    static char ep_in[KPM_MAX_WORKERS][4200], ep_ack[KPM_MAX_WORKERS][4200];
    char err[512], *end;
    unsigned n_in = 0, n_ack = 0;
    long workers = 0;
    int c, bad = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.state_dir = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 'i':
            if (n_in < KPM_MAX_WORKERS) o.in_endpoint[n_in] = optarg;
            n_in++;
            break;
        case 'I':
            if (n_ack < KPM_MAX_WORKERS) o.in_ack[n_ack] = optarg;
            n_ack++;
            break;
        case 'W': workers = strtol(optarg, &end, 10), bad |= *end || end == optarg; break;
        case 'n': o.night = optarg; break;
        case 'p': o.pg = optarg; break;
        case 'P': pg_passfile = optarg; break;
        case 'K': o.keys = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!workers) workers = n_in ? n_in : 1;
    if (!o.state_dir || !o.out_dir || optind != argc || bad || workers < 1 ||
        workers > KPM_MAX_WORKERS || (n_in && n_in != (unsigned)workers) ||
        (n_ack && n_ack != (unsigned)workers)) {
        usage(stderr);
        return 2;
    }
    if ((o.pg || pg_passfile) &&
        db_pg_check_secrets(o.pg ? o.pg : "", pg_passfile, err, sizeof err)) {
        fprintf(stderr, "kpm-report: %s\n", err);
        return 2;
    }
    o.workers = (unsigned)workers;
    log_init("report");
    if (stage_start("report", o.state_dir, err, sizeof err) != KPM_OK) {
        log_error("%s", err);
        return 1;
    }
    for (unsigned w = 0; w < o.workers; w++) {
        stage_worker_endpoint(o.state_dir, "report.in", w, o.workers, &o.in_endpoint[w], ep_in[w],
                              sizeof ep_in[w]);
        stage_worker_endpoint(o.state_dir, "aggregate.ack", w, o.workers, &o.in_ack[w],
                              ep_ack[w], sizeof ep_ack[w]);
    }
    int rc = report_run(&o);
    stage_end();
    return rc == KPM_OK || rc == KPM_ESTOP ? 0 : 1;
}
