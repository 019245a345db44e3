#!/usr/bin/env bash
# scopecap shot against scopesim (rigol-ds1054z) on 127.0.2.x, through the real command line.
. "$(dirname "$0")/lib.sh"
IMG="$PY $HERE/imgcheck.py"

# raw only: the bare-host cascade below must land on the raw port (VXI-11 has its own test)
start_sim 127.0.2.1 --seed 1 --protocols raw || exit 1
start_sim 127.0.2.2 --seed 2 || exit 1
start_sim 127.0.2.3 --seed 3 || exit 1
start_sim 127.0.2.4 --seed 1 --fault close-mid-transfer || exit 1

# PNG by default, 800x480, pixel-identical to the raw BMP the simulator sent
check "png capture" "$SCOPECAP" shot -q -o "$T/a.png" 127.0.2.1:5555
info=$($IMG info "$T/a.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "png is 800x480" || fail "png is 800x480" "$info"
check "raw capture" "$SCOPECAP" shot -q -f raw -o "$T/a.bmp" 127.0.2.1:5555
size=$(stat -c %s "$T/a.bmp" 2>/dev/null)
[ "$size" = 1152054 ] && pass "raw is the 1152054-byte BMP24" || fail "raw is the 1152054-byte BMP24" "size $size"
info=$($IMG info "$T/a.bmp" 2>&1)
[ "$info" = "BMP 800x480 RGB" ] && pass "raw decodes as BMP 800x480" || fail "raw decodes as BMP 800x480" "$info"
$IMG same "$T/a.png" "$T/a.bmp" && pass "png pixel-identical to raw bmp" || fail "png pixel-identical to raw bmp"
check "same seed, same screen" "$SCOPECAP" shot -q -f raw -o "$T/a2.bmp" 127.0.2.1:5555
cmp -s "$T/a.bmp" "$T/a2.bmp" && pass "deterministic screen" || fail "deterministic screen"

# formats chosen by extension and by -f
check "jpeg by extension" "$SCOPECAP" shot -q -o "$T/a.jpg" 127.0.2.1:5555
info=$($IMG info "$T/a.jpg" 2>&1)
[ "$info" = "JPEG 800x480 RGB" ] && pass "jpeg is 800x480" || fail "jpeg is 800x480" "$info"
check "bmp by -f" "$SCOPECAP" shot -q -f bmp -o "$T/conv.img" 127.0.2.1:5555
info=$($IMG info "$T/conv.img" 2>&1)
[ "$info" = "BMP 800x480 RGB" ] && pass "-f bmp writes BMP" || fail "-f bmp writes BMP" "$info"

# background: the instrument's own invert switch gives a white background
check "white background" "$SCOPECAP" shot -q -b white -o "$T/white.png" 127.0.2.1:5555
white=$($IMG mean "$T/white.png" 2>&1)
native=$($IMG mean "$T/a.png" 2>&1)
[ "$white" -gt 128 ] && [ "$native" -lt 128 ] && pass "-b white gives a light screen" ||
    fail "-b white gives a light screen" "mean brightness $white (native $native)"

# names: templates, default name, no clobbering, --force, stdout
check "template" "$SCOPECAP" shot -q -o "$T/{vendor}_{model}_{serial}_{n}.{ext}" 127.0.2.1:5555
[ -f "$T/Rigol_DS1054Z_DS1ZA000000001_1.png" ] && pass "template fields expand" || fail "template fields expand" "$(ls "$T")"
mkdir -p "$T/default" && (cd "$T/default" && "$SCOPECAP" shot -q 127.0.2.1:5555)
ls "$T/default" | grep -Eq '^DS1054Z_[0-9]{8}_[0-9]{6}\.png$' && pass "default name" || fail "default name" "$(ls "$T/default")"
sum=$(md5sum <"$T/a.png")
expect_exit "refuses to overwrite" 1 "already exists.*--force" "$SCOPECAP" shot -o "$T/a.png" 127.0.2.2:5555
[ "$(md5sum <"$T/a.png")" = "$sum" ] && pass "existing file untouched" || fail "existing file untouched"
check "--force overwrites" "$SCOPECAP" shot -q --force -o "$T/a.png" 127.0.2.2:5555
[ "$(md5sum <"$T/a.png")" != "$sum" ] && pass "--force replaced the file" || fail "--force replaced the file"
"$SCOPECAP" shot -q -o - 127.0.2.1:5555 >"$T/stdout.png" 2>"$T/err"
info=$($IMG info "$T/stdout.png" 2>&1)
[ "$info" = "PNG 800x480 RGB" ] && pass "-o - writes a PNG to stdout" || fail "-o - writes a PNG to stdout" "$info $(cat "$T/err")"

# three instruments at once
check "three in parallel" "$SCOPECAP" shot -q -o "$T/par_{host}.png" 127.0.2.1:5555 127.0.2.2:5555 127.0.2.3:5555
n=$(ls "$T"/par_127.0.2.*.png 2>/dev/null | wc -l)
[ "$n" = 3 ] && pass "three files" || fail "three files" "$(ls "$T")"
$IMG differ "$T/par_127.0.2.1.png" "$T/par_127.0.2.2.png" && pass "each file is its own scope" || fail "each file is its own scope"
expect_exit "several resources need a field in -o" 2 "needs a field" "$SCOPECAP" shot -o "$T/x.png" 127.0.2.1:5555 127.0.2.2:5555

# the bare host goes through the cascade and lands on a raw port
expect_exit "bare host cascade" 0 "trying raw on port 5025" "$SCOPECAP" shot -v -o "$T/bare.png" 127.0.2.1
[ -f "$T/bare.png" ] && pass "bare host gives a file" || fail "bare host gives a file"

# failures: a scope that dies mid-transfer, nobody listening, bad input
expect_exit "dies mid-transfer" 1 "127\.0\.2\.4.*closed.*after [0-9]+ of 1152065 bytes" \
    "$SCOPECAP" shot -o "$T/dead.png" 127.0.2.4:5555
[ ! -e "$T/dead.png" ] && pass "no file after a dead transfer" || fail "no file after a dead transfer"
ls -a "$T" | grep -q '\.tmp-' && fail "no temporary left" "$(ls -a "$T")" || pass "no temporary left"
expect_exit "nothing listening" 3 "127\.0\.2\.9:5555.*refused" "$SCOPECAP" shot -o "$T/none.png" 127.0.2.9:5555
expect_exit "bad resource" 2 "port" "$SCOPECAP" shot "TCPIP0::127.0.0.1::99999::SOCKET"
expect_exit "bad format" 2 "png" "$SCOPECAP" shot -f gif 127.0.2.1:5555
expect_exit "unknown driver" 2 "list-drivers" "$SCOPECAP" shot -d nosuch -o "$T/nd.png" 127.0.2.1:5555
"$SCOPECAP" shot --list-drivers | grep -q '^rigol-ds1000z' && pass "--list-drivers" || fail "--list-drivers"
"$SCOPECAP" shot --help | grep -q -- '--background' && pass "shot --help" || fail "shot --help"

finish
