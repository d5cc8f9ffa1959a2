/* rapport_svg.c - the charts of rapport.html (see rapport_svg.h). */
#include "rapport_svg.h"

#include "rformat.h"
#include "values.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define SVG_W 800
#define ROW_H 26
#define BAR0 170  /* left end of the bar area */
#define BAR_W 420 /* width of the bar area */
#define SIDE 604  /* x of the notes beside a bar */
#define NONE "–"  /* an empty cell */

static const char *const likert_fill[4] = {"#ca0020", "#f4a582", "#92c5de", "#0571b0"};
static const char *const likert_ink[4] = {"#fff", "#222", "#222", "#fff"};
static const char *const likert_names[4] = {"Zeer ontevreden", "Ontevreden", "Tevreden",
                                            "Zeer tevreden"};
static const char *const cat_fill[RSVG_MAX_CATS] = {"#2166ac", "#92c5de", "#f4a582", "#b2182b",
                                                    "#6b6b6b", "#1b7837", "#c2a5cf", "#e08214"};
static const char *const cat_ink[RSVG_MAX_CATS] = {"#fff", "#222", "#222", "#fff",
                                                   "#fff", "#fff", "#222", "#222"};
static const char *const line_color[2] = {"#0571b0", "#e66101"};

/* ---- text ---- */

static void put_text(FILE *fp, const char *str, size_t len, int underscore_space)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        switch (c) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&#39;", fp);
            break;
        case '_':
            fputc(underscore_space ? ' ' : '_', fp);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fputc(' ', fp);
                break;
            }
            n = val_utf8_seq((const char *)s + i, len - i);
            if (n == 0) {
                fputs("\xEF\xBF\xBD", fp);
                break;
            }
            fwrite(s + i, 1, n, fp);
            i += n;
            continue;
        }
        i++;
    }
}

void rapport_html_text(FILE *fp, const char *s, size_t len)
{
    put_text(fp, s, len, 0);
}

void rapport_html_label(FILE *fp, wire_str_t s)
{
    put_text(fp, s.ptr, s.len, 1);
}

void rapport_html_num(FILE *fp, const wire_value_t *v, const char *format, const char *suffix)
{
    char buf[64];
    int n = report_format_cell(v, format, strlen(format), buf, sizeof buf);

    if (n <= 0) {
        fputs(NONE, fp);
        return;
    }
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '.') *p = ',';
    }
    fputs(buf, fp);
    fputs(suffix, fp);
}

void rapport_html_pct(FILE *fp, int64_t part, int64_t whole)
{
    wire_value_t v = {WIRE_VAL_NIL, 0, 0.0, {"", 0}};

    if (whole > 0) {
        v.type = WIRE_VAL_REAL;
        v.r = 100.0 * (double)part / (double)whole;
    }
    rapport_html_num(fp, &v, "pct1", "%");
}

void rapport_html_points(FILE *fp, const wire_value_t *v)
{
    char buf[64];

    if (report_format_cell(v, "dec1", 4, buf, sizeof buf) > 0 && buf[0] != '-' &&
        strcmp(buf, "0.0") != 0)
        fputc('+', fp);
    rapport_html_num(fp, v, "dec1", "");
}

