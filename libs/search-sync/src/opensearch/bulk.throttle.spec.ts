import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import {
  initialThrottle,
  requestBytes,
  type ThrottleConfig,
  type ThrottleState,
  throttleAnswered,
  throttleConfig,
} from './bulk.throttle.js';

const configs = fc
  .record({
    concurrency: fc.integer({ min: 1, max: 16 }),
    maxOperations: fc.integer({ min: 1, max: 5000 }),
    maxBytes: fc.integer({ min: 1, max: 10 * 1024 * 1024 }),
    minConcurrency: fc.integer({ min: 1, max: 20 }),
    minOperations: fc.integer({ min: 1, max: 6000 }),
    decreaseFactor: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    increaseAfter: fc.integer({ min: 1, max: 10 }),
  })
  .map(({ concurrency, maxOperations, maxBytes, ...options }) =>
    throttleConfig({ concurrency, maxOperations, maxBytes }, options),
  );

/** Answers as the loader gives them: each request sent at the epoch of the moment, or some epochs earlier. */
const answers = fc.array(fc.record({ pushedBack: fc.boolean(), lag: fc.nat({ max: 3 }) }), {
  maxLength: 200,
});

function* replay(config: ThrottleConfig, steps: readonly { pushedBack: boolean; lag: number }[]) {
  let state = initialThrottle(config);
  for (const { pushedBack, lag } of steps) {
    const before = state;
    state = throttleAnswered(state, config, { pushedBack, sentAt: Math.max(0, state.epoch - lag) });
    yield { before, after: state, pushedBack };
  }
}

const within = (state: ThrottleState, config: ThrottleConfig) =>
  state.concurrency >= config.minConcurrency &&
  state.concurrency <= config.ceiling.concurrency &&
  state.operations >= config.minOperations &&
  state.operations <= config.ceiling.maxOperations;

describe('the bulk throttle', () => {
  it('keeps concurrency and request size within [min, max], whatever the answers', () => {
    fc.assert(
      fc.property(configs, answers, (config, steps) => {
        expect(within(initialThrottle(config), config)).toBe(true);
        for (const { after } of replay(config, steps)) expect(within(after, config)).toBe(true);
      }),
    );
  });

  it('never speeds up on a pushback, and slows down on one sent at the current limits unless at the floor', () => {
    fc.assert(
      fc.property(configs, answers, (config, steps) => {
        for (const { before, after, pushedBack } of replay(config, steps)) {
          if (!pushedBack) continue;
          expect(after.concurrency).toBeLessThanOrEqual(before.concurrency);
          expect(after.operations).toBeLessThanOrEqual(before.operations);
        }
        const state = initialThrottle(config);
        const after = throttleAnswered(state, config, { pushedBack: true, sentAt: state.epoch });
        const atFloor =
          state.concurrency === config.minConcurrency && state.operations === config.minOperations;
        if (!atFloor) {
          expect(after.concurrency < state.concurrency || after.operations < state.operations).toBe(true);
        }
      }),
    );
  });

  it('never slows down on a success', () => {
    fc.assert(
      fc.property(configs, answers, (config, steps) => {
        for (const { before, after, pushedBack } of replay(config, steps)) {
          if (pushedBack) continue;
          expect(after.concurrency).toBeGreaterThanOrEqual(before.concurrency);
          expect(after.operations).toBeGreaterThanOrEqual(before.operations);
        }
      }),
    );
  });

  it('recovers to full speed after enough successes, from wherever pushback left it', () => {
    fc.assert(
      fc.property(configs, answers, (config, steps) => {
        let state = initialThrottle(config);
        for (const { after } of replay(config, steps)) state = after;
        // Each step up adds one request in flight and a tenth of maxOperations: ten steps suffice at most,
        // or as many as the concurrency has to climb.
        const stepsUp = Math.max(10, config.ceiling.concurrency);
        for (let i = 0; i < stepsUp * config.increaseAfter; i++) {
          state = throttleAnswered(state, config, { pushedBack: false, sentAt: state.epoch });
        }
        expect(state.concurrency).toBe(config.ceiling.concurrency);
        expect(state.operations).toBe(config.ceiling.maxOperations);
      }),
    );
  });

  it('slows down once for several requests in flight pushed back together', () => {
    const config = throttleConfig({ concurrency: 8, maxOperations: 1000, maxBytes: 1000 });
    const start = initialThrottle(config);
    let state = start;
    for (let i = 0; i < 4; i++) state = throttleAnswered(state, config, { pushedBack: true, sentAt: 0 });
    expect(state).toMatchObject({ concurrency: 4, operations: 500, epoch: 1 });
    // Their successes do not count either: they were sent at limits that were too high.
    state = throttleAnswered(state, config, { pushedBack: false, sentAt: 0 });
    expect(state.successes).toBe(0);
  });

  it('steps up by one request in flight and a tenth of maxOperations after increaseAfter successes', () => {
    const config = throttleConfig(
      { concurrency: 4, maxOperations: 1000, maxBytes: 4000 },
      { increaseAfter: 2, minOperations: 100 },
    );
    let state = throttleAnswered(initialThrottle(config), config, { pushedBack: true, sentAt: 0 });
    expect(state).toMatchObject({ concurrency: 2, operations: 500 });
    expect(requestBytes(state, config)).toBe(2000);
    state = throttleAnswered(state, config, { pushedBack: false, sentAt: 1 });
    expect(state).toMatchObject({ concurrency: 2, operations: 500, successes: 1 });
    state = throttleAnswered(state, config, { pushedBack: false, sentAt: 1 });
    expect(state).toMatchObject({ concurrency: 3, operations: 600, successes: 0 });
  });

  it('stays at full speed when disabled', () => {
    const config = throttleConfig(
      { concurrency: 4, maxOperations: 1000, maxBytes: 4000 },
      { enabled: false },
    );
    const state = initialThrottle(config);
    expect(throttleAnswered(state, config, { pushedBack: true, sentAt: 0 })).toBe(state);
  });

  it('refuses options it cannot run, saying which and what it got', () => {
    const ceiling = { concurrency: 2, maxOperations: 1000, maxBytes: 1000 };
    expect(() => throttleConfig(ceiling, { decreaseFactor: 1 })).toThrow(SearchSyncConfigurationError);
    expect(() => throttleConfig(ceiling, { decreaseFactor: 1.5, minConcurrency: 0 })).toThrow(
      /throttle\.minConcurrency must be an integer of at least 1 \(got 0\); throttle\.decreaseFactor must lie strictly between 0 and 1 \(got 1\.5\)\. Change them in `bulk`/,
    );
    expect(() => throttleConfig({ ...ceiling, concurrency: 0 })).toThrow(/concurrency must be an integer/);
    // A floor above the loader's own bounds is lowered to them.
    expect(throttleConfig(ceiling, { minConcurrency: 5, minOperations: 5000 })).toMatchObject({
      minConcurrency: 2,
      minOperations: 1000,
    });
  });
});
