/** Camera rules managed in the cloud: kept revisions, live apply, current snapshots. */
export * from './applied-rules-store.js';
export * from './rules-sync.js';
