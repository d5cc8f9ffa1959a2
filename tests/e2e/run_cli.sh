#!/usr/bin/env bash
# The operator's command line: every command's --help (and nothing else: no file
# or directory made), --opt=value, bad values of every numeric option, missing
# values, unknown options and commands, the exit statuses (0, 1, 2, 75 as
# documented) and the version from CMake.
# usage: run_cli.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-cli.XXXXXX")
trap '"$KPM" stop --state "$TMP/good/state" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/inbox" "$TMP/scratch/tmp"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"

# A command's status and output: runs "$@", sets RC and OUT (stdout and stderr).
run() { OUT=$("$@" 2>&1); RC=$?; }
has() { printf '%s' "$OUT" | grep -qF -- "$1" || { echo "  output: $OUT"; return 1; }; }
# The scratch directory holds only its empty tmp/ (TMPDIR of the commands).
nothing_made() { [ "$(ls -A "$TMP/scratch")" = tmp ] && [ -z "$(ls -A "$TMP/scratch/tmp")" ] ||
    { ls -AR "$TMP/scratch" | sed 's/^/  made: /'; return 1; }; }

# --help of every command: usage on stdout, exit 0, nothing made.
S=$TMP/scratch
for args in "run --inbox $TMP/inbox --out $S/out --state $S/state --help" \
    "status --state $S/state --help" "restart aggregate --state $S/state --help" \
    "stop --state $S/state --help" "keygen $S/keys --help" "demo --help" "version --help"; do
    cmd=${args%% *}
    OUT=$(cd "$S" && TMPDIR=$S/tmp "$KPM" $args 2>&1)
    RC=$?
    check "kpm $cmd --help exits 0 with its usage" test "$RC" = 0 -a -n "$(printf '%s' "$OUT" | grep "usage: kpm $cmd")"
    check "kpm $cmd --help makes nothing" nothing_made
done

# The overview.
for args in "" "--help" "help"; do
    run "$KPM" $args
    check "kpm $args: the overview with the exit statuses, exit 0" \
        bash -c "test $RC = 0 && printf '%s' \"\$0\" | grep -q 'usage: kpm COMMAND' && printf '%s' \"\$0\" | grep -q '75 another process holds the state'" "$OUT"
done

