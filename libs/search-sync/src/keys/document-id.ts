import type { KeyColumn, KeyKind, KeyValue } from './key.types.js';

/** OpenSearch refuses `_id`s longer than this many UTF-8 bytes (and empty ones). */
export const MAX_DOCUMENT_ID_BYTES = 512;

const SEPARATOR = ':';
const ESCAPE = '\\';
const escapeComponent = (value: string) => value.replace(/[\\:]/g, (c) => ESCAPE + c);

/**
 * The document id of a key: a single column keeps its plain value; the values of a composite key are
 * joined with ':' after escaping '\' and ':' in each, so no two keys share an id and every id decodes
 * back to its key.
 */
export function documentId(key: readonly KeyValue[]): string {
  return key.length === 1
    ? String(key[0])
    : key.map((value) => escapeComponent(String(value))).join(SEPARATOR);
}

/** The escaped components of a composite id, or null when its escapes are malformed. */
function splitComponents(id: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < id.length; i++) {
    const c = id[i];
    if (c === ESCAPE) {
      const next = id[++i];
      if (next !== ESCAPE && next !== SEPARATOR) return null;
      current += next;
    } else if (c === SEPARATOR) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

// Canonical integers only: '007' or '-0' print no integer key, so no two ids decode to one key.
const INTEGER = /^(0|-?[1-9]\d*)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One column's value from its text in an id, or null when no value of that kind prints so. */
function parseValue(kind: KeyKind, text: string): KeyValue | null {
  switch (kind) {
    case 'number': {
      const value = Number(text);
      return INTEGER.test(text) && Number.isSafeInteger(value) ? value : null;
    }
    case 'bigint':
      return INTEGER.test(text) ? text : null;
    case 'uuid':
      return UUID.test(text) ? text : null;
    case 'text':
      return text;
  }
}

/**
 * The key a document id stands for, or null when the id cannot be one of this family's keys (a
 * document written behind the library's back: an orphan).
 */
export function parseDocumentId(keys: readonly KeyColumn[], id: string): KeyValue[] | null {
  const parts = keys.length === 1 ? [id] : splitComponents(id);
  if (!parts || parts.length !== keys.length) return null;
  const key: KeyValue[] = [];
  for (let i = 0; i < keys.length; i++) {
    const value = parseValue(keys[i].kind, parts[i]);
    if (value === null) return null;
    key.push(value);
  }
  return key;
}

/** Why OpenSearch would refuse this id, or null when it takes it. */
export function documentIdRefusal(id: string): string | null {
  if (id.length === 0) return 'the document id is empty; OpenSearch refuses empty ids';
  const bytes = Buffer.byteLength(id);
  return bytes > MAX_DOCUMENT_ID_BYTES
    ? `the document id is ${bytes} bytes long; OpenSearch takes at most ${MAX_DOCUMENT_ID_BYTES}`
    : null;
}
