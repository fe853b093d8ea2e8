import { SearchSyncError } from '../errors/search-sync.error.js';

/** A command line that cannot run as typed (unknown command, missing argument, no module): exit code 2. */
export class CommandLineError extends SearchSyncError {}
