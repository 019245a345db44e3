#!/usr/bin/env bash
# scopecap scpi against scopesim on 127.0.3.1 (DS1054Z) and 127.0.3.2 (SDS1104X-E).
# SCOPECAP_TEST_NET=127.0.N moves it to another /24 of loopback.
. "$(dirname "$0")/lib.sh"
N=${SCOPECAP_TEST_NET:-127.0.3}
start_sim $N.1 || exit 1
start_sim $N.2 --model siglent-sds1104x-e --protocols raw || exit 1
R=$N.1:5555

idn=$("$SCOPECAP" scpi "$R" '*IDN?' 2>&1)
[ "$idn" = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4" ] && pass "*IDN?" || fail "*IDN?" "$idn"
out=$("$SCOPECAP" scpi "TCPIP0::$N.1::5025::SOCKET" '*CLS' ':TIM:SCAL?' 2>&1)
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

# --binary reads one reply after a last command without '?': Siglent's SCDP answers a bare BMP
check "--binary after SCDP (no '?')" "$SCOPECAP" scpi --binary "$T/scdp.bmp" $N.2:5025 SCDP
info=$($PY "$HERE/imgcheck.py" info "$T/scdp.bmp" 2>&1)
[ "$info" = "BMP 800x480 RGB" ] && pass "SCDP gives the screen BMP" || fail "SCDP gives the screen BMP" "$info"
expect_exit "--binary says when nothing came" 1 'no reply to "\*CLS" within 0\.3 s.*nothing was written' \
    "$SCOPECAP" scpi -t 0.3 --binary "$T/none.bin" $N.2:5025 '*CLS'
[ ! -e "$T/none.bin" ] && pass "no file when nothing came" || fail "no file when nothing came"
expect_exit "--binary with only text replies" 1 "no binary reply came.*nothing was written" \
    "$SCOPECAP" scpi --binary "$T/text.bin" "$R" '*IDN?'
expect_exit "the size limit names --max-size" 1 "--max-size" \
    "$SCOPECAP" scpi --max-size 100000 --binary "$T/big.bmp" "$R" ':DISP:DATA? ON,0,BMP24'
expect_exit "SCDP limit names --max-size too" 1 "--max-size" \
    "$SCOPECAP" scpi --max-size 100000 --binary "$T/big2.bmp" $N.2:5025 SCDP
finish
