import type { INestApplicationContext } from '@nestjs/common';
import { serviceFailure } from '../errors/service-failure.util.js';
import { bootApplication } from './application.boot.js';
import { parseCommandLine } from './cli.arguments.js';
import { usageText } from './cli.commands.js';
import { ExitCode, errorLine, errorStack, exitCodeOf } from './cli.exit-codes.js';
import { cliMessages } from './cli.messages.js';
import { runCommand } from './command.runner.js';
import { CommandLineError } from './command-line.error.js';
import { loadModule } from './module.loader.js';

/**
 * `search-sync <command> ...`: boots the application's module for one command, prints its result (a
 * table, or JSON with --json) on stdout, and returns the exit code. Whatever fails is one line on stderr
 * that says what to change (with --verbose, the stack too); nothing escapes.
 */
export async function runCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let verbose = argv.includes('--verbose');
  let app: INestApplicationContext | undefined;
  const stop = new AbortController();
  // The first signal lets a run commit its batches in flight and stop; a second one quits at once.
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('search-sync: stopping after the work in flight (again to quit now)\n');
    stop.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const parsed = parseCommandLine(argv, env);
    if (parsed.kind === 'help') {
      process.stdout.write(`${usageText()}\n`);
      return ExitCode.ok;
    }
    verbose = parsed.verbose;
    if (!parsed.module) throw new CommandLineError(cliMessages.noModule());
    const booted = await bootApplication(
      await loadModule(parsed.module),
      { prepare: parsed.spec.prepare },
      verbose,
    );
    app = booted.app;
    // Work that waits for another instance's lease says so, rather than hanging silently.
    booted.service.observe((event) => {
      if (event.type !== 'lease-wait') return;
      const { family, heldBy, expiresAt, waitMs } = event;
      process.stderr.write(
        `search-sync: ${cliMessages.waitingForLease(family, heldBy, expiresAt, waitMs)}\n`,
      );
    });
    const outcome = await runCommand({ command: parsed, service: booted.service, app, signal: stop.signal });
    process.stdout.write(`${parsed.json ? JSON.stringify(outcome.data) : outcome.text}\n`);
    if (outcome.failure) process.stderr.write(`${errorLine(outcome.failure)}\n`);
    return outcome.exitCode;
  } catch (thrown) {
    // A driver's or the OpenSearch client's own error is told as the library's: the service, its cause, what to check.
    const error = serviceFailure(null, thrown);
    process.stderr.write(`${errorLine(error)}\n`);
    if (verbose) process.stderr.write(`${errorStack(error)}\n`);
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    // Runs the application's shutdown hooks (the runs let their batch in flight commit).
    await app?.close().catch((error: unknown) => process.stderr.write(`${errorLine(error)}\n`));
  }
}
