/* values.h - parsing and checking of single cell values by the data contract.
 *
 * All parsers take a (pointer, length) pair that need not be NUL-terminated,
 * trim leading and trailing white space (ASCII, and the no-break space U+00A0
 * that spreadsheets leave around pasted values), and never call locale-dependent
 * functions. They return KPM_OK, KPM_EEMPTY when the trimmed value is empty,
 * KPM_EPARSE when it is not of the type, or KPM_ERANGE when it is of the type but
 * outside the bounds given.
 */
#ifndef KPM_VALUES_H
#define KPM_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Trims ASCII white space and U+00A0; returns the trimmed start and sets *len. */
const char *val_trim(const char *s, size_t *len);

/* FNV-1a, 64 bits: start from VAL_FNV1A64_SEED and add each byte with
 * val_fnv1a64 (the first step of an adviser's keyed pseudonym, and ingest's routing
 * of records to workers). */
#define VAL_FNV1A64_SEED 0xcbf29ce484222325ULL
static inline uint64_t val_fnv1a64(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ULL;
}

/* True when the value is empty after trimming. */
bool val_is_empty(const char *s, size_t len);

/* A whole number (optional sign, digits only) within [min, max]. */
int val_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

/* A decimal number with ',' or '.' as decimal mark (no thousands separators,
 * no exponent), within [min, max]. */
int val_parse_decimal(const char *s, size_t len, double min, double max, double *out);

/* Likert answers: "1".."4" or the labels "zeer ontevreden", "ontevreden",
 * "tevreden", "zeer tevreden" in any case. With allow_nvt, also "0", "nvt",
 * "n.v.t.", "niet van toepassing", "(nog) niet aan deelgenomen" -> 0.
 * *out is 0 (n.v.t.) or 1..4. */
int val_parse_likert(const char *s, size_t len, bool allow_nvt, int *out);

/* One of the allowed values (case-insensitive after trimming); *index is its
 * position in allowed[]. */
int val_parse_choice(const char *s, size_t len, const char *const *allowed, size_t n_allowed,
                     size_t *index);

/* A gemeente code: "GM0363", "gm0363", "0363" or "363" -> "GM0363" in out. */
int val_parse_gemeente(const char *s, size_t len, char out[7]);

/* A month "YYYY-MM" (year 1900..2100) -> *yyyymm = YYYY*100+MM. */
int val_parse_month(const char *s, size_t len, int32_t *yyyymm);

/* The years a file name may give (val_year_in_name). */
#define VAL_YEAR_MIN 1900
#define VAL_YEAR_MAX 2100

/* The year a file's name gives: its first run of 4, 6 or 8 digits (YYYY,
 * YYYYMM, YYYYMMDD) whose first four are a year 1900..2100
 * ("gemeenten_2022.csv", "gemeenten-20230101.csv" -> 2022, 2023); 0 when no
 * run qualifies. */
int32_t val_year_in_name(const char *name);

/* An ISO 8601 calendar date "YYYY-MM-DD" that exists (2021-02-31 does not) ->
 * *yyyymmdd = YYYY*10000+MM*100+DD. */
int val_parse_date(const char *s, size_t len, int32_t *yyyymmdd);

/* An ISO 8601 date or date-time: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with
 * 'T' or one space, optionally followed by "Z" or "+HH:MM"/"-HH:MM"/"+HHMM".
 * Writes the instant as "YYYY-MM-DDTHH:MM:SS" (20 bytes with NUL), converted to UTC
 * when an offset was given, so that strcmp orders instants. */
int val_parse_datetime(const char *s, size_t len, char out[20]);

/* The rule of a `procent` group (the six besteding_* items): either every value is
 * absent, or every value is present and they sum to 100 within +-tolerance.
 * present[i] says whether values[i] holds a value. Returns KPM_OK for a filled
 * valid group, KPM_EEMPTY for an all-empty group, KPM_EPARSE when only some are
 * present, KPM_ERANGE when the sum is off. */
int val_check_sum_group(const double *values, const bool *present, size_t n, double total,
                        double tolerance);

/* UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
 * Returns true when valid; else *bad_offset is the offset of the first bad byte. */
bool val_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Length (1..4) of the valid UTF-8 character at s (len bytes available), or 0
 * when none starts there. */
size_t val_utf8_seq(const char *s, size_t len);

/* Case-insensitive ASCII comparison of a (s, len) value with a C string. */
bool val_equals_ci(const char *s, size_t len, const char *lit);

#endif
