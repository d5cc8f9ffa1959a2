#!/usr/bin/env bash
# deploy/healthcheck, the containers' health check: healthy after a real night
# and while idle; unhealthy when a stage failed (by its status file, or by
# `kpm status --json` when that command is there) or stopped making progress;
# and the images are pinned to a Debian point release with this check.
# usage: run_healthcheck.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-health.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
HC=$ROOT/deploy/healthcheck
# No kpm on PATH unless a test puts one there.
hc() { PATH="$TMP/nokpm:/usr/bin:/bin" KPM=kpm-absent "$HC" "$@" >"$TMP/hc.out" 2>&1; }
healthy() { hc "$@"; }
unhealthy() { ! hc "$@" && grep -q '^unhealthy: ' "$TMP/hc.out"; }

mkdir -p "$TMP/night/inbox" && cp "$ROOT"/samples/inbox/* "$TMP/night/inbox/"
check "a night on the sample inbox exits 0" kpm_night "$TMP/night/inbox" "$TMP/night/out" "$TMP/night/state"
check "after the night: healthy" healthy "$TMP/night/state" 30
check "an empty state (nothing run yet): healthy" healthy "$TMP/empty" 30

S=$TMP/s
mkdir -p "$S/run"
status() { # stage phase records_in records_out [minutes ago]
    printf 'stage=%s\npid=1\nphase=%s\nnight=N1\nrecords_in=%s\nrecords_out=%s\nupdated=then\nlast_error=%s\n' \
        "$1" "$2" "$3" "$4" "$([ "$2" = failed ] && echo 'checkpoint: I/O error')" >"$S/run/$1.status"
    touch -d "${5:-0} minutes ago" "$S/run/$1.status"
}
status ingest sending 0 1200
status aggregate receiving 1200 0
status report receiving 0 0
check "a night in progress: healthy" healthy "$S" 30
status aggregate failed 1200 0
check "a failed stage: unhealthy, with its error" \
    bash -c "$(declare -f hc unhealthy); TMP='$TMP' HC='$HC'; unhealthy '$S' 30 && grep -q 'aggregate failed: checkpoint: I/O error' '$TMP/hc.out'"
status aggregate receiving 1200 0 45
check "a stage with records and no progress for 45 of 30 minutes: unhealthy" unhealthy "$S" 30
check "... healthy with 60 minutes allowed" healthy "$S" 60
status aggregate receiving 0 0 600
check "a stage waiting for its first record for hours: healthy (idle)" healthy "$S" 30
check "minutes must be a number" bash -c "! '$HC' '$S' soon >/dev/null 2>&1"

# kpm status --json, when the operator's command is there, is asked too.
mkdir -p "$TMP/fakebin"
printf '#!/bin/sh\necho '"'"'{"stages": [{"name": "report", "phase": "failed"}]}'"'"'\n' >"$TMP/fakebin/kpm"
chmod +x "$TMP/fakebin/kpm"
check "kpm status --json reporting a failed stage: unhealthy" \
    bash -c "! PATH='$TMP/fakebin:/usr/bin:/bin' '$HC' '$TMP/night/state' 30 >/dev/null"
# The fake exits 1 when a stage failed, as kpm status does.
printf '#!/bin/sh\necho '"'"'{"stages": [{"stage": "report", "phase": "failed"}]}'"'"'\nexit 1\n' >"$TMP/fakebin/kpm"
check "kpm status --json (exit 1) reporting a failed stage: unhealthy, said by the JSON" \
    bash -c "! PATH='$TMP/fakebin:/usr/bin:/bin' '$HC' '$TMP/night/state' 30 >'$TMP/hc2.out' && grep -q 'kpm status --json' '$TMP/hc2.out'"
if [ -x "$BUILD/cli/kpm" ]; then
    check "with the real kpm status --json after a night: healthy" \
        bash -c "KPM='$BUILD/cli/kpm' '$HC' '$TMP/night/state' 30 >/dev/null"
    mkdir -p "$TMP/f/run"
    printf 'stage=aggregate\npid=1\nphase=failed\nnight=N\nrecords_in=1\nrecords_out=0\nupdated=x\nlast_error=boom\n' \
        >"$TMP/f/run/aggregate.status"
    check "with the real kpm status --json and a failed stage: unhealthy, said by the JSON" \
        bash -c "! KPM='$BUILD/cli/kpm' '$HC' '$TMP/f' 30 >'$TMP/hc3.out' && grep -q 'kpm status --json' '$TMP/hc3.out'"
fi

# The images: pinned base, this health check, and the compose files use it.
check "Dockerfile: every FROM is debian:\${DEBIAN_TAG}[-slim]" \
    bash -c "test \"\$(grep -c '^FROM ' '$ROOT/Dockerfile')\" = \"\$(grep -cE '^FROM debian:\\\$\\{DEBIAN_TAG\\}(-slim)?( |\$)' '$ROOT/Dockerfile')\""
check "Dockerfile: DEBIAN_TAG is a point release (12.N)" grep -qE '^ARG DEBIAN_TAG=12\.[0-9]+$' "$ROOT/Dockerfile"
check "Dockerfile: HEALTHCHECK runs deploy/healthcheck" \
    grep -q 'CMD \["/usr/share/kpm/deploy/healthcheck"' "$ROOT/Dockerfile"
for f in "$ROOT/docker-compose.yml" "$ROOT/deploy/docker-compose.workers-2.yml"; do
    check "$(basename "$f"): every service's health check is deploy/healthcheck" \
        test "$(grep -c 'test: \["CMD", "/usr/share/kpm/deploy/healthcheck"' "$f")" = "$(grep -c 'healthcheck:' "$f")"
done
check "deploy/compose-workers 2 writes deploy/docker-compose.workers-2.yml" \
    bash -c "'$ROOT/deploy/compose-workers' 2 | cmp -s - '$ROOT/deploy/docker-compose.workers-2.yml'"

e2e_finish
