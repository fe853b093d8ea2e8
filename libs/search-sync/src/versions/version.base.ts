import type { Loader } from '../pipeline/load.stage.js';

/**
 * The version base of each version (0 unless its index was adopted), added to the external version of
 * every write to its index: an adopted index holds another state's documents, at versions this state's
 * row versions would not pass, so its writes would be answered 409 and counted as already newer. The
 * base only moves writes up together, so their order, and with it external versioning, is kept.
 */
export class VersionBases {
  private bases = new Map<number, number>();

  /** Takes the bases from the stored versions; every path that writes reads them first. */
  update(records: readonly { readonly version: number; readonly versionBase: number }[]): void {
    this.bases = new Map(records.filter((r) => r.versionBase > 0).map((r) => [r.version, r.versionBase]));
  }

  /** The loader with each operation's external version raised by its version's base. */
  wrap(loader: Loader): Loader {
    return (operations, halt) =>
      loader(
        this.bases.size === 0
          ? operations
          : operations.map((op) => {
              const base = this.bases.get(op.version) ?? 0;
              return base === 0
                ? op
                : { ...op, externalVersion: (op.externalVersion ?? op.rowVersion) + base };
            }),
        halt,
      );
  }
}
