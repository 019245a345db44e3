#!/usr/bin/env python3
"""A port that accepts TCP connections and never answers, like 1861 on a LeCroy in LXI
mode: silent_listener.py ADDR PORT [SECONDS]. Prints "ready" once listening, reads and
drops whatever arrives, and exits after SECONDS (default 60) whatever happens.
Loopback addresses only."""
import select
import socket
import sys
import time

addr, port = sys.argv[1], int(sys.argv[2])
lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
if not addr.startswith("127."):
    sys.exit("silent_listener.py: loopback addresses only")
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((addr, port))
server.listen(16)
print("ready", flush=True)
until = time.monotonic() + lifetime
clients = []
accepted = 0
while True:
    left = until - time.monotonic()
    if left <= 0:
        break
    readable, _, _ = select.select([server] + clients, [], [], min(left, 1.0))
    for s in readable:
        if s is server:
            conn, _ = server.accept()
            clients.append(conn)
            accepted += 1
            print("accepted", accepted, flush=True)
        elif not s.recv(65536):
            clients.remove(s)
            s.close()
for s in clients:
    s.close()
server.close()
