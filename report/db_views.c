/* db_views.c - the feed's views and schema version (see db_views.h). */
#include "db_views.h"

#include <string.h>

/* A share in percent with one decimal, NULL when the whole is 0: the same
 * expression in both dialects (PostgreSQL computes it in numeric). */
#define PCT(part, whole) "round(100.0 * (" part ") / nullif(" whole ", 0), 1)"
#define PER_1000 "round(1000.0 * sum(clienten_bereikt) / nullif(sum(inwoners), 0), 1)"
#define KNOWN "clienten_bereikt IS NOT NULL AND inwoners IS NOT NULL"
#define USAGE_SUMS                                                                        \
    "count(*) AS gemeenten, sum(nieuwe_vragen) AS nieuwe_vragen, "                        \
    "sum(clienten_bereikt) AS clienten_bereikt, "                                         \
    "sum(CASE WHEN " KNOWN " THEN inwoners END) AS inwoners, "                            \
    "round(1000.0 * sum(CASE WHEN " KNOWN " THEN clienten_bereikt END) / "               \
    "nullif(sum(CASE WHEN " KNOWN " THEN inwoners END), 0), 1) AS clienten_per_1000_inwoners"
#define LIKERT_PART(a) \
    "SELECT meting, groep, thema, item, '" a "' AS antwoord, " a " AS aantal, onderdrukt FROM likert"

/* The views, in dependency order; `tables` lists what each reads. */
static const struct {
    const char *name;
    const char *tables; /* comma-separated */
    const char *sql;
} db_views[] = {
    {"v_likert_lang", "likert",
     LIKERT_PART("zeer_ontevreden") " UNION ALL " LIKERT_PART("ontevreden") " UNION ALL " LIKERT_PART(
         "tevreden") " UNION ALL " LIKERT_PART("zeer_tevreden") " UNION ALL " LIKERT_PART("nvt")
         " UNION ALL " LIKERT_PART("ontbrekend")},
    {"v_respons_totaal", "respons_tranche",
     "SELECT meting, sum(uitgenodigd) AS uitgenodigd, sum(respons) AS respons, " PCT(
         "sum(respons)", "sum(uitgenodigd)") " AS respons_pct FROM respons_tranche GROUP BY meting"},
    {"v_respons_tranche", "respons_tranche,koploper",
     "SELECT r.meting, r.tranche, (SELECT count(*) FROM koploper k WHERE k.tranche = r.tranche) "
     "AS koplopers, r.uitgenodigd, r.respons, r.respons_pct FROM respons_tranche r"},
    {"v_gebruik_totaal", "gebruik_gemeente",
     "SELECT jaar, " USAGE_SUMS " FROM gebruik_gemeente GROUP BY jaar"},
    {"v_gebruik_provincie", "gebruik_gemeente_nu,gemeente",
     "SELECT jaar, provincie, " USAGE_SUMS " FROM gebruik_gemeente_nu g JOIN "
     "(SELECT gemeente_code AS code, provincie FROM gemeente) p ON p.code = g.gemeente_code "
     "GROUP BY jaar, provincie"},
    {"v_koploper_vergelijking", "gebruik_gemeente_nu",
     "SELECT jaar, koploper, " USAGE_SUMS " FROM gebruik_gemeente_nu GROUP BY jaar, koploper"},
    {"v_tevredenheid_thema", "likert",
     "SELECT meting, thema, count(*) AS items, "
     "sum(zeer_ontevreden + ontevreden + tevreden + zeer_tevreden) AS antwoorden, "
     "sum(tevreden + zeer_tevreden) AS tevreden, " PCT(
         "sum(tevreden + zeer_tevreden)",
         "sum(zeer_ontevreden + ontevreden + tevreden + zeer_tevreden)") " AS tevreden_pct "
                                                                         "FROM likert WHERE groep "
                                                                         "= 'alle' GROUP BY "
                                                                         "meting, thema"},
};

#define N_VIEWS (sizeof db_views / sizeof db_views[0])

static int all_loaded(const char *tables, db_loaded_fn loaded, const void *ctx)
{
    char name[DB_NAME_MAX + 1];

    while (*tables != '\0') {
        size_t len = strcspn(tables, ",");
        if (len > DB_NAME_MAX) return 0;
        memcpy(name, tables, len);
        name[len] = '\0';
        if (!loaded(ctx, name)) return 0;
        tables += len + (tables[len] == ',');
    }
    return 1;
}

void db_views_create_sql(db_buf_t *b, db_loaded_fn loaded, const void *ctx)
{
    for (size_t i = 0; i < N_VIEWS; i++) {
        if (!all_loaded(db_views[i].tables, loaded, ctx)) continue;
        db_buf_printf(b, "CREATE VIEW %s AS %s;\n", db_views[i].name, db_views[i].sql);
    }
}

void db_views_drop_sql(db_buf_t *b)
{
    for (size_t i = N_VIEWS; i-- > 0;)
        db_buf_printf(b, "DROP VIEW IF EXISTS %s;\n", db_views[i].name);
}

void db_schema_version_sql(db_buf_t *b, db_dialect_t d)
{
    db_buf_printf(b,
                  "CREATE TABLE IF NOT EXISTS " DB_SCHEMA_TABLE " (versie %s NOT NULL PRIMARY KEY);\n"
                  "DELETE FROM " DB_SCHEMA_TABLE ";\nINSERT INTO " DB_SCHEMA_TABLE
                  " VALUES (%d);\n",
                  d == DB_PG ? "integer" : "INTEGER", DB_SCHEMA_VERSION);
}

size_t db_views_count(void)
{
    return N_VIEWS;
}

const char *db_view_name(size_t i)
{
    return i < N_VIEWS ? db_views[i].name : NULL;
}
