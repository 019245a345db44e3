#!/usr/bin/python3
"""Independent checks for the stream tests (Pillow and the standard library only).

  streamcheck.py rgb-vs-png RAW N PNG     N raw rgb24 frames (from ffmpeg) each within a mean
                                          absolute difference of 2 of the PNG; prints the means
  streamcheck.py parts FILE               one line per MJPEG part: "SEQ KIND LENGTH"
  streamcheck.py clients TRICKLE FAST...  every fast client got every frame from its first to
                                          its last; the trickle client skipped some
  streamcheck.py nonblank PNG             a browser screenshot shows a scope picture, not an
                                          empty page
  streamcheck.py trickle URL SECONDS OUT  a client that reads 1 KiB every 50 ms (20 KB/s)
                                          with a tiny receive buffer, saving what it got
  streamcheck.py load URL N SECONDS DIR   N clients of /stream at once from this one process
                                          (so 50 clients do not need 50 processes' CPU),
                                          each saving what it got to DIR/clientK.bin
  streamcheck.py state URL KEY.PATH       print one value of /state
"""
import json
import re
import selectors
import socket
import sys
import time
import urllib.parse
import urllib.request

from PIL import Image, ImageChops, ImageStat

W, H = 800, 480


def rgb_vs_png(raw_path, n, png_path):
    ref = Image.open(png_path).convert("RGB")
    data = open(raw_path, "rb").read()
    size = W * H * 3
    if len(data) != n * size:
        print(f"{len(data)} bytes, wanted {n} frames of {size}")
        return 1
    worst = 0.0
    means = []
    for i in range(n):
        frame = Image.frombytes("RGB", (W, H), data[i * size:(i + 1) * size])
        diff = ImageStat.Stat(ImageChops.difference(frame, ref)).mean
        mean = sum(diff) / 3
        means.append(f"{mean:.3f}")
        worst = max(worst, mean)
    print("mean |diff| per frame:", " ".join(means))
    return 0 if worst < 2.0 else 1


PART_RE = re.compile(rb"--scopecapframe\r\n(.*?)\r\n\r\n", re.S)


def parse_parts(path):
    data = open(path, "rb").read()
    parts = []
    for m in PART_RE.finditer(data):
        headers = {}
        for line in m.group(1).split(b"\r\n"):
            if b":" in line:
                k, v = line.split(b":", 1)
                headers[k.strip().lower().decode("ascii", "replace")] = v.strip().decode("ascii", "replace")
        if "x-frame" in headers:
            parts.append((int(headers["x-frame"]), headers.get("x-frame-kind", "?"),
                          int(headers.get("content-length", "0"))))
    return parts


def seqs_without_repeats(parts):
    out = []
    for seq, _, _ in parts:
        if not out or out[-1] != seq:
            out.append(seq)
    return out


def clients(trickle, fast):
    ok = True
    counts = []
    for path in fast:
        seqs = seqs_without_repeats(parse_parts(path))
        counts.append(len(seqs))
        if len(seqs) < 10:
            print(f"{path}: only {len(seqs)} frames")
            ok = False
            continue
        missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
        if missing or seqs != sorted(seqs):
            print(f"{path}: frames {seqs[0]}..{seqs[-1]}, missing {missing[:10]}")
            ok = False
    slow = seqs_without_repeats(parse_parts(trickle))
    print(f"fast clients: {len(fast)}, frames each {min(counts)}..{max(counts)}; trickle client: {len(slow)} frames {slow[:8]}")
    if len(slow) < 1:
        print("the trickle client got nothing")
        ok = False
    elif len(slow) >= 2 and set(range(slow[0], slow[-1] + 1)) == set(slow):
        print("the trickle client skipped no frame: it was not slow enough to test anything")
        ok = False
    return 0 if ok else 1


def nonblank(path):
    im = Image.open(path).convert("RGB")
    # the page background is one flat colour; the scope picture has many colours
    colours = im.getcolors(maxcolors=1 << 20) or []
    bg = max(colours)[1] if colours else (0, 0, 0)
    different = sum(c for c, rgb in colours if rgb != bg)
    share = different / (im.width * im.height)
    print(f"{len(colours)} colours, {share:.0%} of the screenshot differs from the background {bg}")
    return 0 if len(colours) > 50 and share > 0.3 else 1


def trickle(url, seconds, out):
    u = urllib.parse.urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((u.hostname, u.port))
    s.sendall(f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}\r\n\r\n".encode())
    got = bytearray()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = s.recv(1024)
        if not chunk:
            break
        got += chunk
        time.sleep(0.05)
    s.close()
    open(out, "wb").write(got)
    return 0


def load(url, n, seconds, outdir):
    u = urllib.parse.urlsplit(url)
    sel = selectors.DefaultSelector()
    files = []
    for k in range(n):
        s = socket.create_connection((u.hostname, u.port), timeout=5)
        s.sendall(f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}\r\n\r\n".encode())
        s.setblocking(False)
        f = open(f"{outdir}/client{k + 1}.bin", "wb")
        files.append(f)
        sel.register(s, selectors.EVENT_READ, f)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            try:
                chunk = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                continue
            key.data.write(chunk)
    for f in files:
        f.close()
    return 0


def state(url, path):
    with urllib.request.urlopen(url, timeout=5) as r:
        value = json.load(r)
    for key in path.split("."):
        value = value[key]
    print(value)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "rgb-vs-png":
        return rgb_vs_png(argv[2], int(argv[3]), argv[4])
    if cmd == "parts":
        for seq, kind, length in parse_parts(argv[2]):
            print(seq, kind, length)
        return 0
    if cmd == "clients":
        return clients(argv[2], argv[3:])
    if cmd == "nonblank":
        return nonblank(argv[2])
    if cmd == "trickle":
        return trickle(argv[2], float(argv[3]), argv[4])
    if cmd == "load":
        return load(argv[2], int(argv[3]), float(argv[4]), argv[5])
    if cmd == "state":
        return state(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
