#!/usr/bin/env bash
# Builds Vitrine (release) and starts it on the embedded default (SQLite + built-in S3 under ./data).
# Set VITRINE_BIND, DATABASE_URL, S3_ENDPOINT… to change that (see Leptos.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec target/release/vitrine serve
