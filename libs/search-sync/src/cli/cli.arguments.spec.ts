import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseDuration, parseShare } from './cli.arguments.js';
import { COMMANDS } from './cli.commands.js';
import { CommandLineError } from './command-line.error.js';

const command = (argv: string[], env = {}) => {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind !== 'command') throw new Error('expected a command');
  return parsed;
};

describe('command line arguments', () => {
  it('reads the command, its family and version, its options and the global ones, in any order', () => {
    expect(
      command(['--module', 'dist/app.js', 'plan', 'products', '2', '--sample', '50', '--json']),
    ).toMatchObject({
      command: 'plan',
      family: 'products',
      version: 2,
      options: { sample: '50', show: undefined },
      module: 'dist/app.js',
      json: true,
      verbose: false,
    });
    expect(
      command(['dead-letters', 'products', '--reason', 'mapper', '-m', 'a.js#App', '--resolved']),
    ).toMatchObject({
      command: 'dead-letters',
      family: 'products',
      version: undefined,
      options: { reason: 'mapper', resolved: true, limit: undefined },
      module: 'a.js#App',
    });
  });

  it('takes the module from SEARCH_SYNC_MODULE when --module is not given', () => {
    expect(command(['status'], { SEARCH_SYNC_MODULE: 'dist/app.module.js' }).module).toBe(
      'dist/app.module.js',
    );
    expect(command(['status', '-m', 'x.js'], { SEARCH_SYNC_MODULE: 'y.js' }).module).toBe('x.js');
  });

  it('answers help for `help`, --help and -h', () => {
    for (const argv of [['help'], ['--help'], ['status', '--help'], ['-h']])
      expect(parseCommandLine(argv)).toEqual({ kind: 'help' });
  });

  it('refuses unknown commands and options, missing, extra and malformed arguments with a CommandLineError', () => {
    const refused: [string[], RegExp][] = [
      [[], /No command given/],
      [['promot'], /Unknown command "promot"/],
      [['status', '--sample', '3'], /Unknown option --sample\. Usage: search-sync status \[family\]/],
      [['promote', 'products'], /Missing version\. Usage: search-sync promote <family> <version>/],
      [['rollback', 'products', '2'], /Unexpected argument "2"/],
      [['retire', 'products', 'v2'], /The version must be a whole number, not "v2"/],
      [['plan', 'products', '2', '--sample'], /--sample/],
    ];
    for (const [argv, message] of refused) {
      expect(() => parseCommandLine(argv)).toThrow(CommandLineError);
      expect(() => parseCommandLine(argv)).toThrow(message);
    }
  });

  it('accepts for every command exactly its declared arguments', () => {
    for (const spec of COMMANDS) {
      const required = spec.positionals.filter((p) => !p.endsWith('?'));
      const values = spec.positionals.map((p) => (p.startsWith('family') ? 'products' : '3'));
      expect(command([spec.name, ...values.slice(0, required.length)]).command).toBe(spec.name);
      expect(command([spec.name, ...values]).command).toBe(spec.name);
      expect(() => parseCommandLine([spec.name, ...values, 'extra'])).toThrow(CommandLineError);
    }
  });

  it('reads durations with units, and plain numbers as milliseconds', () => {
    expect([parseDuration('0'), parseDuration('1500'), parseDuration('90s'), parseDuration('15m')]).toEqual([
      0, 1500, 90_000, 900_000,
    ]);
    expect([parseDuration('24h'), parseDuration('1.5d')]).toEqual([86_400_000, 129_600_000]);
    expect(() => parseDuration('soon')).toThrow(/--grace must be a duration/);
    fc.assert(fc.property(fc.nat(10_000), (n) => parseDuration(`${n}s`) === n * 1000));
  });

  it('reads a share as a percentage or a fraction, above nothing and at most all', () => {
    expect([parseShare('1%'), parseShare('0.5'), parseShare('100%'), parseShare('2.5%')]).toEqual([
      0.01, 0.5, 1, 0.025,
    ]);
    for (const bad of ['0', '0%', '101%', '2', 'some', '-1%'])
      expect(() => parseShare(bad)).toThrow(/not a share of the key space/);
  });
});
