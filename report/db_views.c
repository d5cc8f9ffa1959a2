/* db_views.c - the feed's views and schema version (see db_views.h). */
#include "db_views.h"

#include <string.h>

/* A share in percent with one decimal, NULL when the whole is 0: the same
 * expression in both dialects (PostgreSQL computes it in numeric). */
#define PCT(part, whole) "round(100.0 * (" part ") / nullif(" whole ", 0), 1)"
#define PER_1000 "round(1000.0 * sum(clienten_bereikt) / nullif(sum(inwoners), 0), 1)"
#define KNOWN "clienten_bereikt IS NOT NULL AND inwoners IS NOT NULL"
#define USAGE_SUMS                                                                                 \
    "count(*) AS gemeenten, sum(nieuwe_vragen) AS nieuwe_vragen, "                                 \
    "sum(clienten_bereikt) AS clienten_bereikt, "                                                  \
    "sum(CASE WHEN " KNOWN " THEN inwoners END) AS inwoners, "                                     \
    "round(1000.0 * sum(CASE WHEN " KNOWN " THEN clienten_bereikt END) / "                         \
    "nullif(sum(CASE WHEN " KNOWN " THEN inwoners END), 0), 1) AS clienten_per_1000_inwoners"
#define LIKERT_PART(a)                                                                             \
    "SELECT meting, groep, thema, item, '" a "' AS antwoord, " a                                   \
    " AS aantal, onderdrukt FROM likert"

#define LIKERT_COLS                                                                                \
    "likert:meting,groep,thema,item,zeer_ontevreden,ontevreden,tevreden,zeer_tevreden,nvt,"        \
    "ontbrekend,onderdrukt"
#define USAGE_COLS "jaar,gemeente_code,koploper,nieuwe_vragen,clienten_bereikt,inwoners"

/* The views, in dependency order; `reads` lists the tables and columns each
 * reads ("table:col,col;table:..."). */
/* The SQL reads best as written: */
/* clang-format off */
static const struct {
    const char *name;
    const char *reads;
    const char *sql;
} db_views[] = {
    {"v_likert_lang", LIKERT_COLS,
     LIKERT_PART("zeer_ontevreden") " UNION ALL " LIKERT_PART("ontevreden") " UNION ALL " LIKERT_PART(
         "tevreden") " UNION ALL " LIKERT_PART("zeer_tevreden") " UNION ALL " LIKERT_PART("nvt")
         " UNION ALL " LIKERT_PART("ontbrekend")},
    {"v_respons_totaal", "respons_tranche:meting,uitgenodigd,respons",
     "SELECT meting, sum(uitgenodigd) AS uitgenodigd, sum(respons) AS respons, " PCT(
         "sum(respons)", "sum(uitgenodigd)") " AS respons_pct FROM respons_tranche GROUP BY meting"},
    {"v_respons_tranche", "respons_tranche:meting,tranche,uitgenodigd,respons,respons_pct;koploper:tranche",
     "SELECT r.meting, r.tranche, (SELECT count(*) FROM koploper k WHERE k.tranche = r.tranche) "
     "AS koplopers, r.uitgenodigd, r.respons, r.respons_pct FROM respons_tranche r"},
    {"v_gebruik_totaal", "gebruik_gemeente:" USAGE_COLS,
     "SELECT jaar, " USAGE_SUMS " FROM gebruik_gemeente GROUP BY jaar"},
    {"v_gebruik_provincie", "gebruik_gemeente_nu:" USAGE_COLS ";gemeente:gemeente_code,provincie",
     "SELECT jaar, provincie, " USAGE_SUMS " FROM gebruik_gemeente_nu g JOIN "
     "(SELECT gemeente_code AS code, provincie FROM gemeente) p ON p.code = g.gemeente_code "
     "GROUP BY jaar, provincie"},
    {"v_koploper_vergelijking", "gebruik_gemeente_nu:" USAGE_COLS,
     "SELECT jaar, koploper, " USAGE_SUMS " FROM gebruik_gemeente_nu GROUP BY jaar, koploper"},
    {"v_tevredenheid_thema", LIKERT_COLS,
     "SELECT meting, thema, count(*) AS items, "
     "sum(zeer_ontevreden + ontevreden + tevreden + zeer_tevreden) AS antwoorden, "
     "sum(tevreden + zeer_tevreden) AS tevreden, " PCT(
         "sum(tevreden + zeer_tevreden)",
         "sum(zeer_ontevreden + ontevreden + tevreden + zeer_tevreden)") " AS tevreden_pct "
                                                                         "FROM likert WHERE groep "
                                                                         "= 'alle' GROUP BY "
                                                                         "meting, thema"},
};
/* clang-format on */

#define N_VIEWS (sizeof db_views / sizeof db_views[0])

static int has_col(const db_table_t *t, const char *name, size_t len)
{
    for (uint32_t c = 0; c < t->n_cols; c++)
        if (strlen(t->cols[c]) == len && memcmp(t->cols[c], name, len) == 0) return 1;
    return 0;
}

/* True when the night loaded every table of `reads` with its columns. */
static int all_loaded(const char *reads, db_loaded_fn loaded, const void *ctx)
{
    char name[DB_NAME_MAX + 1];

    while (*reads != '\0') {
        size_t len = strcspn(reads, ":");
        const db_table_t *t;
        if (len > DB_NAME_MAX || reads[len] != ':') return 0;
        memcpy(name, reads, len);
        name[len] = '\0';
        if ((t = loaded(ctx, name)) == NULL) return 0;
        reads += len + 1;
        while (*reads != '\0' && *reads != ';') {
            len = strcspn(reads, ",;");
            if (!has_col(t, reads, len)) return 0;
            reads += len + (reads[len] == ',');
        }
        reads += *reads == ';';
    }
    return 1;
}

void db_views_create_sql(db_buf_t *b, db_loaded_fn loaded, const void *ctx)
{
    for (size_t i = 0; i < N_VIEWS; i++) {
        if (!all_loaded(db_views[i].reads, loaded, ctx)) continue;
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
    db_buf_printf(
        b,
        "CREATE TABLE IF NOT EXISTS " DB_SCHEMA_TABLE " (versie %s NOT NULL PRIMARY KEY);\n"
        "DELETE FROM " DB_SCHEMA_TABLE ";\nINSERT INTO " DB_SCHEMA_TABLE " VALUES (%d);\n",
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
