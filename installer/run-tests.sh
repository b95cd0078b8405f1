#!/usr/bin/env bash
# Builds with the ci preset (warnings are errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
./installer/start-services.sh
./installer/kafka.sh start  # the real broker for the Kafka integration tests (127.0.0.1:9092)
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci -j2
