/* args.h - the command line of one kpm command, read against a table of its
 * options.
 *
 * Both "--opt value" and "--opt=value" work. Every numeric value is checked
 * with optval (whole text, range); a missing value, an unknown option or a
 * surplus operand is a usage error whose message names the option. "--help" (or
 * "-h") anywhere asks for the command's usage and nothing else.
 */
#ifndef KPM_CLI_ARGS_H
#define KPM_CLI_ARGS_H

#include <stddef.h>

typedef enum {
    ARG_FLAG,   /* no value */
    ARG_TEXT,   /* any text (a path, a conninfo) */
    ARG_LONG,   /* a whole number in [min, max] */
    ARG_DOUBLE, /* a decimal number in [dmin, dmax] */
} arg_kind_t;

typedef struct {
    const char *name; /* "--timeout" */
    arg_kind_t kind;
    long min, max;
    double dmin, dmax;
} arg_spec_t;

typedef struct {
    int given;
    const char *text; /* the value as typed (points into argv) */
    long num;         /* ARG_LONG */
    double dnum;      /* ARG_DOUBLE */
} arg_val_t;

#define ARGS_MAX_POS 20

typedef struct {
    arg_val_t *val;                /* one per spec, in the spec's order */
    const char *pos[ARGS_MAX_POS]; /* operands, in order */
    size_t n_pos;
    int help; /* --help was asked */
} args_t;

/* Reads argv (without the command's name) against specs (n of them) into
 * a->val (n slots, zeroed here). Operands beyond max_pos are refused. Returns 0,
 * or KPM_EXIT_USAGE after printing "kpm CMD: <why>" on stderr. With --help,
 * returns 0 and sets a->help without reading anything else. */
int args_parse(const char *cmd, const arg_spec_t *specs, size_t n, args_t *a, size_t max_pos,
               int argc, char **argv);

/* The value slot of option name (which must be in specs). */
const arg_val_t *args_get(const arg_spec_t *specs, size_t n, const args_t *a, const char *name);

#endif
