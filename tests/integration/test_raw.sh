#!/usr/bin/env bash
# The raw SCPI socket transport against scopesim on 127.0.51.x, with the same transfers as
# the VICP, VXI-11 and HiSLIP tests, and the bare-host cascade where only raw answers: past
# a silent 1861, and to an instrument that does not know *IDN? at all. Needs no root.
. "$(dirname "$0")/lib.sh"
IDN="RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"
R=127.0.51.7:5025

start_sim 127.0.51.7 --protocols raw --raw-ports 5025 || exit 1

# ---- the transfers ----
out=$("$SCOPECAP" scpi "$R" '*IDN?' 2>&1)
[ "$out" = "$IDN" ] && pass "*IDN? over raw" || fail "*IDN? over raw" "$out"
cmd=":SIM:WRITE $(head -c 53 /dev/zero | tr '\0' B)"
[ ${#cmd} -eq 64 ] || fail "test setup: the command is ${#cmd} bytes, not 64"
out=$("$SCOPECAP" scpi "$R" "$cmd" ':SIM:WRITE?' 2>&1)
[ "$out" = 53 ] && pass "64-byte command" || fail "64-byte command" "$out"
# 200 KB in one line: many TCP segments, one newline at the end
out=$(printf ':SIM:WRITE %s\n:SIM:WRITE?\n' "$(head -c 200000 /dev/zero | tr '\0' A)" | "$SCOPECAP" scpi -i "$R" 2>&1)
[ "$out" = 200000 ] && pass "200 KB write" || fail "200 KB write" "$out"
out=$(printf ':SIM:WRITE %s\n*IDN?\n' "$(head -c 200000 /dev/zero | tr '\0' A)" | "$SCOPECAP" scpi -i tcp://$R 2>&1)
[ "$out" = "$IDN" ] && pass "a query right after the 200 KB write is answered" || fail "query after 200 KB" "$out"
check "10 MB block" "$SCOPECAP" scpi "$R" --binary "$T/block.bin" ':SIM:BLOCK? 10000000'
size=$(stat -c %s "$T/block.bin" 2>/dev/null)
[ "$size" = 10000000 ] && pass "10 MB block: 10000000 bytes" || fail "10 MB block size" "$size"

# ---- the cascade past a port that accepts and never answers ----
"$PY" "$HERE/silent_listener.py" 127.0.51.8 1861 60 >"$T/silent.log" 2>&1 &
SIM_PIDS+=($!) # stopped with the simulators
for _ in $(seq 1 50); do grep -q ready "$T/silent.log" && break; sleep 0.1; done
start_sim 127.0.51.8 --protocols raw --raw-ports 5025 || exit 1
"$SCOPECAP" scpi -v 127.0.51.8 '*IDN?' >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$T/out")" = "$IDN" ] &&
    grep -q 'vicp on port 1861 left: 1861 accepts connections but VICP is silent' "$T/err" &&
    grep -q 'raw on port 5025 answered \*IDN?' "$T/err"; then
    pass "bare host: silent 1861 left, raw 5025 answers"
else
    fail "bare host: silent 1861, then raw" "exit $rc: $(cat "$T/out" "$T/err")"
fi

# ---- no step answers *IDN?: the legacy Owon is still reached through the first open port ----
start_sim 127.0.51.5 --model owon-sds7102 --protocols raw --raw-ports 5025 || exit 1
"$SCOPECAP" shot -v -d owon-legacy -o "$T/owon.png" 127.0.51.5 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$T/owon.png" ] &&
    grep -q 'raw on port 5025 left: 5025 accepts connections but raw SCPI is silent' "$T/err" &&
    grep -q 'no protocol answered \*IDN?; using raw on port 5025, the first that accepted a connection' "$T/err"; then
    pass "bare host without *IDN?: falls back to raw 5025"
else
    fail "bare host without *IDN?" "exit $rc: $(cat "$T/err")"
fi
$PY "$HERE/imgcheck.py" info "$T/owon.png" 2>/dev/null | grep -q "PNG 800x600" && pass "the Owon screenshot decodes" ||
    fail "the Owon screenshot decodes"

# ---- a name that does not resolve fails before any step ----
# (a .invalid name would send a DNS query to this machine's resolver; the unit test
# tests/unit/test_cascade.c covers it with a stub resolver instead)
finish
