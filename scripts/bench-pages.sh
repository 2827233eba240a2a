#!/usr/bin/env bash
# Visitors' pages under load (a benchmark, not a test): the 100-image public
# gallery and the home page through the real app (release build, in-process,
# SQLite), with wrk. BENCH_SECS (10) sets each wrk run's length.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-bench
source scripts/leptos-env.sh
cargo bench --features ssr --bench gallery
