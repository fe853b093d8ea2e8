import type { SyncDatabase } from '../database/database.type.js';

/** Checks, inside a transaction that records progress, that the lease is still this holder's (and renews it). */
export type Fence = (tx: SyncDatabase) => Promise<void>;
