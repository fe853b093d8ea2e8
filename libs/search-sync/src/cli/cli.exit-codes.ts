import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { CaptureNotInstalledError } from '../errors/capture-not-installed.error.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { errorMessage } from '../errors/error-message.util.js';
import { IndexNotOwnedError } from '../errors/index-not-owned.error.js';
import { InvalidIdentifierError } from '../errors/invalid-identifier.error.js';
import { LeaseBusyError } from '../errors/lease-busy.error.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { SearchSyncModuleMissingError } from '../errors/module-missing.error.js';
import { StateNotInstalledError } from '../errors/state-not-installed.error.js';
import { UnknownFamilyError } from '../errors/unknown-family.error.js';
import { UnknownVersionError } from '../errors/unknown-version.error.js';
import { maskCredentials } from '../utils/credentials.util.js';
import { CommandLineError } from './command-line.error.js';

/** What `search-sync` exits with: scripts can rely on these. */
export const ExitCode = {
  /** Done, nothing to look at. */
  ok: 0,
  /** The operation failed: database or cluster unreachable, lease lost, an index missing, anything unforeseen. */
  failed: 1,
  /** The command line or the configuration is wrong: unknown command, family or version, no module, state or capture not installed, a definition that changed. */
  usage: 2,
  /** The library refused the operation for the state the version is in: promote before parity, nothing to roll back, retire the serving version, plan a live one. */
  refused: 3,
  /** Done, and found something to look at: reconcile repaired differences, replay left letters failing, plan's sample has documents the mapping rejects. */
  differences: 4,
  /** Another instance holds the family's lease: the sync was skipped, or the operation gave up waiting. */
  busy: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE = [
  CommandLineError,
  UnknownFamilyError,
  UnknownVersionError,
  SearchSyncConfigurationError,
  InvalidIdentifierError,
  CaptureNotInstalledError,
  StateNotInstalledError,
  SearchSyncModuleMissingError,
  IndexNotOwnedError,
];

/** The exit code of a command that threw `error`. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  // Bootstrap names the class and family around its cause: the cause says which kind of failure it is.
  if (error instanceof SearchSyncBootstrapError && error.cause instanceof Error)
    return exitCodeOf(error.cause);
  if (error instanceof LifecycleRefusedError) return ExitCode.refused;
  if (error instanceof LeaseBusyError) return ExitCode.busy;
  if (USAGE.some((type) => error instanceof type)) return ExitCode.usage;
  return ExitCode.failed;
}

/** The one line a failed command prints: the message, which says what to change, no stack, no password. */
export function errorLine(error: unknown): string {
  return `search-sync: ${maskCredentials(errorMessage(error)).replace(/\s*\n\s*/g, ' ')}`;
}

/** What --verbose adds to a failure: its stack and its causes' (the driver's own error), without passwords. */
export function errorStack(error: unknown): string {
  const stacks: string[] = [];
  for (let e = error; e instanceof Error && stacks.length < 5; e = e.cause)
    stacks.push(e.stack ?? `${e.name}: ${e.message}`);
  return maskCredentials(stacks.join('\ncaused by '));
}
