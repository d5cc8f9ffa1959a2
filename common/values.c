/* values.c - cell value parsers of the data contract; no locale, no allocation. */
#include "values.h"

#include "kpm_err.h"

#include <string.h>

/* Keeping the mantissa below 10^15 keeps it exact in a double, so one division by
 * an exact power of ten gives the correctly rounded value ("12,5" == 12.5). */
#define DEC_MANT_LIMIT 100000000000000ULL

static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define POW10_MAX 22

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static double abs_d(double x)
{
    return x < 0 ? -x : x;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* U+00A0 NO-BREAK SPACE in UTF-8: what spreadsheets put around pasted values. */
#define NBSP_LEAD 0xC2
#define NBSP_TAIL 0xA0

const char *val_trim(const char *s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = s ? *len : 0;

    for (;;) {
        if (n > 0 && is_space(p[0])) {
            p++;
            n--;
        } else if (n > 1 && p[0] == NBSP_LEAD && p[1] == NBSP_TAIL) {
            p += 2;
            n -= 2;
        } else {
            break;
        }
    }
    for (;;) {
        if (n > 0 && is_space(p[n - 1]))
            n--;
        else if (n > 1 && p[n - 2] == NBSP_LEAD && p[n - 1] == NBSP_TAIL)
            n -= 2;
        else
            break;
    }
    *len = n;
    return (const char *)p;
}

bool val_is_empty(const char *s, size_t len)
{
    val_trim(s, &len);
    return len == 0;
}

bool val_equals_ci(const char *s, size_t len, const char *lit)
{
    size_t i;

    if (!lit || (!s && len > 0)) return false;
    for (i = 0; i < len; i++) {
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
            return false;
    }
    return lit[i] == '\0';
}

int val_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    uint64_t v = 0;
    bool neg = false, over = false;
    size_t i = 0;
    int64_t x;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len) return KPM_EPARSE;
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';

        if (d > 9) return KPM_EPARSE;
        if (v > (UINT64_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (over) return KPM_ERANGE;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return KPM_ERANGE;
        x = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return KPM_ERANGE;
        x = (int64_t)v;
    }
    if (x < min || x > max) return KPM_ERANGE;
    if (out) *out = x;
    return KPM_OK;
}

int val_parse_decimal(const char *s, size_t len, double min, double max, double *out)
{
    uint64_t mant = 0;
    long exp10 = 0;
    size_t i = 0, digits = 0;
    bool neg = false, mark = false;
    double v;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.' || c == ',') {
            if (mark) return KPM_EPARSE;
            mark = true;
            continue;
        }
        if (!is_digit(c)) return KPM_EPARSE;
        digits++;
        if (mant < DEC_MANT_LIMIT) {
            mant = mant * 10 + (c - '0');
            if (mark) exp10--;
        } else if (!mark) {
            exp10++; /* an integer digit beyond the precision kept */
        }
    }
    if (digits == 0) return KPM_EPARSE;
    v = (double)mant;
    if (exp10 >= 0) {
        for (; exp10 > POW10_MAX && v < 1e300; exp10 -= POW10_MAX)
            v *= pow10_tab[POW10_MAX];
        v *= pow10_tab[exp10 > POW10_MAX ? POW10_MAX : exp10];
    } else {
        long e = -exp10;

        for (; e > POW10_MAX && v != 0; e -= POW10_MAX)
            v /= pow10_tab[POW10_MAX];
        v /= pow10_tab[e > POW10_MAX ? POW10_MAX : e];
    }
    if (neg) v = -v;
    if (v == 0) v = 0; /* no "-0" */
    if (!(v >= min && v <= max)) return KPM_ERANGE;
    if (out) *out = v;
    return KPM_OK;
}

static const struct {
    const char *label;
    int value;
} likert_labels[] = {
    {"zeer ontevreden", 1},
    {"ontevreden", 2},
    {"tevreden", 3},
    {"zeer tevreden", 4},
    {"nvt", 0},
    {"n.v.t.", 0},
    {"niet van toepassing", 0},
    {"(nog) niet aan deelgenomen", 0},
};

