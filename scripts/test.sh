#!/usr/bin/env bash
# The whole test suite: formatting and lints, the release build that
# scripts/start.sh serves, Rust unit + integration tests on SQLite and on a
# private PostgreSQL, then Playwright in Debian's Chromium against that release build,
# and schemathesis against the REST door's OpenAPI document.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/setup.sh --with-tests

t0=$SECONDS
step() { printf '\n\033[1m== %s\033[0m (at %ds)\n' "$*" $((SECONDS - t0)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "format"
cargo fmt --check

step "release build (what scripts/start.sh serves)"
scripts/build.sh

# Lints after the build, with its profiles, variables and target directories:
# clippy then reuses the build scripts and proc macros the build compiled (a fresh
# machine spent 13 minutes on lints run first, in the dev profile).
step "lints"
source scripts/leptos-env.sh
cargo clippy --release --features ssr --all-targets -- -D warnings
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown \
  --target-dir target/front --profile wasm-release -- -D warnings

step "Rust tests (SQLite and PostgreSQL)"
pg_dir=$(mktemp -d /tmp/vitrine-pg.XXXXXX)
cleanup() { scripts/pg.sh stop "$pg_dir"; rm -rf "$pg_dir"; }
trap cleanup EXIT
TEST_POSTGRES_URL=$(scripts/pg.sh start "$pg_dir" "$(free_port)")
export TEST_POSTGRES_URL
# Same profile, features and LEPTOS_* build variables as the release build above, so
# cargo reuses its compiled dependencies instead of building a second (debug) tree.
cargo test --release --features ssr

step "browser tests (Playwright + Chromium, release build)"
E2E_PORT=$(free_port) E2E_SERVER_BIN="$PWD/target/release/vitrine" E2E_SITE_ROOT="$PWD/target/site" \
  bash -c 'cd end2end && npx playwright test'

step "REST API against its OpenAPI document (schemathesis, release build)"
scripts/api-check.sh
step "done"
