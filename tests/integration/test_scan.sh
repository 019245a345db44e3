#!/usr/bin/env bash
# scopecap scan and doctor against several scopesim instruments on 127.0.1.x (loopback
# only). The target list is checked with --dry-run before anything is scanned; every
# scan names its loopback targets explicitly.
. "$(dirname "$0")/lib.sh"

# ---- what a scan would touch, before it touches anything ----
out=$("$SCOPECAP" scan --dry-run 127.0.1.0/24 2>&1)
echo "$out" | grep -Eq '^127\.0\.1\.1-127\.0\.1\.254 +254 hosts +\(127\.0\.1\.0/24\)$' &&
    echo "$out" | grep -q '^total: 254 hosts$' &&
    [ "$(echo "$out" | grep -c hosts)" -eq 2 ] &&
    echo "$out" | grep -q '^ports: vxi11:111 vicp:1861 hislip:4880 raw:5025 raw:5555 lxi:80$' &&
    pass "dry run: 127.0.1.0/24 is 254 hosts and the six default ports" || fail "dry run of 127.0.1.0/24" "$out"
out=$("$SCOPECAP" scan --dry-run --no-usb 2>&1)
# the default list comes from the interfaces: never loopback, never link-local
if [ $? -eq 0 ] && ! echo "$out" | grep -Eq '^(127\.|169\.254\.)' && echo "$out" | grep -q '^total: '; then
    pass "dry run of the default targets: no loopback, no link-local"
else
    fail "dry run of the default targets" "$out"
fi
expect_exit "a bad target is a usage error" 2 'not a CIDR block|prefix length' "$SCOPECAP" scan --dry-run 10.0.0.0/40
expect_exit "a bad port list is a usage error" 2 'unknown protocol' "$SCOPECAP" scan --dry-run --ports ftp:21 127.0.1.1

# ---- six instruments of different makes and protocols, and three things that are not ----
start_sim 127.0.1.1 --model keysight-dsox2024a --protocols raw,vxi11,hislip || exit 1
start_sim 127.0.1.2 --model lecroy-waverunner9254m --protocols vicp,vxi11,lxi || exit 1
start_sim 127.0.1.3 --model rigol-ds1054z || exit 1
SCOPESIM_HTTP_AUTH=admin:secret start_sim 127.0.1.4 --model rs-rtb2004 --protocols raw,lxi || exit 1
start_sim 127.0.1.5 --model siglent-sds1104x-e --protocols raw --raw-ports 5555 || exit 1
start_sim 127.0.1.6 --model tek-mso56 --protocols hislip || exit 1
start_sim 127.0.1.7 --protocols raw --fault stall || exit 1              # accepts, never answers
start_sim 127.0.1.8 --protocols raw --raw-ports 1861 || exit 1            # 1861 that is no VICP
start_sim 127.0.1.9 --model lecroy-waverunner9254m --protocols vicp --fault stall || exit 1 # LXI-mode LeCroy

start=$(date +%s%N)
"$SCOPECAP" scan --no-usb --idn-timeout 1 --format csv -o "$T/scan.csv" 127.0.1.0/24 >"$T/out" 2>"$T/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && pass "scan of 127.0.1.0/24 exits 0 ($ms ms)" || fail "scan exit code" "rc $rc: $(cat "$T/err")"
# loopback refuses at once; the silent ones cost one --idn-timeout
[ "$ms" -lt 3000 ] && pass "scan finished within its bounds" || fail "scan took $ms ms"
grep -q '^scopecap scan: 6 instruments found, 254 hosts' "$T/err" && pass "summary line" || fail "summary" "$(cat "$T/err")"
hosts=$(tail -n +2 "$T/scan.csv" | cut -d, -f1 | sort -u | tr '\n' ' ')
[ "$hosts" = "127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4 127.0.1.5 127.0.1.6 " ] &&
    pass "exactly the six instruments" || fail "found hosts" "$hosts"
