import { execFile, spawn } from 'node:child_process';
import { expect } from 'vitest';

/** The built bin and the fixture module it boots (`npm run build` makes both). */
export const CLI_BIN = 'libs/search-sync/dist/cli/main.js';
export const CLI_MODULE = 'dist/test/fixtures/cli.module.js';

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `search-sync args` as a user runs it: the built bin, with node, in a process of its own, with `env`
 * as its whole environment (a variable left out is unset).
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliOutcome> {
  return new Promise<CliOutcome>((resolve) => {
    execFile('node', [CLI_BIN, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/**
 * `search-sync args` started in the background: `stderrUntil(pattern)` waits for a line on stderr, and
 * `outcome` is what `runCli` resolves with once the command has ended.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn('node', [CLI_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiting = new Set<() => void>();
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
    for (const check of waiting) check();
  });
  const outcome = new Promise<CliOutcome>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  const stderrUntil = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stderr.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        waiting.delete(check);
        resolve(line);
      };
      waiting.add(check);
      check();
      void outcome.then(() => {
        if (waiting.delete(check)) reject(new Error(`the command ended without ${pattern}: ${stderr}`));
      });
    });
  return { outcome, stderrUntil };
}

/** A failure is one line on stderr that names what to change, never a stack trace. */
export function expectOneLine(outcome: CliOutcome, code: number, says: RegExp): void {
  expect(outcome.code).toBe(code);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^search-sync: /);
  expect(lines[0]).toMatch(says);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
}
