import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';

/**
 * A Nest logger that keeps every line of every level, verbose and debug included, each argument as
 * `util.inspect` renders it (an error with its cause chain and fields, not only its message): what an
 * application's log would hold at its most talkative.
 */
export class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];

  private keep(level: string, message: unknown, params: unknown[]) {
    const rendered = [message, ...params].map((part) =>
      typeof part === 'string' ? part : inspect(part, { depth: Number.POSITIVE_INFINITY }),
    );
    this.lines.push(`${level} ${rendered.join(' ')}`);
  }

  log(message: unknown, ...params: unknown[]) {
    this.keep('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.keep('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.keep('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.keep('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.keep('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.keep('fatal', message, params);
  }
}
