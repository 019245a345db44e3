#!/usr/bin/env bash
# scopecap over VXI-11 against scopesim on 127.0.12.x: portmapper on 111 (TCP and UDP),
# core and abort channels on free ports. Runs as root (port 111).
. "$(dirname "$0")/lib.sh"

IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"
R="TCPIP0::127.0.12.1::inst0::INSTR"

ms_now() { echo $(($(date +%s%N) / 1000000)); }

start_sim 127.0.12.1 --protocols raw,vxi11 --raw-ports 5025 || exit 1
grep -q '^listening portmap 127.0.12.1:111$' "$T"/sim-127.0.12.1-0.log && grep -q '^listening portmap-udp 127.0.12.1:111$' "$T"/sim-127.0.12.1-0.log &&
    pass "portmapper on TCP and UDP 111" || fail "portmapper listeners" "$(cat "$T"/sim-127.0.12.1-0.log)"

# ---- the required transfers ----
out=$("$SCOPECAP" scpi "$R" '*IDN?' 2>&1)
[ "$out" = "$IDN" ] && pass "*IDN? over $R" || fail "*IDN? VISA" "$out"
out=$("$SCOPECAP" scpi vxi11://127.0.12.1/inst0 '*IDN?' ':TIM:SCAL?' 2>&1)
[ "$out" = "$IDN"$'\n'"5.000000e-04" ] && pass "*IDN? and a second query over vxi11://127.0.12.1/inst0" || fail "vxi11:// URL" "$out"

cmd64=":SIM:WRITE $(head -c 53 /dev/zero | tr '\0' B)"
[ ${#cmd64} -eq 64 ] || fail "test bug: the command is ${#cmd64} bytes"
out=$("$SCOPECAP" scpi "$R" "$cmd64" ':SIM:WRITE?' 2>&1)
[ "$out" = 53 ] && pass "64-byte command" || fail "64-byte command" "$out"

# 200 KB: 13 device_write calls of at most the 16384-byte maxRecvSize, END on the last
out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 200000 /dev/zero | tr '\0' A)" | "$SCOPECAP" scpi -i "$R" 2>&1)
[ "$out" = 200000 ] && pass "200 KB write in maxRecvSize chunks" || fail "200 KB write" "$out"

t0=$(ms_now)
check "10 MB block read" "$SCOPECAP" scpi "$R" --binary "$T/block.bin" ':SIM:BLOCK? 10000000'
t1=$(ms_now)
echo "# 10 MB block over VXI-11: $((t1 - t0)) ms"
"$SCOPECAP" scpi 127.0.12.1:5025 --binary "$T/block-raw.bin" ':SIM:BLOCK? 10000000' >/dev/null 2>&1
[ "$(stat -c %s "$T/block.bin" 2>/dev/null)" = 10000000 ] && cmp -s "$T/block.bin" "$T/block-raw.bin" &&
    pass "10 MB block: 10000000 bytes, identical to the raw-socket read" || fail "10 MB block content"

check "screenshot over VXI-11" "$SCOPECAP" shot -o "$T/shot.png" "$R"
$PY "$HERE/imgcheck.py" info "$T/shot.png" 2>/dev/null | grep -q "PNG 800x480" && pass "screenshot decodes" || fail "screenshot decodes"

# ---- device clear ----
out=$("$SCOPECAP" scpi --clear "$R" '*IDN?' 2>&1)
[ "$out" = "$IDN" ] && pass "scpi --clear (device_clear), then a query" || fail "scpi --clear" "$out"
# what it is for, through the library: a reply left unread is gone after the clear
LIBDIR=$(cd "$(dirname "$SCOPECAP")/../lib" && pwd)
cat >"$T/clear.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "scopecap/session.h"
/* Leave a 100 kB reply unread, optionally clear, then ask *IDN?: print what came back. */
int main(int argc, char **argv)
{
    sc_resource res;
    sc_error err;
    sc_session *s;
    char text[512];
    sc_deadline d = sc_deadline_in_ms(5000);
    if (sc_resource_parse(argv[1], &res, &err) || sc_session_open(&res, d, &s, &err) ||
        sc_session_write(s, ":SIM:BLOCK? 100000", d, &err) ||
        (argc > 2 && sc_link_clear(sc_session_link(s), d, &err)) ||
        sc_session_query_text(s, "*IDN?", text, sizeof text, d, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("%s\n", text);
    sc_session_close(s);
    return 0;
}
EOF
build_helper() { "$@" -std=c17 -I"$SOURCE_ROOT/include" "$T/clear.c" -L"$LIBDIR" -lscopecap -Wl,-rpath,"$LIBDIR" -o "$T/clear"; }
# a sanitizer build's library needs the sanitizer runtimes linked in too
if build_helper cc 2>"$T/cc.err" || build_helper clang -fsanitize=address,undefined 2>>"$T/cc.err"; then
    out=$("$T/clear" "$R" clear 2>&1)
    [ "$out" = "$IDN" ] && pass "device clear drops the unread reply" || fail "device clear" "$out"
    out=$("$T/clear" "$R" 2>&1)
    [ "$out" != "$IDN" ] && pass "without device clear the stale reply comes first (the check above can fail)" ||
        fail "stale reply control" "$out"
else
    fail "device clear helper did not compile" "$(cat "$T/cc.err")"
fi

# ---- portmapper on another port; a small maxRecvSize ----
start_sim 127.0.12.5 --protocols vxi11 --portmap-port 1111 || exit 1
out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 5000 /dev/zero | tr '\0' C)" |
    "$SCOPECAP" scpi -i vxi11://127.0.12.5:1111/inst0 2>&1)
[ "$out" = 5000 ] && pass "portmapper on a non-default port (vxi11://host:1111)" || fail "portmapper port 1111" "$out"
kill "${SIM_PIDS[-1]}" 2>/dev/null

start_sim 127.0.12.6 --protocols vxi11 --vxi11-max-recv 1024 || exit 1
out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 200000 /dev/zero | tr '\0' D)" |
    "$SCOPECAP" scpi -vvv -i TCPIP0::127.0.12.6::inst0::INSTR 2>"$T/small.err")
grep -q 'maxRecvSize 1024' "$T/small.err" && [ "$out" = 200000 ] &&
    pass "200 KB write with maxRecvSize 1024 (196 device_write calls)" || fail "maxRecvSize 1024" "$out $(tail -3 "$T/small.err")"

# ---- device names: gateway-style names are taken, unless the simulator is restricted ----
# (127.0.51.x: the device-name, silent-port and non-root checks added with the cascade probe)
start_sim 127.0.51.2 --protocols vxi11 || exit 1
check "gpib0,5 on a simulator that takes gateway names" "$SCOPECAP" shot -q -o "$T/gpib.png" TCPIP0::127.0.51.2::gpib0,5::INSTR
for dev in inst1 GPIB0,7; do
    out=$("$SCOPECAP" scpi "TCPIP0::127.0.51.2::$dev::INSTR" '*IDN?' 2>&1)
    [ "$out" = "$IDN" ] && pass "device $dev accepted" || fail "device $dev" "$out"
done
expect_exit "gpib address 31 refused, exit 1" 1 'create_link for device "gpib0,31" refused \(error 3, device not accessible\).*try inst0 \(TCPIP0::127\.0\.51\.2::inst0::INSTR\)' \
    "$SCOPECAP" scpi TCPIP0::127.0.51.2::gpib0,31::INSTR '*IDN?'
start_sim 127.0.51.3 --protocols vxi11 --vxi11-devices inst0 || exit 1
expect_exit "gpib0,5 refused by --vxi11-devices inst0: exit 1, not unreachable" 1 \
    'VXI-11 127\.0\.51\.3:111: create_link for device "gpib0,5" refused \(error 3, device not accessible\): the instrument does not know that device name; try inst0' \
    "$SCOPECAP" shot -o "$T/refused.png" TCPIP0::127.0.51.3::gpib0,5::INSTR
[ ! -e "$T/refused.png" ] && pass "no file after a refused device name" || fail "a file after a refused device name"
expect_exit "inst1 refused by --vxi11-devices inst0" 1 'create_link for device "inst1" refused' \
    "$SCOPECAP" scpi TCPIP0::127.0.51.3::inst1::INSTR '*IDN?'
out=$("$SCOPECAP" scpi TCPIP0::127.0.51.3::INST0::INSTR '*IDN?' 2>&1)
[ "$out" = "$IDN" ] && pass "--vxi11-devices inst0 still takes INST0" || fail "INST0 on a restricted simulator" "$out"

# ---- errors a user meets ----
expect_exit "no VXI-11 at the address" 3 'portmapper: cannot connect.*UDP port 111 did not answer either' \
    "$SCOPECAP" scpi -p vxi11 -t 2 127.0.12.99 '*IDN?'

# ---- UDP portmapper fallback: TCP 2111 refused, a UDP-only portmapper answers ----
core=$(sed -n 's/^listening vxi11 127.0.12.1:\([0-9]*\)$/\1/p' "$T"/sim-127.0.12.1-0.log)
$PY - "$core" >"$T/udp.log" 2>&1 <<'EOF' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.12.1", 2111))
s.settimeout(10)
print("ready", flush=True)
data, peer = s.recvfrom(1500)
xid, mtype, rpcvers, prog, vers, proc = struct.unpack(">6I", data[:24])
args = struct.unpack(">4I", data[40:56])
ok = (mtype, rpcvers, prog, vers, proc) == (0, 2, 100000, 2, 3) and args[:3] == (0x0607AF, 1, 6)
s.sendto(struct.pack(">7I", xid, 1, 0, 0, 0, 0, int(sys.argv[1]) if ok else 0), peer)
print("answered", ok, flush=True)
EOF
udp=$!
for _ in $(seq 1 50); do grep -q ready "$T/udp.log" && break; sleep 0.1; done
out=$("$SCOPECAP" scpi vxi11://127.0.12.1:2111/inst0 '*IDN?' 2>&1)
wait $udp
[ "$out" = "$IDN" ] && grep -q "answered True" "$T/udp.log" && pass "portmapper lookup falls back to UDP" ||
    fail "UDP portmapper fallback" "$out / $(cat "$T/udp.log")"

# ---- the cascade: a bare host that only speaks VXI-11 ----
start_sim 127.0.12.2 --protocols vxi11 || exit 1
out=$("$SCOPECAP" scpi -v 127.0.12.2 '*IDN?' 2>"$T/cascade.err")
[ "$out" = "$IDN" ] && grep -q 'trying vicp on port 1861' "$T/cascade.err" &&
    grep -q 'vicp on port 1861 left' "$T/cascade.err" && grep -q 'trying vxi11 on port 111' "$T/cascade.err" &&
    ! grep -q 'trying hislip' "$T/cascade.err" && pass "bare host: vicp left, vxi11 chosen" ||
    fail "cascade" "$out $(cat "$T/cascade.err")"

# ---- a port that accepts and never answers: real LeCroys in LXI mode keep 1861 open ----
"$PY" "$HERE/silent_listener.py" 127.0.51.1 1861 60 >"$T/silent.log" 2>&1 &
SILENT=$!
SIM_PIDS+=("$SILENT") # stopped with the simulators
for _ in $(seq 1 50); do grep -q ready "$T/silent.log" && break; sleep 0.1; done
start_sim 127.0.51.1 --protocols raw,vxi11 --raw-ports 5025 || exit 1
"$SCOPECAP" shot -v -o "$T/silent1861.png" 127.0.51.1 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$T/silent1861.png" ] && grep -q "accepted 1" "$T/silent.log" &&
    grep -q 'vicp on port 1861 left: 1861 accepts connections but VICP is silent' "$T/err" &&
    grep -q 'vxi11 on port 111 answered \*IDN?' "$T/err" && ! grep -q 'trying raw' "$T/err"; then
    pass "bare host: a silent 1861 is left for VXI-11"
else
    fail "bare host with a silent 1861" "exit $rc: $(cat "$T/err")"
fi

# ---- no root: the model's own VXI-11 is left out, with the right hint ----
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    log="$T/sim-nobody.log"
    "${NOBODY[@]}" "$SCOPESIM" --listen 127.0.51.4 >"$log" 2>&1 &
    SIM_PIDS+=($!)
    for _ in $(seq 1 100); do grep -q '^ready' "$log" && break; sleep 0.05; done
    out=$("$SCOPECAP" scpi 127.0.51.4:5555 '*IDN?' 2>&1)
    if grep -q '^ready' "$log" && [ "$out" = "$IDN" ] &&
        grep -q 'warning: cannot listen for portmap on 127.0.51.4 port 111: Permission denied (port 111 is below 1024 and needs root: use --portmap-port N or run as root); going on without VXI-11' "$log"; then
        pass "non-root, model's vxi11: warning, then raw served"
    else
        fail "non-root with the model's vxi11" "$out / $(cat "$log")"
    fi
    "${NOBODY[@]}" "$SCOPESIM" --listen 127.0.51.4 --protocols vxi11 --raw-ports 5026 >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'cannot listen for portmap on 127.0.51.4 port 111: Permission denied (.*use --portmap-port N or run as root)' "$T/err" &&
        ! grep -q -- '--listen' "$T/err" && ! grep -q '^ready' "$T/out"; then
        pass "non-root, --protocols vxi11: exit 1 with the --portmap-port hint"
    else
        fail "non-root with --protocols vxi11" "exit $rc: $(cat "$T/err" "$T/out")"
    fi
    "${NOBODY[@]}" "$SCOPESIM" --listen 127.0.51.4 --protocols vxi11 --portmap-port 1111 >"$log" 2>&1 &
    SIM_PIDS+=($!)
    for _ in $(seq 1 100); do grep -q '^ready' "$log" && break; sleep 0.05; done
    out=$("$SCOPECAP" scpi vxi11://127.0.51.4:1111/inst0 '*IDN?' 2>&1)
    [ "$out" = "$IDN" ] && pass "non-root with --portmap-port 1111 serves VXI-11" || fail "non-root --portmap-port 1111" "$out $(cat "$log")"
else
    echo "# skip: not root or no setpriv: the non-root portmapper checks need both"
fi

# ---- faults ----
start_sim 127.0.12.3 --protocols vxi11 --fault stall || exit 1
t0=$(ms_now)
expect_exit "stalled instrument times out" 1 'device_read timed out in the instrument.*error 15' \
    "$SCOPECAP" scpi -t 2 TCPIP0::127.0.12.3::inst0::INSTR '*IDN?'
el=$(($(ms_now) - t0))
echo "# stall, -t 2: $el ms"
[ "$el" -lt 2200 ] && pass "stall: gave up within 1.1 x the 2 s deadline ($el ms)" || fail "stall took $el ms (limit 2200)"

# an instrument that holds the read past io_timeout: the client cancels it on the abort channel
SCOPESIM_VXI11_HOLD_EXTRA_MS=5000 start_sim 127.0.12.4 --protocols vxi11 --fault stall || exit 1
t0=$(ms_now)
expect_exit "read past io_timeout is aborted" 1 'no reply before the deadline.*cancelled with device_abort' \
    "$SCOPECAP" scpi -t 2 TCPIP0::127.0.12.4::inst0::INSTR '*IDN?'
el=$(($(ms_now) - t0))
echo "# stall past io_timeout, -t 2: $el ms"
[ "$el" -lt 2200 ] && pass "abort: gave up within 1.1 x the 2 s deadline ($el ms)" || fail "abort took $el ms (limit 2200)"

start_sim 127.0.12.7 --protocols vxi11 --fault close-mid-transfer || exit 1
expect_exit "close mid-transfer: clear error" 1 'closed the connection.*in the middle of an RPC reply' \
    "$SCOPECAP" scpi TCPIP0::127.0.12.7::inst0::INSTR --binary "$T/cut.bin" ':SIM:BLOCK? 10000000'
[ ! -e "$T/cut.bin" ] && pass "close mid-transfer: no output file" || fail "close mid-transfer left $T/cut.bin"
expect_exit "close mid-transfer: shot fails" 1 'closed the connection' \
    "$SCOPECAP" shot -o "$T/cut.png" TCPIP0::127.0.12.7::inst0::INSTR
[ ! -e "$T/cut.png" ] && pass "close mid-transfer: no screenshot file" || fail "close mid-transfer left $T/cut.png"
out=$("$SCOPECAP" scpi TCPIP0::127.0.12.7::inst0::INSTR '*IDN?' 2>&1)
[ "$out" = "$IDN" ] && pass "the simulator serves new links after the cut" || fail "after the cut" "$out"

finish
