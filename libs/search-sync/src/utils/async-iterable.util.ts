/**
 * Maps an async iterable with up to `limit` calls of `fn` in flight, yielding results in source order.
 * The source is pulled while earlier items are still being mapped, so reading the next batch overlaps
 * loading the current ones; at most `limit` mapped items plus one pulled item are held at a time.
 */
export async function* mapOrdered<T, U>(
  source: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<U>,
): AsyncGenerator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Promise<U>[] = [];
  let pull: Promise<IteratorResult<T>> | null = null;
  let done = false;
  try {
    while (!done || pending.length > 0) {
      if (!done && !pull && pending.length < limit) pull = iterator.next();
      const waiting: Promise<{ pulled: IteratorResult<T> } | { mapped: U }>[] = [];
      if (pull) waiting.push(pull.then((pulled) => ({ pulled })));
      if (pending.length > 0) waiting.push(pending[0].then((mapped) => ({ mapped })));
      const next = await Promise.race(waiting);
      if ('pulled' in next) {
        pull = null;
        if (next.pulled.done) done = true;
        else {
          const mapped = fn(next.pulled.value);
          // Rejections surface when this item reaches the head; until then they must not count as unhandled.
          mapped.catch(() => {});
          pending.push(mapped);
        }
      } else {
        pending.shift();
        yield next.mapped;
      }
    }
  } finally {
    if (!done) await iterator.return?.();
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