void rapport_digits(char *out, size_t outlen, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    size_t o = 0;

    for (int i = 0; i < n && o + 2 < outlen; i++) {
        if (i > 0 && (n - i) % 3 == 0) out[o++] = '.';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
}

/* A count in Dutch: "-1.234.567". */
static void put_count(FILE *fp, int64_t v)
{
    char buf[32];
    rapport_digits(buf, sizeof buf, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v);
    fprintf(fp, "%s%s", v < 0 ? "-" : "", buf);
}

/* ---- pieces ---- */

static void svg_open(FILE *fp, const char *title, int h)
{
    fprintf(fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" role=\"img\" aria-label=\"",
            SVG_W, h, SVG_W, h);
    rapport_html_text(fp, title, strlen(title));
    fputs("\">\n", fp);
}

/* A segment of a stacked bar with its tooltip and, when it is wide enough, its
 * share in whole percent. */
static void segment(FILE *fp, double x, int y, double w, const char *fill, const char *ink,
                    const char *name, wire_str_t name_s, int64_t count, int64_t n)
{
    double pct = 100.0 * (double)count / (double)n;

    if (w <= 0) return;
    fprintf(fp, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"18\" fill=\"%s\"><title>", x,
            y + 4, w, fill);
    if (name != NULL)
        fputs(name, fp);
    else
        rapport_html_label(fp, name_s);
    fprintf(fp, ": %" PRId64 " van %" PRId64 " (", count, n);
    rapport_html_pct(fp, count, n);
    fputs(")</title></rect>\n", fp);
    if (w >= 30)
        fprintf(fp,
                "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"seg\" "
                "fill=\"%s\">%.0f%%</text>\n",
                x + w / 2, y + 17, ink, floor(pct + 0.5));
}

static void clipped_label(FILE *fp, wire_str_t s, size_t max);

#define ROW_LABEL_CHARS 16 /* characters of a bar's label left of its n */

/* A bar's label, cut to fit; the whole text is the element's title. */
static void row_label(FILE *fp, int y, wire_str_t label)
{
    fprintf(fp, "<text x=\"0\" y=\"%d\"><title>", y + 17);
    rapport_html_text(fp, label.ptr, label.len);
    fputs("</title>", fp);
    clipped_label(fp, label, ROW_LABEL_CHARS);
    fputs("</text>\n", fp);
}

static void row_n(FILE *fp, int y, int64_t n)
{
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"n\">n = %" PRId64 "</text>\n",
            BAR0 - 8, y + 17, n);
}

static void row_note(FILE *fp, int y, const char *text)
{
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"muted\">%s</text>\n",
            BAR0 + BAR_W / 2, y + 17, text);
}

static void legend_item(FILE *fp, int x, int y, const char *fill, const char *name, wire_str_t s)
{
    fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y, fill);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"legend\">", x + 16, y + 10);
    if (name != NULL)
        fputs(name, fp);
    else
        rapport_html_label(fp, s);
    fputs("</text>\n", fp);
}

/* ---- Likert ---- */

void rapport_svg_likert(FILE *fp, const char *title, const rsvg_likert_row_t *rows, size_t n)
{
    const int top = 30, half = BAR_W / 2, mid = BAR0 + BAR_W / 2;
    const int h = top + (int)n * ROW_H + 26;

    svg_open(fp, title, h);
    for (int i = 0; i < 4; i++)
        legend_item(fp, BAR0 + i * 118, 4, likert_fill[i], likert_names[i], (wire_str_t){"", 0});
    for (int p = -100; p <= 100; p += 50) {
        int x = mid + p * half / 100;
        fprintf(fp,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%d%%</text>\n",
                x, top - 2, x, top + (int)n * ROW_H + 4, p == 0 ? "mid" : "grid", x,
                top + (int)n * ROW_H + 18, p < 0 ? -p : p);
    }
    for (size_t r = 0; r < n; r++) {
        const rsvg_likert_row_t *row = &rows[r];
        int y = top + (int)r * ROW_H;
        int64_t valid = row->k[0] + row->k[1] + row->k[2] + row->k[3];
        double w[4];

        row_label(fp, y, row->label);
        if (row->suppressed || row->not_asked) {
            row_note(fp, y,
                     row->suppressed ? "onderdrukt (minder antwoorden dan de drempel)"
                                     : "niet gevraagd");
            continue;
        }
        row_n(fp, y, valid);
        if (valid == 0) {
            row_note(fp, y, "geen geldige antwoorden");
        } else {
            for (int k = 0; k < 4; k++)
                w[k] = (double)half * (double)row->k[k] / (double)valid;
            segment(fp, mid - w[1] - w[0], y, w[0], likert_fill[0], likert_ink[0], likert_names[0],
                    (wire_str_t){"", 0}, row->k[0], valid);
            segment(fp, mid - w[1], y, w[1], likert_fill[1], likert_ink[1], likert_names[1],
                    (wire_str_t){"", 0}, row->k[1], valid);
            segment(fp, mid, y, w[2], likert_fill[2], likert_ink[2], likert_names[2],
                    (wire_str_t){"", 0}, row->k[2], valid);
            segment(fp, mid + w[2], y, w[3], likert_fill[3], likert_ink[3], likert_names[3],
                    (wire_str_t){"", 0}, row->k[3], valid);
        }
        fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"side\">", SIDE, y + 17);
        if (row->mean != NULL && row->mean->type != WIRE_VAL_NIL) {
            fputs("gem. ", fp);
            rapport_html_num(fp, row->mean, "dec2", " · ");
        }
        if (row->show_nvt) fprintf(fp, "n.v.t. %" PRId64 " · ", row->nvt);
        fprintf(fp, "ontbr. %" PRId64 "</text>\n", row->ontbrekend);
    }
    fputs("</svg>\n", fp);
}

