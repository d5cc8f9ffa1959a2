/* stage_opts.h - the command line of a stage (kpm-ingest, kpm-aggregate,
 * kpm-report), parsed in one place.
 *
 * A stage declares its own options as a table (stage_opt_t); the options every
 * stage has (--state, --keys, --insecure-plaintext, --help) and the rules every
 * stage follows are added here:
 * - a number is read with optval (the whole text, within the option's range: a
 *   typo is an error, never a default), and its range is shown in --help;
 * - text values (paths, ids) are not empty; required options are given; no
 *   positional arguments;
 * - endpoints follow stage_endpoint_check: tcp:// needs --keys unless
 *   --insecure-plaintext says otherwise in words.
 * A usage error prints one line naming the option ("kpm-aggregate: --min-cell:
 * 'five' is not a whole number (allowed: 0 to 1000)") and exits 2 before
 * anything is created; --help prints the text and exits 0, likewise.
 */
#ifndef KPM_STAGE_OPTS_H
#define KPM_STAGE_OPTS_H

#include <stddef.h>

typedef enum {
    STAGE_OPT_TEXT,     /* const char *: a path, a night id, a connection string */
    STAGE_OPT_ENDPOINT, /* const char *: a ZeroMQ endpoint (stage_endpoint_check) */
    STAGE_OPT_FLAG,     /* int: set to 1 */
    STAGE_OPT_WHOLE,    /* long: a whole number in [min, max] */
    STAGE_OPT_NUMBER,   /* double: a decimal number in [min, max] */
} stage_opt_kind_t;

/* One option of a stage. */
typedef struct {
    const char *name; /* without the dashes: "min-cell" */
    stage_opt_kind_t kind;
    void *value;      /* where the value goes (its type by kind); with `many`, the
                         first element of an array of `many` */
    const char *arg;  /* the value's name in --help ("N", "DIR"); NULL for a flag */
    const char *help; /* --help text; '\n' starts another line of it */
    double min, max;  /* WHOLE and NUMBER: the allowed range (shown in --help) */
    unsigned many;    /* 0: once (given again, the last counts); N: up to N times,
                         in order, into value[0..N-1] */
    unsigned *given;  /* NULL, or counts how often the option was given */
    int required;     /* a usage error when not given */
} stage_opt_t;

/* What a stage's --help says about it, and its own options. */
typedef struct {
    const char *stage;       /* "ingest": the binary is kpm-<stage> */
    const char *synopsis;    /* the usage line after the binary's name */
    const char *about;       /* what the stage does, in lines */
    const char *keys_files;  /* what --keys DIR must hold: "ingest.key, aggregate.pub" */
    const stage_opt_t *opts; /* the stage's own options, ended by an entry without name */
} stage_cli_t;

/* The options every stage has. */
#define STAGE_MAX_ENDPOINTS 40
typedef struct {
    const char *state_dir;  /* --state DIR */
    const char *keys;       /* --keys DIR, or NULL */
    int insecure_plaintext; /* --insecure-plaintext */
    int plaintext_net;      /* an endpoint crosses the network without keys (warned at start) */
    const char *ipc[STAGE_MAX_ENDPOINTS]; /* the ipc:// endpoints given (their directories are
                                             checked at start, see stage_start) */
    unsigned n_ipc;
} stage_common_t;

/* stage_opts_parse: go on with the stage (not an exit status). */
#define STAGE_OPTS_GO (-1)

/* Parses argv into the stage's option table and *common. Returns STAGE_OPTS_GO,
 * or the status to exit with at once: KPM_EXIT_OK after --help (printed on
 * stdout), KPM_EXIT_USAGE after a usage error (one line on stderr). It writes
 * nothing but the values and that text. */
int stage_opts_parse(const stage_cli_t *cli, int argc, char **argv, stage_common_t *common);

/* For the checks a stage makes across its options after parsing: prints
 * "kpm-<stage>: MESSAGE" and a pointer to --help on stderr; returns
 * KPM_EXIT_USAGE. */
int stage_usage_error(const stage_cli_t *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For a stage that talks to every aggregate worker (ingest, report): `per` and
 * `per2` are its per-worker endpoint options, given n and n2 times. The number
 * of workers is *workers when --workers was given (given_workers), else n (or
 * 1); each option is given once per worker or not at all. Returns STAGE_OPTS_GO
 * (*workers set) or KPM_EXIT_USAGE (said on stderr). */
int stage_opts_workers(const stage_cli_t *cli, unsigned given_workers, long *workers,
                       const char *per, unsigned n, const char *per2, unsigned n2);

/* The rule for one endpoint of option `opt` (a pure function):
 * - ipc://PATH is local: it needs no keys (its directory protects it, see
 *   stage_ipc_dir_check); an abstract ipc://@NAME has no directory, so it counts
 *   as network;
 * - tcp://HOST:PORT (network) needs keys (`have_keys`), or `insecure`
 *   (--insecure-plaintext);
 * - anything else is not an endpoint of kpm.
 * Returns KPM_OK (*plaintext_net set to 1 when it is network traffic without
 * keys, allowed by `insecure`), or KPM_EINVAL with a message in err naming the
 * option, --keys and `kpm keygen`. */
int stage_endpoint_check(const char *opt, const char *endpoint, int have_keys, int insecure,
                         int *plaintext_net, char *err, size_t errlen);

#endif
