import type { TestDatabase } from './test-database.js';

/** Every row of every table of the library's state schema, as JSON text: what an operator's query sees. */
export async function stateTablesText(database: TestDatabase, schema = 'search_sync'): Promise<string> {
  const tables = await database.client<{ name: string }[]>`
    select table_name as name from information_schema.tables where table_schema = ${schema} order by 1`;
  const rows = await Promise.all(
    tables.map(({ name }) => database.client.unsafe(`select * from "${schema}"."${name}"`)),
  );
  return JSON.stringify(Object.fromEntries(tables.map(({ name }, i) => [name, rows[i]])));
}
