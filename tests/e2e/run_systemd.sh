#!/usr/bin/env bash
# The systemd units of deploy/ (docs/SECURITY.md, "The systemd unit"):
#  - `systemd-analyze security --offline=yes` rates every service unit at 2.0 or
#    lower (the exposure scale: 0 safe .. 10 exposed);
#  - `systemd-analyze verify` accepts every unit (with /usr/bin/kpm pointing at
#    the build's kpm);
#  - where strace works, a night on the sample inbox under strace uses only
#    system calls that the nightly unit's SystemCallFilter= lines allow, and
#    only the socket families of its RestrictAddressFamilies=: what the
#    sandbox would refuse (this machine does not run systemd to try it).
# Exit 77 when systemd-analyze is absent.
# usage: run_systemd.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is absent (Debian: apt-get install systemd)"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-systemd.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MAX=2.0
NIGHTLY=$ROOT/deploy/kpm-nightly.service

exposure_ok() { # unit file
    local out score
    out=$(systemd-analyze security --offline=yes --no-pager "$1" 2>&1)
    score=$(sed -n 's/.*Overall exposure level for .*: \([0-9][0-9.]*\) .*/\1/p' <<<"$out")
    echo "  $(basename "$1"): ${score:-no rating}"
    [ -n "$score" ] || { echo "$out" | tail -5; return 1; }
    awk -v s="$score" -v max="$MAX" 'BEGIN { exit !(s + 0 <= max + 0) }' ||
        { grep '✗' <<<"$out" | sort -t' ' -k2 | tail -12; return 1; }
}

services=("$ROOT"/deploy/*.service)
check "deploy/ holds the nightly unit and its alert unit" \
    test -f "$NIGHTLY" -a -f "$ROOT/deploy/kpm-alert@.service"
for u in "${services[@]}"; do
    check "$(basename "$u"): exposure at most $MAX" exposure_ok "$u"
done

mkdir -p "$TMP/units"
for u in "$ROOT"/deploy/*.service "$ROOT"/deploy/*.timer; do
    sed "s|/usr/bin/kpm |$BUILD/cli/kpm |g" "$u" >"$TMP/units/$(basename "$u")"
done
verify_ok() {
    (cd "$TMP/units" && systemd-analyze verify --no-pager ./*.service ./*.timer) >"$TMP/verify.log" 2>&1
    local rc=$?
    cat "$TMP/verify.log"
    [ $rc = 0 ] && ! grep -q kpm "$TMP/verify.log"
}
check "systemd-analyze verify accepts every unit of deploy/" verify_ok

# The system calls a group allows, groups expanded (systemd-analyze syscall-filter).
expand() { # @group or name
    local line
    if [[ $1 != @* ]]; then echo "$1"; return; fi
    systemd-analyze syscall-filter --no-pager "$1" | tail -n +2 | while read -r line; do
        case $line in '' | '#'*) ;; *) expand "$line" ;; esac
    done
}
# The unit's final allow list: SystemCallFilter= lines in order, the first an
# allow list, each later one adding (name) or removing (~name), plus what
# systemd always allows (systemd.exec(5)).
allowed_syscalls() {
    declare -A allow=()
    local line item neg s
    while IFS= read -r line; do
        neg=0
        line=${line#SystemCallFilter=}
        [[ $line == '~'* ]] && { neg=1; line=${line#\~}; }
        for item in $line; do
            for s in $(expand "$item"); do
                if [ $neg = 1 ]; then unset "allow[$s]"; else allow[$s]=1; fi
            done
        done
    done < <(grep '^SystemCallFilter=' "$NIGHTLY")
    for s in execve exit exit_group getrlimit rt_sigreturn sigreturn; do allow[$s]=1; done
    printf '%s\n' "${!allow[@]}" | sort
}

if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
    mkdir -p "$TMP/inbox"
    cp "$ROOT"/samples/inbox/* "$TMP/inbox/"
    # LeakSanitizer cannot run under ptrace: a sanitized build checks leaks elsewhere.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 KPM_BUILD_DIR=$BUILD \
        strace -f -qq -o "$TMP/trace" "$ROOT/scripts/kpm" run --inbox "$TMP/inbox" \
        --out "$TMP/out" --state "$TMP/state" --timeout 120 >"$TMP/night.log" 2>&1
    check "a night on the sample under strace exits 0" test $? = 0
    sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$TMP/trace" | sort -u >"$TMP/used"
    allowed_syscalls >"$TMP/allowed"
    check "the night made system calls (the comparison is not empty: $(wc -l <"$TMP/used"))" \
        test "$(wc -l <"$TMP/used")" -gt 20
    check "the unit's filter allows a list of calls ($(wc -l <"$TMP/allowed"))" \
        test "$(wc -l <"$TMP/allowed")" -gt 100
    check "every system call of the night is allowed by the unit's SystemCallFilter=" \
        bash -c "refused=\$(comm -23 '$TMP/used' '$TMP/allowed'); [ -z \"\$refused\" ] || { echo \"  refused: \$refused\"; exit 1; }"
    families=$(sed -nE 's/^[0-9]+ +socket(pair)?\((AF_[A-Z0-9]+),.*/\2/p' "$TMP/trace" | sort -u | tr '\n' ' ')
    allowed_families=$(sed -n 's/^RestrictAddressFamilies=//p' "$NIGHTLY")
    check "sockets of the night ($families) are of RestrictAddressFamilies= ($allowed_families)" \
        bash -c "[ -n '$families' ] || exit 1; for f in $families; do [[ ' $allowed_families ' == *\" \$f \"* ]] || exit 1; done"
else
    echo "note: strace is absent or cannot trace here: the system calls were not compared"
fi

e2e_finish
