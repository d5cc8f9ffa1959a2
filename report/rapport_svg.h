/* rapport_svg.h - the charts of rapport.html as inline SVG, and HTML text.
 *
 * Every function writes a complete <svg> element (or a piece of text) to fp;
 * sizes are fixed in the viewBox, so the page scales them and prints them
 * whole. Text is escaped for HTML; bytes that are not UTF-8 become U+FFFD.
 * Nothing depends on the time or the machine: the same data give the same
 * bytes.
 */
#ifndef KPM_RAPPORT_SVG_H
#define KPM_RAPPORT_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "wire.h"

#define RSVG_MAX_CATS 8 /* answers of a choice chart */

/* One bar of a Likert chart: a group's answers. */
typedef struct {
    wire_str_t label; /* shown as is (the caller makes "Tranche 1" of "tranche-1") */
    int suppressed;   /* small cell: no numbers, "onderdrukt" */
    int not_asked;    /* no response of the group was asked the item */
    int64_t k[4];     /* zeer ontevreden, ontevreden, tevreden, zeer tevreden */
    int64_t nvt, ontbrekend;
    int show_nvt; /* the item has an n.v.t. answer */
    const wire_value_t *mean;
} rsvg_likert_row_t;

/* One bar of a choice chart: a group's counts per answer. */
typedef struct {
    wire_str_t label;
    int suppressed, not_asked;
    int64_t k[RSVG_MAX_CATS];
    int64_t ontbrekend;
} rsvg_choice_row_t;

/* One line of a line chart: values per x position (has[i] 0: no value). */
typedef struct {
    const char *name;
    const int64_t *v;
    const int *has;
} rsvg_series_t;

/* One line of a forest plot: a difference between two shares with its 95%
 * interval, in percentage points (cells of vergelijking). */
typedef struct {
    wire_str_t label; /* shown with '_' as a space, cut to fit */
    const char *note; /* not NULL: shown instead of figures ("onderdrukt") */
    const wire_value_t *diff, *lo, *hi;
    int significant;
} rsvg_forest_row_t;

/* One row of a grouped bar chart: a value per series, and optionally the
 * range a target asks for (lo..hi, drawn as a band behind the bars). */
typedef struct {
    wire_str_t label;
    const int64_t *v; /* one value per series */
    int has_target;
    int64_t lo, hi;
} rsvg_group_row_t;

/* Diverging stacked bars: negative answers left of the midpoint, positive
 * right, in percent of the valid answers; n, n.v.t., missing and the mean
 * beside each bar. */
void rapport_svg_likert(FILE *fp, const char *title, const rsvg_likert_row_t *rows, size_t n);

/* 100% stacked bars over the answers (n_cats <= RSVG_MAX_CATS, in order). */
void rapport_svg_choice(FILE *fp, const char *title, const wire_str_t *cats, size_t n_cats,
                        const rsvg_choice_row_t *rows, size_t n);

/* Horizontal bars of percentages (values[i] < 0: no value). */
void rapport_svg_bars(FILE *fp, const char *title, const wire_str_t *labels, const double *values,
                      size_t n);

/* Grouped horizontal bars of counts: per row one bar per series (at most
 * RSVG_MAX_CATS, named in the legend), the count beside each bar; a row with
 * a target gets a band over lo..hi named target in the legend. */
void rapport_svg_grouped(FILE *fp, const char *title, const char *const *series, size_t n_s,
                         const rsvg_group_row_t *rows, size_t n, const char *target);

/* Lines over x positions named by x[] (at most two series). */
void rapport_svg_lines(FILE *fp, const char *title, const char *const *x, size_t n_x,
                       const rsvg_series_t *s, size_t n_s);

/* A forest plot: per row a dot at the difference and a bar over its interval
 * around a vertical zero line, the figures beside it; significant rows filled
 * and bold. The scale is symmetric, 20 to 100 points. */
void rapport_svg_forest(FILE *fp, const char *title, const rsvg_forest_row_t *rows, size_t n);

/* Text escaped for HTML (also inside SVG); '_' optionally shown as a space. */
void rapport_html_text(FILE *fp, const char *s, size_t len);
void rapport_html_label(FILE *fp, wire_str_t s);

/* A cell's number as the CSV shows it with a decimal comma, then suffix; "–"
 * for an empty cell. */
void rapport_html_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix);

/* The digits of v with a '.' between thousands, as Dutch writes counts
 * ("1.234.567"), into out (outlen bytes; 27 hold any uint64_t). The report
 * model's numbers and the charts' counts both use it. */
void rapport_digits(char *out, size_t outlen, uint64_t v);

/* A difference in points as the CSV shows it (dec1) with a decimal comma and a
 * sign: "+2,5", "-0,3", "0,0"; "–" for an empty cell. */
void rapport_html_points(FILE *fp, const wire_value_t *v);

/* 100 * part / whole with a decimal comma and "%" (pct1), "–" when whole is 0. */
void rapport_html_pct(FILE *fp, int64_t part, int64_t whole);

#endif
