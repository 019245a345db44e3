#!/usr/bin/env bash
# scopecap wave against scopesim's eFirmata device on 127.0.16.x (UDP 2117): both framings
# (ours and the reference firmware's, byte for byte), every fault, every output. The device
# dumps the codes it generated (--efirmata-dump); tests/integration/wavecheck.py compares
# scopecap's output with them, independently of scopecap's code.
. "$(dirname "$0")/lib.sh"
W="$PY $HERE/wavecheck.py"
wave() { "$SCOPECAP" wave "$@"; }

# ef_sim ADDR OPTIONS...: scopesim whose only fixed-port service is none at all: its TCP
# listener and the eFirmata UDP port are free ones (so parallel runs cannot collide); sets
# PORT to the board's UDP port, as announced on the "listening efirmata" line.
ef_sim() {
    local addr=$1
    shift
    start_sim "$addr" --protocols raw --raw-ports 0 --efirmata-port 0 "$@" || return 1
    PORT=$(sed -n "s/^listening efirmata $addr:\([0-9]*\).*/\1/p" "$T/sim-$addr-$((${#SIM_PIDS[@]} - 1)).log")
    [ -n "$PORT" ]
}

# --- our framing: 4 x 'B', 0..255 -> 0..3.3 V, 100 kS/s ---
A=127.0.16.1
ef_sim $A --efirmata --efirmata-dump "$T/a.dump" || exit 1
R=efirmata://$A:$PORT
check "now: JSON" wave --samples 2000 -o "$T/now.json" $R
check "now: codes equal what the device generated" $W codes "$T/now.json" "$T/a.dump"
check "now: volts on the two-point scale (0,0)-(255,3.3 f)" $W volts "$T/now.json" 0:0:255:3.3:f
"$SCOPECAP" wave -v --samples 100 -o "$T/v.json" $R 2>"$T/v.err"
! grep -q "quirk" "$T/v.err" && pass "our framing: no quirk reported with -v (the frame stride is the norm)" ||
    fail "our framing: no quirk reported with -v" "$(grep quirk "$T/v.err")"
check "now: CSV" wave --samples 1500 -o "$T/now.csv" $R
check "CSV: units in the header, volts of the device's codes" $W csv "$T/now.csv" "$T/now.json" "$T/a.dump"
check "raw binary" wave --samples 1234 -o "$T/now.bin" $R
check "binary = the device's frames byte for byte" $W bin "$T/now.bin" "$T/a.dump"
out=$(wave --samples 3 $R 2>&1 | head -1)
[ "$out" = "time (s),ch0 (V),ch1 (V),ch2 (V),ch3 (V)" ] && pass "'-' writes CSV to stdout" || fail "stdout CSV" "$out"
check "rising at 1.65 V on ch0" wave --trigger rising --level 1.65 --samples 800 -o "$T/rise.json" $R
check "rising: starts where the signal crosses the level" $W trigger "$T/rise.json" "$T/a.dump"
check "rising: codes" $W codes "$T/rise.json" "$T/a.dump"
check "falling at 1.0 V on ch2" wave --trigger falling --channel 2 --level 1.0 --samples 800 -o "$T/fall.json" $R
check "falling: starts where the signal crosses the level" $W trigger "$T/fall.json" "$T/a.dump"
check "rising on the square wave (ch1), default level" wave --trigger rising --channel 1 --samples 300 -o "$T/sq.json" $R
check "square: crossing" $W trigger "$T/sq.json" "$T/a.dump"
check "PNG plot" wave --trigger rising --level 1.65 --samples 600 -o "$T/plot.png" $R
cp "$T/a.dump" "$T/a.plot.dump"
check "JSON of the same settings for the plot check" wave --samples 1 -o "$T/meta.json" $R
check "PNG decodes; channel colours draw the traces" $W plot "$T/plot.png" "$T/meta.json" "$T/a.plot.dump"
check "PNG at --size 320x200" wave --size 320x200 --samples 100 -o "$T/small.png" $R
$PY "$HERE/imgcheck.py" info "$T/small.png" | grep -q "PNG 320x200 RGB" && pass "--size" || fail "--size"
expect_exit "existing file, no --force" 1 "exists" wave --samples 10 -o "$T/now.json" $R
check "--force overwrites" wave --force --samples 10 -o "$T/now.json" $R
check "--continuous -o DIR --count 3" wave --continuous --count 3 --samples 400 -o "$T/live" $R
n=$(ls "$T/live" | grep -c '^wave-00000[123]\.png$')
[ "$n" = 3 ] && pass "three numbered PNGs" || fail "numbered PNGs" "$(ls "$T/live")"
$PY "$HERE/imgcheck.py" info "$T/live/wave-000003.png" | grep -q "PNG 800x480" && pass "continuous PNG decodes" ||
    fail "continuous PNG"
