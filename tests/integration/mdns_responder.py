#!/usr/bin/python3
"""A minimal mDNS/DNS-SD responder for the scan tests: runs inside a network namespace
the test created, answers PTR questions for the service types it was given with
PTR + SRV + TXT + A records. A query from a port other than 5353 gets a legacy unicast
answer (RFC 6762 6.7: same ID, the question repeated); others get a multicast one.
It only ever answers queries, so it sends nothing on its own.

usage: mdns_responder.py ADDR NAME HOST TYPE:PORT [TYPE:PORT...]
"""
import socket
import struct
import sys

GROUP = "224.0.0.251"


def name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        raw = label.encode()
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def read_name(buf, off):
    labels, jumps, end = [], 0, None
    while True:
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | buf[off + 1]
            jumps += 1
            if jumps > 10:
                raise ValueError("loop")
            continue
        off += 1
        if n == 0:
            break
        labels.append(buf[off:off + n].decode(errors="replace"))
        off += n
    return ".".join(labels), (end if end is not None else off)


def rr(owner, rtype, data, flush=False):
    cls = 0x8001 if flush else 0x0001
    return name(owner) + struct.pack(">HHIH", rtype, cls, 120, len(data)) + data


def main():
    addr, inst, host = sys.argv[1], sys.argv[2], sys.argv[3]
    services = {}
    for spec in sys.argv[4:]:
        t, p = spec.rsplit(":", 1)
        services[t + ".local"] = int(p)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 5353))
    mreq = socket.inet_aton(GROUP) + socket.inet_aton(addr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
    print("ready", flush=True)
    while True:
        buf, src = s.recvfrom(9000)
        if len(buf) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", buf[:6])
        if flags & 0x8000:
            continue  # a response, not a query
        off, questions, answers, extra = 12, [], [], []
        try:
            for _ in range(qd):
                qname, off = read_name(buf, off)
                qtype, qclass = struct.unpack(">HH", buf[off:off + 4])
                off += 4
                questions.append(name(qname) + struct.pack(">HH", qtype, qclass & 0x7FFF))
                key = qname.lower()
                if qtype in (12, 255) and key in services:
                    full = inst + "." + qname
                    answers.append(rr(qname, 12, name(full)))
                    extra.append(rr(full, 33, struct.pack(">HHH", 0, 0, services[key]) + name(host + ".local"), True))
                    extra.append(rr(full, 16, b"\x09txtvers=1", True))
        except (ValueError, IndexError, struct.error):
            continue
        if not answers:
            continue
        extra.append(rr(host + ".local", 1, socket.inet_aton(addr), True))
        legacy = src[1] != 5353
        if not legacy:
            questions = []
        head = struct.pack(">HHHHHH", qid if legacy else 0, 0x8400, len(questions), len(answers), 0, len(extra))
        s.sendto(head + b"".join(questions + answers + extra), src if legacy else (GROUP, 5353))
        print("answered %s:%d" % src, flush=True)


if __name__ == "__main__":
    main()
