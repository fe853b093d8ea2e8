#!/usr/bin/env bash
# Local OpenSearch node without Docker: a real OpenSearch server (2.19.x or 3.x) started from the
# Maven Central jars by tools/opensearch-local (see LocalNode.java).
#
#   scripts/opensearch.sh build      build the launcher + runtime classpath (skipped if up to date)
#   scripts/opensearch.sh start      reuse a node of the same version already answering on $OPENSEARCH_URL,
#                                    else start one in the background and wait until the cluster is yellow
#   scripts/opensearch.sh stop       stop the node this script started (pid file), if any
#   scripts/opensearch.sh status     say what answers on $OPENSEARCH_URL and whether we own it
#   scripts/opensearch.sh classpath  build if needed, print the node's classpath (scripts/opensearch-cluster.sh)
#   scripts/opensearch.sh jvm-flags  print the node's JVM flags, one a line (scripts/opensearch-cluster.sh)
#
# Env: OPENSEARCH_VERSION (2.19.6, passed to Maven as -Dopensearch.version; a 3.x version needs Java 21+:
#      set JAVA_HOME, e.g. /usr/lib/jvm/temurin-25-jdk-amd64), OPENSEARCH_URL (http://127.0.0.1:9200 for
#      2.x, :9201 for 3.x, so both run side by side), OPENSEARCH_HEAP (1g), OPENSEARCH_START_TIMEOUT
#      (120, seconds), OPENSEARCH_JAVA_OPTS (extra JVM flags), JAVA_HOME (optional for 2.x: Java 17).
# State: .opensearch/ at the repo root for 2.x, .opensearch-<version>/ for any other major: node.pid,
#        node.log (JVM stdout/stderr), data/, logs/ (the server's own log: logs/search-sync-local.log),
#        config/. The build: tools/opensearch-local/target/<version>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL_DIR="$ROOT/tools/opensearch-local"
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-2.19.6}"
MAJOR="${OPENSEARCH_VERSION%%.*}"
[[ "$MAJOR" == 2 || "$MAJOR" == 3 ]] || { echo "[opensearch] ERROR: OPENSEARCH_VERSION $OPENSEARCH_VERSION: only 2.x and 3.x are supported" >&2; exit 1; }
if [[ "$MAJOR" == 2 ]]; then
  STATE_DIR="$ROOT/.opensearch"
  OPENSEARCH_URL="${OPENSEARCH_URL:-http://127.0.0.1:9200}"
else
  STATE_DIR="$ROOT/.opensearch-$OPENSEARCH_VERSION"
  OPENSEARCH_URL="${OPENSEARCH_URL:-http://127.0.0.1:9201}"
fi
OPENSEARCH_URL="${OPENSEARCH_URL%/}"
PID_FILE="$STATE_DIR/node.pid"
PORT_FILE="$STATE_DIR/node.port"
NODE_LOG="$STATE_DIR/node.log"
SERVER_LOG="$STATE_DIR/logs/search-sync-local.log"
BUILD_DIR="$TOOL_DIR/target/$OPENSEARCH_VERSION"
STAMP="$BUILD_DIR/.build-stamp"
OPENSEARCH_HEAP="${OPENSEARCH_HEAP:-1g}"
OPENSEARCH_START_TIMEOUT="${OPENSEARCH_START_TIMEOUT:-120}"
MAIN_CLASS="dev.searchsync.opensearch.LocalNode"

if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi

log() { echo "[opensearch] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

# 3.x jars are compiled for Java 21: say so before Maven or the JVM fails with a class-version error.
check_java() {
  [[ "$MAJOR" == 3 ]] || return 0
  local spec
  spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${spec:-0}" =~ ^[0-9]+$ ]] && (( spec >= 21 )) \
    || die "OpenSearch $OPENSEARCH_VERSION needs Java 21 or newer, $JAVA is Java ${spec:-?}: set JAVA_HOME (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)"
}

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
  check_java
  local want
  want="$(build_hash)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -f "$BUILD_DIR/opensearch-local.jar" ]]; then
    log "launcher up to date (OpenSearch $OPENSEARCH_VERSION)"
    return 0
  fi
  log "building launcher for OpenSearch $OPENSEARCH_VERSION (mvn package)..."
  local t0
  t0="$(now_ms)"
  # clean: target/<version>/lib must not keep jars of an earlier build of the launcher
  # quiet unless it fails (Maven 3.8's -q still prints stray ANSI resets)
  local out
  if ! out="$(mvn -B -q -f "$TOOL_DIR/pom.xml" "-Dopensearch.version=$OPENSEARCH_VERSION" \
    "-Dopensearch.major=$MAJOR" clean package 2>&1)"; then
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

classpath() { echo "$BUILD_DIR/opensearch-local.jar:$BUILD_DIR/lib/*"; }

# JVM flags, one a line: a subset of the distribution's jvm.options / SystemJvmOptions.
#  - java.locale.providers: 2.x date parsing expects the COMPAT locale data, which Java 23 removed;
#    3.x runs on CLDR (its distribution's own choice)
#  - log4j.shutdownHookEnabled=false: our shutdown hook closes the node and still needs logging
#  - 3.x on Java 21+: Lucene 10 calls native code (madvise) and uses the vector API, as the
#    distribution's jvm.options allow
jvm_flags() {
  local providers=SPI,COMPAT newer=()
  if [[ "$MAJOR" == 3 ]]; then
    providers=SPI,CLDR
    newer=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector)
  fi
  # shellcheck disable=SC2206  # OPENSEARCH_JAVA_OPTS is split on purpose
  local flags=(
    "-Xms$OPENSEARCH_HEAP" "-Xmx$OPENSEARCH_HEAP"
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow -Xss1m
    "-Djava.locale.providers=$providers"
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true -Djna.nosys=true
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0
    "${newer[@]}" ${OPENSEARCH_JAVA_OPTS:-}
  )
  printf '%s\n' "${flags[@]}"
}

cmd_start() {
  if answers; then
    local info running
    info="$(root_info || true)"
    grep -q '"distribution" *: *"opensearch"' <<<"$info" \
      || die "something answers on $OPENSEARCH_URL but it is not OpenSearch"
    # a node of another version must not silently stand in for the one asked for
    running="$(version_of <<<"$info")"
    [[ "$running" == "$OPENSEARCH_VERSION" ]] \
      || die "OpenSearch $running answers on $OPENSEARCH_URL, not $OPENSEARCH_VERSION: set OPENSEARCH_URL to another port"
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
  local port t0 jvm_opts
  port="$(http_port)"
  mapfile -t jvm_opts < <(jvm_flags)
  log "starting OpenSearch $OPENSEARCH_VERSION on port $port (heap $OPENSEARCH_HEAP, data $STATE_DIR/data)"
  t0="$(now_ms)"
  {
    echo "---- $(date -u +%FT%TZ) start"
  } >>"$NODE_LOG"
  # setsid: own session, so the node survives the calling shell/CI step; nohup: ignore SIGHUP.
  # In a non-interactive shell the background child is not a group leader, so setsid execs in
  # place and $! is the java pid.
  setsid nohup "$JAVA" "${jvm_opts[@]}" -cp "$(classpath)" "$MAIN_CLASS" "$STATE_DIR" \
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
  classpath) cmd_build; classpath ;;
  jvm-flags) jvm_flags ;;
  *) echo "usage: $0 {build|start|stop|status|classpath|jvm-flags}" >&2; exit 2 ;;
esac
