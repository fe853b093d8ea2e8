import type { DynamicModule, INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SEARCH_SYNC_COMMAND_MODE } from '../nest/search-sync.constants.js';
import type { SearchSyncCommandMode } from '../nest/search-sync.context.js';
import { SearchSyncService } from '../nest/search-sync.service.js';
import { maskCredentials } from '../utils/credentials.util.js';
import { cliMessages } from './cli.messages.js';
import { CommandLineError } from './command-line.error.js';
import type { NestModule } from './module.loader.js';

/**
 * Logs to stderr, so stdout carries only the command's output: warnings (a bootstrap notice) always,
 * the rest with --verbose; never a URL's password. Errors are left to the command line, which prints
 * each one once, on one line.
 */
class CommandLineLogger implements LoggerService {
  constructor(private readonly talkative: boolean) {}

  log(message: unknown, context?: string): void {
    if (this.talkative) this.write('log', message, context);
  }

  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    if (this.talkative) this.write('error', [message, ...rest].filter(Boolean).join('\n'));
  }

  debug(message: unknown, context?: string): void {
    if (this.talkative) this.write('debug', message, context);
  }

  verbose(message: unknown, context?: string): void {
    if (this.talkative) this.write('verbose', message, context);
  }

  private write(level: string, message: unknown, context?: string): void {
    process.stderr.write(maskCredentials(`${level}: ${context ? `[${context}] ` : ''}${String(message)}\n`));
  }
}

/**
 * Boots the application's module for one command, beside a global module that tells SearchSyncModule
 * it runs a command (no schedules, no wake on commit; with `prepare: false`, no bootstrap of the
 * families either). Nest's own error reporting is off (`abortOnError: false`): a failed bootstrap throws.
 */
export async function bootApplication(
  module: NestModule,
  mode: SearchSyncCommandMode,
  verbose: boolean,
): Promise<{ app: INestApplicationContext; service: SearchSyncService }> {
  const commandMode: DynamicModule = {
    module: class SearchSyncCommandModeModule {},
    global: true,
    providers: [{ provide: SEARCH_SYNC_COMMAND_MODE, useValue: mode }],
    exports: [SEARCH_SYNC_COMMAND_MODE],
  };
  const root: DynamicModule = {
    module: class SearchSyncCommandLineModule {},
    imports: [commandMode, module],
  };
  const app = await NestFactory.createApplicationContext(root, {
    logger: new CommandLineLogger(verbose),
    abortOnError: false,
  });
  try {
    return { app, service: app.get(SearchSyncService) };
  } catch {
    await app.close();
    throw new CommandLineError(cliMessages.serviceMissing());
  }
}
