# Thin wrapper around Meson. `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 2000
PREFIX     ?= /usr/local

.PHONY: all deps build test test-normal test-asan fuzz fuzz-short demo bench soak install clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

# The whole suite twice: as built, and under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang), then a short run of every fuzz target.
test: deps
	@bash scripts/test.sh

test-normal: build
	meson test -C $(BUILD) --print-errorlogs

fuzz: deps
	@FUZZ_RUNS=$${FUZZ_RUNS:-200000} bash scripts/fuzz.sh

demo: build
	@bash scripts/demo.sh $(BUILD)

# Stream from scopesim with faults injected at random intervals (SOAK_SECONDS, default 600).
soak: build
	@bash scripts/soak.sh $(BUILD)

bench: build
	@bash bench/shot_bench.sh $(BUILD)
	@bash bench/wave_bench.sh $(BUILD)
	@bash bench/transport_bench.sh $(BUILD)
	@bash bench/drivers_bench.sh $(BUILD)
	@bash bench/stream_bench.sh $(BUILD)
	@bash bench/scan_bench.sh $(BUILD)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
