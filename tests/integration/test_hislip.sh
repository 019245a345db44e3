#!/usr/bin/env bash
# HiSLIP: scopecap against scopesim on 127.0.13.x (port 4880), in both server modes
# (scopesim --hislip-mode synchronized|overlapped), with the faults, the bare-host cascade
# and Wireshark's own HiSLIP dissector judging the bytes on the wire.
# The status byte, device clear in the middle of a reply and stale-reply skipping have
# no command-line switch; tests/unit/test_hislip_link.c drives them against the same
# server code.
. "$(dirname "$0")/lib.sh"
IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"

start_sim 127.0.13.1 --protocols hislip,raw --raw-ports 5555 || exit 1
start_sim 127.0.13.2 --protocols hislip --hislip-mode overlapped --hislip-max-message 65536 || exit 1
start_sim 127.0.13.3 --protocols hislip --fault stall || exit 1
start_sim 127.0.13.4 --protocols hislip --fault close-mid-transfer || exit 1
start_sim 127.0.13.5 --protocols hislip || exit 1

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# the transfer checks, over one resource string
transfers() {
    local R=$1 what=$2
    out=$("$SCOPECAP" scpi "$R" '*IDN?' 2>&1)
    [ "$out" = "$IDN" ] && pass "$what: *IDN?" || fail "$what: *IDN?" "$out"
    cmd=":SIM:WRITE $(head -c 53 /dev/zero | tr '\0' B)" # 64 bytes
    out=$("$SCOPECAP" scpi "$R" "$cmd" ':SIM:WRITE?' 2>&1)
    [ ${#cmd} = 64 ] && [ "$out" = 53 ] && pass "$what: 64-byte command" || fail "$what: 64-byte command" "$out"
    out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 200000 /dev/zero | tr '\0' A)" |
        "$SCOPECAP" scpi -i "$R" 2>&1)
    [ "$out" = 200000 ] && pass "$what: 200 KB write" || fail "$what: 200 KB write" "$out"
    rm -f "$T/block.bin"
    local t0
    t0=$(date +%s%N)
    check "$what: 10 MB block" "$SCOPECAP" scpi "$R" --binary "$T/block.bin" ':SIM:BLOCK? 10000000'
    echo "# $what: 10 MB block in $(ms_since "$t0") ms"
    size=$(stat -c %s "$T/block.bin" 2>/dev/null)
    [ "$size" = 10000000 ] && pass "$what: block is 10000000 bytes" || fail "$what: block size" "$size"
}

for mode in synchronized:127.0.13.1 overlapped:127.0.13.2; do
    name=${mode%%:*} host=${mode#*:}
    transfers "TCPIP0::$host::hislip0::INSTR" "$name VISA"
    transfers "hislip://$host" "$name URL"
    out=$("$SCOPECAP" scpi -vv "hislip://$host" '*IDN?' 2>&1)
    echo "$out" | grep -q "$name mode" && pass "$name: client sees $name mode" || fail "$name mode" "$out"
    out=$("$SCOPECAP" scpi --clear -vv "TCPIP0::$host::hislip0::INSTR" '*IDN?' 2>&1)
    echo "$out" | grep -q "device clear done, $name mode" && echo "$out" | grep -q "^$IDN\$" &&
        pass "$name: device clear, then *IDN?" || fail "$name: device clear, then *IDN?" "$out"
done

# a screenshot over HiSLIP is pixel for pixel the one from the raw socket
check "shot over HiSLIP" "$SCOPECAP" shot -q -o "$T/hislip.png" "TCPIP0::127.0.13.1::hislip0::INSTR"
check "shot over raw" "$SCOPECAP" shot -q -f raw -o "$T/raw.bmp" 127.0.13.1:5555
$PY "$HERE/imgcheck.py" same "$T/hislip.png" "$T/raw.bmp" && pass "HiSLIP shot pixel-identical to raw" ||
    fail "HiSLIP shot pixel-identical to raw"
check "shot over overlapped HiSLIP" "$SCOPECAP" shot -q -o "$T/hislip2.png" hislip://127.0.13.2
$PY "$HERE/imgcheck.py" same "$T/hislip2.png" "$T/raw.bmp" && pass "overlapped shot pixel-identical to raw" ||
    fail "overlapped shot pixel-identical to raw"

# the options are checked, and listed in --help (the overlapped checks above show --hislip-mode works)
expect_exit "--hislip-mode checked" 2 'hislip-mode takes synchronized or overlapped, not "fast"' \
    "$SCOPESIM" --listen 127.0.51.6 --protocols hislip --hislip-mode fast
expect_exit "--hislip-max-message checked" 2 'hislip-max-message "100" is not a size from 272 to' \
    "$SCOPESIM" --listen 127.0.51.6 --protocols hislip --hislip-max-message 100
help=$("$SCOPESIM" --help)
for opt in --hislip-mode --hislip-max-message --vxi11-max-recv --vxi11-devices; do
    echo "$help" | grep -q -- "$opt" && pass "scopesim --help lists $opt" || fail "scopesim --help lacks $opt"
done

# a device name the server does not have
expect_exit "unknown sub-address" 1 "FatalError.*hislip5.*check the device name" \
    "$SCOPECAP" scpi "TCPIP0::127.0.13.1::hislip5::INSTR" '*IDN?'

# a stalled server: the deadline holds (within 10 %)
t0=$(date +%s%N)
expect_exit "stall times out" 1 "timed out" "$SCOPECAP" scpi -t 1 hislip://127.0.13.3 '*IDN?'
elapsed=$(ms_since "$t0")
echo "# stall: -t 1 gave up after $elapsed ms"
[ "$elapsed" -lt 1100 ] && pass "stall within 1.1 x the deadline ($elapsed ms)" || fail "stall took $elapsed ms"

# a server that dies halfway through the screen dump
expect_exit "dies mid-transfer" 1 "127\.0\.13\.4.*closed.*after [0-9]+ of 1152065 bytes" \
    "$SCOPECAP" shot -o "$T/dead.png" hislip://127.0.13.4
[ ! -e "$T/dead.png" ] && pass "no file after a dead transfer" || fail "no file after a dead transfer"

# the bare host: VICP and VXI-11 find nobody, HiSLIP answers
"$SCOPECAP" scpi -v 127.0.13.5 '*IDN?' >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/out")" = "$IDN" ] && grep -q "vicp on port 1861 left" "$T/err" &&
    grep -q "vxi11 on port 111 left" "$T/err" && grep -q "trying hislip on port 4880" "$T/err" &&
    ! grep -q "hislip on port 4880 left" "$T/err" && ! grep -q "trying raw" "$T/err"; then
    pass "cascade lands on HiSLIP"
