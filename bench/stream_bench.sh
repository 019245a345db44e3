#!/usr/bin/env bash
# make bench, stream part: scopecap stream against scopesim (DS1054Z, --animate, raw 5555).
#
#  1. Loopback (127.0.17.200): end-to-end frames a second and scopecap's CPU milliseconds a
#     frame for the y4m sink (into ffmpeg) and the MJPEG sink (ffmpeg reading /stream).
#  2. A 100 Mbit/s link like the scope's own: two network namespaces joined by a veth pair,
#     shaped with tc tbf, created and deleted here (needs root; skipped otherwise). In the
#     same run: a bulk TCP transfer through the link gives its limit in frames a second
#     (bytes a second / 1,152,066 bytes a reply), then scopecap, then the well-known shell
#     loop (echo ':display:data?' | nc | tail -c +12 | ffmpeg, one ffmpeg per frame) on the
#     same link into the same sink (ffmpeg to null), side by side.
# Numbers, not assertions. SECONDS_EACH (default 10) sets how long each measurement runs.
set -u
BUILD=${1:-build}
EACH=${SECONDS_EACH:-10}
cd "$(dirname "$0")/.."
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
SCOPECAP=$BUILD/cli/scopecap
SCOPESIM=$BUILD/sim/scopesim
ADDR=127.0.17.200
HTTP_PORT=18190
REPLY_BYTES=1152066
T=$(mktemp -d)
PIDS=()
NS_SCOPE=scopecap-bench-scope
NS_HOST=scopecap-bench-host

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$NS_SCOPE" 2>/dev/null
    ip netns del "$NS_HOST" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# CPU seconds (user + system) a process has used so far
