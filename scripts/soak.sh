#!/usr/bin/env bash
# make soak: stream from scopesim for SOAK_SECONDS (default 600) while faults come and go,
# into every sink that exists here (HTTP with clients coming and going, y4m, numbered
# files; v4l2 when /dev/video* is a v4l2loopback device we may write), then print frames
# delivered, reconnects and scopecap's memory at start and end. Memory must be flat: the
# end within 10 % + 4 MiB of the start (taken once the first frames are through).
#
# Faults are injected by restarting scopesim at random intervals: healthy for 5..15 s, then
# one random --fault for 2..8 s. Loopback only: SOAK_ADDR (default 127.0.19.240) and
# SOAK_PORT (the HTTP sink, default 18080) move it, so two soaks can run side by side.
set -u
BUILD=${1:-build}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SCOPECAP=${SCOPECAP:-$BUILD/cli/scopecap}
SCOPESIM=${SCOPESIM:-$BUILD/sim/scopesim}
ADDR=${SOAK_ADDR:-127.0.19.240}
HTTP_PORT=${SOAK_PORT:-18080}
case $ADDR in
127.*) ;;
*) echo "soak: SOAK_ADDR must be a loopback address (127.x.y.z), not $ADDR" >&2; exit 2 ;;
esac
FAULTS=(close-mid-transfer stall trickle garbage-header huge-length short-block long-block early-end
        duplicate-frames wrong-message-type reset-after=300000 stale-reply hostile-idn slow-first-reply)
for bin in "$SCOPECAP" "$SCOPESIM"; do
    [ -x "$bin" ] || { echo "soak: $bin is not built (make build)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "soak: needs curl" >&2; exit 2; }

W=$(mktemp -d /tmp/scopecap-soak.XXXXXX)
SIM_PID=
STREAM_PID=
CLIENTS_PID=
Y4M_PID=
cleanup() {
    [ -n "$CLIENTS_PID" ] && kill "$CLIENTS_PID" 2>/dev/null
    [ -n "$Y4M_PID" ] && kill "$Y4M_PID" 2>/dev/null
    [ -n "$STREAM_PID" ] && kill "$STREAM_PID" 2>/dev/null
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sim() { # start_sim [--fault NAME]
    "$SCOPESIM" --listen $ADDR --protocols raw --raw-ports 5555 --animate "$@" >"$W/sim.log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 1 100); do
        grep -q '^ready' "$W/sim.log" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "soak: scopesim did not start: $(cat "$W/sim.log")" >&2
    exit 1
}
stop_sim() {
    kill "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    SIM_PID=
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
state() { curl -s --max-time 2 "http://$ADDR:$HTTP_PORT/state"; }
field() { # field JSON NAME: the first numeric value of "NAME":
    sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1" | head -n 1
}

# y4m into a pipe whose reader only counts the bytes (10 minutes of video would fill the
# disk); recorded frames are counted and deleted as the run goes
mkfifo "$W/y4m"
wc -c <"$W/y4m" >"$W/y4m.bytes" &
Y4M_PID=$!
sinks=(--http "$ADDR:$HTTP_PORT" --y4m "$W/y4m" --record "$W/frames")
v4l2=$(ls /dev/video* 2>/dev/null | head -n 1)
if [ -n "$v4l2" ] && [ -w "$v4l2" ] && grep -qi loopback "/sys/class/video4linux/$(basename "$v4l2")/name" 2>/dev/null; then
    sinks+=(--v4l2 "$v4l2")
    echo "soak: v4l2 sink $v4l2"
else
    echo "soak: no writable v4l2loopback device: the v4l2 sink is left out"
fi

start_sim
"$SCOPECAP" stream -q -t 2 --fps 5 --capture-fps 4 "${sinks[@]}" "$ADDR:5555" >"$W/stream.out" 2>"$W/stream.err" &
STREAM_PID=$!

# HTTP clients coming and going: streams held 1..5 s, snapshots, state polls, 1..4 at once
(
    while :; do
        for _ in $(seq 1 $((RANDOM % 4 + 1))); do
            case $((RANDOM % 3)) in
            0) curl -s -o /dev/null --max-time $((RANDOM % 5 + 1)) "http://$ADDR:$HTTP_PORT/stream" & ;;
            1) curl -s -o /dev/null --max-time 3 "http://$ADDR:$HTTP_PORT/snapshot" & ;;
            2) curl -s -o /dev/null --max-time 3 "http://$ADDR:$HTTP_PORT/state" & ;;
            esac
        done
        sleep 0.$((RANDOM % 9 + 1))
        wait
    done
) &
CLIENTS_PID=$!

