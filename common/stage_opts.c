/* stage_opts.c - the command line of a stage (see stage_opts.h). */
#include "stage_opts.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kpm_err.h"
#include "kpm_exit.h"
#include "optval.h"

#define MAX_OPTS 48
#define HELP_COL 22 /* where the help text of an option starts */

/* Indexes of the common options, after the stage's own. */
enum { COMMON_STATE, COMMON_KEYS, COMMON_INSECURE, COMMON_HELP, N_COMMON };

int stage_usage_error(const stage_cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kpm-%s: ", cli->stage);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'kpm-%s --help'.\n", cli->stage);
    return KPM_EXIT_USAGE;
}

int stage_endpoint_check(const char *opt, const char *endpoint, int have_keys, int insecure,
                         int *plaintext_net, char *err, size_t errlen)
{
    int network;
    if (strncmp(endpoint, "ipc://", 6) == 0 && endpoint[6] != '\0')
        network = endpoint[6] == '@'; /* abstract: no directory guards it */
    else if (strncmp(endpoint, "tcp://", 6) == 0 && strchr(endpoint + 6, ':'))
        network = 1;
    else {
        snprintf(err, errlen, "%s: '%.200s' is not an endpoint (ipc://PATH or tcp://HOST:PORT)",
                 opt, endpoint);
        return KPM_EINVAL;
    }
    if (network && !have_keys && !insecure) {
        snprintf(err, errlen,
                 "%s: '%.200s' crosses the network, which needs CurveZMQ keys: give --keys DIR "
                 "(make them with 'kpm keygen DIR'), or --insecure-plaintext to send in the clear",
                 opt, endpoint);
        return KPM_EINVAL;
    }
    if (network && !have_keys) *plaintext_net = 1;
    return KPM_OK;
}

int stage_opts_workers(const stage_cli_t *cli, unsigned given_workers, long *workers,
                       const char *per, unsigned n, const char *per2, unsigned n2)
{
    if (!given_workers) *workers = n ? n : 1;
    if ((n && n != (unsigned long)*workers) || (n2 && n2 != (unsigned long)*workers))
        return stage_usage_error(cli,
                                 "--%s and --%s are given once per worker (%ld), or not at "
                                 "all",
                                 per, per2, *workers);
    return STAGE_OPTS_GO;
}

/* One option's lines of --help: "  --name ARG", its text from HELP_COL, and the
 * allowed range of a number. */
static void help_option(FILE *fp, const char *name, const char *arg, const char *help,
                        const stage_opt_t *num)
{
    int n = fprintf(fp, "  --%s%s%s", name, arg ? " " : "", arg ? arg : "");
    if (n >= HELP_COL) {
        fputc('\n', fp);
        n = 0;
    }
    for (const char *line = help; line;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        fprintf(fp, "%*s%.*s\n", HELP_COL - n, "", len, line);
        n = 0;
        line = nl ? nl + 1 : NULL;
    }
    if (num && num->kind == STAGE_OPT_WHOLE)
        fprintf(fp, "%*sallowed: %ld to %ld\n", HELP_COL, "", (long)num->min, (long)num->max);
    else if (num && num->kind == STAGE_OPT_NUMBER)
        fprintf(fp, "%*sallowed: %g to %g\n", HELP_COL, "", num->min, num->max);
}

static void help(const stage_cli_t *cli)
{
    FILE *fp = stdout;
    fprintf(fp, "usage: kpm-%s %s\n%s\n\n", cli->stage, cli->synopsis, cli->about);
    help_option(fp, "state", "DIR", "kpm's state directory", NULL);
    for (const stage_opt_t *o = cli->opts; o->name; o++)
        help_option(fp, o->name, o->arg, o->help, o);
    char keys[256];
    snprintf(keys, sizeof keys,
             "use CurveZMQ with the keys in DIR\n(%s;\nmade by 'kpm keygen DIR'): "
             "needed by every tcp:// endpoint",
             cli->keys_files);
    help_option(fp, "keys", "DIR", keys, NULL);
    help_option(fp, "insecure-plaintext", NULL,
                "allow tcp:// without keys: unencrypted, any peer admitted\n"
                "(warned in the log); only on a network you trust",
                NULL);
    help_option(fp, "help", NULL, "this text", NULL);
    fprintf(fp,
            "A number outside its range, or with anything but digits (and a point where a\n"
            "decimal is allowed), is a usage error. ipc:// endpoints live in STATE/sock\n"
            "(mode 0700). Exit status: 0 done, or stopped by SIGTERM/SIGINT with its state\n"
            "saved; 1 failed (the cause in the log and STATE/run/<stage>.status); 2 usage\n"
            "error; 75 another kpm-%s runs on this state directory.\n",
            cli->stage);
}

