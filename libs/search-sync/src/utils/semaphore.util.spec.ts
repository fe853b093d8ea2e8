import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.util.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('never runs more tasks than its current limit, and runs them all, as the limit changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.oneof(fc.constant('task' as const), fc.integer({ min: 1, max: 5 })), { maxLength: 40 }),
        async (initial, script) => {
          const semaphore = new Semaphore(initial);
          let limit = initial;
          let running = 0;
          let most = 0;
          let done = 0;
          let tasks = 0;
          const releases: (() => void)[] = [];
          for (const step of script) {
            if (step === 'task') {
              tasks++;
              void semaphore.acquire().then((release) => {
                running++;
                // How far past the limit of the moment a task ever started (0 when never).
                most = Math.max(most, running - limit);
                releases.push(() => {
                  running--;
                  done++;
                  release();
                });
              });
            } else {
              limit = step;
              semaphore.resize(step);
            }
            await tick();
            // Finishes one running task now and then, so waiting ones get their turn.
            if (tasks % 2 === 0) releases.shift()?.();
            await tick();
          }
          for (let turn = 0; done < tasks && turn < 10 * tasks; turn++) {
            releases.shift()?.();
            await tick();
          }
          expect(most).toBe(0);
          expect(done).toBe(tasks);
          expect(running).toBe(0);
        },
      ),
    );
  });

  it('starts waiting tasks at once when its limit grows, in order', async () => {
    const semaphore = new Semaphore(1);
    const order: number[] = [];
    const first = await semaphore.acquire();
    const waiting = [1, 2, 3].map((n) => semaphore.acquire().then(() => order.push(n)));
    await tick();
    expect(order).toEqual([]);
    semaphore.resize(3);
    await tick();
    expect(order).toEqual([1, 2]);
    first();
    first(); // a second release of the same slot gives nothing back
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    // Tasks 1, 2 and 3 hold the three slots: a fourth waits.
    let fourth = false;
    void semaphore.acquire().then(() => {
      fourth = true;
    });
    await tick();
    expect(fourth).toBe(false);
  });
});
