#!/usr/bin/python3
"""Side-by-side transport figures; medians of RUNS runs, ratios against the best peer.

Rates are measured the way each tool can report them on one connection:
  scopecap  wall time of `scopecap scpi -i` (process start and connect included: the
            conservative side for us)
  lxi       its own `lxi benchmark` result (excludes process start)
  pyvisa-py time of the query loop inside Python (excludes interpreter start and import)
Block reads: scopecap and lxi by wall time of the command; pyvisa-py inside Python."""
import os, statistics, subprocess, sys, time

SCOPECAP, ADDR, TMP = sys.argv[1:4]
RUNS = int(os.environ.get("RUNS", "7"))
N = int(os.environ.get("IDN_COUNT", "10000"))  # enough that process start (ours) and connect (ours) weigh little: lxi excludes both
PY = "/usr/bin/python3"

RESOURCES = {
    "raw": f"{ADDR}:5025",
    "vicp": f"vicp://{ADDR}",
    "vxi11": f"TCPIP0::{ADDR}::inst0::INSTR",
    "hislip": f"TCPIP0::{ADDR}::hislip0::INSTR",
}

def median(f):
    return statistics.median(f() for _ in range(RUNS))

def wall(cmd, **kw):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start

def scopecap_idn(res):
    lines = ("*IDN?\n" * N).encode()
    def once():
        start = time.perf_counter()
        subprocess.run([SCOPECAP, "scpi", "-i", res], input=lines, check=True, stdout=subprocess.DEVNULL)
        return N / (time.perf_counter() - start)
    return median(once)

def lxi_idn(raw):
    def once():
        cmd = ["lxi", "benchmark", "-a", ADDR, "-c", str(N)] + (["-r", "-p", "5025"] if raw else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return float(out.rsplit("Result:", 1)[1].split()[0])
    return median(once)

PYVISA = r'''
import sys, time, pyvisa
res, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rm = pyvisa.ResourceManager("@py")
kw = dict(read_termination="\n", write_termination="\n") if res.endswith("SOCKET") else {}
inst = rm.open_resource(res, timeout=60000, **kw)
start = time.perf_counter()
if size:
    data = inst.query_binary_values(":SIM:BLOCK? %d" % size, datatype="B", container=bytes)
    assert len(data) == size, len(data)
    print(time.perf_counter() - start)
else:
    for _ in range(n):
        inst.query("*IDN?")
    print(n / (time.perf_counter() - start))
inst.close()
'''

def pyvisa(res, size=0):
    def once():
        out = subprocess.run([PY, "-c", PYVISA, res, str(N), str(size)], check=True, capture_output=True, text=True)
        return float(out.stdout.strip())
    return median(once)

def scopecap_block(res, size):
    out = os.path.join(TMP, "block.bin")
    def once():
        if os.path.exists(out):
            os.unlink(out)
        t = wall([SCOPECAP, "scpi", "-t", "60", "--binary", out, res, f":SIM:BLOCK? {size}"])
        assert os.path.getsize(out) == size
        return t
    return median(once)

def lxi_block(size):
    def once():
        out = os.path.join(TMP, "lxi.bin")
        with open(out, "wb") as f:
            start = time.perf_counter()
            subprocess.run(["lxi", "scpi", "-t", "60", "-a", ADDR, f":SIM:BLOCK? {size}"], stdout=f, check=True)
            t = time.perf_counter() - start
        got = os.path.getsize(out)
        return t if got >= size else float("nan")  # lxi scpi keeps at most 5 MiB of a reply
    return median(once)

def row(name, ours, peers, higher_is_better):
    """Rates are printed as they are; times in milliseconds. The ratio is how many times
    better scopecap is than the best peer (above 1: faster)."""
    scale, fmt = (1, "{:,.0f}") if higher_is_better else (1000, "{:,.1f} ms")
    ok = [v for v in peers.values() if v == v]
    best = (max(ok) if higher_is_better else min(ok)) if ok else float("nan")
    ratio = (ours / best if higher_is_better else best / ours) if ok else float("nan")
    peer_text = "  ".join(f"{k} " + fmt.format(v * scale) if v == v else f"{k} fails" for k, v in peers.items())
    ours_text = fmt.format(ours * scale)
    tail = f"   -> {ratio:.2f}x the best peer" if peers else "   (no peer in Debian speaks it)"
    print(f"{name:<22} scopecap {ours_text:>12}   {peer_text}{tail}")

print(f"*IDN? round trips per second, {N} on one connection (higher is better):")
for proto, res in RESOURCES.items():
    peers = {}
    if proto == "vxi11":
        peers = {"lxi": lxi_idn(False), "pyvisa-py": pyvisa(res)}
    elif proto == "raw":
        peers = {"lxi": lxi_idn(True), "pyvisa-py": pyvisa(f"TCPIP0::{ADDR}::5025::SOCKET")}
    row(proto, scopecap_idn(res), peers, True)

print("\nBlock reads, median time (lower is better):")
for size, label in ((1152054, "1.15 MB"), (10000000, "10 MB")):
    for proto, res in RESOURCES.items():
        ours = scopecap_block(res, size)
        if proto == "vxi11":
            row(f"{label} over {proto}", ours, {"lxi": lxi_block(size), "pyvisa-py": pyvisa(res, size)}, False)
        elif proto == "raw":
            row(f"{label} over {proto}", ours, {"pyvisa-py": pyvisa(f"TCPIP0::{ADDR}::5025::SOCKET", size)}, False)
        else:
            row(f"{label} over {proto}", ours, {}, False)
