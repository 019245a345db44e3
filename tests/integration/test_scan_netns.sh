#!/usr/bin/env bash
# scopecap scan on a real-looking /24, inside network namespaces this test creates (and
# deletes, also on failure): nothing is sent on the host's own interfaces.
#
#   ns scan   bridge br0 10.213.0.1/24: runs scopecap (its default target list is br0's
#             subnet: checked with --dry-run first)
#   ns inst   10.213.0.10-13: four scopesim instruments
#   ns sink   10.213.0.100-149: answer ARP, but every reply to the scanner goes to a
#             blackhole route: silently dropped connects
#   ns bc1    10.213.0.200: scopesim on 0.0.0.0 (answers VXI-11 broadcast) + an mDNS responder
#   ns bc2    10.213.0.201: scopesim on 0.0.0.0 (answers VXI-11 broadcast)
#   the other addresses are unassigned: ARP never answers.
# Skips (exit 77) where network namespaces cannot be created.
. "$(dirname "$0")/lib.sh"

probe_ns="sc6probe$$"
if ! ip netns add "$probe_ns" 2>/dev/null; then
    echo "SKIP: cannot create network namespaces here ('ip netns add' needs root and CAP_SYS_ADMIN)"
    exit 77
fi
ip netns del "$probe_ns"

P="sc6-$$"
SCAN=$P-scan INST=$P-inst SINK=$P-sink BC1=$P-bc1 BC2=$P-bc2
NSS=()
delete_namespaces() {
    for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
}
trap 'cleanup; delete_namespaces' EXIT

mkns() {
    ip netns add "$1" && NSS+=("$1") && ip -n "$1" link set lo up
}
# attach NS PORT: a veth from the scanner's bridge to eth0 in NS
attach() {
    ip -n "$SCAN" link add "$2" type veth peer name eth0 netns "$1" &&
        ip -n "$SCAN" link set "$2" master br0 up && ip -n "$1" link set eth0 up
}
setup() {
    mkns "$SCAN" && mkns "$INST" && mkns "$SINK" && mkns "$BC1" && mkns "$BC2" || return 1
    ip -n "$SCAN" link add br0 type bridge && ip -n "$SCAN" addr add 10.213.0.1/24 dev br0 &&
        ip -n "$SCAN" link set br0 up || return 1
    attach "$INST" p0 && attach "$SINK" p1 && attach "$BC1" p2 && attach "$BC2" p3 || return 1
    for i in 10 11 12 13; do ip -n "$INST" addr add 10.213.0.$i/24 dev eth0 || return 1; done
    for i in $(seq 100 149); do ip -n "$SINK" addr add 10.213.0.$i/24 dev eth0 || return 1; done
    ip -n "$SINK" rule add to 10.213.0.1 table 100 prio 100 && ip -n "$SINK" route add blackhole default table 100 || return 1
    ip -n "$BC1" addr add 10.213.0.200/24 dev eth0 && ip -n "$BC2" addr add 10.213.0.201/24 dev eth0
}
setup || { fail "namespace setup"; finish; exit 1; }
pass "namespaces, bridge and addresses set up"

# start_sim_ns NS ADDR [scopesim options...]
start_sim_ns() {
    local ns=$1 addr=$2
    shift 2
    local log="$T/sim-$ns-$addr-${#SIM_PIDS[@]}.log"
    ip netns exec "$ns" "$SCOPESIM" --listen "$addr" "$@" >"$log" 2>&1 &
    SIM_PIDS+=($!)
    for _ in $(seq 1 100); do
        grep -q '^ready' "$log" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "scopesim in $ns on $addr did not start:" >&2
    cat "$log" >&2
    return 1
}
start_sim_ns "$INST" 10.213.0.10 --model rigol-ds1054z || exit 1
start_sim_ns "$INST" 10.213.0.11 --model lecroy-waverunner9254m --protocols vicp,vxi11 || exit 1
start_sim_ns "$INST" 10.213.0.12 --model keysight-dsox2024a --protocols hislip,raw || exit 1
start_sim_ns "$INST" 10.213.0.13 --model rs-rtb2004 --protocols raw,lxi || exit 1
start_sim_ns "$BC1" 0.0.0.0 --model tek-mso2024b --protocols vxi11,raw,lxi --raw-ports 5025,5026 || exit 1
start_sim_ns "$BC2" 0.0.0.0 --model gwinstek-gds2204e --protocols vxi11 || exit 1
ip netns exec "$BC1" "$PY" "$HERE/mdns_responder.py" 10.213.0.200 "MSO2024B sim" mso2024b-sim \
    _lxi._tcp:80 _scpi-raw._tcp:5026 >"$T/sim-mdns.log" 2>&1 &
SIM_PIDS+=($!)
for _ in $(seq 1 100); do grep -q '^ready' "$T/sim-mdns.log" && break; sleep 0.05; done

