#!/usr/bin/env bash
# LeCroy VICP (TCP 1861): scopecap against scopesim on 127.0.11.x, through the real
# command line; scopesim's VICP server checked byte by byte with a small Python client;
# the traffic decoded by tshark's own VICP dissector.
#
# No Debian package ships an independent VICP client (pyvisa-py 0.5.1 has no VICP, and
# pyvicp is not packaged), so there is no peer-client interop test here.
. "$(dirname "$0")/lib.sh"
IMG="$PY $HERE/imgcheck.py"

start_sim 127.0.11.1 --protocols vicp,raw || exit 1
start_sim 127.0.11.2 --protocols vicp || exit 1
start_sim 127.0.11.3 --protocols vicp --fault stall || exit 1
start_sim 127.0.11.4 --protocols vicp --fault close-mid-transfer || exit 1
IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"

# ---- the three ways to name a VICP instrument ----
for r in "-p vicp 127.0.11.1" "vicp://127.0.11.1" "VICP::127.0.11.1::INSTR"; do
    # shellcheck disable=SC2086
    out=$("$SCOPECAP" scpi $r '*IDN?' 2>&1)
    [ "$out" = "$IDN" ] && pass "*IDN? via $r" || fail "*IDN? via $r" "$out"
done
R=vicp://127.0.11.1

