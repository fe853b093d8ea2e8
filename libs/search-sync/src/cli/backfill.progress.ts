import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr for a backfill: changes applied of those pending, rate and ETA. Drawn when
 * stderr is a terminal, or always with `force` (then one line per update, for logs).
 */
export function backfillProgress(total: number, force: boolean) {
  const started = performance.now();
  let done = 0;
  const bar = new SingleBar(
    {
      format: '{bar} {percentage}% | {value}/{total} changes | {rate} changes/s | ETA {eta_formatted}',
      stream: process.stderr,
      noTTYOutput: force,
      notTTYSchedule: 1000,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const rate = () => Math.round(done / Math.max(0.001, (performance.now() - started) / 1000));
  bar.start(Math.max(total, 1), 0, { rate: 0 });
  return {
    onBatch: ({ changes }: { readonly changes: number }) => {
      done += changes;
      // Writes that arrive meanwhile add to what the backfill applies.
      if (done > total) bar.setTotal(done);
      bar.update(done, { rate: rate() });
    },
    stop: () => {
      bar.update(done, { rate: rate() });
      bar.stop();
    },
  };
}
