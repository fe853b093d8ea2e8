import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatNumber } from './bench.format.js';
import { markdownTable } from './bench.report.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const USAGE = `Sums self time by function and by area over V8 .cpuprofile files (node --cpu-prof):
  node dist/bench/profile.summary.js <file or directory>... [--top 25]`;

/** Where code comes from: a package, the library, the bench, or V8 itself ("(garbage collector)"). */
function area(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/libs/search-sync/')) return 'search-sync library';
  if (url.includes('/bench/')) return 'bench';
  if (url.includes('/src/')) return 'demo catalog';
  return url;
}

function location(url: string, line: number): string {
  const path = url.replace(/^file:\/\//, '').replace(/^.*?(node_modules\/|libs\/|dist\/)/, '$1');
  return path ? `${path}:${line + 1}` : '';
}

function profiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .map((name) => join(path, name))
      : [path],
  );
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, help: { type: 'boolean', default: false } },
});
if (values.help || positionals.length === 0) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 1);
}

const byFunction = new Map<string, { name: string; where: string; ms: number }>();
const byArea = new Map<string, number>();
let totalMs = 0;
for (const file of profiles(positionals)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  // As DevTools does: a sample lasts until the next one, so its time is the next delta.
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const where = location(url, lineNumber);
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
    const place = area(url, name);
    byArea.set(place, (byArea.get(place) ?? 0) + ms);
    totalMs += ms;
  });
}

const share = (ms: number) => `${formatNumber((ms / totalMs) * 100, 1)} %`;
const top = Number(values.top);
console.log(`Total sampled: ${formatNumber(totalMs)} ms\n`);
console.log(
  markdownTable(
    ['area', 'self ms', 'share'],
    [...byArea].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, formatNumber(ms), share(ms)]),
  ),
);
console.log();
console.log(
  markdownTable(
    ['function', 'location', 'self ms', 'share'],
    [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => [f.name, f.where, formatNumber(f.ms), share(f.ms)]),
  ),
);
