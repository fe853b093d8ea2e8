import { describe, expect, it } from 'vitest';
import { SyncEventHub, safeObserver } from './sync-event.hub.js';
import type { SyncEvent } from './sync-event.interface.js';

const lease = (held: boolean): SyncEvent => ({ type: 'lease', family: 'products', held });

describe('SyncEventHub', () => {
  it('tells every observer until it unsubscribes', () => {
    const hub = new SyncEventHub();
    const first: SyncEvent[] = [];
    const second: SyncEvent[] = [];
    const stopFirst = hub.subscribe((event) => first.push(event));
    hub.subscribe((event) => second.push(event));
    hub.emit(lease(true));
    stopFirst();
    hub.emit(lease(false));
    expect(first).toEqual([lease(true)]);
    expect(second).toEqual([lease(true), lease(false)]);
  });

  it('ignores what an observer throws, and still tells the others', () => {
    const hub = new SyncEventHub();
    const told: SyncEvent[] = [];
    hub.subscribe(() => {
      throw new Error('broken metrics');
    });
    hub.subscribe((event) => told.push(event));
    expect(() => hub.emit(lease(true))).not.toThrow();
    expect(told).toEqual([lease(true)]);
  });

  it('makes an observer given directly safe, and leaves none as none', () => {
    const observer = safeObserver(() => {
      throw new Error('broken');
    });
    expect(() => observer?.(lease(true))).not.toThrow();
    expect(safeObserver(undefined)).toBeUndefined();
  });
});
