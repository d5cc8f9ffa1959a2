#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then one night run from there with
# the source and build trees out of reach (hidden by a tmpfs in a private mount
# namespace when root; else cwd elsewhere and no KPM_* variable pointing back):
# the installed stages find their questionnaire and comparisons in
# PREFIX/share/kpm, and the outputs equal a build-tree night's. With the
# operator's command installed (PREFIX/bin/kpm) the night is `kpm run` and
# `kpm demo` runs too; without it, the installed stages are started by hand.
# Also: a `kpm run` that builds writes its logs inside the build directory.
# usage: run_install.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
P=$TMP/prefix

check "cmake --install into a fresh prefix" \
    bash -c "cmake --install '$BUILD' --prefix '$P' >'$TMP/install.log' 2>&1"
for f in libexec/kpm/kpm-ingest libexec/kpm/kpm-aggregate libexec/kpm/kpm-report \
    libexec/kpm/kpm-keygen; do
    check "installed: $f (executable)" test -x "$P/$f"
done
for f in share/kpm/config/vragenlijst-2021.csv share/kpm/config/gemeenten_2021.csv \
    share/kpm/config/groepen.csv share/kpm/config/vergelijkingen.csv \
    share/kpm/deploy/kpm.cron lib/systemd/system/kpm-nightly.service \
    lib/systemd/system/kpm-nightly.timer; do
    check "installed: $f" test -s "$P/$f"
done
check "installed: share/kpm/deploy/healthcheck (executable)" test -x "$P/share/kpm/deploy/healthcheck"
check "installed: the whole sample inbox" \
    diff -r "$ROOT/samples/inbox" "$P/share/kpm/samples/inbox"
check "the installed unit runs /usr/bin/kpm, nothing of /opt" \
    bash -c "grep -q '^ExecStart=/usr/bin/kpm run ' '$P/lib/systemd/system/kpm-nightly.service' &&
             ! grep -q /opt '$P/lib/systemd/system/kpm-nightly.service' '$P/share/kpm/deploy/kpm.cron'"

HAVE_CLI=0
[ -x "$BUILD/cli/kpm" ] && HAVE_CLI=1
if [ "$HAVE_CLI" = 1 ]; then
    check "installed: bin/kpm (executable)" test -x "$P/bin/kpm"
else
    echo "note: no $BUILD/cli/kpm on this branch: the installed stages are started by hand"
fi

# The night as it runs from the prefix (lib.sh's installed_night), written out so
# that it runs while the source tree (this script's directory too) is hidden.
{ declare -f installed_night; echo 'installed_night "$@"'; } >"$TMP/night.sh"

mkdir -p "$TMP/ref/inbox" "$TMP/inst/inbox"
cp "$ROOT"/samples/inbox/* "$TMP/ref/inbox/"
cp "$ROOT"/samples/inbox/* "$TMP/inst/inbox/"
check "reference night from the build tree exits 0" \
    kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"

HIDE=""
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
    unshare -m true 2>/dev/null; then
    HIDE="mount -t tmpfs -o size=1m kpm-hidden '$ROOT'"
    case $BUILD in "$ROOT"/*) ;; *) HIDE="$HIDE && mount -t tmpfs -o size=1m kpm-hidden '$BUILD'" ;; esac
    check "the source tree is hidden in the namespace" \
        unshare -m bash -c "$HIDE && test ! -e '$ROOT/CMakeLists.txt' && test ! -e '$BUILD/CMakeCache.txt'"
    check "a night from the prefix with the source tree hidden exits 0" \
        unshare -m bash -c "$HIDE && exec bash '$TMP/night.sh' '$P' '$TMP/inst' $HAVE_CLI"
else
    echo "note: not root (or no mount namespaces): the source tree stays visible; cwd is elsewhere"
    check "a night from the prefix exits 0" bash "$TMP/night.sh" "$P" "$TMP/inst" "$HAVE_CLI"
fi
[ -s "$TMP/inst/out/respons.csv" ] || night_done "$TMP/inst" 1 # says why (logs)
check "the installed aggregate's default data is the prefix's share/kpm" \
    grep -qF "(default $(cd "$P/share/kpm" && pwd -P)/config/vragenlijst-2021.csv)" "$TMP/inst/aggregate-help.txt"
check "outputs of the installed night equal the build tree's (comparisons included)" \
    outputs_equal "$TMP/ref/out" "$TMP/inst/out"
check "the installed night compared groups (vergelijkingen.csv from share/kpm)" \
    test "$(wc -l <"$TMP/inst/out/vergelijking.csv")" -gt 1
if [ "$HAVE_CLI" = 1 ]; then
    check "kpm demo from the prefix names the report it wrote" \
        bash -c "f=\$(sed -n 's/^ *report: *//p' '$TMP/inst/demo.log' | head -n 1); test -s \"\$f\""
fi

# A `kpm run` that must build writes nothing beside its build directory (the
# repository root stays clean): a cmake that fails at once stands in for a build.
mkdir -p "$TMP/fakebin"
printf '#!/bin/sh\necho "fake cmake: no build here" >&2\nexit 1\n' >"$TMP/fakebin/cmake"
chmod +x "$TMP/fakebin/cmake"
mkdir -p "$TMP/b/inbox"
(cd "$TMP/b" && PATH="$TMP/fakebin:$PATH" KPM_BUILD_DIR="$TMP/b/build" \
    "$ROOT/scripts/kpm" run --inbox "$TMP/b/inbox" --out "$TMP/b/out" --state "$TMP/b/state" \
    >"$TMP/b/kpm.log" 2>&1)
check "a build that fails is reported" test -s "$TMP/b/kpm.log"
check "kpm run's build logs stay inside the build directory" \
    bash -c "! ls -d '$TMP/b/build'.* >/dev/null 2>&1"

e2e_finish
