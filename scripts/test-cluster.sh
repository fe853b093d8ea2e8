#!/usr/bin/env bash
# npm run test:cluster: starts the three-node cluster, runs the cluster scenarios (vitest.cluster.config.ts,
# extra arguments go to vitest), and stops the cluster whatever happens. Its data and logs stay in
# .opensearch-cluster/ for a look afterwards; `bash scripts/opensearch-cluster.sh clean` removes them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
trap 'bash scripts/opensearch-cluster.sh stop' EXIT
bash scripts/opensearch-cluster.sh start
npx vitest run -c vitest.cluster.config.ts "$@"
