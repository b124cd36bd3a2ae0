#!/usr/bin/env bash
# Generator benchmark: records/s and peak memory of `mailtls synth`.
#
# Usage: scripts/bench-synth.sh [RECORDS] [extra synth options…]
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/profiling
records=${1:-1000000}
shift || true
work=${BENCH_DIR:-target/bench}/synth
cargo build --profile profiling --quiet --bin mailtls
rm -rf "$work"
log=$(mktemp)
/usr/bin/time -v $release/mailtls synth --out "$work" --records "$records" --seed 1 --quiet "$@" 2>"$log"
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
bytes=$(du -sb "$work" | cut -f1)
printf 'mailtls synth: %d records in %.1f s = %.0f records/s, %.0f MB written, peak RSS %.0f MiB\n' \
  "$records" "$secs" "$(echo "$records / $secs" | bc -l)" "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
rm -f "$log"
