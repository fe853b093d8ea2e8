import type { INestApplicationContext } from '@nestjs/common';
import type { DeadLetter } from '../dead-letters/dead-letter.interface.js';
import { SEARCH_SYNC_CONTEXT } from '../nest/search-sync.constants.js';
import type { SearchSyncContext } from '../nest/search-sync.context.js';
import { SearchSyncRegistry } from '../nest/search-sync.registry.js';
import type { SearchSyncService } from '../nest/search-sync.service.js';
import { backfillProgress } from './backfill.progress.js';
import { captureMigrationSql, writeCaptureMigration } from './capture-migration.writer.js';
import { type ParsedCommand, parseDuration, parseShare, wholeNumber } from './cli.arguments.js';
import type { CommandName } from './cli.commands.js';
import { ExitCode, type ExitCodeValue } from './cli.exit-codes.js';
import { renderPlan } from './plan.render.js';
import {
  reconcileDiffered,
  renderDeadLetters,
  renderReconcile,
  renderReplay,
  renderSync,
} from './report.render.js';
import { renderStatus } from './status.render.js';

/** What a command did: its exit code, its result for --json, and the same for people. */
export interface CommandOutcome {
  readonly exitCode: ExitCodeValue;
  readonly data: unknown;
  readonly text: string;
  /** What failed on the way though the command could answer (status without OpenSearch): one line on stderr. */
  readonly failure?: string;
}

interface Run {
  readonly command: ParsedCommand;
  readonly service: SearchSyncService;
  readonly app: INestApplicationContext;
  /** Aborted on SIGINT/SIGTERM: a run lets its batches in flight commit, then stops. */
  readonly signal: AbortSignal;
}

const done = (data: unknown, text: string, exitCode: ExitCodeValue = ExitCode.ok): CommandOutcome => ({
  exitCode,
  data,
  text,
});

// The parser has checked the arguments each command declares: those it requires are there.
const family = (c: ParsedCommand) => c.family!;
const version = (c: ParsedCommand) => c.version!;
const text = (c: ParsedCommand, option: string) => c.options[option] as string | undefined;

/** Dead letters of the command's family and version whose error type or reason contains `--reason`. */
async function matchingLetters({ command, service }: Run, includeResolved: boolean): Promise<DeadLetter[]> {
  const limit = text(command, 'limit');
  const reason = text(command, 'reason')?.toLowerCase();
  const letters = await service.deadLetters(family(command), {
    version: command.version,
    includeResolved,
    // With a reason to match, the limit applies to the matches.
    limit: limit === undefined || reason ? undefined : wholeNumber('--limit', limit),
  });
  const matching = reason
    ? letters.filter((l) => `${l.errorType} ${l.reason}`.toLowerCase().includes(reason))
    : letters;
  return limit === undefined ? matching : matching.slice(0, wholeNumber('--limit', limit));
}

const HANDLERS: Record<CommandName, (run: Run) => Promise<CommandOutcome>> = {
  status: async ({ command, service }) => {
    const status = await service.status(command.family);
    // Answered from the database while OpenSearch did not: shown, and the command still fails.
    const failure = status.find((s) => s.clusterError !== null)?.clusterError;
    if (failure) return { ...done(status, renderStatus(status), ExitCode.failed), failure };
    return done(status, renderStatus(status));
  },
  sync: async ({ command, service, signal }) => {
    const families = command.family ? [command.family] : service.families();
    const results = [];
    for (const name of families) results.push({ family: name, ...(await service.sync(name, { signal })) });
    const skipped = results.some((r) => r.outcome === 'skipped');
    const lines = results.map((r) => renderSync(r.family, r));
    return done(results, lines.join('\n'), skipped ? ExitCode.busy : ExitCode.ok);
  },
  backfill: async ({ command, service, signal }) => {
    const name = family(command);
    const progress = backfillProgress(
      await service.pendingChanges(name),
      command.options.progress === true && !command.json,
    );
    const result = await service
      .backfill(name, { signal, onBatch: progress.onBatch })
      .finally(() => progress.stop());
    const status = (await service.status(name))[0];
    return done(
      { family: name, ...result, versions: status.versions },
      `${renderSync(name, result)}\n${renderStatus([status])}`,
      result.outcome === 'skipped' ? ExitCode.busy : ExitCode.ok,
    );
  },
  promote: async ({ command, service }) => {
    const result = await service.promote(family(command), version(command));
    return done(result, `${result.alias} -> ${result.index} (was ${result.previous ?? 'nothing'})`);
  },
  rollback: async ({ command, service }) => {
    const result = await service.rollback(family(command));
    return done(result, `${result.alias} -> ${result.index}`);
  },
  retire: async ({ command, service }) => {
    const grace = text(command, 'grace');
    const graceMs = grace === undefined ? undefined : parseDuration(grace);
    const result = await service.retire(family(command), version(command), { graceMs });
    return done(result ?? null, `${family(command)}: version ${version(command)} retired`);
  },
  reconcile: async ({ command, service }) => {
    const sample = text(command, 'sample');
    const reports = await service.reconcile(family(command), command.version, {
      content: command.options.content === true || sample !== undefined,
      sample: sample === undefined ? undefined : parseShare(sample),
    });
    const differed = reconcileDiffered(reports);
    return done(
      reports,
      renderReconcile(family(command), reports),
      differed ? ExitCode.differences : ExitCode.ok,
    );
  },
  'dead-letters': async (run) => {
    const letters = await matchingLetters(run, run.command.options.resolved === true);
    return done(letters, renderDeadLetters(letters));
  },
  replay: async (run) => {
    const { command, service } = run;
    const reason = text(command, 'reason');
    const ids = reason === undefined ? undefined : (await matchingLetters(run, false)).map((l) => l.id);
    const report =
      ids?.length === 0
        ? { replayed: 0, resolved: 0, failed: 0 }
        : await service.replay(family(command), { version: command.version, ids });
    return done(
      report,
      renderReplay(family(command), report),
      report.failed > 0 ? ExitCode.differences : ExitCode.ok,
    );
  },
  plan: async ({ command, service }) => {
    const sample = text(command, 'sample');
    const show = text(command, 'show');
    const plan = await service.plan(family(command), version(command), {
      sample: sample === undefined ? undefined : wholeNumber('--sample', sample),
      show: show === undefined ? undefined : wholeNumber('--show', show),
    });
    return done(plan, renderPlan(plan), plan.trial.rejected.length > 0 ? ExitCode.differences : ExitCode.ok);
  },
  'capture-migration': async ({ command, app }) => {
    const registration = app.get(SearchSyncRegistry).get(family(command));
    const context = app.get<SearchSyncContext>(SEARCH_SYNC_CONTEXT);
    const { sync } = registration.runner;
    const sql = captureMigrationSql(
      registration.definition,
      sync.source,
      { tracked: sync.relatedPaths, optedOut: sync.optedOutPaths },
      context.stateSchema,
    );
    if (command.options.print === true) return done({ sql }, sql);
    const file = await writeCaptureMigration({
      sql,
      name: text(command, 'name') ?? `${registration.family}_change_capture`,
      out: text(command, 'out') ?? 'drizzle',
      config: text(command, 'config'),
      cwd: process.cwd(),
    });
    return done({ file }, `wrote ${file}: apply it with drizzle-kit migrate`);
  },
};

export function runCommand(run: Run): Promise<CommandOutcome> {
  return HANDLERS[run.command.command](run);
}
