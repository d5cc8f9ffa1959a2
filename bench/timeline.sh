#!/usr/bin/env bash
# timeline.sh BUILD_DIR DATA_FILE [WORK_DIR] - one kpm night (scripts/kpm run) on a
# copy of DATA_FILE with the stages' debug log lines, printed as seconds since
# the start of `kpm run`: when each phase of the night began and ended
# (docs/PERFORMANCE.md, "A night on the clock"). The log's time stamps are UTC
# with milliseconds. DATA_FILE: e.g. a gebruik file from bench/gen_gebruik.
set -u
[ $# -ge 2 ] || { sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$(cd "$1" && pwd) DATA=$2 W=${3:-$(mktemp -d "${TMPDIR:-/tmp}/kpm-timeline.XXXXXX")}
rm -rf "$W/inbox" "$W/out" "$W/state" && mkdir -p "$W/inbox" || exit 1
ln "$DATA" "$W/inbox/gebruik_2026-11-01_timeline.csv" 2>/dev/null ||
    cp "$DATA" "$W/inbox/gebruik_2026-11-01_timeline.csv" || exit 1
t0=${EPOCHREALTIME/,/.}
KPM_LOG_LEVEL=debug KPM_BUILD_DIR=$B "$ROOT/scripts/kpm" run --inbox "$W/inbox" --out "$W/out" \
    --state "$W/state" >"$W/kpm.log" 2>&1
rc=$?
t1=${EPOCHREALTIME/,/.}
cat "$W"/state/log/*.log | sort | awk -v t0="$t0" -v t1="$t1" '
    function secs(stamp,   d, t) { # 2026-11-26T07:56:32.123Z -> seconds of the day
        split(stamp, d, "T"); split(d[2], t, ":")
        return t[1] * 3600 + t[2] * 60 + substr(t[3], 1, length(t[3]) - 1)
    }
    BEGIN { day = t0 - (t0 % 86400) }
    { printf "%+7.3f %s\n", day + secs($1) - t0, substr($0, index($0, " ") + 1) }
    END { printf "%+7.3f kpm run returns\n", t1 - t0 }'
echo "kpm run exit status $rc; work files in $W"
