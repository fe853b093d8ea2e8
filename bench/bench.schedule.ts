/**
 * Fixed-rate ticks that skip while the previous task still runs, as the library's `every` schedule
 * does (no overlapping runs). The first failure is rethrown by `stop`.
 */
export function every(intervalMs: number, task: () => Promise<unknown>) {
  let running: Promise<unknown> | null = null;
  let failure: unknown = null;
  let ticks = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    ticks++;
    if (running) {
      skipped++;
      return;
    }
    running = task()
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return {
    async stop(): Promise<{ ticks: number; skipped: number }> {
      clearInterval(timer);
      await running;
      if (failure) throw failure;
      return { ticks, skipped };
    },
  };
}
