/* tables_cmp_config.h - the configuration of the comparisons
 * (docs/COMPARISONS.md, "Configuration"): named groups of tranches
 * (config/groepen.csv, `naam;tranches`) and the comparisons
 * (config/vergelijkingen.csv, `naam;type;meting_a;groep_a;meting_b;groep_b`).
 * The structures are read by tables_cmp.c; nothing else should change them.
 */
#ifndef KPM_AGG_TABLES_CMP_CONFIG_H
#define KPM_AGG_TABLES_CMP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define TABLES_CMP_NAME_MAX 128 /* bytes of a group or comparison name */

typedef enum { TABLES_CMP_ALLE, TABLES_CMP_TRANCHE, TABLES_CMP_NAMED } tables_cmp_grp_kind_t;

/* A group as a comparison names it: alle, tranche-N or a named group. */
typedef struct {
    tables_cmp_grp_kind_t kind;
    int tranche;  /* TABLES_CMP_TRANCHE */
    size_t named; /* TABLES_CMP_NAMED: index in the configuration's groups */
} tables_cmp_grp_t;

typedef struct {
    char *name;
    int *tranches;
    size_t n;
} tables_cmp_named_t;

typedef struct {
    char *name;
    int paired;              /* 1: gepaard, 0: onafhankelijk */
    int32_t meting[2];       /* a, b */
    tables_cmp_grp_t grp[2]; /* a, b; the same group when paired */
} tables_cmp_cmp_t;

typedef struct tables_cmp_config {
    tables_cmp_named_t *groups; /* file order */
    size_t n_groups;
    tables_cmp_cmp_t *cmps; /* file order */
    size_t n_cmps;
} tables_cmp_config_t;

/* Loads the named groups (groups_path) and then the comparisons (cmp_path). A
 * NULL path, or a file that does not exist while its *_optional is set, adds
 * nothing. Returns the configuration (the caller owns it), or NULL with
 * "'file' line N: cause" in err. */
tables_cmp_config_t *tables_cmp_config_load(const char *cmp_path, int cmp_optional,
                                            const char *groups_path, int groups_optional, char *err,
                                            size_t errlen);
void tables_cmp_config_destroy(tables_cmp_config_t **c);

/* Number of comparisons configured (0 for NULL). */
size_t tables_cmp_config_count(const tables_cmp_config_t *c);

/* True when tranche t belongs to group g. */
int tables_cmp_group_has(const tables_cmp_config_t *c, const tables_cmp_grp_t *g, int t);

#endif
