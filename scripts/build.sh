#!/usr/bin/env bash
# The release build that users run and that the browser tests test: the server
# binary (target/release/vitrine) and the browser bundle (target/site) with
# content-hashed names and .br/.gz beside each file.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress
