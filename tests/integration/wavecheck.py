#!/usr/bin/python3
"""Independent checks of `scopecap wave` output against what scopesim's eFirmata device
generated (its --efirmata-dump file: one JSON line per capture with the codes it sent, the
frame ranges its faults made unreceivable, the trigger threshold and the 3 samples before
the capture). Pure Python + Pillow: nothing here trusts scopecap's own code.

  wavecheck.py codes JSON DUMP          codes equal the dump's last capture (null = lost)
  wavecheck.py volts JSON [SCALE]       values = two-point scale of the codes; SCALE
                                        "da:ra:db:rb:type" checks the scale itself
  wavecheck.py csv CSV JSON DUMP        CSV header units and values = scale of dump codes
  wavecheck.py bin BIN DUMP             raw frames = dump codes packed big-endian
  wavecheck.py gaps ERRFILE DUMP        the error lists exactly the dump's lost ranges
  wavecheck.py trigger JSON DUMP        the capture starts where the signal crosses the level
  wavecheck.py plot PNG JSON DUMP       the plot decodes; each channel's colour draws its trace
  wavecheck.py legacy-wire HOST PORT    the legacy device's bytes equal docs/efirmata.md 3.7
  wavecheck.py field JSON KEY           print a top-level field
"""
import json
import math
import re
import socket
import struct
import sys

# plot.c's channel colours (documented in man scopecap)
COLOURS = [(255, 255, 0), (0, 255, 255), (255, 0, 255), (64, 128, 255), (0, 255, 0), (255, 96, 96),
           (160, 96, 255), (255, 200, 128), (128, 255, 128), (128, 200, 255), (255, 128, 200), (200, 200, 64),
           (64, 200, 160), (255, 160, 0), (180, 180, 255), (220, 220, 220)]
FRAME = (128, 128, 128)


class Fail(Exception):
    pass


def last_capture(path):
    lines = [l for l in open(path) if l.strip()]
    if not lines:
        raise Fail(f"{path}: the device dumped no capture")
    return json.loads(lines[-1])


def lost_set(d):
    s = set()
    for a, b in d["lost"]:
        s.update(range(a, b + 1))
    return s


def f32(x):
    return struct.unpack(">f", struct.pack(">f", x))[0]


def scale(ch, code):
    """The two-point line, on the code as the device holds it ('f' codes are printed with
    the 9 digits that identify a float, so they are read back as that float)."""
    if ch["data_type"] == "f":
        code = f32(code)
    s = ch["scale"]
    return s["real_a"] + (code - s["data_a"]) * (s["real_b"] - s["real_a"]) / (s["data_b"] - s["data_a"])


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-15


def check_codes(jpath, dpath):
    j, d = json.load(open(jpath)), last_capture(dpath)
    if j["samples"] != d["samples"] or len(j["channels"]) != d["channels"]:
        raise Fail(f"shape: scopecap {j['samples']}x{len(j['channels'])}, device {d['samples']}x{d['channels']}")
    lost = lost_set(d)
    missing = set()
    for a, b in j["missing"]:
        missing.update(range(a, b + 1))
    if missing != lost:
        raise Fail(f"missing {j['missing']} but the device lost {d['lost']}")
    for k, ch in enumerate(j["channels"]):
        for i, (got, want) in enumerate(zip(ch["codes"], d["codes"][k])):
            if i in lost:
                if got is not None:
                    raise Fail(f"ch{k}[{i}] was lost but reads {got}")
            elif got != want:
                raise Fail(f"ch{k}[{i}]: scopecap {got}, device sent {want}")
    return f"{j['samples']} x {len(j['channels'])} codes equal, {len(lost)} lost frames null"


