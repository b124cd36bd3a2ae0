#!/usr/bin/env bash
# The whole test suite. Needs the Rust toolchain and Python 3 (with pip and
# venv); scripts/python-env.sh installs DuckDB and PySpark, the second and
# third SQL engines the catalogue tests compare against (Spark on Java,
# installed here where missing), and OpenSSL (the chain verdicts' peer) is
# installed where missing. Real scanner fixtures are read from
# ../shared/fixtures/real (or $MAILTLS_FIXTURES); tests that need them say
# SKIPPED when the folder is absent (and fail with MAILTLS_REQUIRE_FIXTURES=1).
set -euo pipefail
cd "$(dirname "$0")/.."
# The chain-verdict test compares with the system's OpenSSL.
if ! command -v openssl >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq openssl) >&2 ||
    echo "note: openssl could not be installed; its comparison test will say SKIPPED" >&2
fi
# The Spark parity test runs PySpark on the machine's Java (17 or later).
if ! command -v java >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq default-jre-headless) >&2 ||
    echo "note: Java could not be installed; the Spark comparison will fail" >&2
fi
MAILTLS_PYTHON=$(scripts/python-env.sh)
export MAILTLS_PYTHON
cargo test --all-targets "$@"