sleep 5
START_RSS=$(rss_kb "$STREAM_PID")
[ -n "$START_RSS" ] || { echo "soak: scopecap stream died: $(cat "$W/stream.err")" >&2; exit 1; }
echo "soak: ${SOAK_SECONDS} s on $ADDR (http port $HTTP_PORT), scopecap stream pid $STREAM_PID, memory at start $START_RSS KB"

end=$((SECONDS + SOAK_SECONDS))
injected=0
recorded=0
sweep_frames() {
    local n
    n=$(find "$W/frames" -name 'frame-*' 2>/dev/null | wc -l)
    recorded=$((recorded + n))
    find "$W/frames" -name 'frame-*' -delete 2>/dev/null
}
while [ $SECONDS -lt $end ]; do
    sleep $((RANDOM % 11 + 5))
    [ $SECONDS -ge $end ] && break
    fault=${FAULTS[$((RANDOM % ${#FAULTS[@]}))]}
    stop_sim
    start_sim --fault "$fault"
    injected=$((injected + 1))
    echo "soak: $((SECONDS))s fault $fault, memory $(rss_kb "$STREAM_PID") KB"
    sleep $((RANDOM % 7 + 2))
    stop_sim
    start_sim
    sweep_frames
    kill -0 "$STREAM_PID" 2>/dev/null || { echo "soak: scopecap stream died: $(tail -n 5 "$W/stream.err")" >&2; exit 1; }
done
sleep 5 # healthy again: let it reconnect before the last look

END_RSS=$(rss_kb "$STREAM_PID")
json=$(state)
captures=$(field "$json" captures)
distinct=$(field "$json" distinct)
reconnects=$(field "$json" reconnects)
parts=$(field "$json" parts_sent)
online=$(sed -n 's/.*"online":\([a-z]*\).*/\1/p' <<<"$json")
sweep_frames
# the y4m frames written: stop the stream, then the reader has counted every byte
kill "$STREAM_PID" 2>/dev/null
wait "$STREAM_PID" 2>/dev/null
STREAM_PID=
wait "$Y4M_PID" 2>/dev/null
Y4M_PID=
y4m_bytes=$(cat "$W/y4m.bytes" 2>/dev/null)
y4m_frames=$(( ${y4m_bytes:-0} / (800 * 480 * 3 / 2 + 6) ))
echo "soak: faults injected       $injected"
echo "soak: frames captured       ${captures:-?} (${distinct:-?} distinct), ${recorded} recorded, ${parts:-?} MJPEG parts sent, $y4m_frames y4m frames written"
echo "soak: reconnects            ${reconnects:-?}"
echo "soak: memory start/end      $START_RSS KB / ${END_RSS:-?} KB"
status=0
if [ -z "$END_RSS" ]; then
    echo "soak: FAIL: scopecap stream is gone: $(tail -n 5 "$W/stream.err")"
    status=1
elif [ "$END_RSS" -gt $((START_RSS * 11 / 10 + 4096)) ]; then
    echo "soak: FAIL: memory grew from $START_RSS KB to $END_RSS KB"
    status=1
fi
if [ "$online" != true ] || [ "${captures:-0}" -eq 0 ]; then
    echo "soak: FAIL: not streaming at the end (online: ${online:-?}): $json"
    status=1
fi
[ $status -eq 0 ] && echo "soak: PASS"
exit $status
