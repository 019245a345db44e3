#!/usr/bin/env bash
# make bench (eFirmata part): samples per second that `scopecap wave` reassembles from
# scopesim's eFirmata device sending at full speed on loopback, and the client's CPU time
# per sample (its own thread's CPU, from TOC to the last datagram), for 1, 4 and 16 'B'
# channels. Each run must be loss-free: scopecap fails on any missing frame, and a run that
# lost data is reported as such, never averaged in. Median of RUNS runs. Not a test.
set -eu
BUILD=${1:-build}
RUNS=${RUNS:-7}
BYTES=${BYTES:-4000000} # per capture: 4 MB of samples whatever the channel count
cd "$(dirname "$0")/.."
ADDR=127.0.16.250
T=$(mktemp -d)
sim=
trap '[ -n "$sim" ] && kill $sim 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; true' EXIT

printf '%-9s %-10s %-12s %-14s %-14s %s\n' CHANNELS FRAMES DATAGRAMS "Msamples/s" "CPU ns/sample" "LOSS-FREE RUNS"
for ch in 1 4 16; do
    "$BUILD/sim/scopesim" --listen $ADDR --protocols raw --raw-ports 0 --efirmata --efirmata-channels $ch >"$T/sim.log" 2>&1 &
    sim=$!
    for _ in $(seq 1 100); do grep -q '^ready' "$T/sim.log" && break; sleep 0.05; done
    frames=$((BYTES / ch))
    : >"$T/runs"
    ok=0
    for _ in $(seq 1 "$RUNS"); do
        if "$BUILD/cli/scopecap" wave -v -t 20 -f bin -o - --samples $frames efirmata://$ADDR 2>"$T/err" >/dev/null; then
            ok=$((ok + 1))
            # "... in N datagrams (...), 0 missing, T s: R M samples/s, CPU C ns/sample"
            sed -n 's/.* in \([0-9]*\) datagrams .*: \([0-9.]*\) M samples\/s, CPU \([0-9.]*\) ns\/sample/\1 \2 \3/p' \
                "$T/err" | tail -1 >>"$T/runs"
        else
            echo "  $ch channels: a run failed: $(tail -1 "$T/err")" >&2
        fi
    done
    /usr/bin/python3 - "$T/runs" "$ch" "$frames" "$ok" "$RUNS" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ch, frames, ok, runs = sys.argv[2:6]
if rows:
    dg = int(rows[0][0])
    rate = statistics.median(r[1] for r in rows)
    cpu = statistics.median(r[2] for r in rows)
    print(f"{ch:<9} {frames:<10} {dg:<12} {rate:<14.1f} {cpu:<14.2f} {ok}/{runs}")
else:
    print(f"{ch:<9} {frames:<10} {'-':<12} {'-':<14} {'-':<14} 0/{runs}")
PY
    kill $sim 2>/dev/null
    wait $sim 2>/dev/null || true
    sim=
done
