import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked, type Token, type Tokens } from 'marked';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const README = join(ROOT, 'README.md');
/** The README's minimal application, file for file: what test/consumer.e2e-spec.ts installs and runs. */
export const CONSUMER_APP = join(ROOT, 'test/consumer-app');
/** What installing, building and migrating the application in place leaves: not the application's files. */
const GENERATED = new Set(['node_modules', 'dist', 'drizzle', 'package-lock.json']);
/** The heading of the README section that holds the application. */
const SECTION = 'A minimal application';

/** A file of the application as a README block gives it, and the block's place among the section's blocks. */
export interface ReadmeFile {
  readonly path: string;
  /** The block's text with a final newline, as the file holds it. */
  readonly content: string;
  readonly position: number;
}

/** Shell commands a README block tells the user to run, one line each (continuations joined). */
export interface ReadmeCommands {
  readonly lines: readonly string[];
  readonly position: number;
}

export interface ReadmeApplication {
  readonly files: readonly ReadmeFile[];
  readonly commands: readonly ReadmeCommands[];
  /** Blocks that are neither a file nor commands, by their first line: the section allows none. */
  readonly unknown: readonly string[];
}

/**
 * The blocks of the README's "A minimal application" section (up to the next heading of its level or
 * above), read by these conventions:
 * - a TypeScript block is a file whose first line is `// <path>`, the path from the application's root
 *   (`// src/main.ts`); that comment is the file's first line too;
 * - JSON has no comments: a JSON block is the file named by the code span that ends the paragraph just
 *   before the block, followed by a colon (`` …, `package.json`: ``);
 * - a `bash` block holds commands the user runs, in the order shown.
 */
export function readmeApplication(markdown: string): ReadmeApplication {
  const tokens = section(marked.lexer(markdown));
  const files: ReadmeFile[] = [];
  const commands: ReadmeCommands[] = [];
  const unknown: string[] = [];
  let previous: Token | undefined;
  let position = 0;
  for (const token of tokens) {
    if (token.type === 'code') {
      const block = token as Tokens.Code;
      const path = blockPath(block, previous);
      if (path) files.push({ path, content: `${block.text}\n`, position });
      else if (block.lang === 'bash') commands.push({ lines: commandLines(block.text), position });
      else unknown.push(block.text.split('\n')[0]);
      position++;
    }
    if (token.type !== 'space') previous = token;
  }
  return { files, commands, unknown };
}

function section(tokens: Token[]): Token[] {
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text === SECTION);
  if (start < 0) throw new Error(`README.md has no heading "${SECTION}"`);
  const depth = (tokens[start] as Tokens.Heading).depth;
  const end = tokens.findIndex(
    (t, i) => i > start && t.type === 'heading' && (t as Tokens.Heading).depth <= depth,
  );
  return tokens.slice(start + 1, end < 0 ? undefined : end);
}

function blockPath(block: Tokens.Code, previous: Token | undefined): string | undefined {
  if (block.lang === 'json')
    return previous?.type === 'paragraph' ? /`([^`]+)`:$/.exec(previous.raw.trim())?.[1] : undefined;
  return /^\/\/ (\S+\.\w+)$/.exec(block.text.split('\n')[0])?.[1];
}

function commandLines(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** The packages the README's `npm install` commands name, as dependencies and development dependencies. */
export function installedPackages(application: ReadmeApplication): {
  dependencies: string[];
  devDependencies: string[];
} {
  const dependencies: string[] = [];
  const devDependencies: string[] = [];
  for (const line of application.commands.flatMap((c) => c.lines)) {
    const words = line.replace(/#.*$/, '').trim().split(/\s+/);
    if (words[0] !== 'npm' || !['install', 'i'].includes(words[1])) continue;
    const names = words.slice(2).filter((w) => !w.startsWith('-'));
    if (words.includes('--save-dev') || words.includes('-D')) devDependencies.push(...names);
    else dependencies.push(...names);
  }
  return { dependencies, devDependencies };
}

/** The modules a file imports (static, side-effect and dynamic imports, and re-exports), as written. */
export function importSpecifiers(code: string): string[] {
  return [...code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]);
}

/** The package a bare specifier names (`@scope/name` or `name`); undefined for a relative or `node:` one. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/** The application's files in test/consumer-app, by path from its root, with their text. */
export async function consumerAppFiles(): Promise<Map<string, string>> {
  const entries = await readdir(CONSUMER_APP, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const entry of entries) {
    const path = relative(CONSUMER_APP, join(entry.parentPath, entry.name)).split('/');
    if (!entry.isFile() || GENERATED.has(path[0])) continue;
    files.set(posix.join(...path), await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}
