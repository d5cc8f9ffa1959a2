#!/usr/bin/env bash
# The night's metrics for node_exporter's textfile collector: kpm run writes
# STATE/metrics/kpm.prom after a good and after a failed night; promtool accepts
# it and the stages' files; the figures say what happened; modes 0640 and 0750.
# Exit 77 (skipped) when promtool (Debian package prometheus) is missing.
# usage: run_metrics.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool is not installed (Debian package prometheus)"; exit 77; }
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-metrics.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
S=$TMP/n/state
P=$S/metrics/kpm.prom
value() { sed -n "s/^$1 //p" "$P"; } # a metric's value (name with its labels)
promtool_ok() { local f out rc=0; for f in "$@"; do
    out=$(promtool check metrics <"$f" 2>&1) || { echo "  $f: $out"; rc=1; }; done; return $rc; }

new_night_dir n
t0=$(date +%s)
check "a good night exits 0" kpm_night "$TMP/n/inbox" "$TMP/n/out" "$S"
check "after a good night: kpm.prom is there" test -s "$P"
check "... promtool check metrics accepts it and the stages' files" promtool_ok "$S"/metrics/*.prom
check "... kpm_last_night_ok is 1" test "$(value kpm_last_night_ok)" = 1
ok_ts=$(value 'kpm_last_success_timestamp_seconds{stage="kpm"}')
check "... kpm_last_success_timestamp_seconds is the night's end ($ok_ts)" \
    test -n "$ok_ts" -a "${ok_ts:-0}" -ge "$t0" -a "${ok_ts:-0}" -le "$(date +%s)"
check "... kpm_night_duration_seconds is above 0" awk "BEGIN{exit !($(value kpm_night_duration_seconds) > 0)}"
check "... report's records out equal report.status's" \
    test "$(value 'kpm_night_records{stage="report",direction="out"}')" = "$(sed -n 's/^records_out=//p' "$S/run/report.status")"
# Rows and rejected rows per file kind (report.prom), from the files' own figures
# in run-manifest.json, summed by the kind their names start with.
kind_sum() { # field kind -> the manifest's sum over the night's files of that kind
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
k=sys.argv[3]; print(sum(f[sys.argv[2]] for f in m["bestanden"] if f["bestand"].startswith(k+"_") or f["bestand"].startswith(k+".")))' \
        "$TMP/n/out/run-manifest.json" "$1" "$2"; }
kind_value() { sed -n "s/^$1{stage=\"report\",kind=\"$2\"} //p" "$S/metrics/report.prom"; }
for kind in koplopers deelnemers uitvraag; do
    check "... report.prom: kpm_night_rows of $kind equal the manifest's rows ($(kind_sum regels $kind))" \
        test "$(kind_value kpm_night_rows $kind)" = "$(kind_sum regels $kind)"
    check "... report.prom: kpm_night_rows_rejected of $kind equal the manifest's ($(kind_sum afgewezen $kind))" \
        test "$(kind_value kpm_night_rows_rejected $kind)" = "$(kind_sum afgewezen $kind)"
done
check "... some rows were rejected in the fixture (so the rejected figures are tested)" \
    test "$(kind_sum afgewezen uitvraag)" -gt 0
check "... every contract kind has its series, and 'overig'" \
    test "$(grep -c '^kpm_night_rows{' "$S/metrics/report.prom")" = 11
check "... mode 0640, the directory 0750" test "$(stat -c %a "$P"):$(stat -c %a "$S/metrics")" = "640:750"

# A failed night (report cannot write: a directory stands where respons.csv goes).
sleep 1
rm -f "$TMP/n/out/respons.csv" && mkdir -p "$TMP/n/out/respons.csv/x"
cp "$E2E"/survey/inbox/* "$TMP/n/inbox/"
kpm_night "$TMP/n/inbox" "$TMP/n/out" "$S"
check "a failed night exits 1" test $? = 1
check "after a failed night: promtool accepts every file" promtool_ok "$S"/metrics/*.prom
check "... kpm_last_night_ok is 0" test "$(value kpm_last_night_ok)" = 0
check "... kpm_last_success_timestamp_seconds is still the good night's" \
    test "$(value 'kpm_last_success_timestamp_seconds{stage="kpm"}')" = "$ok_ts"
check "... kpm_nights_total 2, kpm_nights_failed_total 1" \
    test "$(value kpm_nights_total):$(value kpm_nights_failed_total)" = "2:1"
check "... still mode 0640" test "$(stat -c %a "$P")" = 640
# The alert rule of docs/METRICS.md is valid for promtool.
sed -n '/^```yaml$/,/^```$/p' "$ROOT/docs/METRICS.md" | sed '1d;$d' >"$TMP/rules.yml"
check "docs/METRICS.md's alert rules pass promtool check rules" promtool check rules "$TMP/rules.yml"

e2e_finish