def check_volts(jpath, expect=None):
    j = json.load(open(jpath))
    n = 0
    for k, ch in enumerate(j["channels"]):
        if expect:
            da, ra, db, rb, t = expect.split(":")
            real = f32 if t == "f" else float
            want = (float(da), real(float(ra)), float(db), real(float(rb)))
            got = tuple(ch["scale"][x] for x in ("data_a", "real_a", "data_b", "real_b"))
            if got != want:
                raise Fail(f"ch{k} scale {got}, expected {want}")
        for i, (c, v) in enumerate(zip(ch["codes"], ch["values"])):
            if c is None:
                if v is not None:
                    raise Fail(f"ch{k}[{i}] has a value but no code")
                continue
            if not close(v, scale(ch, c), 1e-12):
                raise Fail(f"ch{k}[{i}]: code {c} -> {v}, two-point scale gives {scale(ch, c)}")
            n += 1
    for i, t in enumerate(j["time"]):
        if not close(t, i * j["seconds_per_sample"], 1e-12):
            raise Fail(f"time[{i}] = {t}, expected {i * j['seconds_per_sample']}")
    return f"{n} values on the two-point scale"


def check_csv(cpath, jpath, dpath):
    j, d = json.load(open(jpath)), last_capture(dpath)
    rows = open(cpath).read().splitlines()
    unit = j["domain_unit"]
    header = [f"time ({unit})"] + [f"ch{k} ({c['units']})" for k, c in enumerate(j["channels"])]
    if rows[0].split(",") != header:
        raise Fail(f"header {rows[0]!r}, expected {','.join(header)!r}")
    if len(rows) - 1 != d["samples"]:
        raise Fail(f"{len(rows) - 1} rows, the device sent {d['samples']}")
    lost = lost_set(d)
    for i, row in enumerate(rows[1:]):
        cells = row.split(",")
        if not close(float(cells[0]), i * j["seconds_per_sample"], 1e-10):
            raise Fail(f"row {i}: time {cells[0]}")
        for k, ch in enumerate(j["channels"]):
            v = float(cells[k + 1])
            if i in lost:
                if not math.isnan(v):
                    raise Fail(f"row {i} ch{k}: lost but {v}")
            elif not close(v, scale(ch, d["codes"][k][i]), 1e-10):
                raise Fail(f"row {i} ch{k}: {v}, expected {scale(ch, d['codes'][k][i])}")
    return f"{len(rows) - 1} rows match"


def check_bin(bpath, dpath):
    d = last_capture(dpath)
    data = open(bpath, "rb").read()
    want = bytearray()
    for i in range(d["samples"]):
        for k, t in enumerate(d["types"]):
            c = d["codes"][k][i]
            want += struct.pack(">" + t, c if t in "fd" else int(c))
    if bytes(want) != data:
        first = next((i for i in range(min(len(want), len(data))) if want[i] != data[i]), None)
        raise Fail(f"{len(data)} bytes differ from the device's {len(want)} (first difference at byte {first})")
    return f"{len(data)} bytes equal"


def parse_ranges(text):
    m = re.search(r"(\d+) of (\d+) samples missing: (.*?) \(", text)
    if not m:
        raise Fail(f"no missing-range list in: {text.strip()}")
    ranges = []
    for part in m.group(3).split(", "):
        a, _, b = part.partition("-")
        ranges.append([int(a), int(b or a)])
    return int(m.group(1)), ranges


def check_gaps(epath, dpath):
    d = last_capture(dpath)
    count, ranges = parse_ranges(open(epath).read())
    if ranges != d["lost"]:
        raise Fail(f"error lists {ranges}, the device lost {d['lost']}")
    if count != len(lost_set(d)):
        raise Fail(f"error counts {count} missing, the device lost {len(lost_set(d))}")
    return f"{len(ranges)} ranges, {count} samples reported"


def check_trigger(jpath, dpath):
    j, d = json.load(open(jpath)), last_capture(dpath)
    k, level, b = d["channel"], d["threshold"], d["before"]
    first = d["codes"][k][0]
    if d["mode"] == "rising":
        ok = b[0] <= b[1] <= b[2] <= level < first
    elif d["mode"] == "falling":
        ok = b[0] >= b[1] >= b[2] >= level > first
    else:
        raise Fail(f"capture mode {d['mode']} has no trigger")
    if not ok:
        raise Fail(f"{d['mode']} at code {level}: samples before {b}, first {first}")
    if j["trigger"]["level_code"] != level or j["trigger"]["mode"] != d["mode"]:
        raise Fail(f"scopecap sent {j['trigger']}, the device used {d['mode']} at {level}")
    if j["channels"][k]["codes"][0] != first:
        raise Fail(f"scopecap's first sample {j['channels'][k]['codes'][0]}, the crossing is {first}")
    return f"{d['mode']} crossing of code {level} on ch{k}: ...{b} | {first}"


