#!/usr/bin/env bash
# Catalogue benchmark: every catalogue table over a dataset of RECORDS
# synthetic endpoints (1,000,000 by default), wall time and peak RSS, beside
# DuckDB running the same SQL files over the same Parquet parts.
#
# Then every table on its own, mailtls and DuckDB side by side with the
# ratio of their times and peak memory; then the report's peak RSS on a
# dataset a fifth that size, to show how memory grows with the data.
#
# With SCANS=N (N ≥ 2) the dataset is a port-25 series of N monthly scans
# with known churn (`mailtls synth --scans`, RECORDS / N servers), so the
# tables comparing scans (scan_delta, cert_volatility, trust_anchor_drift,
# cert_reuse) have something to compare.
#
# Usage: [RUNS=N] [SCANS=N] scripts/bench-tables.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/profiling
records=${1:-1000000}
work=${BENCH_DIR:-target/bench}/tables
cargo build --profile profiling --quiet --bin mailtls
bin=$release/mailtls
python=$(scripts/python-env.sh)
mkdir -p "$work"
scans=${SCANS:-1}
dataset() { # records → dataset folder, made once
  local n=$1 dir=$work/ds-$1 archive=$work/archive-$1
  if [ "$scans" -gt 1 ]; then dir=$work/series-$scans-$1 archive=$work/series-archive-$scans-$1; fi
  if [ ! -s "$dir/_manifest.json" ]; then
    rm -rf "$archive" "$dir"
    if [ "$scans" -gt 1 ]; then
      $bin synth --out "$archive" --records $((n / scans)) --scans "$scans" --seed 2015 --layout zgrab2 --compress zstd --quiet
      $bin ingest "$archive" --out "$dir" --roots "$archive/roots.pem" --quiet >/dev/null
      $bin ingest "$archive" --out "$dir" --append --roots "$archive/roots-later.pem" --quiet >/dev/null
    else
      $bin synth --out "$archive" --records "$n" --seed 2015 --layout zgrab2 --compress zstd --quiet
      $bin ingest "$archive" --out "$dir" --roots "$archive/roots.pem" --quiet >/dev/null
    fi
    rm -rf "$archive"
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

# Table by table, best of RUNS (default 3) each, the two engines' runs
# taking turns so that a machine growing busier or quieter weighs on both
# alike: mailtls as a user runs it (the whole `mailtls table` process,
# timed to the millisecond by the shell's clock, `time`'s own start-up of
# about 1 ms included), DuckDB from connecting to the last row fetched
# inside one Python process (its interpreter's start-up left out, which
# favours DuckDB); peak RSS of each engine's own process.
runs=${RUNS:-3}
timed_run() { # command... → wall milliseconds and peak RSS (MiB) of one run
  local log start end; log=$(mktemp)
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$log" "$@" >/dev/null
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $(($(tail -1 "$log") / 1024))"
  rm -f "$log"
}
printf '\n%-26s %9s %9s %7s %9s %9s %7s\n' table "mailtls s" "duckdb s" ratio "mailtls MiB" "duckdb MiB" ratio
worst=0
for f in src/catalogue/sql/*.sql; do
  case $f in *.cte.sql) continue ;; esac
  name=$(basename "$f" .sql)
  m_ms="" m_rss=0 d_secs=""
  for _ in $(seq "$runs"); do
    read -r ms rss < <(timed_run $bin table "$name" --dataset "$ds" --format csv)
    if [ -z "$m_ms" ] || [ "$ms" -lt "$m_ms" ]; then m_ms=$ms; m_rss=$rss; fi
    t=$("$python" scripts/duckdb_query.py --time "$ds" "$f" | awk '{print $2}')
    if [ -z "$d_secs" ] || [ "$(echo "$t < $d_secs" | bc -l)" = 1 ]; then d_secs=$t; fi
  done
  m_secs=$(echo "$m_ms / 1000" | bc -l)
  d_rss=$( { /usr/bin/time -f '%M' "$python" scripts/duckdb_query.py --time "$ds" "$f" >/dev/null; } 2>&1 | tail -1)
  d_rss=$((d_rss / 1024))
  ratio=$(echo "$m_secs / $d_secs" | bc -l)
  printf '%-26s %9.3f %9.3f %6.2fx %9d %9d %6.2fx\n' "$name" "$m_secs" "$d_secs" "$ratio" "$m_rss" "$d_rss" "$(echo "$m_rss / $d_rss" | bc -l)"
  if [ "$(echo "$ratio > $worst" | bc -l)" = 1 ]; then worst=$ratio; fi
done
printf 'slowest ratio: %.2fx DuckDB (target: at most 1.00x)\n\n' "$worst"

small=$(dataset $((records / 5)))
measure "mailtls report, $((records / 5)) endpoints" $bin report --dataset "$small" --out "$work/report-small"
measure "mailtls report, $records endpoints (again)" $bin report --dataset "$ds" --out "$work/report"
