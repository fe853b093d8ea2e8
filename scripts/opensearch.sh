#!/usr/bin/env bash
# Local OpenSearch node without Docker: a real OpenSearch 2.19.x server started from the Maven
# Central jars by tools/opensearch-local (see LocalNode.java).
#
#   scripts/opensearch.sh build    build the launcher + runtime classpath (skipped if up to date)
#   scripts/opensearch.sh start    reuse a node already answering on $OPENSEARCH_URL, else start one
#                                  in the background and wait until the cluster is yellow
#   scripts/opensearch.sh stop     stop the node this script started (pid file), if any
#   scripts/opensearch.sh status   say what answers on $OPENSEARCH_URL and whether we own it
#
# Env: OPENSEARCH_URL (http://127.0.0.1:9200), OPENSEARCH_VERSION (2.19.6, passed to Maven as
#      -Dopensearch.version), OPENSEARCH_HEAP (1g), OPENSEARCH_START_TIMEOUT (120, seconds),
#      OPENSEARCH_JAVA_OPTS (extra JVM flags), JAVA_HOME (optional; Java 17 is expected).
# State: .opensearch/ at the repo root: node.pid, node.log (JVM stdout/stderr), data/, logs/
#        (the server's own log: logs/search-sync-local.log), config/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL_DIR="$ROOT/tools/opensearch-local"
STATE_DIR="$ROOT/.opensearch"
PID_FILE="$STATE_DIR/node.pid"
PORT_FILE="$STATE_DIR/node.port"
NODE_LOG="$STATE_DIR/node.log"
SERVER_LOG="$STATE_DIR/logs/search-sync-local.log"
STAMP="$TOOL_DIR/target/.build-stamp"

OPENSEARCH_URL="${OPENSEARCH_URL:-http://127.0.0.1:9200}"
OPENSEARCH_URL="${OPENSEARCH_URL%/}"
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-2.19.6}"
OPENSEARCH_HEAP="${OPENSEARCH_HEAP:-1g}"
OPENSEARCH_START_TIMEOUT="${OPENSEARCH_START_TIMEOUT:-120}"
MAIN_CLASS="dev.searchsync.opensearch.LocalNode"

if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi

