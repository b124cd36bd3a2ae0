#!/usr/bin/env bash
# Makes the notebooks' Python environment (scripts/python-env.sh, plus
# JupyterLab) and starts Jupyter on notebooks/ reading DATASET
# (default: target/sample-dataset, which scripts/demo.sh writes).
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:-target/sample-dataset}
[ -f "$dataset/_manifest.json" ] || { echo "no mailtls dataset at $dataset (run scripts/demo.sh, or give one)" >&2; exit 1; }
python=$(scripts/python-env.sh)
"$python" -c "import jupyterlab" 2>/dev/null ||
  "$python" -m pip install --quiet --disable-pip-version-check jupyterlab==4.6.6 >&2
export MAILTLS_DATASET=$(cd "$dataset" && pwd)
exec "$python" -m jupyter lab notebooks/
