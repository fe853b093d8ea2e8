import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { messages } from '../errors/search-sync.messages.js';
import type { BackfillOptions } from '../family/backfill-options.interface.js';
import { DEFAULT_PARTITIONING, type PartitioningOptions } from './partition.cutter.js';

/**
 * A family's partitioning from its own `backfill` options over the module's: null when its backfill is
 * not partitioned. A family asking for it without exact capture is refused; a module-wide default
 * leaves such families on the single stream.
 */
export function resolvePartitioning(
  family: string,
  exact: boolean,
  own: BackfillOptions | undefined,
  defaults: BackfillOptions | undefined,
): PartitioningOptions | null {
  const options = { ...defaults, ...own };
  if (!options.partitioned) return null;
  if (!exact) {
    if (own?.partitioned)
      throw SearchSyncConfigurationError.family(family, messages.partitionedCapture('timestamp'));
    return null;
  }
  // Only a value left out takes the default: null is a value, and refused like the others.
  const resolved = {
    rowsPerPartition:
      options.rowsPerPartition === undefined
        ? DEFAULT_PARTITIONING.rowsPerPartition
        : options.rowsPerPartition,
    minPartitions:
      options.minPartitions === undefined ? DEFAULT_PARTITIONING.minPartitions : options.minPartitions,
  };
  for (const [field, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1)
      throw SearchSyncConfigurationError.family(family, messages.invalidPartitioning(field, value));
  }
  return resolved;
}