/* ---- choices ---- */

void rapport_svg_choice(FILE *fp, const char *title, const wire_str_t *cats, size_t n_cats,
                        const rsvg_choice_row_t *rows, size_t n)
{
    int lx = BAR0, ly = 4, top;

    if (n_cats > RSVG_MAX_CATS) n_cats = RSVG_MAX_CATS;
    /* The legend wraps when it does not fit on one line (7 px a character). */
    for (size_t c = 0; c < n_cats; c++) {
        int w = 16 + 7 * (int)cats[c].len + 18;
        if (lx + w > SVG_W && lx > BAR0) {
            lx = BAR0;
            ly += 18;
        }
        lx += w;
    }
    top = ly + 26;
    svg_open(fp, title, top + (int)n * ROW_H + 26);
    lx = BAR0;
    ly = 4;
    for (size_t c = 0; c < n_cats; c++) {
        int w = 16 + 7 * (int)cats[c].len + 18;
        if (lx + w > SVG_W && lx > BAR0) {
            lx = BAR0;
            ly += 18;
        }
        legend_item(fp, lx, ly, cat_fill[c], NULL, cats[c]);
        lx += w;
    }
    for (int p = 0; p <= 100; p += 25) {
        int x = BAR0 + p * BAR_W / 100;
        fprintf(fp,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>\n"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%d%%</text>\n",
                x, top - 2, x, top + (int)n * ROW_H + 4, x, top + (int)n * ROW_H + 18, p);
    }
    for (size_t r = 0; r < n; r++) {
        const rsvg_choice_row_t *row = &rows[r];
        int y = top + (int)r * ROW_H;
        int64_t valid = 0;
        double x = BAR0;

        row_label(fp, y, row->label);
        if (row->suppressed || row->not_asked) {
            row_note(fp, y,
                     row->suppressed ? "onderdrukt (minder antwoorden dan de drempel)"
                                     : "niet gevraagd");
            continue;
        }
        for (size_t c = 0; c < n_cats; c++)
            valid += row->k[c];
        row_n(fp, y, valid);
        if (valid == 0) row_note(fp, y, "geen geldige antwoorden");
        for (size_t c = 0; valid > 0 && c < n_cats; c++) {
            double w = (double)BAR_W * (double)row->k[c] / (double)valid;
            segment(fp, x, y, w, cat_fill[c], cat_ink[c], NULL, cats[c], row->k[c], valid);
            x += w;
        }
        fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"side\">ontbr. %" PRId64 "</text>\n", SIDE,
                y + 17, row->ontbrekend);
    }
    fputs("</svg>\n", fp);
}

/* ---- bars ---- */

