#!/bin/sh
# kannel.sh: fetch, verify, patch and build Kannel 1.4.5 (bearerbox and
# opensmppbox) for emgdiag.
#
#   kannel.sh fetch   OUT.tar.gz            download the orig tarball with apt
#   kannel.sh unpack  BUILD TARBALL|-  [SRCDIR]   fresh tree in BUILD/src, patched
#   kannel.sh build   BUILD                 bearerbox, install to BUILD/inst, opensmppbox
#
# Environment: TOP (the emgdiag source tree), KANNEL_SHA256, MAKE.
# The user's own tree (SRCDIR) is copied, never modified.
set -eu

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
KANNEL_SHA256=${KANNEL_SHA256:-f279606ea8317fd2c8fa6b0f591c084fdfa954612f1e7c9cb667a5f6b77387f3}
MAKE=${MAKE:-make}

die() { echo "kannel.sh: $*" >&2; exit 1; }

check_sum() {
    sum=$(sha256sum "$1" | cut -d' ' -f1)
    [ "$sum" = "$KANNEL_SHA256" ] ||
        die "$1: SHA-256 is $sum, expected $KANNEL_SHA256 (not Kannel 1.4.5's orig tarball)"
}

fetch() {
    out=$1
    command -v apt-get >/dev/null || die "apt-get not found: pass --with-kannel-tarball=FILE to configure"
    dir=$(mktemp -d)
    chmod 0777 "$dir"   # apt's _apt user downloads into it
    if ! (cd "$dir" && apt-get source --tar-only --download-only kannel=1.4.5-12 >apt.log 2>&1 ||
          apt-get source --tar-only --download-only kannel >apt.log 2>&1); then
        cat "$dir/apt.log" >&2
        rm -rf "$dir"
        die "apt-get source failed: add a deb-src line for Debian bookworm main and run apt-get update (README: Installing)"
    fi
    [ -f "$dir/kannel_1.4.5.orig.tar.gz" ] || { rm -rf "$dir"; die "apt did not deliver kannel_1.4.5.orig.tar.gz"; }
    check_sum "$dir/kannel_1.4.5.orig.tar.gz"
    mv "$dir/kannel_1.4.5.orig.tar.gz" "$out"
    rm -rf "$dir"
}

unpack() {
    build=$1 tarball=$2 srcdir=${3:-}
    mkdir -p "$build"
    build=$(cd "$build" && pwd)
    rm -rf "$build/src"
    if [ -n "$srcdir" ]; then
        [ -f "$srcdir/gw/bearerbox.c" ] || die "$srcdir: not a Kannel source tree (no gw/bearerbox.c)"
        cp -a "$srcdir" "$build/src"
        # Objects of the user's own build must not leak into ours.
        (cd "$build/src" && { [ ! -f Makefile ] || $MAKE distclean >/dev/null 2>&1 || true; })
    else
        check_sum "$tarball"
        mkdir -p "$build/src.tmp"
        tar -xzf "$tarball" -C "$build/src.tmp"
        mv "$build/src.tmp/gateway-1.4.5" "$build/src"
        rmdir "$build/src.tmp"
    fi
    while read -r p; do
        case $p in ''|'#'*) continue ;; esac
        patch -d "$build/src" -p1 --forward --batch --quiet <"$TOP/patches/kannel-1.4.5/$p" ||
            die "patch $p does not apply to $build/src"
    done <"$TOP/patches/kannel-1.4.5/series"
    cp "$TOP/include/emgdiag_hook.h" "$build/src/gwlib/emgdiag_hook.h"
    # The shipped parser is older than its grammar: no yacc needed.
    touch "$build/src/wmlscript/wsgram.c" "$build/src/wmlscript/wsgram.h"
}

build() {
    build=$(cd "$1" && pwd)
    src=$build/src inst=$build/inst
    log=$build/build.log
    : >"$log"
    echo "  KANNEL  configure (log: $log)"
    (cd "$src" && ./configure --prefix="$inst" --disable-docs --disable-ssl-thread-test \
        CFLAGS="-fcommon -g -O2" >>"$log" 2>&1) || { tail -20 "$log" >&2; die "Kannel configure failed"; }
    echo "  KANNEL  make"
    (cd "$src" && $MAKE libgw.a libgwlib.a libwap.a libwmlscript.a >>"$log" 2>&1 &&
        $MAKE >>"$log" 2>&1 && $MAKE install >>"$log" 2>&1) || { tail -20 "$log" >&2; die "Kannel build failed"; }
    echo "  KANNEL  opensmppbox"
    (cd "$src/addons/opensmppbox" && ./configure --with-kannel-dir="$inst" >>"$log" 2>&1 &&
        $MAKE >>"$log" 2>&1) || { tail -20 "$log" >&2; die "opensmppbox build failed"; }
    test -x "$src/gw/bearerbox" && test -x "$src/addons/opensmppbox/gw/opensmppbox" ||
        die "build finished without bearerbox or opensmppbox"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
fetch) fetch "$@" ;;
unpack) unpack "$@" ;;
build) build "$@" ;;
*) die "usage: kannel.sh fetch OUT | unpack BUILD TARBALL [SRCDIR] | build BUILD" ;;
esac
