import {
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  getTableUniqueName,
  is,
  normalizeRelation,
  One,
  type SQL,
  sql,
  type TableRelationalConfig,
} from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN } from '../capture/change-capture.columns.js';
import type { SyncDatabase } from '../database/database.type.js';
import { drizzleSchema } from '../database/drizzle-schema.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';

/** A table as SQL names it. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** One step up a path: rows of `table` join the table above where `table.columns = above.aboveColumns`. */
export interface RelatedHop {
  readonly table: TableName;
  readonly columns: readonly { readonly name: string; readonly sqlType: string }[];
  readonly aboveColumns: readonly string[];
}

/**
 * How a change to a related table reaches the family's rows: the relation's path in `with` (`tags.tag`),
 * the hops from the related table up to the family's table, and the related table's columns whose
 * change re-indexes the parents (those the documents embed, and those the joins use).
 */
export interface RelatedPath {
  readonly path: string;
  /** The hops, from the related table (first) up to the one below the family's table (last). */
  readonly hops: readonly RelatedHop[];
  readonly watched: readonly string[];
  /**
   * When a new related row changes its parents: `always` for a row that points up at them (a join row, a
   * child); `without-foreign-key` for a row they point at (an author inserted after the articles that
   * name it), which a foreign key from the parents makes impossible.
   */
  readonly inserts: 'always' | 'without-foreign-key';
  /**
   * Whether a related row has at most one parent, so that a parent written in the same transaction
   * provably covers it: a row joined straight to the parents by their whole primary key (a join row).
   */
  readonly oneParent: boolean;
}

/** Relation paths as one SQL parameter, a text array (`path = any(...)`). */
export const pathsParameter = (paths: readonly string[]): SQL =>
  sql`${`{${paths.map((p) => `"${p}"`).join(',')}}`}::text[]`;

/** A family's `with`: a relation's value is `true` or `{ columns?, with? }`. */
type WithConfig = Record<string, unknown>;

const CAPTURE_COLUMNS = new Set([CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN]);

/** The type a recorded value is cast back to: serial types are integers once created. */
const castType = (sqlType: string) =>
  ({ serial: 'integer', smallserial: 'smallint', bigserial: 'bigint' })[sqlType] ?? sqlType;

/**
 * Derives, from the Drizzle schema (tables and their `relations(...)`) and the family's `with`, the path
 * from every related table the documents embed up to the family's table: many-to-one, one-to-many and
 * many-to-many through a join table, several levels deep, as Hibernate Search derives reindexing from
 * `@IndexedEmbedded`. Relations listed in `untracked` (and what lies below them) are left out. Fails
 * naming the family and relation when Drizzle cannot tell the join columns (no inverse relation).
 */
