#!/usr/bin/env bash
# Installs what a fresh machine lacks, only when it is missing.
#   prereqs.sh build   - the wasm target and wasm-bindgen (to run the platform)
#   prereqs.sh test    - also Chromium + chromedriver, and a running
#                        PostgreSQL and Redis (to run the test suite)
set -euo pipefail
what="${1:-build}"
WASM_BINDGEN_VERSION=0.2.130

say() { printf '==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif need sudo; then sudo "$@"; else
  echo "error: '$*' needs root; run it as root or install sudo" >&2; exit 1; fi; }

need cargo || { echo "error: Rust is not installed (install rustup, then re-run)" >&2; exit 1; }

if need rustup && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt shrinks the browser bundle to less than half. Only binaryen from
# npm at a known version: Debian's older wasm-opt writes a bundle that never
# hydrates. Without npm the bundle is simply larger.
tools="${EIP_TOOLS_DIR:-$HOME/.cache/eip/tools}"
BINARYEN_VERSION=132
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ] || \
   ! "$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version_$BINARYEN_VERSION"; then
  if need npm; then
    say "installing binaryen $BINARYEN_VERSION (wasm-opt) into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  else
    say "npm not found: the browser bundle will be built without wasm-opt (larger)"
  fi
fi

[ "$what" = test ] || exit 0

apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
if ! need chromium || ! need chromedriver; then
  say "installing chromium and chromium-driver"
  apt_install chromium chromium-driver
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if need pg_ctlcluster && ls /etc/postgresql >/dev/null 2>&1; then
    say "starting PostgreSQL"
    for v in $(ls /etc/postgresql); do as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || true; done
  else
    echo "error: PostgreSQL is not installed or not reachable on 127.0.0.1:5432" >&2; exit 1
  fi
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "error: PostgreSQL did not start" >&2; exit 1; }
fi

if ! (need redis-cli && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  if need redis-server; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
  else
    echo "error: redis-server is not installed (apt-get install redis-server)" >&2; exit 1
  fi
fi
need redis-server || { echo "error: redis-server is needed by the bus tests" >&2; exit 1; }
