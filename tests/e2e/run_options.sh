#!/usr/bin/env bash
# The command lines of the stages and tools (docs/OPERATIONS.md, "Options and exit
# statuses"):
# - every numeric option of every binary (read from its --help, which shows each
#   range) refuses a non-number, trailing letters, an empty value, a value below
#   and one above its range: exit 2 at once, the message naming the option and
#   the range, and nothing written (no state directory, no night);
# - an unknown option exits 2, --help exits 0, neither writes anything;
# - tcp:// without --keys exits 2 naming --keys and `kpm keygen`; with
#   --insecure-plaintext the stage starts and warns;
# - a second copy of a stage on the same state exits 75 naming the first's pid and
#   leaves its files alone; after the first is killed (SIGKILL) a copy starts;
#   `kpm-ingest --prepare` under a running ingest exits 75;
# - a stage that cannot set up leaves phase=failed with the cause in its status.
# usage: run_options.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-options.XXXXXX")
PIDS=()
trap 'kill -KILL ${PIDS[@]+"${PIDS[@]}"} 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=$((27000 + $$ % 80)) # this suite's range: 27000-27099

INGEST=$BUILD/ingest/kpm-ingest
AGGREGATE=$BUILD/aggregate/kpm-aggregate
REPORT=$BUILD/report/kpm-report
KEYGEN=$BUILD/tools/kpm-keygen
mkdir -p "$TMP/inbox" "$TMP/cwd"
cp "$E2E/survey/inbox/koplopers_2021.csv" "$TMP/inbox/"
S=$TMP/state # must never come into being in the usage cases

# The arguments a stage needs besides the one under test.
base_args() { # stage
    case $1 in
        ingest) echo "--state $S --inbox $TMP/inbox" ;;
        aggregate) echo "--state $S" ;;
        report) echo "--state $S --out $TMP/out" ;;
    esac
}
bin_of() { case $1 in ingest) echo "$INGEST" ;; aggregate) echo "$AGGREGATE" ;; report) echo "$REPORT" ;; esac; }

# Runs a binary in $TMP/cwd; RC, MS (milliseconds) and ERR (its stderr).
run() {
    local t0
    t0=$(date +%s%N)
    ERR=$(cd "$TMP/cwd" && timeout 10 "$@" 2>&1 >/dev/null)
    RC=$?
    MS=$((($(date +%s%N) - t0) / 1000000))
}

nothing_written() { [ ! -e "$S" ] && [ ! -e "$TMP/out" ] && [ -z "$(ls -A "$TMP/cwd")" ] &&
    [ "$(ls "$TMP/inbox")" = koplopers_2021.csv ]; }

# One refused value: exit 2 within a second, the option and the range named,
# nothing written.
refused() { # stage option value range
    local why=""
    # shellcheck disable=SC2046
    run "$(bin_of "$1")" $(base_args "$1") "--$2" "$3"
    [ "$RC" = 2 ] || why="exit $RC"
    [ "$MS" -lt 1000 ] || why="$why; took $MS ms"
    grep -qF -- "--$2" <<<"$ERR" || why="$why; option not named"
    grep -qF -- "allowed: $4" <<<"$ERR" || why="$why; range not named"
    nothing_written || why="$why; files written"
    [ -z "$why" ] || { echo "  kpm-$1 --$2 '$3': $why: $ERR"; return 1; }
}

# The numeric options and their ranges, as each stage's --help shows them.
numeric_options() { # stage -> lines "option min max"
    "$(bin_of "$1")" --help | awk '
        /^  --[a-z-]+/ { opt = substr($1, 3) }
        /^ +allowed: / { print opt, $2, $4 }'
}

# The values to refuse for a range.
bad_values() { # min max -> one value per line
    printf '%s\n' five 5x "" "$(awk -v v="$1" 'BEGIN { print (v == int(v)) ? v - 1 : v - 0.1 }')" \
        "$(awk -v v="$2" 'BEGIN { print v + 1 }')"
}

declare -A expected=([ingest]="workers batch" [report]="workers"
    [aggregate]="min-cell uren-per-dag dagen-toegekend checkpoint-ms workers worker")
for stage in ingest aggregate report; do
    opts=$(numeric_options $stage)
    for o in ${expected[$stage]}; do
        check "kpm-$stage --help shows the range of --$o" grep -q "^$o " <<<"$opts"
    done
    while read -r o min max; do
        [ -n "$o" ] || continue
        all=1
        while IFS= read -r v; do refused $stage "$o" "$v" "$min to $max" || all=0; done < <(bad_values "$min" "$max")
        check "kpm-$stage --$o: five, 5x, '', below $min, above $max: exit 2 at once, option and range named, nothing written" \
            test $all = 1
    done <<<"$opts"
    # shellcheck disable=SC2046
    run "$(bin_of $stage)" $(base_args $stage) --no-such-option
    check "kpm-$stage: an unknown option exits 2, naming it, writing nothing" \
        bash -c "[ $RC = 2 ] && grep -q -- '--no-such-option' <<<\"\$0\"" "$ERR"
    check "kpm-$stage: ... and nothing written" nothing_written
    # shellcheck disable=SC2046
    run "$(bin_of $stage)" $(base_args $stage) --help
    check "kpm-$stage --help exits 0 and writes nothing" bash -c "[ $RC = 0 ] && [ -z \"\$0\" ]" "$ERR"
    check "kpm-$stage --help: ... nothing written" nothing_written
