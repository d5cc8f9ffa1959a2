/* kpm-aggregate: applies ingest's records to the state and sends the night's
 * result tables to kpm-report. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "aggregate_run.h"
#include "datadir.h"
#include "kpm_err.h"
#include "log.h"
#include "stage.h"
#include "tables.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: kpm-aggregate --state DIR [options]\n"
            "Receives a night's records from kpm-ingest, applies them to the state\n"
            "(STATE/aggregate/checkpoint), counts, and sends the result tables to\n"
            "kpm-report. Restart it at any time: it resumes from its checkpoint.\n\n"
            "  --state DIR        kpm's state directory\n"
            "  --catalog FILE     questionnaire (default %s/config/vragenlijst-2021.csv)\n"
            "  --in ENDPOINT      bound here for records (default ipc://STATE/sock/aggregate.in)\n"
            "  --in-ack ENDPOINT  ingest's acknowledgement endpoint\n"
            "                     (default ipc://STATE/sock/ingest.ack)\n"
            "  --out ENDPOINT     report's input (default ipc://STATE/sock/report.in)\n"
            "  --out-ack ENDPOINT bound here for report's acknowledgements\n"
            "                     (default ipc://STATE/sock/aggregate.ack)\n"
            "  --min-cell N       small-cell threshold (default 5)\n"
            "  --comparisons FILE comparisons to make (default %s/config/vergelijkingen.csv;\n"
            "                     when that default is missing: none)\n"
            "  --groups FILE      named groups of tranches (default %s/config/groepen.csv; when\n"
            "                     that default is missing: none)\n"
            "  --uren-per-dag H   adviser hours per day, > 0 (default 8)\n"
            "  --dagen-toegekend N\n"
            "                     adviser days allotted per koploper (default 8)\n"
            "  --checkpoint-ms N  checkpoint interval while receiving (default 2000)\n"
            "  --night ID         the night this run is for: if it is delivered already,\n"
            "                     answer ingest briefly and exit\n"
            "  --keys DIR         use CurveZMQ with the keys in DIR (aggregate.key,\n"
            "                     ingest.pub, report.pub; see kpm-keygen): for tcp://\n"
            "  --workers N        aggregate runs as N workers (default 1; docs/SCALING.md);\n"
            "  --worker K         this is worker K (0 .. N-1): state in STATE/aggregate.K,\n"
            "                     default endpoints ipc://STATE/sock/aggregate.K.in,\n"
            "                     ingest.K.ack, report.K.in, aggregate.K.ack\n"
            "  --help             this text\n"
            "Exit status: 0 night delivered or stopped by SIGTERM/SIGINT with its state saved,\n"
            "1 failure, 2 usage.\n",
            datadir_get(), datadir_get(), datadir_get());
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state", 1, 0, 's'},   {"catalog", 1, 0, 'c'},  {"in", 1, 0, 'i'},
        {"in-ack", 1, 0, 'I'},  {"out", 1, 0, 'o'},      {"out-ack", 1, 0, 'O'},
        {"min-cell", 1, 0, 'm'}, {"checkpoint-ms", 1, 0, 'k'}, {"help", 0, 0, 'h'},
        {"uren-per-dag", 1, 0, 'u'}, {"dagen-toegekend", 1, 0, 'd'}, {"night", 1, 0, 'n'}, {"keys", 1, 0, 'K'},
        {"comparisons", 1, 0, 'V'}, {"groups", 1, 0, 'G'}, {"worker", 1, 0, 'w'},
        {"workers", 1, 0, 'W'}, {0, 0, 0, 0}};
    static char data[3][4200];
    aggregate_opts_t o = {.catalog = datadir_config_file("vragenlijst-2021.csv", data[0],
                                                         sizeof data[0]),
                          .min_cell = 5,
                          .checkpoint_ms = 2000, .uren_per_dag = TABLES_UREN_PER_DAG,
                          .dagen_toegekend = TABLES_DAGEN_TOEGEKEND,
                          .comparisons =
                              datadir_config_file("vergelijkingen.csv", data[1], sizeof data[1]),
                          .comparisons_optional = 1,
                          .groups = datadir_config_file("groepen.csv", data[2], sizeof data[2]),
                          .groups_optional = 1};
    char *end;
    char ep[4][4200], err[512];
    long worker = 0, workers = 1;
    int c, bad_worker = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.state_dir = optarg; break;
        case 'c': o.catalog = optarg; break;
        case 'i': o.in_endpoint = optarg; break;
        case 'I': o.in_ack = optarg; break;
        case 'o': o.out_endpoint = optarg; break;
        case 'O': o.out_ack = optarg; break;
        case 'm': o.min_cell = atoi(optarg); break;
        case 'k': o.checkpoint_ms = atoi(optarg); break;
        case 'n': o.night = optarg; break;
        case 'K': o.keys = optarg; break;
        case 'V': o.comparisons = optarg, o.comparisons_optional = 0; break;
        case 'G': o.groups = optarg, o.groups_optional = 0; break;
        case 'w': worker = strtol(optarg, &end, 10), bad_worker |= *end || end == optarg; break;
        case 'W': workers = strtol(optarg, &end, 10), bad_worker |= *end || end == optarg; break;
        case 'u':
            o.uren_per_dag = strtod(optarg, &end);
            if (*end || end == optarg || !isfinite(o.uren_per_dag)) o.uren_per_dag = -1;
            break;
        case 'd':
            o.dagen_toegekend = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg) o.dagen_toegekend = -1;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.state_dir || optind != argc || o.min_cell < 0 || !(o.uren_per_dag > 0) ||
        o.dagen_toegekend < 0 || bad_worker || workers < 1 || workers > KPM_MAX_WORKERS ||
        worker < 0 || worker >= workers) {
        usage(stderr);
        return 2;
    }
    o.worker = (unsigned)worker;
    o.workers = (unsigned)workers;
    char name[32];
    stage_worker_name("aggregate", o.worker, o.workers, name, sizeof name);
    o.name = name;
    log_init(name);
    if (stage_start(name, o.state_dir, err, sizeof err) != KPM_OK) {
        log_error("%s", err);
        return 1;
    }
    const char **slots[4] = {&o.in_endpoint, &o.in_ack, &o.out_endpoint, &o.out_ack};
    static const char *const names[4] = {"aggregate.in", "ingest.ack", "report.in",
                                         "aggregate.ack"};
    for (int i = 0; i < 4; i++)
        stage_worker_endpoint(o.state_dir, names[i], o.worker, o.workers, slots[i], ep[i],
                              sizeof ep[i]);
    int rc = aggregate_run(&o);
    stage_end();
    return rc == KPM_OK || rc == KPM_ESTOP ? 0 : 1;
}
