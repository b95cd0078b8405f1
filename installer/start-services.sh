#!/usr/bin/env bash
# Starts the services the integration tests talk to — PostgreSQL and Redis on 127.0.0.1 — unless they
# already answer, then waits (bounded) until both do. Idempotent, and needs no systemd, so it works in
# containers and CI as well as on a workstation. VERDICT_SERVICE_WAIT sets the wait in seconds (30).
set -euo pipefail

wait_seconds=${VERDICT_SERVICE_WAIT:-30}
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]; }

if ! postgres_up; then
  # Debian keeps one directory per installed major version; the newest is the one to run.
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$version" ]]; then
    echo "start-services: no PostgreSQL cluster under /etc/postgresql; run installer/install-deps.sh first" >&2
    exit 1
  fi
  echo "start-services: starting PostgreSQL $version/main"
  # A failure here (say, "already starting") is not fatal by itself: the wait below decides.
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi

if ! redis_up; then
  echo "start-services: starting Redis"
  # No persistence: the tests use Redis as a cache. "-::1" binds IPv6 only where the host has it.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
fi

wait_for() {
  local name=$1 check=$2
  for ((i = 0; i < wait_seconds * 5; i++)); do
    if $check; then return 0; fi
    sleep 0.2
  done
  echo "start-services: $name does not answer on 127.0.0.1 after ${wait_seconds}s" >&2
  return 1
}
wait_for PostgreSQL postgres_up
wait_for Redis redis_up

# The integration tests connect as postgres over TCP without a password (scratch databases only).
# A fresh Debian cluster asks for one; on this test machine, trust postgres from loopback only.
pg_trusts() { PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; }
if ! pg_trusts; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if [[ -n "$version" && -f "$hba" ]] && ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    echo "start-services: letting postgres@127.0.0.1 in without a password (test machine set-up, $hba)"
    $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    sleep 1
  fi
fi
if ! pg_trusts; then
  echo "start-services: PostgreSQL is up but refuses postgres@127.0.0.1 without a password;" \
    "the integration tests need 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf" >&2
  exit 1
fi
echo "start-services: PostgreSQL and Redis answer on 127.0.0.1"
