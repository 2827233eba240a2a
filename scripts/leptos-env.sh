# Sourced by scripts: the build-time variables of the release build (the ones
# `cargo leptos build --release` would give cargo; see cargo-leptos'
# Project::to_envs). leptos reads LEPTOS_OUTPUT_NAME at compile time, so a
# `cargo test --release` without it would rebuild leptos and everything above it
# instead of reusing the release build.
export LEPTOS_OUTPUT_NAME=vitrine
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=127.0.0.1:3000
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=.
export LEPTOS_BIN_DIR=.
export LEPTOS_JS_MINIFY=true
export LEPTOS_HASH_FILES=true
export LEPTOS_HASH_FILE_NAME=hash.txt
