#!/usr/bin/env bash
# The whole test suite. Needs the Rust toolchain and Python 3 (with pip and
# venv); scripts/python-env.sh installs DuckDB, the second SQL engine the
# catalogue tests compare against. Real scanner fixtures are read from
# ../shared/fixtures/real (or $MAILTLS_FIXTURES); tests that need them say
# SKIPPED when the folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
MAILTLS_PYTHON=$(scripts/python-env.sh)
export MAILTLS_PYTHON
cargo test --all-targets "$@"
