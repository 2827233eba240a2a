#!/usr/bin/env bash
# Visitors' pages under load and batch begin (benchmarks, not tests): the
# 100-image public gallery and the home page through the real app (release
# build, in-process, SQLite) with wrk (BENCH_SECS, 10, per run); then
# begin_upload with 100 files on SQLite and on a private PostgreSQL; then
# presigned PUT ingest of 64 MiB bodies against the raw disk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-bench
source scripts/leptos-env.sh
cargo bench --features ssr --bench gallery
pg_dir=$(mktemp -d /tmp/vitrine-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TEST_POSTGRES_URL=$(scripts/pg.sh start "$pg_dir" "$port") cargo bench --features ssr --bench begin
cargo bench --features ssr --bench ingest
