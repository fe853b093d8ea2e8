import { defineConfig } from 'vitest/config';
import { alias, plugins } from './vitest.shared.js';

/**
 * The consumer application installed with what the registry resolves today (test/fresh). Not part of
 * `npm test`, which must not depend on the registry: `npm run test:fresh`, before a release.
 */
export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    name: 'fresh',
    include: ['test/fresh/**/*.fresh-spec.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/support/e2e.setup.ts'],
  },
});