export function deriveRelatedPaths(
  family: string,
  schema: Record<string, unknown>,
  table: PgTable,
  withConfig: WithConfig,
  untracked: readonly string[] = [],
): RelatedPath[] {
  const { tables, tableNamesMap } = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const root = tables[tableNamesMap[getTableUniqueName(table)] ?? ''];
  if (!root) {
    throw SearchSyncConfigurationError.family(
      family,
      'relations are requested but its table is not in the Drizzle schema: pass the schema with its relations.',
    );
  }
  const rootKey = root.primaryKey.map((c) => c.name);
  const paths: RelatedPath[] = [];
  const walk = (
    config: TableRelationalConfig,
    nested: WithConfig,
    prefix: string,
    below: readonly RelatedHop[],
  ) => {
    for (const [name, value] of Object.entries(nested)) {
      if (!value) continue;
      const path = prefix ? `${prefix}.${name}` : name;
      if (untracked.includes(path)) continue;
      const relation = config.relations[name];
      if (!relation)
        throw SearchSyncConfigurationError.family(
          family,
          `relation "${path}" is not declared in relations().`,
        );
      let joins: ReturnType<typeof normalizeRelation>;
      try {
        joins = normalizeRelation(tables, tableNamesMap, relation);
      } catch (error) {
        throw SearchSyncConfigurationError.family(
          family,
          `cannot tell how relation "${path}" joins (${(error as Error).message}): declare its inverse one() with fields and references.`,
        );
      }
      const related = tables[tableNamesMap[getTableUniqueName(relation.referencedTable)]];
      const hop: RelatedHop = {
        table: {
          schema: assertSqlIdentifier(related.schema ?? 'public', 'Table schema'),
          name: assertSqlIdentifier(related.dbName, 'Table name'),
        },
        columns: joins.references.map((c) => ({
          name: assertSqlIdentifier(c.name, 'Column'),
          sqlType: castType(c.getSQLType()),
        })),
        aboveColumns: joins.fields.map((c) => assertSqlIdentifier(c.name, 'Column')),
      };
      const hops = [hop, ...below];
      const options =
        typeof value === 'object' ? (value as { columns?: Record<string, boolean>; with?: WithConfig }) : {};
      const children = options.with ?? {};
      // The columns whose change matters: those the documents embed (all, or the relation's `columns`),
      // and those the joins below use, so a re-pointed row re-indexes its old and new parents.
      const embedded = options.columns
        ? Object.entries(options.columns)
            .filter(([, on]) => on)
            .map(([property]) => related.columns[property].name)
        : Object.values(related.columns)
            .map((c) => c.name)
            .filter((c) => !CAPTURE_COLUMNS.has(c));
      const joinsBelow = Object.keys(children).flatMap((child) => {
        const childRelation = related.relations[child];
        if (!childRelation) return [];
        try {
          return (normalizeRelation(tables, tableNamesMap, childRelation).fields as { name: string }[]).map(
            (c) => c.name,
          );
        } catch {
          return [];
        }
      });
      const watched = [...new Set([...hop.columns.map((c) => c.name), ...embedded, ...joinsBelow])];
      const pointedAt = is(relation, One) && Boolean(relation.config);
      paths.push({
        path,
        hops,
        watched,
        inserts: pointedAt ? 'without-foreign-key' : 'always',
        oneParent: below.length === 0 && !pointedAt && sameColumns(hop.aboveColumns, rootKey),
      });
      walk(related, children, path, hops);
    }
  };
  walk(root, withConfig, '', []);
  return paths;
}

const sameColumns = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c) => b.includes(c));

/** A family's relations: those whose changes re-index its rows, and those it opted out of. */
export interface FamilyRelations {
  readonly tracked: readonly RelatedPath[];
  /** Left to content reconcile or a new version (`reindexOnUpdate: { path: false }`): no trigger. */
  readonly optedOut: readonly RelatedPath[];
}

/**
 * The relations of a family: derived from its `with` and the schema given to `drizzle()`, tracked unless
 * it opted out of them with `reindexOnUpdate: { path: false }` (which opts out what lies below too).
 * None for a family without `with` or with timestamp capture (its parents would not be seen changed).
 */
export function familyRelations(
  definition: {
    readonly name: string;
    readonly table: PgTable;
    readonly with?: Record<string, unknown>;
    readonly capture?: { readonly mode: string };
    readonly reindexOnUpdate?: Readonly<Record<string, boolean>>;
  },
  db: SyncDatabase,
): FamilyRelations {
  if (!definition.with || (definition.capture?.mode ?? 'exact') !== 'exact')
    return { tracked: [], optedOut: [] };
  const schema = drizzleSchema(db);
  if (!schema) {
    throw SearchSyncConfigurationError.family(
      definition.name,
      'relations are requested but the database has no schema: pass { schema } to drizzle() with the tables and their relations.',
    );
  }
  const untracked = Object.entries(definition.reindexOnUpdate ?? {})
    .filter(([, on]) => !on)
    .map(([path]) => path);
  return splitRelations(definition.name, schema, definition.table, definition.with, untracked);
}

/** Every relation path of a `with`, split into the tracked ones and those `untracked` opts out of. */
export function splitRelations(
  family: string,
  schema: Record<string, unknown>,
  table: PgTable,
  withConfig: WithConfig,
  untracked: readonly string[],
): FamilyRelations {
  const tracked = deriveRelatedPaths(family, schema, table, withConfig, untracked);
  const optedOut = deriveRelatedPaths(family, schema, table, withConfig).filter(
    (path) => !tracked.some((t) => t.path === path.path),
  );
  return { tracked, optedOut };
}
