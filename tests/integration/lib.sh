# Shared helpers for the integration tests: start scopesim on a loopback address, wait
# until it listens, count checks, and stop everything on exit. Loopback only.
set -u

: "${SCOPECAP:?set SCOPECAP to the scopecap binary}"
: "${SCOPESIM:?set SCOPESIM to the scopesim binary}"
PY=/usr/bin/python3 # Debian's python, where python3-pil and pyvisa-py are installed
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d /tmp/scopecap-test.XXXXXX)
SIM_PIDS=()
STREAM_PIDS=() # scopecap stream processes started by start_stream
PASSED=0
FAILED=0

cleanup() {
    for pid in "${STREAM_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${STREAM_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for pid in "${SIM_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${SIM_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    # a failed run shows what the simulators said (sanitizer reports land there)
    if [ "$FAILED" -gt 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
        for log in "$T"/sim-*.log; do [ -s "$log" ] && { echo "--- $log" >&2; cat "$log" >&2; }; done
    fi
    rm -rf "$T"
}
trap cleanup EXIT

# start_sim ADDR [scopesim options...]: returns once every listener is up (5 s at most)
start_sim() {
    local addr=$1
    shift
    local log="$T/sim-$addr-${#SIM_PIDS[@]}.log"
    "$SCOPESIM" --listen "$addr" "$@" >"$log" 2>&1 &
    SIM_PIDS+=($!)
    for _ in $(seq 1 100); do
        grep -q '^ready' "$log" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "scopesim on $addr did not start:" >&2
    cat "$log" >&2
    return 1
}

# start_stream LOG ARGS...: scopecap stream in the background; returns once it serves HTTP
# (5 s at most). Sets LAST_STREAM; cleanup stops it.
start_stream() {
    local log=$1
    shift
    "$SCOPECAP" stream "$@" >"$log" 2>&1 &
    STREAM_PIDS+=($!)
    LAST_STREAM=$!
    for _ in $(seq 1 100); do
        grep -q 'serving http' "$log" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "scopecap stream did not start:" >&2
    cat "$log" >&2
    return 1
}

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "    $2"; }

# check NAME COMMAND...: the command must exit 0
check() {
    local name=$1
    shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

# expect_exit NAME CODE PATTERN COMMAND...: exit code CODE and stderr matching PATTERN
expect_exit() {
    local name=$1 code=$2 pattern=$3
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne "$code" ]; then
        fail "$name" "exit $rc, wanted $code: $(cat "$T/err")"
    elif ! grep -Eq -- "$pattern" "$T/err"; then
        fail "$name" "stderr lacks /$pattern/: $(cat "$T/err")"
    else
        pass "$name"
    fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
