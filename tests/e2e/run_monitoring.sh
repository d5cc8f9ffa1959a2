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
        sed -n '/^## 11\./,$p' "$FIX/EXPECTED.md" | sed -n 's/^ *`\(|.*|\)`$/\1/p' >"$TMP/mon-lines"
        check "night1: EXPECTED.md section 11 lists the chapter's rows (14)" test "$(wc -l <"$TMP/mon-lines")" = 14
        while IFS= read -r line; do
            check "night1: rapport.md has $line" grep -qxF "$line" "$TMP/out/rapport.md"
        done <"$TMP/mon-lines"
        check "night1: rapport.html has the monitoring charts (adviser days, budgets, experience, usage)" \
            test "$(grep -c '<figcaption>Figuur [0-9]*\.[0-9]* \(Ingezette adviesdagen\|Aandeel van elke tranche\|Bekendheid\|Nieuwe vragen\)' "$TMP/out/rapport.html")" = 4
    fi
done
check "no adviser name in outputs" \
    bash -c "! grep -rqiF -e 'Verbeek' -e 'Kuipers' -e 'Hoekstra' -e 'Mulder' '$TMP/out'"
check "no adviser name in the state (but the quarantine)" \
    bash -c "! grep -rqiF -e 'Verbeek' -e 'Kuipers' -e 'Hoekstra' -e 'Mulder' \$(find '$TMP/state' -mindepth 1 -maxdepth 1 ! -name quarantine ! -name archive)"

e2e_finish
