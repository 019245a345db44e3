#!/usr/bin/env bash
# scopecap shot against scopesim (rigol-ds1054z) on 127.0.2.x, through the real command line.
# SCOPECAP_TEST_NET=127.0.N moves it to another /24 of loopback.
. "$(dirname "$0")/lib.sh"
IMG="$PY $HERE/imgcheck.py"
N=${SCOPECAP_TEST_NET:-127.0.2}
NRE=${N//./\\.} # for patterns

# raw only: the bare-host cascade below must land on the raw port (VXI-11 has its own test)
start_sim $N.1 --seed 1 --protocols raw || exit 1
start_sim $N.2 --seed 2 || exit 1
start_sim $N.3 --seed 3 || exit 1
start_sim $N.4 --seed 1 --fault close-mid-transfer || exit 1

# PNG by default, 800x480, pixel-identical to the raw BMP the simulator sent
check "png capture" "$SCOPECAP" shot -q -o "$T/a.png" $N.1:5555
info=$($IMG info "$T/a.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "png is 800x480" || fail "png is 800x480" "$info"
check "raw capture" "$SCOPECAP" shot -q -f raw -o "$T/a.bmp" $N.1:5555
size=$(stat -c %s "$T/a.bmp" 2>/dev/null)
[ "$size" = 1152054 ] && pass "raw is the 1152054-byte BMP24" || fail "raw is the 1152054-byte BMP24" "size $size"
info=$($IMG info "$T/a.bmp" 2>&1)
[ "$info" = "BMP 800x480 RGB" ] && pass "raw decodes as BMP 800x480" || fail "raw decodes as BMP 800x480" "$info"
$IMG same "$T/a.png" "$T/a.bmp" && pass "png pixel-identical to raw bmp" || fail "png pixel-identical to raw bmp"
check "same seed, same screen" "$SCOPECAP" shot -q -f raw -o "$T/a2.bmp" $N.1:5555
cmp -s "$T/a.bmp" "$T/a2.bmp" && pass "deterministic screen" || fail "deterministic screen"

# formats chosen by extension and by -f
check "jpeg by extension" "$SCOPECAP" shot -q -o "$T/a.jpg" $N.1:5555
info=$($IMG info "$T/a.jpg" 2>&1)
[ "$info" = "JPEG 800x480 RGB" ] && pass "jpeg is 800x480" || fail "jpeg is 800x480" "$info"
check "bmp by -f" "$SCOPECAP" shot -q -f bmp -o "$T/conv.img" $N.1:5555
info=$($IMG info "$T/conv.img" 2>&1)
[ "$info" = "BMP 800x480 RGB" ] && pass "-f bmp writes BMP" || fail "-f bmp writes BMP" "$info"

# background: the instrument's own invert switch gives a white background
check "white background" "$SCOPECAP" shot -q -b white -o "$T/white.png" $N.1:5555
white=$($IMG mean "$T/white.png" 2>&1)
native=$($IMG mean "$T/a.png" 2>&1)
[ "$white" -gt 128 ] && [ "$native" -lt 128 ] && pass "-b white gives a light screen" ||
    fail "-b white gives a light screen" "mean brightness $white (native $native)"

# names: templates, default name, no clobbering, --force, stdout
check "template" "$SCOPECAP" shot -q -o "$T/{vendor}_{model}_{serial}_{n}.{ext}" $N.1:5555
[ -f "$T/Rigol_DS1054Z_DS1ZA000000001_1.png" ] && pass "template fields expand" || fail "template fields expand" "$(ls "$T")"
mkdir -p "$T/default" && (cd "$T/default" && "$SCOPECAP" shot -q $N.1:5555)
ls "$T/default" | grep -Eq '^DS1054Z_[0-9]{8}_[0-9]{6}\.png$' && pass "default name" || fail "default name" "$(ls "$T/default")"
sum=$(md5sum <"$T/a.png")
expect_exit "refuses to overwrite" 1 "already exists.*--force.*template such as -o '.*/a_\{date\}_\{time\}\.png'" \
    "$SCOPECAP" shot -o "$T/a.png" $N.2:5555
# a taken fixed name is refused before the instrument is asked: nothing listens on .9,
# so reaching it would exit 3 with "refused"
expect_exit "taken name refused before asking" 1 "already exists" "$SCOPECAP" shot -o "$T/a.png" $N.9:5555
expect_exit "bad template refused before asking" 2 "unknown field \{colour\}" "$SCOPECAP" shot -o "$T/{colour}.png" $N.9:5555
mkdir -p "$T/adir"
expect_exit "a folder as -o says so" 2 "adir is a folder" "$SCOPECAP" shot --force -o "$T/adir" $N.9:5555
[ -d "$T/adir" ] && pass "the folder is still a folder" || fail "the folder is still a folder"
[ "$(md5sum <"$T/a.png")" = "$sum" ] && pass "existing file untouched" || fail "existing file untouched"
check "--force overwrites" "$SCOPECAP" shot -q --force -o "$T/a.png" $N.2:5555
[ "$(md5sum <"$T/a.png")" != "$sum" ] && pass "--force replaced the file" || fail "--force replaced the file"
"$SCOPECAP" shot -q -o - $N.1:5555 >"$T/stdout.png" 2>"$T/err"
info=$($IMG info "$T/stdout.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "-o - writes a PNG to stdout" || fail "-o - writes a PNG to stdout" "$info $(cat "$T/err")"
# /dev/stdout is our standard output like '-' (no --force here: a regression must not be
# able to touch /dev)
"$SCOPECAP" shot -q -o /dev/stdout $N.1:5555 >"$T/devstdout.png" 2>"$T/err"
info=$($IMG info "$T/devstdout.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "-o /dev/stdout is standard output" ||
    fail "-o /dev/stdout is standard output" "$info $(cat "$T/err")"

# --force never replaces a FIFO: the bytes go into it (the reader gives up after 10 s)
mkfifo "$T/fifo"
timeout 10 cat "$T/fifo" >"$T/from_fifo.png" &
reader=$!
check "--force into a FIFO" "$SCOPECAP" shot -q --force -o "$T/fifo" $N.1:5555
wait $reader
[ -p "$T/fifo" ] && pass "the FIFO is still a FIFO" || fail "the FIFO is still a FIFO" "$(ls -l "$T/fifo")"
info=$($IMG info "$T/from_fifo.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "the reader got the PNG" || fail "the reader got the PNG" "$info"

# a symlink: refused without --force, and with it the file it leads to is replaced
cp "$T/stdout.png" "$T/real.png"
ln -s real.png "$T/link.png"
sum=$(md5sum <"$T/real.png")
expect_exit "symlink to a file, no --force" 1 "link\.png already exists \(a symlink to .*real\.png\)" \
    "$SCOPECAP" shot -o "$T/link.png" $N.2:5555
check "symlink to a file, --force" "$SCOPECAP" shot -q --force -o "$T/link.png" $N.2:5555
[ -L "$T/link.png" ] && pass "the link is still a link" || fail "the link is still a link" "$(ls -l "$T/link.png")"
info=$($IMG info "$T/real.png" 2>&1)
[ "$(md5sum <"$T/real.png")" != "$sum" ] && [ "$info" = "PNG 800x480 RGB" ] &&
    pass "the file behind the link was replaced" || fail "the file behind the link was replaced" "$info"

# raw bytes whose format the name contradicts: saved as asked, with a warning naming both
expect_exit "-f raw into a .png warns" 0 "warning: .*r\.png holds bmp data but its name says png" \
    "$SCOPECAP" shot -f raw -o "$T/r.png" $N.1:5555
cmp -s "$T/r.png" "$T/a.bmp" && pass "the raw bytes were saved anyway" || fail "the raw bytes were saved anyway"
"$SCOPECAP" shot -f raw -o "$T/r2.bmp" $N.1:5555 2>"$T/err"
grep -q warning "$T/err" && fail "no warning when the name fits" "$(cat "$T/err")" || pass "no warning when the name fits"

# the size limit names its option
expect_exit "--max-size named when exceeded" 1 "1152054.*--max-size" \
    "$SCOPECAP" shot --max-size 100000 -o "$T/small.png" $N.1:5555

# three instruments at once
check "three in parallel" "$SCOPECAP" shot -q -o "$T/par_{host}.png" $N.1:5555 $N.2:5555 $N.3:5555
n=$(ls "$T"/par_$N.*.png 2>/dev/null | wc -l)
[ "$n" = 3 ] && pass "three files" || fail "three files" "$(ls "$T")"
$IMG differ "$T/par_$N.1.png" "$T/par_$N.2.png" && pass "each file is its own scope" || fail "each file is its own scope"
expect_exit "several resources need a field in -o" 2 "needs a field" "$SCOPECAP" shot -o "$T/x.png" $N.1:5555 $N.2:5555
expect_exit "a template that cannot tell them apart" 2 "needs a field such as \{host\}" \
    "$SCOPECAP" shot -o "$T/{model}_{date}.png" $N.1:5555 $N.2:5555

# the default name tells several instruments apart: by host, or by position when a host repeats
mkdir -p "$T/pardef" && (cd "$T/pardef" && "$SCOPECAP" shot -q $N.1:5555 $N.2:5555 2>"$T/err")
n=$(ls "$T/pardef" | grep -Ec "^DS1054Z_${NRE}\.[12]_[0-9]{8}_[0-9]{6}\.png$")
[ "$n" = 2 ] && pass "default names differ by host" || fail "default names differ by host" "$(ls "$T/pardef") $(cat "$T/err")"
mkdir -p "$T/parport" && (cd "$T/parport" && "$SCOPECAP" shot -q $N.1:5555 $N.1:5025 2>"$T/err")
n=$(ls "$T/parport" | grep -Ec '^DS1054Z_[0-9]{8}_[0-9]{6}_[12]\.png$')
[ "$n" = 2 ] && pass "one host twice: default names differ by {n}" ||
    fail "one host twice: default names differ by {n}" "$(ls "$T/parport") $(cat "$T/err")"

# with several instruments, each error line says which one it is about
expect_exit "errors name their resource" 3 "^scopecap: error: $NRE\.9:5555: " \
    "$SCOPECAP" shot -o "$T/pe_{host}.png" $N.1:5555 $N.9:5555
[ -f "$T/pe_$N.1.png" ] && pass "the good one is still saved" || fail "the good one is still saved" "$(ls "$T")"
# two simulators with the same serial collide on {serial}: the loser says who it is
expect_exit "collision names its resource" 1 "^scopecap: error: $NRE\.[12]:5555: .*already exists" \
    "$SCOPECAP" shot -o "$T/ser_{serial}.png" $N.1:5555 $N.2:5555

# the bare host goes through the cascade and lands on a raw port
expect_exit "bare host cascade" 0 "trying raw on port 5025" "$SCOPECAP" shot -v -o "$T/bare.png" $N.1
[ -f "$T/bare.png" ] && pass "bare host gives a file" || fail "bare host gives a file"

# failures: a scope that dies mid-transfer, nobody listening, bad input
expect_exit "dies mid-transfer" 1 "$NRE\.4.*closed.*after [0-9]+ of 1152065 bytes" \
    "$SCOPECAP" shot -o "$T/dead.png" $N.4:5555
[ ! -e "$T/dead.png" ] && pass "no file after a dead transfer" || fail "no file after a dead transfer"
ls -a "$T" | grep -q '\.tmp-' && fail "no temporary left" "$(ls -a "$T")" || pass "no temporary left"
expect_exit "nothing listening" 3 "$NRE\.9:5555.*refused" "$SCOPECAP" shot -o "$T/none.png" $N.9:5555
expect_exit "bad resource" 2 "port" "$SCOPECAP" shot "TCPIP0::127.0.0.1::99999::SOCKET"
expect_exit "bad format" 2 "png" "$SCOPECAP" shot -f gif $N.1:5555
expect_exit "unknown driver" 2 "list-drivers" "$SCOPECAP" shot -d nosuch -o "$T/nd.png" $N.1:5555
"$SCOPECAP" shot --list-drivers | grep -q '^rigol-ds1000z' && pass "--list-drivers" || fail "--list-drivers"
"$SCOPECAP" shot --help | grep -q -- '--background' && pass "shot --help" || fail "shot --help"

finish
