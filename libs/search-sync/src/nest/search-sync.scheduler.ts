import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';
import { type FamilyRegistration, SearchSyncRegistry } from './search-sync.registry.js';

const CRON_BACKFILL_BUDGET_MS = 5000;

/**
 * Mounts each family's schedule in the application's `SchedulerRegistry` (the module never imports
 * `ScheduleModule.forRoot()` itself: a second import would run every job twice) and removes them at
 * shutdown, before the runs in flight are let finish.
 */
@Injectable()
export class SearchSyncScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SearchSync');
  private readonly intervals: string[] = [];
  private readonly cronJobs: string[] = [];

  constructor(
    private readonly registry: SearchSyncRegistry,
    @Inject(SEARCH_SYNC_CONTEXT) private readonly context: SearchSyncContext,
    @Optional() private readonly schedulerRegistry?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.context.runSchedules) return;
    for (const registration of this.registry.all()) {
      const { schedule, className, family } = registration;
      if (!schedule) continue;
      if (!this.schedulerRegistry) {
        throw new SearchSyncBootstrapError(
          className,
          family,
          'it has a schedule but no SchedulerRegistry is available: import ScheduleModule.forRoot() in the ' +
            'application module, or set runSchedules: false on this instance.',
        );
      }
      const name = `search-sync:${family}`;
      if ('every' in schedule) {
        this.schedulerRegistry.addInterval(
          name,
          setInterval(() => void this.tick(registration, schedule.every), schedule.every),
        );
        this.intervals.push(name);
      } else {
        const job = CronJob.from({
          cronTime: schedule.cron,
          timeZone: schedule.timeZone,
          onTick: () => void this.tick(registration, CRON_BACKFILL_BUDGET_MS),
          start: true,
        });
        this.schedulerRegistry.addCronJob(name, job as never);
        this.cronJobs.push(name);
      }
    }
  }

  beforeApplicationShutdown(): void {
    for (const name of this.intervals.splice(0)) this.schedulerRegistry?.deleteInterval(name);
    for (const name of this.cronJobs.splice(0)) {
      this.schedulerRegistry?.getCronJob(name).stop();
      this.schedulerRegistry?.deleteCronJob(name);
    }
  }

  /**
   * A scheduled run: never throws into the timer, logs what happened. A backfill streams for about one
   * interval per run, so scheduled runs keep their rhythm and the live versions their freshness.
   */
  private async tick({ family, runner }: FamilyRegistration, backfillBudgetMs: number): Promise<void> {
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
