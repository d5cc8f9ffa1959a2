/* args.c - a kpm command's options (see args.h). */
#include "args.h"

#include <stdio.h>
#include <string.h>

#include "kpm_err.h"
#include "kpm_exit.h"
#include "optval.h"

static int usage_error(const char *cmd, const char *why)
{
    fprintf(stderr, "kpm %s: %s (see kpm %s --help)\n", cmd, why, cmd);
    return KPM_EXIT_USAGE;
}

static const arg_spec_t *find(const arg_spec_t *specs, size_t n, const char *name, size_t len,
                              size_t *idx)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0) {
            *idx = i;
            return &specs[i];
        }
    }
    return NULL;
}

static int check_value(const char *cmd, const arg_spec_t *s, arg_val_t *v)
{
    char err[256];
    int rc = KPM_OK;
    if (s->kind == ARG_LONG)
        rc = optval_long(s->name, v->text, s->min, s->max, &v->num, err, sizeof err);
    else if (s->kind == ARG_DOUBLE)
        rc = optval_double(s->name, v->text, s->dmin, s->dmax, &v->dnum, err, sizeof err);
    else if (s->kind == ARG_TEXT && v->text[0] == '\0') {
        snprintf(err, sizeof err, "%s: the value is empty", s->name);
        rc = KPM_EINVAL;
    }
    return rc == KPM_OK ? 0 : usage_error(cmd, err);
}

int args_parse(const char *cmd, const arg_spec_t *specs, size_t n, args_t *a, size_t max_pos,
               int argc, char **argv)
{
    char why[512];
    memset(a->val, 0, n * sizeof *a->val);
    a->n_pos = 0;
    a->help = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            a->help = 1;
            return 0;
        }
        if (strcmp(argv[i], "--") == 0) break;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            if (a->n_pos >= max_pos || a->n_pos >= ARGS_MAX_POS) {
                snprintf(why, sizeof why, "unexpected operand '%.200s'", arg);
                return usage_error(cmd, why);
            }
            a->pos[a->n_pos++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg), idx;
        const arg_spec_t *s = arg[1] == '-' ? find(specs, n, arg, len, &idx) : NULL;
        if (!s) {
            snprintf(why, sizeof why, "unknown option '%.*s'", (int)(len > 200 ? 200 : len), arg);
            return usage_error(cmd, why);
        }
        arg_val_t *v = &a->val[idx];
        if (s->kind == ARG_FLAG) {
            if (eq) {
                snprintf(why, sizeof why, "%s takes no value", s->name);
                return usage_error(cmd, why);
            }
            v->given = 1;
            continue;
        }
        if (eq) {
            v->text = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            v->text = argv[++i];
        } else {
            snprintf(why, sizeof why, "%s needs a value", s->name);
            return usage_error(cmd, why);
        }
        if (v->given) {
            snprintf(why, sizeof why, "%s is given twice", s->name);
            return usage_error(cmd, why);
        }
        v->given = 1;
        int rc = check_value(cmd, s, v);
        if (rc) return rc;
    }
    return 0;
}

const arg_val_t *args_get(const arg_spec_t *specs, size_t n, const args_t *a, const char *name)
{
    size_t idx;
    return find(specs, n, name, strlen(name), &idx) ? &a->val[idx] : NULL;
}
