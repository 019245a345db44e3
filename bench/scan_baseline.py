#!/usr/bin/python3
"""The baseline for `make bench`: the threaded scanner users ran before scopecap scan.

64 worker threads, a 0.5 s connect timeout, ports 5025, 1861 and 80, a raw "*IDN?\\n" on
each open port (whatever protocol the port really speaks), and every network interface
assumed to be a /24 around its address. Prints one line per answer and a summary:
  found <n> hosts in <seconds> s
Loopback is skipped, like the original; with explicit addresses (a.b.c.d) it scans the
/24 around each of those instead of the interfaces.
"""
import concurrent.futures
import socket
import subprocess
import sys
import time

PORTS = (5025, 1861, 80)
TIMEOUT = 0.5
WORKERS = 64


def interface_addresses():
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "up"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        addr = line.split()[3].split("/")[0]
        if not addr.startswith("127."):
            yield addr


def probe(host, port):
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as s:
            s.settimeout(TIMEOUT)
            s.sendall(b"*IDN?\n")
            reply = s.recv(4096)
            if reply:
                return host, port, reply.decode(errors="replace").strip()
    except OSError:
        pass
    return None


def main():
    seeds = sys.argv[1:] or list(interface_addresses())
    hosts = []
    for a in seeds:
        prefix = a.rsplit(".", 1)[0]
        hosts += ["%s.%d" % (prefix, i) for i in range(1, 255)]
    start = time.monotonic()
    found = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for r in pool.map(lambda hp: probe(*hp), [(h, p) for h in hosts for p in PORTS]):
            if r and "," in r[2]:
                found.setdefault(r[0], []).append(r)
                print("%s:%d %s" % r)
    print("found %d hosts in %.2f s" % (len(found), time.monotonic() - start))


if __name__ == "__main__":
    main()
