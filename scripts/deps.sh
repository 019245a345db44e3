#!/usr/bin/env bash
# Install what building, testing and the demo need, only where it is missing (idempotent).
# Debian 12 package names; sudo is used when not root.
set -eu

PACKAGES=(
    # build
    meson ninja-build gcc clang pkg-config
    libpng-dev zlib1g-dev libturbojpeg0-dev libusb-1.0-0-dev libmicrohttpd-dev
    # tests: unit, sanitizers, fuzzing, independent peers
    libcmocka-dev libclang-rt-14-dev
    python3 python3-pil python3-pyvisa python3-pyvisa-py
    tshark lxi-tools
    # scopecap stream: ffmpeg/ffprobe decode y4m and MJPEG, chromium renders the live page
    ffmpeg chromium curl
    # bench
    netcat-openbsd time iproute2
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture: answer no, so the install stays silent
if [[ " ${missing[*]} " == *" tshark "* ]]; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
