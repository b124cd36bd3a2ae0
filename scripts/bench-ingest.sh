#!/usr/bin/env bash
# Ingest benchmark: throughput and peak memory of `mailtls ingest` on plain
# and gzip ZGrab 1 JSON, beside plain parallel decompression and DuckDB's
# read_ndjson → Parquet on the same files (schema inferred, and at its best
# with the columns declared), the plain ingest again with a
# distinct leaf certificate per record, then peak memory for 0.3 GB and 3 GB.
#
# Usage: [RUNS=N] [BASELINE=OLD_MAILTLS] scripts/bench-ingest.sh [SIZE_MB] [FIXTURES_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
release=${CARGO_TARGET_DIR:-target}/profiling
size=${1:-1000}
fixtures=${2:-${MAILTLS_FIXTURES:-../shared/fixtures/real}}
work=${BENCH_DIR:-target/bench}
mkdir -p "$work"
cargo build --profile profiling --quiet --bin mailtls --example decompress
bin=$release/mailtls
plain=$work/bench-25-smtp-starttls-full_ipv4-20160410T022854-zgrab-results.json
[ -s "$plain" ] || python3 scripts/make_bench_input.py "$fixtures" "$plain" "$size"
bytes=$(stat -c %s "$plain")

measure() { # label, command...
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log"
  local secs rss cpu
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  # CPU time varies less than wall time on a shared machine.
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s+=$2} END {print s}' "$log")
  printf '%-44s %8.2f s  %8.0f MB/s  CPU %6.2f s  peak RSS %6.0f MiB\n' "$label" "$secs" "$(echo "$bytes / 1000000 / $secs" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)"
  rm -f "$log"
}

echo "input: $plain ($((bytes / 1000000)) MB plain)"
# Shared machines are noisy: the plain ingest runs RUNS times (default 3).
for run in $(seq "${RUNS:-3}"); do
  rm -rf "$work/ds-plain"
  measure "mailtls ingest (plain, 2 jobs) run $run" $bin ingest "$plain" --out "$work/ds-plain" --quiet
done

# gzip: two halves, so two files can be decompressed in parallel.
if [ ! -s "$work/part-a-25-smtp-starttls-full_ipv4-20160410T022854.json.gz" ]; then
  lines=$(wc -l < "$plain")
  head -n $((lines / 2)) "$plain" | gzip -1 > "$work/part-a-25-smtp-starttls-full_ipv4-20160410T022854.json.gz"
  tail -n +$((lines / 2 + 1)) "$plain" | gzip -1 > "$work/part-b-25-smtp-starttls-full_ipv4-20160410T022854.json.gz"
fi
measure "parallel gzip -dc of the same data" bash -c "gzip -dc $work/part-a-*.json.gz >/dev/null & gzip -dc $work/part-b-*.json.gz >/dev/null; wait"
measure "parallel decompression, ingest's decoder" $release/examples/decompress "$work"/part-a-*.json.gz "$work"/part-b-*.json.gz
rm -rf "$work/ds-gz"
measure "mailtls ingest (gzip, 2 files, 2 jobs)" $bin ingest "$work"/part-a-*.json.gz "$work"/part-b-*.json.gz --out "$work/ds-gz" --quiet

# DuckDB as the peer, installed into a project-local virtualenv.
venv=$work/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet duckdb
fi
cat > "$work/duck.py" <<PY
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads=2")
con.execute("COPY (SELECT * FROM read_ndjson_auto('$plain')) TO '$work/duck.parquet' (FORMAT parquet, COMPRESSION zstd)")
PY
measure "duckdb read_ndjson_auto → parquet (2 thr)" "$venv/bin/python" "$work/duck.py"
# DuckDB at its best: the columns declared (the fields mailtls reads, typed),
# so nothing is inferred and nothing else is kept.
cat > "$work/duck_typed.py" <<PY
import duckdb
con = duckdb.connect()
con.execute("SET threads=2")
columns = """{
  'ip': 'VARCHAR', 'timestamp': 'VARCHAR', 'domain': 'VARCHAR', 'error': 'VARCHAR',
  'data': 'STRUCT(banner VARCHAR, ehlo VARCHAR, starttls VARCHAR, tls STRUCT(
     server_hello STRUCT(version STRUCT(name VARCHAR, value INTEGER),
                         cipher_suite STRUCT(hex VARCHAR, name VARCHAR, value INTEGER),
                         ocsp_stapling BOOLEAN, secure_renegotiation BOOLEAN, heartbeat BOOLEAN),
     server_certificates STRUCT(certificate STRUCT(raw VARCHAR), chain STRUCT(raw VARCHAR)[],
                                validation STRUCT(browser_trusted BOOLEAN, browser_error VARCHAR)),
     server_key_exchange STRUCT(ecdh_params STRUCT(curve_id STRUCT(name VARCHAR, id INTEGER)),
                                dh_params STRUCT(prime STRUCT(value VARCHAR, length INTEGER)),
                                rsa_params STRUCT(length INTEGER))))'
}"""
con.execute(f"COPY (SELECT * FROM read_ndjson('$plain', columns = {columns})) TO '$work/duck_typed.parquet' (FORMAT parquet, COMPRESSION zstd)")
PY
measure "duckdb read_ndjson, columns typed → parquet" "$venv/bin/python" "$work/duck_typed.py"

# Real scans: most hosts serve a leaf of their own, so certificate work
# (decode, hash, parse, and judging each chain at commit) grows with hosts.
distinct=$work/distinct-25-smtp-starttls-full_ipv4-20160410T022854.json
[ -s "$distinct" ] || python3 scripts/make_bench_input.py "$fixtures" "$distinct" $((size / 2)) --distinct-leaves
rm -rf "$work/ds-distinct"
bytes=$(stat -c %s "$distinct")
measure "mailtls ingest (a distinct leaf per record)" $bin ingest "$distinct" --out "$work/ds-distinct" --quiet
rm -rf "$work/ds-distinct"
# An earlier build on the same file, for the speed-up of a change:
# BASELINE=path/to/its/mailtls (e.g. built from `git worktree add`).
if [ -n "${BASELINE:-}" ]; then
  measure "baseline build, a distinct leaf per record" "$BASELINE" ingest "$distinct" --out "$work/ds-distinct" --quiet
  rm -rf "$work/ds-distinct"
fi

# Memory against input size: the same records, 0.3 GB and 10x that.
small=$work/m300-25-smtp-starttls-full_ipv4-20160410T022854.json
large=$work/m3000-25-smtp-starttls-full_ipv4-20160410T022854.json
[ -s "$small" ] || { head -c 300000000 "$plain" | head -n -1 > "$small"; }
[ -s "$large" ] || { for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$small"; done > "$large"; }
for f in "$small" "$large"; do
  rm -rf "$work/ds-mem"
  /usr/bin/time -f "%M" -o "$work/rss" $bin ingest "$f" --out "$work/ds-mem" --quiet
  printf 'peak RSS for %5d MB of input: %6.0f MiB\n' "$(( $(stat -c %s "$f") / 1000000 ))" "$(echo "$(cat "$work/rss") / 1024" | bc -l)"
done
rm -rf "$work/ds-mem" "$work/rss"
