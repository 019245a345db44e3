#!/usr/bin/env bash
# scopecap scpi against scopesim on 127.0.3.1.
. "$(dirname "$0")/lib.sh"
start_sim 127.0.3.1 || exit 1
R=127.0.3.1:5555

idn=$("$SCOPECAP" scpi "$R" '*IDN?' 2>&1)
[ "$idn" = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4" ] && pass "*IDN?" || fail "*IDN?" "$idn"
out=$("$SCOPECAP" scpi "TCPIP0::127.0.3.1::5025::SOCKET" '*CLS' ':TIM:SCAL?' 2>&1)
[ "$out" = "5.000000e-04" ] && pass "VISA socket string, command then query" || fail "VISA socket string" "$out"
out=$("$SCOPECAP" scpi "$R" ':NO:SUCH:CMD' ':SYST:ERR?' 2>&1)
[ "$out" = '-113,"Undefined header"' ] && pass "error queue" || fail "error queue" "$out"
expect_exit "binary reply needs --binary" 2 "binary FILE" "$SCOPECAP" scpi "$R" ':DISP:DATA?'
check "--binary" "$SCOPECAP" scpi "$R" --binary "$T/screen.bmp" ':DISP:DATA? ON,0,BMP24'
[ "$(stat -c %s "$T/screen.bmp")" = 1152054 ] && pass "--binary writes the block payload" || fail "--binary size"
check "BMP8" "$SCOPECAP" scpi "$R" --binary "$T/screen8.bmp" ':DISP:DATA? ON,0,BMP8'
$PY "$HERE/imgcheck.py" info "$T/screen8.bmp" | grep -q "BMP 800x480 P" && pass "BMP8 is a palette BMP" || fail "BMP8"
check "PNG from the scope" "$SCOPECAP" scpi "$R" --binary "$T/screen.png" ':DISPlay:DATA? ON,OFF,PNG'
$PY "$HERE/imgcheck.py" info "$T/screen.png" | grep -q "PNG 800x480" && pass "PNG from the scope decodes" || fail "PNG"
out=$(printf '*IDN?\n:TIM:SCAL?\n' | "$SCOPECAP" scpi -i "$R" 2>&1)
[ "$(echo "$out" | wc -l)" = 2 ] && pass "interactive" || fail "interactive" "$out"
expect_exit "timeout on a silent query" 1 "timed out" "$SCOPECAP" scpi -t 0.3 "$R" ':NO:REPLY?'
out=$("$SCOPECAP" scpi --clear "$R" '*IDN?' 2>&1)
[ "$out" = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4" ] && pass "--clear (reconnect on raw)" || fail "--clear" "$out"
finish
