/** What every vitest configuration of the workspace shares: the SWC transform and the library's source aliases. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';

// SWC rather than esbuild: Nest's dependency injection needs emitDecoratorMetadata, which esbuild lacks.
export const plugins = [swc.vite({ module: { type: 'es6' } })];

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
export const alias = Object.entries(exports).flatMap(([entry, target]) =>
  typeof target === 'object' && target[SOURCE_CONDITION]
    ? [
        {
          find: new RegExp(`^${name}${entry.slice(1)}$`),
          replacement: fileURLToPath(new URL(`${LIBRARY}/${target[SOURCE_CONDITION]}`, import.meta.url)),
        },
      ]
    : [],
);
