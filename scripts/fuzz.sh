#!/usr/bin/env bash
# Coverage-guided fuzzing of the JSON reader, the record readers of every
# layout, the framing of plain and pretty input, DER certificate facts and
# the verifier: `scripts/fuzz.sh SECONDS [TARGET...]` runs each target for
# SECONDS (default 60) and prints its executions. A crash stops the script
# with the input saved under fuzz/artifacts/TARGET/; make it a regression
# test, then fix it.
#
# Runs on the stable toolchain: cargo-fuzz (from crates.io) is told to skip
# the sanitizers, and RUSTC_BOOTSTRAP lets stable rustc take the few
# unstable flags it passes. libFuzzer's runtime needs a C++ compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json record framing cert_facts verify)
fi
command -v c++ >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq g++)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${MAILTLS_FUZZ_TARGET_DIR:-$HOME/.cache/mailtls-fuzz-target}
corpus=fuzz/corpus
python3 scripts/fuzz_seeds.py "$corpus"
for t in "${targets[@]}"; do
  cargo fuzz build --sanitizer none "$t"
done
for t in "${targets[@]}"; do
  log=$(mktemp)
  echo "== $t: $seconds s" >&2
  cargo fuzz run --sanitizer none "$t" "$corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    2>"$log" || { tail -40 "$log" >&2; echo "fuzz target $t failed; see fuzz/artifacts/$t/" >&2; exit 1; }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  echo "$t: $runs executions in $seconds s, no crash" | tee -a fuzz/last-run.txt
  rm -f "$log"
done
