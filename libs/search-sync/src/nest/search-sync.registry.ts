import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { SearchIndexSchedule } from '../decorators/search-index.decorator.js';
import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { UnknownFamilyError } from '../errors/unknown-family.error.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import type { FamilyRunner } from '../sync/family.runner.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';

export interface FamilyRegistration {
  readonly className: string;
  readonly family: string;
  readonly schedule?: SearchIndexSchedule;
  /** The source table as the capture triggers name it in their notifications: `schema.table`. */
  readonly table: string;
  /** Whether a commit to the table runs the family at once (wake on commit). */
  readonly wakeOnCommit: boolean;
  readonly runner: FamilyRunner;
  /** The family as declared, for what reads it outside a run (plan). */
  readonly definition: FamilyDefinition;
}

/** The families discovered at bootstrap, by name; owns their runners and stops them at shutdown. */
@Injectable()
export class SearchSyncRegistry implements OnApplicationShutdown {
  private readonly families = new Map<string, FamilyRegistration>();
  private closing?: Promise<void>;

  constructor(@Inject(SEARCH_SYNC_CONTEXT) private readonly context: SearchSyncContext) {}

  add(registration: FamilyRegistration): void {
    const existing = this.families.get(registration.family);
    if (existing) {
      throw new SearchSyncBootstrapError(
        registration.className,
        registration.family,
        `${existing.className} already declares a family with this name (its alias): rename one of them.`,
      );
    }
    this.families.set(registration.family, registration);
  }

  get(family: string): FamilyRegistration {
    const registration = this.families.get(family);
    if (!registration) throw new UnknownFamilyError(family, [...this.families.keys()]);
    return registration;
  }

  all(): FamilyRegistration[] {
    return [...this.families.values()];
  }

  /**
   * Lets each run's batch in flight finish and commit, then closes the client if the module built it.
   * Once: Nest runs the hook again when an application is closed twice, and the OpenSearch client's
   * second `close()` never resolves.
   */
  onApplicationShutdown(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all(this.all().map((registration) => registration.runner.stop()));
    if (this.context.ownsClient) await this.context.client.close();
  }
}
