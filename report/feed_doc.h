/* feed_doc.h - what each column of the feed means, and its unit: the
 * descriptions that dashboard.json and dashboard/<tabel>.json carry
 * (docs/DATABASE.md). Data, not code: a table of (table, column, unit,
 * description), with entries for table "*" that serve every table lacking its
 * own (meting, groep, onderdrukt, ...).
 */
#ifndef KPM_FEED_DOC_H
#define KPM_FEED_DOC_H

/* The description of `column` of `table` (Dutch, one sentence), or NULL when
 * there is none; *unit is set to its unit ("aantal", "procent", "euro", ...)
 * or NULL when it has none. Static strings. */
const char *feed_doc_lookup(const char *table, const char *column, const char **unit);

#endif
