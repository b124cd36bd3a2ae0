#!/usr/bin/env bash
# Creates (once) the Python environment the tests use — DuckDB and PySpark,
# the second and third SQL engines (Spark runs on the machine's Java), and
# what the notebooks need (polars, matplotlib, and nbclient with a kernel to
# run them headless), all pinned — and prints its interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MAILTLS_VENV:-target/venv}
packages=(duckdb==1.5.6 pyspark==4.3.0 polars==2.1.0 matplotlib==3.11.2 nbclient==0.11.0 nbformat==5.11.1 ipykernel==7.4.0)
if ! "$venv/bin/python" -c "import duckdb, pyspark, polars, matplotlib, nbclient, nbformat, ipykernel" 2>/dev/null; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