int val_parse_likert(const char *s, size_t len, bool allow_nvt, int *out)
{
    int64_t code;
    int rc;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (is_digit((unsigned char)s[0]) || s[0] == '+' || s[0] == '-') {
        rc = val_parse_int(s, len, allow_nvt ? 0 : 1, 4, &code);
        if (rc == KPM_OK && out) *out = (int)code;
        return rc;
    }
    for (size_t i = 0; i < sizeof(likert_labels) / sizeof(likert_labels[0]); i++) {
        if (!val_equals_ci(s, len, likert_labels[i].label)) continue;
        if (likert_labels[i].value == 0 && !allow_nvt) return KPM_EPARSE;
        if (out) *out = likert_labels[i].value;
        return KPM_OK;
    }
    return KPM_EPARSE;
}

int val_parse_choice(const char *s, size_t len, const char *const *allowed, size_t n_allowed,
                     size_t *index)
{
    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    for (size_t i = 0; allowed && i < n_allowed; i++) {
        if (allowed[i] && val_equals_ci(s, len, allowed[i])) {
            if (index) *index = i;
            return KPM_OK;
        }
    }
    return KPM_EPARSE;
}

int val_parse_gemeente(const char *s, size_t len, char out[7])
{
    size_t i = 0, n;
    unsigned code = 0;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len >= 2 && lower((unsigned char)s[0]) == 'g' && lower((unsigned char)s[1]) == 'm') i = 2;
    n = len - i;
    if (n < 1 || n > 4) return KPM_EPARSE;
    for (; i < len; i++) {
        if (!is_digit((unsigned char)s[i])) return KPM_EPARSE;
        code = code * 10 + (unsigned)(s[i] - '0');
    }
    if (code == 0) return KPM_ERANGE;
    out[0] = 'G';
    out[1] = 'M';
    for (int k = 5; k >= 2; k--) {
        out[k] = (char)('0' + code % 10);
        code /= 10;
    }
    out[6] = '\0';
    return KPM_OK;
}

/* Reads exactly n digits. */
static bool digits_at(const char *s, size_t n, int *v)
{
    int x = 0;

    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int val_parse_month(const char *s, size_t len, int32_t *yyyymm)
{
    int y, m;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len != 7 || s[4] != '-' || !digits_at(s, 4, &y) || !digits_at(s + 5, 2, &m))
        return KPM_EPARSE;
    if (m < 1 || m > 12) return KPM_EPARSE;
    if (y < 1900 || y > 2100) return KPM_ERANGE;
    if (yyyymm) *yyyymm = y * 100 + m;
    return KPM_OK;
}

/* "YYYY-MM-DD" at s (10 bytes available), a date that exists, year 1..9999. */
static int parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (s[4] != '-' || s[7] != '-' || !digits_at(s, 4, y) || !digits_at(s + 5, 2, m) ||
        !digits_at(s + 8, 2, d))
        return KPM_EPARSE;
    if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return KPM_EPARSE;
    if (*y < 1) return KPM_ERANGE;
    return KPM_OK;
}

int32_t val_year_in_name(const char *name)
{
    for (const char *p = name; *p != '\0';) {
        size_t n = 0;
        while (p[n] >= '0' && p[n] <= '9')
            n++;
        if (n == 0) {
            p++;
            continue;
        }
        int year = 0;
        if ((n == 4 || n == 6 || n == 8) && digits_at(p, 4, &year) && year >= VAL_YEAR_MIN &&
            year <= VAL_YEAR_MAX)
            return year;
        p += n;
    }
    return 0;
}

int val_parse_date(const char *s, size_t len, int32_t *yyyymmdd)
{
    int y, m, d, rc;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len != 10) return KPM_EPARSE;
    rc = parse_ymd(s, &y, &m, &d);
    if (rc != KPM_OK) return rc;
    if (yyyymmdd) *yyyymmdd = y * 10000 + m * 100 + d;
    return KPM_OK;
}

/* Parses the time part after the date: "[T ]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM|+HHMM]".
 * *off_min is the offset east of UTC in minutes. */