# --- --continuous as live video: the plot through scopecap stream's sinks ---
"$SCOPECAP" wave --continuous --count 5 --samples 500 --y4m - $R 2>"$T/live-y4m.err" >"$T/live.y4m"
probe=$(ffprobe -v error -count_frames -show_entries stream=width,height,nb_read_frames -of csv=p=0 "$T/live.y4m" 2>&1)
[ "$probe" = "800,480,5" ] && pass "--continuous --y4m -: ffprobe reads 5 frames of 800x480" ||
    fail "--continuous --y4m" "ffprobe: $probe; $(cat "$T/live-y4m.err")"
check "--continuous --record DIR --count 3" wave --continuous --count 3 --trigger rising --level 1.65 --samples 600 \
    --record "$T/rec" $R
# triggered at one level, the plots are alike: --count 3 must still give 3 files
n=$(ls "$T/rec" | grep -c '^frame-00000[123]\.png$')
[ "$n" = 3 ] && pass "--continuous --record --count 3: three files" || fail "--record --count 3: three files" "$(ls "$T/rec")"
last=$(ls "$T/rec" | tail -1)
cp "$T/a.dump" "$T/a.rec.dump"
# the captures are not capped at --count (a sink may skip one), so the run may take one
# more capture after its last frame: that frame is then the device's last but one
$W plot "$T/rec/$last" "$T/meta.json" "$T/a.rec.dump" >/dev/null 2>&1 || head -n -1 "$T/a.dump" >"$T/a.rec.dump"
check "--record: the last live frame is the last capture's plot, traces in channel colours" \
    $W plot "$T/rec/$last" "$T/meta.json" "$T/a.rec.dump"
