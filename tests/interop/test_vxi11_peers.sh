#!/usr/bin/env bash
# Independent VXI-11 peers against scopesim on 127.0.12.10 (portmapper on 111, as root):
#   pyvisa-py (Debian's, via /usr/bin/python3) and lxi-tools 2.4 (liblxi over glibc Sun RPC)
#   as clients; tshark's portmap and vxi11_core dissectors as judges of what scopecap and
#   scopesim put on the wire.
. "$(dirname "$0")/../integration/lib.sh"

IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"
A=127.0.12.10
R="TCPIP0::$A::inst0::INSTR"
start_sim $A --protocols vxi11 || exit 1
CORE=$(sed -n "s/^listening vxi11 $A:\([0-9]*\)\$/\1/p" "$T"/sim-$A-0.log)

# ---- pyvisa-py 0.5.1 ----
"$SCOPECAP" scpi "$R" --binary "$T/block-scopecap.bin" ':SIM:BLOCK? 1000000' >/dev/null 2>&1
out=$($PY - "$R" "$T/block-pyvisa.bin" <<'PYEOF' 2>&1
import sys, pyvisa
rm = pyvisa.ResourceManager("@py")
inst = rm.open_resource(sys.argv[1], timeout=10000)
print(inst.query("*IDN?").strip())
data = inst.query_binary_values(":SIM:BLOCK? 1000000", datatype="B", container=bytes, header_fmt="ieee",
                                expect_termination=True)
open(sys.argv[2], "wb").write(data)
print("block", len(data))
inst.write(":SIM:BLOCK? 5000")   # leave a reply unread ...
inst.clear()                     # ... VXI-11 device_clear drops it
print("after clear", inst.query("*IDN?").strip())
inst.close()
PYEOF
)
echo "$out" | grep -qx "$IDN" && pass "pyvisa-py: *IDN? over $R" || fail "pyvisa-py *IDN?" "$out"
echo "$out" | grep -qx "block 1000000" && cmp -s "$T/block-pyvisa.bin" "$T/block-scopecap.bin" &&
    pass "pyvisa-py: 1 MB block (query_binary_values) equals scopecap's" || fail "pyvisa-py 1 MB block" "$out"
echo "$out" | grep -qx "after clear $IDN" && pass "pyvisa-py: device_clear drops an unread reply" ||
    fail "pyvisa-py clear" "$out"

# pyvisa-py 0.5.1 speaks VXI-11 for every TCPIP INSTR name, hislip0 too (protocols.md §2.9):
# the simulator takes such names as a gateway does
out=$($PY - $A <<'PYEOF' 2>&1
import sys, pyvisa
rm = pyvisa.ResourceManager("@py")
for dev in ("hislip0", "gpib0,5", "inst1"):
    inst = rm.open_resource("TCPIP0::%s::%s::INSTR" % (sys.argv[1], dev), timeout=5000)
    print(dev, inst.query("*IDN?").strip())
    inst.close()
PYEOF
)
for dev in hislip0 gpib0,5 inst1; do
    echo "$out" | grep -qx "$dev $IDN" && pass "pyvisa-py: VXI-11 device name $dev" || fail "pyvisa-py device $dev" "$out"
done

# ---- lxi-tools 2.4 ----
if command -v lxi >/dev/null; then
    out=$(lxi scpi -a $A '*IDN?' 2>&1)
    [ "$out" = "$IDN" ] && pass "lxi scpi *IDN?" || fail "lxi scpi" "$out"
    # the rigol-1000z plugin asks ":display:data? on,0,png" and keeps the block's trailing "\n"
    (cd "$T" && lxi screenshot -a $A -p rigol-1000z "$T/lxi.png" >"$T/lxi.log" 2>&1)
    "$SCOPECAP" scpi "$R" --binary "$T/scopecap.png" ':DISP:DATA? on,0,png' >/dev/null 2>&1
    "$SCOPECAP" shot -f raw -o "$T/shot-raw.bmp" "$R" >/dev/null 2>&1
    size=$(stat -c %s "$T/scopecap.png" 2>/dev/null || echo 0)
    if [ "$size" -gt 0 ] && [ "$(stat -c %s "$T/lxi.png" 2>/dev/null)" = $((size + 1)) ] &&
        cmp -s -n "$size" "$T/lxi.png" "$T/scopecap.png" && [ "$(tail -c 1 "$T/lxi.png" | od -An -tx1 | tr -d ' ')" = 0a ]; then
        pass "lxi screenshot: the same PNG bytes as scopecap's read of ':DISP:DATA? on,0,png' (plus lxi's kept \\n)"
    else
        fail "lxi screenshot bytes" "$(cat "$T/lxi.log") lxi $(stat -c %s "$T/lxi.png" 2>&1) scopecap $size"
    fi
    head -c "$size" "$T/lxi.png" >"$T/lxi-trimmed.png"
    $PY "$HERE/../integration/imgcheck.py" same "$T/lxi-trimmed.png" "$T/shot-raw.bmp" &&
        pass "lxi screenshot: same pixels as 'scopecap shot -f raw' (BMP24) over VXI-11" || fail "lxi vs shot -f raw pixels"
