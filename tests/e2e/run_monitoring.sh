#!/usr/bin/env bash
# End-to-end test of the monitoring kinds over three nights on one state
# directory: the inbox of tests/e2e/monitoring/nightN is delivered before night N,
# and after each night every monitoring table must equal the hand-computed one in
# tests/e2e/monitoring/expected/nightN (see EXPECTED.md there).
# usage: run_monitoring.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
FIX=$E2E/monitoring
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-mon.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
TABLES="gebruik gebruik_jaar adviesinzet bijeenkomsten middelen ervaring voordrachten rejects"

# Delivers the visible files of a fixture night (night3 holds only .gitkeep).
deliver() {
    find "$FIX/$1" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$TMP/inbox/" \;
}

mkdir -p "$TMP/inbox"
for night in night1 night2 night3; do
    deliver $night
    check "$night: kpm run exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"
    for t in $TABLES; do
        check "$night: $t.csv equals the hand-computed table" \
            same_file "$TMP/out/$t.csv" "$FIX/expected/$night/$t.csv"
    done
    # gebruik_jaar mixes two grains: the feed has gebruik_gemeente and gebruik_koploper
    check "$night: the feed carries every monitoring table" \
        feed_has_tables "$TMP/out" ${TABLES/gebruik_jaar/gebruik_gemeente gebruik_koploper}
    check "$night: the inbox is empty after the night" test -z "$(ls -A "$TMP/inbox")"
    if [ $night = night1 ]; then # the monitoring chapter, computed by hand in EXPECTED.md section 11
        sed -n '/^## 11\./,/^## 12\./p' "$FIX/EXPECTED.md" | sed -n 's/^ *`\(|.*|\)`$/\1/p' >"$TMP/mon-lines"
        check "night1: EXPECTED.md section 11 lists the chapter's rows (14)" test "$(wc -l <"$TMP/mon-lines")" = 14
        while IFS= read -r line; do
            check "night1: rapport.md has $line" grep -qxF "$line" "$TMP/out/rapport.md"
        done <"$TMP/mon-lines"
        check "night1: rapport.html has the monitoring charts (adviser days, meetings, reach, budgets, experience, usage)" \
            test "$(grep -c '<figcaption>Figuur [0-9]*\.[0-9]* \(Ingezette adviesdagen\|Bijeenkomsten per soort\|Deelnemers aan bijeenkomsten\|Aandeel van elke tranche\|Bekendheid\|Nieuwe vragen\)' "$TMP/out/rapport.html")" = 6
        # the charts of the meetings, the register and the budgets (EXPECTED.md section 12)
        sed -n '/^## 12\./,$p' "$FIX/EXPECTED.md" | sed -n 's/^ *`\(<title>.*\)`$/\1/p' >"$TMP/chart-lines"
        check "night1: EXPECTED.md section 12 lists the charts' bars (24)" test "$(wc -l <"$TMP/chart-lines")" = 24
        while IFS= read -r line; do
            check "night1: rapport.html has $line" grep -qF "$line" "$TMP/out/rapport.html"
        done <"$TMP/chart-lines"
        for cap in 'Bijeenkomsten per soort en jaar tegenover het ritme van de oproep' \
            'Deelnemers aan bijeenkomsten per jaar' 'Koplopers en gemeenten per provincie' \
            'Koplopers en gemeenten per tranche' 'Toegekende middelen per jaar en circulaire'; do
            check "night1: the chart '$cap' has a numbered caption and a text alternative" \
                grep -q "<figcaption>Figuur [0-9]*\.[0-9]* $cap.*role=\"img\" aria-label=\"Figuur [0-9]*\.[0-9]* $cap" \
                <(tr '\n' ' ' <"$TMP/out/rapport.html" | sed 's/<figure>/\n/g')
        done
    fi
done
check "no adviser name in outputs" \
    bash -c "! grep -rqiF -e 'Verbeek' -e 'Kuipers' -e 'Hoekstra' -e 'Mulder' '$TMP/out'"
check "no adviser name in the state (but the quarantine)" \
    bash -c "! grep -rqiF -e 'Verbeek' -e 'Kuipers' -e 'Hoekstra' -e 'Mulder' \$(find '$TMP/state' -mindepth 1 -maxdepth 1 ! -name quarantine ! -name archive)"

e2e_finish
