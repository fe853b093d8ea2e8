import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  advance(count: number): void;
  stop(): void;
}

/**
 * Rows done, rows/s and ETA: a live bar on a terminal, a line every few seconds otherwise (CI logs).
 */
export function progress(label: string, total: number): Progress {
  if (process.stdout.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { rate: 0 });
    return {
      advance(count) {
        const done = bar.getProgress() * total + count;
        bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
      },
      stop: () => bar.stop(),
    };
  }
  let done = 0;
  let lastLog = Date.now();
  const started = Date.now();
  return {
    advance(count) {
      done += count;
      if (Date.now() - lastLog < 3000) return;
      lastLog = Date.now();
      const rate = done / ((Date.now() - started) / 1000);
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      console.log(`${label}: ${done}/${total} rows, ${Math.round(rate)} rows/s, ETA ${eta}s`);
    },
    stop() {},
  };
}
