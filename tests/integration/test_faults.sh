#!/usr/bin/env bash
# The fault matrix: every scopesim --fault against every transport, through the real
# command line (scopecap shot): the network ones against scopesim on 127.0.19.x
# (FAULTS_NET=127.0.54 moves them), USB-TMC through the fake libusb (tests/fake_usb,
# LD_PRELOAD), which puts the same simulated instrument and faults on a fake bus: once
# as the DS1054Z it is (1ab1:04ce, so scopecap applies its Rigol quirks: TransferSize and
# EOM are not trusted, the block header is), once as a conforming USB488 device
# (1209:0001). For each (fault x transport) cell:
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
#     shadow memory is not ours; there LeakSanitizer checks for leaks instead); for USB
#     the fake device (instrument, screen, reply) lives in the same process and counts too;
#   - hostile-idn: no ESC, C1 control or other control byte reaches stdout or stderr, and
#     file names made from the IDN hold no "/" and no "..".
# The sanitizer builds check the client (LeakSanitizer at exit) and scopesim (its log).
#
# Then scan and doctor against the faults that make sense for discovery, on every
# network protocol and the LXI web server (port 80): each ends within its timeouts, never
# crashes, and prints no control byte; and scopecap stream against the faults a live
# view meets: NO SIGNAL frames naming the reason, no crash, bounded memory. The tables
# are printed at the end (KEEP_RESULTS=FILE also keeps the raw cells).
. "$(dirname "$0")/lib.sh"
. "$HERE/fake_usb.sh"
NET=${FAULTS_NET:-127.0.19}

TIMEOUT=1         # -t for every cell, unless the row says otherwise
RENDER=1.5        # rigol-ds1000z render_ms: added to the screen dump's deadline
MAX_SIZE=2097152  # --max-size: the 1.1 MB screen dump fits, a 4 GiB claim does not
MEM_LIMIT_KB=$(((16 * 1024 * 1024 + 4 * MAX_SIZE) / 1024))
ASAN=0
grep -q __asan_init "$SCOPECAP" 2>/dev/null && ASAN=1