void rapport_svg_bars(FILE *fp, const char *title, const wire_str_t *labels, const double *values,
                      size_t n)
{
    const int x0 = 210, width = 460, top = 8;
    double max = 10;

    for (size_t i = 0; i < n; i++) {
        if (values[i] > max) max = values[i];
    }
    max = ceil(max / 10.0) * 10.0;
    svg_open(fp, title, top + (int)n * ROW_H + 26);
    for (int t = 0; t <= 4; t++) {
        double x = x0 + (double)width * t / 4;
        fprintf(fp,
                "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" class=\"grid\"/>\n"
                "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%.0f%%</text>\n",
                x, top - 2, x, top + (int)n * ROW_H + 4, x, top + (int)n * ROW_H + 18, max * t / 4);
    }
    for (size_t i = 0; i < n; i++) {
        int y = top + (int)i * ROW_H;
        wire_value_t v = {WIRE_VAL_REAL, 0, values[i], {"", 0}};
        double w = values[i] > 0 ? (double)width * values[i] / max : 0;

        fprintf(fp, "<text x=\"0\" y=\"%d\">", y + 17);
        rapport_html_label(fp, labels[i]);
        fputs("</text>\n", fp);
        if (values[i] < 0) {
            fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"muted\">geen waarde</text>\n", x0 + 4,
                    y + 17);
            continue;
        }
        fprintf(fp,
                "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"18\" fill=\"%s\"/>\n"
                "<text x=\"%.2f\" y=\"%d\" class=\"value\">",
                x0, y + 4, w, cat_fill[0], x0 + w + 6, y + 17);
        rapport_html_num(fp, &v, "pct1", "%");
        fputs("</text>\n", fp);
    }
    fputs("</svg>\n", fp);
}

/* ---- grouped bars ---- */

static void nice_axis(int64_t max, int64_t *top, int64_t *step);

#define GROUP_X0 236   /* left end of the bars */
#define GROUP_W 470    /* width of the bar area */
#define GROUP_BAR 14   /* height of one bar */
#define GROUP_CHARS 32 /* characters of a row's label */

void rapport_svg_grouped(FILE *fp, const char *title, const char *const *series, size_t n_s,
                         const rsvg_group_row_t *rows, size_t n, const char *target)
{
    int64_t max = 0, axis, step;
    int any_target = 0, lx = GROUP_X0, top = 30, row_h, bottom;

    if (n_s > RSVG_MAX_CATS) n_s = RSVG_MAX_CATS;
    row_h = (int)n_s * GROUP_BAR + 14;
    bottom = top + (int)n * row_h;
    for (size_t r = 0; r < n; r++) {
        for (size_t k = 0; k < n_s; k++)
            if (rows[r].v[k] > max) max = rows[r].v[k];
        if (rows[r].has_target && rows[r].hi > max) max = rows[r].hi;
        any_target |= rows[r].has_target;
    }
    nice_axis(max, &axis, &step);
    svg_open(fp, title, bottom + 26);
    for (size_t k = 0; k < n_s; k++) {
        legend_item(fp, lx, 4, cat_fill[k], NULL,
                    (wire_str_t){series[k], (uint32_t)strlen(series[k])});
        lx += 16 + 7 * (int)strlen(series[k]) + 18;
    }
    if (any_target && target != NULL) {
        fprintf(fp,
                "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" class=\"target\"/>"
                "<text x=\"%d\" y=\"14\" class=\"legend\">",
                lx, lx + 16);
        rapport_html_text(fp, target, strlen(target));
        fputs("</text>\n", fp);
    }
    for (int64_t v = 0; v <= axis; v += step) {
        double x = GROUP_X0 + (double)GROUP_W * (double)v / (double)axis;
        fprintf(fp,
                "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" class=\"grid\"/>\n"
                "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">",
                x, top - 4, x, bottom + 2, x, bottom + 16);
        put_count(fp, v);
        fputs("</text>\n", fp);
    }
    for (size_t r = 0; r < n; r++) {
        const rsvg_group_row_t *row = &rows[r];
        int y = top + (int)r * row_h;
        fprintf(fp, "<text x=\"0\" y=\"%d\"><title>", y + (row_h - 14) / 2 + 11);
        rapport_html_label(fp, row->label);
        fputs("</title>", fp);
        clipped_label(fp, row->label, GROUP_CHARS);
        fputs("</text>\n", fp);
        if (row->has_target) {
            double x0 = GROUP_X0 + (double)GROUP_W * (double)row->lo / (double)axis;
            double x1 = GROUP_X0 + (double)GROUP_W * (double)row->hi / (double)axis;
            fprintf(fp,
                    "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" class=\"target\">"
                    "<title>",
                    x0 - 2, y - 3, x1 - x0 + 4, (int)n_s * GROUP_BAR + 4);
            if (target != NULL) rapport_html_text(fp, target, strlen(target));
            fputs(": ", fp);
            put_count(fp, row->lo);
            if (row->hi != row->lo) {
                fputs(" tot ", fp);
                put_count(fp, row->hi);
            }
            fputs("</title></rect>\n", fp);
        }
        for (size_t k = 0; k < n_s; k++) {
            int by = y + (int)k * GROUP_BAR;
            double w = (double)GROUP_W * (double)row->v[k] / (double)axis;
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>",
                    GROUP_X0, by, w, GROUP_BAR - 2, cat_fill[k]);
            rapport_html_label(fp, row->label);
            fputs(", ", fp);
            rapport_html_text(fp, series[k], strlen(series[k]));
            fputs(": ", fp);
            put_count(fp, row->v[k]);
            fprintf(fp, "</title></rect>\n<text x=\"%.2f\" y=\"%d\" class=\"value\">",
                    GROUP_X0 + w + 5, by + 10);
            put_count(fp, row->v[k]);
            fputs("</text>\n", fp);
        }
    }
    fputs("</svg>\n", fp);
}

