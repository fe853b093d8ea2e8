import type { BenchConfig } from './bench.config.js';
import type { BenchEnvironment } from './bench.environment.js';

/** One row of results: plain fields only, so latest.json and the tables need no per-case code. */
export type CaseResult = { readonly case: string } & Readonly<
  Record<string, string | number | boolean | null>
>;

/** The Drizzle driver the application under measurement uses (`--driver`); the cases that boot one read it. */
export type BenchDriver = 'postgres.js' | 'node-postgres';
export const BENCH_DRIVERS: readonly BenchDriver[] = ['postgres.js', 'node-postgres'];

export interface BenchContext {
  readonly config: BenchConfig;
  readonly driver: BenchDriver;
  readonly env: BenchEnvironment;
  /** In every family and index name: families keep checkpoints, so a name is never synced twice. */
  readonly runId: string;
  log(message: string): void;
}

/** A table as both the console and BENCHMARKS.md show it. */
export interface ResultTable {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly note?: string;
}

/** A stated goal, judged from one run's figures. */
export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** A benchmark case: later cases (the migration) are added to the list in main.ts, nothing else changes. */
export interface BenchCase {
  readonly name: string;
  /** Untimed work before measuring, so neither the JIT nor a cold OpenSearch skews the first sample. */
  warmUp?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<CaseResult[]>;
  tables(results: readonly CaseResult[], config: BenchConfig): ResultTable[];
  targets?(results: readonly CaseResult[], config: BenchConfig): TargetVerdict[];
}
