export * from './errors.ts';
export { canonicalJson, chainHash, GENESIS_HASH } from './hash.ts';
export { InMemoryEventLog } from './memory.ts';
export { openEventLog } from './open.ts';
export { PostgresEventLog } from './postgres/index.ts';
export * from './types.ts';
