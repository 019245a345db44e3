#!/usr/bin/env bash
# The fault matrix: every scopesim --fault against every network transport, through the
# real command line (scopecap shot), on 127.0.19.x. For each (fault x transport) cell:
#   - the outcome written in the table below: "ok" (the capture succeeds and the PNG is
#     byte-identical to one from a healthy instrument) or "1:REGEX" (exit code 1 and one
#     line on stderr, "scopecap: error: [query \"...\": ]<LABEL>: ...", naming the instrument and protocol,
#     matching REGEX);
#   - elapsed time within the deadline of the exchange that fails, plus 10 %: -t for
#     faults met at *IDN? ("idn"), -t plus the driver's render time for faults met in the
#     screen dump ("image");
#   - no output file and no temporary file left behind; with --force over an existing
#     file, that file untouched;
#   - peak memory (/usr/bin/time %M) below 16 MiB + 4 x --max-size (not under ASan, whose
#     shadow memory is not ours; there LeakSanitizer checks for leaks instead);
#   - hostile-idn: no ESC, C1 control or other control byte reaches stdout or stderr, and
#     file names made from the IDN hold no "/" and no "..".
# The sanitizer builds check the client (LeakSanitizer at exit) and scopesim (its log).
. "$(dirname "$0")/lib.sh"

TIMEOUT=1         # -t for every cell, unless the row says otherwise
RENDER=1.5        # rigol-ds1000z render_ms: added to the screen dump's deadline
MAX_SIZE=2097152  # --max-size: the 1.1 MB screen dump fits, a 4 GiB claim does not
MEM_LIMIT_KB=$(((16 * 1024 * 1024 + 4 * MAX_SIZE) / 1024))
ASAN=0
grep -q __asan_init "$SCOPECAP" 2>/dev/null && ASAN=1

# fault               | met at | -t | raw                                   | vicp                                       | vxi11                                       | hislip
MATRIX='
close-mid-transfer    | image  | 1  | 1:closed the connection \(after 576033 of 1152065 | 1:closed the connection in the middle of a VICP block | 1:closed the connection \(in the middle of an RPC reply | 1:closed the connection \(after 576033 of 1152065
stall                 | idn    | 1  | 1:query "\*IDN\?".*timed out waiting   | 1:query "\*IDN\?".*timed out waiting        | 1:device_read timed out in the instrument    | 1:query "\*IDN\?".*timed out waiting
trickle               | idn    | 1  | 1:timed out waiting for the reply      | 1:timed out waiting for the reply          | 1:timed out waiting for the reply           | 1:timed out waiting for the reply
garbage-header        | image  | 1  | 1:block header: byte .G. at offset 2 is not a digit | 1:VICP header version 65 is unknown | 1:ONC RPC: message type [0-9]+ where a reply | 1:header starts with 0x47 0x41 instead of "HS"
huge-length           | image  | 1  | 1:declares 999999999 bytes, above the 2097152-byte limit | 1:block of 4294967295 bytes exceeds | 1:device_read reply is malformed or carries more than | 1:announces 4294967296 payload bytes
short-block           | image  | 1  | 1:timed out waiting.*after 1151066 of 1152065 bytes | 1:END arrived after 1151055 of 1152054 block bytes | 1:END arrived after 1151055 of 1152054 block bytes | 1:END arrived after 1151055 of 1152054 block bytes
long-block            | image  | 1  | ok                                     | 1:1001 bytes more than its block header declares | 1:1001 bytes more than its block header declares | 1:1001 bytes more than its block header declares
early-end             | image  | 1  | 1:timed out waiting.*after 576034 of 1152065 bytes | 1:END arrived after 576022 of 1152054 block bytes | 1:END arrived after 576022 of 1152054 block bytes | 1:END arrived after 576022 of 1152054 block bytes
duplicate-frames      | image  | 1  | ok                                     | 1:bytes more than its block header declares | ok                                         | 1:bytes more than its block header declares
wrong-message-type    | image  | 1  | 1:reply to ":DISP:DATA\? ON,0,BMP24" \(1 bytes, starting "1"\) is not an image | 1:query ":DISP:DATA.*timed out waiting | 1:ONC RPC: message type 0 where a reply | 1:HiSLIP InitializeResponse carries
reset-after=200000    | image  | 1  | 1:Connection reset by peer             | 1:Connection reset by peer                 | 1:Connection reset by peer                  | 1:Connection reset by peer
stale-reply           | image  | 1  | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image
hostile-idn           | idn    | 1  | ok                                     | ok                                         | ok                                          | ok
slow-first-reply      | idn    | 3  | ok                                     | ok                                         | ok                                          | ok
'
TRANSPORTS=(raw vicp vxi11 hislip)

resource_for() { # resource_for TRANSPORT ADDR
    case $1 in
    raw) echo "$2:5555" ;;
    vicp) echo "vicp://$2" ;;
    vxi11) echo "TCPIP0::$2::inst0::INSTR" ;;
    hislip) echo "TCPIP0::$2::hislip0::INSTR" ;;
    esac
}

