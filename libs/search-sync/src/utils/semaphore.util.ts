/**
 * Bounds how many async tasks run at once across callers (bulk requests in flight, for one). The bound
 * may change while tasks run (the bulk throttle): a lower one lets running tasks finish and holds the
 * next, a higher one starts waiting tasks at once.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {}

  /** Waits for a slot; the function returned gives it back (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.active < this.limit && this.waiting.length === 0) this.active++;
    // A slot is counted as taken when it is handed over, so no caller can slip in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.grant();
    };
  }

  resize(limit: number): void {
    this.limit = limit;
    this.grant();
  }

  private grant(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()?.();
    }
  }
}
