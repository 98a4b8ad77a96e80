#!/usr/bin/env bash
# Provisions what the test suite needs beyond npm packages: chromium for the dashboard tests, the
# jars of a single-node Kafka (test/setup/kafka.sh) and a Python venv with MLflow (the tracking
# tests start a real `mlflow server` from it). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
MLFLOW_VERSION=3.17.2
# Chromium for the dashboard's browser tests (playwright-core drives Debian's chromium). Installed
# quietly when missing and apt is usable; the browser tests skip with the reason when it is absent.
if ! command -v chromium >/dev/null && [ -z "${FLARE_CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "provision: installing chromium for the browser tests (first run only)" >&2
    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) \
      || echo "provision: could not install chromium; the browser tests will be skipped" >&2
  else
    echo "provision: chromium not found and not root; the browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi

# The Kafka broker's jars for the Kafka integration tests (skipped without Java and Maven).
if ! bash test/setup/kafka.sh; then
  # CI (FLARE_KAFKA_TESTS=required) must not pass with the Kafka tests skipped.
  if [ "${FLARE_KAFKA_TESTS:-}" = required ]; then echo "provision: could not resolve the Kafka jars" >&2; exit 1; fi
  echo "provision: could not resolve the Kafka jars; the Kafka tests will be skipped" >&2
fi

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
