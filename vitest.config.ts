import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than esbuild: Nest's dependency injection needs emitDecoratorMetadata, which esbuild lacks.
const plugins = [swc.vite({ module: { type: 'es6' } })];

// The demo, the benchmarks and the tests import the library by its package name (`search-sync`, an npm
// workspace linked into node_modules). Under vitest each of its entries resolves to the TypeScript source
// that its `search-sync-source` export condition names (tsconfig.json sets the same condition for the
// type-checker), so tests need no build. An alias rather than `resolve.conditions`: it applies to every
// module vitest loads, global setup included.
const LIBRARY = 'libs/search-sync';
const SOURCE_CONDITION = 'search-sync-source';
const { name, exports } = JSON.parse(readFileSync(`${LIBRARY}/package.json`, 'utf8')) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
};
// `search-sync` → libs/search-sync/src/index.ts, `search-sync/testing` → …/src/testing.ts, and so on.
const alias = Object.entries(exports).flatMap(([entry, target]) =>
  typeof target === 'object' && target[SOURCE_CONDITION]
    ? [
        {
          find: new RegExp(`^${name}${entry.slice(1)}$`),
          replacement: fileURLToPath(new URL(`${LIBRARY}/${target[SOURCE_CONDITION]}`, import.meta.url)),
        },
      ]
    : [],
);

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        resolve: { alias },
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'src/**/*.spec.ts'], environment: 'node' },
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
