import type { SyncEvent, SyncObserver } from './sync-event.interface.js';

/**
 * Observers of one module's families: the core emits to `emit`, observers come and go. An observer
 * that throws is ignored, so metrics or logs can never fail a run.
 */
export class SyncEventHub {
  private readonly observers = new Set<SyncObserver>();

  /** Adds an observer; the function returned removes it. */
  subscribe(observer: SyncObserver): () => void {
    this.observers.add(observer);
    return () => {
      this.observers.delete(observer);
    };
  }

  readonly emit = (event: SyncEvent): void => {
    for (const observer of this.observers) notify(observer, event);
  };
}

/** An observer given to the core directly, made safe: what it throws is ignored. */
export function safeObserver(observer?: SyncObserver): SyncObserver | undefined {
  return observer && ((event) => notify(observer, event));
}

function notify(observer: SyncObserver, event: SyncEvent): void {
  try {
    observer(event);
  } catch {
    // An observer's failure is its own: the work goes on.
  }
}
