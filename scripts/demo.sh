#!/usr/bin/env bash
# make demo: start scopesim (a simulated Rigol DS1054Z) on 127.0.0.1, take a screenshot
# through the real command line, say where it is, stop the simulator. Loopback only.
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OUT=demo-out
mkdir -p "$OUT"
log=$(mktemp)
# raw only: the model's VXI-11 portmapper wants port 111, which needs root
"$BUILD/sim/scopesim" --model rigol-ds1054z --listen 127.0.0.1 --protocols raw --raw-ports 0 >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -f "$log"; true' EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$log" && break; sleep 0.05; done
addr=$(sed -n 's/^listening raw \(.*\)$/\1/p' "$log" | head -1)
[ -n "$addr" ] || { echo "demo: scopesim did not start:"; cat "$log"; exit 1; }
echo "demo: scopesim (simulated Rigol DS1054Z) listening on $addr"
file="$OUT/ds1054z-demo.png"
rm -f "$file"
"$BUILD/cli/scopecap" shot -o "$file" "$addr"
echo "demo: screenshot saved to $(pwd)/$file ($(stat -c %s "$file") bytes, 800x480 PNG)"
