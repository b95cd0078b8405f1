#!/usr/bin/env bash
# The main job: build Verdict, start verdictd on its embedded defaults (bundled sample policy,
# SQLite, in-process cache, verdict-sim in-process) and have it decide the bundled sample
# application. The daemon then keeps serving until Ctrl-C; with --once it stops after the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[[ "${1:-}" == "--once" ]] && once=true

./installer/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target verdictd verdict verdict-sim

port=${VERDICT_PORT:-8080}
data=build/demo-data
mkdir -p "$data"
VERDICT_DATA_DIR="$data" build/release/daemon/verdictd/verdictd --port "$port" --policy resources/policy/sample-policy.json \
  > "$data/verdictd.out" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  if ! kill -0 $daemon 2>/dev/null; then cat "$data/verdictd.out"; exit 1; fi
  sleep 0.1
done
cat "$data/verdictd.out"

echo
echo "=== POST /v1/decisions with resources/samples/application.json"
curl -s -X POST "http://127.0.0.1:$port/v1/decisions" \
  -H 'Authorization: Bearer dev-token-change-me' -H 'Content-Type: application/json' \
  --data @resources/samples/application.json | python3 -m json.tool
echo
if $once; then exit 0; fi
echo "verdictd keeps serving on http://127.0.0.1:$port — try the curl line above; Ctrl-C stops it."
wait $daemon
