# Precursor Registry. `make demo` and `make test` work on a fresh machine (they install PostgreSQL when missing).
SWIFT ?= swift

.PHONY: all build release deps test demo eval bench bench-api bench-ingest bench-queue bench-sweep fuzz-api lint format clean

all: build

deps:
	@scripts/ensure-postgres.sh

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

## Lints (swift format, .swift-format), then runs every test against a throwaway PostgreSQL cluster that the test
## run starts itself.
test: deps lint
	$(SWIFT) build --build-tests
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-8} scripts/fuzz-api.sh
	$(SWIFT) test

## Builds release, starts precursord on its embedded PostgreSQL, seeds reference data, loads and sweeps a generated
## world, prints the riskiest firms, serves until Ctrl-C.
demo: deps
	@scripts/demo.sh

## Detection quality of the sweep rules on generated worlds (5 seeds x 300 firms x 24 months, monthly sweeps) against
## two naive baselines; see scripts/eval.sh for the knobs.
eval: deps
	@scripts/eval.sh

## Runs every benchmark that exists, each printing ratios against a baseline measured in the same run.
bench: deps bench-ingest bench-queue bench-api bench-sweep

## wrk against the alerts listing and report submit on a release build; req/s and p99 against /health/live measured in the same run.
bench-api: deps
	@scripts/bench-api.sh

## schemathesis against the served OpenAPI document: no 5xx, no schema violations (FUZZ_EXAMPLES per operation).
fuzz-api: deps
	@scripts/fuzz-api.sh

## Imports a generated 1,000,000-line declarations file and compares it with psql \copy of the same file.
bench-ingest: deps
	$(SWIFT) build -c release --product precursorctl
	@scripts/bench-ingest.sh

## Alert queue vs real pgmq (installed from PyPI into a throwaway database): enqueue and claim+ack at batch 1/10/100.
bench-queue: deps
	$(SWIFT) build -c release --product precursorctl
	@scripts/bench-queue.sh "$$($(SWIFT) build -c release --show-bin-path)/precursorctl"

## Sweeps over 5,000 firms, 24 months, 1,000,000 declaration lines: full, then incremental after 1 % new lines.
bench-sweep: deps
	$(SWIFT) build -c release --product precursorctl
	@scripts/bench-sweep.sh "$$($(SWIFT) build -c release --show-bin-path)/precursorctl"

## swift format's lint with the checked-in .swift-format; `make format` rewrites the files to match.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
