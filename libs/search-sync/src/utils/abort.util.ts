/**
 * A signal that aborts when any of `signals` does, or after `timeoutMs`. `dispose` clears the timer
 * and the listeners once the run is over, so long-lived signals (shutdown) do not collect one listener
 * per run, and a budget timer does not outlive its run.
 */
export function linkedSignal(
  signals: readonly (AbortSignal | undefined)[],
  timeoutMs?: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  for (const source of sources) {
    if (source.aborted) controller.abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  const timer = timeoutMs === undefined ? undefined : setTimeout(abort, timeoutMs);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      for (const source of sources) source.removeEventListener('abort', abort);
    },
  };
}
