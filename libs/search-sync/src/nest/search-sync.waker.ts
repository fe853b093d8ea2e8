import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { listenForChanges } from '../capture/change.listener.js';
import type { Listening } from '../database/database-driver.interface.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';
import { type FamilyRegistration, SearchSyncRegistry } from './search-sync.registry.js';
import { SearchSyncTrigger } from './search-sync.trigger.js';

/** A run woken by a commit streams a backfill for this long before it yields, as a scheduled one does. */
const WAKE_BACKFILL_BUDGET_MS = 5000;

/**
 * Wake on commit: listens for the capture triggers' notifications (one connection of the application's
 * postgres.js client, or one node-postgres client of the library's own beside the application's pool,
 * closed at shutdown) and runs the families whose table changed at once, so
 * freshness is the bulk latency plus the index refresh, not a polling interval. The schedule stays the
 * safety net: when listening starts again after its connection dropped, every family runs once for what
 * may have been missed meanwhile (not at bootstrap: what was committed before is the schedule's, and a
 * one-shot command that syncs right after bootstrap must not find the family already running).
 */
@Injectable()
export class SearchSyncWaker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SearchSync');
  private listening: Listening | null = null;

  constructor(
    private readonly registry: SearchSyncRegistry,
    private readonly trigger: SearchSyncTrigger,
    @Inject(SEARCH_SYNC_CONTEXT) private readonly context: SearchSyncContext,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.context.runSchedules) return;
    const woken = this.registry.all().filter((r) => r.wakeOnCommit);
    if (woken.length === 0) return;
    const byTable = new Map<string, FamilyRegistration[]>();
    for (const registration of woken) {
      byTable.set(registration.table, [...(byTable.get(registration.table) ?? []), registration]);
    }
    const wake = (registrations: readonly FamilyRegistration[]) => {
      for (const registration of registrations) void this.trigger.fire(registration, WAKE_BACKFILL_BUDGET_MS);
    };
    let listened = false;
    const listening = await listenForChanges(
      this.context.db,
      this.context.stateSchema,
      (table) => wake(byTable.get(table) ?? []),
      () => {
        if (listened) wake(woken);
        listened = true;
      },
    );
    if ('unavailable' in listening) {
      this.logger.warn(`${listening.unavailable}: families run on their schedule only`);
      return;
    }
    this.listening = listening;
    this.logger.log(`waking on commit: ${woken.map((r) => r.family).join(', ')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.listening?.stop();
    this.listening = null;
  }
}