label_for() { # the link label every error must start with: instrument and protocol
    local a=${2//./\\.}
    case $1 in
    raw) echo "raw SCPI $a:5555" ;;
    vicp) echo "VICP $a:1861" ;;
    vxi11) echo "VXI-11 $a:111" ;;
    hislip) echo "HiSLIP $a:4880" ;;
    esac
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# run_shot DIR OUT T RESOURCE [extra options]: sets RC, MS, KB; stderr in $T/err
run_shot() {
    local dir=$1 out=$2 t=$3 res=$4
    shift 4
    local start
    start=$(date +%s%N)
    if [ $ASAN -eq 1 ]; then
        (cd "$dir" && "$SCOPECAP" shot -t "$t" --max-size $MAX_SIZE -o "$out" "$@" "$res" >"$T/stdout" 2>"$T/err")
        RC=$?
        KB=0
    else
        (cd "$dir" && /usr/bin/time -f %M -o "$T/mem" "$SCOPECAP" shot -t "$t" --max-size $MAX_SIZE -o "$out" "$@" "$res" \
            >"$T/stdout" 2>"$T/err")
        RC=$?
        KB=$(tail -n 1 "$T/mem")
    fi
    MS=$((($(date +%s%N) - start) / 1000000))
}

# ---- a healthy instrument gives the reference screenshot ----
start_sim 127.0.19.1 --protocols raw || exit 1
"$SCOPECAP" shot -q -o "$T/reference.png" 127.0.19.1:5555 || { fail "reference screenshot"; finish; exit 1; }

# ---- one simulator per fault, all four protocols on its own address ----
declare -A ADDR
n=10
while IFS='|' read -r fault _; do
    fault=$(trim "$fault")
    [ -z "$fault" ] && continue
    ADDR[$fault]=127.0.19.$n
    start_sim "${ADDR[$fault]}" --protocols raw,vicp,vxi11,hislip --fault "$fault" || exit 1
    n=$((n + 1))
done <<<"$MATRIX"

RESULTS="$T/results"
: >"$RESULTS"