row() { grep "^$1,.*,$2,$3,$4,$5$" "$T/scan.csv" >/dev/null; }
expect_row() { row "$@" && pass "$1 $2 $3" || fail "$1 $2 $3: no row" "$(grep "^$1," "$T/scan.csv")"; }
expect_row 127.0.1.1 hislip 4880 TCPIP0::127.0.1.1::hislip0::INSTR tcp
expect_row 127.0.1.1 vxi11 111 TCPIP0::127.0.1.1::inst0::INSTR tcp
expect_row 127.0.1.1 raw 5025 TCPIP0::127.0.1.1::5025::SOCKET tcp
expect_row 127.0.1.2 vicp 1861 VICP::127.0.1.2::INSTR tcp
expect_row 127.0.1.2 vxi11 111 TCPIP0::127.0.1.2::inst0::INSTR tcp
expect_row 127.0.1.2 lxi 80 TCPIP0::127.0.1.2::inst0::INSTR tcp
expect_row 127.0.1.3 raw 5555 TCPIP0::127.0.1.3::5555::SOCKET tcp
expect_row 127.0.1.3 raw 5025 TCPIP0::127.0.1.3::5025::SOCKET tcp
expect_row 127.0.1.4 lxi 80 TCPIP0::127.0.1.4::5025::SOCKET tcp
expect_row 127.0.1.5 raw 5555 TCPIP0::127.0.1.5::5555::SOCKET tcp
expect_row 127.0.1.6 hislip 4880 TCPIP0::127.0.1.6::hislip0::INSTR tcp
[ "$(grep -c '^127\.0\.1\.1,' "$T/scan.csv")" = 3 ] && pass "127.0.1.1 lists exactly its three protocols" ||
    fail "127.0.1.1 protocols" "$(grep '^127.0.1.1,' "$T/scan.csv")"
[ "$(grep -c '^127\.0\.1\.6,' "$T/scan.csv")" = 1 ] && pass "127.0.1.6 lists only HiSLIP" || fail "127.0.1.6 protocols"
# the first row of each host is its best protocol, with the instrument's own names
$PY - "$T/scan.csv" <<'PY' && pass "vendors and models" || fail "vendors and models"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = {"127.0.1.1": ("AGILENT TECHNOLOGIES", "DSO-X 2024A", "hislip"),
        "127.0.1.2": ("LECROY", "WAVERUNNER9254M", "vicp"),
        "127.0.1.3": ("RIGOL TECHNOLOGIES", "DS1054Z", "vxi11"),
        "127.0.1.4": ("Rohde&Schwarz", "RTB2004", "raw"),
        "127.0.1.5": ("Siglent Technologies", "SDS1104X-E", "raw"),
        "127.0.1.6": ("TEKTRONIX", "MSO56", "hislip")}
first = {}
for r in rows:
    first.setdefault(r["address"], r)
for a, (m, mo, p) in want.items():
    r = first[a]
    if (r["manufacturer"], r["model"], r["protocol"]) != (m, mo, p):
        print(a, r, file=sys.stderr); sys.exit(1)
PY

# ---- the output file: atomic and never clobbered unless --force ----
expect_exit "-o does not overwrite" 1 'exists' "$SCOPECAP" scan --no-usb -o "$T/scan.csv" 127.0.1.3
check "-o --force replaces" "$SCOPECAP" scan --no-usb --format json --force -o "$T/scan.csv" 127.0.1.3
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); i=d["instruments"]; sys.exit(not (len(i)==1 and i[0]["vendor"]=="Rigol" and i[0]["services"][0]["resource"]=="TCPIP0::127.0.1.3::inst0::INSTR"))' "$T/scan.csv" &&
    pass "JSON output parses and says Rigol" || fail "JSON output" "$(cat "$T/scan.csv")"
out=$("$SCOPECAP" scan --no-usb 127.0.1.1 2>/dev/null)
echo "$out" | head -1 | grep -Eq '^ADDRESS +MANUFACTURER +MODEL +SERIAL +PROTOCOL RESOURCE' &&
    echo "$out" | grep -Eq '^ {40,}vxi11 +TCPIP0::127\.0\.1\.1::inst0::INSTR$' && pass "aligned table" || fail "table" "$out"
# an IPv6 host, named explicitly (ports of our own: ::1 is shared with everyone)
start_sim ::1 --protocols raw --raw-ports 5599 || exit 1
out=$("$SCOPECAP" scan --no-usb --format csv --ports raw:5599 ::1 2>&1)
echo "$out" | grep -q '^::1,RIGOL TECHNOLOGIES,DS1054Z,.*,raw,5599,TCPIP0::\[::1\]::5599::SOCKET,tcp$' &&
    pass "an explicit IPv6 host" || fail "IPv6 host" "$out"
expect_exit "nothing found exits 1" 1 '0 instruments found' "$SCOPECAP" scan --no-usb 127.0.1.200-210
expect_exit "a silent port is not an instrument" 1 '0 instruments found' "$SCOPECAP" scan --no-usb --idn-timeout 0.3 127.0.1.7-9

