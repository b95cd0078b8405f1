#!/usr/bin/env bash
# The main job: build Verdict and decide the bundled sample applications with the sample policy.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target verdict
verdict=build/release/daemon/cli/verdict
policy=resources/policy/sample-policy.json

"$verdict" validate "$policy"
for sample in case-accept case-sim-only case-bkr-unavailable; do
  echo
  echo "=== resources/samples/$sample.json"
  "$verdict" evaluate --policy "$policy" --application "resources/samples/$sample.json" --format text
done
echo
echo "JSON form: $verdict evaluate --policy $policy --application resources/samples/case-sim-only.json"
