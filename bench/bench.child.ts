import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildReport } from './sync.child.js';

const CHILD = fileURLToPath(new URL('./sync.child.js', import.meta.url));

/** Runs one sync in a fresh node process: peak RSS then belongs to that sync alone. */
export function runChild(args: readonly string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`sync child exited with ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').pop()!) as ChildReport);
    });
  });
}
