import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than esbuild: Nest's dependency injection needs emitDecoratorMetadata, which esbuild lacks.
const plugins = [swc.vite({ module: { type: 'es6' } })];

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'src/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
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
