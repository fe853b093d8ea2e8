import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { getTableConfig, PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { KeyColumn, KeyKind } from '../keys/key.types.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';

/** A Drizzle table seen as a change source: its identity and its key columns, validated once. */
export interface SyncSource {
  readonly table: PgTable;
  readonly name: string;
  readonly schema: string;
  readonly keys: readonly KeyColumn[];
  /** Column property names on returned rows, by database column name. */
  readonly properties: ReadonlyMap<string, string>;
}

const KEY_TYPES: Record<string, { kind: KeyKind; sqlType: string }> = {
  smallint: { kind: 'number', sqlType: 'smallint' },
  smallserial: { kind: 'number', sqlType: 'smallint' },
  integer: { kind: 'number', sqlType: 'integer' },
  serial: { kind: 'number', sqlType: 'integer' },
  bigint: { kind: 'bigint', sqlType: 'bigint' },
  bigserial: { kind: 'bigint', sqlType: 'bigint' },
  uuid: { kind: 'uuid', sqlType: 'uuid' },
  text: { kind: 'text', sqlType: 'text' },
};

function keyType(column: PgColumn): { kind: KeyKind; sqlType: string } | undefined {
  const type = column.getSQLType();
  return (
    KEY_TYPES[type] ?? (/^(varchar|character varying)(\(\d+\))?$/.test(type) ? KEY_TYPES.text : undefined)
  );
}

export function describeSource(family: string, table: PgTable, keyColumns?: readonly PgColumn[]): SyncSource {
  if (!is(table, PgTable))
    throw SearchSyncConfigurationError.family(family, 'the source is not a Drizzle pg table.');
  const config = getTableConfig(table);
  const columns = getTableColumns(table);
  const properties = new Map(Object.entries(columns).map(([property, column]) => [column.name, property]));
  const primary =
    config.columns.filter((column) => column.primary).length > 0
      ? config.columns.filter((column) => column.primary)
      : (config.primaryKeys[0]?.columns ?? []);
  const chosen = keyColumns && keyColumns.length > 0 ? keyColumns : primary;
  if (chosen.length === 0) {
    throw SearchSyncConfigurationError.family(
      family,
      `table "${config.name}" has no primary key: declare one or pass the key columns.`,
    );
  }
  const keys = chosen.map((chosenColumn): KeyColumn => {
    // By name within this table: Drizzle rebuilds the column objects of `primaryKey({ columns })`.
    const property = chosenColumn.table === table ? properties.get(chosenColumn.name) : undefined;
    const column = property ? columns[property] : undefined;
    if (!property || !column) {
      throw SearchSyncConfigurationError.family(
        family,
        `key column "${chosenColumn.name}" is not a column of table "${config.name}".`,
      );
    }
    const type = keyType(column);
    if (!type) {
      throw SearchSyncConfigurationError.family(
        family,
        `key column "${column.name}" has type ${column.getSQLType()}; supported key types are integers, uuid and text.`,
      );
    }
    return { column, property, name: assertSqlIdentifier(column.name, 'Key column'), ...type };
  });
  return {
    table,
    name: assertSqlIdentifier(getTableName(table), 'Table name'),
    schema: assertSqlIdentifier(config.schema ?? 'public', 'Table schema'),
    keys,
    properties,
  };
}
