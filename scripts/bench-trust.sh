#!/usr/bin/env bash
# Chain-validation benchmark: a synthetic archive (RECORDS records, up to
# MAX_CERTS distinct certificates per population) is ingested, then
# certificates are parsed and every distinct chain validated on one core.
#
# Usage: scripts/bench-trust.sh [RECORDS] [MAX_CERTS]
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/profiling
records=${1:-200000}
max_certs=${2:-5000}
work=${BENCH_DIR:-target/bench}/trust
cargo build --profile profiling --quiet --bin mailtls --example trust_bench
rm -rf "$work" && mkdir -p "$work"
$release/mailtls synth --out "$work/archive" --records "$records" --seed 7 \
  --layout zgrab2 --compress none --max-certs "$max_certs" --quiet
$release/mailtls ingest "$work/archive" --out "$work/ds" --roots "$work/archive/roots.pem" --quiet >/dev/null
$release/examples/trust_bench "$work/ds" "$work/archive/roots.pem" 2015-08-06
