#!/usr/bin/env bash
# The whole platform in one process, with demo data, on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/dev/prereqs.sh build
target="${CARGO_TARGET_DIR:-$PWD/target}"
export EIP_SITE_ROOT="${EIP_SITE_ROOT:-$target/site}"
bash infra/build-site.sh
exec cargo run -p eip-allinone --bin eip
