#!/usr/bin/env bash
# Catalogue benchmark: every catalogue table over a dataset of RECORDS
# synthetic endpoints (1,000,000 by default), wall time and peak RSS, beside
# DuckDB running the same SQL files over the same Parquet parts.
#
# Then the report's peak RSS on a dataset a fifth that size, to show how
# memory grows with the data.
#
# Usage: scripts/bench-tables.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/profiling
records=${1:-1000000}
work=${BENCH_DIR:-target/bench}/tables
cargo build --profile profiling --quiet --bin mailtls
bin=$release/mailtls
python=$(scripts/python-env.sh)
mkdir -p "$work"
dataset() { # records → dataset folder, made once
  local n=$1 dir=$work/ds-$1
  if [ ! -s "$dir/_manifest.json" ]; then
    rm -rf "$work/archive-$n" "$dir"
    $bin synth --out "$work/archive-$n" --records "$n" --seed 2015 --layout zgrab2 --compress zstd --quiet
    $bin ingest "$work/archive-$n" --out "$dir" --roots "$work/archive-$n/roots.pem" --quiet >/dev/null
    rm -rf "$work/archive-$n"
  fi
  echo "$dir"
}
ds=$(dataset "$records")
endpoints=$($bin sql "SELECT COUNT(*) AS n FROM handshakes" --dataset "$ds" --format csv | tail -1)
echo "dataset: $endpoints endpoints ($(du -sh "$ds" | cut -f1) of Parquet)"

measure() { # label, command...
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%-46s %8.2f s  peak RSS %6.0f MiB\n' "$label" "$secs" "$(echo "$rss / 1024" | bc -l)"
  rm -f "$log"
}

tables=$(ls src/catalogue/sql/*.sql | grep -vc '\.cte\.sql$')
measure "mailtls report (all $tables tables, polars)" $bin report --dataset "$ds" --out "$work/report"
measure "duckdb, the same $tables SQL files (2 threads)" "$python" scripts/duckdb_query.py "$ds" src/catalogue/sql/*.sql
for f in src/catalogue/sql/*.sql; do
  case $f in *.cte.sql) continue ;; esac
  name=$(basename "$f" .sql)
  measure "  mailtls table $name" $bin table "$name" --dataset "$ds" --format csv
done
small=$(dataset $((records / 5)))
measure "mailtls report, $((records / 5)) endpoints" $bin report --dataset "$small" --out "$work/report-small"
measure "mailtls report, $records endpoints (again)" $bin report --dataset "$ds" --out "$work/report"