HP=18431
"$SCOPECAP" wave --continuous --samples 300 --http $A:$HP $R 2>"$T/live-http.err" &
WP=$!
got=""
for _ in $(seq 1 50); do
    got=$(curl -s --max-time 2 http://$A:$HP/state) && echo "$got" | grep -q '"kind":"live"' && break
    sleep 0.1
done
echo "$got" | grep -q '"label":"eFirmata board at efirmata://' && pass "--continuous --http: /state names the board" ||
    fail "--http /state" "$got"
curl -s --max-time 5 -o "$T/live-snap.png" http://$A:$HP/snapshot.png
$PY "$HERE/imgcheck.py" info "$T/live-snap.png" | grep -q "PNG 800x480" && pass "--continuous --http: /snapshot.png decodes" ||
    fail "--http /snapshot.png"
curl -s --max-time 5 -o "$T/live.mjpeg" --range 0-200000 http://$A:$HP/stream
ffprobe -v error -f mjpeg -show_entries stream=width,height -of csv=p=0 "$T/live.mjpeg" 2>/dev/null | grep -q "800,480" &&
    pass "--continuous --http: /stream is MJPEG of the plot" || fail "--http /stream"
kill $WP; wait $WP 2>/dev/null
# a board that is not there: the sinks stay up and show NO SIGNAL with the reason
"$SCOPECAP" wave --continuous -t 1 --http $A:$HP efirmata://$A:2999 2>"$T/live-nosig.err" &
WP=$!
got=""
for _ in $(seq 1 60); do
    got=$(curl -s --max-time 2 http://$A:$HP/state) && echo "$got" | grep -q '"kind":"no-signal"' && break
    sleep 0.1
done
echo "$got" | grep -q '"kind":"no-signal"' && echo "$got" | grep -q '"online":false' &&
    pass "--continuous, no board: NO SIGNAL frames while retrying" || fail "no board: NO SIGNAL" "$got"
kill $WP; wait $WP 2>/dev/null
# Ctrl-C while waiting for a trigger that never fires ends the run at once, not after -t
"$SCOPECAP" wave --continuous -t 20 --trigger rising --level 3.25 --y4m "$T/never.y4m" $R 2>"$T/never.err" &
WP=$!
sleep 1.5
t0=$(date +%s%N)
kill -INT $WP
for _ in $(seq 1 100); do kill -0 $WP 2>/dev/null || break; sleep 0.05; done
ms=$((($(date +%s%N) - t0) / 1000000))
if kill -0 $WP 2>/dev/null; then
    kill -9 $WP
    fail "SIGINT during a trigger wait ends the run" "still running after $ms ms"
else
    wait $WP
    rc=$?
    [ "$rc" = 0 ] && [ "$ms" -lt 3000 ] && pass "SIGINT during a trigger wait ends the run ($ms ms, exit 0)" ||
        fail "SIGINT during a trigger wait ends the run" "exit $rc after $ms ms: $(tail -2 "$T/never.err")"
fi
expect_exit "live video needs an even --size" 2 "even width and height" \
    wave --continuous --size 801x481 --y4m - $R
expect_exit "live sinks need --continuous" 2 "go with --continuous" wave --http $A:$HP $R
expect_exit "-o DIR and live sinks do not mix" 2 "do not mix" wave --continuous -o "$T/x" --y4m - $R
expect_exit "unknown trigger" 2 "unknown trigger" wave --trigger sideways $R
expect_exit "channel beyond the board" 2 "channel 7 does not exist; the board has 4" wave --trigger rising --channel 7 $R
expect_exit "level outside the channel's codes" 2 "level 9 is code" wave --trigger rising --level 9 $R
expect_exit "not an eFirmata resource" 2 "efirmata://" wave $A:5555
expect_exit "unknown extension" 2 "cannot tell the format" wave -o "$T/x.txt" $R
expect_exit "--continuous needs somewhere to go" 2 "folder with -o DIR .* or a live sink" wave --continuous $R
expect_exit "trigger that never fires: clear timeout" 1 "never fired" wave -t 1 --trigger rising --level 3.25 $R
expect_exit "nothing on that port: unreachable" 3 "unreachable" wave -t 2 efirmata://$A:2999
expect_exit "a wave option before -t still reaches the board (was a silent exit 255)" 3 "unreachable" \
    wave --samples 10 -t 2 efirmata://$A:2999

# --- the reference firmware, byte for byte ---
L=127.0.16.2
ef_sim $L --efirmata-legacy --efirmata-dump "$T/l.dump" || exit 1
check "legacy: TOM and TODs equal the docs' vectors byte for byte" $W legacy-wire $L $PORT
"$SCOPECAP" wave -v --trigger rising --level 1.65 --samples 531 -o "$T/legacy.json" efirmata://$L:$PORT 2>"$T/legacy.err"
[ $? = 0 ] && pass "legacy: rising capture" || fail "legacy: rising capture" "$(cat "$T/legacy.err")"
check "legacy: codes" $W codes "$T/legacy.json" "$T/l.dump"
check "legacy: volts" $W volts "$T/legacy.json" 0:0:255:3.3:f
check "legacy: trigger" $W trigger "$T/legacy.json" "$T/l.dump"
for q in "after their data" "frame stride" "LPC ADC number" "error-type bytes"; do
    c=$(grep -c "quirk: .*$q" "$T/legacy.err")
    [ "$c" = 1 ] && pass "legacy: quirk reported once: $q" || fail "legacy quirk '$q' reported $c times" "$(cat "$T/legacy.err")"
done
[ "$($W field "$T/legacy.json" seconds_per_sample)" = "$($PY -c 'print(1/38400)')" ] &&
    pass "legacy: INV u16 step 38400 -> 1/38400 s" || fail "legacy step"
# the firmware keeps the count in 16 bits: asked for more, either trigger gets the most
# it can send (65535, not 70000 mod 65536), and says so without -v
for trig in now rising; do
    "$SCOPECAP" wave --trigger $trig --samples 70000 -o "$T/cut-$trig.json" efirmata://$L:$PORT 2>"$T/cut.err"
    rc=$?
    [ $rc = 0 ] && [ "$($W field "$T/cut-$trig.json" samples)" = 65535 ] &&
        grep -q "asked for 70000 samples, captured 65535.*16 bits" "$T/cut.err" &&
        pass "legacy, --trigger $trig: 70000 capped at 65535, with a warning" ||
        fail "legacy, --trigger $trig: 70000 capped at 65535, with a warning" "exit $rc: $(cat "$T/cut.err")"
    check "legacy, --trigger $trig: capped capture's codes" $W codes "$T/cut-$trig.json" "$T/l.dump"
done

# --- every fault, in both framings ---
i=10
for mode in ours legacy; do
    for fault in drop truncate duplicate reorder stale lose-tom; do
        i=$((i + 1))
        H=127.0.16.$i
        D="$T/$mode-$fault.dump"
        if [ $mode = legacy ]; then flags=--efirmata-legacy; else flags=--efirmata; fi
        ef_sim $H $flags --efirmata-fault $fault --efirmata-dump "$D" || { fail "$mode/$fault: sim"; continue; }
        R=efirmata://$H:$PORT
        case $fault in
        drop | truncate)
            expect_exit "$mode/$fault: missing ranges make a clear error" 1 "samples missing" \
                wave --samples 3000 -o "$T/$mode-$fault.never.json" $R
            cp "$T/err" "$T/$mode-$fault.err"
            check "$mode/$fault: every gap reported, exactly" $W gaps "$T/$mode-$fault.err" "$D"
            [ ! -e "$T/$mode-$fault.never.json" ] && pass "$mode/$fault: no output file" ||
                fail "$mode/$fault: output written despite gaps"
            check "$mode/$fault: --allow-gaps" wave --allow-gaps --samples 3000 -o "$T/$mode-$fault.json" $R
            check "$mode/$fault: codes equal, lost frames null" $W codes "$T/$mode-$fault.json" "$D"
            check "$mode/$fault: volts" $W volts "$T/$mode-$fault.json"
            check "$mode/$fault: CSV with NaN" wave --allow-gaps --samples 3000 -o "$T/$mode-$fault.csv" $R
            cp "$T/$mode-$fault.json" "$T/$mode-$fault.meta.json"
            check "$mode/$fault: CSV NaN where lost" $W csv "$T/$mode-$fault.csv" "$T/$mode-$fault.meta.json" "$D"
            ;;
        *)
            check "$mode/$fault: capture" wave -vv --samples 3000 -o "$T/$mode-$fault.json" $R
            check "$mode/$fault: codes equal what the device generated" $W codes "$T/$mode-$fault.json" "$D"
            check "$mode/$fault: volts" $W volts "$T/$mode-$fault.json"
            ;;
        esac
        case $fault in
        duplicate) [ "$($W field "$T/$mode-$fault.json" duplicates)" -gt 0 ] && pass "$mode/duplicate: counted" ||
            fail "$mode/duplicate: none counted" ;;
        stale)
            [ "$($W field "$T/$mode-$fault.json" stale)" -gt 0 ] && pass "$mode/stale: counted" || fail "$mode/stale: none counted"
            "$SCOPECAP" wave -v --continuous --count 3 --samples 2000 -o "$T/$mode-stale-live" $R 2>"$T/stale.err"
            [ $? = 0 ] && [ "$(ls "$T/$mode-stale-live" | wc -l)" = 3 ] && grep -q "drained\|stale" "$T/stale.err" &&
                pass "$mode/stale: continuous captures drain the previous capture's packets" ||
                fail "$mode/stale: continuous" "$(cat "$T/stale.err")" ;;
        esac
    done