/* ---- forest plot ---- */

#define FOREST_X0 214   /* left end of the scale */
#define FOREST_W 340    /* width of the scale */
#define FOREST_SIDE 570 /* x of the figures beside a line */
#define FOREST_CHARS 30 /* characters of a label */

static int value_of(const wire_value_t *v, double *out)
{
    if (v == NULL || (v->type != WIRE_VAL_REAL && v->type != WIRE_VAL_INT)) return 0;
    *out = v->type == WIRE_VAL_REAL ? v->r : (double)v->i;
    return isfinite(*out);
}

/* A label of at most max characters; a longer one is cut and ends in "…". */
static void clipped_label(FILE *fp, wire_str_t s, size_t max)
{
    size_t chars = 0, cut = s.len;

    for (size_t i = 0; i < s.len; i++) {
        if (((unsigned char)s.ptr[i] & 0xC0) == 0x80) continue;
        if (++chars == max) cut = i;
    }
    if (chars <= max) cut = s.len;
    put_text(fp, s.ptr, cut, 1);
    if (cut < s.len) fputs("…", fp);
}

/* "+2,5 (-1,0 tot +6,1)"; the interval only when there is one. */
static void forest_figures(FILE *fp, const rsvg_forest_row_t *row)
{
    rapport_html_points(fp, row->diff);
    if (row->lo == NULL || row->hi == NULL || row->lo->type == WIRE_VAL_NIL) return;
    fputs(" (", fp);
    rapport_html_points(fp, row->lo);
    fputs(" tot ", fp);
    rapport_html_points(fp, row->hi);
    fputc(')', fp);
}

/* x of a difference on a scale of -ext..ext points (clamped). */
static double forest_x(double v, double ext)
{
    return FOREST_X0 + FOREST_W / 2.0 + fmax(-ext, fmin(ext, v)) * FOREST_W / (2 * ext);
}

