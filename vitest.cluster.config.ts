import { defineConfig } from 'vitest/config';
import { alias, plugins } from './vitest.shared.js';

/**
 * The failure scenarios against a three-node OpenSearch cluster (test/cluster). Not part of `npm test`:
 * `npm run test:cluster` starts the cluster (scripts/opensearch-cluster.sh), runs them, and stops it.
 */
export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    name: 'cluster',
    include: ['test/cluster/**/*.cluster-spec.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // The scenarios kill and pause the nodes they all share: one at a time.
    fileParallelism: false,
  },
});