else
    fail "cascade lands on HiSLIP" "rc $rc: $(cat "$T/out" "$T/err")"
fi

# Wireshark's dissector over the captured conversation
if ! command -v tshark >/dev/null || ! tshark -G protocols 2>/dev/null | grep -qi hislip; then
    echo "# tshark or its HiSLIP dissector is missing: dissector check skipped"
else
    # the 40 KB write below then needs several Data messages
    start_sim 127.0.13.6 --protocols hislip --hislip-max-message 16384 || exit 1
    tshark -i lo -B 64 -f 'host 127.0.13.6' -w "$T/hislip.pcap" >"$T/tshark.log" 2>&1 &
    TSHARK=$!
    for _ in $(seq 1 50); do grep -q "Capturing on" "$T/tshark.log" && break; sleep 0.1; done
    sleep 0.3
    if ! grep -q "Capturing on" "$T/tshark.log"; then
        kill "$TSHARK" 2>/dev/null
        wait "$TSHARK" 2>/dev/null
        echo "# tshark cannot capture here: $(cat "$T/tshark.log")"
    else
        # a 40 KB write needs several Data messages (server maximum 16 KiB); a 2.5 MB
        # block several from the server (our maximum is 1 MiB)
        long=":SIM:WRITE $(head -c 40000 /dev/zero | tr '\0' C)"
        "$SCOPECAP" scpi --clear hislip://127.0.13.6 '*IDN?' "$long" ':SIM:BLOCK? 2500000' --binary "$T/cap.bin" \
            >/dev/null 2>&1
        sleep 0.5
        kill -INT "$TSHARK"
        wait "$TSHARK" 2>/dev/null
        bad=$(tshark -r "$T/hislip.pcap" -d tcp.port==4880,hislip -Y '_ws.malformed || _ws.expert.severity >= error' 2>&1 |
            grep -v 'Running as user')
        [ -z "$bad" ] && pass "tshark: no malformed HiSLIP, no expert errors" || fail "tshark found problems" "$bad"
        types=$(tshark -r "$T/hislip.pcap" -d tcp.port==4880,hislip -Y hislip -T fields -e hislip.messagetype \
            2>/dev/null | tr ',' '\n' | while read -r t; do printf '%d ' "$t"; done)
        echo "# message types on the wire: $types"
        # Initialize, InitializeResponse, AsyncInitialize, AsyncInitializeResponse,
        # AsyncMaximumMessageSize(+Response), the device clear (AsyncDeviceClear,
        # AsyncDeviceClearAcknowledge, DeviceClearComplete, DeviceClearAcknowledge), then
        # DataEnd query and DataEnd reply
        echo "$types" | grep -Eq '^0 1 17 18 15 16 19 23 8 9 7 7 ' && pass "tshark: message types in order" ||
            fail "tshark: message types in order" "$types"
        # the write: 6 6 7; the block: 6 6 7 (Data, Data, DataEnd)
        dropped=$(grep -Eo '[1-9][0-9]* packets? dropped' "$T/tshark.log")
        if [ -n "$dropped" ]; then
            echo "# tshark: $dropped by the capture (a loaded machine): Data...DataEnd sequence not judged"
        else
            echo "$types" | grep -Eq ' 7 7 6 6 7 7 6 6 7 $' && pass "tshark: long write and block as Data...DataEnd" ||
                fail "tshark: Data...DataEnd sequences" "$types"
        fi
    fi
fi

# Debian's pyvisa-py (0.5.1) has no HiSLIP (protocols.md §2.9): no peer client to test with
if $PY -c 'import pyvisa_py.protocols.hislip' 2>/dev/null; then
    echo "# this pyvisa-py has HiSLIP: a peer test could be added"
else
    echo "# pyvisa-py $($PY -c 'import importlib.metadata as m; print(m.version("pyvisa-py"))' 2>/dev/null) has no HiSLIP: no peer client test"
fi
finish
