#!/usr/bin/env bash
# End-to-end test of an upgrade from kpm 1.2.0: the state that kpm 1.2.0 (commit
# 67366aa) left after a night on tests/e2e/monitoring/night1 is in
# tests/data/state-1.2.0 (aggregate's checkpoint of wire version 2 without
# gemeente.jaar, ingest's night state, report's last night, the pseudonym key and
# the archive; logs, metrics and run files left out). This build takes it over:
# - the next night (monitoring night2) exits 0 and gives the same tables, report
#   and feed as this build's own two nights on night1 and night2 (so nothing of
#   the first night was lost, and a re-delivered adviser row still replaces its
#   entry: the pseudonym key carried over);
# - the gemeenten figures of the old state are undated (gemeente_inwoners.jaar
#   empty), where this build's own night dates them 2021 from the file name; the
#   figures themselves are the same;
# - aggregate wrote its checkpoint again in wire version 3.
# usage: run_upgrade.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 (the command-line tool) is not installed"; exit 77; }
OLD=$ROOT/tests/data/state-1.2.0
MON=$E2E/monitoring
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-upgrade.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

deliver() { # night inbox
    find "$MON/$1" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$2/" \;
}

# The old state, with the modes kpm gives its directories (git keeps none).
cp -r "$OLD" "$TMP/state"
chmod 0770 "$TMP/state" "$TMP/state"/aggregate "$TMP/state"/ingest "$TMP/state"/report
chmod 0700 "$TMP/state/keys" && chmod 0600 "$TMP/state/keys/pseudonym.key"
chmod -R u=rwX,g=rX,o= "$TMP/state/archive"
mkdir -p "$TMP/inbox" "$TMP/ref/inbox"
deliver night2 "$TMP/inbox"
check "the first night after the upgrade exits 0 on the 1.2.0 state" \
    kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state"

deliver night1 "$TMP/ref/inbox"
check "reference: this build's first night exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"
deliver night2 "$TMP/ref/inbox"
check "reference: this build's second night exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"

same_outputs() { # the tables, the report and the feed but the gemeente dimension's years
    local f ok=0 n=0
    for f in "$TMP/ref/out"/*.csv "$TMP/ref/out"/rapport.md "$TMP/ref/out"/rapport.html \
        "$TMP/ref/out"/dashboard/*.json; do
        case ${f##*/} in gemeente.json | gemeente_inwoners.json) continue ;; esac
        n=$((n + 1))
        cmp -s "$f" "$TMP/out/${f#"$TMP/ref/out"/}" || { echo "  differs: ${f#"$TMP/ref/out"/}"; ok=1; }
    done
    [ "$n" -gt 30 ] || { echo "  only $n files compared"; ok=1; }
    return $ok
}
check "the tables, the report and the feed equal this build's own two nights" same_outputs
check "the adviser days equal the hand-computed table of night 2 (re-delivered rows replaced)" \
    same_file "$TMP/out/adviesinzet.csv" "$MON/expected/night2/adviesinzet.csv"

q() { sqlite3 "$1/kpm.sqlite" "$2"; }
check "the 1.2.0 state's gemeenten figures are undated, this build's dated 2021, the same figures" \
    test "$(q "$TMP/out" "SELECT count(*), sum(inwoners) FROM gemeente_inwoners WHERE jaar IS NULL AND bron = 'geleverd'")" = \
    "$(q "$TMP/ref/out" "SELECT count(*), sum(inwoners) FROM gemeente_inwoners WHERE jaar = 2021 AND bron = 'geleverd'")"
# night1's gemeenten_2021.csv: eight gemeenten, Wageningen without inhabitants
check "... seven of them (Wageningen's row had none), none dated" \
    test "$(q "$TMP/out" "SELECT count(*) FROM gemeente_inwoners WHERE jaar IS NULL")|$(q "$TMP/out" \
        "SELECT count(*) FROM gemeente_inwoners WHERE bron = 'geleverd' AND jaar IS NOT NULL")" = "7|0"
version_of_checkpoint() { # the wire version of the checkpoint's first message
    od -An -tu1 -j13 -N1 "$1/aggregate/checkpoint" | tr -d ' '
}
check "the old checkpoint was of wire version 2" test "$(version_of_checkpoint "$OLD")" = 2
check "aggregate wrote its checkpoint again in wire version 3" \
    test "$(version_of_checkpoint "$TMP/state")" = 3
e2e_finish
