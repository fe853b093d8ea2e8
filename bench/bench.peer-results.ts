import type { CaseResult } from './bench.case.js';
import type { FreshnessFigures, RenameFigures } from './bench.live.js';
import { round } from './bench.stats.js';

/** The peer case's own database (in its throwaway cluster) and the publication every CDC source reads. */
export const PEER_DATABASE = 'search_sync_bench_peer';
export const PEER_PUBLICATION = 'bench_peer';

/** The `system` of each peer result. */
export const FLINK = 'Flink CDC';
export const OURS = 'search-sync';

/** Documents each shape holds once loaded: v1 every product not deleted, v2 the active ones. */
export interface Expected {
  readonly v1: number;
  readonly v2: number;
}

export const perThousand = (ms: number, documents: number) => round((ms * 1000) / documents, 1);

export function freshnessResult(system: string, setting: string, fresh: FreshnessFigures): CaseResult {
  return {
    case: 'peer',
    system,
    measure: 'freshness',
    setting,
    writes: fresh.writes,
    seen: fresh.seen,
    freshnessMsP50: fresh.p50,
    freshnessMsP95: fresh.p95,
    freshnessMsMax: fresh.max,
  };
}

export function renameResult(system: string, setting: string, rename: RenameFigures): CaseResult {
  return {
    case: 'peer',
    system,
    measure: 'rename',
    setting,
    products: rename.products,
    updated: rename.updated,
    seconds: rename.seconds === null ? null : round(rename.seconds, 2),
  };
}
