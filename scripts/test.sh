#!/usr/bin/env bash
# make test: the suite as built (gcc), again under ASan+UBSan (clang), then a short run of
# every fuzz target. Ends with one line "N passed, N failed" over all of it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_RUNS=${FUZZ_RUNS:-2000}
status=0

setup() { # setup DIR [meson options...]
    local dir=$1
    shift
    [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null || return 1
    meson compile -C "$dir" >/dev/null || meson compile -C "$dir"
}

echo "== build and test (gcc) =="
if CC=gcc setup "$BUILD"; then
    meson test -C "$BUILD" --print-errorlogs || status=1
else
    status=1
fi

echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer (clang) =="
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if CC=clang setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
    meson test -C "$ASAN_BUILD" --print-errorlogs || status=1
else
    status=1
fi

echo "== fuzz targets, $FUZZ_RUNS runs each =="
FUZZ_RUNS=$FUZZ_RUNS scripts/fuzz.sh || status=1

python3 - "$BUILD" "$ASAN_BUILD" "$FUZZ_BUILD" <<'PY'
import json, os, sys
passed = failed = 0
for d in sys.argv[1:]:
    for name in ("testlog.json",):
        path = os.path.join(d, "meson-logs", name)
        if not os.path.exists(path):
            continue
        for line in open(path):
            r = json.loads(line)
            if r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
                passed += 1
            else:
                failed += 1
    fz = os.path.join(d, "fuzz-results.txt")
    if os.path.exists(fz):
        for line in open(fz):
            if line.startswith("PASS"):
                passed += 1
            elif line.startswith("FAIL"):
                failed += 1
print(f"{passed} passed, {failed} failed")
PY
exit $status