/* Stores one value of option o (its `given`-th). */
static int take_value(const stage_cli_t *cli, const stage_opt_t *o, unsigned given,
                      const char *text)
{
    char opt[64], err[512];
    snprintf(opt, sizeof opt, "--%s", o->name);
    if (o->many && given >= o->many)
        return stage_usage_error(cli, "%s: given more than %u times", opt, o->many);
    size_t i = o->many ? given : 0;
    long whole;
    double number;
    switch (o->kind) {
    case STAGE_OPT_FLAG:
        ((int *)o->value)[i] = 1;
        return STAGE_OPTS_GO;
    case STAGE_OPT_TEXT:
    case STAGE_OPT_ENDPOINT:
        if (!text[0]) return stage_usage_error(cli, "%s: the value is empty", opt);
        ((const char **)o->value)[i] = text;
        return STAGE_OPTS_GO;
    case STAGE_OPT_WHOLE:
        if (optval_long(opt, text, (long)o->min, (long)o->max, &whole, err, sizeof err))
            return stage_usage_error(cli, "%s", err);
        ((long *)o->value)[i] = whole;
        return STAGE_OPTS_GO;
    case STAGE_OPT_NUMBER:
        if (optval_double(opt, text, o->min, o->max, &number, err, sizeof err))
            return stage_usage_error(cli, "%s", err);
        ((double *)o->value)[i] = number;
        return STAGE_OPTS_GO;
    }
    return stage_usage_error(cli, "%s: unknown kind of option", opt);
}

/* Every endpoint given follows stage_endpoint_check; ipc ones are noted. */
static int check_endpoints(const stage_cli_t *cli, const unsigned *count, stage_common_t *c)
{
    char opt[64], err[512];
    for (size_t k = 0; cli->opts[k].name; k++) {
        const stage_opt_t *o = &cli->opts[k];
        if (o->kind != STAGE_OPT_ENDPOINT) continue;
        unsigned n = o->many ? count[k] : count[k] > 0;
        for (unsigned i = 0; i < n; i++) {
            const char *ep = ((const char **)o->value)[i];
            snprintf(opt, sizeof opt, "--%s", o->name);
            if (stage_endpoint_check(opt, ep, c->keys != NULL, c->insecure_plaintext,
                                     &c->plaintext_net, err, sizeof err))
                return stage_usage_error(cli, "%s", err);
            if (strncmp(ep, "ipc://", 6) == 0 && ep[6] != '@' && c->n_ipc < STAGE_MAX_ENDPOINTS)
                c->ipc[c->n_ipc++] = ep;
        }
    }
    return STAGE_OPTS_GO;
}

int stage_opts_parse(const stage_cli_t *cli, int argc, char **argv, stage_common_t *c)
{
    struct option longopts[MAX_OPTS + N_COMMON + 1];
    unsigned count[MAX_OPTS] = {0};
    size_t n = 0;
    memset(c, 0, sizeof *c);
    for (; cli->opts[n].name; n++) {
        if (n == MAX_OPTS) return stage_usage_error(cli, "too many options declared");
        longopts[n] = (struct option){
            cli->opts[n].name,
            cli->opts[n].kind == STAGE_OPT_FLAG ? no_argument : required_argument, NULL, (int)n};
    }
    static const char *const common_names[N_COMMON] = {"state", "keys", "insecure-plaintext",
                                                       "help"};
    for (int k = 0; k < N_COMMON; k++)
        longopts[n + (size_t)k] = (struct option){
            common_names[k], k <= COMMON_KEYS ? required_argument : no_argument, NULL, (int)n + k};
    longopts[n + N_COMMON] = (struct option){0, 0, 0, 0};

    int ch, rc;
    optind = 0; /* glibc: a full restart (the parser may run more than once) */
    opterr = 0; /* the messages below name the option */
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (ch == 'h' || ch == (int)n + COMMON_HELP) {
            help(cli);
            return KPM_EXIT_OK;
        }
        if (ch == '?') return stage_usage_error(cli, "unknown option '%s'", argv[optind - 1]);
        if (ch == ':') return stage_usage_error(cli, "%s needs a value", argv[optind - 1]);
        if (ch == (int)n + COMMON_STATE || ch == (int)n + COMMON_KEYS) {
            if (!optarg[0])
                return stage_usage_error(cli, "--%s: the value is empty",
                                         common_names[ch - (int)n]);
            *(ch == (int)n + COMMON_STATE ? &c->state_dir : &c->keys) = optarg;
            continue;
        }
        if (ch == (int)n + COMMON_INSECURE) {
            /* said in words: getopt would take any unique prefix ("--ins") */
            if (strcmp(argv[optind - 1], "--insecure-plaintext") != 0)
                return stage_usage_error(cli, "'%s': write --insecure-plaintext in full",
                                         argv[optind - 1]);
            c->insecure_plaintext = 1;
            continue;
        }
        const stage_opt_t *o = &cli->opts[ch];
        if ((rc = take_value(cli, o, count[ch], optarg)) != STAGE_OPTS_GO) return rc;
        count[ch]++;
    }
    if (optind != argc) return stage_usage_error(cli, "unexpected argument '%s'", argv[optind]);
    if (!c->state_dir) return stage_usage_error(cli, "--state is required");
    for (size_t k = 0; k < n; k++) {
        if (cli->opts[k].required && !count[k])
            return stage_usage_error(cli, "--%s is required", cli->opts[k].name);
        if (cli->opts[k].given) *cli->opts[k].given = count[k];
    }
    return check_endpoints(cli, count, c);
}
