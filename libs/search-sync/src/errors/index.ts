export { CaptureNotInstalledError } from './capture-not-installed.error.js';
export { ClusterUnavailableError } from './cluster-unavailable.error.js';
export { SearchSyncConfigurationError } from './configuration.error.js';
export { InvalidIdentifierError } from './invalid-identifier.error.js';
export { SearchSyncError } from './search-sync.error.js';
