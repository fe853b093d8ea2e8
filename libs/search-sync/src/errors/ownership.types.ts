// The plain records the ownership messages name (search-sync.messages.ts): defined here, the lowest layer
// that names them, for the state (state/state.identity.ts) and the indexes (opensearch/index.owner.ts).

/** A database: its PostgreSQL cluster (`pg_control_system()`, new at every initdb) and its name. */
export interface DatabaseLocation {
  readonly systemIdentifier: string;
  readonly database: string;
}

/** Which state this is: the id its indexes carry, where it lives, and the state it was copied from. */
export interface StateIdentity extends DatabaseLocation {
  readonly id: string;
  readonly copiedFrom: string | null;
}

/**
 * Who an index belongs to, in its `_meta` under `search_sync`: the state that created (or adopted) it,
 * the database that state lives in, and the version it holds.
 */
export interface IndexOwner extends DatabaseLocation {
  readonly state: string;
  readonly family: string;
  readonly version: number;
  readonly definitionHash: string;
}

/** An index that exists but is not this state's: its owner (null: none recorded) and whether it may be adopted. */
export interface ForeignIndex {
  readonly version: number;
  readonly index: string;
  readonly owner: IndexOwner | null;
  /** Listed for adoption, but built from another definition of the version: adopting it would keep wrong mappings. */
  readonly otherDefinition: boolean;
}
