import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = dirname(fileURLToPath(import.meta.url));

/** Every package a file reaches through its imports, following the library's own files. */
function packagesReached(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports and re-exports (type-only ones vanish at compile time), and dynamic imports.
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm),
      ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
      ...source.matchAll(/import\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1]);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(
          specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0],
        );
    }
  };
  visit(resolve(root, entry));
  return packages;
}

describe('optional peers', () => {
  it('the main entry reaches neither prom-client nor @nestjs/terminus: an application without them runs', () => {
    const reached = packagesReached('index.ts');
    // The walk follows the library's files: it reaches what the pipeline needs.
    expect(reached).toEqual(
      new Set([...reached, '@nestjs/common', '@opensearch-project/opensearch', 'drizzle-orm']),
    );
    expect(reached).not.toContain('prom-client');
    expect(reached).not.toContain('@nestjs/terminus');
  });

  it('the metrics entry needs prom-client and not terminus; the health entry terminus and not prom-client', () => {
    const metrics = packagesReached('metrics/index.ts');
    expect(metrics).toContain('prom-client');
    expect(metrics).not.toContain('@nestjs/terminus');
    const health = packagesReached('health/index.ts');
    expect(health).toContain('@nestjs/terminus');
    expect(health).not.toContain('prom-client');
  });
});