# ---- doctor ----
"$SCOPECAP" doctor 127.0.1.1 >"$T/doc" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^verdict   reachable: AGILENT TECHNOLOGIES,DSO-X 2024A (TCPIP0::127.0.1.1::hislip0::INSTR)' "$T/doc" &&
    grep -Eq '^ +4880 hislip +ok +HiSLIP \*IDN\?' "$T/doc" && grep -Eq '^ +1861 vicp +closed' "$T/doc" &&
    grep -q '^route     from 127.0.0.1/8 on lo; same subnet: yes' "$T/doc" &&
    pass "doctor: a reachable instrument" || fail "doctor reachable (rc $rc)" "$(cat "$T/doc")"
# refusing every port is an answer (the host is there): exit 1, not 3 ("nothing answers")
"$SCOPECAP" doctor --timeout 0.5 127.0.1.250 >"$T/doc" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '^hint      every port refused: wrong address, or LAN remote control is off (127.0.1.250 answers' "$T/doc" &&
    grep -q '^verdict   not usable yet' "$T/doc" &&
    pass "doctor: a host that refuses every port exits 1" || fail "doctor closed host (rc $rc)" "$(cat "$T/doc")"
# a silent 1861 with 111 closed: no VXI-11 resource is suggested, since none answered
"$SCOPECAP" doctor --idn-timeout 0.5 VICP::127.0.1.9::INSTR >"$T/doc" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -Eq '^ +1861 vicp +open +VICP: accepts connections' "$T/doc" &&
    grep -q '^hint      1861 is open but VICP is silent: the LeCroy is in LXI (VXI-11) mode; switch Utilities.*; no other protocol identified itself here' "$T/doc" &&
    ! grep -q 'inst0::INSTR' "$T/doc" &&
    pass "doctor: a VICP port that stays silent (LXI mode), nothing else to suggest" || fail "doctor silent VICP (rc $rc)" "$(cat "$T/doc")"
"$SCOPECAP" doctor --idn-timeout 0.5 VICP::127.0.1.8::INSTR >"$T/doc" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -Eq '^ +1861 vicp +open ' "$T/doc" && grep -q '^hint      1861 is open but VICP' "$T/doc" &&
    pass "doctor: port 1861 that does not speak VICP" || fail "doctor non-VICP 1861 (rc $rc)" "$(cat "$T/doc")"
"$SCOPECAP" doctor --user admin --password secret 127.0.1.4 >"$T/doc" 2>&1
grep -q '^web       GET / -> HTTP 401 (password required, realm scopesim)' "$T/doc" &&
    grep -q '^web auth  user "admin" -> HTTP 200 (accepted)' "$T/doc" && pass "doctor: web password accepted" ||
    fail "doctor web auth" "$(cat "$T/doc")"
"$SCOPECAP" doctor --user admin --password wrong 127.0.1.4 >"$T/doc" 2>&1
grep -q '^hint      the web page rejects user "admin"' "$T/doc" && pass "doctor: wrong web password" ||
    fail "doctor wrong password" "$(cat "$T/doc")"
"$SCOPECAP" doctor 127.0.1.3:5025 >"$T/doc" 2>&1 && grep -Eq '^ +5555 raw +ok' "$T/doc" &&
    pass "doctor: host:port resource" || fail "doctor host:port" "$(cat "$T/doc")"
expect_exit "doctor wants one resource" 2 'name one RESOURCE' "$SCOPECAP" doctor

# ---- on 127.0.54.x: the LXI-mode LeCroy whose VXI-11 answers, and a hostile *IDN? ----
start_sim 127.0.54.30 --model lecroy-waverunner9254m --protocols vicp --fault stall || exit 1
start_sim 127.0.54.30 --model lecroy-waverunner9254m --protocols vxi11 || exit 1
"$SCOPECAP" doctor --idn-timeout 0.5 VICP::127.0.54.30::INSTR >"$T/doc" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^hint      1861 is open but VICP is silent: .*, or use TCPIP0::127.0.54.30::inst0::INSTR (VXI-11 answers)$' "$T/doc" &&
    pass "doctor: silent VICP, and the VXI-11 that answers is suggested" || fail "doctor silent VICP with VXI-11 (rc $rc)" "$(cat "$T/doc")"

