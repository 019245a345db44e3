#!/usr/bin/env bash
# make bench, part 3: scopecap scan against the threaded Python scanner it replaces
# (bench/scan_baseline.py: 64 workers, 0.5 s connect timeout, ports 5025/1861/80, raw
# *IDN?, /24 assumed), on a /24 in network namespaces this script creates and deletes:
# 4 instruments and 249 silent addresses (125 that answer ARP but drop every connect, the
# rest unassigned). Then a /16 on loopback (127.18.0.0/16) for scale. Median of RUNS.
# Aims (issue 6): the /24 within 1.5 x the connect timeout, >= 4x faster than the baseline.
set -u
BUILD=${1:-build}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
SCOPECAP=$BUILD/cli/scopecap
SCOPESIM=$BUILD/sim/scopesim
PY=/usr/bin/python3
T=$(mktemp -d)
PIDS=()
P="scb-$$"
NSS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
now() { date +%s%N; }

start_sim() { # NS ADDR options...
    local ns=$1 addr=$2 log="$T/sim-${#PIDS[@]}.log"
    shift 2
    if [ -n "$ns" ]; then ip netns exec "$ns" "$SCOPESIM" --listen "$addr" "$@" >"$log" 2>&1 &
    else "$SCOPESIM" --listen "$addr" "$@" >"$log" 2>&1 & fi
    PIDS+=($!)
    for _ in $(seq 1 100); do grep -q '^ready' "$log" && return 0; sleep 0.05; done
    echo "scopesim $addr did not start" >&2
    return 1
}

namespace_bench() {
    local SCAN=$P-scan INST=$P-inst SINK=$P-sink
    for ns in "$SCAN" "$INST" "$SINK"; do
        ip netns add "$ns" || return 1
        NSS+=("$ns")
        ip -n "$ns" link set lo up
    done
    ip -n "$SCAN" link add br0 type bridge && ip -n "$SCAN" addr add 10.213.0.1/24 dev br0 && ip -n "$SCAN" link set br0 up
    for pair in "$INST p0" "$SINK p1"; do
        set -- $pair
        ip -n "$SCAN" link add "$2" type veth peer name eth0 netns "$1"
        ip -n "$SCAN" link set "$2" master br0 up
        ip -n "$1" link set eth0 up
    done
    for i in 2 3 4 5; do ip -n "$INST" addr add 10.213.0.$i/24 dev eth0; done
    for i in $(seq 6 130); do ip -n "$SINK" addr add 10.213.0.$i/24 dev eth0; done
    ip -n "$SINK" rule add to 10.213.0.1 table 100 prio 100
    ip -n "$SINK" route add blackhole default table 100
    start_sim "$INST" 10.213.0.2 --model rigol-ds1054z || return 1
    start_sim "$INST" 10.213.0.3 --model lecroy-waverunner9254m --protocols vicp,vxi11 || return 1
    start_sim "$INST" 10.213.0.4 --model keysight-dsox2024a --protocols hislip,raw || return 1
    start_sim "$INST" 10.213.0.5 --model rs-rtb2004 --protocols raw,lxi || return 1

    local a b c fa fb fc
    : >"$T/a"; : >"$T/b"; : >"$T/c"
    for _ in $(seq 1 "$RUNS"); do # interleaved
        s=$(now); fa=$(ip netns exec "$SCAN" "$SCOPECAP" scan --no-usb --ports 5025,1861,80 --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u | wc -l)
        echo $((($(now) - s) / 1000000)) >>"$T/a"
        s=$(now); fb=$(ip netns exec "$SCAN" "$SCOPECAP" scan --no-usb --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u | wc -l)
        echo $((($(now) - s) / 1000000)) >>"$T/b"
        s=$(now); ip netns exec "$SCAN" "$PY" bench/scan_baseline.py >"$T/baseline.out"
        echo $((($(now) - s) / 1000000)) >>"$T/c"
        fc=$(grep '^10\.213\.0\.' "$T/baseline.out" | cut -d: -f1 | sort -u | wc -l)
    done
    a=$(median <"$T/a"); b=$(median <"$T/b"); c=$(median <"$T/c")
    echo "scan bench: /24 in a namespace, 4 instruments + 249 silent addresses, connect timeout 0.5 s, median of $RUNS"
    printf '  %-52s %8s ms   found %s of 4\n' "scopecap scan --ports 5025,1861,80" "$a" "$fa"
    printf '  %-52s %8s ms   found %s of 4\n' "scopecap scan (default: 111,1861,4880,5025,5555,80)" "$b" "$fb"
    printf '  %-52s %8s ms   found %s of 4 (raw *IDN? only)\n' "baseline: Python, 64 threads, 5025/1861/80" "$c" "$fc"
    awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {
        printf "  speed-up vs baseline: %.1fx (same ports), %.1fx (default ports); aim >= 4x: %s\n", c / a, c / b, (c / a >= 4) ? "met" : "NOT met";
        printf "  /24 within 1.5 x 0.5 s = 750 ms: %s (same ports), %s (default ports)\n", (a <= 750) ? "yes" : "no", (b <= 750) ? "yes" : "no" }'
}

loopback_bench() {
    start_sim "" 127.18.0.1 --model rigol-ds1054z || return 1
    start_sim "" 127.18.100.7 --model keysight-dsox2024a --protocols hislip,vxi11 || return 1
    start_sim "" 127.18.255.254 --model lecroy-waverunner9254m --protocols vicp || return 1
    "$SCOPECAP" scan --dry-run 127.18.0.0/16 | grep -q '^total: 65534 hosts$' || { echo "scan bench: bad /16 target list"; return 1; }
    : >"$T/l"
    local found
    for _ in $(seq 1 "$RUNS"); do
        s=$(now); found=$("$SCOPECAP" scan --no-usb --format csv 127.18.0.0/16 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u | wc -l)
        echo $((($(now) - s) / 1000000)) >>"$T/l"
    done
    local l
    l=$(median <"$T/l")
    printf '  %-52s %8s ms   found %s of 3; %s connects\n' "/16 on loopback (127.18.0.0/16), 6 ports" "$l" "$found" $((65534 * 6))
}

if ip netns add "$P-probe" 2>/dev/null; then
    ip netns del "$P-probe"
    namespace_bench || echo "scan bench: namespace part failed"
else
    echo "scan bench: cannot create network namespaces here; the /24 part is skipped"
fi
loopback_bench || echo "scan bench: loopback part failed"
