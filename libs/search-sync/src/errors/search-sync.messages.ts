/** Every error message of the library, so their wording stays consistent and says what to change. */
export const messages = {
  invalidIdentifier: (what: string, value: string, pattern: string) =>
    `${what} "${value}" is not allowed: it must match /${pattern}/. Rename it.`,
  clusterUnavailable: (detail: string) =>
    `OpenSearch is unreachable or rejected every operation (${detail}). No checkpoint was moved: ` +
    'check the cluster and its URL, then run again.',
  databaseFailed: (family: string, detail: string) =>
    `Family "${family}": the database failed (${detail}). No checkpoint moved past what was indexed: ` +
    'the next run resumes from them once the database answers again.',
  captureNotInstalled: (table: string, missing: string) =>
    `Table "${table}" has no change capture (${missing} is missing). Apply changeCaptureSql() in a migration ` +
    'or call installChangeCapture() for it.',
  stateNotInstalled: (schema: string) =>
    `The search-sync state tables are missing in schema "${schema}". Apply searchSyncStateSql() in a migration ` +
    'or call installSearchSyncState().',
  invalidFamily: (family: string, problem: string) => `Family "${family}": ${problem}`,
  invalidVersion: (family: string, version: number, problem: string) =>
    `Family "${family}", version ${version}: ${problem}`,
  definitionChanged: (family: string, version: number) =>
    `Family "${family}", version ${version}: its mappings, settings, filter or transform changed since the ` +
    'version was created. Bump the version number to build a new index, or restore the old definition.',
  behaviourChanged: (family: string, version: number, documentId: string) =>
    `Family "${family}", version ${version}: its transform now makes another document of row "${documentId}" ` +
    'than when the version was created, though the row did not change (a helper it calls, or its filter, ' +
    'changed). Bump the version number to build a new index, or restore the old behaviour.',
  unknownFamily: (family: string, known: readonly string[]) =>
    `No family "${family}" is declared. Declared families: ${known.join(', ') || 'none'}.`,
  promotionRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be promoted: ${reason}`,
  rollbackRefused: (family: string, reason: string) => `Family "${family}": cannot roll back: ${reason}`,
  reconcileRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be reconciled: ${reason}`,
  retireRefused: (family: string, version: number, reason: string) =>
    `Family "${family}": version ${version} cannot be retired: ${reason}`,
  indexMissing: (family: string, versions: readonly { version: number; index: string }[]) =>
    `Family "${family}": ${versions
      .map((v) => `the index of version ${v.version} (${v.index}) is missing`)
      .join(', ')}. Nothing is written to it (a write would create it with dynamic mappings): retire the ` +
    'version if it was deleted on purpose, or restore the index from a snapshot.',
  leaseBusy: (family: string, holder: string) =>
    `Family "${family}" stayed busy (its lease is held by ${holder}); try again when its run has finished.`,
  runAbandoned: (takenOverBy: string) =>
    `Its lease expired before it finished (the instance stopped or stalled); ${takenOverBy} took the family over.`,
  leaseLost: (family: string, holder: string) =>
    `Family "${family}": this instance (${holder}) lost its lease to another instance; its progress was not recorded.`,
  metricRegistered: (name: string) =>
    `A metric named "${name}" is registered already in this registry: import SearchSyncMetricsModule once, ` +
    'or give each import its own `prefix` or `registry`.',
  moduleMissing: (addOn: string) =>
    `${addOn} needs SearchSyncModule: import SearchSyncModule.forRoot() or forRootAsync() in the application.`,
  healthDatabaseDown: (detail: string) =>
    `PostgreSQL cannot be reached (${detail}): no family can sync until it answers.`,
  healthClusterDown: (detail: string) =>
    `OpenSearch cannot be reached (${detail}): no family can sync until it answers.`,
  healthStatusUnavailable: (detail: string) => `The families' status could not be read (${detail}).`,
  healthVersionLagging: (family: string, version: number, index: string, lagSeconds: number, bound: number) =>
    `Family "${family}", version ${version} (${index}): its checkpoint has not moved for ${lagSeconds} s while ` +
    `changes wait, past the bound of ${bound} s. Check that its runs succeed (status, run log) and keep up.`,
  healthTimedOut: (what: string, timeoutMs: number) => `${what} did not answer within ${timeoutMs} ms`,
};
