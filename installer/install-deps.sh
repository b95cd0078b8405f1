#!/usr/bin/env bash
# Installs every Debian 12 package that building and testing Verdict needs.
# Idempotent: packages already present are skipped, so a second run costs a few seconds.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git curl python3
  # core
  nlohmann-json3-dev libexpected-dev libcli11-dev libssl-dev
  # adapters and daemon
  libboost1.81-dev libpqxx-dev libpq-dev libhiredis-dev librdkafka-dev libsqlite3-dev
  libspdlog-dev libfmt-dev uuid-dev libjemalloc-dev libsimdjson-dev
  # studio and its tests
  qt6-base-dev qt6-charts-dev qt6-tools-dev libqt6opengl6-dev libgl-dev xvfb xauth
  # services for integration tests; Java and Maven fetch and run the Kafka broker (installer/kafka.sh)
  postgresql redis-server openjdk-17-jre-headless maven
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
