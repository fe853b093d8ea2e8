#!/usr/bin/env bash
# A local three-node OpenSearch cluster for the failure scenarios (npm run test:cluster), started with
# the same launcher as scripts/opensearch.sh (tools/opensearch-local): three JVMs that discover each
# other over their local transport ports. It never touches the single node of scripts/opensearch.sh.
#
#   scripts/opensearch-cluster.sh start          start the nodes that are not running, wait for green
#   scripts/opensearch-cluster.sh stop           stop every node this script started (SIGTERM, then SIGKILL)
#   scripts/opensearch-cluster.sh status         each node's pid and whether it answers, then cluster health
#   scripts/opensearch-cluster.sh pids           "name pid http-port" per running node, one a line
#   scripts/opensearch-cluster.sh start-node N   (re)start node N (1-3) alone, e.g. after a scenario killed it
#   scripts/opensearch-cluster.sh clean          stop, then remove .opensearch-cluster/ (data and logs)
#
# Env: CLUSTER_HTTP_BASE (9210: nodes answer on 9211-9213), CLUSTER_TRANSPORT_BASE (9310: 9311-9313),
#      CLUSTER_HEAP (512m), OPENSEARCH_START_TIMEOUT (180, seconds), JAVA_HOME, OPENSEARCH_VERSION.
# State: .opensearch-cluster/node-N/ (data/, logs/, config/, node.pid, node.log) at the repo root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/.opensearch-cluster"
MAIN_CLASS="dev.searchsync.opensearch.LocalNode"
NODES=(1 2 3)
HTTP_BASE="${CLUSTER_HTTP_BASE:-9210}"
TRANSPORT_BASE="${CLUSTER_TRANSPORT_BASE:-9310}"
HEAP="${CLUSTER_HEAP:-512m}"
START_TIMEOUT="${OPENSEARCH_START_TIMEOUT:-180}"
CLUSTER_NAME="search-sync-cluster"

if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi

log() { echo "[opensearch-cluster] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

node_dir() { echo "$STATE_DIR/node-$1"; }
http_port() { echo $((HTTP_BASE + $1)); }
transport_port() { echo $((TRANSPORT_BASE + $1)); }
joined() { local IFS=','; echo "$*"; }

# pid of node N, only if that process is alive and is our launcher serving that node's home.
node_pid() {
  local file pid
  file="$(node_dir "$1")/node.pid"
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS $(node_dir "$1") " || return 1
  echo "$pid"
}

start_node() {
  local n="$1" dir pid seeds=() managers=() m
  dir="$(node_dir "$n")"
  if pid="$(node_pid "$n")"; then
    log "node-$n already running (pid $pid)"
    return 0
  fi
  for m in "${NODES[@]}"; do
    seeds+=("127.0.0.1:$(transport_port "$m")")
    managers+=("cluster-$m")
  done
  mkdir -p "$dir"
  # The classpath and JVM flags of scripts/opensearch.sh (see there why), with a smaller heap: three
  # nodes share the box.
  local cp jvm_opts
  cp="$(bash "$ROOT/scripts/opensearch.sh" classpath)"
  mapfile -t jvm_opts < <(OPENSEARCH_HEAP="$HEAP" bash "$ROOT/scripts/opensearch.sh" jvm-flags)
  # -E settings override the launcher's single-node defaults: zen discovery over the three transport ports.
  # The fault-detection settings are shortened so that a killed node leaves the cluster within seconds
  # (defaults: 3 x 10 s follower checks), which keeps each scenario short.
  local settings=(
    "-Ecluster.name=$CLUSTER_NAME"
    "-Enode.name=cluster-$n"
    "-Ediscovery.type=zen"
    "-Ediscovery.seed_hosts=$(joined "${seeds[@]}")"
    "-Ecluster.initial_cluster_manager_nodes=$(joined "${managers[@]}")"
    "-Ehttp.port=$(http_port "$n")"
    "-Etransport.port=$(transport_port "$n")"
    "-Ecluster.fault_detection.follower_check.interval=1s"
    "-Ecluster.fault_detection.follower_check.timeout=2s"
    "-Ecluster.fault_detection.follower_check.retry_count=2"
    "-Ecluster.fault_detection.leader_check.interval=1s"
    "-Ecluster.fault_detection.leader_check.timeout=2s"
    "-Ecluster.fault_detection.leader_check.retry_count=2"
  )
  echo "---- $(date -u +%FT%TZ) start" >>"$dir/node.log"
  # setsid + nohup as in scripts/opensearch.sh: the node outlives the calling shell; $! is the java pid.
  setsid nohup "$JAVA" "${jvm_opts[@]}" -cp "$cp" "$MAIN_CLASS" "$dir" "${settings[@]}" \
    >>"$dir/node.log" 2>&1 </dev/null &
  echo $! >"$dir/node.pid"
  log "node-$n: pid $!, http $(http_port "$n"), transport $(transport_port "$n"), log $dir/logs/"
}

# Waits until every running node answers and the cluster has as many nodes and is at least `status`.
wait_health() {
  local status="$1" count="$2" deadline=$(( $(date +%s) + START_TIMEOUT )) n
  while (( $(date +%s) < deadline )); do
    for n in "${NODES[@]}"; do
      if curl -fsS -o /dev/null -m 5 "http://127.0.0.1:$(http_port "$n")/_cluster/health?wait_for_status=$status&wait_for_nodes=$count&timeout=2s" 2>/dev/null; then
        return 0
      fi
    done
    sleep 1
  done
  log "timed out after ${START_TIMEOUT}s waiting for $count node(s) and status $status (see $STATE_DIR/node-*/logs/)"
  return 1
}

running_count() {
  local n count=0
  for n in "${NODES[@]}"; do if node_pid "$n" >/dev/null; then count=$((count + 1)); fi; done
  echo "$count"
}

cmd_start() {
  bash "$ROOT/scripts/opensearch.sh" build
  local n
  for n in "${NODES[@]}"; do start_node "$n"; done
  wait_health green 3 || exit 1
  log "ready: 3 nodes on http ports $(http_port 1)-$(http_port 3)"
}

cmd_start_node() {
  local n="${1:-}"
  [[ "$n" =~ ^[1-3]$ ]] || die "start-node needs a node number 1-3"
  start_node "$n"
  wait_health yellow "$(running_count)" || exit 1
}

stop_node() {
  local n="$1" pid _
  pid="$(node_pid "$n")" || { rm -f "$(node_dir "$n")/node.pid"; return 0; }
  # a node a scenario paused (SIGSTOP) must be continued to act on SIGTERM
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$(node_dir "$n")/node.pid"
  log "node-$n (pid $pid) stopped"
}

cmd_stop() {
  local n
  for n in "${NODES[@]}"; do stop_node "$n"; done
}

cmd_pids() {
  local n pid
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")"; then echo "cluster-$n $pid $(http_port "$n")"; fi
  done
}

cmd_status() {
  local n pid up=0
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")"; then
      log "node-$n: pid $pid, http $(http_port "$n")"
      if curl -fsS -m 3 "http://127.0.0.1:$(http_port "$n")/_cluster/health?pretty" 2>/dev/null; then up=1; fi
    else
      log "node-$n: not running"
    fi
  done
  (( up == 1 )) || exit 1
}

case "${1:-}" in
  start) cmd_start ;;
  start-node) cmd_start_node "${2:-}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  pids) cmd_pids ;;
  clean) cmd_stop; rm -rf "$STATE_DIR"; log "removed $STATE_DIR" ;;
  *) echo "usage: $0 {start|start-node N|stop|status|pids|clean}" >&2; exit 2 ;;
esac
