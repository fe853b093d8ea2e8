import { type ChildProcess, spawn } from 'node:child_process';
import type { TestDatabase } from './test-database.js';

/**
 * Starts one application instance (test/fixtures/instance.main.ts, compiled: `npm run build` first) as a
 * separate Node process running `family`, and waits until it has bootstrapped. `opensearch` is one URL
 * or several separated by commas.
 */
export async function startInstance(
  database: TestDatabase,
  options: { family: string; instance: string; opensearch: string; leaseTtlMs: number },
): Promise<ChildProcess> {
  const child = spawn('node', ['dist/test/fixtures/instance.main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL: options.opensearch,
      FAMILY: options.family,
      INSTANCE: options.instance,
      LEASE_TTL_MS: String(options.leaseTtlMs),
      EVERY_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`instance ${options.instance} exited with ${code}`)));
  });
  return child;
}
