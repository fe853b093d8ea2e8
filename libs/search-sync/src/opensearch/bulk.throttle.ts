import { SearchSyncConfigurationError } from '../errors/configuration.error.js';

/**
 * How the bulk loader slows down when the cluster pushes back (a 429, or `rejected_execution_exception`:
 * its write queue is full) and speeds up again: AIMD, as TCP does. Each pushback multiplies the requests
 * in flight and the request size by `decreaseFactor`; each run of `increaseAfter` requests answered
 * without pushback adds one request in flight and a tenth of `maxOperations` per request, up to the
 * loader's own bounds.
 */
export interface ThrottleOptions {
  /**
   * Whether pushback slows the loader down. When it does, an operation pushed back is sent again without
   * costing one of its retry attempts (the retry policy's time budget still bounds it); when it does not,
   * a 429 is a transient failure like a 503. Default true.
   */
  readonly enabled: boolean;
  /** The fewest bulk requests in flight it slows down to. Default 1. */
  readonly minConcurrency: number;
  /** The fewest operations per request it slows down to (at most `maxOperations`). Default 50. */
  readonly minOperations: number;
  /** What requests in flight and request size are multiplied by at a pushback, in (0, 1). Default 0.5. */
  readonly decreaseFactor: number;
  /** Requests answered without pushback before each step back up. Default 4. */
  readonly increaseAfter: number;
}

export const DEFAULT_THROTTLE_OPTIONS: ThrottleOptions = {
  enabled: true,
  minConcurrency: 1,
  minOperations: 50,
  decreaseFactor: 0.5,
  increaseAfter: 4,
};

/** The loader's own bounds: where the throttle starts, and the most it recovers to. */
export interface ThrottleCeiling {
  readonly concurrency: number;
  readonly maxOperations: number;
  readonly maxBytes: number;
}

/** The options with the ceiling they apply under, checked. */
export interface ThrottleConfig extends ThrottleOptions {
  readonly ceiling: ThrottleCeiling;
  /** Operations per request added at each step up. */
  readonly operationsStep: number;
}

export interface ThrottleState {
  readonly concurrency: number;
  /** Operations per request (the byte bound follows in proportion: see `requestBytes`). */
  readonly operations: number;
  /**
   * Bumped at each decrease. A pushback to a request sent before the last decrease is already answered
   * by it: several requests in flight pushed back together slow the loader down once, not once each.
   */
  readonly epoch: number;
  /** Requests sent since the last change and answered without pushback. */
  readonly successes: number;
}

/** How a request was answered, for the throttle: only requests that got an HTTP answer count. */
export interface ThrottleAnswer {
  /** The epoch when the request was sent. */
  readonly sentAt: number;
  readonly pushedBack: boolean;
}

/** Checks the options against the loader's bounds; what is not given takes its default. */
export function throttleConfig(
  ceiling: ThrottleCeiling,
  options: Partial<ThrottleOptions> = {},
): ThrottleConfig {
  const config = { ...DEFAULT_THROTTLE_OPTIONS, ...options };
  const problems = [
    !(Number.isInteger(ceiling.concurrency) && ceiling.concurrency >= 1) &&
      `concurrency must be an integer of at least 1 (got ${ceiling.concurrency})`,
    !(Number.isInteger(ceiling.maxOperations) && ceiling.maxOperations >= 1) &&
      `maxOperations must be an integer of at least 1 (got ${ceiling.maxOperations})`,
    !(ceiling.maxBytes >= 1) && `maxBytes must be at least 1 (got ${ceiling.maxBytes})`,
    !(Number.isInteger(config.minConcurrency) && config.minConcurrency >= 1) &&
      `throttle.minConcurrency must be an integer of at least 1 (got ${config.minConcurrency})`,
    !(Number.isInteger(config.minOperations) && config.minOperations >= 1) &&
      `throttle.minOperations must be an integer of at least 1 (got ${config.minOperations})`,
    !(config.decreaseFactor > 0 && config.decreaseFactor < 1) &&
      `throttle.decreaseFactor must lie strictly between 0 and 1 (got ${config.decreaseFactor})`,
    !(Number.isInteger(config.increaseAfter) && config.increaseAfter >= 1) &&
      `throttle.increaseAfter must be an integer of at least 1 (got ${config.increaseAfter})`,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) throw SearchSyncConfigurationError.bulk(problems.join('; '));
  return {
    ...config,
    // A floor above the ceiling would make the ceiling meaningless: the ceiling wins.
    minConcurrency: Math.min(config.minConcurrency, ceiling.concurrency),
    minOperations: Math.min(config.minOperations, ceiling.maxOperations),
    ceiling,
    operationsStep: Math.ceil(ceiling.maxOperations / 10),
  };
}

/** Full speed: the loader's own bounds. */
export function initialThrottle(config: ThrottleConfig): ThrottleState {
  return {
    concurrency: config.ceiling.concurrency,
    operations: config.ceiling.maxOperations,
    epoch: 0,
    successes: 0,
  };
}

/** The byte bound of a request at the state's size: the configured one, in proportion. */
export function requestBytes(state: ThrottleState, config: ThrottleConfig): number {
  const { maxBytes, maxOperations } = config.ceiling;
  return Math.max(1, Math.floor((maxBytes * state.operations) / maxOperations));
}

/** The state after a request was answered. A state that does not change is returned as it is. */
export function throttleAnswered(
  state: ThrottleState,
  config: ThrottleConfig,
  answer: ThrottleAnswer,
): ThrottleState {
  if (!config.enabled) return state;
  if (answer.pushedBack) {
    if (answer.sentAt < state.epoch) return state;
    const concurrency = Math.max(
      config.minConcurrency,
      Math.floor(state.concurrency * config.decreaseFactor),
    );
    const operations = Math.max(config.minOperations, Math.floor(state.operations * config.decreaseFactor));
    return { concurrency, operations, epoch: state.epoch + 1, successes: 0 };
  }
  // Only a request sent at the current limits shows that they are fine.
  if (answer.sentAt < state.epoch) return state;
  const successes = state.successes + 1;
  const { ceiling } = config;
  const atCeiling = state.concurrency === ceiling.concurrency && state.operations === ceiling.maxOperations;
  if (atCeiling) return state;
  if (successes < config.increaseAfter) return { ...state, successes };
  return {
    concurrency: Math.min(ceiling.concurrency, state.concurrency + 1),
    operations: Math.min(ceiling.maxOperations, state.operations + config.operationsStep),
    epoch: state.epoch,
    successes: 0,
  };
}
