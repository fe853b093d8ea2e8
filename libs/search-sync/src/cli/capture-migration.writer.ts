import { execFile } from 'node:child_process';
import { access, appendFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { changeCaptureSql } from '../capture/change-capture.migration.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import type { SyncSource } from '../family/sync-source.js';
import type { FamilyRelations } from '../related/related.paths.js';
import { relatedCaptureSql } from '../related/related-capture.migration.js';
import { cliMessages } from './cli.messages.js';
import { CommandLineError } from './command-line.error.js';

/** What a family needs installed in its database: exact capture on its table, triggers on its relations. */
export function captureMigrationSql(
  definition: FamilyDefinition,
  source: SyncSource,
  related: FamilyRelations,
  stateSchema: string,
): string {
  const exact = (definition.capture?.mode ?? 'exact') === 'exact';
  const { tracked, optedOut } = related;
  if (!exact && tracked.length === 0 && optedOut.length === 0)
    throw new CommandLineError(cliMessages.migrationNotNeeded(definition.name));
  const table = `${source.schema}.${source.name}`;
  return [
    `-- search-sync: change capture of family "${definition.name}" (table ${table}), written by \`search-sync capture-migration\`.`,
    '-- One statement block: PostgreSQL runs it whole (a statement breakpoint would cut the function bodies).',
    ...(exact ? [changeCaptureSql(source, stateSchema).trim()] : []),
    ...(tracked.length + optedOut.length > 0
      ? [
          `-- Related rows: ${tracked.map((p) => p.path).join(', ') || 'none'} tracked; ${optedOut.map((p) => p.path).join(', ') || 'none'} opted out (their triggers dropped).`,
          relatedCaptureSql(source, tracked, stateSchema, optedOut).trim(),
        ]
      : []),
    '',
  ].join('\n');
}

/** drizzle-kit's binary in the application (node_modules/.bin, looking upwards from `cwd`). */
async function drizzleKit(cwd: string): Promise<string> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'drizzle-kit');
    if (
      await access(bin).then(
        () => true,
        () => false,
      )
    )
      return bin;
    if (dirname(dir) === dir)
      throw new CommandLineError(cliMessages.drizzleKitFailed(`not installed in ${cwd}`));
  }
}

async function journalTags(out: string): Promise<string[]> {
  try {
    const journal = JSON.parse(await readFile(join(out, 'meta', '_journal.json'), 'utf8')) as {
      entries: { tag: string }[];
    };
    return journal.entries.map((e) => e.tag);
  } catch {
    return [];
  }
}

/**
 * Lets drizzle-kit create an empty custom migration (`generate --custom`), so its journal and snapshot
 * stay right, then writes `sql` into it. Returns the migration file's path.
 */
export async function writeCaptureMigration(options: {
  readonly sql: string;
  readonly name: string;
  readonly out: string;
  readonly config?: string;
  readonly cwd: string;
}): Promise<string> {
  const out = resolve(options.cwd, options.out);
  const before = await journalTags(out);
  const args = ['generate', '--custom', '--name', options.name];
  if (options.config) args.push('--config', options.config);
  try {
    await promisify(execFile)(await drizzleKit(options.cwd), args, { cwd: options.cwd });
  } catch (error) {
    if (error instanceof CommandLineError) throw error;
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    const detail = (stderr || stdout || message).trim().split('\n').filter(Boolean).at(-1) ?? message;
    throw new CommandLineError(cliMessages.drizzleKitFailed(detail));
  }
  const added = (await journalTags(out)).filter((tag) => !before.includes(tag));
  if (added.length !== 1) throw new CommandLineError(cliMessages.migrationNotFound(options.out));
  const file = join(out, `${added[0]}.sql`);
  await appendFile(file, `\n${options.sql}`);
  return file;
}
