#!/usr/bin/env bash
# Builds with the ci preset (warnings are errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
./installer/start-services.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci -j2