done
# lose-tom above passed only because the TOC was sent again; here the resend itself, seen from the client
H=127.0.16.40
ef_sim $H --efirmata --efirmata-fault lose-tom --efirmata-dump "$T/lt.dump" || exit 1
"$SCOPECAP" wave -vv --samples 500 -o "$T/lt.json" efirmata://$H:$PORT 2>"$T/lt.err"
[ $? = 0 ] && grep -q "sending the TOC again" "$T/lt.err" && pass "lose-tom: the TOC is sent again and the capture completes" ||
    fail "lose-tom resend" "$(cat "$T/lt.err")"

# --- every sample datatype up to 4 bytes, mixed units, float scale, INV float step ---
M=127.0.16.50
ef_sim $M --efirmata --efirmata-channels 9 --efirmata-types b,B,h,H,i,I,l,L,f --efirmata-units V,A,V \
    --efirmata-real-type d --efirmata-step-type f --efirmata-inv --efirmata-rate 50000 \
    --efirmata-dump "$T/m.dump" || exit 1
R=efirmata://$M:$PORT
check "mixed types: JSON" wave --samples 1000 -o "$T/mixed.json" $R
check "mixed types: codes of b B h H i I l L f" $W codes "$T/mixed.json" "$T/m.dump"
check "mixed types: volts" $W volts "$T/mixed.json"
check "mixed types: binary frames" wave --samples 777 -o "$T/mixed.bin" $R
check "mixed types: binary = device frames" $W bin "$T/mixed.bin" "$T/m.dump"
check "mixed types: CSV" wave --samples 500 -o "$T/mixed.csv" $R
check "mixed types: CSV units V,A,V and values" $W csv "$T/mixed.csv" "$T/mixed.json" "$T/m.dump"
check "mixed types: falling trigger on the 'h' channel (triangle) at 0.5 V" \
    wave --trigger falling --channel 2 --level 0.5 --samples 400 -o "$T/mixed-trig.json" $R
