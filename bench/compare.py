#!/usr/bin/python3
"""Run commands alternately, RUNS times each; print median wall time, peak RSS and ratios
against the first. Each spec is "name%%shell command%%output file"; the output must be the
1,152,054-byte BMP (nc's keeps Rigol's trailing newline: 1 byte more) or the run is void."""
import os, statistics, subprocess, sys, time

def one(cmd):
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "bash", "-c", cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"bench: {cmd!r} failed: {p.stderr}")
    rss_kib = int(p.stderr.strip().splitlines()[-1])
    return wall, rss_kib

def main():
    runs = int(sys.argv[1])
    specs = [s.split("%%") for s in sys.argv[2:]]
    results = {name: ([], []) for name, _, _ in specs}
    for _ in range(runs):
        for name, cmd, out in specs:  # interleaved, so drift hits every contender alike
            if os.path.exists(out):
                os.unlink(out)
            wall, rss = one(cmd)
            size = os.path.getsize(out)
            if size not in (1152054, 1152055):
                sys.exit(f"bench: {name} wrote {size} bytes, not the screenshot")
            results[name][0].append(wall)
            results[name][1].append(rss)
    base_name = specs[0][0]
    base_t = statistics.median(results[base_name][0])
    base_m = max(results[base_name][1])
    print(f"{'tool':<12} {'median ms':>10} {'peak RSS MiB':>13} {'time ratio':>11} {'memory ratio':>13}   ({runs} runs each, loopback)")
    for name, _, _ in specs:
        t = statistics.median(results[name][0])
        m = max(results[name][1])
        print(f"{name:<12} {t*1000:>10.1f} {m/1024:>13.1f} {t/base_t:>10.2f}x {m/base_m:>12.2f}x")

main()
