#!/usr/bin/env bash
# The library as a user gets it: installed into a scratch root, found by pkg-config, an
# example program built against the shared and the static flavour, run against scopesim.
. "$(dirname "$0")/lib.sh"
: "${BUILD_ROOT:?set BUILD_ROOT to the meson build dir}"
ROOT="$T/root"
if ! DESTDIR="$ROOT" meson install -C "$BUILD_ROOT" --no-rebuild >"$T/install.log" 2>&1; then
    fail "meson install" "$(tail -5 "$T/install.log")"
    finish
    exit 1
fi
pass "meson install into a scratch root"
pc=$(find "$ROOT" -name scopecap.pc | head -1)
[ -n "$pc" ] && pass "scopecap.pc installed" || fail "scopecap.pc installed"
for page in scopecap.1 scopesim.1 libscopecap.3; do
    find "$ROOT" -name "$page" | grep -q . && pass "man page $page" || fail "man page $page"
done
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$ROOT
# same compiler and sanitizers as the library, or a sanitized library will not link
CC=${BUILD_CC:-cc}
[ "${BUILD_SANITIZE:-none}" != none ] && CC="$CC -fsanitize=$BUILD_SANITIZE"
libdir=$(pkg-config --variable=libdir scopecap) # the sysroot is already applied
cflags=$(pkg-config --cflags scopecap)
check "example builds against the shared library" \
    $CC -std=c17 -Wall -Werror $cflags "$SOURCE_ROOT/examples/shot_png.c" -o "$T/shot_shared" $(pkg-config --libs scopecap)
# libscopecap.a itself, its dependencies shared (Debian ships no static libudev for libusb)
check "example builds against the static library" \
    $CC -std=c17 -Wall -Werror $cflags "$SOURCE_ROOT/examples/shot_png.c" -o "$T/shot_static" \
    "$libdir/libscopecap.a" $(pkg-config --print-requires-private scopecap | awk '{print $1}' | xargs pkg-config --libs) -pthread -lm
start_sim 127.0.23.1 --protocols raw || exit 1
out=$(LD_LIBRARY_PATH=$libdir "$T/shot_shared" 127.0.23.1:5555 "$T/a.png" 2>&1)
[ "$out" = "${out#RIGOL TECHNOLOGIES DS1054Z}" ] && fail "shared example captures" "$out" || pass "shared example captures"
out=$("$T/shot_static" 127.0.23.1:5555 "$T/b.png" 2>&1)
[ "$out" = "${out#RIGOL TECHNOLOGIES DS1054Z}" ] && fail "static example captures" "$out" || pass "static example captures"
cmp -s "$T/a.png" "$T/b.png" && pass "both flavours give the same file" || fail "both flavours give the same file"
finish
