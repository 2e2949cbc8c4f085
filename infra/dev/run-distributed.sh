#!/usr/bin/env bash
# The distributed mode on this machine: each service and the portal as its
# own process, one PostgreSQL database each, Redis Streams and Redis sessions.
# PostgreSQL and Redis on 127.0.0.1 are started when installed but stopped.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/dev/prereqs.sh test
target="${CARGO_TARGET_DIR:-$PWD/target}"
export EIP_SITE_ROOT="${EIP_SITE_ROOT:-$target/site}"
bash infra/build-site.sh
cargo build --bins

PG="${EIP_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}"
for db in eip_engagement eip_referrals eip_training eip_governance eip_portal; do
  psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
    || psql "$PG/postgres" -qc "CREATE DATABASE $db"
done

export EIP_BUS__KIND=redis EIP_BUS__REDIS_URL=redis://127.0.0.1:6379
# Fresh identity keys each run: each program its own, all trusting all.
eval "$("$target/debug/eip" keys)"
export EIP_IDENTITY__TRUSTED="$EIP_KEYS_TRUSTED"
export EIP_DEMO="${EIP_DEMO:-true}"
logs="${TMPDIR:-/tmp}/eip-distributed"; mkdir -p "$logs"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

start() { # name port [VAR=value ...]
  local name=$1 port=$2; shift 2
  local key="EIP_KEYS_${name^^}_SIGNING_KEY" kid="EIP_KEYS_${name^^}_KEY_ID"
  env EIP_BIND="127.0.0.1:$port" EIP_DATABASE_URL="$PG/eip_$name" \
    EIP_IDENTITY__SIGNING_KEY="${!key}" EIP_IDENTITY__KEY_ID="${!kid}" "$@" \
    "$target/debug/eip-$name" >"$logs/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && { echo "  $name ready on :$port"; return; }
    sleep 0.2
  done
  echo "error: $name did not become ready; see $logs/$name.log" >&2; exit 1
}

start engagement 3101
start referrals 3102
start training 3103
start governance 3104 EIP_REFERRALS_URL=http://127.0.0.1:3102 EIP_TRAINING_URL=http://127.0.0.1:3103 EIP_ENGAGEMENT_URL=http://127.0.0.1:3101
start portal 3000 EIP_SESSIONS__STORE=redis EIP_SESSIONS__REDIS_URL=redis://127.0.0.1:6379 \
  EIP_SESSIONS__SECURE_COOKIE=false \
  EIP_SERVICES__ENGAGEMENT=http://127.0.0.1:3101 EIP_SERVICES__REFERRALS=http://127.0.0.1:3102 \
  EIP_SERVICES__TRAINING=http://127.0.0.1:3103 EIP_SERVICES__GOVERNANCE=http://127.0.0.1:3104
echo "Distributed platform up: http://127.0.0.1:3000 (logs in $logs). Ctrl-C stops it."
wait
