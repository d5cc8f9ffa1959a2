#!/usr/bin/env bash
# replay.sh BIN_DIR SRC_DIR - feeds every committed regression case and seed of
# each fuzz target to that target built without libFuzzer (<target>_replay).
# A check that fails aborts the replay: the test fails and names the target.
set -u
BIN=$1
SRC=$2
fails=0
passes=0
for t in fuzz_ingest_file fuzz_wire_decode fuzz_aggregate_apply fuzz_report_tables; do
    dirs=()
    for d in "$SRC/regressions/$t" "$SRC/corpus/$t"; do [ -d "$d" ] && dirs+=("$d"); done
    if [ ${#dirs[@]} -eq 0 ]; then
        echo "FAIL $t: no regressions/ or corpus/ directory"
        fails=$((fails + 1))
        continue
    fi
    if "$BIN/${t}_replay" "${dirs[@]}"; then
        echo "ok   $t"
        passes=$((passes + 1))
    else
        echo "FAIL $t (a check failed on one of the inputs above)"
        fails=$((fails + 1))
    fi
done
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
