/* kpm-ingest: reads a night's inbox files, validates them and sends records to
 * kpm-aggregate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "datadir.h"
#include "ingest_run.h"
#include "kpm_err.h"
#include "log.h"
#include "stage.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: kpm-ingest --inbox DIR --state DIR [options]\n"
            "Takes the files in the inbox (one night), validates them by the data contract\n"
            "and sends them to kpm-aggregate; archives or quarantines each file once\n"
            "aggregate has made its records durable. Restart it at any time: it resumes.\n\n"
            "  --inbox DIR        where delivered files arrive\n"
            "  --state DIR        kpm's state directory (archive, quarantine, sockets)\n"
            "  --catalog FILE     questionnaire (default %s/config/vragenlijst-2021.csv)\n"
            "  --out ENDPOINT     aggregate's input (default ipc://STATE/sock/aggregate.in)\n"
            "  --ack ENDPOINT     bound here for acknowledgements\n"
            "                     (default ipc://STATE/sock/ingest.ack)\n"
            "  --workers N        aggregate runs as N workers (default 1, or the number of\n"
            "                     --out given): give --out and --ack once per worker, in\n"
            "                     worker order, or none for ipc://STATE/sock/aggregate.K.in\n"
            "                     and ingest.K.ack (docs/SCALING.md)\n"
            "  --night ID         the night to take: resumed if unfinished, nothing to do if\n"
            "                     done, else started (default: UTC time and a number)\n"
            "  --prepare          open or create the night, print its id and exit\n"
            "  --keys DIR         use CurveZMQ with the keys in DIR (ingest.key, aggregate.pub;\n"
            "                     see kpm-keygen): for tcp:// between hosts\n"
            "  --batch N          records per message of a new night (default 8192; an\n"
            "                     unfinished night keeps its own)\n"
            "  --help             this text\n"
            "Exit status: 0 night delivered or stopped by SIGTERM/SIGINT with its state saved,\n"
            "1 failure, 2 usage.\n",
            datadir_get());
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"inbox", 1, 0, 'i'}, {"state", 1, 0, 's'}, {"catalog", 1, 0, 'c'},
        {"out", 1, 0, 'o'},   {"ack", 1, 0, 'a'},   {"night", 1, 0, 'n'},
        {"batch", 1, 0, 'b'}, {"prepare", 0, 0, 'p'}, {"keys", 1, 0, 'k'},
        {"workers", 1, 0, 'W'}, {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
    static char catalog[4200];
    ingest_opts_t o = {.catalog =
                           datadir_config_file("vragenlijst-2021.csv", catalog, sizeof catalog)};
    static char data_ep[KPM_MAX_WORKERS][4200], ack_ep[KPM_MAX_WORKERS][4200];
    char err[512], *end;
    unsigned n_out = 0, n_ack = 0;
    long workers = 0;
    int c, bad = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': o.inbox = optarg; break;
        case 's': o.state_dir = optarg; break;
        case 'c': o.catalog = optarg; break;
        case 'o':
            if (n_out < KPM_MAX_WORKERS) o.data_endpoint[n_out] = optarg;
            n_out++;
            break;
        case 'a':
            if (n_ack < KPM_MAX_WORKERS) o.ack_endpoint[n_ack] = optarg;
            n_ack++;
            break;
        case 'W': workers = strtol(optarg, &end, 10), bad |= *end || end == optarg; break;
        case 'n': o.night_id = optarg; break;
        case 'b': o.batch_records = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'p': o.prepare = 1; break;
        case 'k': o.keys = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!workers) workers = n_out ? n_out : 1;
    if (!o.inbox || !o.state_dir || optind != argc || bad || workers < 1 ||
        workers > KPM_MAX_WORKERS || (n_out && n_out != (unsigned)workers) ||
        (n_ack && n_ack != (unsigned)workers)) {
        usage(stderr);
        return 2;
    }
    o.workers = (unsigned)workers;
    log_init("ingest");
    if (o.prepare) {
        /* It only opens the night and prints its id: it is not the running
         * stage, so it leaves STATE/run/ingest.pid alone (a kill or restart of
         * ingest must never hit it). The state's files get the stages' umask. */
        umask(007);
        return ingest_run(&o) == KPM_OK ? 0 : 1;
    }
    if (stage_start("ingest", o.state_dir, err, sizeof err) != KPM_OK) {
        log_error("%s", err);
        return 1;
    }
    for (unsigned w = 0; w < o.workers; w++) {
        stage_worker_endpoint(o.state_dir, "aggregate.in", w, o.workers, &o.data_endpoint[w],
                              data_ep[w], sizeof data_ep[w]);
        stage_worker_endpoint(o.state_dir, "ingest.ack", w, o.workers, &o.ack_endpoint[w],
                              ack_ep[w], sizeof ack_ep[w]);
    }
    int rc = ingest_run(&o);
    stage_end();
    return rc == KPM_OK || rc == KPM_ESTOP ? 0 : 1;
}
