import { canonical } from '../family/definition.hash.js';
import type { DefinitionChange } from './plan.interface.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A mapping as field paths: each field's own definition (its `properties` taken out and walked as fields
 * of their own, `author.name`), and the mapping's other options as `(dynamic)`, `(_source)` and so on.
 */
export function mappingEntries(mappings: Json = {}): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  const walk = (properties: Json, prefix: string) => {
    for (const [name, field] of Object.entries(properties)) {
      const path = `${prefix}${name}`;
      if (!isObject(field)) {
        entries.set(path, field);
        continue;
      }
      const { properties: children, ...own } = field;
      // An object field declared by its properties alone has no definition of its own to compare.
      if (!isObject(children) || Object.keys(own).length > 0) entries.set(path, own);
      if (isObject(children)) walk(children, `${path}.`);
    }
  };
  for (const [key, value] of Object.entries(mappings)) {
    if (key === 'properties' && isObject(value)) walk(value, '');
    else entries.set(`(${key})`, value);
  }
  return entries;
}

/**
 * Settings as dotted leaf paths, `index.` left off (`index.number_of_shards` and `number_of_shards` are
 * one setting) and values as strings (OpenSearch reads `1` and `"1"` alike).
 */
export function settingEntries(settings: Json = {}): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  const walk = (value: unknown, path: string) => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    } else entries.set(path.replace(/^index\./, ''), Array.isArray(value) ? value : String(value));
  };
  walk(settings, '');
  return entries;
}

/** What differs between two sets of entries, in path order. */
export function diffEntries(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): DefinitionChange[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((path): DefinitionChange[] => {
    if (!before.has(path)) return [{ path, change: 'added', after: after.get(path) }];
    if (!after.has(path)) return [{ path, change: 'removed', before: before.get(path) }];
    if (same(before.get(path), after.get(path))) return [];
    return [{ path, change: 'changed', before: before.get(path), after: after.get(path) }];
  });
}

export const diffMappings = (before: Json | undefined, after: Json | undefined) =>
  diffEntries(mappingEntries(before), mappingEntries(after));

export const diffSettings = (before: Json | undefined, after: Json | undefined) =>
  diffEntries(settingEntries(before), settingEntries(after));
