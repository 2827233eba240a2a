#!/usr/bin/env bash
# The whole test suite: formatting and lints, Rust unit + integration tests on
# SQLite and on a private PostgreSQL, then Playwright in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh --with-tests

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "format and lints"
cargo fmt --check
cargo clippy --features ssr --all-targets -- -D warnings
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "Rust tests (SQLite and PostgreSQL)"
pg_dir=$(mktemp -d /tmp/vitrine-pg.XXXXXX)
cleanup() { scripts/pg.sh stop "$pg_dir"; rm -rf "$pg_dir"; }
trap cleanup EXIT
TEST_POSTGRES_URL=$(scripts/pg.sh start "$pg_dir" "$(free_port)")
export TEST_POSTGRES_URL
cargo test --features ssr

step "browser tests (Playwright + Chromium)"
cargo leptos build
E2E_PORT=$(free_port) E2E_SERVER_BIN="$PWD/target/debug/vitrine" E2E_SITE_ROOT="$PWD/target/site" \
  bash -c 'cd end2end && npx playwright test'