void rapport_svg_forest(FILE *fp, const char *title, const rsvg_forest_row_t *rows, size_t n)
{
    const int top = 8, bottom = top + (int)n * ROW_H;
    const double mid = FOREST_X0 + FOREST_W / 2.0;
    double max = 0, ext, v;

    for (size_t r = 0; r < n; r++) {
        const wire_value_t *vs[3] = {rows[r].diff, rows[r].lo, rows[r].hi};
        for (int k = 0; k < 3 && rows[r].note == NULL; k++) {
            if (value_of(vs[k], &v) && fabs(v) > max) max = fabs(v);
        }
    }
    ext = ceil(max / 20.0 - 1e-9) * 20.0;
    ext = ext < 20 ? 20 : ext > 100 ? 100 : ext;
    svg_open(fp, title, bottom + 40);
    for (int k = -4; k <= 4; k++) {
        double x = mid + k * FOREST_W / 8.0;
        int p = (int)(k * ext / 4);
        fprintf(fp, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" class=\"%s\"/>\n", x,
                top - 2, x, bottom + 4, k == 0 ? "mid" : "grid");
        if (k % 2 == 0)
            fprintf(fp,
                    "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%s%d</text>\n",
                    x, bottom + 18, p > 0 ? "+" : "", p);
    }
    fprintf(fp,
            "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">verschil in "
            "procentpunten</text>\n",
            mid, bottom + 34);
    for (size_t r = 0; r < n; r++) {
        const rsvg_forest_row_t *row = &rows[r];
        const char *color = row->significant ? "#b2182b" : "#2166ac";
        int y = top + (int)r * ROW_H, cy = y + 13;
        double d, lo, hi;

        fprintf(fp, "<text x=\"0\" y=\"%d\"%s>", y + 17, row->significant ? " class=\"sig\"" : "");
        clipped_label(fp, row->label, FOREST_CHARS);
        fputs("</text>\n", fp);
        if (row->note != NULL || !value_of(row->diff, &d)) {
            const char *note = row->note != NULL ? row->note : NONE;
            fprintf(fp, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"muted\">", mid,
                    y + 17);
            rapport_html_text(fp, note, strlen(note));
            fputs("</text>\n", fp);
            continue;
        }
        fputs("<g><title>", fp);
        rapport_html_label(fp, row->label);
        fputs(": ", fp);
        forest_figures(fp, row);
        fputs("</title>\n", fp);
        if (value_of(row->lo, &lo) && value_of(row->hi, &hi))
            fprintf(fp,
                    "<path d=\"M%.2f %dH%.2fM%.2f %dV%dM%.2f %dV%d\" stroke=\"%s\" "
                    "stroke-width=\"2\" fill=\"none\"/>\n",
                    forest_x(lo, ext), cy, forest_x(hi, ext), forest_x(lo, ext), cy - 5, cy + 5,
                    forest_x(hi, ext), cy - 5, cy + 5, color);
        fprintf(fp,
                "<circle cx=\"%.2f\" cy=\"%d\" r=\"4.5\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"2\"/></g>\n",
                forest_x(d, ext), cy, row->significant ? color : "#fff", color);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"side%s\">", FOREST_SIDE, y + 17,
                row->significant ? " sig" : "");
        forest_figures(fp, row);
        fputs(row->significant ? " *</text>\n" : "</text>\n", fp);
    }
    fputs("</svg>\n", fp);
}

/* ---- lines ---- */

/* A round upper bound for the axis and its step (1, 2 or 5 times a power of 10,
 * at most 5 steps). */
static void nice_axis(int64_t max, int64_t *top, int64_t *step)
{
    int64_t p = 1;

    if (max <= 0) {
        *top = 5;
        *step = 1;
        return;
    }
    for (;;) {
        static const int64_t m[3] = {1, 2, 5};
        for (int i = 0; i < 3; i++) {
            if (max <= 5 * m[i] * p) {
                *step = m[i] * p;
                *top = (max + *step - 1) / *step * *step;
                return;
            }
        }
        p *= 10;
    }
}

