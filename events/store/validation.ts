import { randomUUID } from 'node:crypto';
import { isUuid } from '../../protocol/uuid.ts';
import { hasControlCharacter, isWellFormed } from '../shared/text.ts';
import { InvalidAppendError } from './errors.ts';
import type { AppendOptions, EventMetadata, ExpectedVersion, JsonObject, NewEvent } from './types.ts';

export const LIMITS = {
  streamIdLength: 200,
  typeLength: 100,
  eventsPerAppend: 1000,
  /** Serialized size of one event's data plus metadata. */
  eventBytes: 256 * 1024,
  depth: 32,
};

const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

/** An event that passed validation: id assigned, metadata present. */
export interface ValidEvent {
  id: string;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
}

export interface ValidAppend {
  streamId: string;
  events: ValidEvent[];
  expectedVersion: ExpectedVersion;
}

/** Checks an append at the edge of the log so that a bad one fails whole, before any write. */
export function validateAppend(streamId: unknown, events: unknown, options: AppendOptions = {}): ValidAppend {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > LIMITS.streamIdLength) {
    throw new InvalidAppendError(`streamId must be a string of 1 to ${LIMITS.streamIdLength} characters`);
  }
  if (hasControlCharacter(streamId, { c1: false }))
    throw new InvalidAppendError('streamId must not contain control characters');
  if (!isWellFormed(streamId)) throw new InvalidAppendError('streamId must be well-formed Unicode');
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError('an append needs at least one event');
  }
  if (events.length > LIMITS.eventsPerAppend) {
    throw new InvalidAppendError(`an append takes at most ${LIMITS.eventsPerAppend} events`);
  }
  const expectedVersion = options.expectedVersion ?? 'any';
  if (expectedVersion !== 'any' && !(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)) {
    throw new InvalidAppendError("expectedVersion must be 'any' or a whole number >= 0");
  }
  const seen = new Set<string>();
  const valid = events.map((e: NewEvent, i): ValidEvent => {
    const where = `event ${i}`;
    if (typeof e !== 'object' || e === null) throw new InvalidAppendError(`${where} is not an object`);
    if (typeof e.type !== 'string' || !TYPE.test(e.type) || e.type.length > LIMITS.typeLength) {
      throw new InvalidAppendError(
        `${where}: type must match ${TYPE} and be at most ${LIMITS.typeLength} long`,
      );
    }
    const id = e.id === undefined ? randomUUID() : e.id;
    if (typeof id !== 'string' || !isUuid(id)) throw new InvalidAppendError(`${where}: id must be a UUID`);
    const lowerId = id.toLowerCase();
    if (seen.has(lowerId)) throw new InvalidAppendError(`${where}: id ${id} appears twice in one append`);
    seen.add(lowerId);
    if (!isPlainObject(e.data)) throw new InvalidAppendError(`${where}: data must be a JSON object`);
    const metadata = e.metadata ?? {};
    if (!isPlainObject(metadata)) throw new InvalidAppendError(`${where}: metadata must be a JSON object`);
    const size = { bytes: 0 };
    assertJson(e.data, `${where}.data`, 0, size);
    assertJson(metadata, `${where}.metadata`, 0, size);
    if (size.bytes > LIMITS.eventBytes) {
      throw new InvalidAppendError(`${where}: data and metadata exceed ${LIMITS.eventBytes} bytes`);
    }
    return { id: lowerId, type: e.type, data: e.data, metadata: dropUndefined(metadata) };
  });
  return { streamId, events: valid, expectedVersion };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dropUndefined(m: EventMetadata): EventMetadata {
  const out: EventMetadata = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = v;
  return out;
}

/** Refuses what JSON (or PostgreSQL's jsonb) cannot hold exactly, and counts approximate bytes. */
function assertJson(v: unknown, path: string, depth: number, size: { bytes: number }): void {
  if (depth > LIMITS.depth) throw new InvalidAppendError(`${path}: nested deeper than ${LIMITS.depth}`);
  if (size.bytes > LIMITS.eventBytes) return;
  switch (typeof v) {
    case 'string':
      if (v.includes('\u0000')) throw new InvalidAppendError(`${path}: strings must not contain NUL`);
      // A lone UTF-16 surrogate is a JavaScript string but not Unicode: jsonb refuses it, so the
      // in-memory log must too, or the two stores would disagree (issue 8, point 4).
      if (!isWellFormed(v)) throw new InvalidAppendError(`${path}: strings must be well-formed Unicode`);
      size.bytes += v.length + 2;
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new InvalidAppendError(`${path}: numbers must be finite`);
      size.bytes += 8;
      return;
    case 'boolean':
      size.bytes += 5;
      return;
    case 'object':
      if (v === null) {
        size.bytes += 4;
        return;
      }
      if (Array.isArray(v)) {
        v.forEach((item, i) => {
          assertJson(item, `${path}[${i}]`, depth + 1, size);
        });
        return;
      }
      if (!isPlainObject(v)) throw new InvalidAppendError(`${path}: only plain objects are JSON`);
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) throw new InvalidAppendError(`${path}: keys must not contain NUL`);
        if (!isWellFormed(k)) throw new InvalidAppendError(`${path}: keys must be well-formed Unicode`);
        if (item === undefined) continue;
        size.bytes += k.length + 3;
        assertJson(item, `${path}.${k}`, depth + 1, size);
      }
      return;
    default:
      throw new InvalidAppendError(`${path}: ${typeof v} is not a JSON value`);
  }
}