# control bytes in *IDN? no longer hide an instrument: listed sanitised, with a note
unsafe_bytes() { LC_ALL=C tr -d '\n\040-\176' <"$1" | wc -c; }
start_sim 127.0.54.31 --protocols raw,vxi11,lxi --fault hostile-idn || exit 1
"$SCOPECAP" scan --no-usb --idn-timeout 1 --format csv 127.0.54.31 >"$T/out" 2>"$T/err"
rc=$?
bad=$(($(unsafe_bytes "$T/out") + $(unsafe_bytes "$T/err")))
[ $rc -eq 0 ] && [ "$bad" -eq 0 ] && grep -q '^127\.0\.54\.31,RIGOL TECHNOLOGIES,DS1?\[2J/\.\./\.\.054Z,.*,vxi11,111,' "$T/out" &&
    [ "$(grep -c '^127\.0\.54\.31,' "$T/out")" -eq 4 ] &&
    grep -q "^scopecap scan: note: 127.0.54.31: its identification (.*) carries control bytes (terminal escapes?), shown as '?'$" "$T/err" &&
    [ "$(grep -c 'carries control bytes' "$T/err")" -eq 1 ] &&
    pass "scan: a hostile *IDN? is listed on every protocol, sanitised, with one note" ||
    fail "scan: hostile *IDN? (rc $rc, $bad unsafe bytes)" "$(cat -v "$T/out" "$T/err" | head -c 800)"
"$SCOPECAP" scan --no-usb --idn-timeout 1 --format json 127.0.54.31 >"$T/out" 2>/dev/null
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d["instruments"])==1 and any("control bytes" in n for n in d["notes"])))' "$T/out" &&
    pass "scan: the note is in the JSON too" || fail "scan JSON note" "$(cat -v "$T/out" | head -c 600)"
"$SCOPECAP" doctor --idn-timeout 1 127.0.54.31 >"$T/doc" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(unsafe_bytes "$T/doc")" -eq 0 ] && grep -q "control bytes shown as '?'" "$T/doc" &&
    pass "doctor: a hostile *IDN? is shown sanitised" || fail "doctor hostile *IDN? (rc $rc)" "$(cat -v "$T/doc" | head -c 600)"

# ---- USB enumeration through the fake libusb (tests/fake_usb), in the real binary ----
. "$HERE/fake_usb.sh"
ASAN=0
grep -q __asan_init "$SCOPECAP" 2>/dev/null && ASAN=1
fake_usb_setup
frc=$?
if [ $frc -ne 0 ] && [ $ASAN -eq 1 ] && [ $frc -eq 1 ]; then
    echo "SKIP: USB through the fake libusb under this sanitizer build: $FAKE_USB_SKIP"
elif [ $frc -ne 0 ]; then
    fail "the fake libusb preloads into scopecap" "$FAKE_USB_SKIP"
else
    # one instrument that opens, one the udev rules keep closed, one held by another program
    BUS="rigol-ds1054z;keysight-dsox2024a:access=denied;tek-mso56:access=busy"
    usb_run SCOPECAP_FAKE_USB="$BUS" "$SCOPECAP" scan --format csv --ports raw:5599 127.0.54.254 >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] && grep -q '^usb:001:004,RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4,usbtmc,,USB0::0x1AB1::0x04CE::DS1ZA000000001::INSTR,usb$' "$T/out" &&
        [ "$(tail -n +2 "$T/out" | wc -l)" -eq 1 ] && pass "scan: a USB-TMC instrument through the fake libusb" ||
        fail "scan over the fake USB bus (rc $rc)" "$(cat "$T/out" "$T/err")"
    grep -q '^scopecap scan: note: USB 0957:179a Agilent at bus 001 device 005: permission denied (/dev/bus/usb/001/005); add the udev rule .SUBSYSTEM=="usb", ATTR{idVendor}=="0957", ATTR{idProduct}=="179a", MODE="0660", GROUP="plugdev", TAG+="uaccess".' "$T/err" &&
        pass "scan: a USB device without permission gets its udev rule" || fail "scan: permission note" "$(cat "$T/err")"
    grep -q '^scopecap scan: note: USB 0699:0408 at bus 001 device 006 is busy' "$T/err" &&
        pass "scan: a USB device held by another program is named" || fail "scan: busy note" "$(cat "$T/err")"
    usb_run SCOPECAP_FAKE_USB="$BUS" "$SCOPECAP" scan --no-usb --ports raw:5599 127.0.54.254 >"$T/out" 2>"$T/err"
    [ $? -eq 1 ] && ! grep -q usb "$T/out" "$T/err" && pass "scan --no-usb leaves the bus alone" ||
        fail "scan --no-usb" "$(cat "$T/out" "$T/err")"
    usb_run SCOPECAP_FAKE_USB="keysight-dsox2024a:access=denied" "$SCOPECAP" scan --ports raw:5599 127.0.54.254 >"$T/out" 2>"$T/err"
    [ $? -eq 1 ] && grep -q 'permission denied' "$T/err" && grep -q '0 instruments found' "$T/err" &&
        pass "scan: only a closed USB device: nothing found, the reason said" || fail "scan: only denied" "$(cat "$T/err")"
fi
finish
