import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consumerAppFiles,
  importSpecifiers,
  installedPackages,
  packageOf,
  README,
  type ReadmeApplication,
  readmeApplication,
} from './support/readme-app.js';

const LIBRARY_MANIFEST = fileURLToPath(new URL('../libs/search-sync/package.json', import.meta.url));

/**
 * The README's minimal application is the one test/consumer.e2e-spec.ts installs, builds and runs: its
 * blocks are test/consumer-app's files, whole, in an order a user can paste them in and build. How a
 * block names its file is told in test/support/readme-app.ts (`// src/main.ts` as a TypeScript block's
 * first line; `` `package.json`: `` ending the paragraph before a JSON block).
 */
describe("the README's minimal application", () => {
  let application: ReadmeApplication;
  let appFiles: Map<string, string>;

  beforeAll(async () => {
    application = readmeApplication(await readFile(README, 'utf8'));
    appFiles = await consumerAppFiles();
  });

  it('has a block for each file of test/consumer-app, identical to it, and no block for another file', () => {
    expect(appFiles.size).toBeGreaterThan(0);
    const paths = application.files.map((f) => f.path);
    expect(paths.filter((path, i) => paths.indexOf(path) !== i)).toEqual([]);
    expect(new Map(application.files.map((f) => [f.path, f.content]))).toEqual(appFiles);
  });

  it('holds only files and shell commands', () => {
    expect(application.unknown).toEqual([]);
  });

  it('shows package.json first, and every file before the files that import it', () => {
    expect(application.files[0]?.path).toBe('package.json');
    const shown = new Set<string>();
    for (const file of application.files) {
      const local = importSpecifiers(file.content)
        .filter((s) => s.startsWith('.'))
        .map((s) => posix.join(posix.dirname(file.path), s.replace(/\.js$/, '.ts')));
      expect({ file: file.path, notShownYet: local.filter((path) => !shown.has(path)) }).toEqual({
        file: file.path,
        notShownYet: [],
      });
      shown.add(file.path);
    }
  });

  it('installs after package.json, and builds and runs after the last file', () => {
    const packageJson = application.files[0].position;
    const lastFile = Math.max(...application.files.map((f) => f.position));
    const installs = (c: { lines: readonly string[] }) =>
      c.lines.every((line) => /^npm (install|i) /.test(line));
    const tooEarly = application.commands.filter((c) =>
      installs(c) ? c.position < packageJson : c.position < lastFile,
    );
    expect(tooEarly.map((c) => c.lines[0])).toEqual([]);
    expect(application.commands.filter((c) => !installs(c)).length).toBeGreaterThan(0);
  });

  it("installs the library's required peers and every package the files import", async () => {
    const { dependencies, devDependencies } = installedPackages(application);
    const library = JSON.parse(await readFile(LIBRARY_MANIFEST, 'utf8')) as {
      name: string;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const requiredPeers = Object.keys(library.peerDependencies).filter(
      (name) => !library.peerDependenciesMeta?.[name]?.optional,
    );
    expect(dependencies).toEqual(expect.arrayContaining([library.name, ...requiredPeers]));
    const imported = new Set(
      [...appFiles.values()].flatMap((code) => importSpecifiers(code).flatMap((s) => packageOf(s) ?? [])),
    );
    expect([...imported].filter((name) => ![...dependencies, ...devDependencies].includes(name))).toEqual([]);
  });

  it('is an ES module application whose scripts are the ones the README runs', () => {
    const manifest = JSON.parse(appFiles.get('package.json') ?? '{}') as {
      type?: string;
      scripts?: Record<string, string>;
    };
    expect(manifest.type).toBe('module');
    const run = application.commands
      .flatMap((c) => c.lines)
      .flatMap((line) => /^npm (?:run (\S+)|(start))/.exec(line)?.slice(1).filter(Boolean) ?? []);
    expect(run.length).toBeGreaterThan(0);
    expect(run.filter((script) => !manifest.scripts?.[script!])).toEqual([]);
  });
});
