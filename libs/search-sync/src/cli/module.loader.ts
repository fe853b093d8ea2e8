import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamicModule, Type } from '@nestjs/common';
import { CONTROLLER_WATERMARK, INJECTABLE_WATERMARK } from '@nestjs/common/internal';
import { Reflector } from '@nestjs/core';
import { errorMessage } from '../errors/error-message.util.js';
import { cliMessages } from './cli.messages.js';
import { CommandLineError } from './command-line.error.js';

export type NestModule = Type<unknown> | DynamicModule;

const isClass = (value: unknown): value is Type<unknown> =>
  typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));

const isDynamicModule = (value: unknown): value is DynamicModule =>
  typeof value === 'object' && value !== null && isClass((value as { module?: unknown }).module);

/** A module class, a dynamic module, or a function that may return one. */
const couldBeModule = (value: unknown) => typeof value === 'function' || isDynamicModule(value);

const reflector = new Reflector();

/** A class Nest takes as a provider or a controller (a `@SearchIndex` family is one), never as a module. */
const isProvider = (value: unknown): value is Type<unknown> =>
  isClass(value) &&
  [INJECTABLE_WATERMARK, CONTROLLER_WATERMARK].some((mark) => reflector.get(mark, value) === true);

/**
 * The application's Nest module from `file[#export]`, resolved against `cwd`: a module class, a dynamic
 * module (`AppModule.forRoot(...)`), or a function, async or not, that returns either (an application
 * whose module needs a database handle made at start exports such a factory). Without `#export`, the
 * default export, or the file's only export. A provider (an `@Injectable()` class) is refused as such.
 */
export async function loadModule(reference: string, cwd = process.cwd()): Promise<NestModule> {
  const hash = reference.lastIndexOf('#');
  const file = hash > 0 ? reference.slice(0, hash) : reference;
  const wanted = hash > 0 ? reference.slice(hash + 1) : undefined;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(resolve(cwd, file)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CommandLineError(cliMessages.moduleNotLoaded(file, errorMessage(error)));
  }
  const names = Object.keys(exports);
  let name = wanted;
  if (name === undefined) {
    // A file that declares a family (`books.index.js`) exports providers and values, but nothing that can be a module.
    const providers = names.filter((n) => isProvider(exports[n]));
    const modules = names.filter((n) => !isProvider(exports[n]) && couldBeModule(exports[n]));
    if ('default' in exports) name = 'default';
    else if (names.length === 1) name = names[0];
    else if (providers.length > 0 && modules.length === 0)
      throw new CommandLineError(cliMessages.providerNotModule(file, providers));
    else throw new CommandLineError(cliMessages.exportAmbiguous(file, names));
  }
  if (!(name in exports)) throw new CommandLineError(cliMessages.exportMissing(file, name, names));
  let candidate = exports[name];
  if (isProvider(candidate)) throw new CommandLineError(cliMessages.providerNotModule(file, [name]));
  if (typeof candidate === 'function' && !isClass(candidate))
    candidate = await (candidate as () => unknown)();
  if (isClass(candidate) || isDynamicModule(candidate)) return candidate;
  throw new CommandLineError(cliMessages.notAModule(file, name));
}
