import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';
import { SearchSyncRegistry } from './search-sync.registry.js';
import { SearchSyncTrigger } from './search-sync.trigger.js';

const CRON_BACKFILL_BUDGET_MS = 5000;

/**
 * Mounts each family's schedule in the application's `SchedulerRegistry` (the module never imports
 * `ScheduleModule.forRoot()` itself: a second import would run every job twice) and removes them at
 * shutdown, before the runs in flight are let finish.
 */
@Injectable()
export class SearchSyncScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly intervals: string[] = [];
  private readonly cronJobs: string[] = [];

  constructor(
    private readonly registry: SearchSyncRegistry,
    private readonly trigger: SearchSyncTrigger,
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
          setInterval(() => void this.trigger.fire(registration, schedule.every), schedule.every),
        );
        this.intervals.push(name);
      } else {
        const job = CronJob.from({
          cronTime: schedule.cron,
          timeZone: schedule.timeZone,
          onTick: () => void this.trigger.fire(registration, CRON_BACKFILL_BUDGET_MS),
          start: true,
        });
        this.schedulerRegistry.addCronJob(name, job);
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
}