# ---- a 64-byte command, then a 200 KB write (four 64 KiB blocks, EOI on the last) ----
cmd=":SIM:WRITE $(head -c 53 /dev/zero | tr '\0' B)"
[ ${#cmd} -eq 64 ] || fail "test setup: the command is ${#cmd} bytes, not 64"
out=$("$SCOPECAP" scpi "$R" "$cmd" ':SIM:WRITE?' 2>&1)
[ "$out" = 53 ] && pass "64-byte command" || fail "64-byte command" "$out"
out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 200000 /dev/zero | tr '\0' A)" | "$SCOPECAP" scpi -i "$R" 2>&1)
[ "$out" = 200000 ] && pass "200 KB write in several blocks" || fail "200 KB write" "$out"

# ---- 10 MB binary block read over ~160 reply blocks ----
start=$(date +%s%N)
check "10 MB block" "$SCOPECAP" scpi "$R" --binary "$T/block.bin" ':SIM:BLOCK? 10000000'
ms=$((($(date +%s%N) - start) / 1000000))
size=$(stat -c %s "$T/block.bin" 2>/dev/null)
[ "$size" = 10000000 ] && pass "10 MB block: 10000000 bytes in $ms ms" || fail "10 MB block size" "size $size"
"$SCOPECAP" scpi 127.0.11.1:5555 --binary "$T/block-raw.bin" ':SIM:BLOCK? 10000000' >/dev/null 2>&1
cmp -s "$T/block.bin" "$T/block-raw.bin" && pass "10 MB block identical to the raw-socket one" ||
    fail "10 MB block identical to the raw-socket one"

# ---- screenshot: pixel-identical to the one taken over the raw socket ----
check "shot over VICP" "$SCOPECAP" shot -q -o "$T/vicp.png" "$R"
check "shot over raw" "$SCOPECAP" shot -q -o "$T/raw.png" 127.0.11.1:5555
$IMG same "$T/vicp.png" "$T/raw.png" && pass "VICP screenshot pixel-identical to raw" ||
    fail "VICP screenshot pixel-identical to raw"

# ---- the bare-host cascade finds VICP first ----
"$SCOPECAP" shot -v -o "$T/cascade.png" 127.0.11.2 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -q "trying vicp" "$T/err" && grep -q "VICP 127.0.11.2:1861" "$T/err"; then
    pass "bare host cascades to VICP"
else
    fail "bare host cascades to VICP" "exit $rc: $(cat "$T/err")"
fi
$IMG same "$T/cascade.png" "$T/raw.png" && pass "cascade screenshot pixel-identical" ||
    fail "cascade screenshot pixel-identical"

# ---- device clear through the command line, then the link still answers ----
out=$("$SCOPECAP" scpi --clear -vv vicp://127.0.11.1 '*IDN?' 2>&1)
echo "$out" | grep -q "device clear" && echo "$out" | grep -q "^RIGOL TECHNOLOGIES,DS1054Z" &&
    pass "device clear, then *IDN?" || fail "device clear, then *IDN?" "$out"

# ---- stalled server: times out within the deadline + 10 % ----
start=$(date +%s%N)
expect_exit "stalled server times out" 1 "VICP 127.0.11.3:1861.*timed out" "$SCOPECAP" scpi -t 1 vicp://127.0.11.3 '*IDN?'
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -lt 1100 ] && pass "timeout after $ms ms (< 1100 for -t 1)" || fail "timeout took $ms ms, limit 1100"

# ---- server closing mid-reply: clear error, no output file ----
expect_exit "close mid-transfer (block)" 1 "closed the connection in the middle of a VICP block" \
    "$SCOPECAP" scpi vicp://127.0.11.4 --binary "$T/cut.bin" ':SIM:BLOCK? 10000000'
[ ! -e "$T/cut.bin" ] && pass "no file after a cut block" || fail "a file was left after a cut block"
expect_exit "close mid-transfer (shot)" 1 "VICP 127.0.11.4:1861: .*closed the connection" \
    "$SCOPECAP" shot -o "$T/cut.png" vicp://127.0.11.4
[ -z "$(ls "$T" | grep '^cut')" ] && pass "no screenshot file after a cut transfer" ||
    fail "files left after a cut transfer" "$(ls "$T")"

# ---- device clear and the v1/v1a rules of the server, byte by byte ----
out=$($PY "$HERE/vicp_peer.py" 127.0.11.1 1861 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
    while IFS= read -r line; do pass "server: $line"; done <<<"$out"
else
    fail "server byte-level checks" "$out"
fi

# ---- tshark's VICP dissector on captured traffic ----
tshark_check() {
    if ! command -v tshark >/dev/null; then
        echo "skip - tshark is not installed"
        return
    fi
    if ! tshark -G protocols 2>/dev/null | grep -qP '\tvicp$'; then
        echo "skip - this tshark has no VICP dissector"
        return
    fi
    local pcap="$T/vicp.pcap"
    tshark -i lo -f 'host 127.0.11.1 and tcp port 1861' -w "$pcap" >"$T/tshark.log" 2>&1 &
    local tpid=$!
    for _ in $(seq 1 50); do
        grep -q "Capturing on" "$T/tshark.log" 2>/dev/null && break
        sleep 0.1
    done
    if ! grep -q "Capturing on" "$T/tshark.log"; then
        kill $tpid 2>/dev/null
        wait $tpid 2>/dev/null
        echo "skip - tshark cannot capture on lo here: $(tail -n 1 "$T/tshark.log")"
        return
    fi
    sleep 0.5
    # Small messages only: this dissector (Wireshark 4.0) decodes one header at the start
    # of each TCP segment and does not reassemble, so any block longer than one segment
    # (every 64 KiB block) shows as malformed however correct it is.
    "$SCOPECAP" scpi "$R" '*IDN?' >/dev/null 2>&1
    "$SCOPECAP" scpi "$R" "$cmd" ':SIM:WRITE?' ':TIM:SCAL?' >/dev/null 2>&1
    "$SCOPECAP" scpi "$R" --binary "$T/cap.bin" ':SIM:BLOCK? 1000' >/dev/null 2>&1
    sleep 0.5
    kill -INT $tpid
    wait $tpid 2>/dev/null
    local bad
    bad=$(tshark -r "$pcap" -d tcp.port==1861,vicp -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null)
    [ -z "$bad" ] && pass "tshark: no malformed VICP packets" || fail "tshark: malformed packets" "$bad"
    tshark -r "$pcap" -d tcp.port==1861,vicp -Y vicp -T fields -E separator=' ' \
        -e tcp.dstport -e vicp.operation -e vicp.version -e vicp.sequence -e vicp.unused -e vicp.length \
        >"$T/fields" 2>/dev/null
    local want got
    # host -> device: each command one DATA|EOI block (6 = "*IDN?\n"), numbered from 1 per
    # connection; device -> host: the reply stamped with the same number
    want="to 0x81 1 1 0x00 6
from 0x81 1 1 0x00 55
to 0x81 1 1 0x00 65
to 0x81 1 2 0x00 12
from 0x81 1 2 0x00 3
to 0x81 1 3 0x00 11
from 0x81 1 3 0x00 13
to 0x81 1 1 0x00 17
from 0x81 1 1 0x00 1007"
    got=$(awk '{ $1 = ($1 == 1861 ? "to" : "from"); print }' "$T/fields")
    [ "$got" = "$want" ] && pass "tshark: operation, version, sequence, length of every block" ||
        fail "tshark: decoded headers" "$(cat "$T/fields")"
}
tshark_check

finish
