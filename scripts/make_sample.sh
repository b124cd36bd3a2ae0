#!/usr/bin/env bash
# Regenerates the bundled sample archive data/sample/ (with its truth.json)
# from the synthetic-archive generator: every layout, several codecs, a few
# damaged lines. The same command always writes the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/release
cargo build --release --quiet
rm -rf data/sample
$release/mailtls synth --out data/sample --records 3000 --seed 2015 \
  --layout zgrab1,zgrab2,censys,zgrab1-eventlog --compress gzip,none,zstd,bzip2,xz,lz4 \
  --bad-lines 0.003 --censys-view --quiet
du -sh data/sample
