#!/usr/bin/env bash
# kpm run's supervisor: a stage that fails ends the night at once (exit 1 within
# seconds, with the stage's own cause and its last log lines), also when ingest
# fails while setting up after --prepare; SIGTERM or SIGKILL to kpm run leaves no
# stage behind; a restart while no kpm run supervises starts the stage on its own;
# a copy of a stage started by hand is watched instead of the one that exits 75.
# usage: run_supervise.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-supervise.XXXXXX")
trap 'for d in "$TMP"/*/state; do "$KPM" stop --state "$d" >/dev/null 2>&1; done; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
stages_of() { pgrep -f -- "--state $1( |$)" || true; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# kpm run in night dir d with a 60 s grace (the old supervisor waited that out);
# sets RC and MS (how long it took).
night() { # d [options]
    local d=$1 t0
    shift
    t0=$(ms)
    "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 60 --grace 60 "$@" \
        >"$d/kpm.log" 2>&1
    RC=$?
    END_MS=$(ms)
    MS=$(( END_MS - t0 ))
}
# Milliseconds from a file's last change to the end of the last night().
since_change() { echo $(( END_MS - $(stat -c %.3Y "$1" | tr -d .) )); }

# report cannot write its outputs: a directory stands where respons.csv goes.
new_night_dir full
mkdir -p "$TMP/full/out/respons.csv/x"
night "$TMP/full"
echo "     (failed night: exit $RC after $MS ms)"
check "report cannot write: kpm run exits 1" test "$RC" = 1
check "... within 5 s of the start (not after --grace, 60 s)" test "$MS" -lt 5000
GAP=$(since_change "$TMP/full/state/run/report.status")
echo "     (kpm run ended $GAP ms after report wrote phase=failed)"
check "... within 2 s of report's failed status" test "$GAP" -lt 2000 -a "$(sed -n 's/^phase=//p' "$TMP/full/state/run/report.status")" = failed
check "... naming report and the cause (respons.csv)" \
    grep -q "kpm: FAILED: report failed: .*respons.csv" "$TMP/full/kpm.log"
check "... followed by the stages' last log lines" grep -q -- "--- last lines of .*report.log" "$TMP/full/kpm.log"
check "... no stage process left" test -z "$(stages_of "$TMP/full/state")"

# ingest fails while it sets up (after --prepare): its acknowledgement socket's
# path is taken by a directory (in a socket directory of mode 0700: the stages
# refuse a looser one, docs/OPERATIONS.md).
new_night_dir setup
mkdir -p "$TMP/setup/state" && mkdir -m 0700 "$TMP/setup/state/sock"
mkdir -p "$TMP/setup/state/sock/ingest.ack/x"
night "$TMP/setup"
echo "     (ingest's setup failure: exit $RC after $MS ms)"
check "ingest fails in its setup: kpm run exits 1 within 5 s" test "$RC" = 1 -a "$MS" -lt 5000
check "... with ingest's own cause (not 'phase none')" \
    bash -c "grep -q 'kpm: FAILED: ingest failed: .*ingest.ack' '$TMP/setup/kpm.log' && ! grep -q \"phase 'none'\" '$TMP/setup/kpm.log'"

# SIGTERM to kpm run: the stages are stopped, kpm ends by the signal, nothing is left.
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 300000 "$TMP/inbox/gebruik_2021.csv" 5
for sig in TERM INT KILL; do
    d="$TMP/sig$sig"
    new_night_dir "sig$sig"
    "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 60 >"$d/kpm.log" 2>&1 &
    runner=$!
    stage_pid "$d/state" aggregate >/dev/null && sleep 0.2
    kill -$sig $runner
    wait $runner
    rc=$?
    for i in $(seq 1 50); do [ -z "$(stages_of "$d/state")" ] && break; sleep 0.1; done
    check "SIG$sig to kpm run: no stage process left" test -z "$(stages_of "$d/state")"
    if [ $sig != KILL ]; then
        check "SIG$sig to kpm run: it ends by the signal (status $rc)" test "$rc" = $((128 + $(kill -l $sig)))
        check "SIG$sig to kpm run: it says the night was stopped" grep -q "stopped (.*): the stages saved their state" "$d/kpm.log"
    fi
    kpm_night "$d/inbox" "$d/out" "$d/state"
    cp "$d/state.kpm.log" "$d/kpm.log"
    check "SIG$sig: the next kpm run completes the night" night_done "$d" $?
done

# kpm stop during a night: kpm run stops its stages and exits 1, nothing left.
d="$TMP/stop"
new_night_dir stop
"$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 60 >"$d/kpm.log" 2>&1 &
runner=$!
stage_pid "$d/state" aggregate >/dev/null && sleep 0.2
"$KPM" stop --state "$d/state" >"$d/stop.log" 2>&1
check "kpm stop during a night: exit 0" test $? = 0
wait $runner
check "... kpm run exits 1 (the night did not complete)" test $? = 1
check "... no stage process left" test -z "$(stages_of "$d/state")"

# kpm restart while no kpm run supervises: the stage runs on its own; kpm run
# refuses to start beside it (75) until kpm stop.
"$KPM" restart aggregate --state "$d/state" >"$d/restart.log" 2>&1
check "kpm restart without kpm run: exit 0, says it runs on its own" \
    bash -c "grep -q 'runs on its own' '$d/restart.log' && test -n \"\$(pgrep -f -- 'kpm-aggregate --state $d/state ')\""
"$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 60 >"$d/kpm2.log" 2>&1
check "kpm run beside a stage running on its own: exit 75 naming it" \
    bash -c "test $? = 75 && grep -q 'aggregate is already running' '$d/kpm2.log'"
"$KPM" stop --state "$d/state" >/dev/null 2>&1
check "kpm stop ends the stage running on its own" test -z "$(stages_of "$d/state")"
check "then kpm run completes the night" kpm_night "$d/inbox" "$d/out" "$d/state"

# A copy of aggregate started by hand before kpm run starts its own: kpm run's
# aggregate finds the stage's lock held and exits 75 (simulated here by a wrapper
# that starts the copy and exits 75); kpm run watches the copy and the night
# completes. The stage binaries come through KPM_LIBEXECDIR (cli/paths).
d="$TMP/adopt"
new_night_dir adopt
mkdir -p "$TMP/libexec"
for s in ingest report; do ln -s "$BUILD/$s/kpm-$s" "$TMP/libexec/kpm-$s"; done
cat >"$TMP/libexec/kpm-aggregate" <<WRAP
#!/usr/bin/env bash
if mkdir "$d/once" 2>/dev/null; then
    setsid "$BUILD/aggregate/kpm-aggregate" "\$@" </dev/null >>"$d/by-hand.log" 2>&1 &
    for i in \$(seq 1 200); do [ -s "$d/state/run/aggregate.pid" ] && break; sleep 0.01; done
    exit 75
fi
exec "$BUILD/aggregate/kpm-aggregate" "\$@"
WRAP
chmod +x "$TMP/libexec/kpm-aggregate"
KPM_LIBEXECDIR=$TMP/libexec "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" \
    --timeout 60 --grace 5 >"$d/kpm.log" 2>&1
check "a copy of aggregate runs already: the night completes" night_done "$d" $?
check "... kpm run said it watches the copy" grep -q "aggregate: a copy is already running (pid [0-9]*)" "$d/kpm.log"
check "... the copy did the night's work" grep -qE 'aggregate info: batch|level=info .*msg="batch' "$d/by-hand.log"
new_night_dir plain
check "... outputs equal a plain night's" \
    bash -c "$(declare -f kpm_night); ROOT='$ROOT' BUILD='$BUILD' kpm_night '$TMP/plain/inbox' '$TMP/plain/out' '$TMP/plain/state' && $(declare -f outputs_equal); outputs_equal '$TMP/plain/out' '$d/out'"
check "... no stage process left" test -z "$(stages_of "$d/state")"

e2e_finish
