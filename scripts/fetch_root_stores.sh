#!/usr/bin/env bash
# Fetches dated snapshots of Mozilla's root store, as the `certifi` package
# on PyPI shipped them, into data/roots/, and records where each came from.
# The snapshots are committed; rerun this only to add a release.
#
# Usage: scripts/fetch_root_stores.sh [CERTIFI_VERSION...]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2015.4.28 2015.9.6.2 2015.11.20 2016.9.26 2017.7.27 2018.8.24 2020.12.5 2023.7.22 2026.10.18)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
provenance=data/roots/provenance.csv
[ -s "$provenance" ] || echo "name,certifi_version,release_date,roots,sdist,sdist_sha256,pem_sha256" > "$provenance"
for v in "${versions[@]}"; do
  pip download --quiet --no-deps --no-binary :all: "certifi==$v" -d "$work"
  sdist=$(ls "$work"/certifi-*.tar.gz | head -1)
  # certifi versions are release dates: 2015.9.6.2 → 2015-09-06.
  date=$(echo "$v" | awk -F. '{printf "%04d-%02d-%02d", $1, $2, $3}')
  name=mozilla-$date
  member=$(tar -tzf "$sdist" | grep -E '/certifi/cacert\.pem$' | head -1)
  tar -xzOf "$sdist" "$member" > "data/roots/$name.pem"
  roots=$(grep -c 'BEGIN CERTIFICATE' "data/roots/$name.pem")
  grep -v "^$name," "$provenance" > "$work/p.csv" || true
  echo "$name,$v,$date,$roots,https://pypi.org/project/certifi/$v/#files $(basename "$sdist"),$(sha256sum "$sdist" | cut -d' ' -f1),$(sha256sum "data/roots/$name.pem" | cut -d' ' -f1)" >> "$work/p.csv"
  { head -1 "$work/p.csv"; tail -n +2 "$work/p.csv" | sort; } > "$provenance"
  rm -f "$sdist"
  echo "$name: $roots roots from certifi $v"
done
