import type { BuildQueryResult, DBQueryConfig, ExtractTablesWithRelations } from 'drizzle-orm';

/**
 * The row type Drizzle returns for `table` of `schema` loaded `with` some relations: what a family's
 * normaliser receives. `SourceRow<typeof schema, 'products', { category: true }>`.
 */
export type SourceRow<
  TSchema extends Record<string, unknown>,
  TTable extends keyof ExtractTablesWithRelations<TSchema>,
  TWith extends DBQueryConfig<
    'many',
    true,
    ExtractTablesWithRelations<TSchema>,
    ExtractTablesWithRelations<TSchema>[TTable]
  >['with'] = undefined,
> = BuildQueryResult<
  ExtractTablesWithRelations<TSchema>,
  ExtractTablesWithRelations<TSchema>[TTable],
  { with: TWith }
>;