def correlation(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def check_plot(ppath, jpath, dpath):
    from PIL import Image
    im = Image.open(ppath)
    im.load()
    if im.format != "PNG":
        raise Fail(f"{ppath} is {im.format}, not PNG")
    im = im.convert("RGB")
    w, h = im.size
    px = im.load()
    frame = [(x, y) for y in range(h) for x in range(w) if px[x, y] == FRAME]
    if len(frame) < 100:
        raise Fail("no graticule frame found")
    x0, x1 = min(p[0] for p in frame), max(p[0] for p in frame)
    y0, y1 = min(p[1] for p in frame), max(p[1] for p in frame)
    j, d = json.load(open(jpath)), last_capture(dpath)
    n = d["samples"]
    report = []
    for k, ch in enumerate(j["channels"]):
        colour = COLOURS[k % len(COLOURS)]
        cols = {}
        for x in range(x0 + 1, x1):
            rows = [y for y in range(y0 + 1, y1) if px[x, y] == colour]
            if rows:
                cols[x] = sum(rows) / len(rows)
        if len(cols) < 20:
            raise Fail(f"ch{k}: colour {colour} in only {len(cols)} columns of the graticule")
        first, last = min(cols), max(cols)
        values, heights = [], []
        for x, y in cols.items():
            i = round((x - first) / max(1, last - first) * (n - 1))
            values.append(scale(ch, d["codes"][k][i]))
            heights.append(-y)
        r = correlation(values, heights)
        if r < 0.9:
            raise Fail(f"ch{k}: trace height follows the values with correlation {r:.3f} only")
        report.append(f"ch{k} r={r:.3f}")
    return f"{w}x{h} PNG, graticule {x0},{y0}-{x1},{y1}; " + " ".join(report)


TOC = bytes.fromhex("65466972 6d617461 544f4300 00000000 02014c00 00000064 00000213".replace(" ", ""))
TOM_HEADER = bytes.fromhex("544f4d00 f3480440 00000000 00009600".replace(" ", ""))


def descriptor(ch):
    d = bytes.fromhex("56426601 51000000 00000000 00000000 00000000 000000ff 00000000 40533333".replace(" ", ""))
    d = bytearray(d + bytes(32))
    d[4] = 0x51 + ch
    return bytes(d)


def check_legacy_wire(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    s.connect((host, int(port)))
    s.send(TOC)  # rising, ADC channel 1, threshold 100, 531 samples: docs 3.7
    got = [s.recv(65536) for _ in range(3)]  # bounded: exactly the three datagrams expected
    s.close()
    tom, tod1, tod2 = got
    want_tom = TOM_HEADER + b"".join(descriptor(c) for c in range(4))
    if tom != want_tom:
        raise Fail(f"TOM differs: {tom[:32].hex()} ... ({len(tom)} bytes)")
    if tod1[:12] != bytes.fromhex("544f44000400013500000000") or len(tod1) != 12 + 1236 + 8:
        raise Fail(f"first TOD header {tod1[:12].hex()}, {len(tod1)} bytes")
    if tod2[:12] != bytes.fromhex("544f44000400" + "00de" + "00000135") or len(tod2) != 12 + 888 + 8:
        raise Fail(f"second TOD header {tod2[:12].hex()}, {len(tod2)} bytes")
    return "TOM 272 bytes and TOD headers equal the vectors; 309 + 222 frames, 8 stray bytes each"


def main(argv):
    checks = {"codes": check_codes, "volts": check_volts, "csv": check_csv, "bin": check_bin,
              "gaps": check_gaps, "trigger": check_trigger, "plot": check_plot,
              "legacy-wire": check_legacy_wire}
    if len(argv) >= 2 and argv[1] == "field":
        print(json.load(open(argv[2]))[argv[3]])
        return 0
    if len(argv) < 3 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(checks[argv[1]](*argv[2:]))
        return 0
    except Fail as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