check_cell() { # check_cell FAULT WHEN T TRANSPORT EXPECTED
    local fault=$1 when=$2 t=$3 tr=$4 want=$5
    local addr=${ADDR[$fault]}
    local res label name="$fault x $tr"
    res=$(resource_for "$tr" "$addr")
    label=$(label_for "$tr" "$addr")
    local bound_ms
    if [ "$when" = image ]; then
        bound_ms=$(awk -v t="$t" -v r=$RENDER 'BEGIN { printf "%d", (t + r) * 1100 }')
    else
        bound_ms=$(awk -v t="$t" 'BEGIN { printf "%d", t * 1100 }')
    fi
    local dir="$T/cell"
    rm -rf "$dir"
    mkdir -p "$dir"
    run_shot "$dir" "$dir/shot.png" "$t" "$res"
    local problems=()
    local outcome
    if [ "$want" = ok ]; then
        outcome="ok"
        [ $RC -eq 0 ] || problems+=("exit $RC, wanted 0: $(head -c 300 "$T/err")")
        cmp -s "$dir/shot.png" "$T/reference.png" || problems+=("the PNG differs from the healthy instrument's")
        [ "$(ls -A "$dir")" = shot.png ] || problems+=("files left: $(ls -A "$dir" | tr '\n' ' ')")
    else
        local code=${want%%:*} pattern=${want#*:}
        outcome="exit $RC"
        [ $RC -eq "$code" ] || problems+=("exit $RC, wanted $code")
        [ "$(wc -l <"$T/err")" -eq 1 ] || problems+=("stderr is not one line: $(head -c 400 "$T/err")")
        grep -Eq "^scopecap: error: (.*: )?$label: " "$T/err" || problems+=("the error does not name \"$label\": $(head -c 300 "$T/err")")
        grep -Eq -- "$pattern" "$T/err" || problems+=("stderr lacks /$pattern/: $(head -c 300 "$T/err")")
        [ -z "$(ls -A "$dir")" ] || problems+=("files left: $(ls -A "$dir" | tr '\n' ' ')")
        # the same failure over an existing file with --force leaves it untouched
        head -c 4096 /dev/urandom >"$dir/keep.png"
        cp "$dir/keep.png" "$T/keep.orig"
        local rc1=$RC
        run_shot "$dir" "$dir/keep.png" "$t" "$res" --force
        [ $RC -eq "$rc1" ] || problems+=("over an existing file: exit $RC, first run $rc1")
        cmp -s "$dir/keep.png" "$T/keep.orig" || problems+=("the existing file was changed")
        [ "$(ls -A "$dir")" = keep.png ] || problems+=("files left beside the existing one: $(ls -A "$dir" | tr '\n' ' ')")
    fi
    [ $MS -le "$bound_ms" ] || problems+=("took $MS ms, deadline + 10 % is $bound_ms ms")
    if [ $ASAN -eq 0 ] && [ "$KB" -gt $MEM_LIMIT_KB ]; then
        problems+=("peak memory $KB KB above $MEM_LIMIT_KB KB")
    fi
    local what="$outcome in $MS ms (bound $bound_ms), ${KB} KB"
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$name: $what"
    else
        fail "$name: $what" "$(printf '%s; ' "${problems[@]}")"
    fi
    local msg
    msg=$(head -n 1 "$T/err" | sed "s/^scopecap: error: //")
    printf '%s|%s|%s|%s|%s\n' "$fault" "$tr" "$outcome" "$MS" "$msg" >>"$RESULTS"
}

while IFS='|' read -r fault when t c_raw c_vicp c_vxi11 c_hislip; do
    fault=$(trim "$fault")
    [ -z "$fault" ] && continue
    when=$(trim "$when")
    t=$(trim "$t")
    cells=("$(trim "$c_raw")" "$(trim "$c_vicp")" "$(trim "$c_vxi11")" "$(trim "$c_hislip")")
    for i in 0 1 2 3; do
        check_cell "$fault" "$when" "$t" "${TRANSPORTS[$i]}" "${cells[$i]}"
    done
done <<<"$MATRIX"

# ---- hostile-idn: nothing from the instrument reaches a terminal or a path unsanitised ----
# Any byte below 0x20 other than "\n", or at/above 0x7f, counts as unsafe.
unsafe_bytes() { LC_ALL=C tr -d '\n\040-\176' <"$1" | wc -c; }
HADDR=${ADDR[hostile-idn]}
for tr in "${TRANSPORTS[@]}"; do
    res=$(resource_for "$tr" "$HADDR")
    "$SCOPECAP" scpi -v "$res" '*IDN?' >"$T/idn.out" 2>"$T/idn.err"
    rc=$?
    bad=$(($(unsafe_bytes "$T/idn.out") + $(unsafe_bytes "$T/idn.err")))
    if [ $rc -eq 0 ] && [ "$bad" -eq 0 ] && grep -q '^RIGOL TECHNOLOGIES,DS1?\[2J/' "$T/idn.out"; then
        pass "hostile-idn x $tr: scpi '*IDN?' prints no control bytes"
    else
        fail "hostile-idn x $tr: scpi '*IDN?' prints no control bytes" "exit $rc, $bad unsafe bytes: $(cat -v "$T/idn.out" "$T/idn.err" | head -c 300)"
    fi
    for tmpl in '{vendor}_{model}_{serial}.png' ''; do
        dir="$T/names"
        rm -rf "$dir"
        mkdir -p "$dir/sub"
        if [ -n "$tmpl" ]; then
            (cd "$dir/sub" && "$SCOPECAP" shot -v -t 3 -o "$tmpl" "$res" >"$T/n.out" 2>"$T/n.err")
        else # the default template, {model}_{date}_{time}.{ext}
            (cd "$dir/sub" && "$SCOPECAP" shot -v -t 3 "$res" >"$T/n.out" 2>"$T/n.err")
        fi
        rc=$?
        made=$(cd "$dir" && find . -mindepth 1 -not -path ./sub -not -path './sub/*')
        files=$(ls -A "$dir/sub")
        bad=$(($(unsafe_bytes "$T/n.out") + $(unsafe_bytes "$T/n.err")))
        what="hostile-idn x $tr: file name from ${tmpl:-the default template}"
        if [ $rc -eq 0 ] && [ -z "$made" ] && [ "$(echo "$files" | wc -l)" -eq 1 ] && [ -f "$dir/sub/$files" ] &&
            [[ "$files" != *..* ]] && [[ "$files" != .* ]] && [ "$bad" -eq 0 ]; then
            pass "$what is \"$files\""
        else
            fail "$what" "exit $rc, files \"$files\", outside: \"$made\", $bad unsafe bytes on the terminal: $(cat -v "$T/n.err" | head -c 300)"
        fi
    done
done

# ---- the simulators end cleanly (sanitizer builds: no leak or error report) ----
for pid in "${SIM_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
for pid in "${SIM_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
SIM_PIDS=()
if grep -l "Sanitizer\|runtime error" "$T"/sim-*.log >/dev/null 2>&1; then
    fail "scopesim ends without sanitizer reports" "$(grep -h -A5 "Sanitizer\|runtime error" "$T"/sim-*.log | head -20)"
else
    pass "scopesim ends without sanitizer reports"
fi

# The cells, for the README table (KEEP_RESULTS=FILE keeps them).
[ -n "${KEEP_RESULTS:-}" ] && cp "$RESULTS" "$KEEP_RESULTS"
finish
