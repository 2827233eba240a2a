#!/usr/bin/env bash
# Installs what building and testing Vitrine needs; skips what is present.
# Usage: scripts/setup.sh [--with-tests | --with-bench]
#   tests also need Chromium, PostgreSQL, npm packages and schemathesis; benchmarks also need wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=${1:-}
with_bench=
if [ "$with_tests" = "--with-bench" ]; then
  with_tests=--with-tests
  with_bench=1
fi
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# wasm-opt comes from npm's binaryen (tools/): it must win over any other on PATH.
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# No cargo-leptos: scripts/build.sh runs the steps it would (it costs ≈ 24 minutes
# to compile on 2 cores). Developers who want `cargo leptos watch` install 0.3.10
# themselves (0.3.11+ needs a newer rustc than this machine's 1.95).

# Debian and npm packages download while wasm-bindgen-cli compiles (one waits on
# the network, the other on the CPU); a failure in either stops the setup.
packages() {
  apt_pkgs=()
  # Node runs npm's binaryen (wasm-opt) for release builds, and Playwright for tests.
  command -v npm >/dev/null || apt_pkgs+=(nodejs npm)
  # turbojpeg-sys builds libjpeg-turbo 3 from source (Debian 12 ships 2.1, which lacks the tj3 API).
  command -v cmake >/dev/null || apt_pkgs+=(cmake)
  command -v nasm >/dev/null || apt_pkgs+=(nasm)
  # AVIF originals are decoded with libdav1d (Debian's 1.0; dav1d-sys 0.7 finds it with pkg-config).
  command -v pkg-config >/dev/null || apt_pkgs+=(pkg-config)
  pkg-config --exists dav1d 2>/dev/null || apt_pkgs+=(libdav1d-dev)
  if [ "$with_tests" = "--with-tests" ]; then
    command -v chromium >/dev/null || apt_pkgs+=(chromium)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_pkgs+=(postgresql)
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_pkgs+=(python3-venv)
  fi
  if [ -n "$with_bench" ]; then
    command -v wrk >/dev/null || apt_pkgs+=(wrk)
  fi
  if [ ${#apt_pkgs[@]} -gt 0 ]; then
    say "installing Debian packages: ${apt_pkgs[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_pkgs[@]}"
  fi

  # Release builds run wasm-opt. Debian's binaryen (108) breaks wasm-bindgen 0.2.130's
  # output (every page throws "WebAssembly.Table.set(): Argument 1 is invalid" and never
  # hydrates); npm's binaryen 132 is a Node build with no download at run time, and works.
  if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -x tools/node_modules/.bin/terser ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
    say "installing wasm-opt and terser (npm, pinned in tools/package-lock.json)"
    (cd tools && npm ci --no-audit --no-fund)
  fi
  wasm-opt --version | grep -q 'version_132' || { echo "wasm-opt on PATH is not npm's binaryen 132: $(command -v wasm-opt)" >&2; exit 1; }

  if [ "$with_tests" = "--with-tests" ]; then
    # schemathesis (PyPI, pinned in tools/requirements-test.txt) checks the REST door
    # against its OpenAPI document; it lives in its own virtual environment.
    if [ ! -x tools/venv/bin/st ] || [ tools/requirements-test.txt -nt tools/venv/bin/st ]; then
      say "installing schemathesis (PyPI) into tools/venv"
      python3 -m venv tools/venv
      tools/venv/bin/pip install -q --disable-pip-version-check -r tools/requirements-test.txt
      touch tools/venv/bin/st
    fi
    if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
      say "installing end2end npm packages (no browser download: Debian's chromium is used)"
      (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    fi
  fi
}

log=$(mktemp)
packages >"$log" 2>&1 &
packages_pid=$!

# wasm-bindgen's CLI must match the crate in Cargo.lock exactly; without --locked
# (its own lock file names a webpki-roots release the registry no longer serves).
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
  say "installing wasm-bindgen-cli $wbg"
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

if ! wait "$packages_pid"; then
  cat "$log" >&2
  echo "setup: installing packages failed (above)" >&2
  exit 1
fi
cat "$log"
rm -f "$log"
say "ready"
