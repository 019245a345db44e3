#!/usr/bin/env bash
# make bench: capture the 1,152,066-byte DS1054Z reply from scopesim on loopback, three ways,
# side by side in one run: scopecap, the shell way (nc | tail), and a pyvisa-py script.
# Reports median wall time and peak memory of each, and the ratios. Not a test.
set -eu
BUILD=${1:-build}
RUNS=${RUNS:-21}
cd "$(dirname "$0")/.."
ADDR=${BENCH_ADDR:-127.0.5.1} # another loopback address when several people bench at once
T=$(mktemp -d)
"$BUILD/sim/scopesim" --listen $ADDR --protocols raw >"$T/sim.log" 2>&1 & # raw only: no root for port 111
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -rf "$T"; true' EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$T/sim.log" && break; sleep 0.05; done

cat >"$T/pyvisa_shot.py" <<PY
import pyvisa
rm = pyvisa.ResourceManager("@py")
inst = rm.open_resource("TCPIP0::$ADDR::5555::SOCKET", read_termination="\n", write_termination="\n", timeout=20000)
data = inst.query_binary_values(":DISP:DATA? ON,0,BMP24", datatype="B", container=bytes)
open("$T/pyvisa.bmp", "wb").write(data)
inst.close()
PY

/usr/bin/python3 bench/compare.py "$RUNS" \
    "scopecap%%$BUILD/cli/scopecap shot -q --force -f raw -o $T/scopecap.bmp $ADDR:5555%%$T/scopecap.bmp" \
    "nc + tail%%echo ':display:data?' | nc -q 0 $ADDR 5555 | tail -c +12 > $T/nc.bmp%%$T/nc.bmp" \
    "pyvisa-py%%/usr/bin/python3 $T/pyvisa_shot.py%%$T/pyvisa.bmp"