# fault               | met at | -t | raw | vicp | vxi11 | hislip | usbtmc (DS1054Z ids, Rigol quirks) | usb488 (conforming device)
MATRIX='
close-mid-transfer    | image  | 1  | 1:closed the connection \(after 576033 of 1152065 | 1:closed the connection in the middle of a VICP block | 1:closed the connection \(in the middle of an RPC reply | 1:closed the connection \(after 576033 of 1152065 | 1:the device was disconnected during a Bulk-IN transfer | 1:the device was disconnected during a Bulk-IN transfer
stall                 | idn    | 1  | 1:query "\*IDN\?".*timed out waiting   | 1:query "\*IDN\?".*timed out waiting        | 1:device_read timed out in the instrument    | 1:query "\*IDN\?".*timed out waiting | 1:query "\*IDN\?".*timed out waiting for the reply | 1:query "\*IDN\?".*timed out waiting for the reply
trickle               | idn    | 1  | 1:timed out waiting for the reply      | 1:timed out waiting for the reply          | 1:timed out waiting for the reply           | 1:timed out waiting for the reply | 1:\*IDN\? reply "R" is not MANUFACTURER,MODEL | 1:query "\*IDN\?".*timed out waiting for the reply.*after 9 bytes
garbage-header        | image  | 1  | 1:block header: byte .G. at offset 2 is not a digit | 1:VICP header version 65 is unknown | 1:ONC RPC: message type [0-9]+ where a reply | 1:header starts with 0x47 0x41 instead of "HS" | 1:Bulk-IN header has MsgID 71 where 2 was expected | 1:Bulk-IN header has MsgID 71 where 2 was expected
huge-length           | image  | 1  | 1:declares 999999999 bytes, above the 2097152-byte limit | 1:block of 4294967295 bytes exceeds | 1:device_read reply is malformed or carries more than | 1:announces 4294967296 payload bytes | ok | 1:Bulk-IN header announces 4294967295 bytes, more than the
short-block           | image  | 1  | 1:timed out waiting.*after 1151066 of 1152065 bytes | 1:END arrived after 1151055 of 1152054 block bytes | 1:END arrived after 1151055 of 1152054 block bytes | 1:END arrived after 1151055 of 1152054 block bytes | 1:timed out waiting.*after 1151068 of 1152065 bytes | 1:END arrived after 1151055 of 1152054 block bytes
long-block            | image  | 1  | ok                                     | 1:1001 bytes more than its block header declares | 1:1001 bytes more than its block header declares | 1:1001 bytes more than its block header declares | ok | 1:1001 bytes more than its block header declares
early-end             | image  | 1  | 1:timed out waiting.*after 576034 of 1152065 bytes | 1:END arrived after 576022 of 1152054 block bytes | 1:END arrived after 576022 of 1152054 block bytes | 1:END arrived after 576022 of 1152054 block bytes | 1:timed out waiting.*after 576036 of 1152065 bytes | 1:END arrived after 576022 of 1152054 block bytes
duplicate-frames      | image  | 1  | ok                                     | 1:bytes more than its block header declares | ok                                         | 1:bytes more than its block header declares | ok | 1:Bulk-IN header answers bTag [0-9]+, but the request had bTag [0-9]+
wrong-message-type    | image  | 1  | 1:reply to ":DISP:DATA\? ON,0,BMP24" \(1 bytes, starting "1"\) is not an image | 1:query ":DISP:DATA.*timed out waiting | 1:ONC RPC: message type 0 where a reply | 1:HiSLIP InitializeResponse carries | 1:Bulk-IN header has MsgID 127 where 2 was expected | 1:Bulk-IN header has MsgID 127 where 2 was expected
reset-after=200000    | image  | 1  | 1:Connection reset by peer             | 1:Connection reset by peer                 | 1:Connection reset by peer                  | 1:Connection reset by peer | 1:USB I/O error during a Bulk-IN transfer | 1:USB I/O error during a Bulk-IN transfer
stale-reply           | image  | 1  | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image | 1:starting "RIGOL TECHNOLOGIES,DS1054Z.*is not an image
hostile-idn           | idn    | 1  | ok                                     | ok                                         | ok                                          | ok | ok | ok
slow-first-reply      | idn    | 3  | ok                                     | ok                                         | ok                                          | ok | ok | ok
'
TRANSPORTS=(raw vicp vxi11 hislip usbtmc usb488)
TITLES=("raw SCPI" "VICP" "VXI-11" "HiSLIP" "USB-TMC (DS1054Z, Rigol quirks)" "USB-TMC (conforming USB488)")
USB_SERIAL=DS1ZA000000001

# USB-TMC through the fake libusb; under a sanitizer that cannot take it, those columns
# are skipped with the reason (never in a normal build)
USB=1
fake_usb_setup
frc=$?
if [ $frc -ne 0 ]; then
    USB=0
    if [ $ASAN -eq 1 ] && [ $frc -eq 1 ]; then
        echo "SKIP: the USB-TMC columns under this sanitizer build: $FAKE_USB_SKIP"
    else
        fail "the fake libusb preloads into scopecap (USB-TMC columns)" "$FAKE_USB_SKIP"
    fi
fi
is_usb() { [ "$1" = usbtmc ] || [ "$1" = usb488 ]; }

# The fake bus for one cell: the DS1054Z with the fault, under its own ids or conforming ones.
usb_spec() { # usb_spec TRANSPORT FAULT
    case $1 in
    usbtmc) echo "rigol-ds1054z:fault=$2" ;;
    usb488) echo "rigol-ds1054z:vid=0x1209:pid=0x0001:fault=$2" ;;
    esac
}

# scopecap_for TRANSPORT FAULT ARGS...: scopecap, with the faulty USB device on the fake
# bus for the USB columns (env execs it: the same process, for /usr/bin/time)
scopecap_for() {
    local tr=$1 fault=$2
    shift 2
    if is_usb "$tr"; then
        env LD_PRELOAD="$FAKE_USB_PRELOAD" SCOPECAP_FAKE_USB="$(usb_spec "$tr" "$fault")" "$SCOPECAP" "$@"
    else
        env "$SCOPECAP" "$@"
    fi
}

resource_for() { # resource_for TRANSPORT ADDR
    case $1 in
    raw) echo "$2:5555" ;;
    vicp) echo "vicp://$2" ;;
    vxi11) echo "TCPIP0::$2::inst0::INSTR" ;;
    hislip) echo "TCPIP0::$2::hislip0::INSTR" ;;
    usbtmc) echo "USB0::0x1AB1::0x04CE::$USB_SERIAL::INSTR" ;;
    usb488) echo "USB0::0x1209::0x0001::$USB_SERIAL::INSTR" ;;
    esac
}

