#include "kinds.h"

#include <string.h>
#include <strings.h>

static const char *const status_values[] = {"actief", "netwerkfase", "afgerond", NULL};
static const char *const versie_values[] = {"kort", "volledig", NULL};
static const char *const aanbieder_values[] = {"professioneel", "vrijwillig", "informeel", NULL};
static const char *const type_values[] = {"masterclass", "thema", "congres", "projectleiders",
                                          "intervisie",  "regio", NULL};
static const char *const circulaire_values[] = {"mei", "september", NULL};
static const char *const janee_values[] = {"ja", "nee", NULL};

/* name, type, key, required, min, max, min_exclusive, values */
#define TEXT(n)                                                                                    \
    {                                                                                              \
        n, COL_TEXT, 1, 1, 0, 0, 0, NULL                                                           \
    }
#define INT(n, lo, hi)                                                                             \
    {                                                                                              \
        n, COL_INT, 1, 1, lo, hi, 0, NULL                                                          \
    }
#define OPT_INT(n, lo, hi)                                                                         \
    {                                                                                              \
        n, COL_INT, 0, 0, lo, hi, 0, NULL                                                          \
    }
#define ENUM(n, v)                                                                                 \
    {                                                                                              \
        n, COL_ENUM, 1, 1, 0, 0, 0, v                                                              \
    }
#define OPT_ENUM(n, v)                                                                             \
    {                                                                                              \
        n, COL_ENUM, 0, 0, 0, 0, 0, v                                                              \
    }
#define OPT_KEY_ENUM(n, v)                                                                         \
    {                                                                                              \
        n, COL_ENUM, COL_OPT_KEY, 0, 0, 0, 0, v                                                    \
    }
#define KEYED(n, t)                                                                                \
    {                                                                                              \
        n, t, 1, 1, 0, 0, 0, NULL                                                                  \
    }
#define DEC(n, lo, hi, excl)                                                                       \
    {                                                                                              \
        n, COL_DECIMAL, 1, 1, lo, hi, excl, NULL                                                   \
    }
#define OPT_DEC(n, lo, hi)                                                                         \
    {                                                                                              \
        n, COL_DECIMAL, 0, 0, lo, hi, 0, NULL                                                      \
    }

static const col_spec_t koplopers_cols[] = {
    TEXT("koploper_id"),
    KEYED("naam", COL_NAME),
    INT("tranche", 1, 9),
    INT("startjaar", 2015, 2100),
    KEYED("gemeenten", COL_GM_LIST),
    OPT_ENUM("status", status_values),
};

static const col_spec_t deelnemers_cols[] = {
    INT("meting", 2000, 2100),
    TEXT("koploper_id"),
    OPT_ENUM("versie", versie_values),
};

static const col_spec_t uitvraag_cols[] = {
    TEXT("response_id"),
    INT("meting", 2000, 2100),
    TEXT("koploper_id"),
    KEYED("ingevuld_op", COL_DATETIME),
};

static const col_spec_t gebruik_cols[] = {
    KEYED("gemeente_code", COL_GEMEENTE),
    KEYED("periode", COL_MONTH),
    ENUM("aanbieder_type", aanbieder_values),
    OPT_INT("nieuwe_vragen", 0, INT64_C(1000000000)),
    OPT_INT("lopende_trajecten", 0, INT64_C(1000000000)),
    OPT_INT("clienten_bereikt", 0, INT64_C(1000000000)),
};

static const col_spec_t adviesinzet_cols[] = {
    TEXT("koploper_id"),
    KEYED("datum", COL_DATE),
    KEYED("adviseur", COL_PERSON),
    DEC("uren", 0, 24, 1),
};

static const col_spec_t bijeenkomsten_cols[] = {
    TEXT("bijeenkomst_id"),   KEYED("gemeente_code", COL_GEMEENTE),   ENUM("type", type_values),
    KEYED("datum", COL_DATE), INT("deelnemers", 0, INT64_C(1000000)),
};

static const col_spec_t middelen_cols[] = {
    TEXT("koploper_id"),
    INT("jaar", 2015, 2100),
    OPT_KEY_ENUM("circulaire", circulaire_values),
    DEC("toegekend_eur", 0, INT64_C(1000000000000), 0),
};

static const col_spec_t ervaring_cols[] = {
    KEYED("gemeente_code", COL_GEMEENTE),
    INT("jaar", 2015, 2100),
    INT("respondenten", 0, INT64_C(100000000)),
    DEC("bekend_pct", 0, 100, 0),
    OPT_DEC("tevreden_pct", 0, 100),
};

static const col_spec_t voordrachten_cols[] = {
    TEXT("voordracht_id"),
    KEYED("ingediend_op", COL_DATE),
    KEYED("gemeenten", COL_GM_LIST),
    ENUM("visie", janee_values),
    ENUM("betrokkenheid", janee_values),
    ENUM("innovatie", janee_values),
    ENUM("ambitie", janee_values),
    ENUM("doelgroepen", janee_values),
    ENUM("clientorganisatie_betrokken", janee_values),
};

static const col_spec_t gemeenten_cols[] = {
    KEYED("gemeente_code", COL_GEMEENTE),
    KEYED("naam", COL_NAME),
    KEYED("provincie", COL_NAME),
    OPT_INT("inwoners", 1, INT64_C(100000000)),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Column order is the order of the checks (the first failing key column is the
 * one reported) and, for key_cols, the key of a row. */
static const kind_spec_t kinds[] = {
    {"koplopers", KIND_KOPLOPERS, koplopers_cols, N(koplopers_cols), 0, 1},
    {"deelnemers", KIND_DEELNEMERS, deelnemers_cols, N(deelnemers_cols), 0, 2},
    {"uitvraag", KIND_UITVRAAG, uitvraag_cols, N(uitvraag_cols), 1, 0},
    {"gebruik", KIND_GEBRUIK, gebruik_cols, N(gebruik_cols), 0, 0},
    {"adviesinzet", KIND_ADVIESINZET, adviesinzet_cols, N(adviesinzet_cols), 0, 3},
    {"bijeenkomsten", KIND_BIJEENKOMSTEN, bijeenkomsten_cols, N(bijeenkomsten_cols), 0, 2},
    {"middelen", KIND_MIDDELEN, middelen_cols, N(middelen_cols), 0, 3},
    {"ervaring", KIND_ERVARING, ervaring_cols, N(ervaring_cols), 0, 2},
    {"voordrachten", KIND_VOORDRACHTEN, voordrachten_cols, N(voordrachten_cols), 0, 1},
    {"gemeenten", KIND_GEMEENTEN, gemeenten_cols, N(gemeenten_cols), 0, 1},
};

const kind_spec_t *kind_from_filename(const char *name)
{
    size_t len = strcspn(name, "_-.");
    for (size_t i = 0; i < N(kinds); i++)
        if (strlen(kinds[i].name) == len && strncasecmp(kinds[i].name, name, len) == 0)
            return &kinds[i];
    return NULL;
}

const char *kind_names(void)
{
    return "koplopers, deelnemers, uitvraag, gebruik, adviesinzet, bijeenkomsten, middelen, "
           "ervaring, voordrachten of gemeenten";
}