done
run "$AGGREGATE" --state "$S" --workers 2 --worker 2
check "kpm-aggregate --worker 2 --workers 2: exit 2 naming --worker and the range 0 to 1" \
    bash -c "[ $RC = 2 ] && grep -qF -- '--worker: 2 is out of range (allowed: 0 to 1' <<<\"\$0\"" "$ERR"
run "$INGEST" --state "$S" --inbox "$TMP/inbox" --workers 2 --out "ipc://$S/a"
check "kpm-ingest --workers 2 with one --out: exit 2" test "$RC" = 2
run "$KEYGEN" --bits 4096
check "kpm-keygen: an unknown option exits 2" test "$RC" = 2
run "$KEYGEN" "$TMP/keys-help" --help
check "kpm-keygen --help exits 0 and makes no key directory" \
    bash -c "[ $RC = 0 ] && [ ! -e '$TMP/keys-help' ] && [ -z \"\$(ls -A '$TMP/cwd')\" ]"
check "every usage case above: no state directory came into being" nothing_written

# tcp without keys: refused in words; --insecure-plaintext lets it start, warned.
tcp_args() { # stage port
    case $1 in
        ingest) echo "--out tcp://127.0.0.1:$2 --ack tcp://127.0.0.1:$(($2 + 1))" ;;
        aggregate) echo "--in tcp://127.0.0.1:$2 --in-ack tcp://127.0.0.1:$(($2 + 1))" ;;
        report) echo "--in tcp://127.0.0.1:$2 --in-ack tcp://127.0.0.1:$(($2 + 1))" ;;
    esac
}
for stage in ingest aggregate report; do
    # shellcheck disable=SC2046
    run "$(bin_of $stage)" $(base_args $stage) $(tcp_args $stage $PORT)
    check "kpm-$stage on tcp:// without --keys: exit 2 naming --keys and 'kpm keygen'" \
        bash -c "[ $RC = 2 ] && grep -q -- '--keys' <<<\"\$0\" && grep -q 'kpm keygen' <<<\"\$0\"" "$ERR"
    check "kpm-$stage on tcp:// without --keys: nothing written" nothing_written
    d=$TMP/plain-$stage
    # shellcheck disable=SC2046
    "$(bin_of $stage)" $(base_args $stage | sed "s|$S|$d|") $(tcp_args $stage $PORT) \
        --insecure-plaintext 2>"$d.log" &
    PIDS+=($!)
    pid=$!
    check "kpm-$stage --insecure-plaintext on tcp:// starts" bash -c "
        for i in \$(seq 1 300); do [ \"\$(cat '$d/run/$stage.pid' 2>/dev/null)\" = $pid ] && exit 0; sleep 0.01; done; exit 1"
    check "kpm-$stage --insecure-plaintext: warns in its log" grep -q 'level=warn.*--insecure-plaintext' "$d.log"
    sleep 0.3
    check "kpm-$stage --insecure-plaintext: still running" kill -0 $pid
    if [ $stage = aggregate ]; then
        # Its port taken by the one running: a setup failure, with the cause.
        # shellcheck disable=SC2046
        "$AGGREGATE" --state "$TMP/bind" $(tcp_args $stage $PORT) --insecure-plaintext 2>/dev/null
        rc=$?
        check "kpm-aggregate on a port in use: exit 1, phase=failed naming the endpoint and the cause" \
            bash -c "[ $rc = 1 ] && grep -q '^phase=failed$' '$TMP/bind/run/aggregate.status' &&
                grep -q \"^last_error=.*tcp://127.0.0.1:$PORT.*Address already in use\" '$TMP/bind/run/aggregate.status'"
    fi
    kill -TERM $pid 2>/dev/null
    wait $pid 2>/dev/null
    PORT=$((PORT + 2))
done

# One copy of a stage per state directory (its lock, STATE/run/stage.<name>.lock).
L=$TMP/locked
mkdir -p "$L/inbox"
cp "$E2E/survey/inbox/koplopers_2021.csv" "$L/inbox/"
start_copy() { # stage [args...] -> PID of a copy on $L that blocks (its peers never come)
    local stage=$1 bin
    shift
    bin=$(bin_of "$stage")
    case $stage in
        ingest) "$bin" --state "$L" --inbox "$L/inbox" "$@" 2>>"$L/$stage.log" & ;;
        aggregate) "$bin" --state "$L" "$@" 2>>"$L/$stage.log" & ;;
        report) "$bin" --state "$L" --out "$L/out" "$@" 2>>"$L/$stage.log" & ;;
    esac
    PID=$!
    PIDS+=($PID)
}
pid_file_is() { # name pid: the pid file names that pid (waits up to 3 s)
    local i
    for i in $(seq 1 300); do
        [ "$(cat "$L/run/$1.pid" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.01
    done
    return 1
}
second_refused() { # name stage [args...]: exit 75 at once, naming the first's pid
    local name=$1 stage=$2 first=$3 bin
    shift 3
    bin=$(bin_of "$stage")
    case $stage in
        ingest) run "$bin" --state "$L" --inbox "$L/inbox" "$@" ;;
        aggregate) run "$bin" --state "$L" "$@" ;;
        report) run "$bin" --state "$L" --out "$L/out" "$@" ;;
    esac
    [ "$RC" = 75 ] && [ "$MS" -lt 1000 ] &&
        grep -qF "kpm-$name: already running in $L (pid $first)" <<<"$ERR" &&
        [ "$(cat "$L/run/$name.pid")" = "$first" ] &&
        grep -q "^pid=$first\$" "$L/run/$name.status" ||
        { echo "  exit $RC after $MS ms: $ERR"; return 1; }
}
for stage in report aggregate ingest; do
    start_copy $stage
    first=$PID
    check "$stage: the first copy runs" pid_file_is $stage $first
    check "$stage: a second copy on the same state exits 75 at once, naming the first's pid, its files untouched" \
        second_refused $stage $stage $first
    check "$stage: the first copy still runs" kill -0 $first
    if [ $stage = ingest ]; then
        run "$INGEST" --state "$L" --inbox "$L/inbox" --prepare
        check "kpm-ingest --prepare while ingest runs: exit 75, naming it" \
            bash -c "[ $RC = 75 ] && grep -qF 'already running in $L (pid $first)' <<<\"\$0\"" "$ERR"
    fi
    kill -KILL $first
    wait $first 2>/dev/null
    start_copy $stage
    check "$stage: after the first copy was killed (SIGKILL), a new copy starts (no stale lock)" \
        pid_file_is $stage $PID
    kill -TERM $PID
    wait $PID 2>/dev/null
