import { InvalidIdentifierError } from '../errors/invalid-identifier.error.js';

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
// OpenSearch index names: lowercase, no leading '-', '_' or '+', none of \ / * ? " < > | , # : or space.
const INDEX_NAME = /^[a-z0-9][a-z0-9_.-]{0,254}$/;

/** Identifiers reach SQL as quoted names; this keeps them to plain lowercase names so nothing surprises. */
export function assertSqlIdentifier(value: string, what: string): string {
  if (!SQL_IDENTIFIER.test(value)) throw new InvalidIdentifierError(what, value, SQL_IDENTIFIER.source);
  return value;
}

export function assertIndexName(value: string, what: string): string {
  if (!INDEX_NAME.test(value) || value === '.' || value === '..') {
    throw new InvalidIdentifierError(what, value, INDEX_NAME.source);
  }
  return value;
}
