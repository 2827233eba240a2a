#!/usr/bin/env bash
# The browser uploader against curl and fetch() on the release build (a benchmark,
# not a test). BENCH_ROUNDS (3) and BENCH_FILES (40) change its size.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/setup.sh --with-tests
scripts/build.sh
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd end2end
E2E_PORT=$port E2E_SERVER_BIN="$PWD/../target/release/vitrine" E2E_SITE_ROOT="$PWD/../target/site" \
  npx playwright test -c playwright.bench.config.ts
