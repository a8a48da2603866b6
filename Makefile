# TenantPilot — the two commands: `make run` and `make test`. Everything else is a helper they use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tenantpilot
# Build artefacts live in the cache so every checkout (and CI's fresh clone) reuses one build.
export CARGO_TARGET_DIR ?= $(CACHE)/target
# Incremental artefacts of a Leptos app run to tens of GB; one-shot builds (CI, make test) do not need them.
export CARGO_INCREMENTAL ?= 0
BIN_DIR := $(CARGO_TARGET_DIR)
TOOLS_PATH := $(CACHE)/tools/bin

.PHONY: run dev test bootstrap build build-debug fmt-check lint unit integration e2e bench clean-data

## run: build (release), migrate ./data/tenantpilot.db, seed the demo, serve on http://127.0.0.1:3000
run: bootstrap-run
	scripts/build release
	TENANTPILOT_DEMO=1 $(BIN_DIR)/release/tenantpilot serve

## dev: the fast development loop: debug server, client without wasm-opt (<target>/site-dev), served like
## `run`; rebuilds and restarts on every saved change (scripts/dev)
dev: bootstrap-run
	scripts/dev

## test: formatting, unit + integration tests on SQLite and PostgreSQL, clippy per feature set, the wasm
## build, and the Playwright suite in Chromium (JavaScript off and hydrated)
test: bootstrap fmt-check unit integration lint build-debug e2e
	@echo "make test: all green"

bootstrap-run:
	@scripts/bootstrap --no-e2e

bootstrap:
	@scripts/bootstrap

fmt-check:
	cargo fmt --all -- --check

unit:
	cargo test -q -p app --features ssr --lib

integration:
	TEST_POSTGRES_URL="$$(scripts/postgres-url)" cargo test -q -p server

lint:
	cargo clippy -q -p server --all-targets -- -D warnings
	cargo clippy -q -p app --features ssr --all-targets -- -D warnings
	scripts/clippy-hydrate

build-debug:
	scripts/build debug

e2e:
	end2end/run $(BIN_DIR)/debug/tenantpilot

## bench: build/size/RSS/latency figures (docs/perf.md)
bench: bootstrap
	scripts/bench

clean-data:
	rm -rf data
