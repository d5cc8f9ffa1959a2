# lib.sh - helpers for the end-to-end tests (sourced). Each test starts the
# real processes through scripts/kpm and checks what a user would see.
set -u

E2E_FAILS=0
E2E_CHECKS=0

check() { # description command...
    local what=$1
    shift
    E2E_CHECKS=$((E2E_CHECKS + 1))
    if "$@"; then
        echo "ok   $what"
    else
        echo "FAIL $what"
        E2E_FAILS=$((E2E_FAILS + 1))
    fi
}

same_file() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20; return 1; }; }

# Runs one night: kpm_night INBOX OUT STATE [kpm run options]
kpm_night() {
    local inbox=$1 out=$2 state=$3
    shift 3
    KPM_BUILD_DIR=$BUILD "$ROOT/scripts/kpm" run --inbox "$inbox" --out "$out" --state "$state" \
        --timeout 120 "$@" >"$state.kpm.log" 2>&1
}

# No file under the given paths contains any canary string.
no_canary() {
    local hits
    hits=$(grep -rlaF -e CANARY-NAAM-7f3a9 -e CANARY-TEL-0612345678 -e canary-7f3a9@example.nl "$@" 2>/dev/null)
    [ -z "$hits" ] || { echo "  canary found in: $hits"; return 1; }
}

# The night's outputs of two output directories are byte-identical (kpm.sqlite
# and run-manifest.json record when and which night: compared apart, if at all).
outputs_equal() { # dir_a dir_b
    local f ok=0
    for f in "$1"/*.csv "$1"/dashboard/*.json "$1"/rapport.md "$1"/rapport.html; do
        cmp -s "$f" "$2/${f#"$1"/}" || { echo "  differs: ${f#"$1"/}"; ok=1; }
    done
    # dashboard.json but its night and time (self-contained: tests pass this
    # function to a subshell with declare -f)
    cmp -s <(grep -v -e '^  "nacht": ' -e '^  "gemaakt_op": ' "$1/dashboard.json") \
        <(grep -v -e '^  "nacht": ' -e '^  "gemaakt_op": ' "$2/dashboard.json") ||
        { echo "  differs: dashboard.json"; ok=1; }
    return $ok
}

# dashboard.json of two output directories is the same but for its night and
# when it was made (docs/DATABASE.md).
feed_index_equal() { # dir_a dir_b
    cmp -s <(grep -v -e '^  "nacht": ' -e '^  "gemaakt_op": ' "$1/dashboard.json") \
        <(grep -v -e '^  "nacht": ' -e '^  "gemaakt_op": ' "$2/dashboard.json")
}

# The feed of an output directory holds each table: listed in dashboard.json
# (schema version 2) and written to dashboard/<tabel>.json.
feed_has_tables() { # dir table...
    local d=$1 t
    shift
    grep -q '^  "schema_version": 3,$' "$d/dashboard.json" || return 1
    for t in "$@"; do
        grep -q "^    \"$t\": {\$" "$d/dashboard.json" && [ -s "$d/dashboard/$t.json" ] ||
            { echo "  $t missing"; return 1; }
    done
}

# A fresh night directory $TMP/NAME with a copy of $TMP/inbox.
new_night_dir() { # name
    mkdir -p "$TMP/$1/inbox"
    cp "$TMP"/inbox/* "$TMP/$1/inbox/"
}

# Waits (up to 3 s) for a stage to have a pid file with a live process; prints the pid.
stage_pid() { # state stage
    local i pid
    for i in $(seq 1 300); do
        pid=$(cat "$1/run/$2.pid" 2>/dev/null)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
        sleep 0.01
    done
    return 1
}

# 0 when `kpm run` for night dir d exited 0 (rc); otherwise says why: the tail
# of its output and of each stage's log, so that a failure in CI can be read.
night_done() { # d rc
    [ "$2" = 0 ] && return 0
    local f
    echo "  kpm run exited $2; $1/kpm.log:"
    tail -n 12 "$1/kpm.log" 2>/dev/null | sed 's/^/    /'
    for f in "$1"/state/log/*.log; do
        [ -f "$f" ] || continue
        echo "  $f:"
        tail -n 8 "$f" | sed 's/^/    /'
    done
    return 1
}

# Waits for a background process: 0 when it exited 0 within the seconds given.
wait_for() { # pid seconds
    local i
    for i in $(seq 1 $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
        sleep 0.1
    done
    return 124
}

# CurveZMQ keys as three hosts would hold them: DIR/keys with every pair, and
# DIR/<stage>/keys with the stage's secret key and the others' public keys.
stage_keys() { # dir
    local s
    "$BUILD/tools/kpm-keygen" "$1/keys" ingest aggregate report >/dev/null || return 1
    for s in ingest aggregate report; do
        mkdir -p "$1/$s/keys"
        cp "$1/keys/$s.key" "$1/keys/"*.pub "$1/$s/keys/"
        rm -f "$1/$s/keys/$s.pub"
    done
}

e2e_finish() {
    echo "$((E2E_CHECKS - E2E_FAILS)) passed, $E2E_FAILS failed"
    [ "$E2E_FAILS" = 0 ]
}

# One night from an installed tree PREFIX (bin/kpm, libexec/kpm/) on DIR/inbox into
# DIR/out and DIR/state, with the environment pointing nowhere: `kpm run` and
# `kpm demo` when CLI is 1, else the stages started by hand over ipc:// as
# `kpm run` starts them. Self-contained (e2e_install runs it with the source
# tree hidden, from a copy made with declare -f).
installed_night() { # PREFIX DIR CLI
    local P=$1 D=$2 L=$1/libexec/kpm S=$2/state night r a i p rc=0
    cd "$D" || return 1
    unset KPM_DATADIR KPM_LIBEXECDIR KPM_BUILD_DIR
    "$L/kpm-aggregate" --help >"$D/aggregate-help.txt" 2>&1
    if [ "$3" = 1 ]; then
        "$P/bin/kpm" run --inbox "$D/inbox" --out "$D/out" --state "$S" --timeout 120 \
            >"$D/kpm.log" 2>&1 || return 1
        "$P/bin/kpm" demo >"$D/demo.log" 2>&1
        return
    fi
    mkdir -p "$S/log"
    night=$("$L/kpm-ingest" --state "$S" --inbox "$D/inbox" --prepare 2>>"$S/log/ingest.log") || return 1
    "$L/kpm-report" --state "$S" --out "$D/out" --night "$night" 2>>"$S/log/report.log" & r=$!
    "$L/kpm-aggregate" --state "$S" --night "$night" 2>>"$S/log/aggregate.log" & a=$!
    "$L/kpm-ingest" --state "$S" --inbox "$D/inbox" --night "$night" 2>>"$S/log/ingest.log" & i=$!
    for p in $i $a $r; do wait $p || rc=1; done
    return $rc
}
