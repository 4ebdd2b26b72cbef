import * as crypto from 'node:crypto';
import type { EventMetadata, JsonValue } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: JsonValue | EventMetadata | undefined): string {
  // The same output as JSON.stringify per primitive and a sorted object/array walk, written
  // out by hand (no map/filter/join, no sort callback): this runs for every event appended
  // and verified, and dominated the in-memory log's append time.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          // A hole gives an empty item, as `join` would.
          if (i in value) out += canonicalJson(value[i]) ?? '';
        }
        return `${out}]`;
      }
      const record = value as Record<string, JsonValue | undefined>;
      const keys = sortKeys(Object.keys(record));
      let out = '{';
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${quoteKey(k)}:${canonicalJson(v)}`;
      }
      return `${out}}`;
    }
    default:
      return JSON.stringify(value);
  }
}

/** Sorts like `Array.prototype.sort()` (UTF-16 code units); insertion sort for the usual few keys. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** JSON.stringify of a key, skipping the call for printable ASCII that needs no escape. */
function quoteKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(key);
  }
  return `"${key}"`;
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

/** One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12) where available: it skips the Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * hash(n) = SHA-256(hash(n-1) ‖ "\n" ‖ canonical JSON of the event's recorded fields).
 * Every field that a reader relies on is covered, so editing, inserting or deleting a row
 * breaks the chain at that row. docs/protocol.md gives the exact form.
 */
export function chainHash(previous: string, e: HashedFields): string {
  return sha256Hex(`${previous}\n${hashedBody(e)}`);
}

/**
 * The canonical JSON of the hashed fields, keys in sorted order, written out directly: the
 * same text as `canonicalJson` of the object (which the fallback below still uses when a
 * field is missing, since canonicalJson leaves such a key out).
 */
function hashedBody(e: HashedFields): string {
  const time = e.time.toISOString();
  if (
    e.data === undefined ||
    e.id === undefined ||
    e.metadata === undefined ||
    e.position === undefined ||
    e.streamId === undefined ||
    e.streamVersion === undefined ||
    e.type === undefined
  ) {
    return canonicalJson({
      position: e.position,
      streamId: e.streamId,
      streamVersion: e.streamVersion,
      id: e.id,
      type: e.type,
      data: e.data,
      metadata: e.metadata as JsonValue,
      time,
    });
  }
  return (
    `{"data":${canonicalJson(e.data)},"id":${canonicalJson(e.id)},"metadata":${canonicalJson(e.metadata)}` +
    `,"position":${canonicalJson(e.position)},"streamId":${canonicalJson(e.streamId)}` +
    `,"streamVersion":${canonicalJson(e.streamVersion)},"time":${JSON.stringify(time)},"type":${canonicalJson(e.type)}}`
  );
}
