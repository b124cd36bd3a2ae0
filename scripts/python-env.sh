#!/usr/bin/env bash
# Creates (once) the Python environment the tests use as a second SQL
# engine — DuckDB, pinned — and prints its interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MAILTLS_VENV:-target/venv}
if ! "$venv/bin/python" -c "import duckdb" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb==1.5.6 >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
