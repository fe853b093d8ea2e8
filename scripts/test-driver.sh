#!/usr/bin/env bash
# npm run test:driver -- <version>: the test files that touch the database driver (change capture, wake on
# commit, terminated and cut connections, long transactions, a transaction whose backend dies, the driver's
# errors for a connection that cannot be made) with another postgres.js release than the lockfile's, e.g.
# `3.4.10` (the peer range takes 3.4 and 4). The release is installed into node_modules without saving
# (package.json and package-lock.json stay as they are), and the lockfile's release is put back whatever
# happens. Exits with the tests' status, or 1 if the restore failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version="${1:?usage: scripts/test-driver.sh <postgres.js version, e.g. 3.4.10> [extra vitest arguments]}"
shift

FILES=(
  libs/search-sync/src/database/database.transaction.spec.ts
  test/wake-on-commit.e2e-spec.ts
  test/long-transactions.e2e-spec.ts
  test/database-failure.e2e-spec.ts
  test/checkpoints.e2e-spec.ts
  test/pipeline.e2e-spec.ts
  test/faults.e2e-spec.ts
  test/health.e2e-spec.ts
  test/cli-errors.e2e-spec.ts
)

# postgres.js 4's exports do not include its package.json: read the file.
installed() { node -p "JSON.parse(require('fs').readFileSync('node_modules/postgres/package.json', 'utf8')).version"; }
locked=$(node -p "require('./package-lock.json').packages['node_modules/postgres'].version")

restore() {
  local status=$?
  echo "== restoring postgres.js $locked (package-lock.json)"
  if npm install --no-save --no-audit --no-fund "postgres@$locked" && [ "$(installed)" = "$locked" ]; then
    exit "$status"
  fi
  echo "postgres.js $locked could not be restored: run npm ci" >&2
  exit 1
}
trap restore EXIT

npm install --no-save --no-audit --no-fund "postgres@$version"
echo "== the driver-touching tests with postgres.js $(installed) (the lockfile has $locked)"
npx vitest run --project unit --project e2e "${FILES[@]}" "$@"