static int parse_time(const char *s, size_t len, int *hh, int *mm, int *ss, int *off_min)
{
    size_t i = 6;
    int oh, om;

    *ss = 0;
    *off_min = 0;
    if (len < 6 || (s[0] != 'T' && s[0] != 't' && s[0] != ' ') || s[3] != ':' ||
        !digits_at(s + 1, 2, hh) || !digits_at(s + 4, 2, mm))
        return KPM_EPARSE;
    if (i < len && s[i] == ':') {
        if (len - i < 3 || !digits_at(s + i + 1, 2, ss)) return KPM_EPARSE;
        i += 3;
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            size_t start = ++i;

            while (i < len && is_digit((unsigned char)s[i]))
                i++;
            if (i == start) return KPM_EPARSE;
        }
    }
    if (*hh > 23 || *mm > 59 || *ss > 59) return KPM_EPARSE;
    if (i == len) return KPM_OK;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) return KPM_OK;
    if (s[i] != '+' && s[i] != '-') return KPM_EPARSE;
    if (len - i == 6 && s[i + 3] == ':') {
        if (!digits_at(s + i + 1, 2, &oh) || !digits_at(s + i + 4, 2, &om)) return KPM_EPARSE;
    } else if (len - i == 5) {
        if (!digits_at(s + i + 1, 2, &oh) || !digits_at(s + i + 3, 2, &om)) return KPM_EPARSE;
    } else {
        return KPM_EPARSE;
    }
    if (oh > 23 || om > 59) return KPM_EPARSE;
    *off_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    return KPM_OK;
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

int val_parse_datetime(const char *s, size_t len, char out[20])
{
    int y, mo, d, hh = 0, mi = 0, ss = 0, off = 0, rc, minute;

    s = val_trim(s, &len);
    if (len == 0) return KPM_EEMPTY;
    if (len < 10) return KPM_EPARSE;
    rc = parse_ymd(s, &y, &mo, &d);
    if (rc == KPM_OK && len > 10) rc = parse_time(s + 10, len - 10, &hh, &mi, &ss, &off);
    if (rc != KPM_OK) return rc;
    /* To UTC: an offset is below a day, so the date moves by one day at most. */
    minute = hh * 60 + mi - off;
    if (minute < 0) {
        minute += 24 * 60;
        if (--d == 0) {
            if (--mo == 0) {
                mo = 12;
                y--;
            }
            d = days_in_month(y, mo);
        }
    } else if (minute >= 24 * 60) {
        minute -= 24 * 60;
        if (++d > days_in_month(y, mo)) {
            d = 1;
            if (++mo == 13) {
                mo = 1;
                y++;
            }
        }
    }
    if (y < 1 || y > 9999) return KPM_ERANGE;
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, mo);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, minute / 60);
    out[13] = ':';
    put2(out + 14, minute % 60);
    out[16] = ':';
    put2(out + 17, ss);
    out[19] = '\0';
    return KPM_OK;
}

int val_check_sum_group(const double *values, const bool *present, size_t n, double total,
                        double tolerance)
{
    size_t filled = 0;
    double sum = 0;

    for (size_t i = 0; i < n; i++) {
        if (present[i]) {
            filled++;
            sum += values[i];
        }
    }
    if (filled == 0) return KPM_EEMPTY;
    if (filled < n) return KPM_EPARSE;
    /* Inclusive bound, with slack for the rounding of the summed doubles. */
    if (abs_d(sum - total) > tolerance + 1e-9 * (abs_d(total) > 1 ? abs_d(total) : 1))
        return KPM_ERANGE;
    return KPM_OK;
}

size_t val_utf8_seq(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    uint32_t cp;

    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

bool val_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint64_t w;
        unsigned c = p[i];
        unsigned lo = 0x80, hi = 0xBF;
        size_t n;

        if (len - i >= 8) {
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong below U+0800 */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong below U+10000 */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            goto bad; /* continuation byte, C0/C1 overlong lead, or F5..FF */
        }
        if (len - i - 1 < n || p[i + 1] < lo || p[i + 1] > hi) goto bad;
        for (size_t k = 2; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) goto bad;
        }
        i += n + 1;
    }
    return true;

bad:
    if (bad_offset) *bad_offset = i;
    return false;
}
