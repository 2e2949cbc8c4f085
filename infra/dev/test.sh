#!/usr/bin/env bash
# The whole test suite: unit, per-service integration on SQLite and
# PostgreSQL, bus contract tests on both buses, and the browser suite against
# the embedded and the distributed platform.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/dev/prereqs.sh test
target="${CARGO_TARGET_DIR:-$PWD/target}"
export EIP_SITE_ROOT="${EIP_SITE_ROOT:-$target/site}"
export EIP_BIN_DIR="$target/debug"
bash infra/build-site.sh
# The workspace's default members: everything but the browser bundle, built
# above for wasm (see Cargo.toml). The distributed browser test starts these
# binaries as separate processes.
cargo build --bins
cargo test --no-fail-fast -- --test-threads=2