else
    fail "lxi (lxi-tools) is not installed: scripts/deps.sh installs it"
fi

# ---- tshark: what scopecap and scopesim put on the wire ----
tshark_checks() {
    local pcap="$T/vxi11.pcap" log="$T/tshark.log"
    tshark -i lo -f "host $A" -w "$pcap" >"$log" 2>&1 &
    local ts=$!
    for _ in $(seq 1 100); do grep -q "Capturing on" "$log" && [ -e "$pcap" ] && break; sleep 0.05; done
    if ! kill -0 "$ts" 2>/dev/null || [ ! -e "$pcap" ]; then
        echo "# SKIP tshark: cannot capture on lo here: $(tr '\n' ' ' <"$log")"
        return 0
    fi
    sleep 0.5
    "$SCOPECAP" scpi "$R" '*IDN?' >/dev/null 2>&1
    "$SCOPECAP" scpi "$R" --binary "$T/b.bin" ':SIM:BLOCK? 300000' >/dev/null 2>&1
    printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 40000 /dev/zero | tr '\0' A)" | "$SCOPECAP" scpi -i "$R" >/dev/null 2>&1
    $PY - $A <<'PYEOF' >/dev/null 2>&1
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(struct.pack(">14I", 0x3E8, 0, 2, 100000, 2, 3, 0, 0, 0, 0, 0x0607AF, 1, 6, 0), (sys.argv[1], 111))
s.recv(100)
PYEOF
    sleep 0.5
    kill -INT "$ts"
    wait "$ts" 2>/dev/null
    local decode=(-d "tcp.port==$CORE,rpc")
    bad=$(tshark -r "$pcap" "${decode[@]}" -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null)
    [ -z "$bad" ] && pass "tshark: no malformed packets, no expert errors" || fail "tshark found problems" "$bad"
    calls=$(tshark -r "$pcap" "${decode[@]}" -Y 'rpc.msgtyp == 0' -T fields -e rpc.program -e rpc.procedure 2>/dev/null |
        sort -u | tr '\t\n' ': ')
    [ "$calls" = "100000:3 395183:10 395183:11 395183:12 395183:23 " ] &&
        pass "tshark: calls seen are GETPORT and create_link 10, device_write 11, device_read 12, destroy_link 23" ||
        fail "tshark procedures" "$calls"
    n=$(tshark -r "$pcap" "${decode[@]}" -Y 'vxi11_core && rpc.msgtyp == 1' 2>/dev/null | wc -l)
    [ "$n" -ge 10 ] && pass "tshark: vxi11_core dissects $n replies on core port $CORE" || fail "tshark vxi11_core replies: $n"
    udp=$(tshark -r "$pcap" -Y 'portmap && udp && rpc.msgtyp == 1' -T fields -e portmap.port 2>/dev/null)
    tcp=$(tshark -r "$pcap" -Y 'portmap && tcp && rpc.msgtyp == 1' -T fields -e portmap.port 2>/dev/null | sort -u)
    [ "$udp" = "$CORE" ] && [ "$tcp" = "$CORE" ] && pass "tshark: portmap GETPORT replies on TCP and UDP give port $CORE" ||
        fail "tshark portmap" "udp=$udp tcp=$tcp core=$CORE"
    frags=$(tshark -r "$pcap" "${decode[@]}" -Y 'rpc.fragment.count > 1' -T fields -e rpc.fragment.count 2>/dev/null | sort -u | tr '\n' ' ')
    [ -n "$frags" ] && pass "tshark: multi-fragment records reassembled (fragment counts: $frags)" ||
        fail "tshark saw no multi-fragment record"
}
if command -v tshark >/dev/null; then
    tshark_checks
else
    fail "tshark is not installed: scripts/deps.sh installs it"
fi

finish
