#!/usr/bin/env bash
# scopecap over USB-TMC without hardware: there is no USB device (and usually no
# /dev/bus/usb) here, so what can be checked through the real CLI is that a missing
# device or device node fails at once with a message that says what to check, and exit
# code 3 (unreachable); and, through the fake libusb (tests/fake_usb), which instrument
# is taken when none is named. The message layer itself is tested against an in-process
# fake device in tests/unit/test_usbtmc.c.
. "$(dirname "$0")/lib.sh"

expect_exit "no such USB device" 3 "no USB-TMC device 1ab1:04ce with serial \"X\" is connected; check the cable, .lsusb., and permissions \(udev rule" \
    "$SCOPECAP" scpi -t 5 'USB0::0x1AB1::0x04CE::X::INSTR' '*IDN?'
grep -q "USB-TMC USB 1ab1:04ce X" "$T/err" && pass "the message names the link" || fail "link label" "$(cat "$T/err")"
[ ! -s "$T/out" ] && pass "nothing on stdout" || fail "stdout" "$(cat "$T/out")"

expect_exit "::INST suffix, no serial" 3 "no USB-TMC device 0957:1796 is connected" \
    "$SCOPECAP" scpi -t 5 'USB0::0x0957::0x1796::INST' '*IDN?'
expect_exit "usbtmc://vid:pid" 3 "no USB-TMC device f4ec:ee38" \
    "$SCOPECAP" scpi -t 5 'usbtmc://0xf4ec:0xee38' '*IDN?'
expect_exit "-p usbtmc with a VISA USB string" 3 "no USB-TMC device" \
    "$SCOPECAP" scpi -p usbtmc -t 5 'USB0::0x1AB1::0x04CE::INSTR' '*IDN?'

# the kernel driver path
expect_exit "no /dev/usbtmcN node" 3 "no such device node; is the instrument connected and the usbtmc kernel module loaded" \
    "$SCOPECAP" scpi -t 5 'usbtmc:///dev/usbtmc-scopecap-test-none' '*IDN?'
expect_exit "a node that is not USB-TMC" 2 "not a USB-TMC device node" \
    "$SCOPECAP" scpi -t 5 'usbtmc:///dev/null' '*IDN?'

# no output file is left behind by a failed capture
expect_exit "shot without a device" 3 "no USB-TMC device" \
    "$SCOPECAP" shot -t 5 -o "$T/none.png" 'USB0::0x1AB1::0x04CE::X::INSTR'
[ ! -e "$T/none.png" ] && pass "no output file" || fail "output file exists"

# ---- no instrument named: the first USB-TMC instrument, through the fake libusb ----
# (tests/fake_usb: simulated instruments on a fake bus under the real libusb backend)
. "$HERE/fake_usb.sh"
fake_usb_setup
frc=$?
if [ $frc -ne 0 ] && grep -q __asan_init "$SCOPECAP" 2>/dev/null && [ $frc -eq 1 ]; then
    echo "# skip: USB through the fake libusb under this sanitizer build: $FAKE_USB_SKIP"
elif [ $frc -ne 0 ]; then
    fail "the fake libusb preloads into scopecap" "$FAKE_USB_SKIP"
else
    IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"
    # a closed device first (skipped), then the Rigol, then a Keysight
    BUS="tek-mso56:access=denied;rigol-ds1054z;keysight-dsox2024a"
    for r in usbtmc:// USB0::INSTR USB::INST; do
        usb_run SCOPECAP_FAKE_USB="$BUS" "$SCOPECAP" scpi -v -t 5 "$r" '*IDN?' >"$T/out" 2>"$T/err"
        rc=$?
        if [ $rc -eq 0 ] && [ "$(cat "$T/out")" = "$IDN" ] &&
            grep -q 'USB-TMC USB 1ab1:04ce DS1ZA000000001: the first USB-TMC instrument found ("RIGOL TECHNOLOGIES" "DS1054Z")' "$T/err" &&
            grep -q '2 other USB-TMC instruments are connected as well: 0699:[0-9a-f]* (bus 001 device [0-9]*), 0957:179a (bus 001 device [0-9]*); name the one you want' "$T/err"; then
            pass "$r: the first USB-TMC instrument, -v names the others"
        else
            fail "$r with three devices on the bus" "exit $rc: $(cat "$T/out" "$T/err")"
        fi
    done
    usb_run SCOPECAP_FAKE_USB="rigol-ds1054z" "$SCOPECAP" scpi -v -t 5 usbtmc:// '*IDN?' >"$T/out" 2>"$T/err"
    [ $? -eq 0 ] && ! grep -q 'other USB-TMC' "$T/err" && pass "usbtmc:// with one device: no others mentioned" ||
        fail "usbtmc:// with one device" "$(cat "$T/err")"
    usb_run SCOPECAP_FAKE_USB="$BUS" "$SCOPECAP" shot -q -t 10 -o "$T/first.png" usbtmc://
    $PY "$HERE/imgcheck.py" info "$T/first.png" 2>/dev/null | grep -q "PNG 800x480" &&
        pass "shot usbtmc:// captures the first instrument" || fail "shot usbtmc://"
    # the ids without a serial leave a choice as well
    usb_run SCOPECAP_FAKE_USB="rigol-ds1054z;rigol-ds1054z:serial=DS1ZB0000002" "$SCOPECAP" scpi -v -t 5 \
        USB0::0x1AB1::0x04CE::INSTR '*IDN?' >"$T/out" 2>"$T/err"
    [ $? -eq 0 ] && grep -q '1 other USB-TMC instrument is connected as well: 1ab1:04ce' "$T/err" &&
        pass "two of the same model, no serial: the other is named" || fail "two Rigols" "$(cat "$T/err")"
    usb_run SCOPECAP_FAKE_USB="rigol-ds1054z;rigol-ds1054z:serial=DS1ZB0000002" "$SCOPECAP" scpi -v -t 5 \
        USB0::0x1AB1::0x04CE::DS1ZB0000002::INSTR '*IDN?' >"$T/out" 2>"$T/err"
    [ $? -eq 0 ] && ! grep -q 'other USB-TMC' "$T/err" && pass "a serial picks one: no others mentioned" ||
        fail "a serial picks one" "$(cat "$T/err")"
    expect_exit "usbtmc:// on an empty bus" 3 "USB-TMC USB \(the first USB-TMC instrument\): no USB-TMC device \(any vendor\) is connected" \
        usb_run SCOPECAP_FAKE_USB="" "$SCOPECAP" scpi -t 5 usbtmc:// '*IDN?'
fi
finish