done
night=$("$INGEST" --state "$L" --inbox "$L/inbox" --prepare 2>>"$L/prepare.log")
check "kpm-ingest --prepare with no ingest running: prints the night" test -n "$night"
# Workers: each its own lock; the same worker twice is refused.
start_copy aggregate --worker 0 --workers 2
w0=$PID
start_copy aggregate --worker 1 --workers 2
w1=$PID
check "aggregate workers 0 and 1 run side by side on one state" \
    bash -c "$(declare -f pid_file_is); L='$L'; pid_file_is aggregate.0 $w0 && pid_file_is aggregate.1 $w1"
check "a second aggregate worker 1: exit 75 naming kpm-aggregate.1" \
    second_refused aggregate.1 aggregate $w1 --worker 1 --workers 2
kill -TERM $w0 $w1
wait $w0 $w1 2>/dev/null

# A setup failure leaves phase=failed with the real cause.
F=$TMP/failing
"$AGGREGATE" --state "$F" --catalog "$TMP/no-such-catalog.csv" 2>"$TMP/failing.log"
rc=$?
check "kpm-aggregate with a missing catalogue: exit 1" test $rc = 1
check "... status phase=failed" grep -q '^phase=failed$' "$F/run/aggregate.status"
check "... last_error names the file and the cause" \
    grep -q "^last_error=.*no-such-catalog.csv.*No such file or directory" "$F/run/aggregate.status"
check "... no pid file left" test ! -e "$F/run/aggregate.pid"
"$REPORT" --state "$F" --out "$F/out" --keys "$TMP/no-keys" --in "tcp://127.0.0.1:$PORT" \
    --in-ack "tcp://127.0.0.1:$((PORT + 1))" 2>>"$TMP/failing.log"
rc=$?
check "kpm-report with a missing key directory: exit 1, phase=failed naming the key file" \
    bash -c "[ $rc = 1 ] && grep -q '^phase=failed$' '$F/run/report.status' &&
             grep -q '^last_error=.*no-keys/report.key' '$F/run/report.status'"
chmod 0755 "$F/sock" 2>/dev/null || mkdir -m 0755 "$F/sock"
chmod 0755 "$F/sock"
"$AGGREGATE" --state "$F" 2>>"$TMP/failing.log"
rc=$?
check "STATE/sock open to others: the stage refuses it (exit 1, phase=failed, the mode named)" \
    bash -c "[ $rc = 1 ] && grep -q '^last_error=.*sock.*open to group or others (mode 0755)' '$F/run/aggregate.status'"
check "... and left its mode alone" test "$(stat -c %a "$F/sock")" = 755
rm -rf "$F/sock"
"$AGGREGATE" --state "$F" 2>>"$TMP/failing.log" &
PIDS+=($!)
pid=$!
check "STATE/sock made by the stage: mode 0700" bash -c "
    for i in \$(seq 1 300); do [ -S '$F/sock/aggregate.in' ] && break; sleep 0.01; done
    [ \"\$(stat -c %a '$F/sock')\" = 700 ]"
kill -TERM $pid
wait $pid 2>/dev/null

e2e_finish
