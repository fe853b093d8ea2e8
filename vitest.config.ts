import { defineConfig } from 'vitest/config';
import { alias, plugins } from './vitest.shared.js';

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'src/**/*.spec.ts', 'test/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The e2e files share one OpenSearch node and a 2-core machine: run them one at a time.
          fileParallelism: false,
          globalSetup: ['test/support/e2e.setup.ts'],
        },
      },
    ],
  },
});
// The three-node cluster scenarios have a configuration of their own (vitest.cluster.config.ts): they
// need the cluster of scripts/opensearch-cluster.sh and run only through `npm run test:cluster`.
