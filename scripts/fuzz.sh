#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each FUZZ_RUNS times over its seed corpus.
# Any crash is kept as tests/fuzz/crash-* to become a regression seed.
set -u
cd "$(dirname "$0")/.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_RUNS=${FUZZ_RUNS:-2000}
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
    CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Dtests=false -Dbuildtype=debugoptimized >/dev/null || exit 1
fi
meson compile -C "$FUZZ_BUILD" >/dev/null || meson compile -C "$FUZZ_BUILD" || exit 1
: >"$FUZZ_BUILD/fuzz-results.txt"
status=0
for target in "$FUZZ_BUILD"/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] || continue
    name=$(basename "$target" | sed 's/^fuzz_//')
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null
    if "$target" -runs="$FUZZ_RUNS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="tests/fuzz/crash-$name-" "$work" >"$FUZZ_BUILD/fuzz-$name.log" 2>&1; then
        echo "PASS fuzz_$name" | tee -a "$FUZZ_BUILD/fuzz-results.txt"
    else
        echo "FAIL fuzz_$name (log: $FUZZ_BUILD/fuzz-$name.log)" | tee -a "$FUZZ_BUILD/fuzz-results.txt"
        tail -20 "$FUZZ_BUILD/fuzz-$name.log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