label_for() { # the link label every error must start with: instrument and protocol
    local a=${2//./\\.}
    case $1 in
    raw) echo "raw SCPI $a:5555" ;;
    vicp) echo "VICP $a:1861" ;;
    vxi11) echo "VXI-11 $a:111" ;;
    hislip) echo "HiSLIP $a:4880" ;;
    usbtmc) echo "USB-TMC USB 1ab1:04ce $USB_SERIAL" ;;
    usb488) echo "USB-TMC USB 1209:0001 $USB_SERIAL" ;;
    esac
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# run_shot TRANSPORT FAULT DIR OUT T RESOURCE [extra options]: sets RC, MS, KB; stderr in $T/err
run_shot() {
    local tr=$1 fault=$2 dir=$3 out=$4 t=$5 res=$6
    shift 6
    local start
    start=$(date +%s%N)
    if [ $ASAN -eq 1 ]; then
        (cd "$dir" && scopecap_for "$tr" "$fault" shot -t "$t" --max-size $MAX_SIZE -o "$out" "$@" "$res" \
            >"$T/stdout" 2>"$T/err")
        RC=$?
        KB=0
    else
        local via=(env)
        is_usb "$tr" && via=(env LD_PRELOAD="$FAKE_USB_PRELOAD" SCOPECAP_FAKE_USB="$(usb_spec "$tr" "$fault")")
        (cd "$dir" && /usr/bin/time -f %M -o "$T/mem" "${via[@]}" "$SCOPECAP" shot -t "$t" --max-size $MAX_SIZE \
            -o "$out" "$@" "$res" >"$T/stdout" 2>"$T/err")
        RC=$?
        KB=$(tail -n 1 "$T/mem")
    fi
    MS=$((($(date +%s%N) - start) / 1000000))
}

# ---- a healthy instrument gives the reference screenshot ----
start_sim $NET.1 --protocols raw || exit 1
"$SCOPECAP" shot -q -o "$T/reference.png" $NET.1:5555 || { fail "reference screenshot"; finish; exit 1; }

# ---- one simulator per fault, all four network protocols on its own address ----
declare -A ADDR
n=10
while IFS='|' read -r fault _; do
    fault=$(trim "$fault")
    [ -z "$fault" ] && continue
    ADDR[$fault]=$NET.$n
    start_sim "${ADDR[$fault]}" --protocols raw,vicp,vxi11,hislip --fault "$fault" || exit 1
    n=$((n + 1))
done <<<"$MATRIX"

RESULTS="$T/results"
: >"$RESULTS"

# One line of outcome for the printed table: "ok", or the error after the link label.
summary_of() { # summary_of OUTCOME MS LABEL-REGEX
    if [ "$1" = ok ]; then
        echo "ok ($2 ms)"
    else
        local msg
        msg=$(head -n 1 "$T/err" | sed -E "s/^scopecap: error: //; s/^(.*: )?$3: //" | cut -c 1-80)
        echo "$1: $msg ($2 ms)"
    fi
}

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
    run_shot "$tr" "$fault" "$dir" "$dir/shot.png" "$t" "$res"
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
        local rc1=$RC ms1=$MS
        cp "$T/err" "$T/err.first"
        run_shot "$tr" "$fault" "$dir" "$dir/keep.png" "$t" "$res" --force
        [ $RC -eq "$rc1" ] || problems+=("over an existing file: exit $RC, first run $rc1")
        cmp -s "$dir/keep.png" "$T/keep.orig" || problems+=("the existing file was changed")
        [ "$(ls -A "$dir")" = keep.png ] || problems+=("files left beside the existing one: $(ls -A "$dir" | tr '\n' ' ')")
        cp "$T/err.first" "$T/err"
        MS=$((MS > ms1 ? MS : ms1))
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
    CELL_SUMMARY=$(summary_of "$outcome" "$MS" "$label")
}

