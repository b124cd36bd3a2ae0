#!/usr/bin/env bash
# The paper-scale run: as many endpoint scans as the 2015 study made
# (20,270,768 over the seven mail ports), generated, ingested and reported
# on this machine, with the wall time, CPU time, peak memory and sizes of
# each stage. Not part of the test suite: it takes hours and tens of GB.
#
# Usage: [WORK=DIR] [MAX_CERTS=N] [LAYOUT=zgrab1] [CODEC=gzip]
#        scripts/paper-scale.sh [RECORDS]
#
# MAX_CERTS bounds the distinct certificates the generator signs (each an
# RSA signature of about 2 ms); the default, 400,000, gives roughly one
# distinct leaf per 16 TLS endpoints, close to the sharing the 2015 scans
# show (hosting providers' certificates served by thousands of addresses).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-20270768}
work=${WORK:-target/paper-scale}
max_certs=${MAX_CERTS:-400000}
layout=${LAYOUT:-zgrab1}
codec=${CODEC:-gzip}
release=${CARGO_TARGET_DIR:-target}/profiling
cargo build --profile profiling --quiet --bin mailtls
mkdir -p "$work"
# A copy, so a rebuild during the hours this takes cannot change the binary
# between stages.
cp "$release/mailtls" "$work/mailtls"
bin=$work/mailtls
results=$work/stages.tsv
printf 'stage\twall_s\tcpu_s\tpeak_rss_mib\toutput_mb\n' > "$results"

measure() { # stage, output path, command...
  local stage=$1 out=$2; shift 2
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >"$work/$stage.stdout" 2>"$log" || { tail -20 "$log"; exit 1; }
  local secs rss cpu size
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s+=$2} END {print s}' "$log")
  size=$(du -sm "$out" | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\n' "$stage" "$secs" "$cpu" "$rss" "$size" >> "$results"
  printf '%-8s %9.1f s wall  %9.1f s CPU  peak RSS %6d MiB  output %7d MB\n' "$stage" "$secs" "$cpu" "$rss" "$size"
  rm -f "$log"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "records: $records endpoint scans, layout $layout, $codec, at most $max_certs distinct certificates"
rm -rf "$work/archive" "$work/ds" "$work/report"
measure synth "$work/archive" $bin synth --out "$work/archive" --records "$records" --seed 2015 \
  --layout "$layout" --compress "$codec" --max-certs "$max_certs" --quiet
measure ingest "$work/ds" $bin ingest "$work/archive" --out "$work/ds" \
  --roots "$work/archive/roots.pem" --quiet
measure report "$work/report" $bin report --dataset "$work/ds" --out "$work/report"
handshakes=$($bin sql "SELECT COUNT(*) AS n FROM handshakes" --dataset "$work/ds" --format csv | tail -1)
certs=$($bin sql "SELECT COUNT(*) AS n FROM certificates" --dataset "$work/ds" --format csv | tail -1)
leaves=$($bin sql "SELECT COUNT(DISTINCT leaf_sha256) AS n FROM handshakes" --dataset "$work/ds" --format csv | tail -1)
tls=$($bin sql "SELECT COUNT(*) AS n FROM handshakes WHERE leaf_sha256 IS NOT NULL" --dataset "$work/ds" --format csv | tail -1)
echo "dataset: $handshakes handshake rows, $tls with a certificate, $leaves distinct leaves, $certs distinct certificates"
echo "archive: $(du -sm "$work/archive" | cut -f1) MB stored; dataset $(du -sm "$work/ds" | cut -f1) MB"
echo "stage figures: $results"
