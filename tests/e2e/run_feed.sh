#!/usr/bin/env bash
# End-to-end test of the dashboard feed, schema version 3 (docs/DATABASE.md):
# one night on the sample inbox plus tests/e2e/feed/inbox (usage under the codes
# of the 2022 and 2023 mergers, inhabitants of 2022 and 2023), then kpm.sqlite
# and dashboard/ are checked: the dimensions are complete, no table mixes
# grains, the types are as the doc says, the mergers fold and the inhabitants
# per year count as hand-computed in tests/e2e/feed/EXPECTED.md, every
# view returns rows, and the JSON files validate against docs/dashboard.schema.json.
# A second night without any `gemeenten` delivery still names all 352 gemeenten.
# usage: run_feed.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
FIX=$E2E/feed
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-feed.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
command -v sqlite3 >/dev/null || { echo "sqlite3 (the command-line tool) is not installed"; exit 77; }
DB=$TMP/a/out/kpm.sqlite
q() { sqlite3 -batch "$DB" "$1"; }
qcsv() { # [-header] SQL: the rows as CSV
    local opts=(-csv)
    while [[ $1 == -* ]]; do opts+=("$1"); shift; done
    sqlite3 -batch "${opts[@]}" "$DB" "$1" | tr -d '\r'
}

mkdir -p "$TMP/a/inbox"
cp "$ROOT"/samples/inbox/* "$FIX"/inbox/* "$TMP/a/inbox/"
check "kpm run on the sample inbox and the merger fixture exits 0" \
    kpm_night "$TMP/a/inbox" "$TMP/a/out" "$TMP/a/state"

# Two streams are equal (same_file reads its files twice: not for pipes).
same_stream() { diff "$1" "$2" | head -20; [ "${PIPESTATUS[0]}" = 0 ]; }

# --- the schema version
check "kpm_schema says version 3" test "$(q 'SELECT versie FROM kpm_schema')" = 3

# --- dimensions
CBS=$ROOT/config/gemeenten_2021.csv
names_match() { # every gemeente of the CBS list is in `gemeente` with its name and province
    # (GM1992 Voorne aan Zee, founded 2023, is delivered in the fixture's gemeenten_2023.csv)
    diff <(tail -n +2 "$CBS" | cut -d';' -f1-3 | sort) \
        <(q "SELECT gemeente_code || ';' || naam || ';' || provincie FROM gemeente
             WHERE bron IN ('cbs_2021', 'geleverd') AND gemeente_code <> 'GM1992'" | sort)
}
check "gemeente: 352 gemeenten with names, as the CBS list names them" names_match
check "gemeente: Aa en Hunze is GM1680 in Drenthe" \
    test "$(q "SELECT naam || '|' || provincie FROM gemeente WHERE gemeente_code = 'GM1680'")" = "Aa en Hunze|Drenthe"
check "gemeente: Dijk en Waard exists, is today's code of Heerhugowaard and Langedijk" \
    test "$(q "SELECT group_concat(gemeente_code) FROM (SELECT gemeente_code FROM gemeente
               WHERE gemeente_code_nu = 'GM1980' AND gemeente_code <> 'GM1980' ORDER BY 1)")|$(q \
               "SELECT naam FROM gemeente WHERE gemeente_code = 'GM1980'")" = "GM0398,GM0416|Dijk en Waard"
check "koploper: every koploper of the register, with name, tranche, start year" \
    test "$(q "SELECT count(*) FROM koploper WHERE naam IS NOT NULL AND tranche IS NOT NULL
               AND startjaar IS NOT NULL")" = "$(tail -n +2 "$ROOT/samples/inbox/koplopers_2021.csv" | grep -c .)"
check "koploper_gemeente: every pair joins both dimensions, and koploper.gemeenten counts them" \
    test "$(q "SELECT count(*) FROM koploper_gemeente kg LEFT JOIN gemeente g USING (gemeente_code)
               LEFT JOIN koploper k USING (koploper_id) WHERE g.naam IS NULL OR k.naam IS NULL")|$(q \
               "SELECT sum(gemeenten) - (SELECT count(*) FROM koploper_gemeente) FROM koploper")" = "0|0"

# --- one grain per table
no_discriminator() { # no eenheid column, no mixed tables, no totaal row
    local t bad=0
    for t in $(q "SELECT name FROM sqlite_master WHERE type = 'table'"); do
        q "PRAGMA table_info($t)" | cut -d'|' -f2 | grep -qx eenheid && { echo "  $t has eenheid"; bad=1; }
    done
    [ -z "$(q "SELECT name FROM sqlite_master WHERE name IN ('gebruik_jaar', 'respons')")" ] || bad=1
    [ "$(q "SELECT count(*) FROM respons_tranche WHERE typeof(tranche) <> 'integer'")" = 0 ] || bad=1
    return $bad
}
check "no table has a discriminator column or a totals row" no_discriminator
check "the totals are in a view: v_respons_totaal equals respons.csv's totaal rows" \
    same_stream <(grep ',totaal,' "$TMP/a/out/respons.csv" | cut -d, -f1,3-) \
    <(qcsv "SELECT meting, uitgenodigd, respons, printf('%.1f', respons_pct) FROM v_respons_totaal ORDER BY meting")

# --- types, through pragma table_info (name|declared type)
coltype() { q "PRAGMA table_info($1)" | awk -F'|' -v c="$2" '$2 == c { print $3 }'; }
for spec in gebruik.periode=DATE gebruik.jaar=INTEGER gebruik.maand=INTEGER \
    respons_tranche.tranche=INTEGER adviesinzet.tranche=INTEGER likert.onderdrukt=INTEGER \
    voordrachten.geschikt=INTEGER gemeente.koploper=INTEGER gebruik_gemeente_nu.inwoners=INTEGER \
    likert.gemiddelde=REAL gemeente.naam=TEXT gemeente.inwoners_jaar=INTEGER \
    gemeente_inwoners.jaar=INTEGER gemeente_inwoners.inwoners=INTEGER; do
    tc=${spec%=*}
    check "type of $tc is ${spec#*=}" test "$(coltype "${tc%.*}" "${tc#*.}")" = "${spec#*=}"
done
check "booleans hold 0 or 1 only" \
    test "$(q "SELECT count(*) FROM likert WHERE onderdrukt NOT IN (0, 1)")|$(q \
        "SELECT count(DISTINCT geschikt) FROM voordrachten")" = "0|2"
check "gebruik.periode is the first of the month, jaar and maand agree with it" \
    test "$(q "SELECT count(*) FROM gebruik WHERE periode NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-01'
               OR CAST(substr(periode, 1, 4) AS INTEGER) <> jaar
               OR CAST(substr(periode, 6, 2) AS INTEGER) <> maand")|$(q "SELECT count(*) > 0 FROM gebruik")" = "0|1"

# --- inhabitants per year (tests/e2e/feed/EXPECTED.md): the year from the file name
check "gemeente_inwoners: the sample's 2021 list, the fixture's 2022 and 2023 figures" \
    test "$(q "SELECT count(*) FROM gemeente_inwoners WHERE jaar = 2021 AND bron = 'geleverd'")|$(q \
        "SELECT group_concat(gemeente_code || ' ' || jaar || ' ' || inwoners, ', ') FROM
         (SELECT * FROM gemeente_inwoners WHERE jaar > 2021 ORDER BY gemeente_code, jaar)")" = \
        "352|GM0363 2022 882633, GM0457 2022 20807, GM1992 2023 69500"
check "gemeente: Amsterdam's latest figure is 2022's; today's Amsterdam adds Weesp's 2022 figure" \
    test "$(q "SELECT inwoners || ' ' || inwoners_jaar || ' ' || inwoners_nu FROM gemeente
               WHERE gemeente_code = 'GM0363'")" = "882633 2022 903440"

# --- today's boundaries (tests/e2e/feed/EXPECTED.md)
folded() {
    qcsv -header "SELECT jaar, gemeente_code, koploper, nieuwe_vragen, clienten_bereikt, inwoners,
        printf('%.1f', clienten_per_1000_inwoners) AS clienten_per_1000_inwoners
        FROM gebruik_gemeente_nu WHERE gemeente_code IN ('GM0363', 'GM1980', 'GM1992')
        ORDER BY jaar, gemeente_code"
}
folded >"$TMP/nu.csv"
check "gebruik_gemeente_nu: mergers folded as hand-computed" \
    same_file "$TMP/nu.csv" "$FIX/expected/gebruik_gemeente_nu.csv"
delivered() {
    qcsv -header "SELECT jaar, gemeente_code, koploper, nieuwe_vragen, clienten_bereikt, inwoners,
        iif(clienten_per_1000_inwoners IS NULL, NULL, printf('%.1f', clienten_per_1000_inwoners))
        AS clienten_per_1000_inwoners FROM gebruik_gemeente
        WHERE jaar >= 2021 AND gemeente_code IN ('GM0363', 'GM0398', 'GM0416', 'GM0457', 'GM0530', 'GM1980', 'GM1992')
        ORDER BY jaar, gemeente_code"
}
delivered >"$TMP/delivered.csv"
check "gebruik_gemeente: the figures as delivered stay beside them" \
    same_file "$TMP/delivered.csv" "$FIX/expected/gebruik_gemeente.csv"
check "no old code left on today's boundaries, and no usage lost in the fold" \
    test "$(q "SELECT count(*) FROM gebruik_gemeente_nu n JOIN gemeente g USING (gemeente_code)
               WHERE g.gemeente_code_nu <> g.gemeente_code")|$(q "SELECT (SELECT sum(clienten_bereikt)
               FROM gebruik_gemeente) - (SELECT sum(clienten_bereikt) FROM gebruik_gemeente_nu)")" = "0|0"
check "gebruik_koploper equals gebruik_jaar.csv's koploper rows" \
    same_stream <(grep '^[0-9]*,koploper,' "$TMP/a/out/gebruik_jaar.csv" | cut -d, -f1,3,5,6 | sort) \
    <(qcsv "SELECT jaar, koploper_id, nieuwe_vragen, clienten_bereikt FROM gebruik_koploper" | sort)

# --- views
VIEWS="v_likert_lang v_respons_totaal v_respons_tranche v_gebruik_totaal v_gebruik_provincie
       v_koploper_vergelijking v_tevredenheid_thema"
check "the database has exactly the documented views" \
    test "$(q "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name" | tr '\n' ' ')" = \
    "$(echo $VIEWS | tr ' ' '\n' | sort | tr '\n' ' ')"
for v in $VIEWS; do
    check "view $v returns rows" test "$(q "SELECT count(*) > 0 FROM $v")" = 1
done
check "every view is in docs/DATABASE.md with an example query" \
    bash -c "for v in $(echo $VIEWS); do grep -q \"FROM \$v\" '$ROOT/docs/DATABASE.md' || { echo \"  \$v\"; exit 1; }; done"
check "v_gebruik_provincie: twelve provinces a year" \
    test "$(q "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM v_gebruik_provincie GROUP BY jaar)")" = "12,12,2,1"

# --- dashboard.json and dashboard/
check "dashboard.json names its night and when it was made" \
    bash -c "grep -q '\"nacht\": \"[0-9]\{8\}T[0-9]\{6\}Z-[0-9]*\"' '$TMP/a/out/dashboard.json' &&
             grep -q '\"gemaakt_op\": \"20[0-9-]*T[0-9:]*Z\"' '$TMP/a/out/dashboard.json'"
check "every database table but kpm's own has its dashboard/<tabel>.json, and no other file" \
    same_stream <(q "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'kpm\_%' ESCAPE '\\' ORDER BY 1") \
    <(ls "$TMP/a/out/dashboard" | sed 's/\.json$//' | sort)
python3 "$FIX/validate.py" "$ROOT/docs/dashboard.schema.json" "$TMP/a/out" >"$TMP/validate.log" 2>&1
rc=$?
[ $rc = 77 ] && { cat "$TMP/validate.log"; echo "skipping the schema checks"; }
if [ $rc != 77 ]; then
    check "dashboard.json and dashboard/*.json validate against docs/dashboard.schema.json" test $rc = 0
    cat "$TMP/validate.log"
    mkdir -p "$TMP/bad/dashboard"
    sed 's/"omschrijving": "[^"]*"/"omschrijving": ""/' "$TMP/a/out/dashboard/gebruik.json" >"$TMP/bad/dashboard/gebruik.json"
    sed 's/"schema_version": 3/"schema_version": 2/' "$TMP/a/out/dashboard.json" >"$TMP/bad/dashboard.json"
    check "the validator rejects a column without a description and a version-2 index" \
        bash -c "test \"\$(python3 '$FIX/validate.py' '$ROOT/docs/dashboard.schema.json' '$TMP/bad' | tail -1)\" = '2 files, 2 invalid'"
fi

# --- without any gemeenten delivery, the shipped CBS list names them
mkdir -p "$TMP/b/inbox"
cp "$FIX"/inbox/gebruik_* "$TMP/b/inbox/"
check "a night with only usage exits 0" kpm_night "$TMP/b/inbox" "$TMP/b/out" "$TMP/b/state"
DB=$TMP/b/out/kpm.sqlite
check "without a delivery, all 352 gemeenten are named from the CBS list" names_match
check "... and each says so (bron cbs_2021)" \
    test "$(q "SELECT count(*) FROM gemeente WHERE bron = 'cbs_2021'")|$(q \
        "SELECT count(*) FROM gemeente_inwoners WHERE bron = 'cbs' AND jaar = 2021")" = "352|352"

e2e_finish