declare -A TABLE
FAULT_ORDER=()
while IFS='|' read -r fault when t c1 c2 c3 c4 c5 c6; do
    fault=$(trim "$fault")
    [ -z "$fault" ] && continue
    FAULT_ORDER+=("$fault")
    when=$(trim "$when")
    t=$(trim "$t")
    cells=("$(trim "$c1")" "$(trim "$c2")" "$(trim "$c3")" "$(trim "$c4")" "$(trim "$c5")" "$(trim "$c6")")
    for i in "${!TRANSPORTS[@]}"; do
        tr=${TRANSPORTS[$i]}
        if is_usb "$tr" && [ $USB -eq 0 ]; then
            TABLE[$fault,$tr]="skipped"
            continue
        fi
        check_cell "$fault" "$when" "$t" "$tr" "${cells[$i]}"
        TABLE[$fault,$tr]=$CELL_SUMMARY
    done
done <<<"$MATRIX"

# ---- hostile-idn: nothing from the instrument reaches a terminal or a path unsanitised ----
# Any byte below 0x20 other than "\n", or at/above 0x7f, counts as unsafe.
unsafe_bytes() { LC_ALL=C tr -d '\n\040-\176' <"$1" | wc -c; }
HADDR=${ADDR[hostile-idn]}
for tr in "${TRANSPORTS[@]}"; do
    is_usb "$tr" && [ $USB -eq 0 ] && continue
    res=$(resource_for "$tr" "$HADDR")
    scopecap_for "$tr" hostile-idn scpi -v "$res" '*IDN?' >"$T/idn.out" 2>"$T/idn.err"
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
            (cd "$dir/sub" && scopecap_for "$tr" hostile-idn shot -v -t 3 -o "$tmpl" "$res" >"$T/n.out" 2>"$T/n.err")
        else # the default template, {model}_{date}_{time}.{ext}
            (cd "$dir/sub" && scopecap_for "$tr" hostile-idn shot -v -t 3 "$res" >"$T/n.out" 2>"$T/n.err")
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