scan() { ip netns exec "$SCAN" "$SCOPECAP" scan --no-usb "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
hosts_of() { tail -n +2 "$1" | cut -d, -f1 | sort -t. -k4 -n -u | tr '\n' ' '; }

# ---- the default target list inside the namespace: br0's real /24, nothing else ----
out=$(scan --dry-run 2>&1)
[ "$(echo "$out" | grep -c hosts)" -eq 2 ] &&
    echo "$out" | grep -Eq '^10\.213\.0\.1-10\.213\.0\.254 +254 hosts +\(br0 10\.213\.0\.1/24\)$' &&
    echo "$out" | grep -q '^total: 254 hosts$' && pass "default targets: br0 10.213.0.0/24 only" ||
    fail "default target list" "$out"

# ---- the whole /24: 6 instruments, 50 dropped, ~190 unanswered, one connect timeout ----
start=$(date +%s%N)
scan --timeout 0.5 --idn-timeout 1 --format csv -o "$T/all.csv" -vv 2>"$T/all.err"
rc=$?
ms=$(ms_since "$start")
[ $rc -eq 0 ] && pass "scan of the /24 exits 0" || fail "scan rc $rc" "$(tail -5 "$T/all.err")"
hosts=$(hosts_of "$T/all.csv")
[ "$hosts" = "10.213.0.10 10.213.0.11 10.213.0.12 10.213.0.13 10.213.0.200 10.213.0.201 " ] &&
    pass "exactly the six instruments" || fail "hosts found" "$hosts"
# bound: one connect timeout for the silent ones, plus the instruments' answers
[ "$ms" -lt 1500 ] && pass "the /24 took $ms ms (< 1.5 s with a 0.5 s connect timeout)" || fail "the /24 took $ms ms"
grep -q '^10\.213\.0\.120:5025 raw: no answer: no answer to the TCP connect within 500 ms' "$T/all.err" &&
    pass "a dropped address is 'no answer'" || fail "dropped address" "$(grep '10.213.0.120:' "$T/all.err")"
grep -q '^10\.213\.0\.77:1861 vicp: no answer' "$T/all.err" && pass "an unassigned address is 'no answer'" ||
    fail "unassigned address" "$(grep '10.213.0.77:' "$T/all.err")"
grep -q '^10.213.0.11,LECROY,WAVERUNNER9254M,.*,vicp,1861,VICP::10.213.0.11::INSTR,tcp$' "$T/all.csv" &&
    grep -q '^10.213.0.12,AGILENT TECHNOLOGIES,DSO-X 2024A,.*,hislip,4880,TCPIP0::10.213.0.12::hislip0::INSTR,tcp$' "$T/all.csv" &&
    grep -q '^10.213.0.201,GW,GDS-2204E,.*,vxi11,111,TCPIP0::10.213.0.201::inst0::INSTR,tcp$' "$T/all.csv" &&
    pass "makes, models and protocols" || fail "rows" "$(cat "$T/all.csv")"

# ---- bounded concurrency: 64 hosts at a time makes four connect timeouts ----
start=$(date +%s%N)
scan --timeout 0.5 --idn-timeout 1 --concurrency 64 --ports 5025 -q >/dev/null
ms=$(ms_since "$start")
[ "$ms" -ge 1400 ] && [ "$ms" -lt 3500 ] && pass "--concurrency 64: $ms ms (four waves of 0.5 s)" ||
    fail "--concurrency 64 took $ms ms"

# ---- VXI-11 broadcast finds hosts that are not among the targets ----
start=$(date +%s%N)
scan --broadcast --format csv -o "$T/bc.csv" 10.213.0.2 2>"$T/bc.err"
rc=$?
ms=$(ms_since "$start")
hosts=$(hosts_of "$T/bc.csv")
[ $rc -eq 0 ] && [ "$hosts" = "10.213.0.200 10.213.0.201 " ] && pass "broadcast: the two responders ($ms ms)" ||
    fail "broadcast (rc $rc)" "$hosts $(cat "$T/bc.err")"
grep -q '^10.213.0.201,GW,GDS-2204E,.*,vxi11,111,TCPIP0::10.213.0.201::inst0::INSTR,broadcast$' "$T/bc.csv" &&
    pass "broadcast: found_by says broadcast" || fail "broadcast rows" "$(cat "$T/bc.csv")"
[ "$ms" -lt 2500 ] && pass "broadcast scan within its listen time" || fail "broadcast took $ms ms"

# ---- mDNS: the responder's services, including a port not in --ports ----
start=$(date +%s%N)
scan --mdns --format csv -o "$T/md.csv" 10.213.0.2 2>"$T/md.err"
rc=$?
ms=$(ms_since "$start")
hosts=$(hosts_of "$T/md.csv")
[ $rc -eq 0 ] && [ "$hosts" = "10.213.0.200 " ] && pass "mDNS: the one responder ($ms ms)" ||
    fail "mDNS (rc $rc)" "$hosts $(cat "$T/md.err")"
grep -q '^10.213.0.200,TEKTRONIX,MSO2024B,.*,raw,5026,TCPIP0::10.213.0.200::5026::SOCKET,mdns$' "$T/md.csv" &&
    pass "mDNS: the SRV port 5026 was probed" || fail "mDNS rows" "$(cat "$T/md.csv")"
grep -q 'answered 10.213.0.1:' "$T/sim-mdns.log" && pass "mDNS: answered by legacy unicast" || fail "mDNS log"

# ---- doctor from inside the namespace ----
ip netns exec "$SCAN" "$SCOPECAP" doctor 10.213.0.10 >"$T/doc" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^route     from 10.213.0.1/24 on br0; same subnet: yes' "$T/doc" &&
    pass "doctor: reachable, same subnet" || fail "doctor reachable (rc $rc)" "$(cat "$T/doc")"
ip netns exec "$SCAN" "$SCOPECAP" doctor --timeout 0.5 10.213.0.120 >"$T/doc" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q '^hint      nothing answers at 10.213.0.120' "$T/doc" && grep -Eq '^ +5025 raw +no answer' "$T/doc" &&
    pass "doctor: a dropped host" || fail "doctor dropped (rc $rc)" "$(cat "$T/doc")"
finish
