#!/usr/bin/env bash
# End-to-end test of the survey round: the three real processes on the fixture
# inbox in tests/e2e/survey, compared with the hand-computed tables in
# tests/e2e/survey/expected (see EXPECTED.md there).
# usage: run_e2e.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
FIX=$E2E/survey
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
TABLES="respons likert keuze besteding open_antwoorden rejects"

# Night 1 on the fixture.
mkdir -p "$TMP/a/inbox" && cp "$FIX"/inbox/* "$TMP/a/inbox/"
check "kpm run exits 0 on the fixture inbox" kpm_night "$TMP/a/inbox" "$TMP/a/out" "$TMP/a/state"
for t in $TABLES; do
    check "$t.csv equals the hand-computed table" same_file "$TMP/a/out/$t.csv" "$FIX/expected/$t.csv"
done
# respons.csv has a totaal row: the feed has respons_tranche (docs/DATABASE.md)
check "dashboard.json has schema_version 3 and every table" \
    feed_has_tables "$TMP/a/out" respons_tranche ${TABLES/respons /}
check "rapport.md shows the 2021 response of tranche 1 (5 of 6, 83%)" \
    grep -q '| Tranche 1 | 6 | 5 (83%) |' "$TMP/a/out/rapport.md"
# 2021: tranches 2 and 3 have 2 responses each (below 5); tranche 1 has 5 but
# alle minus it would give them away, so it is hidden to protect them, and the
# report must not say that it is below the threshold.
check "rapport.md says a group below the threshold is (n < 5)" \
    grep -q 'onderdrukt (n < 5)' "$TMP/a/out/rapport.md"
check "rapport.md labels tranche 1 of 2021 (5 responses) as hidden to protect another group" \
    bash -c "sed -n '/^## [0-9]* Uitvraag 2021/,/^## [0-9]* Vergelijkingen/p' '$TMP/a/out/rapport.md' | grep -q '| onderdrukt\\\\\\* | onderdrukt (n < 5) | onderdrukt (n < 5) |'"
sed -n '/^## 9\./,/^## 10\./p' "$FIX/EXPECTED.md" | sed -n 's/^ *`\(|.*|\)`$/\1/p' >"$TMP/aantal-lines"
check "EXPECTED.md section 9 gives the two gebruik_aantal rows" test "$(wc -l <"$TMP/aantal-lines")" = 2
while IFS= read -r line; do
    check "rapport.md has the gebruik_aantal row ${line: -40}" grep -qxF "$line" "$TMP/a/out/rapport.md"
done <"$TMP/aantal-lines"
check "rapport.md explains the star" grep -q 'Onderdrukt om een andere, kleine groep te beschermen' "$TMP/a/out/rapport.md"
# The choice questions per tranche (EXPECTED.md section 10): at the default
# threshold every tranche is hidden (with the right label); with --min-cell 3
# tranche 1 of 2021 shows its figures and tranche 1 of 2020 is hidden to protect.
check "rapport.md has the choice tables per tranche of EXPECTED.md 10.2 (--min-cell 5)" \
    python3 "$E2E/md_blocks.py" "$FIX/EXPECTED.md" rapport-min-cell-5 "$TMP/a/out/rapport.md"
mkdir -p "$TMP/m3/inbox" && cp "$FIX"/inbox/* "$TMP/m3/inbox/"
check "a night with --min-cell 3 exits 0" kpm_night "$TMP/m3/inbox" "$TMP/m3/out" "$TMP/m3/state" --min-cell 3
check "rapport.md has the choice tables per tranche of EXPECTED.md 10.1 (--min-cell 3)" \
    python3 "$E2E/md_blocks.py" "$FIX/EXPECTED.md" rapport-min-cell-3 "$TMP/m3/out/rapport.md"
# Who was not invited, and why (EXPECTED.md section 11): the fixture's two nights, and
# the fixture with two 2021 invitations left out (a finished koploper, and one whose
# reason the data do not give).
sed -n '/^## 11\./,$p' "$FIX/EXPECTED.md" | sed -n 's/^ *`\([A-Z].*\.\)`$/\1/p' >"$TMP/invited-lines"
check "EXPECTED.md section 11 gives the three sentences" test "$(wc -l <"$TMP/invited-lines")" = 3
head -2 "$TMP/invited-lines" >"$TMP/invited-a"
while IFS= read -r line; do
    check "rapport.md says: ${line:0:60}" grep -qxF "$line" "$TMP/a/out/rapport.md"
done <"$TMP/invited-a"
mkdir -p "$TMP/ni/inbox" && cp "$FIX"/inbox/* "$TMP/ni/inbox/"
grep -v -e ';KL004;' -e ';KL006;' "$FIX/inbox/deelnemers_2021.csv" >"$TMP/ni/inbox/deelnemers_2021.csv"
check "a night without two 2021 invitations exits 0" kpm_night "$TMP/ni/inbox" "$TMP/ni/out" "$TMP/ni/state"
check "rapport.md names a finished koploper and one for another reason among the not invited" \
    grep -qxF "$(tail -1 "$TMP/invited-lines")" "$TMP/ni/out/rapport.md"
check "run-manifest.json names the night" grep -q '"nacht": "' "$TMP/a/out/run-manifest.json"
check "the inbox is empty after the night" test -z "$(ls -A "$TMP/a/inbox")"
check "processed files are archived" test "$(ls "$TMP"/a/state/archive/*/ | wc -l)" = 5
check "the unknown kind is quarantined with its reason" \
    test -f "$(echo "$TMP"/a/state/quarantine/*/notities.txt.reason)"
