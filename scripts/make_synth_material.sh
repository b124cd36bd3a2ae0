#!/usr/bin/env bash
# Writes the key and prime pools that `mailtls synth` draws from:
# data/synth/rsa-BITS.pem (RSA keys, PKCS#8) and data/synth/dh-primes.txt
# (`BITS HEX` per line, random DH primes). Generating these takes seconds
# each, so the pools are made once and committed; every other part of a
# synthetic archive is derived from the seed. The keys protect nothing:
# they exist only to make test certificates.
#
# Usage: scripts/make_synth_material.sh [--primes-only]
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/synth
mkdir -p "$out"
make_pool() { # bits count
  local file=$out/rsa-$1.pem
  : > "$file"
  for _ in $(seq "$2"); do
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$1" 2>/dev/null >> "$file"
  done
}
if [ "${1:-}" != --primes-only ]; then
  make_pool 512 4
  make_pool 1024 8
  make_pool 2048 96
  make_pool 4096 3
fi

primes=$out/dh-primes.txt
: > "$primes"
for spec in 512:24 768:24 1024:32 2048:16 4096:2; do
  for _ in $(seq "${spec#*:}"); do
    echo "${spec%:*} $(openssl prime -generate -bits "${spec%:*}" -hex)" >> "$primes"
  done
done
