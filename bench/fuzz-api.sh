#!/usr/bin/env bash
# Fuzz `flare serve` from its own OpenAPI document with schemathesis (PyPI, in .venv-bench, not the
# MLflow venv): every operation, generated inputs, and the one check that matters here — no 5xx.
#   bash bench/fuzz-api.sh [max examples per operation, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-30}
if [ ! -x .venv-bench/bin/schemathesis ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q --disable-pip-version-check schemathesis==4.32.5
fi
DIR=$(mktemp -d)
node bin/run.js serve --port 8765 --db "$DIR/history.db" --queue 64 >"$DIR/serve.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR" .schemathesis' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:8765/health >/dev/null && break; sleep 0.5; done
.venv-bench/bin/schemathesis run http://127.0.0.1:8765/openapi.json \
  --checks not_a_server_error --max-examples "$EXAMPLES" --request-timeout 60 --exclude-path /demo/stream
