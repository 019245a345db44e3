#!/usr/bin/env bash
# The limits of scopecap stream --http (lib/stream/http.c) against clients that misbehave,
# on 127.0.54.x (clients take their own source addresses there, so "per address" can be
# tested on one machine):
#   - clients: --http-max-clients N connections; beyond it a fast 503 with Retry-After
#     (not a wait in the listen backlog); one address holds at most a quarter of the slots
#     (at least 4), so one machine cannot lock everyone out; 127.0.0.1 (this computer, or
#     a reverse proxy in front) is limited by the total only;
#   - request size: a request line or headers beyond 64 KiB get 414 / 431;
#   - time: a request must be complete within 10 s of the connection (a header byte every
#     second does not keep it open, although it resets the idle timer);
#   - authentication is checked before the method (an unauthenticated POST gets 401);
#   - binding a non-loopback address without --http-auth prints a warning (in a network
#     namespace of our own; skipped where namespaces cannot be made).
# Every wait is bounded; the only time bound is the 10 s request deadline plus 10 % and
# the one-second pace of the slow client.
. "$(dirname "$0")/lib.sh"

NET=127.0.54
SIM=$NET.70
HEADER_DEADLINE_S=10
NS=""

stop_all() {
    [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
    cleanup
}
trap stop_all EXIT

command -v curl >/dev/null || { echo "curl is missing: run scripts/deps.sh"; exit 1; }

stop_stream() { # stop_stream PID LOG: it ends cleanly (sanitizer builds: no report)
    kill -TERM "$1" 2>/dev/null
    wait "$1"
    local rc=$?
    if [ $rc -gt 3 ] || grep -q "Sanitizer\|runtime error" "$2"; then
        fail "scopecap stream ends cleanly" "exit $rc: $(grep -A5 "Sanitizer\|runtime error" "$2" | head -20)"
    fi
}

# code FROM URL [curl options...]: the status code of one request from source address FROM
code() {
    local from=$1 url=$2
    shift 2
    curl -s -o /dev/null -m 5 --interface "$from" -w '%{http_code}' "$@" "$url"
}

# wait_code FROM URL WANT: bounded (5 s) wait until the request gets WANT
wait_code() {
    for _ in $(seq 1 50); do
        [ "$(code "$1" "$2")" = "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

start_sim $SIM --protocols raw || exit 1

# ---- --http-max-clients 2: two viewers; a third gets 503 at once ----
URL=http://$SIM:18701
start_stream "$T/max.log" --http $SIM:18701 --http-max-clients 2 $SIM:5555 || exit 1
SPID=$LAST_STREAM
curl -s -N -m 30 --interface $NET.71 -o "$T/v1.bin" "$URL/stream" &
V1=$!
curl -s -N -m 30 --interface $NET.72 -o "$T/v2.bin" "$URL/stream" &
V2=$!
for _ in $(seq 1 100); do [ -s "$T/v1.bin" ] && [ -s "$T/v2.bin" ] && break; sleep 0.05; done
[ -s "$T/v1.bin" ] && [ -s "$T/v2.bin" ] && pass "max clients: two viewers stream" || fail "max clients: two viewers stream"
start=$(date +%s%N)
curl -s -m 5 --interface $NET.73 -D "$T/busy.h" -o "$T/busy.body" "$URL/state"
ms=$((($(date +%s%N) - start) / 1000000))
status=$(head -n 1 "$T/busy.h" | tr -d '\r')
if [[ "$status" == "HTTP/1.1 503"* ]] && grep -qi '^retry-after: [0-9]' "$T/busy.h"; then
    pass "max clients: a third client gets 503 with Retry-After ($ms ms)"
else
    fail "max clients: a third client gets 503 with Retry-After" "after $ms ms: \"$status\" $(cat "$T/busy.h")"
fi
kill $V1 2>/dev/null
wait $V1 2>/dev/null
# the server notices the viewer left at its next part (at least once a second)
wait_code $NET.73 "$URL/state" 200 && pass "max clients: a slot that frees up is served again" ||
    fail "max clients: a slot that frees up is served again" "still $(code $NET.73 "$URL/state")"
kill $V2 2>/dev/null
wait $V2 2>/dev/null
stop_stream $SPID "$T/max.log"

# ---- one address cannot take every slot; request size; the request deadline ----
URL=http://$SIM:18702
start_stream "$T/lim.log" --http $SIM:18702 $SIM:5555 || exit 1
SPID=$LAST_STREAM
cat >"$T/clients.py" <<'PY'
"""Misbehaving HTTP clients (bounded): python3 clients.py MODE HOST PORT FROM [ARGS]"""
import socket
import sys
import time

mode, host, port, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def connect():
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def status(s, request):
    s.sendall(request)
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        return "error " + type(e).__name__
    return data.split(b"\r\n")[0].decode("latin-1") if data else "closed"


def held(n):
    """Hold n silent connections from src, then ask over one more: print its answer,
    then over one beyond the hard per-address cap (4 more silent ones first)."""
    idle = [connect() for _ in range(n)]
    print(status(connect(), b"GET /state HTTP/1.1\r\nHost: x\r\n\r\n"))
    idle += [connect() for _ in range(4)]
    try:
        print(status(connect(), b"GET /state HTTP/1.1\r\nHost: x\r\n\r\n"))
    except OSError as e:
        print("refused " + type(e).__name__)
    sys.stdout.flush()
    time.sleep(float(sys.argv[6]))
    for s in idle:
        s.close()


def slow(pace, limit):
    """Send a request one byte every `pace` seconds; print how long the server kept us."""
    s = connect()
    start = time.monotonic()
    request = b"GET /state HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    try:
        for b in request:
            s.sendall(bytes([b]))
            s.settimeout(pace)
            try:
                if s.recv(1) == b"":
                    break
            except socket.timeout:
                pass
            if time.monotonic() - start > limit:
                print("kept %.1f s, still open" % (time.monotonic() - start))
                return
    except OSError:
        pass
    print("closed after %.1f s" % (time.monotonic() - start))


def silent(limit):
    s = connect()
    start = time.monotonic()
    s.settimeout(limit)
    try:
        data = s.recv(1)
        print("closed after %.1f s%s" % (time.monotonic() - start, " with data" if data else ""))
    except socket.timeout:
        print("kept %.1f s, still open" % (time.monotonic() - start))
    except OSError:
        print("closed after %.1f s" % (time.monotonic() - start))


if mode == "held":
    held(int(sys.argv[5]))
elif mode == "slow":
    slow(float(sys.argv[5]), float(sys.argv[6]))
elif mode == "silent":
    silent(float(sys.argv[5]))
elif mode == "big-uri":
    print(status(connect(), b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
elif mode == "big-headers":
    print(status(connect(), b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 70000 + b"\r\n\r\n"))
PY
CLIENT="$PY $T/clients.py"

# the default 64 slots: one address holds at most 16; the 17th from it gets 503, other
# addresses are still served, and past 16 + 4 the connection is closed at once
$CLIENT held $SIM 18702 $NET.74 16 3 >"$T/held.out" 2>&1 &
HELD=$!
for _ in $(seq 1 100); do [ "$(wc -l <"$T/held.out")" -ge 2 ] && break; sleep 0.05; done
first=$(sed -n 1p "$T/held.out")
beyond=$(sed -n 2p "$T/held.out")
[[ "$first" == "HTTP/1.1 503"* ]] && pass "per address: a 17th connection from one address gets 503" ||
    fail "per address: a 17th connection from one address gets 503" "$(cat "$T/held.out")"
[[ "$beyond" == closed || "$beyond" == "error "* || "$beyond" == "refused "* ]] &&
    pass "per address: past the hard cap a connection is closed at once ($beyond)" ||
    fail "per address: past the hard cap a connection is closed at once" "$(cat "$T/held.out")"
c=$(code $NET.75 "$URL/state")
[ "$c" = 200 ] && pass "per address: another address is still served while one holds 20 connections" ||
    fail "per address: another address is still served" "status $c"
wait $HELD
# this computer's own address is not limited per address: 20 held from 127.0.0.1, the
# 21st is served
$CLIENT held $SIM 18702 127.0.0.1 16 0 >"$T/local.out" 2>&1
[ "$(sed -n 2p "$T/local.out")" = "HTTP/1.1 200 OK" ] && [ "$(sed -n 1p "$T/local.out")" = "HTTP/1.1 200 OK" ] &&
    pass "per address: 127.0.0.1 (local viewers, a reverse proxy) counts only against the total" ||
    fail "per address: 127.0.0.1 is limited by the total only" "$(cat "$T/local.out")"

# request size: libmicrohttpd's memory limit, answered with the right status
out=$($CLIENT big-uri $SIM 18702 $NET.76)
[[ "$out" == "HTTP/1.1 414"* ]] && pass "request size: a 70 KB request line gets 414" || fail "request size: 414" "$out"
out=$($CLIENT big-headers $SIM 18702 $NET.76)
[[ "$out" == "HTTP/1.1 431"* ]] && pass "request size: 70 KB of headers get 431" || fail "request size: 431" "$out"

# the request deadline: a header byte a second resets the idle timer, not the deadline;
# a connection that says nothing goes the same way; others are served meanwhile
bound=$(awk -v d=$HEADER_DEADLINE_S 'BEGIN { printf "%.1f", d * 1.1 + 1 }')
$CLIENT slow $SIM 18702 $NET.77 1 25 >"$T/slow.out" 2>&1 &
SLOW=$!
$CLIENT silent $SIM 18702 $NET.78 25 >"$T/silent.out" 2>&1 &
SILENT=$!
sleep 2
c=$(code $NET.79 "$URL/state")
[ "$c" = 200 ] && pass "request deadline: others are served while slow clients wait" || fail "served beside slow clients" "status $c"
wait $SLOW $SILENT
for what in slow silent; do
    out=$(cat "$T/$what.out")
    secs=$(echo "$out" | awk '/^closed after/ {print $3}')
    if [ -n "$secs" ] && awk -v s="$secs" -v b="$bound" 'BEGIN { exit !(s <= b) }'; then
        pass "request deadline: a $what client is closed after $secs s (bound $bound s)"
    else
        fail "request deadline: a $what client is closed within $bound s" "$out"
    fi
done
stop_stream $SPID "$T/lim.log"

# ---- authentication comes before the method ----
URL=http://$SIM:18703
start_stream "$T/auth.log" --http $SIM:18703 --http-auth scope:s3cret $SIM:5555 || exit 1
SPID=$LAST_STREAM
c=$(code $NET.71 "$URL/state" -X POST)
[ "$c" = 401 ] && pass "auth: an unauthenticated POST gets 401, not 405" || fail "auth: unauthenticated POST" "status $c"
c=$(code $NET.71 "$URL/state" -X DELETE)
[ "$c" = 401 ] && pass "auth: an unauthenticated DELETE gets 401" || fail "auth: unauthenticated DELETE" "status $c"
c=$(code $NET.71 "$URL/state" -X POST -u scope:s3cret)
[ "$c" = 405 ] && pass "auth: an authenticated POST gets 405" || fail "auth: authenticated POST" "status $c"
c=$(code $NET.71 "$URL/state" -u scope:s3cret)
[ "$c" = 200 ] && pass "auth: an authenticated GET gets 200" || fail "auth: authenticated GET" "status $c"
! grep -q "warning: http" "$T/auth.log" && pass "no warning on loopback" || fail "no warning on loopback" "$(cat "$T/auth.log")"
stop_stream $SPID "$T/auth.log"

# ---- a non-loopback address without a password: a warning (our own namespace) ----
NS="scf5http$$"
if ip netns add "$NS" 2>/dev/null; then
    ip -n "$NS" link set lo up && ip -n "$NS" addr add 10.254.54.1/32 dev lo
    for auth in none with; do
        extra=()
        [ $auth = with ] && extra=(--http-auth scope:s3cret)
        ip netns exec "$NS" "$SCOPECAP" stream --http 10.254.54.1:18704 "${extra[@]}" -t 1 127.0.0.1:5555 \
            >"$T/ns.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do grep -q 'serving http' "$T/ns.log" && break; sleep 0.05; done
        kill -TERM $pid
        wait $pid
        warned=0
        grep -q "^scopecap: warning: http: http://10.254.54.1:18704/ can be reached from other computers.*--http-auth USER:PASSWORD" "$T/ns.log" && warned=1
        if { [ $auth = none ] && [ $warned -eq 1 ]; } || { [ $auth = with ] && [ $warned -eq 0 ]; }; then
            pass "non-loopback bind $auth --http-auth: warning $([ $warned -eq 1 ] && echo printed || echo absent)"
        else
            fail "non-loopback bind $auth --http-auth" "$(cat "$T/ns.log")"
        fi
    done
    ip netns del "$NS"
    NS=""
else
    echo "SKIP: the non-loopback warning needs a network namespace of our own ('ip netns add' is not allowed here)"
fi
finish
