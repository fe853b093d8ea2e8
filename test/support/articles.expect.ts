import type { Client } from '@opensearch-project/opensearch';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { expect } from 'vitest';
import {
  type ArticleRow,
  type articlesSchema,
  articlesV1,
  articlesWith,
  toArticleDto,
} from '../fixtures/articles.schema.js';
import { readAll } from './test-opensearch.js';

/** The articles family's version 1 holds what its transform makes of the database now, by id. */
export async function expectArticlesMatchSource(
  client: Client,
  db: PostgresJsDatabase<typeof articlesSchema>,
  family: string,
): Promise<void> {
  const rows: ArticleRow[] = await db.query.articles.findMany({ with: articlesWith });
  const expected = new Map(rows.map((row) => [row.id, articlesV1.transform(toArticleDto(row))]));
  expect(await readAll(client, `${family}_v1`)).toEqual(expected);
}