void rapport_svg_lines(FILE *fp, const char *title, const char *const *x, size_t n_x,
                       const rsvg_series_t *s, size_t n_s)
{
    const int x0 = 70, x1 = 770, y0 = 44, y1 = 270, h = 310;
    int64_t max = 0, top, step;
    size_t every = n_x > 12 ? (n_x + 11) / 12 : 1;

    if (n_s > 2) n_s = 2;
    for (size_t k = 0; k < n_s; k++) {
        for (size_t i = 0; i < n_x; i++) {
            if (s[k].has[i] && s[k].v[i] > max) max = s[k].v[i];
        }
    }
    nice_axis(max, &top, &step);
    svg_open(fp, title, h);
    for (size_t k = 0; k < n_s; k++) {
        int lx = x0 + (int)k * 230;
        fprintf(
            fp,
            "<line x1=\"%d\" y1=\"14\" x2=\"%d\" y2=\"14\" stroke=\"%s\" stroke-width=\"2.5\"%s/>"
            "<text x=\"%d\" y=\"18\" class=\"legend\">",
            lx, lx + 28, line_color[k], k == 1 ? " stroke-dasharray=\"6 4\"" : "", lx + 34);
        rapport_html_text(fp, s[k].name, strlen(s[k].name));
        fputs("</text>\n", fp);
    }
    for (int64_t v = 0; v <= top; v += step) {
        double y = y1 - (double)(y1 - y0) * (double)v / (double)top;
        fprintf(fp,
                "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" class=\"grid\"/>"
                "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\" class=\"axis\">",
                x0, y, x1, y, x0 - 6, y + 4);
        put_count(fp, v);
        fputs("</text>\n", fp);
    }
    for (size_t i = 0; i < n_x; i++) {
        double xi =
            n_x == 1 ? (x0 + x1) / 2.0 : x0 + (double)(x1 - x0) * (double)i / (double)(n_x - 1);
        if (i % every != 0) continue;
        fprintf(fp, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">", xi,
                y1 + 18);
        rapport_html_text(fp, x[i], strlen(x[i]));
        fputs("</text>\n", fp);
    }
    for (size_t k = 0; k < n_s; k++) {
        int pen = 0;
        fprintf(fp, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s d=\"", line_color[k],
                k == 1 ? " stroke-dasharray=\"6 4\"" : "");
        for (size_t i = 0; i < n_x; i++) {
            double xi =
                n_x == 1 ? (x0 + x1) / 2.0 : x0 + (double)(x1 - x0) * (double)i / (double)(n_x - 1);
            if (!s[k].has[i]) {
                pen = 0;
                continue;
            }
            fprintf(fp, "%s%.2f %.2f ", pen ? "L" : "M", xi,
                    y1 - (double)(y1 - y0) * (double)s[k].v[i] / (double)top);
            pen = 1;
        }
        fputs("\"/>\n", fp);
        for (size_t i = 0; i < n_x; i++) {
            double xi =
                n_x == 1 ? (x0 + x1) / 2.0 : x0 + (double)(x1 - x0) * (double)i / (double)(n_x - 1);
            double yi = y1 - (double)(y1 - y0) * (double)s[k].v[i] / (double)top;
            if (!s[k].has[i]) continue;
            if (k == 0)
                fprintf(fp, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"%s\">", xi, yi,
                        line_color[k]);
            else
                fprintf(fp, "<rect x=\"%.2f\" y=\"%.2f\" width=\"7\" height=\"7\" fill=\"%s\">",
                        xi - 3.5, yi - 3.5, line_color[k]);
            fputs("<title>", fp);
            rapport_html_text(fp, s[k].name, strlen(s[k].name));
            fputs(", ", fp);
            rapport_html_text(fp, x[i], strlen(x[i]));
            fputs(": ", fp);
            put_count(fp, s[k].v[i]);
            fprintf(fp, "</title>%s\n", k == 0 ? "</circle>" : "</rect>");
            if (n_x > 12) continue;
            fprintf(fp,
                    "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" class=\"value\" "
                    "fill=\"%s\">",
                    xi, k == 0 ? yi - 9 : yi + 18, line_color[k]);
            put_count(fp, s[k].v[i]);
            fputs("</text>\n", fp);
        }
    }
    fputs("</svg>\n", fp);
}
