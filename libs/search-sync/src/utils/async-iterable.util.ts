/**
 * Maps an async iterable with up to `limit` calls of `fn` in flight, yielding results in source order.
 *
 * A pump that does not wait for the consumer drives it: one item is always read ahead (the next batch is
 * extracted and transformed while the current ones load), and `fn` starts on it the moment a call
 * settles, not when the consumer next asks. So neither reading nor the consumer's own work on a result
 * (committing a checkpoint) leaves a slot idle. Held at most: `limit` mapped results not yet taken by the
 * consumer (in flight or done), the one the consumer is working on, and one item read ahead.
 *
 * A failing `fn` fails the iteration when its result's turn comes; a failing source once the results
 * mapped before the failure have been yielded.
 */
export async function* mapOrdered<T, U>(
  source: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<U>,
): AsyncGenerator<U> {
  const iterator = source[Symbol.asyncIterator]();
  /** Mapped, in source order, not taken by the consumer yet. */
  const results: Promise<U>[] = [];
  let running = 0;
  let ahead: { readonly item: T } | null = null;
  let pulling = false;
  let done = false;
  let closed = false;
  // Set by callbacks: typed so that control flow does not narrow it to null.
  let failure = null as { readonly error: unknown } | null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };

  const settled = () => {
    running--;
    pump();
    notify();
  };

  function pump(): void {
    if (closed) return;
    if (ahead && running < limit && results.length < limit) {
      const { item } = ahead;
      ahead = null;
      running++;
      let mapped: Promise<U>;
      try {
        mapped = fn(item);
      } catch (error) {
        mapped = Promise.reject(error);
      }
      // Handles the rejection here too: it surfaces when this result reaches the head, not as unhandled.
      mapped.then(settled, settled);
      results.push(mapped);
    }
    if (!ahead && !pulling && !done && !failure) {
      pulling = true;
      iterator.next().then(
        (next) => {
          pulling = false;
          if (next.done) done = true;
          else ahead = { item: next.value };
          pump();
          notify();
        },
        (error: unknown) => {
          pulling = false;
          failure = { error };
          notify();
        },
      );
    }
  }

  try {
    pump();
    for (;;) {
      const head = results.shift();
      if (head) {
        // Taken off the queue first, so the pump can start the next call before this result is handed on.
        pump();
        yield await head;
        continue;
      }
      if (failure) throw failure.error;
      if (done && !ahead) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    closed = true;
    if (!done && !failure) await iterator.return?.();
  }
}

/** A stage that maps each item with an async function, one at a time, in order. */
export function mapEach<In, Out>(
  fn: (item: In) => Out | Promise<Out>,
): (items: AsyncIterable<In>) => AsyncGenerator<Out> {
  return async function* (items) {
    for await (const item of items) yield await fn(item);
  };
}
