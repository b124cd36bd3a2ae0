#!/usr/bin/env bash
# The whole test suite. Needs only the Rust toolchain; everything else the
# tests use is built by cargo. Real scanner fixtures are read from
# ../shared/fixtures/real (or $MAILTLS_FIXTURES); tests that need them say
# SKIPPED when the folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets "$@"
