#!/usr/bin/env bash
# scopecap over USB-TMC without hardware: there is no USB device (and usually no
# /dev/bus/usb) here, so what can be checked through the real CLI is that a missing
# device or device node fails at once with a message that says what to check, and exit
# code 3 (unreachable). The message layer itself is tested against an in-process fake
# device in tests/unit/test_usbtmc.c.
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
finish
