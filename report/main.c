/* kpm-report: writes the night's result tables from kpm-aggregate as the
 * output directory's CSV files, dashboard.json, rapport.md, rapport.html and
 * kpm.sqlite, and loads them into PostgreSQL when asked. */
#include <getopt.h>
#include <stdio.h>

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
            "  --night ID         the night this run is for: if its outputs are written\n"
            "                     already, confirm that to aggregate and exit\n"
            "  --pg CONNINFO      also load the tables into PostgreSQL, in one transaction\n"
            "                     per night (a libpq connection string or URI; PG*\n"
            "                     environment variables and ~/.pgpass apply). If the load\n"
            "                     fails, the files are written and the exit status is 1;\n"
            "                     the next night loads every table again\n"
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
                                              {0, 0, 0, 0}};
    report_opts_t o = {0};
    char ep_in[4200], ep_ack[4200], err[512];
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.state_dir = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 'i': o.in_endpoint = optarg; break;
        case 'I': o.in_ack = optarg; break;
        case 'n': o.night = optarg; break;
        case 'p': o.pg = optarg; break;
        case 'K': o.keys = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.state_dir || !o.out_dir || optind != argc) {
        usage(stderr);
        return 2;
    }
    log_init("report");
    if (stage_start("report", o.state_dir, err, sizeof err) != KPM_OK) {
        log_error("%s", err);
        return 1;
    }
    if (!o.in_endpoint && stage_ipc_endpoint(o.state_dir, "report.in", ep_in, sizeof ep_in) == KPM_OK)
        o.in_endpoint = ep_in;
    if (!o.in_ack && stage_ipc_endpoint(o.state_dir, "aggregate.ack", ep_ack, sizeof ep_ack) == KPM_OK)
        o.in_ack = ep_ack;
    int rc = report_run(&o);
    stage_end();
    return rc == KPM_OK || rc == KPM_ESTOP ? 0 : 1;
}
