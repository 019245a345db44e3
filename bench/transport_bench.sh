#!/usr/bin/env bash
# make bench, transports: *IDN? round trips per second on one connection and 1.15 MB / 10 MB
# block reads, scopecap on every transport next to lxi-tools and pyvisa-py, against one
# scopesim on loopback (root is needed for the VXI-11 portmapper on port 111).
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ADDR=127.0.21.1
T=$(mktemp -d)
"$BUILD/sim/scopesim" --listen $ADDR --protocols raw,vicp,vxi11,hislip >"$T/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -rf "$T"; true' EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$T/sim.log" && break; sleep 0.05; done
grep -q '^ready' "$T/sim.log" || { echo "transport bench: scopesim did not start (root needed for port 111):"; cat "$T/sim.log"; exit 1; }
/usr/bin/python3 bench/transports.py "$BUILD/cli/scopecap" "$ADDR" "$T"