cpu_s() { awk '{ printf "%.3f", ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

wait_ready() { # LOG
    for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "did not start: $(cat "$1")" >&2
    return 1
}

# scopecap stream --y4m - into ffmpeg for EACH seconds: prints "fps cpu_ms"
y4m_run() { # PREFIX RESOURCE
    local prefix=$1 res=$2
    $prefix "$SCOPECAP" stream --y4m - --fps 0 "$res" 2>"$T/y4m.log" |
        ffmpeg -v error -f yuv4mpegpipe -i - -f null - 2>/dev/null &
    local pipe_pid=$!
    sleep 0.3
    local pid
    pid=$(pgrep -n -f "stream --y4m - --fps 0 $res")
    local c0 t0 c1 t1
    c0=$(cpu_s "$pid"); t0=$(now)
    sleep "$EACH"
    c1=$(cpu_s "$pid"); t1=$(now)
    kill -INT "$pid"
    wait "$pipe_pid" 2>/dev/null
    # the summary line: "N captures (... distinct) in S s, F fps; y4m K frames"
    local frames secs
    frames=$(sed -n 's/.*; y4m \([0-9]*\) frames.*/\1/p' "$T/y4m.log")
    secs=$(sed -n 's/.* in \([0-9.]*\) s,.*/\1/p' "$T/y4m.log")
    local fps
    fps=$(calc "%.2f" "$frames / $secs")
    echo "$fps $(calc "%.2f" "($c1 - $c0) * 1000 / (($t1 - $t0) * $fps)")"
}

# scopecap stream --http and one ffmpeg reading /stream for EACH seconds: "fps cpu_ms"
mjpeg_run() { # PREFIX RESOURCE LISTEN URL
    local prefix=$1 res=$2 listen=$3 url=$4
    $prefix "$SCOPECAP" stream --http "$listen" "$res" 2>"$T/mjpeg.log" &
    local pid=$!
    PIDS+=("$pid")
    wait_ready "$T/mjpeg.log" "serving http" || return 1
    sleep 0.5
    local c0 t0 c1 t1
    c0=$(cpu_s "$pid"); t0=$(now)
    local frames
    frames=$($prefix timeout -k 2 $((EACH + 10)) ffmpeg -v error -t "$EACH" -i "$url" -f framemd5 - 2>/dev/null | grep -vc '^#')
    c1=$(cpu_s "$pid"); t1=$(now)
    kill -INT "$pid"
    wait "$pid" 2>/dev/null
    local fps
    fps=$(calc "%.2f" "$frames / ($t1 - $t0)")
    echo "$fps $(calc "%.2f" "($c1 - $c0) * 1000 / (($t1 - $t0) * $fps)")"
}

# the shell loop, one ffmpeg per frame, for EACH seconds: "fps"
shell_loop_run() { # PREFIX HOST
    local prefix=$1 host=$2
    $prefix bash -c '
        end=$((SECONDS + '"$EACH"')); n=0
        while [ $SECONDS -lt $end ]; do
            echo ":display:data?" | nc -q 0 '"$host"' 5555 | tail -c +12 |
                ffmpeg -v error -i - -pix_fmt yuv420p -f null - 2>/dev/null && n=$((n + 1))
        done
        echo "$n"' >"$T/loop.out"
    calc "%.2f" "$(cat "$T/loop.out") / $EACH"
}

echo "== scopecap stream benchmark ($EACH s a measurement) =="
"$SCOPESIM" --listen $ADDR --animate --protocols raw >"$T/sim.log" 2>&1 &
PIDS+=($!)
wait_ready "$T/sim.log" '^ready' || exit 1

echo "-- loopback, DS1054Z BMP (1,152,066-byte replies) --"
read -r y_fps y_ms < <(y4m_run "" $ADDR:5555)
printf "  %-34s %8s fps  %6s ms CPU/frame\n" "y4m sink (into ffmpeg)" "$y_fps" "$y_ms"
read -r m_fps m_ms < <(mjpeg_run "" $ADDR:5555 $ADDR:$HTTP_PORT "http://$ADDR:$HTTP_PORT/stream")
printf "  %-34s %8s fps  %6s ms CPU/frame\n" "MJPEG sink (ffmpeg reads /stream)" "$m_fps" "$m_ms"
l_fps=$(shell_loop_run "" $ADDR)
printf "  %-34s %8s fps\n" "shell loop (nc | tail | ffmpeg)" "$l_fps"
printf "  scopecap y4m / shell loop: %sx\n" "$(calc "%.1f" "$y_fps / $l_fps")"

echo "-- 100 Mbit/s link: veth between two network namespaces, tc tbf --"
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS_SCOPE" 2>/dev/null; then
    echo "  skipped: needs root and network namespaces (ip netns add)"
    exit 0
fi
ip netns add "$NS_HOST"
# addresses exist only inside the two namespaces this script owns
ip link add scb-scope netns "$NS_SCOPE" type veth peer name scb-host netns "$NS_HOST"
ip -n "$NS_SCOPE" addr add 10.217.0.1/30 dev scb-scope
ip -n "$NS_HOST" addr add 10.217.0.2/30 dev scb-host
for ns in "$NS_SCOPE" "$NS_HOST"; do ip -n "$ns" link set lo up; done
ip -n "$NS_SCOPE" link set scb-scope up
ip -n "$NS_HOST" link set scb-host up
for pair in "$NS_SCOPE scb-scope" "$NS_HOST scb-host"; do
    set -- $pair
    ip netns exec "$1" tc qdisc add dev "$2" root tbf rate 100mbit burst 64kb latency 20ms
done
IN_SCOPE="ip netns exec $NS_SCOPE"
IN_HOST="ip netns exec $NS_HOST"

# the link's own limit: a bulk transfer in the scope's direction
BULK=$((60 * 1000 * 1000))
$IN_SCOPE bash -c "head -c $BULK /dev/zero | nc -N -l 10.217.0.1 9000" &
PIDS+=($!)
sleep 0.3
t0=$(now)
got=$($IN_HOST nc 10.217.0.1 9000 | wc -c)
t1=$(now)
bulk_bps=$(calc "%.0f" "$got / ($t1 - $t0)")
limit_fps=$(calc "%.2f" "$bulk_bps / $REPLY_BYTES")
printf "  bulk TCP: %s bytes in %.2f s = %.1f Mbit/s payload -> limit %s fps of %s-byte replies\n" \
    "$got" "$(calc "%.3f" "$t1 - $t0")" "$(calc "%.1f" "$bulk_bps * 8 / 1e6")" "$limit_fps" "$REPLY_BYTES"

$IN_SCOPE "$SCOPESIM" --listen 10.217.0.1 --animate --protocols raw >"$T/simns.log" 2>&1 &
PIDS+=($!)
wait_ready "$T/simns.log" '^ready' || exit 1
read -r n_fps n_ms < <(y4m_run "$IN_HOST" 10.217.0.1:5555)
printf "  %-34s %8s fps  %6s ms CPU/frame  (%s%% of the link's limit)\n" "scopecap, y4m sink" "$n_fps" "$n_ms" \
    "$(calc "%.0f" "100 * $n_fps / $limit_fps")"
read -r nm_fps nm_ms < <(mjpeg_run "$IN_HOST" 10.217.0.1:5555 10.217.0.2:$HTTP_PORT "http://10.217.0.2:$HTTP_PORT/stream")
printf "  %-34s %8s fps  %6s ms CPU/frame  (%s%% of the link's limit)\n" "scopecap, MJPEG sink" "$nm_fps" "$nm_ms" \
    "$(calc "%.0f" "100 * $nm_fps / $limit_fps")"
nl_fps=$(shell_loop_run "$IN_HOST" 10.217.0.1)
printf "  %-34s %8s fps  (%s%% of the link's limit)\n" "shell loop (nc | tail | ffmpeg)" "$nl_fps" \
    "$(calc "%.0f" "100 * $nl_fps / $limit_fps")"
printf "  scopecap y4m / shell loop: %sx\n" "$(calc "%.2f" "$n_fps / $nl_fps")"
