#!/usr/bin/env bash
# make bench, part 2: per model that lxi-tools 2.4 also covers, the same scopesim answers
# `scopecap shot -f raw` and `lxi screenshot -p <plugin>`, interleaved, RUNS times each.
# Both over VXI-11 (lxi has nothing else). Reports median wall time, the ratio, and whether
# the files are byte-identical (and, where lxi asks for another format or keeps a framing
# byte, whether the pixels are). Not a test; loopback only (127.0.15.1xx).
set -eu
BUILD=${1:-build}
RUNS=${RUNS:-11}
cd "$(dirname "$0")/.."
SCOPECAP=$(cd "$BUILD" && pwd)/cli/scopecap # absolute: the runs happen in their own folders
SCOPESIM=$BUILD/sim/scopesim
if ! command -v lxi >/dev/null; then
    echo "drivers bench: lxi (lxi-tools) is not installed; skipped"
    exit 0
fi
T=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; true' EXIT

# model  lxi-plugin  protocols the simulator serves  our driver row
ROWS="rigol-ds1054z rigol-1000z vxi11 rigol-ds1000z
rigol-ds2072a rigol-2000 vxi11 rigol-ds2000
rigol-mso5074 rigol-2000 vxi11 rigol-mso5000
siglent-sds1104x-e siglent-sds vxi11 siglent-sds-scdp
keysight-dsox2024a keysight-ivx vxi11 keysight-ivx
rs-rtb2004 rs-hmo-rtb vxi11 rs-rtb
hameg-hmo1202 rs-hmo-rtb vxi11 rs-hmo
tek-mso2024b tektronix-2000 vxi11 tek-dpo2000
tek-tds3034b tektronix-3000 vxi11 tek-tds3000
lecroy-waverunner9254m lecroy-wp vxi11,vicp lecroy-maui"

SPECS="$T/specs"
: >"$SPECS"
n=100
while read -r model plugin protocols driver; do
    n=$((n + 1))
    addr=127.0.15.$n
    log="$T/sim-$n.log"
    "$SCOPESIM" --model "$model" --listen "$addr" --protocols "$protocols" >"$log" 2>&1 &
    pid=$!
    ok=0
    for _ in $(seq 1 100); do
        if grep -q '^ready' "$log" 2>/dev/null; then ok=1; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ $ok = 0 ]; then
        if grep -q 'not built yet' "$log"; then
            echo "drivers bench: the scopesim VXI-11 server is not built yet; this bench runs once it lands"
            exit 0
        fi
        echo "drivers bench: scopesim $model did not start: $(cat "$log")" >&2
        exit 1
    fi
    PIDS+=("$pid")
    echo "$model $plugin $addr $driver" >>"$SPECS"
done <<<"$ROWS"

/usr/bin/python3 - "$RUNS" "$SCOPECAP" "$T" "$SPECS" <<'PY'
import io, os, statistics, subprocess, sys, time
from PIL import Image

runs, scopecap, tmp, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rows = [line.split() for line in open(specs) if line.strip()]

def timed(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    return time.perf_counter() - start, p

def newest(d):
    files = [os.path.join(d, f) for f in os.listdir(d)]
    return max(files, key=os.path.getmtime) if files else None

def pixels(data):
    try:
        return Image.open(io.BytesIO(data)).convert("RGB").tobytes()
    except Exception:
        return None

print("Both told the model (scopecap -d ROW, lxi -p PLUGIN): neither asks *IDN? first.")
print(f"{'model':<24} {'lxi plugin':<15} {'scopecap ms':>11} {'lxi ms':>8} {'ratio':>6}  same bytes / same pixels ({runs} runs each, VXI-11, loopback)")
for model, plugin, addr, driver in rows:
    ours, theirs = [], []
    a = b = None
    err = ""
    for i in range(runs):  # interleaved: drift hits both alike
        d1, d2 = os.path.join(tmp, f"{model}-s{i}"), os.path.join(tmp, f"{model}-l{i}")
        os.makedirs(d1), os.makedirs(d2)
        t, p = timed([scopecap, "shot", "-q", "-d", driver, "-f", "raw", "-o", "shot.img", f"TCPIP0::{addr}::inst0::INSTR"], d1)
        if p.returncode != 0:
            err = "scopecap: " + p.stderr.strip()
            break
        ours.append(t)
        t, p = timed(["lxi", "screenshot", "-a", addr, "-p", plugin, os.path.join(d2, "lxi")], d2)
        f = newest(d2)
        if p.returncode != 0 or not f:
            err = "lxi: " + (p.stderr.strip() or p.stdout.strip() or "no file")
            break
        theirs.append(t)
        a, b = open(os.path.join(d1, "shot.img"), "rb").read(), open(f, "rb").read()
    if err:
        print(f"{model:<24} {plugin:<15} {'-':>11} {'-':>8} {'-':>6}  failed: {err[:90]}")
        continue
    so, st = statistics.median(ours), statistics.median(theirs)
    same_bytes = a == b
    note = "yes" if same_bytes else f"no ({len(a)} vs {len(b)} B)"
    if not same_bytes:
        pa, pb = pixels(a), pixels(b)
        note += " / " + ("yes" if pa is not None and pa == pb else "no")
    print(f"{model:<24} {plugin:<15} {so*1000:>11.1f} {st*1000:>8.1f} {so/st:>6.2f}  {note}")
PY
