#include "kinds.h"

#include <string.h>
#include <strings.h>

static const char *const status_values[] = {"actief", "netwerkfase", "afgerond", NULL};
static const char *const versie_values[] = {"kort", "volledig", NULL};

static const col_spec_t koplopers_cols[] = {
    {"koploper_id", COL_TEXT, 1, 1, 0, 0, NULL},
    {"naam", COL_TEXT, 1, 1, 0, 0, NULL},
    {"tranche", COL_INT, 1, 1, 1, 9, NULL},
    {"startjaar", COL_INT, 1, 1, 2015, 2100, NULL},
    {"gemeenten", COL_GM_LIST, 1, 1, 0, 0, NULL},
    {"status", COL_ENUM, 0, 0, 0, 0, status_values},
};

static const col_spec_t deelnemers_cols[] = {
    {"meting", COL_INT, 1, 1, 2000, 2100, NULL},
    {"koploper_id", COL_TEXT, 1, 1, 0, 0, NULL},
    {"versie", COL_ENUM, 0, 0, 0, 0, versie_values},
};

static const col_spec_t uitvraag_cols[] = {
    {"response_id", COL_TEXT, 1, 1, 0, 0, NULL},
    {"meting", COL_INT, 1, 1, 2000, 2100, NULL},
    {"koploper_id", COL_TEXT, 1, 1, 0, 0, NULL},
    {"ingevuld_op", COL_DATETIME, 1, 1, 0, 0, NULL},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const kind_spec_t kinds[] = {
    {"koplopers", KIND_KOPLOPERS, koplopers_cols, N(koplopers_cols), 0},
    {"deelnemers", KIND_DEELNEMERS, deelnemers_cols, N(deelnemers_cols), 0},
    {"uitvraag", KIND_UITVRAAG, uitvraag_cols, N(uitvraag_cols), 1},
    {"gebruik", KIND_NOT_YET, NULL, 0, 0},
    {"adviesinzet", KIND_NOT_YET, NULL, 0, 0},
    {"bijeenkomsten", KIND_NOT_YET, NULL, 0, 0},
    {"middelen", KIND_NOT_YET, NULL, 0, 0},
    {"ervaring", KIND_NOT_YET, NULL, 0, 0},
    {"voordrachten", KIND_NOT_YET, NULL, 0, 0},
    {"gemeenten", KIND_NOT_YET, NULL, 0, 0},
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
