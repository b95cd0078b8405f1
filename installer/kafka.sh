#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, no ZooKeeper) on loopback, for tests and
# development. The jars come from Maven Central (installer/kafka/pom.xml) and are cached under
# ~/.cache/verdict/kafka, so a second start is quick.
#   installer/kafka.sh start   — fetch if needed, format a fresh log directory, start, wait until it answers
#   installer/kafka.sh stop
# VERDICT_KAFKA_PORT (9092; the controller listens on the next port) and VERDICT_KAFKA_DIR
# (/tmp/verdict-kafka) move it. VERDICT_KAFKA_KEEP_DATA=1 restarts a stopped broker on the log
# directory it had (its topics and messages), instead of a fresh one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/verdict/kafka
port=${VERDICT_KAFKA_PORT:-9092}
controller_port=$((port + 1))
dir=${VERDICT_KAFKA_DIR:-/tmp/verdict-kafka}
pidfile=$dir/broker.pid

fetch() {
  if [[ -f "$cache/.complete" ]] && cmp -s "$here/kafka/pom.xml" "$cache/pom.xml"; then return; fi
  echo "kafka: fetching the broker from Maven Central"
  mkdir -p "$cache"
  rm -f "$cache"/libs/*.jar
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$cache/libs" -DincludeScope=runtime
  cp "$here/kafka/pom.xml" "$cache/pom.xml"
  touch "$cache/.complete"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
    echo "kafka: already running on 127.0.0.1:$port"
    return
  fi
  fetch
  local classpath="$cache/libs/*"
  if [[ "${VERDICT_KAFKA_KEEP_DATA:-0}" == 1 && -f "$dir/data/meta.properties" ]]; then
    launch "$classpath"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir/logs"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  cat > "$dir/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d %p %c: %m%n
PROPS
  local cluster
  cluster=$(java -cp "$classpath" kafka.tools.StorageTool random-uuid)
  java -cp "$classpath" -Dlog4j.configuration="file:$dir/log4j.properties" kafka.tools.StorageTool format \
    -t "$cluster" -c "$dir/server.properties" >/dev/null
  launch "$classpath"
}

launch() {
  local classpath=$1
  nohup java -Xms256m -Xmx512m -cp "$classpath" -Dlog4j.configuration="file:$dir/log4j.properties" \
    kafka.Kafka "$dir/server.properties" > "$dir/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 300); do
    if answers; then
      echo "kafka: broker answers on 127.0.0.1:$port (log: $dir/logs)"
      return
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "kafka: the broker exited; see $dir/logs" >&2
      tail -20 "$dir/logs/stdout.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  echo "kafka: the broker does not answer on 127.0.0.1:$port after 60 s" >&2
  exit 1
}

stop() {
  if [[ -f "$pidfile" ]]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true  # a broker that did not finish its shutdown in 30 s
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
