#!/usr/bin/env bash
# The release build that users run and that the browser tests test: the server
# binary (target/release/vitrine) and the browser bundle (target/site) with
# content-hashed names and .br/.gz beside each file.
#
# The same steps `cargo leptos build --release --precompress` takes, without
# cargo-leptos: compiling it costs a fresh machine ≈ 24 minutes on 2 cores (swc,
# lightningcss, gix), more than building Vitrine. `cargo leptos watch` still works
# for development, from the same [package.metadata.leptos] settings.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
source scripts/leptos-env.sh
site=$LEPTOS_SITE_ROOT
pkg=$site/$LEPTOS_SITE_PKG_DIR

# The browser half: the library for wasm32 with `hydrate`, in its own target
# directory (as cargo-leptos does), so it never evicts the server's artefacts.
cargo build --lib --target wasm32-unknown-unknown --target-dir target/front \
  --profile wasm-release --no-default-features --features hydrate
rm -rf "$site"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-name "$LEPTOS_OUTPUT_NAME" --out-dir "$pkg" \
  "target/front/wasm32-unknown-unknown/wasm-release/$LEPTOS_OUTPUT_NAME.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$pkg/${LEPTOS_OUTPUT_NAME}_bg.wasm" -o "$pkg/${LEPTOS_OUTPUT_NAME}_bg.wasm"

# The server half, with the build-time variables leptos reads (scripts/leptos-env.sh).
cargo build --release --no-default-features --features ssr --bin vitrine
node tools/bundle.mjs "$site" "$LEPTOS_SITE_PKG_DIR" "$LEPTOS_OUTPUT_NAME" "target/release/$LEPTOS_HASH_FILE_NAME"
