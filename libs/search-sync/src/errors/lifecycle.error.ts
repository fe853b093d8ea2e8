import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * A lifecycle operation (promote, rollback, retire, reconcile, plan) refused for the state the version is
 * in: the message says why.
 */
export class LifecycleRefusedError extends SearchSyncError {
  static promote(family: string, version: number, reason: string): LifecycleRefusedError {
    return new LifecycleRefusedError(messages.promotionRefused(family, version, reason));
  }

  static nothingToRollBack(family: string, serving: number | null): LifecycleRefusedError {
    return new LifecycleRefusedError(messages.nothingToRollBack(family, serving));
  }

  static reconcile(family: string, version: number, reason: string): LifecycleRefusedError {
    return new LifecycleRefusedError(messages.reconcileRefused(family, version, reason));
  }

  static plan(family: string, version: number, reason: string): LifecycleRefusedError {
    return new LifecycleRefusedError(messages.planRefused(family, version, reason));
  }

  static retire(family: string, version: number, reason: string): LifecycleRefusedError {
    return new LifecycleRefusedError(messages.retireRefused(family, version, reason));
  }
}