check "mixed types: 'h' trigger crossing" $W trigger "$T/mixed-trig.json" "$T/m.dump"
check "mixed types: plot" wave --samples 600 -o "$T/mixed.png" $R
cp "$T/m.dump" "$T/m.plot.dump"
check "mixed types: plot colours (A and V scales)" $W plot "$T/mixed.png" "$T/mixed.json" "$T/m.plot.dump"

# --- 16 channels, a user scale around zero ---
S=127.0.16.51
ef_sim $S --efirmata --efirmata-channels 16 --efirmata-scale 0:-5:255:5 --efirmata-dump "$T/s.dump" || exit 1
check "16 channels, scale (0,-5)-(255,5)" wave --trigger rising --channel 5 --level 0 --samples 1000 -o "$T/s16.json" \
    efirmata://$S:$PORT
check "16 channels: codes" $W codes "$T/s16.json" "$T/s.dump"
check "16 channels: volts" $W volts "$T/s16.json" 0:-5:255:5:f
check "16 channels: trigger" $W trigger "$T/s16.json" "$T/s.dump"

# --- the well-known port: efirmata://HOST means UDP 2117 ---
start_sim 127.0.16.60 --protocols raw --raw-ports 0 --efirmata --efirmata-dump "$T/p.dump" || exit 1
check "efirmata://HOST goes to UDP 2117" wave --samples 100 -o "$T/port.json" efirmata://127.0.16.60
check "port 2117: codes" $W codes "$T/port.json" "$T/p.dump"
finish
