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

e2e_finish() {
    echo "$((E2E_CHECKS - E2E_FAILS)) passed, $E2E_FAILS failed"
    [ "$E2E_FAILS" = 0 ]
}
