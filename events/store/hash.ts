import { createHash } from 'node:crypto';
import type { EventMetadata, JsonValue } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: JsonValue | EventMetadata | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, JsonValue>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface HashedFields {
  position: number;
  streamId: string;
  streamVersion: number;
  id: string;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  time: Date;
}

/**
 * hash(n) = SHA-256(hash(n-1) ‖ "\n" ‖ canonical JSON of the event's recorded fields).
 * Every field that a reader relies on is covered, so editing, inserting or deleting a row
 * breaks the chain at that row. docs/protocol.md gives the exact form.
 */
export function chainHash(previous: string, e: HashedFields): string {
  const body = canonicalJson({
    position: e.position,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata as JsonValue,
    time: e.time.toISOString(),
  });
  return createHash('sha256').update(previous).update('\n').update(body).digest('hex');
}
