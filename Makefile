# Barid — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BARID_LISTEN ?= 127.0.0.1:8080
BARID_DATA_DIR ?= $(CURDIR)/var/data
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)

export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: help deps build build-asan run test fuzz bench-http bench-mailbox bench-ledger bench-parcels format format-check tidy clean

help:
	@echo "make run         install what is missing, build a Release, start baridd with demo data"
	@echo "make test        install what is missing, build with ASan+UBSan, run every test"
	@echo "make fuzz        run every fuzz target for FUZZ_SECONDS (default 60) each"
	@echo "make bench-http  HTTP benchmark against nginx on this machine (figures: docs/performance.md)"
	@echo "make bench-mailbox  1,000,000 registered letters on SQLite and PostgreSQL (figures: docs/performance.md)"
	@echo "make bench-ledger   batches of 8,190 transfers on SQLite and PostgreSQL, plain-SQL baseline (figures: docs/performance.md)"
	@echo "make bench-parcels  1,000,000 items and 10,000,000 scans from JSONL, tracking, quality report (figures: docs/performance.md)"
	@echo "make format      clang-format the tree; make tidy: clang-tidy"

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

run: build
	@mkdir -p "$(BARID_DATA_DIR)"
	@build/bin/barid --data-dir "$(BARID_DATA_DIR)" init
	@build/bin/barid --data-dir "$(BARID_DATA_DIR)" demo seed
	@exec scripts/serve-demo.sh "$(BARID_DATA_DIR)" "$(BARID_LISTEN)"

test: build-asan
	@ctest --test-dir build/asan --output-on-failure --no-tests=error -j $(JOBS) --timeout 600

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/run-fuzzers.sh build/fuzz/bin $(FUZZ_SECONDS)

bench-http: build
	@bench/http.sh

bench-mailbox: build
	@bench/mailbox.sh

bench-ledger: build
	@bench/ledger.sh

bench-parcels: build
	@bench/parcels.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

tidy: build-asan
	@git ls-files 'src/*.cpp' | xargs clang-tidy -p build/asan --quiet

clean:
	@rm -rf build