# The version is CMake's project version.
VERSION=$(sed -n 's/^project(kpm VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
run "$KPM" --version
check "kpm --version prints 'kpm $VERSION' (from CMakeLists.txt)" test "$RC:$OUT" = "0:kpm $VERSION"
run "$KPM" version
check "kpm version prints 'kpm $VERSION'" test "$RC:$OUT" = "0:kpm $VERSION"

# Usage errors: exit 2, the message names the option; nothing is made.
bad_value() { # option value
    run "$KPM" run --inbox "$TMP/inbox" --out "$S/out" --state "$S/state" "$1" "$2"
    test "$RC" = 2 && has "$1" && nothing_made
}
for ov in "--workers 0" "--workers 17" "--workers two" "--timeout 0" "--timeout 604801" \
    "--timeout 10s" "--grace 0" "--grace 86401" "--grace 1e3" "--min-cell -1" "--min-cell 1001" \
    "--min-cell five" "--uren-per-dag 0" "--uren-per-dag 25" "--uren-per-dag 7,5" \
    "--uren-per-dag nan" "--uren-per-dag 0.4" "--dagen-toegekend 0" "--dagen-toegekend 366" "--dagen-toegekend 8x"; do
    check "kpm run ${ov%% *} '${ov#* }': exit 2 naming the option" bad_value ${ov%% *} "${ov#* }"
done
check "kpm run --timeout=abc (= form, bad): exit 2 naming --timeout" \
    bash -c "'$KPM' run --inbox '$TMP/inbox' --out '$S/out' --state '$S/state' --timeout=abc 2>&1 | grep -q -- --timeout; test \${PIPESTATUS[0]} = 2"
for o in --timeout --workers --grace --min-cell --uren-per-dag --dagen-toegekend --inbox; do
    run "$KPM" run --inbox "$TMP/inbox" --out "$S/out" --state "$S/state" "$o="
    check "kpm run $o= (empty): exit 2 naming the option" bash -c "test $RC = 2 && printf '%s' \"\$0\" | grep -q -- '$o'" "$OUT"
done
missing() { run "$KPM" "$@"; test "$RC" = 2 && has "${@: -1}" && nothing_made; }
check "kpm run --inbox DIR --state (no value): exit 2 naming --state" \
    missing run --inbox "$TMP/inbox" --out "$S/out" --state
check "kpm run --timeout --grace 5: exit 2 naming --timeout" \
    bash -c "'$KPM' run --inbox '$TMP/inbox' --out '$S/out' --state '$S/state' --timeout --grace 5 2>&1 | grep -q 'timeout needs a value'"
check "kpm status --state (no value): exit 2 naming --state" missing status --state
run "$KPM" run --inbox "$TMP/inbox" --out "$S/out"
check "kpm run without --state: exit 2" test "$RC" = 2
for pg in "host=db PassWord=geheim" "postgresql://kpm:geheim@db/kpm"; do
    run "$KPM" run --inbox "$TMP/inbox" --out "$S/out" --state "$S/state" --pg "$pg"
    check "kpm run --pg '$pg' (a password): exit 2, nothing made" \
        bash -c "test $RC = 2 && printf '%s' \"\$0\" | grep -q -- '--pg holds a password'" "$OUT"
    check "... nothing made" nothing_made
done
for args in "run --inbox $TMP/inbox --out $S/out --state $S/state --bogus" "status --state $S --bogus" \
    "restart aggregate --state $S --bogus" "stop --state $S --bogus" "keygen $S/keys --bogus" \
    "demo --bogus" "version --bogus"; do
    run "$KPM" $args
    check "kpm ${args%% *} --bogus: exit 2 naming the option" bash -c "test $RC = 2 && printf '%s' \"\$0\" | grep -q -- --bogus" "$OUT"
done
check "unknown options made nothing" nothing_made
run "$KPM" frobnicate
check "an unknown command: exit 2" bash -c "test $RC = 2 && printf '%s' \"\$0\" | grep -q frobnicate" "$OUT"
run "$KPM" restart nosuchstage --state "$TMP/inbox"
check "kpm restart with an unknown stage: exit 2" test "$RC" = 2

# Exit statuses of status: no state 2, after a good night 0, after a failed one 1.
run "$KPM" status --state "$TMP/no-such-state"
check "kpm status on a missing state directory: exit 2 with a message" \
    bash -c "test $RC = 2 && printf '%s' \"\$0\" | grep -q 'no state directory'" "$OUT"
mkdir -p "$TMP/good/inbox" && cp "$TMP"/inbox/* "$TMP/good/inbox/"
run "$KPM" run --inbox="$TMP/good/inbox" --out="$TMP/good/out" --state="$TMP/good/state" \
    --timeout=60 --grace=10 --min-cell=5 --uren-per-dag=8 --dagen-toegekend=8 --workers=1
check "kpm run with --opt=value options: the night completes (exit 0)" test "$RC" = 0
check "... and its outputs are there" test -s "$TMP/good/out/rapport.md"
run "$KPM" status --state="$TMP/good/state"
check "kpm status after a good night: exit 0, 'completed'" bash -c "test $RC = 0 && printf '%s' \"\$0\" | grep -q 'completed'" "$OUT"
run "$KPM" status --state "$TMP/good/state" --json
check "kpm status --json: one JSON object, ok true, last night ok" \
    bash -c "printf '%s' \"\$0\" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"ok\"] and d[\"last_night\"][\"result\"]==\"ok\" and [s[\"stage\"] for s in d[\"stages\"]]==[\"ingest\",\"aggregate\",\"report\"] and all(s[\"phase\"]==\"done\" for s in d[\"stages\"])'" "$OUT"
mkdir -p "$TMP/bad/inbox" && cp "$TMP"/inbox/* "$TMP/bad/inbox/"
run "$KPM" run --inbox "$TMP/bad/inbox" --out "$TMP/bad/out" --state "$TMP/bad/state" \
    --catalog "$TMP/no-such-catalog.csv" --timeout 30
check "a night that cannot start (no catalogue): exit 1 with the cause" \
    bash -c "test $RC = 1 && printf '%s' \"\$0\" | grep -q 'no-such-catalog'" "$OUT"
run "$KPM" status --state "$TMP/bad/state"
check "kpm status after a failed night: exit 1, 'failed'" bash -c "test $RC = 1 && printf '%s' \"\$0\" | grep -q 'failed'" "$OUT"
run "$KPM" status --state "$TMP/bad/state" --json
check "kpm status --json after a failed night: ok false, exit 1" \
    bash -c "test $RC = 1 && printf '%s' \"\$0\" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert not d[\"ok\"] and d[\"last_night\"][\"result\"]==\"failed\" and d[\"last_night\"][\"error\"]'" "$OUT"

# keygen makes its keys (and says where they go).
run "$KPM" keygen "$TMP/keys"
check "kpm keygen DIR makes three key pairs" test "$RC" = 0 -a -s "$TMP/keys/ingest.key" -a -s "$TMP/keys/report.pub"

e2e_finish
