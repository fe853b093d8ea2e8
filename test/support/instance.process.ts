import { type ChildProcess, spawn } from 'node:child_process';
import type { TestDatabase } from './test-database.js';
import { OPENSEARCH_URL } from './test-opensearch.js';

/** An application instance in a process of its own, and the JSON lines it printed (with their time). */
export interface InstanceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
}

/**
 * Starts `dist/test/fixtures/instance.main.js` (run `npm run build` first) for `family` with `env` on
 * top of the common settings, and waits until it has bootstrapped.
 */
export async function startInstanceProcess(
  database: TestDatabase,
  family: string,
  name: string,
  env: Record<string, string>,
): Promise<InstanceProcess> {
  const child = spawn('node', ['dist/test/fixtures/instance.main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL,
      FAMILY: family,
      INSTANCE: name,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        else if (line.startsWith('{')) events.push(JSON.parse(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code}`)));
  });
  return { name, child, events };
}

/**
 * One application instance for `family` against the OpenSearch node(s) `opensearch` (one URL or several
 * separated by commas), running every 200 ms with the lease TTL given.
 */
export async function startInstance(
  database: TestDatabase,
  options: { family: string; instance: string; opensearch: string; leaseTtlMs: number },
): Promise<ChildProcess> {
  const { child } = await startInstanceProcess(database, options.family, options.instance, {
    OPENSEARCH_URL: options.opensearch,
    LEASE_TTL_MS: String(options.leaseTtlMs),
    EVERY_MS: '200',
  });
  return child;
}
