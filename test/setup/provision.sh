#!/usr/bin/env bash
# Provisions what the test suite needs beyond npm packages: a Python venv with MLflow (the tracking
# tests start a real `mlflow server` from it). Idempotent: a ready venv is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
MLFLOW_VERSION=3.17.2
if [ -x .venv/bin/mlflow ] && .venv/bin/python -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION')" 2>/dev/null; then
  exit 0
fi
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null; then
  echo "provision: python3 not found; the MLflow tracking tests need Python 3.10+ (apt-get install python3 python3-venv)" >&2
  exit 1
fi
echo "provision: creating .venv with mlflow==$MLFLOW_VERSION (first run only, about a minute)" >&2
"$PY" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check "mlflow==$MLFLOW_VERSION"
.venv/bin/mlflow --version >&2
