import { describe, expect, it } from 'vitest';
import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import { DatabaseFailedError } from '../errors/database-failed.error.js';
import { DefinitionChangedError } from '../errors/definition-changed.error.js';
import { LeaseBusyError } from '../errors/lease-busy.error.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { OpenSearchAuthError } from '../errors/opensearch-auth.error.js';
import { StateNotInstalledError } from '../errors/state-not-installed.error.js';
import { UnknownFamilyError } from '../errors/unknown-family.error.js';
import { UnknownVersionError } from '../errors/unknown-version.error.js';
import { ExitCode, errorLine, errorStack, exitCodeOf } from './cli.exit-codes.js';
import { CommandLineError } from './command-line.error.js';

describe('exit codes', () => {
  it('maps each kind of failure to the code scripts rely on', () => {
    expect(exitCodeOf(new CommandLineError('bad'))).toBe(ExitCode.usage);
    expect(exitCodeOf(new UnknownFamilyError('x', ['products']))).toBe(ExitCode.usage);
    expect(exitCodeOf(new UnknownVersionError('products', 7, [1, 2]))).toBe(ExitCode.usage);
    expect(exitCodeOf(LifecycleRefusedError.nothingToRollBack('products', 1))).toBe(ExitCode.refused);
    expect(exitCodeOf(new StateNotInstalledError('search_sync'))).toBe(ExitCode.usage);
    expect(exitCodeOf(new DefinitionChangedError('products', 2))).toBe(ExitCode.usage);
    expect(exitCodeOf(LifecycleRefusedError.promote('products', 2, 'it is backfilling.'))).toBe(
      ExitCode.refused,
    );
    expect(exitCodeOf(new LeaseBusyError('products', 'a:1'))).toBe(ExitCode.busy);
    expect(exitCodeOf(new ClusterUnavailableError('connection refused'))).toBe(ExitCode.failed);
    expect(exitCodeOf(new OpenSearchAuthError('http://127.0.0.1:9200', 401, 'Unauthorized'))).toBe(
      ExitCode.failed,
    );
    expect(exitCodeOf(new DatabaseFailedError(null, new Error('connect ECONNREFUSED')))).toBe(
      ExitCode.failed,
    );
    expect(exitCodeOf(new Error('anything else'))).toBe(ExitCode.failed);
    expect(exitCodeOf('a thrown string')).toBe(ExitCode.failed);
  });

  it('judges a failed bootstrap by its cause: configuration is 2, an unreachable database is 1', () => {
    expect(
      exitCodeOf(new SearchSyncBootstrapError('P', 'products', new DefinitionChangedError('p', 1))),
    ).toBe(ExitCode.usage);
    expect(exitCodeOf(new SearchSyncBootstrapError('P', 'products', 'no SchedulerRegistry'))).toBe(
      ExitCode.usage,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(exitCodeOf(new SearchSyncBootstrapError('P', 'products', refused))).toBe(ExitCode.failed);
  });

  it('prints one line, whatever lines the message has', () => {
    expect(errorLine(new CommandLineError('first\n  second'))).toBe('search-sync: first second');
    expect(errorLine('plain')).toBe('search-sync: plain');
  });

  it('prints no password of a connection URL, in the line or in the stacks --verbose adds', () => {
    const cause = new Error('cannot use postgres://app:s3cret@db:5432/books');
    const error = new CommandLineError('module failed (https://admin:pa55@node:9200 too)', { cause });
    expect(errorLine(error)).toBe('search-sync: module failed (https://admin:***@node:9200 too)');
    const stack = errorStack(error);
    expect(stack).toContain('caused by Error: cannot use postgres://app:***@db:5432/books');
    expect(stack).not.toMatch(/s3cret|pa55/);
    // A URL without a password, or an address with a user only, is left as it is.
    expect(errorLine('at postgres://app@db/books and user@host')).toBe(
      'search-sync: at postgres://app@db/books and user@host',
    );
  });
});