check "no canary (personal data) in outputs" no_canary "$TMP/a/out"
check "no canary in logs" no_canary "$TMP/a/state/log" "$TMP/a/state.kpm.log"
check "no canary anywhere in the state directory but the quarantine" \
    no_canary $(find "$TMP/a/state" -mindepth 1 -maxdepth 1 ! -name quarantine)
check "the quarantined file is kept as delivered" \
    cmp -s "$FIX/inbox/notities.txt" "$(echo "$TMP"/a/state/quarantine/*/notities.txt)"
check "the archive keeps the rows without the pii columns" \
    bash -c "! grep -qi 'contact_' $TMP/a/state/archive/*/uitvraag_2021_kort.csv && grep -q '^R21-001;' $TMP/a/state/archive/*/uitvraag_2021_kort.csv"
check "no output is world-readable" test -z "$(find "$TMP/a/out" "$TMP/a/state" -perm -o=r ! -type l)"

# aggregate started again for a night report has made durable only confirms it
# (its state records the delivery; it must not send that night's tables again).
NIGHT1=$(sed -n 's/.*"nacht": "\(.*\)".*/\1/p' "$TMP/a/out/run-manifest.json")
"$BUILD/aggregate/kpm-aggregate" --state "$TMP/a/state" --night "$NIGHT1" \
    >"$TMP/again.log" 2>&1 &
AGAIN=$!
confirms_only() {
    for _ in $(seq 1 50); do
        grep -q "night $NIGHT1 is delivered already: nothing to do" "$TMP/again.log" && return 0
        sleep 0.1
    done
    cat "$TMP/again.log"
    return 1
}
check "aggregate restarted after the night was delivered only confirms it" confirms_only
kill -TERM "$AGAIN" 2>/dev/null
wait "$AGAIN" 2>/dev/null

# Determinism: the same inbox in a fresh state gives byte-identical files.
mkdir -p "$TMP/b/inbox" && cp "$FIX"/inbox/* "$TMP/b/inbox/"
check "second run on a fresh state exits 0" kpm_night "$TMP/b/inbox" "$TMP/b/out" "$TMP/b/state"
for f in $TABLES rapport; do
    ext=csv; [ $f = rapport ] && ext=md
    check "$f.$ext is byte-identical across runs" same_file "$TMP/a/out/$f.$ext" "$TMP/b/out/$f.$ext"
done
check "dashboard/ is byte-identical across runs, dashboard.json but its night and time" \
    bash -c "diff -r '$TMP/a/out/dashboard' '$TMP/b/out/dashboard' && $(declare -f feed_index_equal)
             feed_index_equal '$TMP/a/out' '$TMP/b/out'"

# The same answers written as the questionnaire's texts (a survey tool's export:
# 'Te vroeg om aan te geven', 'Nog niet, wel gepland', 'ZEER TEVREDEN', in varying
# case and spacing) give the same tables and the same rejects.
mkdir -p "$TMP/t/inbox" && cp "$FIX"/inbox/* "$TMP/t/inbox/"
if command -v python3 >/dev/null; then
    check "the texts variant of the fixture rewrote answers" test "$(python3 "$FIX/to_texts.py" \
        "$ROOT/config/vragenlijst-2021.csv" "$ROOT/config/antwoorden-2021.csv" "$TMP"/t/inbox/uitvraag_*)" -gt 40
    check "a night on answer texts exits 0" kpm_night "$TMP/t/inbox" "$TMP/t/out" "$TMP/t/state"
    for t in $TABLES; do
        check "$t.csv from answer texts equals the one from codes" same_file "$TMP/t/out/$t.csv" "$FIX/expected/$t.csv"
    done
    check "rapport.md from answer texts equals the one from codes" same_file "$TMP/t/out/rapport.md" "$TMP/a/out/rapport.md"
    check "rapport.md shows labels, no code of the catalogue" python3 "$E2E/no_codes.py" \
        "$ROOT/config/vragenlijst-2021.csv" "$ROOT/config/antwoorden-2021.csv" "$TMP/t/out/rapport.md"
else
    echo "FAIL python3 is needed to make the texts variant of the fixture (scripts/install-deps)"
    E2E_FAILS=$((E2E_FAILS + 1))
fi

# Night 2 with an empty inbox: the outputs stay what they were.
cp -r "$TMP/a/out" "$TMP/a/out.night1"
check "a night with an empty inbox exits 0" kpm_night "$TMP/a/inbox" "$TMP/a/out" "$TMP/a/state"
for t in $TABLES; do
    check "$t.csv unchanged after an empty night" same_file "$TMP/a/out/$t.csv" "$TMP/a/out.night1/$t.csv"
done

# Night 3: the same files delivered again replace, never add.
cp "$FIX"/inbox/* "$TMP/a/inbox/"
check "a night re-delivering every file exits 0" kpm_night "$TMP/a/inbox" "$TMP/a/out" "$TMP/a/state"
for t in $TABLES; do
    check "$t.csv unchanged after re-delivery" same_file "$TMP/a/out/$t.csv" "$TMP/a/out.night1/$t.csv"
done

# Nothing went wrong in these nights, so no link had to send anything twice: each
# sender waits for its receiver's first word (link_out_handshake), and aggregate
# opens its link to report when the night starts, not when the tables are ready.
no_resend() { ! grep -h 'resending from seq' "$@"; }
check "normal nights send nothing twice (no rewind logged by any stage)" \
    no_resend "$TMP"/a/state/log/*.log "$TMP"/b/state/log/*.log

e2e_finish
