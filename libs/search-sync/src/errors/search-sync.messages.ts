import type { ForeignIndex, IndexOwner, StateIdentity } from './ownership.types.js';

const database = (location: { database: string; systemIdentifier: string }) =>
  `database "${location.database}" (PostgreSQL system ${location.systemIdentifier})`;

const owner = (found: IndexOwner | null, copiedFrom: string | null) =>
  found === null
    ? 'has no search-sync owner in its _meta (it was made by hand, by another tool, or by a search-sync release that did not record owners)'
    : `belongs to search-sync state ${found.state} (family "${found.family}", version ${found.version}) in ` +
      `${database(found)}${found.state === copiedFrom ? ', the state this one was copied from (this database is a restored backup or a copy)' : ''}`;

const list = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;

/** Every error message of the library, so their wording stays consistent and says what to change. */
export const messages = {
  invalidIdentifier: (what: string, value: string, pattern: string) =>
    `${what} "${value}" is not allowed: it must match /${pattern}/. Rename it.`,
  clusterUnavailable: (detail: string) =>
    `OpenSearch is unreachable, cannot write a shard, or rejected every operation (${detail}). ` +
    'No checkpoint was moved: check the cluster (its URL, its nodes, shards without an active copy, ' +
    'index blocks), then run again.',
  clusterUnreachable: (node: string | null, detail: string) =>
    `OpenSearch ${node ? `at ${node} ` : ''}did not answer (${detail}). No checkpoint moved: check that it ` +
    "runs and that the client's node URL points at it (the `opensearch` option of SearchSyncModule; " +
    "OPENSEARCH_URL in the README's application).",
  openSearchRefused: (node: string | null, status: number, detail: string) =>
    `OpenSearch ${node ? `at ${node} ` : ''}refused the client (${status} ${detail}` +
    `${status === 401 ? ', authentication failed' : ''}): check the client's ` +
    `credentials${status === 403 ? ' and the permissions of its user' : ''} (the \`auth\` of the ` +
    '`opensearch` option of SearchSyncModule, or the user and password in its node URL).',
  databaseFailed: (family: string | null, detail: string, notConnected: boolean) =>
    (family ? `Family "${family}": ` : '') +
    (notConnected
      ? `PostgreSQL refused the connection or could not be reached (${detail}): check the database given to ` +
        "SearchSyncModule (the connection it is made from, DATABASE_URL in the README's application: host, " +
        'port, database name, user, password).'
      : `PostgreSQL failed (${detail}).`) +
    (family
      ? ' No checkpoint moved past what was indexed: the next run resumes from them once the database answers again.'
      : ''),
  captureNotInstalled: (table: string, missing: string, family?: string) =>
    `Table "${table}" has no change capture (${missing} is missing). ` +
    (family
      ? `Write its migration with \`search-sync capture-migration ${family}\` and apply it ` +
        '(`drizzle-kit migrate`), or apply changeCaptureSql() in a migration, or call installChangeCapture().'
      : 'Apply changeCaptureSql() in a migration or call installChangeCapture() for it.'),
  nodePostgresNeedsPool: () =>
    "The node-postgres database is on one pg.Client, which cannot run search-sync's transactions beside its " +
    'reads (they would share its session). Give search-sync a database on a pool: drizzle(new Pool({ ... })) ' +
    'or drizzle(connectionString).',
  relatedCaptureNotInstalled: (family: string, relation: string, table: string) =>
    `Family "${family}" tracks relation "${relation}", but table "${table}" has no trigger recording its ` +
    'changes. Write the migration with `search-sync capture-migration ' +
    `${family}\` (or put relatedChangeCaptureSql() in one, or call installRelatedCapture()) and apply it.`,
  optedOutTriggersLeft: (family: string, relations: readonly string[]) =>
    `Family "${family}" opted out of re-indexing on ${relations.map((r) => `"${r}"`).join(', ')}, but their ` +
    'triggers are still installed: writers pay for them and their changes queue up. Write the migration ' +
    `again with \`search-sync capture-migration ${family}\` (it drops them) and apply it.`,
  stateNotInstalled: (schema: string) =>
    `The search-sync state tables are missing in schema "${schema}". List \`search-sync/state-schema\` in ` +
    "drizzle-kit's schema and run `drizzle-kit generate` then `drizzle-kit migrate`; or apply " +
    'searchSyncStateSql() in a migration, or call installSearchSyncState().',
  invalidFamily: (family: string, problem: string) => `Family "${family}": ${problem}`,
  invalidVersion: (family: string, version: number, problem: string) =>
    `Family "${family}", version ${version}: ${problem}`,
  invalidBulkOptions: (problem: string) =>
    `The bulk options cannot run: ${problem}. Change them in \`bulk\`.`,
  definitionChanged: (family: string, version: number) =>
    `Family "${family}", version ${version}: its mappings, settings, filter or transform changed since the ` +
    'version was created. Bump the version number to build a new index, or restore the old definition.',
  behaviourChanged: (family: string, version: number, documentId: string) =>
    `Family "${family}", version ${version}: its transform now makes another document of row "${documentId}" ` +
    'than it made of the same row, stored when the version was created (a helper it calls, its filter, its ' +
    'normaliser or a stage changed). Bump the version number to build a new index, or restore the old behaviour.',
  badReconcileSample: (sample: number) =>
    `reconcile's sample must be a share of the key space above 0 and at most 1 (0.01 for 1 %), not ${sample}.`,
  unknownFamily: (family: string, known: readonly string[]) =>
    `No family "${family}" is declared. Declared families: ${known.join(', ') || 'none'}.`,
  unknownVersion: (family: string, version: number, known: readonly number[]) =>
    `Family "${family}" has no version ${version}. Its versions: ${known.join(', ') || 'none'}.`,
  versionNotRegistered: () =>
    'it is not registered yet: bootstrap registers it (start the application, or run sync).',
  promotionRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be promoted: ${reason}`,
  reconcileRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be reconciled: ${reason}`,
  retireRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be retired: ${reason}`,
  planRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be planned: ${reason}`,
  indexMissing: (family: string, versions: readonly { version: number; index: string }[]) =>
    `Family "${family}": ${versions
      .map((v) => `the index of version ${v.version} (${v.index}) is missing`)
      .join(', ')}. Nothing is written to it (a write would create it with dynamic mappings): retire the ` +
    'version if it was deleted on purpose, or restore the index from a snapshot.',
  indexNotOwned: (family: string, indexes: readonly ForeignIndex[], copiedFrom: string | null) => {
    const them = indexes.length === 1 ? 'it' : 'them';
    const adoptable = indexes.filter((i) => !i.otherDefinition).map((i) => i.index);
    const described = indexes.map(
      (i) =>
        `index "${i.index}" ${owner(i.owner, copiedFrom)}` +
        (i.otherDefinition
          ? `; it is listed in \`adopt\`, but was built from another definition than version ${i.version}'s, so it cannot be adopted`
          : ''),
    );
    return (
      `Family "${family}": ${described.join('; ')}. This state did not create ${them} and writes nothing to ${them}. ` +
      `Either delete ${them} (DELETE /${indexes.map((i) => i.index).join(',')}) if the documents are not needed: ` +
      'each version then builds its own index' +
      (adoptable.length === 0
        ? '.'
        : `; or adopt ${adoptable.length === 1 ? 'it' : 'them'}: set \`adopt: ${list(adoptable)}\` in ` +
          "SearchSyncModule's options (or FamilySync's) for one deployment: an adopted index is reconciled " +
          "with this database before it is used, since its documents carry the other state's row versions.")
    );
  },
  stateCopied: (schema: string, previous: StateIdentity, current: StateIdentity) =>
    `The search-sync state in schema "${schema}" was made in ${database(previous)} and now lives in ` +
    `${database(current)}: a restored backup or a copy. It is now state ${current.id}, copied from ` +
    `${previous.id}: the indexes of that state are not its own until adopted (the \`adopt\` option).`,
  aliasElsewhere: (
    family: string,
    alias: string,
    indexes: readonly string[],
    serving: { version: number; index: string } | null,
  ) =>
    `Family "${family}": alias "${alias}" points at ${indexes.join(', ') || 'no index'}, but this state records ` +
    (serving
      ? `${serving.index} (version ${serving.version}) as serving. It is left as it is: promote a version to ` +
        'move it, or move it back by hand.'
      : 'no version as serving (the alias was made by another deployment, or before this state was ' +
        'installed). It is left as it is: promote a version to move it.'),
  nothingToRollBack: (family: string, serving: number | null) =>
    `Family "${family}": nothing to roll back: no version that served before ` +
    `${serving === null ? 'now' : `version ${serving}`} is still live. A rollback goes back one promotion ` +
    'at a time and never forward: promote a version to move the alias forward.',
  leaseBusy: (family: string, holder: string) =>
    `Family "${family}" stayed busy (its lease is held by ${holder}); try again when its run has finished.`,
  runAbandoned: (takenOverBy: string) =>
    `Its lease expired before it finished (the instance stopped or stalled); ${takenOverBy} took the family over.`,
  leaseLost: (family: string, holder: string) =>
    `Family "${family}": this instance (${holder}) lost its lease to another instance; its progress was not recorded.`,
  partitionLost: (family: string, version: number, partition: number, holder: string) =>
    `Family "${family}", version ${version}: this instance (${holder}) lost its claim on backfill partition ` +
    `${partition} (it stalled past the claim's expiry, or could not renew it); another instance resumes it ` +
    'from its cursor. Nothing more was sent for it from here.',
  partitionedCapture: (mode: string) =>
    `backfill.partitioned needs exact capture (the watermark is a snapshot of transactions); this family uses ${mode} capture. ` +
    'Remove backfill.partitioned from the family, or use exactCapture().',
  invalidPartitioning: (field: string, value: unknown) =>
    `backfill.${field} must be a positive integer (got ${String(value)}).`,
  metricRegistered: (name: string) =>
    `A metric named "${name}" is registered already in this registry: import SearchSyncMetricsModule once, ` +
    'or give each import its own `prefix` or `registry`.',
  moduleMissing: (addOn: string) =>
    `${addOn} needs SearchSyncModule: import SearchSyncModule.forRoot() or forRootAsync() in the application.`,
  healthDatabaseDown: (detail: string) =>
    `PostgreSQL cannot be reached (${detail}): no family can sync until it answers.`,
  healthClusterDown: (detail: string) =>
    `OpenSearch cannot be reached (${detail}): no family can sync until it answers.`,
  healthClusterRefused: (refusal: string) => `${refusal} No family can sync until it is fixed.`,
  healthStatusUnavailable: (detail: string) => `The families' status could not be read (${detail}).`,
  healthVersionLagging: (family: string, version: number, index: string, lagSeconds: number, bound: number) =>
    `Family "${family}", version ${version} (${index}): its checkpoint has not moved for ${lagSeconds} s while ` +
    `changes wait, past the bound of ${bound} s. Check that its runs succeed (status, run log) and keep up.`,
  healthRelatedWaiting: (family: string, waiting: number, oldestSeconds: number, bound: number) =>
    `Family "${family}": ${waiting} related changes wait to re-index its documents, the oldest for ` +
    `${oldestSeconds} s, past the bound of ${bound} s. Check that its runs succeed (status, run log) and keep up.`,
  healthTimedOut: (what: string, timeoutMs: number) => `${what} did not answer within ${timeoutMs} ms`,
};
