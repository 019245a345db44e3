#!/usr/bin/env bash
# pyvisa-py (Debian python3-pyvisa-py) as an independent client of scopesim's raw SCPI server.
. "$(dirname "$0")/../integration/lib.sh"
start_sim 127.0.4.1 || exit 1
out=$($PY - <<'PYEOF' 2>&1
import pyvisa
rm = pyvisa.ResourceManager("@py")
inst = rm.open_resource("TCPIP0::127.0.4.1::5555::SOCKET", read_termination="\n", write_termination="\n", timeout=10000)
print(inst.query("*IDN?").strip())
data = inst.query_binary_values(":DISP:DATA? ON,0,BMP24", datatype="B", container=bytes, header_fmt="ieee", expect_termination=True)
print(len(data), data[:2].decode())
print(inst.query(":TIM:SCAL?").strip())
inst.close()
PYEOF
)
echo "$out" | grep -qx "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4" && pass "pyvisa *IDN?" || fail "pyvisa *IDN?" "$out"
echo "$out" | grep -qx "1152054 BM" && pass "pyvisa reads the #9 block" || fail "pyvisa reads the #9 block" "$out"
echo "$out" | grep -qx "5.000000e-04" && pass "pyvisa: trailer consumed, next query clean" || fail "pyvisa next query" "$out"
finish
