# Sourced by the integration tests that reach USB-TMC through the fake libusb
# (tests/fake_usb/: simulated instruments on a fake bus, LD_PRELOADed in front of the real
# libusb, so the unmodified scopecap binary enumerates, opens and captures them).
#
# fake_usb_setup: sets FAKE_USB_PRELOAD (what LD_PRELOAD must hold) and returns 0, or
# sets FAKE_USB_SKIP (the reason) and returns 1. Under a sanitizer whose runtime is a
# shared library (gcc's libasan), that runtime must come first in LD_PRELOAD; clang links
# it into the program, and then nothing needs to precede the fake.
#
# usb_run [VAR=value...] COMMAND...: COMMAND with the fake preloaded (env assignments
# such as SCOPECAP_FAKE_USB=... may come first).

fake_usb_setup() {
    FAKE_USB_SKIP=""
    FAKE_USB_PRELOAD=""
    if [ -z "${FAKE_LIBUSB:-}" ] || [ ! -f "$FAKE_LIBUSB" ]; then
        FAKE_USB_SKIP="the fake libusb is not built (FAKE_LIBUSB=${FAKE_LIBUSB:-unset})"
        return 1
    fi
    local runtime
    runtime=$(ldd "$SCOPECAP" 2>/dev/null | awk '/lib(asan|ubsan|clang_rt\.asan)[^ ]*\.so/ { print $3; exit }')
    FAKE_USB_PRELOAD=$FAKE_LIBUSB
    [ -n "$runtime" ] && FAKE_USB_PRELOAD="$runtime:$FAKE_LIBUSB"
    # every libusb function scopecap imports must be faked, or it would reach the real bus
    local missing
    missing=$(comm -23 <(nm -D --undefined-only "$SCOPECAP" | awk '$2 ~ /^libusb_/ { print $2 }' | sort -u) \
        <(nm -D --defined-only "$FAKE_LIBUSB" | awk '$3 ~ /^libusb_/ { print $3 }' | sort -u))
    if [ -n "$missing" ]; then
        FAKE_USB_SKIP="scopecap calls libusb functions the fake lacks: $(echo "$missing" | tr '\n' ' ')"
        return 2
    fi
    local out
    if ! out=$(LD_PRELOAD=$FAKE_USB_PRELOAD SCOPECAP_FAKE_USB=rigol-ds1054z "$SCOPECAP" scpi -t 5 \
        USB0::0x1AB1::0x04CE::DS1ZA000000001::INSTR '*IDN?' 2>&1); then
        FAKE_USB_SKIP="scopecap does not run with the fake preloaded (LD_PRELOAD=$FAKE_USB_PRELOAD): $(echo "$out" | head -c 300)"
        return 1
    fi
    return 0
}

usb_run() {
    env LD_PRELOAD="$FAKE_USB_PRELOAD" "$@"
}