# ---- scan and doctor against the faults, every network protocol and the LXI web server ----
# Each must end within its timeouts (scan: connect + one exchange; doctor: that, then
# GET / on port 80 with its own connect + exchange deadline), plus 10 %, never crash, and
# print no control byte. hostile-idn must still be found, sanitised. The web server's
# reset-after is small: its responses are shorter than the matrix's 200000 bytes.
SCAN_T=0.5
SCAN_IDN=1
SCAN_BOUND=$(awk -v c=$SCAN_T -v i=$SCAN_IDN 'BEGIN { printf "%d", (c + i) * 1100 }')
DOCTOR_BOUND=$(awk -v c=$SCAN_T -v i=$SCAN_IDN 'BEGIN { printf "%d", (i + c + i) * 1100 }')
DISCOVERY_FAULTS=(stall trickle close-mid-transfer garbage-header huge-length hostile-idn reset-after=300 slow-first-reply)
declare -A DTABLE
n=40
for fault in "${DISCOVERY_FAULTS[@]}"; do
    addr=$NET.$n
    n=$((n + 1))
    start_sim "$addr" --protocols raw,vicp,vxi11,hislip,lxi --fault "$fault" || exit 1
    for cmd in scan doctor; do
        start=$(date +%s%N)
        if [ $cmd = scan ]; then
            bound=$SCAN_BOUND
            "$SCOPECAP" scan --no-usb --timeout $SCAN_T --idn-timeout $SCAN_IDN --format csv "$addr" >"$T/d.out" 2>"$T/d.err"
            rc=$?
        else
            bound=$DOCTOR_BOUND
            "$SCOPECAP" doctor --timeout $SCAN_T --idn-timeout $SCAN_IDN "$addr" >"$T/d.out" 2>"$T/d.err"
            rc=$?
        fi
        ms=$((($(date +%s%N) - start) / 1000000))
        problems=()
        [ $rc -le 3 ] || problems+=("exit $rc (a crash or a signal)")
        [ "$ms" -le "$bound" ] || problems+=("took $ms ms, timeouts + 10 % is $bound ms")
        bad=$(($(unsafe_bytes "$T/d.out") + $(unsafe_bytes "$T/d.err")))
        [ "$bad" -eq 0 ] || problems+=("$bad unsafe bytes: $(cat -v "$T/d.out" "$T/d.err" | head -c 300)")
        grep -q "Sanitizer\|runtime error" "$T/d.err" && problems+=("sanitizer report: $(head -c 300 "$T/d.err")")
        lxi=$(grep -E '^ +80 lxi' "$T/d.out" | sed -E 's/^ +80 lxi +//; s/  +/ /g' | cut -c 1-90)
        if [ "$fault" = hostile-idn ]; then
            if [ $cmd = scan ]; then
                grep -q "^$addr,RIGOL TECHNOLOGIES,DS1?\[2J/\.\./\.\.054Z,.*,lxi,80," "$T/d.out" ||
                    problems+=("the hostile instrument is not listed on lxi: $(cat -v "$T/d.out" | head -c 300)")
            else
                [ $rc -eq 0 ] || problems+=("doctor exit $rc, wanted 0")
            fi
        fi
        what="$cmd x $fault: exit $rc in $ms ms (bound $bound)"
        if [ ${#problems[@]} -eq 0 ]; then pass "$what"; else fail "$what" "$(printf '%s; ' "${problems[@]}")"; fi
        if [ $cmd = scan ]; then
            DTABLE[$fault,scan]="exit $rc, $(tail -n +2 "$T/d.out" | wc -l) rows ($ms ms)"
        else
            DTABLE[$fault,doctor]="exit $rc, port 80: ${lxi:-?} ($ms ms)"
        fi
    done
done

# ---- scopecap stream against the faults a live view meets ----
# y4m: --frames 3 are written (NO SIGNAL while no frame comes), then exit 1 naming the
# reason; http: /state shows a no-signal frame and the reason, /stream sends no-signal
# parts; no crash, and peak memory below STREAM_MEM_KB (frames of 800x480 in a few forms).
STREAM_MEM_KB=$((64 * 1024))
STREAM_FAULTS=(stall close-mid-transfer huge-length hostile-idn)
CHECK="$PY $HERE/streamcheck.py"
declare -A STABLE
port=18540
for fault in "${STREAM_FAULTS[@]}"; do
    addr=${ADDR[$fault]}
    res=$addr:5555
    label="raw SCPI ${addr//./\\.}:5555"
    # y4m
    start=$(date +%s%N)
    if [ $ASAN -eq 1 ]; then
        "$SCOPECAP" stream --y4m - --frames 3 -t 1 "$res" >"$T/s.y4m" 2>"$T/s.err"
        rc=$?
        kb=0
    else
        /usr/bin/time -f %M -o "$T/mem" "$SCOPECAP" stream --y4m - --frames 3 -t 1 "$res" >"$T/s.y4m" 2>"$T/s.err"
        rc=$?
        kb=$(tail -n 1 "$T/mem")
    fi
    ms=$((($(date +%s%N) - start) / 1000000))
    problems=()
    frame_bytes=$((800 * 480 * 3 / 2 + 6))
    size=$(stat -c %s "$T/s.y4m")
    header=$(head -n 1 "$T/s.y4m")
    [ "$size" -eq $((${#header} + 1 + 3 * frame_bytes)) ] || problems+=("y4m is $size bytes, not a header and 3 frames")
    [ $rc -le 3 ] || problems+=("exit $rc (a crash or a signal)")
    [ "$kb" -le $STREAM_MEM_KB ] || problems+=("peak memory $kb KB above $STREAM_MEM_KB KB")
    grep -q "Sanitizer\|runtime error" "$T/s.err" && problems+=("sanitizer report: $(head -c 300 "$T/s.err")")
    [ "$(unsafe_bytes "$T/s.err")" -eq 0 ] || problems+=("control bytes on stderr: $(cat -v "$T/s.err" | head -c 300)")
    if [ "$fault" = hostile-idn ]; then
        [ $rc -eq 0 ] || problems+=("exit $rc, wanted 0 (live frames)")
        y4m_what="exit $rc, 3 live frames"
    else
        [ $rc -eq 1 ] || problems+=("exit $rc, wanted 1")
        grep -Eq "^scopecap: error: no frame came from the instrument: (.*: )?$label: " "$T/s.err" ||
            problems+=("no error naming \"$label\": $(head -c 300 "$T/s.err")")
        y4m_what="exit $rc, 3 NO SIGNAL frames"
    fi
    what="stream --y4m x $fault: $y4m_what in $ms ms, $kb KB"
    if [ ${#problems[@]} -eq 0 ]; then pass "$what"; else fail "$what" "$(printf '%s; ' "${problems[@]}")"; fi
    STABLE[$fault,y4m]="$y4m_what ($ms ms, $kb KB)"

    # http
    port=$((port + 1))
    url=http://$addr:$port
    "$SCOPECAP" stream --http "$addr:$port" -t 1 "$res" >"$T/h.log" 2>&1 &
    spid=$!
    problems=()
    want=no-signal
    [ "$fault" = hostile-idn ] && want=live
    got=""
    for _ in $(seq 1 100); do
        got=$($CHECK state "$url/state" frame.kind 2>/dev/null) && [ "$got" = "$want" ] && break
        sleep 0.1
    done
    [ "$got" = "$want" ] || problems+=("/state frame.kind is \"$got\", wanted $want")
    curl -s -N -m 2 -o "$T/h.bin" "$url/stream"
    kinds=$($CHECK parts "$T/h.bin" | awk '{print $2}' | sort -u | tr '\n' ' ')
    [ "$kinds" = "$want " ] || problems+=("/stream parts are \"$kinds\", wanted $want")
    curl -s -m 2 -o "$T/state.json" "$url/state"
    reason=$($CHECK state "$url/state" source.reason 2>/dev/null)
    if [ "$fault" != hostile-idn ]; then
        echo "$reason" | grep -Eq "$label" || problems+=("/state reason does not name the link: \"$reason\"")
    fi
    [ "$(unsafe_bytes "$T/state.json")" -eq 0 ] || problems+=("control bytes in /state")
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$spid/status" 2>/dev/null)
    [ $ASAN -eq 1 ] || [ "${hwm:-0}" -le $STREAM_MEM_KB ] || problems+=("peak memory ${hwm} KB above $STREAM_MEM_KB KB")
    kill -TERM "$spid" 2>/dev/null
    wait "$spid"
    rc=$?
    [ $rc -le 3 ] || problems+=("exit $rc after SIGTERM (a crash?)")
    grep -q "Sanitizer\|runtime error" "$T/h.log" && problems+=("sanitizer report: $(head -c 300 "$T/h.log")")
    what="stream --http x $fault: $want frames, reason \"$(echo "$reason" | cut -c 1-60)...\", ${hwm:-?} KB"
    if [ ${#problems[@]} -eq 0 ]; then pass "$what"; else fail "$what" "$(printf '%s; ' "${problems[@]}")"; fi
    STABLE[$fault,http]="/state $got, /stream parts: ${kinds% } (${hwm:-?} KB)"
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

# ---- the tables (README's fault matrix comes from here) ----
echo
echo "fault matrix: scopecap shot -t 1 (slow-first-reply: -t 3), one run"
printf '| fault |'
for i in "${!TRANSPORTS[@]}"; do printf ' %s |' "${TITLES[$i]}"; done
printf '\n|---|'
for _ in "${TRANSPORTS[@]}"; do printf -- '---|'; done
echo
for fault in "${FAULT_ORDER[@]}"; do
    printf '| %s |' "$fault"
    for tr in "${TRANSPORTS[@]}"; do printf ' %s |' "${TABLE[$fault,$tr]}"; done
    echo
done
echo
echo "scan and doctor (--timeout $SCAN_T --idn-timeout $SCAN_IDN) against a faulty instrument on every network protocol and port 80"
echo "| fault | scan | doctor |"
echo "|---|---|---|"
for fault in "${DISCOVERY_FAULTS[@]}"; do
    echo "| $fault | ${DTABLE[$fault,scan]} | ${DTABLE[$fault,doctor]} |"
done
echo
echo "scopecap stream -t 1 against a faulty instrument (raw SCPI)"
echo "| fault | --y4m - --frames 3 | --http |"
echo "|---|---|---|"
for fault in "${STREAM_FAULTS[@]}"; do
    echo "| $fault | ${STABLE[$fault,y4m]} | ${STABLE[$fault,http]} |"
done

# The cells, for the README table (KEEP_RESULTS=FILE keeps them).
[ -n "${KEEP_RESULTS:-}" ] && cp "$RESULTS" "$KEEP_RESULTS"
finish
