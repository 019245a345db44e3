#!/usr/bin/python3
"""Byte-level checks of scopesim's VICP server (protocols.md section 3).

usage: vicp_peer.py HOST PORT   (loopback only)

Speaks VICP directly with hand-built headers, so the checks do not depend on scopecap's
own client: v1a sequence stamping, a v1 client (sequence 0), CLEAR dropping a partial
message and a reply in flight, control-only headers, the in-band serial poll, and the
connection ending on headers the codec must refuse. Prints one line per passed check;
exits 1 at the first failure.
"""
import socket
import struct
import sys

IDN = b"RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4\n"
DATA, REMOTE, LOCKOUT, CLEAR, SERIALPOLL, EOI = 0x80, 0x40, 0x20, 0x10, 0x04, 0x01


def fail(what):
    print("FAILED: " + what)
    sys.exit(1)


def connect(host, port):
    if not host.startswith("127."):
        fail("refusing a non-loopback address " + host)
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send(s, op, seq, payload=b"", version=1, reserved=0):
    s.sendall(struct.pack(">BBBBI", op, version, seq, reserved, len(payload)) + payload)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += part
    return buf


def recv_block(s):
    op, version, seq, reserved, length = struct.unpack(">BBBBI", recv_exact(s, 8))
    return op, version, seq, reserved, recv_exact(s, length)


def recv_message(s):
    """Blocks until one with EOI; returns (payload, set of (op, version, seq, reserved))."""
    payload, headers = b"", set()
    while True:
        op, version, seq, reserved, data = recv_block(s)
        headers.add((op, version, seq, reserved))
        payload += data
        if op & EOI:
            return payload, headers


def expect_closed(s, what):
    try:
        s.settimeout(3)
        if s.recv(1) != b"":
            fail(what + ": the server answered instead of closing")
    except ConnectionResetError:
        pass
    except socket.timeout:
        fail(what + ": the server kept the connection open")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    s = connect(host, port)

    send(s, DATA | EOI, 1, b"*IDN?")
    reply, headers = recv_message(s)
    if reply != IDN or headers != {(DATA | EOI, 1, 1, 0)}:
        fail("v1a *IDN?: %r %r" % (reply, headers))
    print("v1a *IDN? answered in one DATA|EOI block stamped with sequence 1")

    send(s, DATA | EOI, 2, b":SIM:BLOCK? 200000")
    reply, headers = recv_message(s)
    digits = int(reply[1:2]) if reply[:1] == b"#" and reply[1:2].isdigit() else 0
    declared = int(reply[2:2 + digits]) if digits else -1
    if declared != 200000 or len(reply) != 2 + digits + 200000 + 1 or {h[2] for h in headers} != {2} \
            or (DATA, 1, 2, 0) not in headers:
        fail("200000-byte block: %d bytes, headers %r" % (len(reply), headers))
    print("a 200000-byte block comes as several DATA blocks, EOI on the last, all with sequence 2")

    send(s, DATA | EOI, 0, b"*IDN?")
    reply, headers = recv_message(s)
    if reply != IDN or headers != {(DATA | EOI, 1, 0, 0)}:
        fail("v1 client (sequence 0): %r %r" % (reply, headers))
    print("a v1 client's sequence 0 comes back as 0")

    send(s, REMOTE | LOCKOUT, 0)  # fsc2 does this right after connecting
    send(s, DATA | REMOTE | EOI, 3, b":TIM:SCAL?")
    reply, _ = recv_message(s)
    if reply != b"5.000000e-04\n":
        fail("query after a control-only header: %r" % reply)
    print("control-only REMOTE|LOCKOUT header accepted")

    send(s, DATA, 4, b"*ID")
    send(s, DATA | CLEAR, 4)
    send(s, DATA | EOI, 5, b"*IDN?")
    reply, headers = recv_message(s)
    if reply != IDN or {h[2] for h in headers} != {5}:
        fail("CLEAR after a partial message: %r %r" % (reply, headers))
    print("CLEAR drops a partial message")

    send(s, DATA | EOI, 6, b":SIM:BLOCK? 2000000")
    op, _, seq, _, first = recv_block(s)
    send(s, DATA | CLEAR, 6)
    send(s, DATA | EOI, 7, b"*IDN?")
    dropped = len(first)
    while True:
        op, _, seq, _, data = recv_block(s)
        if seq == 6:
            dropped += len(data)
            continue
        if seq != 7:
            fail("unexpected sequence %d after CLEAR" % seq)
        if data != IDN or not op & EOI:
            fail("*IDN? after CLEAR: %r" % data)
        break
    print("after CLEAR the next reply carries the new sequence (%d stale bytes skipped by number)" % dropped)

    send(s, DATA | SERIALPOLL, 8)
    op, version, seq, _, data = recv_block(s)
    if len(data) != 1 or not op & DATA or version != 1:
        fail("in-band serial poll: op %#x, %r" % (op, data))
    print("in-band serial poll answers one status byte (%#04x)" % data[0])

    send(s, DATA, 0, b"", version=2)
    expect_closed(s, "header version 2")
    print("header version 2 ends the connection")

    s = connect(host, port)
    send(s, DATA | EOI | 0x02, 1, b"*IDN?")
    expect_closed(s, "reserved operation bit")
    print("the reserved operation bit ends the connection")

    s = connect(host, port)
    s.sendall(struct.pack(">BBBBI", DATA | EOI, 1, 1, 0, 0x7FFFFFFF))
    expect_closed(s, "a 2 GiB block length")
    print("a 2 GiB block length ends the connection")

    s = connect(host, port)
    send(s, DATA | EOI, 1, b"*IDN?")
    reply, _ = recv_message(s)
    if reply != IDN:
        fail("the server does not serve a new connection after the refused ones")
    print("the server still serves new connections")


if __name__ == "__main__":
    try:
        main()
    except (OSError, EOFError, struct.error) as e:
        fail("%s: %s" % (type(e).__name__, e))