log() { echo "[opensearch] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

# The HTTP port the node should bind, taken from OPENSEARCH_URL (http://host[:port][/...]).
http_port() {
  local hostport="${OPENSEARCH_URL#*://}"
  hostport="${hostport%%/*}"
  if [[ "$hostport" == *:* ]]; then echo "${hostport##*:}"; else echo 9200; fi
}

# Body of GET / if an OpenSearch node answers there, else fails.
root_info() { curl -fsS -m 3 "$OPENSEARCH_URL/" 2>/dev/null; }
answers() { curl -sS -o /dev/null -m 3 "$OPENSEARCH_URL/" 2>/dev/null; }
version_of() { sed -n 's/.*"number" *: *"\([^"]*\)".*/\1/p' | head -1; }

# pid from the pid file, only if that process is alive and really is our launcher.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

build_hash() {
  {
    echo "$OPENSEARCH_VERSION"
    cat "$TOOL_DIR/pom.xml"
    find "$TOOL_DIR/src" -type f -print0 | sort -z | xargs -0 cat
  } | sha256sum | cut -d' ' -f1
}

cmd_build() {
  command -v mvn >/dev/null || die "mvn not found (Maven 3 + Java 17 are required)"
  local want
  want="$(build_hash)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -f "$TOOL_DIR/target/opensearch-local.jar" ]]; then
    log "launcher up to date (OpenSearch $OPENSEARCH_VERSION)"
    return 0
  fi
  log "building launcher for OpenSearch $OPENSEARCH_VERSION (mvn package)..."
  local t0
  t0="$(now_ms)"
  # clean: target/lib must not keep jars of another OpenSearch version
  # quiet unless it fails (Maven 3.8's -q still prints stray ANSI resets)
  local out
  if ! out="$(mvn -B -q -f "$TOOL_DIR/pom.xml" "-Dopensearch.version=$OPENSEARCH_VERSION" \
    clean package 2>&1)"; then
    echo "$out" >&2
    die "maven build failed"
  fi
  echo "$want" >"$STAMP"
  log "built in $(( ($(now_ms) - t0) / 1000 ))s"
}

# Poll cluster health until yellow; fails if the JVM dies or the timeout passes.
wait_ready() {
  local pid="$1" deadline=$(( $(date +%s) + OPENSEARCH_START_TIMEOUT ))
  while true; do
    if curl -fsS -o /dev/null -m 5 \
      "$OPENSEARCH_URL/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "node process $pid exited during startup; last lines of $NODE_LOG and $SERVER_LOG:"
      tail -n 20 "$NODE_LOG" >&2 2>/dev/null || true
      tail -n 40 "$SERVER_LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${OPENSEARCH_START_TIMEOUT}s waiting for $OPENSEARCH_URL (see $SERVER_LOG)"
      return 1
    fi
    sleep 0.5
  done
}

report_ready() {
  local version
  version="$(root_info | version_of || true)"
  log "ready: OpenSearch ${version:-?} at $OPENSEARCH_URL${1:+ (cold start ${1}s)}"
}

cmd_start() {
  if answers; then
    root_info | grep -q '"distribution" *: *"opensearch"' \
      || die "something answers on $OPENSEARCH_URL but it is not OpenSearch"
    log "reusing the node already answering on $OPENSEARCH_URL"
    wait_ready "" || exit 1
    report_ready
    return 0
  fi
  local pid
  if pid="$(our_pid)"; then
    if [[ "$(cat "$PORT_FILE" 2>/dev/null || true)" != "$(http_port)" ]]; then
      die "our node (pid $pid) runs on port $(cat "$PORT_FILE" 2>/dev/null || echo '?'), not on $OPENSEARCH_URL; run stop first"
    fi
    # our node is still starting up (or not answering): wait for it rather than start another
    log "node $pid (started earlier) is not answering yet; waiting"
    wait_ready "$pid" || exit 1
    report_ready
    return 0
  fi
  rm -f "$PID_FILE"

  cmd_build
  mkdir -p "$STATE_DIR"
  local port cp t0
  port="$(http_port)"
  cp="$TOOL_DIR/target/opensearch-local.jar:$TOOL_DIR/target/lib/*"
  # JVM flags: a subset of the distribution's jvm.options / SystemJvmOptions.
  #  - java.locale.providers=SPI,COMPAT: 2.x date parsing expects the COMPAT locale data
  #  - log4j.shutdownHookEnabled=false: our shutdown hook closes the node and still needs logging
  # shellcheck disable=SC2206,SC2054  # OPENSEARCH_JAVA_OPTS is split on purpose; SPI,COMPAT is one value
  local jvm_opts=(
    "-Xms$OPENSEARCH_HEAP" "-Xmx$OPENSEARCH_HEAP"
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow -Xss1m
    -Djava.locale.providers=SPI,COMPAT
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true -Djna.nosys=true
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0
    ${OPENSEARCH_JAVA_OPTS:-}
  )
  log "starting OpenSearch $OPENSEARCH_VERSION on port $port (heap $OPENSEARCH_HEAP, data $STATE_DIR/data)"
  t0="$(now_ms)"
  {
    echo "---- $(date -u +%FT%TZ) start"
  } >>"$NODE_LOG"
  # setsid: own session, so the node survives the calling shell/CI step; nohup: ignore SIGHUP.
  # In a non-interactive shell the background child is not a group leader, so setsid execs in
  # place and $! is the java pid.
  setsid nohup "$JAVA" "${jvm_opts[@]}" -cp "$cp" "$MAIN_CLASS" "$STATE_DIR" \
    "-Ehttp.port=$port" >>"$NODE_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$port" >"$PORT_FILE"
  log "pid $pid, JVM output in $NODE_LOG, server log in $SERVER_LOG"
  if ! wait_ready "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$PID_FILE" "$PORT_FILE"
    exit 1
  fi
  local ms=$(( $(now_ms) - t0 ))
  report_ready "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    if answers; then
      log "a node answers on $OPENSEARCH_URL but this script did not start it; leaving it alone"
    else
      log "not running"
    fi
    return 0
  fi
  log "stopping node $pid"
  kill -TERM "$pid"
  local _
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "node $pid did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  log "stopped"
}

cmd_status() {
  local pid="" info
  pid="$(our_pid || true)"
  if info="$(root_info)"; then
    log "up: OpenSearch $(version_of <<<"$info") at $OPENSEARCH_URL${pid:+ (ours, pid $pid)}"
    curl -fsS -m 3 "$OPENSEARCH_URL/_cluster/health?pretty" 2>/dev/null || true
  elif [[ -n "$pid" ]]; then
    log "process $pid is running but $OPENSEARCH_URL does not answer (starting up?)"
    exit 1
  else
    log "down: nothing answers on $OPENSEARCH_URL"
    exit 1
  fi
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {build|start|stop|status}" >&2; exit 2 ;;
esac
