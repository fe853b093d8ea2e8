import { Injectable, Logger } from '@nestjs/common';
import type { FamilyRegistration } from './search-sync.registry.js';

/**
 * Runs families for the schedule and for commits: at most one run in flight and one queued per family,
 * so a burst of commits costs one more run, not one each. Never throws into a timer or a listener; logs
 * what happened.
 */
@Injectable()
export class SearchSyncTrigger {
  private readonly logger = new Logger('SearchSync');
  private readonly inFlight = new Map<string, { run: Promise<void>; queued: boolean }>();

  /** Runs the family now, or once more when the run in flight ends. */
  fire(registration: FamilyRegistration, backfillBudgetMs: number): Promise<void> {
    const current = this.inFlight.get(registration.family);
    if (current) {
      current.queued = true;
      return current.run;
    }
    const state = { run: Promise.resolve(), queued: false };
    state.run = (async () => {
      do {
        state.queued = false;
        await this.runOnce(registration, backfillBudgetMs);
      } while (state.queued && !registration.runner.stopped);
      this.inFlight.delete(registration.family);
    })();
    this.inFlight.set(registration.family, state);
    return state.run;
  }

  /**
   * One run. A backfill streams for about one schedule interval per run, so runs keep their rhythm and
   * the live versions their freshness.
   */
  private async runOnce({ family, runner }: FamilyRegistration, backfillBudgetMs: number): Promise<void> {
    try {
      const result = await runner.run({ backfillBudgetMs });
      if (result.outcome === 'skipped') this.logger.debug(`${family}: skipped, ${result.reason}`);
      else if (result.report.changes > 0) {
        this.logger.log(`${family}: ${result.report.changes} changes in ${result.report.durationMs} ms`);
      }
    } catch (error) {
      this.logger.error(`${family}: run failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}
