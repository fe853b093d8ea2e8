import type { VersionDefinition } from 'search-sync';
import type { ProductDto } from '../src/catalog/products.family.js';
import type { BenchContext } from './bench.case.js';
import type { BulkSettings } from './bench.config.js';
import { type Dataset, deleteBenchIndexes } from './bench.environment.js';
import { processCpuMs } from './bench.measure.js';

/** A product as the raw baselines see it: the DTO the transforms take, and what the bulk line needs. */
export interface CatalogRecord {
  readonly dto: ProductDto;
  readonly rowVersion: number;
  readonly deleted: boolean;
}

interface RawProductRow {
  readonly id: number;
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  readonly price: string;
  readonly active: boolean;
  readonly deleted_at: Date | null;
  readonly row_version: string;
  readonly category_name: string;
  readonly tag_names: string[];
}

/**
 * The raw read limit: keyset pages on id with postgres.js, the product's columns, its category and its
 * tags in one statement (lateral join), the same page size as the sync's batches.
 */
async function readPages(
  dataset: Dataset,
  pageSize: number,
  onPage: (rows: readonly RawProductRow[]) => void,
): Promise<number> {
  const { sql } = dataset;
  let after = 0;
  let rows = 0;
  for (;;) {
    const page = await sql<RawProductRow[]>`
      select p.*, p.search_sync_row_version::text as row_version, c.name as category_name,
        coalesce(t.names, '{}') as tag_names
      from products p
      join categories c on c.id = p.category_id
      left join lateral (
        select array_agg(tg.name) as names from product_tags pt join tags tg on tg.id = pt.tag_id
        where pt.product_id = p.id
      ) t on true
      where p.id > ${after}
      order by p.id
      limit ${pageSize}`;
    if (page.length === 0) return rows;
    onPage(page);
    rows += page.length;
    after = page[page.length - 1].id;
  }
}

export interface RawReadMeasurement {
  readonly rows: number;
  readonly seconds: number;
}

export async function measureRawRead(dataset: Dataset, pageSize: number): Promise<RawReadMeasurement> {
  const started = performance.now();
  const rows = await readPages(dataset, pageSize, () => {});
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/** Every product, page by page, as DTOs: read once, untimed, to build the raw bulk requests. */
export async function readCatalog(dataset: Dataset, pageSize: number): Promise<CatalogRecord[][]> {
  const pages: CatalogRecord[][] = [];
  await readPages(dataset, pageSize, (page) =>
    pages.push(
      page.map((row) => ({
        dto: {
          id: row.id,
          sku: row.sku,
          title: row.title,
          description: row.description,
          price: Number(row.price),
          active: row.active,
          category: row.category_name,
          tags: row.tag_names,
        },
        rowVersion: Number(row.row_version),
        deleted: row.deleted_at !== null,
      })),
    ),
  );
  return pages;
}

export interface BulkRequests {
  readonly bodies: readonly string[];
  readonly operations: number;
  readonly bytes: number;
}

interface Line {
  readonly body: string;
  readonly bytes: number;
}

/**
 * NDJSON request bodies for `versions`, built before timing. Operations come in the order the sync plans
 * them (per batch of rows, version by version), lines carry the same external versions, and requests are
 * cut by the same operation and byte bounds, per batch, as the bulk loader cuts them.
 */
export function bulkRequests(
  pages: readonly CatalogRecord[][],
  versions: readonly VersionDefinition<ProductDto, object>[],
  indexOf: (version: number) => string,
  bulk: BulkSettings,
): BulkRequests {
  const bodies: string[] = [];
  let operations = 0;
  let bytes = 0;
  for (const page of pages) {
    const lines = versions.flatMap((version) => page.map((record) => bulkLine(version, indexOf, record)));
    for (const chunk of chunks(lines, bulk)) bodies.push(chunk.map((line) => line.body).join(''));
    operations += lines.length;
    bytes += lines.reduce((sum, line) => sum + line.bytes, 0);
  }
  return { bodies, operations, bytes };
}

function bulkLine(
  version: VersionDefinition<ProductDto, object>,
  indexOf: (version: number) => string,
  record: CatalogRecord,
): Line {
  const meta = `{"_index":${JSON.stringify(indexOf(version.version))},"_id":"${record.dto.id}","version":${record.rowVersion},"version_type":"external_gte"}`;
  const indexed = !record.deleted && (version.filter?.(record.dto) ?? true);
  const body = indexed
    ? `{"index":${meta}}\n${JSON.stringify(version.transform(record.dto))}\n`
    : `{"delete":${meta}}\n`;
  return { body, bytes: Buffer.byteLength(body) };
}

function chunks(lines: readonly Line[], bulk: BulkSettings): Line[][] {
  const result: Line[][] = [];
  let current: Line[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (current.length > 0 && (current.length >= bulk.maxOperations || bytes + line.bytes > bulk.maxBytes)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export interface RawBulkMeasurement {
  readonly seconds: number;
  readonly rejected: number;
  readonly cpuMs: number;
  readonly openSearchCpuMs: number;
  readonly bulkInFlight: number;
}

// The loader's own filter: the response carries a status per item and nothing else.
const FILTER_PATH = 'errors,items.*.status,items.*.error';

/**
 * The raw ingest limit: pre-built requests sent with `concurrency` in flight, into fresh indexes with
 * the versions' own mappings and settings, deleted afterwards.
 */
export async function measureRawBulk(
  ctx: BenchContext,
  requests: BulkRequests,
  versions: readonly VersionDefinition<ProductDto, object>[],
  indexOf: (version: number) => string,
  concurrency: number,
): Promise<RawBulkMeasurement> {
  const { env } = ctx;
  const indexes = versions.map((version) => indexOf(version.version));
  try {
    for (const version of versions) {
      await env.client.indices.create({
        index: indexOf(version.version),
        body: { mappings: version.mappings ?? {}, settings: version.settings ?? {} } as never,
      });
    }
    const openSearchBefore = await env.openSearchCpuMs();
    const cpuBefore = processCpuMs();
    const started = performance.now();
    env.bulkGauge.reset();
    let next = 0;
    let rejected = 0;
    const send = async () => {
      while (next < requests.bodies.length) {
        const body = requests.bodies[next++];
        const response = await env.client.bulk({ body: body as never, filter_path: FILTER_PATH });
        const items = (response.body as { items?: Record<string, { error?: unknown }>[] }).items ?? [];
        rejected += items.filter((item) => Object.values(item)[0].error !== undefined).length;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, send));
    const seconds = (performance.now() - started) / 1000;
    const bulkInFlight = env.bulkGauge.mean();
    const cpuMs = processCpuMs() - cpuBefore;
    const openSearchCpuMs = (await env.openSearchCpuMs()) - openSearchBefore;
    return { seconds, rejected, cpuMs, openSearchCpuMs, bulkInFlight };
  } finally {
    for (const index of indexes) await deleteBenchIndexes(env.client, index);
  }
}
