#!/usr/bin/env bash
# Set-up and main job on the bundled sample: builds mailtls (release),
# ingests data/sample/ into target/sample-dataset (judging certificates
# against the sample's own synthetic roots), and writes the reproduction
# report of every catalogue table to reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/release
cargo build --release
out=target/sample-dataset
rm -rf "$out"
$release/mailtls ingest data/sample --out "$out" --roots data/sample/roots.pem
$release/mailtls dataset info "$out"
$release/mailtls report --dataset "$out" --out reports
