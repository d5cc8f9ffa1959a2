#!/usr/bin/env bash
# The Debian package: scripts/package builds dist/kpm_<version>_<arch>.deb (here
# into a temporary directory, from a Release build kept in BUILD/package so that
# the next run is incremental); its name, control fields, dependencies (every
# shared library the binaries need is covered by a Depends), maintainer scripts
# and contents are checked, and a night runs from its unpacked tree. With
# KPM_TEST_INSTALL_DEB=1 as root on Debian the package is also installed on this
# machine (apt-get install ./kpm_*.deb), checked (user, directories, modes),
# removed (the state stays) and purged. Exit 77 when dpkg-deb, dpkg-shlibdeps or
# cpack is missing.
# usage: run_package.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
for t in dpkg-deb dpkg-shlibdeps cpack; do
    command -v $t >/dev/null || { echo "SKIP: $t is missing (apt-get install dpkg-dev cmake)"; exit 77; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-package.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

VERSION=$(sed -n 's/^project(kpm VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
ARCH=$(dpkg --print-architecture)
check "the version comes from CMakeLists.txt's project()" test -n "$VERSION"
check "scripts/package builds the package" \
    bash -c "'$ROOT/scripts/package' --build-dir '$BUILD/package' --out '$TMP/dist' >'$TMP/package.out' 2>&1"
DEB=$TMP/dist/kpm_${VERSION}_$ARCH.deb
check "it is named kpm_${VERSION}_$ARCH.deb and printed" \
    bash -c "test -s '$DEB' && grep -qxF '$DEB' '$TMP/package.out'"
[ -s "$DEB" ] || { cat "$TMP/package.out"; e2e_finish; exit 1; }

dpkg-deb -I "$DEB" >"$TMP/info" 2>&1
dpkg-deb -c "$DEB" >"$TMP/contents" 2>&1
field() { sed -n "s/^ $1: //p" "$TMP/info"; }
check "Package: kpm" test "$(field Package)" = kpm
check "Version: $VERSION" test "$(field Version)" = "$VERSION"
check "Architecture: $ARCH" test "$(field Architecture)" = "$ARCH"
DEPENDS=$(field Depends)
echo "  Depends: $DEPENDS"
check "Depends names adduser (postinst)" grep -qw adduser <<<"$DEPENDS"

# Every library a packaged binary needs is provided by a package in Depends.
dpkg-deb -x "$DEB" "$TMP/root"
needed_pkgs() {
    local f lib path
    for f in "$TMP/root"/usr/libexec/kpm/* "$TMP/root"/usr/bin/*; do
        [ -f "$f" ] || continue
        for lib in $(objdump -p "$f" | sed -n 's/^ *NEEDED *//p'); do
            path=$(ldconfig -p | sed -n "s/^[[:space:]]*$lib (.*x86-64.*) => //p" | head -n 1)
            [ -n "$path" ] || path=$(ldconfig -p | sed -n "s/^[[:space:]]*$lib .* => //p" | head -n 1)
            dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1
        done
    done | sort -u
}
PKGS=$(needed_pkgs)
check "the binaries' libraries were found" test -n "$PKGS"
for p in $PKGS; do
    check "Depends covers $p (a NEEDED library)" grep -qE "(^|, )$p( |,|$)" <<<"$DEPENDS"
done
for p in libzmq5 libmsgpackc2 libcsv3 libsqlite3-0 libpq5; do
    check "Depends names $p" grep -qE "(^|, )$p( |,|$)" <<<"$DEPENDS"
done

# Contents.
for f in ./usr/libexec/kpm/kpm-ingest ./usr/libexec/kpm/kpm-aggregate ./usr/libexec/kpm/kpm-report \
    ./usr/libexec/kpm/kpm-keygen ./usr/share/kpm/config/vragenlijst-2021.csv \
    ./usr/share/kpm/config/gemeenten_2021.csv ./usr/share/kpm/config/groepen.csv \
    ./usr/share/kpm/config/vergelijkingen.csv ./usr/share/kpm/samples/inbox/koplopers_2021.csv \
    ./usr/lib/systemd/system/kpm-nightly.service ./usr/lib/systemd/system/kpm-nightly.timer \
    ./usr/share/kpm/deploy/kpm.cron ./usr/share/kpm/deploy/healthcheck; do
    check "contains $f" grep -qE " $f\$" "$TMP/contents"
done
check "files are owned by root" bash -c "! awk '{print \$2}' '$TMP/contents' | grep -v '^root/root\$'"
if [ -x "$BUILD/cli/kpm" ]; then
    check "contains ./usr/bin/kpm" grep -qE ' ./usr/bin/kpm$' "$TMP/contents"
else
    echo "note: no $BUILD/cli/kpm on this branch: /usr/bin/kpm is not checked"
fi
check "the unit runs /usr/bin/kpm" \
    grep -q '^ExecStart=/usr/bin/kpm run ' "$TMP/root/usr/lib/systemd/system/kpm-nightly.service"

# Maintainer scripts.
dpkg-deb -e "$DEB" "$TMP/control"
for s in postinst prerm postrm; do
    check "$s is there, executable, valid sh" bash -c "test -x '$TMP/control/$s' && sh -n '$TMP/control/$s'"
done
check "postinst makes the kpm system user and group" grep -q 'adduser --system --group' "$TMP/control/postinst"
check "postinst makes /var/lib/kpm 0750 kpm:kpm" grep -q 'install -d -o kpm -g kpm -m 0750 /var/lib/kpm' "$TMP/control/postinst"
check "postinst makes /srv/kpm/inbox and /srv/kpm/out" grep -q '/srv/kpm/inbox /srv/kpm/out' "$TMP/control/postinst"
check "postinst reloads systemd when it runs" grep -q 'systemctl daemon-reload' "$TMP/control/postinst"
check "prerm stops and disables the timer" grep -q 'systemctl disable --now kpm-nightly.timer' "$TMP/control/prerm"
check "postrm keeps the state on remove, deletes it on purge only" \
    bash -c "sed -n '/^remove)/,/;;/p' '$TMP/control/postrm' | grep -vq 'rm -rf' &&
             sed -n '/^purge)/,/;;/p' '$TMP/control/postrm' | grep -q 'rm -rf /var/lib/kpm'"

# A night from the unpacked tree (the packaged Release binaries, their data
# found beside them in usr/share/kpm).
D=$TMP/night
mkdir -p "$D/inbox"
cp "$ROOT"/samples/inbox/* "$D/inbox/"
check "a night with the packaged stages exits 0" bash -c "$(declare -f installed_night); installed_night '$TMP/root/usr' '$D' $([ -x "$TMP/root/usr/bin/kpm" ] && echo 1 || echo 0)"
mkdir -p "$TMP/ref/inbox" && cp "$ROOT"/samples/inbox/* "$TMP/ref/inbox/"
check "reference night from the build tree exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"
check "the packaged night's outputs equal the build tree's" outputs_equal "$TMP/ref/out" "$D/out"

# Installing it on this machine: only when asked (it adds a user, /var/lib/kpm,
# /srv/kpm and files in /usr), as root, on Debian.
if [ "${KPM_TEST_INSTALL_DEB:-0}" = 1 ]; then
    if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
        echo "note: KPM_TEST_INSTALL_DEB=1 needs root on Debian: installation not tested"
    elif dpkg-query -W -f='${Status}' kpm 2>/dev/null | grep -q "install ok installed"; then
        echo "note: a kpm package is installed already: installation not tested (it would be replaced)"
    elif getent passwd kpm >/dev/null || [ -e /var/lib/kpm ] || [ -e /srv/kpm ]; then
        echo "note: a kpm user, /var/lib/kpm or /srv/kpm exists already: installation not tested (purge would delete it)"
    else
        cp "$DEB" "$TMP/install.deb"
        check "apt-get install ./kpm_*.deb" \
            bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q '$TMP/install.deb' >'$TMP/apt.log' 2>&1 || { tail '$TMP/apt.log'; exit 1; }"
        check "the kpm system user and group exist" bash -c "getent passwd kpm >/dev/null && getent group kpm >/dev/null"
        check "/var/lib/kpm is 0750 kpm:kpm" test "$(stat -c '%a %U:%G' /var/lib/kpm)" = "750 kpm:kpm"
        check "/srv/kpm/inbox and /srv/kpm/out belong to kpm" \
            test "$(stat -c '%U' /srv/kpm/inbox /srv/kpm/out | sort -u)" = kpm
        check "the installed stage finds /usr/share/kpm" \
            bash -c "/usr/libexec/kpm/kpm-aggregate --help | grep -qF '(default /usr/share/kpm/config/vragenlijst-2021.csv)'"
        if [ -x /usr/bin/kpm ]; then
            check "/usr/bin/kpm demo runs as user kpm" \
                bash -c "cd / && runuser -u kpm -- env TMPDIR=/var/lib/kpm /usr/bin/kpm demo >'$TMP/demo.log' 2>&1"
        fi
        touch /var/lib/kpm/keep-me
        check "apt-get remove kpm" bash -c "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q kpm >>'$TMP/apt.log' 2>&1"
        check "remove keeps /var/lib/kpm and its files" test -f /var/lib/kpm/keep-me
        check "apt-get purge kpm" bash -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q kpm >>'$TMP/apt.log' 2>&1"
        check "purge removes /var/lib/kpm and the user" bash -c "test ! -e /var/lib/kpm && ! getent passwd kpm >/dev/null"
        check "purge leaves /srv/kpm (the operator's data)" test -d /srv/kpm/inbox
        rm -rf /srv/kpm # made by this test
    fi
else
    echo "note: the package was not installed on this machine (set KPM_TEST_INSTALL_DEB=1 as root for that)"
fi

e2e_finish
